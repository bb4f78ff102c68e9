/* The failover controller's HTTP API as `xdc status`, `xdc failover`,
 * `xdc failback` and `xdc drill` use it: where it is, the bearer token,
 * one request, following a report, and printing its phases. */
#include "cli/cli.h"

#include "common/clock.h"
#include "common/httpc.h"
#include "common/util.h"
#include "conf/conf.h"
#include "failover/failover.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FOLLOW_POLL_MS 200

/* The first line of @p path, trimmed.  @return 0, or 2 reported. */
static int read_token(const char *cmd, const char *path, char **out)
{
    char why[1200];
    if (xdc_read_secret("token file", path, out, why, sizeof(why)) < 0)
        return cli_usage_error("%s: %s", cmd, why);
    return 0;
}

/* The URL a client uses for @p listener: a wildcard address is reached on
 * loopback.  @return caller-owned, or NULL with the reason in @p err. */
static char *listener_url(const char *listener, char *err, size_t errlen)
{
    conf_listener_t l;
    char why[256];
    if (conf_listener_parse(listener, &l, why, sizeof(why)) < 0) {
        xdc_errbuf(err, errlen, "http.listeners: %s", why);
        return NULL;
    }
    if (l.port == 0) {
        xdc_errbuf(err, errlen, "http.listeners: port 0 is chosen at start: give --url");
        return NULL;
    }
    const char *host = l.host;
    if (!*host || !strcmp(host, "0.0.0.0"))
        host = "127.0.0.1";
    else if (!strcmp(host, "::"))
        host = "::1";
    int v6 = strchr(host, ':') != NULL;
    return xasprintf("http://%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "", l.port);
}

/* --url and --token-file from --config, where not given.  @return 0 or 2. */
static int from_config(cli_fo_t *c, const cli_fo_where_t *w, char **token_file)
{
    char err[1024];
    fo_conf_t conf;
    memset(&conf, 0, sizeof(conf));
    int rc = 0;
    if (fo_conf_load(w->config, NULL, 0, &conf, err, sizeof(err)) < 0) {
        rc = cli_usage_error("%s: %s", c->cmd, err);
    } else if (!w->url && !(c->base = listener_url(conf.http_listeners, err, sizeof(err)))) {
        rc = cli_usage_error("%s: %s: %s", c->cmd, w->config, err);
    } else if (!w->token_file && !w->reads_only && *conf.http_token_file) {
        *token_file = xstrdup(conf.http_token_file);
    }
    fo_conf_free(&conf);
    return rc;
}

int cli_fo_open(cli_fo_t *c, const char *cmd, const cli_fo_where_t *w)
{
    *c = (cli_fo_t){.cmd = cmd, .timeout_ms = 10000};
    char *token_file = w->token_file ? xstrdup(w->token_file) : NULL;
    if (w->config && from_config(c, w, &token_file)) {
        free(token_file);
        return 2;
    }
    if (!c->base)
        c->base = xstrdup(w->url ? w->url : CLI_FO_DEFAULT_URL);
    size_t n = strlen(c->base);
    while (n > 0 && c->base[n - 1] == '/')
        c->base[--n] = '\0';
    char err[1024], *probe = xasprintf("%s/v1/status", c->base);
    httpc_url_t u;
    int rc = httpc_url_parse(probe, &u, err, sizeof(err));
    free(probe);
    if (rc < 0) {
        free(token_file);
        return cli_usage_error("%s: --url: %s", cmd, err);
    }
    rc = token_file ? read_token(cmd, token_file, &c->token) : 0;
    free(token_file);
    return rc;
}

void cli_fo_close(cli_fo_t *c)
{
    free(c->base);
    free(c->token);
    c->base = c->token = NULL;
}

enum call_result { CALL_OK, CALL_UNREACHABLE, CALL_FAILED };

/* One request; failures are described in @p err, not printed. */
static int call(const cli_fo_t *c, const char *method, const char *path, const char *body,
                json_t **out, char *err, size_t errlen)
{
    char *url = xasprintf("%s%s", c->base, path), why[1024];
    httpc_response_t r;
    json_error_t je;
    int rc = CALL_FAILED;
    *out = NULL;
    if (httpc_request(method, url, c->token, body, c->timeout_ms, &r, why, sizeof(why)) < 0) {
        xdc_errbuf(err, errlen, "cannot reach the controller: %s", why);
        free(url);
        return CALL_UNREACHABLE;
    }
    json_t *j = json_loadb(r.body, r.body_len, 0, &je);
    const char *msg = json_string_value(json_object_get(j, "error"));
    if (r.status / 100 != 2 && msg)
        xdc_errbuf(err, errlen, "%s (HTTP %d)%s", msg, r.status,
                   r.status == 401 ? ": give the controller's http.token.file with --token-file"
                                   : "");
    else if (r.status / 100 != 2)
        xdc_errbuf(err, errlen, "%s: HTTP %d: %.300s", url, r.status, r.body);
    else if (!json_is_object(j))
        xdc_errbuf(err, errlen, "%s: the answer is not a JSON object: %s", url,
                   j ? "another JSON value" : je.text);
    else
        rc = CALL_OK;
    if (rc == CALL_OK)
        *out = json_incref(j);
    json_decref(j);
    httpc_response_free(&r);
    free(url);
    return rc;
}

int cli_fo_call(const cli_fo_t *c, const char *method, const char *path, const char *body,
                json_t **out)
{
    char err[2048];
    if (call(c, method, path, body, out, err, sizeof(err)) == CALL_OK)
        return 0;
    fprintf(stderr, "xdc: %s: %s\n", c->cmd, err);
    return 1;
}

int cli_fo_follow(const cli_fo_t *c, const char *id, cli_fo_progress_cb cb, void *arg, json_t **out)
{
    char path[512], err[2048];
    snprintf(path, sizeof(path), "/v1/reports/%s", id);
    int64_t reached = xdc_mono_ms();
    *out = NULL;
    for (;;) {
        json_t *r;
        int rc = call(c, "GET", path, NULL, &r, err, sizeof(err));
        /* A controller restarting is not the end of the switch: it finishes
         * a running one before it exits and the report stays in its
         * report.dir. */
        if (rc == CALL_UNREACHABLE && xdc_mono_ms() - reached < c->timeout_ms) {
            xdc_sleep_ms(FOLLOW_POLL_MS);
            continue;
        }
        if (rc != CALL_OK) {
            fflush(stdout);
            fprintf(stderr, "xdc: %s: %s\nxdc: %s: report %s: see GET %s%s\n", c->cmd, err, c->cmd,
                    id, c->base, path);
            return 1;
        }
        reached = xdc_mono_ms();
        if (cb)
            cb(r, arg);
        const char *outcome = json_string_value(json_object_get(r, "outcome"));
        if (outcome && strcmp(outcome, "running") != 0) {
            *out = r;
            return 0;
        }
        json_decref(r);
        xdc_sleep_ms(FOLLOW_POLL_MS);
    }
}

void cli_fo_print_phases(const json_t *report, size_t *printed, int indent)
{
    json_t *phases = json_object_get(report, "phases");
    for (size_t i = *printed; i < json_array_size(phases); i++) {
        json_t *ph = json_array_get(phases, i);
        /* Phases finish in order: the first without an end still runs. */
        if (!json_object_get(ph, "end_ms"))
            break;
        const char *name = json_string_value(json_object_get(ph, "name"));
        const char *error = json_string_value(json_object_get(ph, "error"));
        printf("%*s%-12s %7lld ms  ", indent, "", name ? name : "?",
               (long long)json_integer_value(json_object_get(ph, "duration_ms")));
        if (json_is_true(json_object_get(ph, "ok")))
            printf("ok\n");
        else
            printf("FAILED: %s\n", error ? error : "(no reason given)");
        *printed = i + 1;
    }
    fflush(stdout);
}

char *cli_fo_rpo_text(const json_t *rpo)
{
    if (!json_is_object(rpo))
        return xstrdup("-");
    json_t *bytes = json_object_get(rpo, "bytes");
    char b[64];
    if (json_is_integer(bytes))
        snprintf(b, sizeof(b), "%lld bytes", (long long)json_integer_value(bytes));
    else
        snprintf(b, sizeof(b), "bytes unknown");
    return xasprintf("%lld records, %s, %.1f s%s",
                     (long long)json_integer_value(json_object_get(rpo, "records")), b,
                     json_number_value(json_object_get(rpo, "seconds")),
                     json_is_true(json_object_get(rpo, "estimated"))
                         ? " (estimated from the mirror's last lag sample)"
                         : "");
}

/* What made a switch degraded: failed verification checks, groups whose
 * offsets were refused. */
static void print_degraded(const json_t *report, int indent)
{
    json_t *v = json_object_get(report, "verification"), *g;
    static const char *const checks[] = {"dns_ok", "cluster_id_ok", "canary_ok", "offsets_ok"};
    for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
        if (json_is_false(json_object_get(v, checks[i])))
            printf("%*s  verification %.*s failed\n", indent, "", (int)(strlen(checks[i]) - 3),
                   checks[i]);
    const char *canary = json_string_value(json_object_get(v, "canary_error"));
    if (canary)
        printf("%*s  canary: %s\n", indent, "", canary);
    size_t i;
    json_array_foreach(json_object_get(report, "offsets"), i, g)
    {
        if (json_is_false(json_object_get(g, "applied")))
            printf("%*s  group %s: offsets not applied: %s\n", indent, "",
                   json_string_value(json_object_get(g, "group")) ?: "?",
                   json_string_value(json_object_get(g, "error")) ?: "?");
    }
}

void cli_fo_print_summary(const json_t *report, int indent)
{
    const char *outcome = json_string_value(json_object_get(report, "outcome"));
    const char *error = json_string_value(json_object_get(report, "error"));
    printf("%*soutcome   %s%s%s\n", indent, "", outcome ? outcome : "?", error ? ": " : "",
           error ? error : "");
    if (outcome && !strcmp(outcome, "degraded"))
        print_degraded(report, indent);
    json_t *rto = json_object_get(report, "rto_ms");
    if (json_is_integer(rto))
        printf("%*sRTO       %lld ms (from t0 to the first canary through the name)\n", indent, "",
               (long long)json_integer_value(rto));
    else
        printf("%*sRTO       - (%s)\n", indent, "",
               json_is_true(json_object_get(report, "dry_run")) ? "dry run: nothing moved"
                                                                : "clients were not moved");
    const char *mode = json_string_value(json_object_get(report, "mode"));
    json_t *rpo = json_object_get(report, "rpo");
    char *text = cli_fo_rpo_text(rpo);
    if (!rpo && mode && !strcmp(mode, "unplanned") && outcome && !strcmp(outcome, "completed"))
        printf("%*sRPO       unknown until the old site is back: xdc failover reconcile\n", indent,
               "");
    else
        printf("%*sRPO       %s\n", indent, "", text);
    free(text);
    json_t *ttl = json_object_get(report, "dns_ttl_s");
    if (json_is_integer(ttl))
        printf("%*sDNS TTL   %lld s (clients that cached the old answer follow within it)\n",
               indent, "", (long long)json_integer_value(ttl));
    fflush(stdout);
}

int cli_fo_outcome_status(const char *outcome)
{
    return outcome && (!strcmp(outcome, "completed") || !strcmp(outcome, "dry-run")) ? 0 : 1;
}

void cli_fo_print_report_ref(const cli_fo_t *c, const char *id)
{
    printf("report    %s (GET %s/v1/reports/%s)\n", id, c->base, id);
}
