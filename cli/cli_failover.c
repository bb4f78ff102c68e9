/* xdc failover, xdc failback and xdc failover reconcile: ask the failover
 * controller (xdc-failover) for a switch and follow its report. */
#include "cli/cli.h"

#include "common/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sw_opts {
    cli_fo_where_t where;
    const char *mode; /* failover only; NULL: planned */
    int dry_run, json, no_wait;
} sw_opts_t;

#define WHERE_HELP                                                                                 \
    "  --url         the controller's http.listeners (default " CLI_FO_DEFAULT_URL ")\n"           \
    "  --token-file  a file whose first line is the controller's bearer token\n"                   \
    "                (its http.token.file)\n"                                                      \
    "  --config      the controller's failover.properties: its http.listeners and\n"               \
    "                http.token.file, where --url and --token-file are not given\n"

#define WAIT_HELP                                                                                  \
    "  --json        print only the final report (JSON)\n"                                         \
    "  --no-wait     print the report id and return once the controller accepted\n"

static void failover_help(void)
{
    printf(
        "Usage: xdc failover [--mode planned|unplanned] [--dry-run] [--url URL]\n"
        "                    [--token-file FILE] [--config FILE] [--json] [--no-wait]\n"
        "       xdc failover reconcile [--url URL] [--token-file FILE] [--config FILE] [--json]\n"
        "  Ask the failover controller to move clients from the primary site to DR\n"
        "  (POST URL/v1/failover) and follow its report: one line per phase as it\n"
        "  finishes, then the outcome, RTO, RPO and the DNS TTL.\n"
        "  Planned (the default) fences the primary and drains the mirror first:\n"
        "  nothing acknowledged is lost. Unplanned is for a primary that is gone: no\n"
        "  fence, no drain, the RPO is estimated from the mirror's last lag sample.\n"
        "  `reconcile` then reads the old primary once it is back, fenced, and lists\n"
        "  per partition the records DR never got (POST URL/v1/reconcile).\n"
        "  --mode        planned (default) or unplanned\n"
        "  --dry-run     check every step, change nothing\n" WHERE_HELP WAIT_HELP
        "Exit status: 0 completed or dry run (reconcile: answered), 1 failed,\n"
        "degraded or refused, the controller could not be reached or answered an\n"
        "error, 2 bad usage.\n");
}

static void failback_help(void)
{
    printf("Usage: xdc failback [--dry-run] [--url URL] [--token-file FILE] [--config FILE]\n"
           "                    [--json] [--no-wait]\n"
           "  Ask the failover controller to move clients from DR back to the primary\n"
           "  site (POST URL/v1/failback), planned: DR is fenced and the failback mirror\n"
           "  drained first. Follows the report as `xdc failover` does.\n"
           "  --dry-run     check every step, change nothing\n" WHERE_HELP WAIT_HELP
           "Exit status: 0 completed or dry run, 1 failed or degraded, the controller\n"
           "could not be reached or answered an error, 2 bad usage.\n");
}

static void reconcile_help(void)
{
    printf("Usage: xdc failover reconcile [--url URL] [--token-file FILE] [--config FILE]\n"
           "                              [--json]\n"
           "  After an unplanned failover, once the old primary is reachable again: the\n"
           "  controller fences it and reads, per mirrored partition, what it holds past\n"
           "  what had been replicated (POST URL/v1/reconcile). Prints a table with the\n"
           "  replicated offset, the log end, and the records and bytes DR never got.\n" WHERE_HELP
           "  --json        print the controller's JSON\n"
           "Exit status: 0 answered, 1 nothing to reconcile, the old site cannot be read,\n"
           "the controller could not be reached or answered an error, 2 bad usage.\n");
}

/* @return 0, 1 (help printed) or 2 (usage error reported). */
static int parse_args(const char *cmd, int argc, char **argv, sw_opts_t *o, void (*help)(void))
{
    memset(o, 0, sizeof(*o));
    int is_failover = !strcmp(cmd, "failover");
    const cli_opt_t opts[] = {
        {"--url", CLI_STR, &o->where.url, 0, 0},
        {"--token-file", CLI_STR, &o->where.token_file, 0, 0},
        {"--config", CLI_STR, &o->where.config, 0, 0},
        {"--json", CLI_FLAG, &o->json, 0, 0},
        {"--dry-run", CLI_FLAG, &o->dry_run, 0, 0},
        {"--no-wait", CLI_FLAG, &o->no_wait, 0, 0},
        /* failback has no --mode: its NULL name ends the table here */
        {is_failover ? "--mode" : NULL, CLI_STR, &o->mode, 0, 0},
        {NULL, CLI_FLAG, NULL, 0, 0},
    };
    int rc = cli_parse(cmd, argc, argv, opts, help);
    if (rc == 0 && o->mode && strcmp(o->mode, "planned") && strcmp(o->mode, "unplanned"))
        return cli_usage_error("%s: --mode must be planned or unplanned, not '%s'", cmd, o->mode);
    return rc;
}

/* --- following a switch --------------------------------------------------- */

typedef struct progress {
    int header;
    size_t phases;
} progress_t;

static void on_progress(const json_t *r, void *arg)
{
    progress_t *p = arg;
    const char *from = json_string_value(json_object_get(r, "from"));
    const char *to = json_string_value(json_object_get(r, "to"));
    if (!p->header && from && to) {
        printf("%s %s -> %s, %s%s\n", json_string_value(json_object_get(r, "kind")) ?: "switch",
               from, to, json_string_value(json_object_get(r, "mode")) ?: "planned",
               json_is_true(json_object_get(r, "dry_run")) ? ", dry run" : "");
        p->header = 1;
    }
    cli_fo_print_phases(r, &p->phases, 2);
}

/* After 202 {"id"}: follow the report to its end.  @return the exit status. */
static int follow(const cli_fo_t *c, const sw_opts_t *o, const char *id)
{
    progress_t p = {0};
    json_t *r;
    if (cli_fo_follow(c, id, o->json ? NULL : on_progress, &p, &r))
        return 1;
    int rc = cli_fo_outcome_status(json_string_value(json_object_get(r, "outcome")));
    if (o->json) {
        cli_print_json(r);
        return rc;
    }
    cli_fo_print_summary(r, 0);
    cli_fo_print_report_ref(c, id);
    json_decref(r);
    return rc;
}

/* POST @p path with @p body and follow the switch it starts.
 * @return the exit status. */
static int run_switch(const char *cmd, const char *path, const sw_opts_t *o, json_t *body)
{
    cli_fo_t c;
    char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(body);
    json_t *accepted = NULL;
    int rc = cli_fo_open(&c, cmd, &o->where);
    if (!rc)
        rc = cli_fo_call(&c, "POST", path, text, &accepted);
    free(text);
    const char *id = json_string_value(json_object_get(accepted, "id"));
    if (!rc && !id) {
        fprintf(stderr, "xdc: %s: %s%s: the answer has no report id\n", cmd, c.base, path);
        rc = 1;
    }
    if (rc) {
        /* nothing started */
    } else if (o->no_wait && o->json) {
        cli_print_json(json_incref(accepted));
    } else if (o->no_wait) {
        printf("%s started\n", cmd);
        cli_fo_print_report_ref(&c, id);
    } else {
        rc = follow(&c, o, id);
    }
    json_decref(accepted);
    cli_fo_close(&c);
    return rc;
}

/* --- reconcile ------------------------------------------------------------- */

typedef struct rc_row {
    const char *topic;
    int partition;
    json_int_t replicated, log_end, records, bytes;
} rc_row_t;

static int num_width(json_int_t v)
{
    char b[32];
    return snprintf(b, sizeof(b), "%lld", (long long)v);
}

#define WIDEN(w, n) ((w) = (n) > (w) ? (n) : (w))

/* @return 0, or -1 for an entry that is not a partition's. */
static int print_reconcile_table(json_t *parts)
{
    size_t n = json_array_size(parts), i;
    rc_row_t *rows = xcalloc(n ? n : 1, sizeof(*rows));
    int w[6] = {5, 9, 10, 7, 7, 5};
    json_int_t records = 0, bytes = 0;
    json_t *p;
    json_array_foreach(parts, i, p)
    {
        rc_row_t *r = &rows[i];
        if (json_unpack(p, "{s:s, s:i, s:I, s:I, s:I, s:I}", "topic", &r->topic, "partition",
                        &r->partition, "replicated_offset", &r->replicated, "log_end_offset",
                        &r->log_end, "records", &r->records, "bytes", &r->bytes) < 0) {
            free(rows);
            return -1;
        }
        records += r->records;
        bytes += r->bytes;
        WIDEN(w[0], (int)strlen(r->topic));
        WIDEN(w[2], num_width(r->replicated));
        WIDEN(w[3], num_width(r->log_end));
        WIDEN(w[4], num_width(records));
        WIDEN(w[5], num_width(bytes));
    }
    printf("  %-*s %*s %*s %*s %*s %*s\n", w[0], "TOPIC", w[1], "PARTITION", w[2], "REPLICATED",
           w[3], "LOG-END", w[4], "RECORDS", w[5], "BYTES");
    for (i = 0; i < n; i++)
        printf("  %-*s %*d %*lld %*lld %*lld %*lld\n", w[0], rows[i].topic, w[1], rows[i].partition,
               w[2], (long long)rows[i].replicated, w[3], (long long)rows[i].log_end, w[4],
               (long long)rows[i].records, w[5], (long long)rows[i].bytes);
    printf("  %-*s %*s %*s %*s %*lld %*lld\n", w[0], "total", w[1], "", w[2], "", w[3], "", w[4],
           (long long)records, w[5], (long long)bytes);
    free(rows);
    return 0;
}

static int print_reconcile(const cli_fo_t *c, json_t *r)
{
    const char *report = json_string_value(json_object_get(r, "report"));
    const char *site = json_string_value(json_object_get(r, "site"));
    json_t *parts = json_object_get(r, "partitions");
    printf("%s (%s) holds %lld records, %lld bytes that %s never got\n",
           site ? site : "the old site",
           json_is_true(json_object_get(r, "fenced")) ? "fenced" : "NOT fenced",
           (long long)json_integer_value(json_object_get(r, "records")),
           (long long)json_integer_value(json_object_get(r, "bytes")),
           site && !strcmp(site, "dr") ? "primary" : "dr");
    if (!json_is_array(parts) || print_reconcile_table(parts) < 0) {
        fflush(stdout);
        fprintf(stderr, "xdc: %s: unexpected answer: bad \"partitions\"\n", c->cmd);
        return 1;
    }
    if (report)
        cli_fo_print_report_ref(c, report);
    return 0;
}

static int reconcile(int argc, char **argv)
{
    sw_opts_t o;
    memset(&o, 0, sizeof(o));
    const cli_opt_t opts[] = {
        {"--url", CLI_STR, &o.where.url, 0, 0},
        {"--token-file", CLI_STR, &o.where.token_file, 0, 0},
        {"--config", CLI_STR, &o.where.config, 0, 0},
        {"--json", CLI_FLAG, &o.json, 0, 0},
        {NULL, CLI_FLAG, NULL, 0, 0},
    };
    int rc = cli_parse("failover reconcile", argc, argv, opts, reconcile_help);
    if (rc)
        return rc == 1 ? 0 : rc;
    cli_fo_t c;
    json_t *r = NULL;
    rc = cli_fo_open(&c, "failover reconcile", &o.where);
    /* The controller answers once it has read the old site's tail. */
    c.timeout_ms = 120000;
    if (!rc)
        rc = cli_fo_call(&c, "POST", "/v1/reconcile", NULL, &r);
    if (!rc && o.json)
        cli_print_json(json_incref(r));
    else if (!rc)
        rc = print_reconcile(&c, r);
    json_decref(r);
    cli_fo_close(&c);
    return rc;
}

/* --- the commands ------------------------------------------------------------ */

int cli_failover(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "reconcile"))
        return reconcile(argc - 1, argv + 1);
    sw_opts_t o;
    int rc = parse_args("failover", argc, argv, &o, failover_help);
    if (rc)
        return rc == 1 ? 0 : rc;
    json_t *body =
        json_pack("{s:s, s:b}", "mode", o.mode ? o.mode : "planned", "dry_run", o.dry_run != 0);
    return run_switch("failover", "/v1/failover", &o, body);
}

int cli_failback(int argc, char **argv)
{
    sw_opts_t o;
    int rc = parse_args("failback", argc, argv, &o, failback_help);
    if (rc)
        return rc == 1 ? 0 : rc;
    return run_switch("failback", "/v1/failback", &o,
                      json_pack("{s:b}", "dry_run", o.dry_run != 0));
}
