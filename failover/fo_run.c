/* The failover daemon: its HTTP API, and the thread a switch runs in. */
#include "failover/fo_int.h"

#include "common/err.h"
#include "common/json.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/svc.h"
#include "common/util.h"

#include <stdio.h>

#include <stdlib.h>
#include <string.h>

typedef struct fo_daemon {
    fo_t *fo;
    fo_monitor_t *monitor;
    metrics_registry_t *metrics;
    pthread_mutex_t lock;
    pthread_t worker;
    int worker_started; /* under lock: join before the next one */
    fo_switch_req_t req;
    char kind[16];
    char id[128]; /* the running switch's report id */
} fo_daemon_t;

static fo_daemon_t *daemon_of(void *opaque)
{
    return svc_opaque(opaque);
}

static void *worker_main(void *arg)
{
    fo_daemon_t *d = arg;
    json_t *report = NULL;
    if (strcmp(d->kind, "drill") == 0)
        fo_drill(d->fo, d->id, d->req.dry_run, &report);
    else
        fo_switch(d->fo, &d->req, &report);
    json_decref(report);
    return NULL;
}

static void error_body(http_response_t *resp, int status, const char *msg)
{
    resp->status = status;
    resp->body = xjson_error_body(msg);
}

/* Start a switch in the worker thread and answer 202 with its report id;
 * the client follows it at GET /v1/reports/<id>. */
static int start_switch(fo_daemon_t *d, const char *kind, const http_request_t *req,
                        http_response_t *resp)
{
    json_t *body = NULL;
    char why[512];
    const char *mode = "planned";
    bool dry_run = false;
    if (req->body_len && xjson_parse_object(req->body, req->body_len, &body, why, sizeof(why)) < 0)
        return error_body(resp, 400, why), 0;
    if (body && (xjson_get_string_opt(body, "mode", "planned", &mode, why, sizeof(why)) < 0 ||
                 xjson_get_bool_opt(body, "dry_run", false, &dry_run, why, sizeof(why)) < 0)) {
        json_decref(body);
        return error_body(resp, 400, why), 0;
    }
    int planned = strcmp(mode, "planned") == 0;
    if (!planned && strcmp(mode, "unplanned") != 0) {
        json_decref(body);
        return error_body(resp, 400, "mode: expected \"planned\" or \"unplanned\""), 0;
    }
    json_decref(body);
    pthread_mutex_lock(&d->lock);
    if (fo_switch_begin(d->fo, kind, d->id, sizeof(d->id)) < 0) {
        pthread_mutex_unlock(&d->lock);
        return error_body(resp, 409, "a switch is running: see GET /v1/reports"), 0;
    }
    if (d->worker_started)
        pthread_join(d->worker, NULL);
    snprintf(d->kind, sizeof(d->kind), "%s", kind);
    d->req =
        (fo_switch_req_t){.kind = d->kind, .planned = planned, .dry_run = dry_run, .id = d->id};
    d->worker_started = pthread_create(&d->worker, NULL, worker_main, d) == 0;
    pthread_mutex_unlock(&d->lock);
    if (!d->worker_started) {
        /* Nothing ran: release the claim with a report that says so. */
        json_t *r = json_pack("{s:s, s:s, s:s, s:s}", "id", d->id, "kind", kind, "outcome",
                              "failed", "error", "cannot start the switch's thread");
        fo__report_end(d->fo, r);
        json_decref(r);
        return error_body(resp, 500, "cannot start the switch's thread"), 0;
    }
    resp->status = 202;
    resp->body = json_pack("{s:s, s:s}", "id", d->id, "kind", kind);
    return 0;
}

static int on_failover(const http_request_t *req, http_response_t *resp, void *opaque)
{
    return start_switch(daemon_of(opaque), "failover", req, resp);
}

static int on_failback(const http_request_t *req, http_response_t *resp, void *opaque)
{
    return start_switch(daemon_of(opaque), "failback", req, resp);
}

/* POST /v1/drills {"dry_run": bool}: failover and failback, one report. */
static int on_drill(const http_request_t *req, http_response_t *resp, void *opaque)
{
    return start_switch(daemon_of(opaque), "drill", req, resp);
}

/* POST /v1/reconcile: answered when measured (seconds: it reads the old
 * site's unreplicated tail). */
static int on_reconcile(const http_request_t *req, http_response_t *resp, void *opaque)
{
    (void)req;
    char why[1024];
    json_t *out = NULL;
    int rc = fo_reconcile(daemon_of(opaque)->fo, &out, why, sizeof(why));
    if (rc == XDC_ESTATE || rc == XDC_ECONFLICT)
        return error_body(resp, 409, why), 0;
    if (rc)
        return error_body(resp, 503, why), 0;
    resp->body = out;
    return 0;
}

static int on_reports(const http_request_t *req, http_response_t *resp, void *opaque)
{
    (void)req;
    resp->body = json_pack("{s:o}", "reports", fo_report_list(daemon_of(opaque)->fo));
    return 0;
}

static int on_report(const http_request_t *req, http_response_t *resp, void *opaque)
{
    const char *id = req->path + strlen("/v1/reports/");
    json_t *r = fo_report_get(daemon_of(opaque)->fo, id);
    if (!r)
        return error_body(resp, 404, "no such report"), 0;
    resp->body = r;
    return 0;
}

static const http_route_t routes[] = {
    {"POST", "/v1/failover", on_failover}, {"POST", "/v1/failback", on_failback},
    {"POST", "/v1/drills", on_drill},      {"POST", "/v1/reconcile", on_reconcile},
    {"GET", "/v1/reports", on_reports},    {"GET", "/v1/reports/*", on_report},
};

/* GET /v1/status: which site the name points at, per DNS server. */
static void add_status(json_t *status, void *opaque)
{
    fo_daemon_t *d = opaque;
    const fo_conf_t *c = d->fo->conf;
    json_t *servers = json_array();
    const char *active = NULL;
    for (int i = 0; i < fo_dns_server_count(d->fo->dns); i++) {
        conf_list_t now;
        char why[512];
        json_t *o = json_pack("{s:s}", "server", fo_dns_server(d->fo->dns, i));
        if (fo_dns_lookup(d->fo->dns, i, &now, why, sizeof(why)) == 0) {
            const char *site = fo__addrs_equal(&now, &c->primary_addresses) ? "primary"
                               : fo__addrs_equal(&now, &c->dr_addresses)    ? "dr"
                                                                            : "unknown";
            active = !active || !strcmp(active, site) ? site : "inconsistent";
            json_object_set_new(o, "answer", fo__list_json(&now));
            conf_list_free(&now);
        } else {
            json_object_set_new(o, "error", json_string(why));
        }
        json_array_append_new(servers, o);
    }
    json_object_set_new(status, "active", active ? json_string(active) : json_null());
    json_object_set_new(status, "dns", servers);
    pthread_mutex_lock(&d->fo->lock);
    if (d->monitor)
        json_object_set_new(status, "health", fo__monitor_status(d->monitor));
    json_t *running = d->fo->drill ? d->fo->drill : d->fo->current;
    json_object_set_new(status, "running",
                        running ? json_incref(json_object_get(running, "id")) : json_null());
    json_object_set_new(status, "fenced_until_failback",
                        d->fo->hold ? json_deep_copy(d->fo->hold) : json_null());
    pthread_mutex_unlock(&d->fo->lock);
}

int fo_run(const fo_conf_t *conf, char *errbuf, size_t errlen)
{
    conf_listener_t l;
    char why[256], *token = NULL;
    if (conf_listener_parse(conf->http_listeners, &l, why, sizeof(why)) < 0) {
        xdc_errbuf(errbuf, errlen, "http.listeners: %s", why);
        return XDC_ECONF;
    }
    /* The token lives in its own file so the main configuration can be
     * shared without the secret. */
    if (*conf->http_token_file &&
        xdc_read_secret("http.token.file", conf->http_token_file, &token, errbuf, errlen) < 0)
        return XDC_ECONF;
    fo_daemon_t d = {0};
    d.fo = fo_new(conf, errbuf, errlen);
    if (!d.fo) {
        free(token);
        return XDC_ECONF;
    }
    pthread_mutex_init(&d.lock, NULL);
    d.metrics = metrics_registry_new();
    svc_conf_t sc = {.name = "failover",
                     .host = l.host,
                     .port = l.port,
                     .token = token,
                     .token_writes_only = true,
                     .routes = routes,
                     .nroutes = sizeof(routes) / sizeof(routes[0]),
                     .opaque = &d,
                     .status_cb = add_status,
                     .metrics = d.metrics};
    svc_t *s = svc_new(&sc, errbuf, errlen);
    free(token);
    if (s)
        d.monitor = fo__monitor_start(d.fo);
    if (s && fo__metrics_register(d.metrics, d.fo, d.monitor) < 0) {
        xdc_errbuf(errbuf, errlen, "cannot register the controller's metrics");
        svc_free(s);
        s = NULL;
    }
    int rc = s ? svc_run(s) : XDC_ECONF;
    fo__monitor_stop(d.monitor);
    /* A switch under way finishes: stopping half-way would leave the sites
     * in a state no report describes. */
    if (d.worker_started)
        pthread_join(d.worker, NULL);
    svc_free(s);
    fo_free(d.fo);
    metrics_registry_free(d.metrics);
    pthread_mutex_destroy(&d.lock);
    return rc;
}
