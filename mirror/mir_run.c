/* The mirror daemon: one flow per enabled "<source>-><target>", and the
 * HTTP API that reports on them and pauses and resumes them (its writes
 * take http.token.file's bearer token when one is set). */
#include "mirror/mir_int.h"

#include "common/err.h"
#include "common/json.h"
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

static void error_body(http_response_t *resp, int status, const char *msg)
{
    resp->status = status;
    resp->body = xjson_error_body(msg);
}

/* The flow a POST /v1/pause or /v1/resume names in its body, or NULL with
 * the answer (400, 404) in @p resp.  @param body out: the parsed body, to
 * json_decref() (NULL when the answer is set). */
static mir_flow_t *flow_of(mir_daemon_t *d, const http_request_t *req, http_response_t *resp,
                           json_t **body)
{
    char why[512];
    const char *name;
    *body = NULL;
    if (xjson_parse_object(req->body, req->body_len, body, why, sizeof(why)) < 0 ||
        xjson_get_string(*body, "flow", &name, why, sizeof(why)) < 0) {
        json_decref(*body);
        *body = NULL;
        return error_body(resp, 400, why), NULL;
    }
    for (size_t i = 0; i < d->flows.n; i++)
        if (strcmp(d->flows.v[i]->name, name) == 0)
            return d->flows.v[i];
    buf_t b;
    buf_init(&b);
    buf_printf(&b, "no flow %s: flows are ", name);
    for (size_t i = 0; i < d->flows.n; i++)
        buf_printf(&b, "%s%s", i ? ", " : "", d->flows.v[i]->name);
    if (d->flows.n == 0)
        buf_printf(&b, "none (no flow is enabled)");
    error_body(resp, 404, buf_cstr(&b));
    buf_close(&b);
    json_decref(*body);
    *body = NULL;
    return NULL;
}

/* POST /v1/pause {"flow": "a->b", "timeout_ms": 10000}: the flow stops
 * reading its source and the answer comes once the records in flight
 * landed, or after timeout_ms, with the replicated offsets, which stay
 * frozen until POST /v1/resume. The pause lives in this process only: a
 * restarted mirror runs all its flows, so the failover controller asserts
 * the pause again after a restart. */
static int on_pause(const http_request_t *req, http_response_t *resp, void *opaque)
{
    json_t *body;
    mir_flow_t *f = flow_of(daemon_of(opaque), req, resp, &body);
    if (!f)
        return 0;
    char why[512];
    int64_t timeout_ms;
    int rc = xjson_get_int64_opt(body, "timeout_ms", 10000, &timeout_ms, why, sizeof(why));
    json_decref(body);
    if (rc < 0)
        return error_body(resp, 400, why), 0;
    if (timeout_ms < 0 || timeout_ms > 600000) {
        snprintf(why, sizeof(why), "key \"timeout_ms\": %lld is not within 0..600000",
                 (long long)timeout_ms);
        return error_body(resp, 400, why), 0;
    }
    bool drained = mir__flow_pause(f, (int)timeout_ms);
    resp->body = mir__http_pause_answer(f, drained);
    return 0;
}

/* POST /v1/resume {"flow": "a->b"}: the flow reads again from where it
 * stopped. Resuming a running flow is not an error. */
static int on_resume(const http_request_t *req, http_response_t *resp, void *opaque)
{
    json_t *body;
    mir_flow_t *f = flow_of(daemon_of(opaque), req, resp, &body);
    if (!f)
        return 0;
    json_decref(body);
    mir__flow_resume(f);
    resp->body = mir__http_pause_answer(f, true);
    return 0;
}

/* clang-format off */
static const http_route_t routes[] = {
    {"GET", "/v1/lag", on_lag},
    {"POST", "/v1/pause", on_pause},
    {"POST", "/v1/resume", on_resume},
    {"GET", "/v1/checkpoints", on_checkpoints},
};
/* clang-format on */

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
    /* The token lives in its own file so the main configuration can be
     * shared without the secret. */
    char *token = NULL;
    if (*conf->http_token_file &&
        xdc_read_secret("http.token.file", conf->http_token_file, &token, errbuf, errlen) < 0)
        return XDC_ECONF;
    mir_daemon_t d = {0};
    d.flows.v = xcalloc(conf->nflows + 1, sizeof(*d.flows.v));
    for (size_t i = 0; i < conf->nflows; i++) {
        d.flows.v[i] = mir__flow_new(conf, &conf->flows[i], errbuf, errlen);
        if (!d.flows.v[i]) {
            stop_flows(&d);
            free(token);
            return XDC_ECONF;
        }
        d.flows.n++;
    }
    d.metrics = metrics_registry_new();
    if (mir__http_metrics_register(d.metrics, &d.flows) < 0) {
        xdc_errbuf(errbuf, errlen, "cannot register the mirror's metrics");
        stop_flows(&d);
        free(token);
        metrics_registry_free(d.metrics);
        return XDC_ESTATE;
    }
    svc_conf_t sc = {
        .name = "mirror",
        .host = l.host,
        .port = l.port,
        .token = token,
        .token_writes_only = true,
        .routes = routes,
        .nroutes = sizeof(routes) / sizeof(routes[0]),
        .opaque = &d,
        .status_cb = add_status,
        .metrics = d.metrics,
    };
    svc_t *s = svc_new(&sc, errbuf, errlen);
    free(token);
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
