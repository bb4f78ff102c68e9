#ifndef XDC_COMMON_SVC_H
#define XDC_COMMON_SVC_H

#include "common/http.h"
#include "common/metrics.h"

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

/* The runtime a daemon runs in: a libuv loop that stops cleanly on SIGTERM
 * or SIGINT, and the daemon's HTTP API, which always serves
 *   GET /v1/status  {"service":..., "version":..., "pid":..., "uptime_ms":...}
 *   GET /health     {"status":"ok"}
 *   GET /metrics    the daemon's registry, when it has one
 * next to the daemon's own routes. */

typedef struct svc svc_t;

/** Adds the daemon's own fields to the /v1/status body @p status.
 *  @thread the HTTP thread: take the daemon's locks. */
typedef void (*svc_status_cb)(json_t *status, void *opaque);

typedef struct svc_conf {
    const char *name;           /* "mirror": subject of log lines and /v1/status */
    const char *host;           /* HTTP API address; NULL/"" = all interfaces */
    int port;                   /* 0 = ephemeral */
    const char *token;          /* bearer token, NULL/"" = none */
    bool token_writes_only;     /* reads (GET) need no token */
    const http_route_t *routes; /* the daemon's own routes; may be NULL.
                                 * Their handlers get the svc_t * as opaque:
                                 * svc_opaque() returns the daemon's. */
    size_t nroutes;
    void *opaque;                /* the daemon's state, for its handlers */
    svc_status_cb status_cb;     /* may be NULL */
    metrics_registry_t *metrics; /* served at GET /metrics; may be NULL */
} svc_conf_t;

/** Create the loop, install the signal handlers and start the HTTP API.
 *  @param conf borrowed; copied.  @return NULL with a one-line reason. */
svc_t *svc_new(const svc_conf_t *conf, char *errbuf, size_t errlen);

/** The daemon's opaque from svc_conf_t; for route handlers, which receive
 *  the svc_t * as their opaque.  @thread any. */
void *svc_opaque(svc_t *s);

/** The loop, for the daemon's own handles.  @return borrowed. */
uv_loop_t *svc_loop(svc_t *s);

/** Run the loop until a signal or svc_stop(); then close the HTTP API and
 *  every handle on the loop (the daemon's close callbacks run).
 *  @return 0 or a libuv error. */
int svc_run(svc_t *s);

/** Ask the loop to stop.  @thread any (async-signal-safe). */
void svc_stop(svc_t *s);

/** The HTTP API's bound port. */
int svc_http_port(const svc_t *s);

/** Free @p s after svc_run() returned (or instead of running). NULL ok. */
void svc_free(svc_t *s);

#endif
