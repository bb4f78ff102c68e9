/* xdc translate: a consumer group's committed offsets on a flow's source,
 * translated to its target from the flow's offset syncs. */
#include "cli/cli.h"

#include "common/util.h"
#include "mirror/mirror.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tr_opts {
    const char *config, *flow, *group, *topic;
    int json, timeout_ms;
} tr_opts_t;

static void print_help(void)
{
    printf("Usage: xdc translate --config FILE --flow SOURCE->TARGET --group GROUP\n"
           "                     [--topic TOPIC] [--json] [--timeout-ms MS]\n"
           "  Read GROUP's committed offsets on the flow's source and the flow's\n"
           "  offset-syncs topic, and print per partition the committed offset, the\n"
           "  offset on the target where the group resumes without skipping or\n"
           "  re-reading a mirrored record, and, when that is not exact, why.\n"
           "  --config      the mirror's properties file (mm2.properties)\n"
           "  --timeout-ms  for each request and for reading the syncs (default 30000)\n"
           "Exit status: 0 printed, 1 the clusters could not be read, 2 bad usage or\n"
           "configuration.\n");
}

/* @return 0, 1 (help printed) or 2 (usage error reported). */
static int parse_args(int argc, char **argv, tr_opts_t *o)
{
    *o = (tr_opts_t){.timeout_ms = 30000};
    const cli_opt_t opts[] = {
        {"--config", CLI_STR, &o->config, 0, 0},
        {"--flow", CLI_STR, &o->flow, 0, 0},
        {"--group", CLI_STR, &o->group, 0, 0},
        {"--topic", CLI_STR, &o->topic, 0, 0},
        {"--json", CLI_FLAG, &o->json, 0, 0},
        {"--timeout-ms", CLI_INT, &o->timeout_ms, 1, 3600000},
        {NULL, CLI_FLAG, NULL, 0, 0},
    };
    int rc = cli_parse("translate", argc, argv, opts, print_help);
    if (rc == 0 && (!o->config || !o->flow || !o->group))
        return cli_usage_error("translate: --config, --flow and --group are required");
    return rc;
}

static json_t *to_json(const tr_opts_t *o, const mir_translation_t *v, size_t n)
{
    json_t *parts = json_array();
    for (size_t i = 0; i < n; i++) {
        const mir_translation_t *t = &v[i];
        json_array_append_new(
            parts,
            json_pack("{s:s, s:i, s:s, s:I, s:I, s:o, s:b, s:o}", "topic", t->topic, "partition",
                      (int)t->partition, "remote_topic", t->remote, "committed",
                      (json_int_t)t->committed, "log_start", (json_int_t)t->log_start, "translated",
                      t->tr.offset >= 0 ? json_integer(t->tr.offset) : json_null(), "exact",
                      t->tr.inexact == CKPT_EXACT, "reason",
                      t->tr.inexact == CKPT_EXACT ? json_null()
                                                  : json_string(ckpt_inexact_str(t->tr.inexact))));
    }
    return json_pack("{s:s, s:s, s:o}", "flow", o->flow, "group", o->group, "partitions", parts);
}

static void print_table(const mir_translation_t *v, size_t n)
{
    int wt = 5, wr = 12;
    for (size_t i = 0; i < n; i++) {
        int a = (int)strlen(v[i].topic), b = (int)strlen(v[i].remote);
        wt = a > wt ? a : wt;
        wr = b > wr ? b : wr;
    }
    printf("%-*s %4s %12s  %-*s %12s  %s\n", wt, "TOPIC", "PART", "COMMITTED", wr, "REMOTE TOPIC",
           "TRANSLATED", "EXACT");
    for (size_t i = 0; i < n; i++) {
        const mir_translation_t *t = &v[i];
        char off[32] = "-";
        if (t->tr.offset >= 0)
            snprintf(off, sizeof(off), "%lld", (long long)t->tr.offset);
        printf("%-*s %4d %12lld  %-*s %12s  %s%s\n", wt, t->topic, (int)t->partition,
               (long long)t->committed, wr, t->remote, off,
               t->tr.inexact == CKPT_EXACT ? "yes" : "no: ",
               t->tr.inexact == CKPT_EXACT ? "" : ckpt_inexact_str(t->tr.inexact));
    }
}

int cli_translate(int argc, char **argv)
{
    tr_opts_t o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : rc;

    char err[1024];
    mir_conf_t conf = {0};
    const mir_flow_conf_t *fc = NULL;
    if (cli_load_flow("translate", o.config, o.flow, &conf, &fc)) {
        mir_conf_free(&conf);
        return 2;
    }
    mir_translation_t *v = NULL;
    size_t n = 0;
    rc = mir_translate_group(&conf, fc, o.group, o.topic, o.timeout_ms, &v, &n, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "xdc: translate: %s\n", err);
    } else if (o.json) {
        cli_print_json(to_json(&o, v, n));
    } else if (n == 0) {
        printf("group %s has no committed offsets%s%s on %s\n", o.group, o.topic ? " for " : "",
               o.topic ? o.topic : "", conf.clusters_v[fc->source].alias);
    } else {
        print_table(v, n);
    }
    mir_translations_free(v, n);
    mir_conf_free(&conf);
    return rc < 0 ? 1 : 0;
}
