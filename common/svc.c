/* Daemon runtime: loop, signals, HTTP API with /v1/status. */
#include "common/svc.h"

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct svc {
    char *name;
    uv_loop_t loop;
    uv_signal_t sigterm, sigint;
    uv_async_t stop_async;
    http_server_t *http;
    http_route_t *routes;
    void *opaque; /* the daemon's */
    svc_status_cb status_cb;
    metrics_registry_t *metrics;
    size_t nroutes;
    int64_t started_ms;
    int stopping;
};

static int on_status(const http_request_t *req, http_response_t *resp, void *opaque)
{
    svc_t *s = opaque;
    (void)req;
    /* Only immutable fields are read here: the HTTP thread needs no lock. */
    resp->body =
        json_pack("{s:s, s:s, s:i, s:I}", "service", s->name, "version", XDC_VERSION, "pid",
                  (int)getpid(), "uptime_ms", (json_int_t)(xdc_mono_ms() - s->started_ms));
    if (resp->body && s->status_cb)
        s->status_cb(resp->body, s->opaque);
    return resp->body ? 0 : XDC_ESTATE;
}

static void close_cb_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void on_stop(uv_async_t *a)
{
    svc_t *s = a->data;
    if (s->stopping)
        return;
    s->stopping = 1;
    log_info("%s stopping", s->name);
    uv_stop(&s->loop);
}

static void on_signal(uv_signal_t *sig, int signum)
{
    log_info("%s received %s", ((svc_t *)sig->data)->name, strsignal(signum));
    on_stop(&((svc_t *)sig->data)->stop_async);
}

/* Liveness for load balancers and supervisors: the HTTP thread answers. */
static int on_health(const http_request_t *req, http_response_t *resp, void *opaque)
{
    (void)req;
    (void)opaque;
    resp->body = json_pack("{s:s}", "status", "ok");
    return 0;
}

static int on_metrics(const http_request_t *req, http_response_t *resp, void *opaque)
{
    (void)req;
    svc_t *s = opaque;
    buf_t b;
    buf_init(&b);
    metrics_render(s->metrics, &b);
    resp->text = xstrndup((const char *)b.data, b.len);
    resp->content_type = METRICS_CONTENT_TYPE;
    buf_close(&b);
    return 0;
}

/* /v1/status, /health and /metrics come before the daemon's own routes. */
#define SVC_OWN_ROUTES 3

static http_server_t *start_http(svc_t *s, const svc_conf_t *conf, char *errbuf, size_t errlen)
{
    http_server_conf_t hc = {
        .host = conf->host && *conf->host ? conf->host : "0.0.0.0",
        .port = conf->port,
        .token = conf->token,
        .token_writes_only = conf->token_writes_only,
        .routes = s->routes,
        .nroutes = s->nroutes,
        .opaque = s,
    };
    return http_server_new(&hc, errbuf, errlen);
}

svc_t *svc_new(const svc_conf_t *conf, char *errbuf, size_t errlen)
{
    svc_t *s = xcalloc(1, sizeof(*s));
    s->name = xstrdup(conf->name);
    s->started_ms = xdc_mono_ms();
    s->opaque = conf->opaque;
    s->status_cb = conf->status_cb;
    s->metrics = conf->metrics;
    s->routes = xcalloc(conf->nroutes + SVC_OWN_ROUTES, sizeof(http_route_t));
    s->routes[s->nroutes++] = (http_route_t){"GET", "/v1/status", on_status};
    s->routes[s->nroutes++] = (http_route_t){"GET", "/health", on_health};
    if (s->metrics)
        s->routes[s->nroutes++] = (http_route_t){"GET", "/metrics", on_metrics};
    for (size_t i = 0; i < conf->nroutes; i++)
        s->routes[s->nroutes++] = conf->routes[i];
    uv_loop_init(&s->loop);
    uv_async_init(&s->loop, &s->stop_async, on_stop);
    uv_signal_init(&s->loop, &s->sigterm);
    uv_signal_init(&s->loop, &s->sigint);
    s->stop_async.data = s->sigterm.data = s->sigint.data = s;
    uv_signal_start(&s->sigterm, on_signal, SIGTERM);
    uv_signal_start(&s->sigint, on_signal, SIGINT);
    signal(SIGPIPE, SIG_IGN);
    s->http = start_http(s, conf, errbuf, errlen);
    if (!s->http) {
        svc_free(s);
        return NULL;
    }
    log_info("%s HTTP API on %s port %d", s->name,
             conf->host && *conf->host ? conf->host : "0.0.0.0", http_server_port(s->http));
    return s;
}

void *svc_opaque(svc_t *s)
{
    return s->opaque;
}

uv_loop_t *svc_loop(svc_t *s)
{
    return &s->loop;
}

int svc_run(svc_t *s)
{
    int rc = uv_run(&s->loop, UV_RUN_DEFAULT);
    http_server_free(s->http);
    s->http = NULL;
    return rc < 0 ? rc : 0;
}

void svc_stop(svc_t *s)
{
    uv_async_send(&s->stop_async);
}

int svc_http_port(const svc_t *s)
{
    return s->http ? http_server_port(s->http) : -1;
}

void svc_free(svc_t *s)
{
    if (!s)
        return;
    http_server_free(s->http);
    /* Close every handle still open, ours and the daemon's, then let their
     * close callbacks run so the loop can be closed. */
    uv_walk(&s->loop, close_cb_walk, NULL);
    uv_run(&s->loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&s->loop) < 0)
        log_warn("%s loop closed with handles open", s->name);
    free(s->routes);
    free(s->name);
    free(s);
}
