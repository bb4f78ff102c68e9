/* xdc status: the failover controller's GET /v1/status, readable: the
 * active site, what each DNS server answers, the health monitor's verdict
 * and the switch running. */
#include "cli/cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct status_opts {
    cli_fo_where_t where;
    int json;
} status_opts_t;

static void print_help(void)
{
    printf("Usage: xdc status [--url URL] [--config FILE] [--json]\n"
           "  Ask the failover controller (GET URL/v1/status) which site clients are\n"
           "  on: the site the DNS name points at (primary, dr, inconsistent when the\n"
           "  servers disagree, unknown), each DNS server's answer, the health\n"
           "  monitor's verdict on the active site with its last probes and the RPO an\n"
           "  unplanned failover would have now, and the switch running, if any.\n"
           "  --url         the controller's http.listeners (default " CLI_FO_DEFAULT_URL ")\n"
           "  --config      the controller's failover.properties: its http.listeners,\n"
           "                where --url is not given\n"
           "  --json        print the controller's JSON\n"
           "Exit status: 0 printed, 1 the controller could not be reached or answered\n"
           "an error, 2 bad usage.\n");
}

static const char *str_or(const json_t *o, const char *key, const char *def)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : def;
}

static void print_dns(const json_t *servers)
{
    json_t *s, *a;
    size_t i, k;
    if (json_array_size(servers) == 0)
        printf("dns         no server\n");
    json_array_foreach(servers, i, s)
    {
        printf("%-11s %s  ", i ? "" : "dns", str_or(s, "server", "?"));
        json_t *answer = json_object_get(s, "answer");
        if (!answer) {
            printf("error: %s\n", str_or(s, "error", "no answer"));
            continue;
        }
        if (json_array_size(answer) == 0)
            printf("(no address)");
        json_array_foreach(answer, k, a) printf("%s%s", k ? ", " : "", json_string_value(a));
        printf("\n");
    }
}

static void print_probes(const json_t *probes)
{
    json_t *p;
    size_t i;
    json_array_foreach(probes, i, p)
    {
        const char *canary = str_or(p, "canary", NULL);
        char what[300];
        if (canary)
            snprintf(what, sizeof(what), "canary %s", canary);
        else
            snprintf(what, sizeof(what), "%s", str_or(p, "broker", "?"));
        printf("            probe %s  %s  %lld ms%s%s\n", what,
               json_is_true(json_object_get(p, "ok")) ? "ok" : "FAILED",
               (long long)json_integer_value(json_object_get(p, "ms")),
               json_object_get(p, "error") ? ": " : "", str_or(p, "error", ""));
    }
}

static void print_health(const json_t *h)
{
    if (!json_is_object(h)) {
        printf("health      not monitored\n");
        return;
    }
    int up = json_is_true(json_object_get(h, "up"));
    printf("health      %s %s: %lld failed intervals in a row, %lld in total, "
           "%lld good in a row\n",
           str_or(h, "site", "?"), up ? "up" : "DOWN",
           (long long)json_integer_value(json_object_get(h, "failed_intervals")),
           (long long)json_integer_value(json_object_get(h, "failed_intervals_total")),
           (long long)json_integer_value(json_object_get(h, "good_intervals")));
    print_probes(json_object_get(h, "probes"));
    json_t *rpo = json_object_get(h, "rpo_estimate");
    if (!json_is_object(rpo))
        return;
    if (json_integer_value(json_object_get(rpo, "sample_ms")) == 0) {
        printf("            RPO now: unknown (no lag sample of the mirror yet)\n");
        return;
    }
    char *text = cli_fo_rpo_text(rpo);
    printf("            RPO now: %s, lag sampled %.1f s ago\n", text,
           (double)json_integer_value(json_object_get(rpo, "sample_age_ms")) / 1e3);
    free(text);
}

static void print_status(const cli_fo_t *c, const json_t *s)
{
    printf("controller  %s: xdc-%s %s, pid %lld, up %.1f s\n", c->base,
           str_or(s, "service", "failover"), str_or(s, "version", "?"),
           (long long)json_integer_value(json_object_get(s, "pid")),
           (double)json_integer_value(json_object_get(s, "uptime_ms")) / 1e3);
    printf("active      %s\n", str_or(s, "active", "unknown (no DNS server answered)"));
    print_dns(json_object_get(s, "dns"));
    print_health(json_object_get(s, "health"));
    const char *running = str_or(s, "running", NULL);
    if (running)
        printf("running     %s (GET %s/v1/reports/%s)\n", running, c->base, running);
    else
        printf("running     none\n");
}

int cli_status(int argc, char **argv)
{
    status_opts_t o = {.where.reads_only = 1};
    const cli_opt_t opts[] = {
        {"--url", CLI_STR, &o.where.url, 0, 0},
        {"--config", CLI_STR, &o.where.config, 0, 0},
        {"--json", CLI_FLAG, &o.json, 0, 0},
        {NULL, CLI_FLAG, NULL, 0, 0},
    };
    int rc = cli_parse("status", argc, argv, opts, print_help);
    if (rc)
        return rc == 1 ? 0 : rc;
    cli_fo_t c;
    json_t *s = NULL;
    rc = cli_fo_open(&c, "status", &o.where);
    if (!rc)
        rc = cli_fo_call(&c, "GET", "/v1/status", NULL, &s);
    if (!rc && o.json)
        cli_print_json(json_incref(s));
    else if (!rc)
        print_status(&c, s);
    json_decref(s);
    cli_fo_close(&c);
    return rc;
}
