/* xdc checkpoints apply: commit a flow's latest checkpoints to the consumer
 * groups on its target. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ck_opts {
    const char *config, *flow;
    cli_strs_t groups;
    int json, dry_run, timeout_ms;
} ck_opts_t;

static void print_help(void)
{
    printf("Usage: xdc checkpoints apply --config FILE --flow SOURCE->TARGET [--group GROUP]...\n"
           "                             [--dry-run] [--json] [--timeout-ms MS]\n"
           "  Read the flow's checkpoints topic (<source>.checkpoints.internal) on the\n"
           "  target and commit each group's latest checkpoints to the same group on the\n"
           "  target, where its consumers resume after a failover. Every group in the\n"
           "  topic when no --group is given. A group with active members on the target\n"
           "  is refused: stop its consumers first.\n"
           "  --config      the mirror's properties file (mm2.properties)\n"
           "  --dry-run     print what would be committed, commit nothing\n"
           "  --timeout-ms  for each request and for reading the topic (default 30000)\n"
           "Exit status: 0 every group applied, 1 a group was refused or failed, or the\n"
           "checkpoints could not be read, 2 bad usage or configuration.\n");
}

static int parse_args(int argc, char **argv, ck_opts_t *o)
{
    *o = (ck_opts_t){.timeout_ms = 30000};
    const cli_opt_t opts[] = {
        {"--config", CLI_STR, &o->config, 0, 0},
        {"--flow", CLI_STR, &o->flow, 0, 0},
        {"--group", CLI_STRS, &o->groups, 0, 0},
        {"--dry-run", CLI_FLAG, &o->dry_run, 0, 0},
        {"--json", CLI_FLAG, &o->json, 0, 0},
        {"--timeout-ms", CLI_INT, &o->timeout_ms, 1, 3600000},
        {NULL, CLI_FLAG, NULL, 0, 0},
    };
    int rc = cli_parse("checkpoints apply", argc, argv, opts, print_help);
    if (rc == 0 && (!o->config || !o->flow))
        return cli_usage_error("checkpoints apply: --config and --flow are required");
    return rc;
}

static json_t *to_json(const ck_opts_t *o, const mir_applied_group_t *v, size_t n)
{
    json_t *groups = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *parts = json_array();
        for (size_t j = 0; j < v[i].nparts; j++) {
            const mir_applied_part_t *p = &v[i].parts[j];
            json_t *e = json_pack("{s:s, s:i, s:I, s:I, s:I, s:b}", "topic", p->topic, "partition",
                                  (int)p->partition, "source_offset", (json_int_t)p->source_offset,
                                  "target_offset", (json_int_t)p->target_offset, "previous_offset",
                                  (json_int_t)p->previous, "exact", p->inexact == CKPT_EXACT);
            if (p->inexact != CKPT_EXACT)
                json_object_set_new(e, "reason", json_string(ckpt_inexact_str(p->inexact)));
            json_array_append_new(parts, e);
        }
        json_t *g = json_pack("{s:s, s:b, s:i, s:o}", "group", v[i].group, "applied", v[i].applied,
                              "target_members", v[i].members, "partitions", parts);
        if (!v[i].applied)
            json_object_set_new(g, "error", json_string(v[i].error));
        json_array_append_new(groups, g);
    }
    return json_pack("{s:s, s:b, s:o}", "flow", o->flow, "dry_run", o->dry_run != 0, "groups",
                     groups);
}

static void print_table(const ck_opts_t *o, const mir_applied_group_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const mir_applied_group_t *g = &v[i];
        if (!g->applied) {
            printf("group %s: not applied: %s\n", g->group, g->error);
            continue;
        }
        printf("group %s: %s\n", g->group, o->dry_run ? "would commit" : "committed");
        for (size_t j = 0; j < g->nparts; j++) {
            const mir_applied_part_t *p = &g->parts[j];
            printf("  %s [%d]  source %lld -> target %lld  (was %lld)%s%s\n", p->topic,
                   (int)p->partition, (long long)p->source_offset, (long long)p->target_offset,
                   (long long)p->previous, p->inexact == CKPT_EXACT ? "" : "  inexact: ",
                   p->inexact == CKPT_EXACT ? "" : ckpt_inexact_str(p->inexact));
        }
    }
}

static int apply(int argc, char **argv)
{
    ck_opts_t o;
    int rc = parse_args(argc, argv, &o);
    if (rc) {
        free(o.groups.v);
        return rc == 1 ? 0 : rc;
    }
    mir_conf_t conf = {0};
    const mir_flow_conf_t *fc = NULL;
    if (cli_load_flow("checkpoints apply", o.config, o.flow, &conf, &fc)) {
        mir_conf_free(&conf);
        free(o.groups.v);
        return 2;
    }
    char err[1024];
    mir_applied_group_t *v = NULL;
    size_t n = 0;
    rc = mir_checkpoints_apply(&conf, fc, o.groups.v, o.groups.n, o.dry_run, o.timeout_ms, &v, &n,
                               err, sizeof(err));
    int failed = rc < 0;
    if (rc < 0)
        fprintf(stderr, "xdc: checkpoints apply: %s\n", err);
    else if (o.json)
        cli_print_json(to_json(&o, v, n));
    else if (n == 0)
        printf("no checkpoints on the target for flow %s\n", o.flow);
    else
        print_table(&o, v, n);
    for (size_t i = 0; i < n; i++) {
        if (!v[i].applied) {
            failed = 1;
            fprintf(stderr, "xdc: checkpoints apply: group %s: %s\n", v[i].group, v[i].error);
        }
    }
    mir_applied_free(v, n);
    mir_conf_free(&conf);
    free(o.groups.v);
    return failed;
}

int cli_checkpoints(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("checkpoints: missing subcommand (apply)");
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        print_help();
        return 0;
    }
    if (strcmp(argv[1], "apply") == 0)
        return apply(argc - 1, argv + 1);
    return cli_usage_error("checkpoints: unknown subcommand '%s' (apply)", argv[1]);
}
