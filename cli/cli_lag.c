/* xdc lag: the mirror's GET /v1/lag as a table (or its JSON). */
#include "cli/cli.h"

#include "common/httpc.h"
#include "common/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LAG_DEFAULT_URL "http://127.0.0.1:8083"

typedef struct lag_opts {
    const char *url;
    const char *flow; /* NULL: every flow */
    int json;
    int timeout_ms;
} lag_opts_t;

static void print_help(void)
{
    printf("Usage: xdc lag [--url URL] [--flow SOURCE->TARGET] [--json] [--timeout-ms MS]\n"
           "  Ask a running xdc-mirror (GET URL/v1/lag) how far each target partition is\n"
           "  behind its source and print a table per flow: source log-end offset, last\n"
           "  offset the target acknowledged, lag in records and in seconds (age of the\n"
           "  oldest record not yet replicated), and whether the partition is paused.\n"
           "  --url         the mirror's http.listeners (default %s); a URL with a\n"
           "                path is used as is\n"
           "  --flow        only this flow\n"
           "  --json        print the mirror's JSON (with --flow: only that flow)\n"
           "  --timeout-ms  give up after this long (default 10000)\n"
           "Exit status: 0 printed, 1 the mirror could not be asked or answered an error,\n"
           "2 bad usage.\n",
           LAG_DEFAULT_URL);
}

/* @return 0, 1 (help printed) or 2 (usage error reported). */
static int parse_args(int argc, char **argv, lag_opts_t *o)
{
    *o = (lag_opts_t){.url = LAG_DEFAULT_URL, .timeout_ms = 10000};
    const cli_opt_t opts[] = {
        {"--url", CLI_STR, &o->url, 0, 0},    {"--flow", CLI_STR, &o->flow, 0, 0},
        {"--json", CLI_FLAG, &o->json, 0, 0}, {"--timeout-ms", CLI_INT, &o->timeout_ms, 1, 3600000},
        {NULL, CLI_FLAG, NULL, 0, 0},
    };
    return cli_parse("lag", argc, argv, opts, print_help);
}

/* The /v1/lag URL for --url: a bare "http://host:port" (with or without a
 * trailing '/') gets the path.  @return caller-owned. */
static char *lag_url(const char *url)
{
    const char *rest = strncmp(url, "http://", 7) == 0 ? url + 7 : url;
    const char *slash = strchr(rest, '/');
    if (!slash || strcmp(slash, "/") == 0)
        return xasprintf("%.*s/v1/lag", (int)(strlen(url) - (slash ? 1 : 0)), url);
    return xstrdup(url);
}

/* A lag row as printed; borrowed strings from the response. */
typedef struct lag_row {
    const char *topic, *remote;
    int partition, paused;
    json_int_t log_end, replicated, lag;
    double seconds;
    const char *failure;
} lag_row_t;

static int row_parse(json_t *p, lag_row_t *r, char *err, size_t errlen)
{
    json_error_t je;
    memset(r, 0, sizeof(*r));
    if (json_unpack_ex(p, &je, 0, "{s:s, s:s, s:i, s:I, s:I, s:I, s:F, s:b, s?s}", "topic",
                       &r->topic, "remote_topic", &r->remote, "partition", &r->partition,
                       "log_end_offset", &r->log_end, "replicated_offset", &r->replicated,
                       "lag_records", &r->lag, "lag_seconds", &r->seconds, "paused", &r->paused,
                       "failure", &r->failure) < 0) {
        xdc_errbuf(err, errlen, "partition entry: %s", je.text);
        return -1;
    }
    return 0;
}

static const char *row_state(const lag_row_t *r)
{
    if (r->failure)
        return r->failure;
    return r->paused ? "paused" : "ok";
}

static int num_width(json_int_t v)
{
    char b[32];
    return snprintf(b, sizeof(b), "%lld", (long long)v);
}

#define WIDEN(w, n) ((w) = (n) > (w) ? (n) : (w))

static int print_partitions(json_t *parts, char *err, size_t errlen)
{
    size_t n = json_array_size(parts), i;
    lag_row_t *rows = xcalloc(n ? n : 1, sizeof(*rows));
    int wt = 5, wr = 12, wl = 7, wp = 10, wlag = 3;
    json_t *p;

    json_array_foreach(parts, i, p)
    {
        if (row_parse(p, &rows[i], err, errlen) < 0) {
            free(rows);
            return -1;
        }
        WIDEN(wt, (int)strlen(rows[i].topic));
        WIDEN(wr, (int)strlen(rows[i].remote));
        WIDEN(wl, num_width(rows[i].log_end));
        WIDEN(wp, num_width(rows[i].replicated));
        WIDEN(wlag, num_width(rows[i].lag));
    }
    printf("  %-*s %4s  %-*s %*s %*s %*s %9s  %s\n", wt, "TOPIC", "PART", wr, "REMOTE TOPIC", wl,
           "LOG END", wp, "REPLICATED", wlag, "LAG", "LAG S", "STATE");
    for (i = 0; i < n; i++) {
        const lag_row_t *r = &rows[i];
        printf("  %-*s %4d  %-*s %*lld %*lld %*lld %9.1f  %s\n", wt, r->topic, r->partition, wr,
               r->remote, wl, (long long)r->log_end, wp, (long long)r->replicated, wlag,
               (long long)r->lag, r->seconds, row_state(r));
    }
    free(rows);
    return 0;
}

static int print_flow(json_t *f, char *err, size_t errlen)
{
    const char *name, *src, *dst;
    int nparts;
    json_int_t lag, replicated;
    double worst_s;
    json_t *worst, *hb, *parts;
    json_error_t je;

    if (json_unpack_ex(f, &je, 0, "{s:s, s:s, s:s, s:{s:i, s:I, s:F, s:I}, s:o, s:o, s:o}", "flow",
                       &name, "source", &src, "target", &dst, "totals", "partitions", &nparts,
                       "lag_records", &lag, "max_lag_seconds", &worst_s, "records_replicated",
                       &replicated, "worst_partition", &worst, "heartbeat", &hb, "partitions",
                       &parts) < 0 ||
        !json_is_array(parts)) {
        xdc_errbuf(err, errlen, "flow entry: %s", json_is_array(parts) ? je.text : "no partitions");
        return -1;
    }
    printf("%s: %d partition%s, lag %lld record%s, oldest unreplicated %.1f s, %lld replicated",
           name, nparts, nparts == 1 ? "" : "s", (long long)lag, lag == 1 ? "" : "s", worst_s,
           (long long)replicated);
    json_int_t hb_ms, hb_age;
    if (json_unpack(hb, "{s:I, s:I}", "latency_ms", &hb_ms, "age_ms", &hb_age) == 0)
        printf(", heartbeat latency %lld ms (%.1f s ago)", (long long)hb_ms, (double)hb_age / 1e3);
    const char *wt;
    int wp;
    if ((lag > 0 || worst_s > 0) &&
        json_unpack(worst, "{s:s, s:i}", "topic", &wt, "partition", &wp) == 0)
        printf(", worst %s-%d", wt, wp);
    printf("\n");
    return print_partitions(parts, err, errlen);
}

/* Keep only the flow named @p name in @p resp.  @return 0, or -1 if absent. */
static int select_flow(json_t *resp, const char *name)
{
    json_t *flows = json_object_get(resp, "flows"), *keep = json_array(), *f;
    size_t i;
    json_array_foreach(flows, i, f)
    {
        if (json_is_string(json_object_get(f, "flow")) &&
            strcmp(json_string_value(json_object_get(f, "flow")), name) == 0)
            json_array_append(keep, f);
    }
    json_object_set_new(resp, "flows", keep);
    return json_array_size(keep) ? 0 : -1;
}

static int print_response(json_t *resp, const lag_opts_t *o, const char *url)
{
    char err[512];
    json_t *flows = json_object_get(resp, "flows"), *f;
    size_t i;

    if (!json_is_array(flows)) {
        fprintf(stderr, "xdc: %s: unexpected answer: no \"flows\" array\n", url);
        return 1;
    }
    if (o->flow && select_flow(resp, o->flow) < 0) {
        fprintf(stderr, "xdc: %s: no flow '%s'\n", url, o->flow);
        return 1;
    }
    if (o->json) {
        json_dumpf(resp, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("\n");
        return 0;
    }
    flows = json_object_get(resp, "flows");
    if (json_array_size(flows) == 0)
        printf("no flows\n");
    json_array_foreach(flows, i, f)
    {
        if (i)
            printf("\n");
        if (print_flow(f, err, sizeof(err)) < 0) {
            fflush(stdout);
            fprintf(stderr, "xdc: %s: unexpected answer: %s\n", url, err);
            return 1;
        }
    }
    return 0;
}

int cli_lag(int argc, char **argv)
{
    lag_opts_t o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : rc;

    char err[1024], *url = lag_url(o.url);
    httpc_url_t check;
    if (httpc_url_parse(url, &check, err, sizeof(err)) < 0) {
        free(url);
        return cli_usage_error("lag: --url: %s", err);
    }
    httpc_response_t r;
    json_error_t je;
    json_t *resp = NULL;
    rc = 1;
    if (httpc_request("GET", url, NULL, NULL, o.timeout_ms, &r, err, sizeof(err)) < 0)
        fprintf(stderr, "xdc: %s\n", err);
    else if (r.status != 200)
        fprintf(stderr, "xdc: %s: HTTP %d: %.300s\n", url, r.status, r.body);
    else if (!(resp = json_loadb(r.body, r.body_len, JSON_REJECT_DUPLICATES, &je)))
        fprintf(stderr, "xdc: %s: answer is not JSON: %s\n", url, je.text);
    else
        rc = print_response(resp, &o, url);
    json_decref(resp);
    httpc_response_free(&r);
    free(url);
    return rc;
}
