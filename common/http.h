#ifndef XDC_COMMON_HTTP_H
#define XDC_COMMON_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The small HTTP/1.1 server every daemon embeds for its API (the mirror's
 * GET /v1/lag, the failover controller's API), on libmicrohttpd.
 *
 * Threads: libmicrohttpd runs one internal polling thread per server, and
 * route handlers run on it, not on the daemon's loop. A handler that reads
 * or changes the daemon's state must take the daemon's lock (or hand the
 * work to its loop and wait). Handlers run one at a time per server.
 *
 * Every response is JSON unless a handler sets a text body. The scaffold
 * answers on its own, before any handler runs:
 *   401 {"error":"unauthorized"}      token set, Authorization missing/wrong
 *   404 {"error":"not found","path":"/x"}
 *   405 {"error":"method not allowed","method":"PUT"} with an Allow header
 *   413 {"error":"request body too large","limit":1048576}
 *   500 {"error":"<xdc_strerror(rc)>"} when a handler returns rc < 0 */

typedef struct http_server http_server_t;

typedef struct http_query_arg {
    const char *key;
    const char *value; /* "" for "?flag" without '=' */
} http_query_arg_t;

/* A request as a handler sees it. Everything is borrowed and valid only
 * during the handler call. Tests may build one by hand to call a handler
 * directly, without a socket. */
typedef struct http_request {
    const char *method;            /* "GET", "POST", ... */
    const char *path;              /* URL-decoded path without the query: "/v1/lag" */
    const http_query_arg_t *query; /* decoded query arguments, in request order */
    size_t nquery;
    const char *body; /* NUL-terminated for convenience; "" when there is none */
    size_t body_len;
} http_request_t;

/* What a handler fills in. The scaffold starts it as {.status = 200}. */
typedef struct http_response {
    int status;               /* HTTP status code, 100..599 */
    json_t *body;             /* the scaffold takes this reference and sends it compact + "\n" */
    char *text;               /* used when body is NULL: owned, free()d by the scaffold */
    const char *content_type; /* static; text's type, default "text/plain; charset=utf-8" */
} http_response_t;

/** A route handler. Fill @p resp (status and body or text) and return 0;
 *  return < 0 to answer 500 with xdc_strerror() of the code (any body set
 *  is then discarded). @p opaque is the server's conf.opaque.
 *  @thread the server's HTTP thread (see above). */
typedef int (*http_handler_cb)(const http_request_t *req, http_response_t *resp, void *opaque);

typedef struct http_route {
    const char *method;      /* exact, case-sensitive: "GET" */
    const char *path;        /* exact match: "/v1/lag"; a final '*' matches any rest
                              * (the path "/v1/reports/" + '*') */
    http_handler_cb handler; /* must not be NULL */
} http_route_t;

typedef struct http_server_conf {
    const char *host;  /* IPv4 or IPv6 literal: "127.0.0.1", "::1", "0.0.0.0" */
    int port;          /* 0 = ephemeral, see http_server_port() */
    const char *token; /* NULL or "" = no auth; else "Authorization: Bearer <token>" */
    const http_route_t *routes;
    size_t nroutes;
    void *opaque;           /* passed to every handler */
    size_t max_body_bytes;  /* 0 = 1 MiB; a larger request body gets 413 */
    bool token_writes_only; /* GET and HEAD need no token (reads are open) */
} http_server_conf_t;

#define HTTP_DEFAULT_MAX_BODY_BYTES ((size_t)1 << 20)

/** Bind @p conf->host:port, start the HTTP thread and serve @p conf->routes.
 *  @param conf borrowed; everything in it is copied except opaque, which
 *  must outlive the server.
 *  @return the server, or NULL with one line in @p errbuf such as
 *  "http: cannot listen on 127.0.0.1:8080: Address already in use".
 *  @thread any; handlers may run before this returns. */
http_server_t *http_server_new(const http_server_conf_t *conf, char *errbuf, size_t errlen);

/** The port the server is bound to (the kernel's choice when conf.port was 0).
 *  @thread any. */
int http_server_port(const http_server_t *srv);

/** Stop the HTTP thread, close every connection and free @p srv. Waits for
 *  a running handler to return, so do not call it while holding a lock that
 *  handlers take. NULL does nothing.  @thread any but the HTTP thread. */
void http_server_free(http_server_t *srv);

/** Look up query argument @p key (first occurrence).
 *  @return borrowed from @p req, "" for a key without a value, NULL when
 *  absent.  @thread any. */
const char *http_request_query(const http_request_t *req, const char *key);

/** Answer @p status with {"error": msg}, replacing any body or text already
 *  set.  @param msg borrowed; copied.  @thread any. */
void http_response_error(http_response_t *resp, int status, const char *msg);

#endif
