/* xdc drill run: a planned failover and failback under canary load, run
 * by the failover controller (POST /v1/drills), followed leg by leg. */
#include "cli/cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LEGS 4

typedef struct drill_opts {
    cli_fo_where_t where;
    int dry_run, json, no_wait;
} drill_opts_t;

static void print_help(void)
{
    printf("Usage: xdc drill run [--dry-run] [--url URL] [--token-file FILE] [--config FILE]\n"
           "                     [--json] [--no-wait]\n"
           "  Ask the failover controller for a DR drill (POST URL/v1/drills): a planned\n"
           "  failover to DR and a failback to the primary while a canary load runs,\n"
           "  and follow its report: per leg one line per phase as it finishes and the\n"
           "  leg's outcome, RTO, RPO and DNS TTL; then both RTOs and RPOs and what the\n"
           "  canary load saw (produced, acknowledged, failed, missing, longest gap).\n"
           "  --dry-run     check every step of both legs, change nothing\n"
           "  --url         the controller's http.listeners (default " CLI_FO_DEFAULT_URL ")\n"
           "  --token-file  a file whose first line is the controller's bearer token\n"
           "                (its http.token.file)\n"
           "  --config      the controller's failover.properties: its http.listeners and\n"
           "                http.token.file, where --url and --token-file are not given\n"
           "  --json        print only the final report (JSON)\n"
           "  --no-wait     print the report id and return once the controller accepted\n"
           "Exit status: 0 completed or dry run, 1 failed or degraded, the controller\n"
           "could not be reached or answered an error, 2 bad usage.\n");
}

typedef struct leg_progress {
    int header, done;
    size_t phases;
} leg_progress_t;

static void on_progress(const json_t *r, void *arg)
{
    leg_progress_t *legs = arg;
    json_t *leg;
    size_t i;
    json_array_foreach(json_object_get(r, "legs"), i, leg)
    {
        if (i >= MAX_LEGS)
            break;
        leg_progress_t *p = &legs[i];
        const char *from = json_string_value(json_object_get(leg, "from"));
        const char *to = json_string_value(json_object_get(leg, "to"));
        if (!p->header && from && to) {
            printf("leg %zu: %s %s -> %s, %s%s\n", i + 1,
                   json_string_value(json_object_get(leg, "kind")) ?: "switch", from, to,
                   json_string_value(json_object_get(leg, "mode")) ?: "planned",
                   json_is_true(json_object_get(leg, "dry_run")) ? ", dry run" : "");
            p->header = 1;
        }
        cli_fo_print_phases(leg, &p->phases, 2);
        const char *outcome = json_string_value(json_object_get(leg, "outcome"));
        if (!p->done && outcome && strcmp(outcome, "running") != 0) {
            cli_fo_print_summary(leg, 2);
            p->done = 1;
        }
    }
}

/* "completed, RTO 1843 ms, RPO 0 records, ..." for leg @p name. */
static void print_leg_line(const json_t *r, const char *name, size_t i)
{
    json_t *leg = json_array_get(json_object_get(r, "legs"), i);
    json_t *rto = json_object_get(json_object_get(r, "rto_ms"), name);
    json_t *rpo = json_object_get(json_object_get(r, "rpo"), name);
    if (!rto)
        rto = json_object_get(leg, "rto_ms");
    if (!rpo)
        rpo = json_object_get(leg, "rpo");
    char *rpo_text = cli_fo_rpo_text(rpo), rto_text[32] = "-";
    if (json_is_integer(rto))
        snprintf(rto_text, sizeof(rto_text), "%lld ms", (long long)json_integer_value(rto));
    printf("  %-9s %s, RTO %s, RPO %s\n", name,
           leg ? (json_string_value(json_object_get(leg, "outcome")) ?: "?") : "not run", rto_text,
           rpo_text);
    free(rpo_text);
}

/* The canary load's counts, those the controller reported. */
static void print_load(const json_t *load)
{
    static const char *const keys[] = {"produced", "acked", "failed", "missing"};
    if (!json_is_object(load))
        return;
    printf("canary   ");
    const char *sep = " ";
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        json_t *v = json_object_get(load, keys[i]);
        if (!json_is_integer(v))
            continue;
        printf("%s%s %lld", sep, keys[i], (long long)json_integer_value(v));
        sep = ", ";
    }
    json_t *gap = json_object_get(load, "max_gap_ms");
    if (json_is_integer(gap))
        printf("%slongest gap %lld ms", sep, (long long)json_integer_value(gap));
    const char *err = json_string_value(json_object_get(load, "last_error"));
    if (err)
        printf(" (last error: %s)", err);
    printf("\n");
}

static void print_summary(const cli_fo_t *c, const json_t *r, const char *id)
{
    const char *outcome = json_string_value(json_object_get(r, "outcome"));
    const char *error = json_string_value(json_object_get(r, "error"));
    printf("drill     %s%s%s\n", outcome ? outcome : "?", error ? ": " : "", error ? error : "");
    print_leg_line(r, "failover", 0);
    print_leg_line(r, "failback", 1);
    print_load(json_object_get(r, "canary_load"));
    cli_fo_print_report_ref(c, id);
}

static int run(int argc, char **argv)
{
    drill_opts_t o = {0};
    const cli_opt_t opts[] = {
        {"--url", CLI_STR, &o.where.url, 0, 0},
        {"--token-file", CLI_STR, &o.where.token_file, 0, 0},
        {"--config", CLI_STR, &o.where.config, 0, 0},
        {"--dry-run", CLI_FLAG, &o.dry_run, 0, 0},
        {"--json", CLI_FLAG, &o.json, 0, 0},
        {"--no-wait", CLI_FLAG, &o.no_wait, 0, 0},
        {NULL, CLI_FLAG, NULL, 0, 0},
    };
    int rc = cli_parse("drill run", argc, argv, opts, print_help);
    if (rc)
        return rc == 1 ? 0 : rc;
    cli_fo_t c;
    json_t *accepted = NULL, *r = NULL;
    char body[32];
    snprintf(body, sizeof(body), "{\"dry_run\":%s}", o.dry_run ? "true" : "false");
    rc = cli_fo_open(&c, "drill run", &o.where);
    if (!rc)
        rc = cli_fo_call(&c, "POST", "/v1/drills", body, &accepted);
    const char *id = json_string_value(json_object_get(accepted, "id"));
    if (!rc && !id) {
        fprintf(stderr, "xdc: drill run: %s/v1/drills: the answer has no report id\n", c.base);
        rc = 1;
    }
    leg_progress_t legs[MAX_LEGS] = {{0}};
    if (rc) {
        /* nothing started */
    } else if (o.no_wait && o.json) {
        cli_print_json(json_incref(accepted));
    } else if (o.no_wait) {
        printf("drill started\n");
        cli_fo_print_report_ref(&c, id);
    } else if (cli_fo_follow(&c, id, o.json ? NULL : on_progress, legs, &r)) {
        rc = 1;
    } else {
        rc = cli_fo_outcome_status(json_string_value(json_object_get(r, "outcome")));
        if (o.json)
            cli_print_json(json_incref(r));
        else
            print_summary(&c, r, id);
    }
    json_decref(r);
    json_decref(accepted);
    cli_fo_close(&c);
    return rc;
}

int cli_drill(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("drill: missing subcommand (run)");
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        print_help();
        return 0;
    }
    if (strcmp(argv[1], "run") == 0)
        return run(argc - 1, argv + 1);
    return cli_usage_error("drill: unknown subcommand '%s' (run)", argv[1]);
}
