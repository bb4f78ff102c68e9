/* The mirror daemon: one flow per enabled "<source>-><target>", and the
 * HTTP API that reports on them. */
#include "mirror/mir_int.h"

#include "common/err.h"
#include "common/log.h"
#include "common/svc.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct mir_daemon {
    mir_flows_t flows;
    metrics_registry_t *metrics;
} mir_daemon_t;

static mir_daemon_t *daemon_of(void *opaque)
{
    return svc_opaque(opaque);
}

static int on_lag(const http_request_t *req, http_response_t *resp, void *opaque)
{
    (void)req;
    mir_daemon_t *d = daemon_of(opaque);
    resp->body = mir__http_lag(d->flows.v, d->flows.n);
    return 0;
}

/* GET /v1/checkpoints[?group=G] */
static int on_checkpoints(const http_request_t *req, http_response_t *resp, void *opaque)
{
    mir_daemon_t *d = daemon_of(opaque);
    const char *group = http_request_query(req, "group");
    resp->body = mir__http_checkpoints(d->flows.v, d->flows.n, group && group[0] ? group : NULL);
    return 0;
}

/* GET /v1/status: the runtime's fields plus flows, topics, assignment and
 * paused partitions with their reasons. */
static void add_status(json_t *status, void *opaque)
{
    mir_daemon_t *d = opaque;
    json_object_set_new(status, "flows", mir__http_status(d->flows.v, d->flows.n));
}

static int on_metrics(const http_request_t *req, http_response_t *resp, void *opaque)
{
    (void)req;
    mir_daemon_t *d = daemon_of(opaque);
    buf_t b;
    buf_init(&b);
    metrics_render(d->metrics, &b);
    resp->text = xstrndup((const char *)b.data, b.len);
    resp->content_type = METRICS_CONTENT_TYPE;
    buf_close(&b);
    return 0;
}

static const http_route_t routes[] = {
    {"GET", "/v1/lag", on_lag},
    {"GET", "/v1/checkpoints", on_checkpoints},
    {"GET", "/metrics", on_metrics},
};

static void stop_flows(mir_daemon_t *d)
{
    for (size_t i = 0; i < d->flows.n; i++)
        mir__flow_stop(d->flows.v[i]);
    for (size_t i = 0; i < d->flows.n; i++)
        mir__flow_free(d->flows.v[i]);
    free(d->flows.v);
    d->flows = (mir_flows_t){0};
}

int mir_run(const mir_conf_t *conf, char *errbuf, size_t errlen)
{
    conf_listener_t l;
    char why[256];
    if (conf_listener_parse(conf->http_listeners, &l, why, sizeof(why)) < 0) {
        xdc_errbuf(errbuf, errlen, "http.listeners: %s", why);
        return XDC_ECONF;
    }
    mir_daemon_t d = {0};
    d.flows.v = xcalloc(conf->nflows + 1, sizeof(*d.flows.v));
    for (size_t i = 0; i < conf->nflows; i++) {
        d.flows.v[i] = mir__flow_new(conf, &conf->flows[i], errbuf, errlen);
        if (!d.flows.v[i]) {
            stop_flows(&d);
            return XDC_ECONF;
        }
        d.flows.n++;
    }
    d.metrics = metrics_registry_new();
    if (mir__http_metrics_register(d.metrics, &d.flows) < 0) {
        xdc_errbuf(errbuf, errlen, "cannot register the mirror's metrics");
        stop_flows(&d);
        metrics_registry_free(d.metrics);
        return XDC_ESTATE;
    }
    svc_conf_t sc = {
        .name = "mirror",
        .host = l.host,
        .port = l.port,
        .routes = routes,
        .nroutes = sizeof(routes) / sizeof(routes[0]),
        .opaque = &d,
        .status_cb = add_status,
    };
    svc_t *s = svc_new(&sc, errbuf, errlen);
    if (!s) {
        stop_flows(&d);
        metrics_registry_free(d.metrics);
        return XDC_ECONF;
    }
    int rc = 0;
    for (size_t i = 0; i < d.flows.n && rc == 0; i++)
        rc = mir__flow_start(d.flows.v[i], errbuf, errlen);
    if (rc == 0) {
        if (d.flows.n == 0)
            log_warn("no replication flow is enabled: the mirror only serves its HTTP API");
        rc = svc_run(s);
    }
    /* Flows stop first: leaving the groups commits what the targets hold. */
    stop_flows(&d);
    svc_free(s);
    metrics_registry_free(d.metrics);
    return rc;
}
