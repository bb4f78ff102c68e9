/* Option parsing and flow lookup shared by the subcommands. */
#include "cli/cli.h"

#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cli_opt_t *find(const cli_opt_t *opts, const char *name)
{
    for (const cli_opt_t *o = opts; o->name; o++)
        if (strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

/* Store @p v in @p o's slot.  @return 0 or 2 (reported). */
static int set_value(const char *cmd, const cli_opt_t *o, const char *v)
{
    if (o->kind == CLI_STR) {
        *(const char **)o->slot = v;
        return 0;
    }
    if (o->kind == CLI_STRS) {
        cli_strs_t *l = o->slot;
        l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
        l->v[l->n++] = v;
        return 0;
    }
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || end == v || n < o->min || n > o->max)
        return cli_usage_error("%s: %s must be %ld..%ld, not '%s'", cmd, o->name, o->min, o->max,
                               v);
    *(int *)o->slot = (int)n;
    return 0;
}

int cli_parse(const char *cmd, int argc, char **argv, const cli_opt_t *opts, void (*help)(void))
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            return 1;
        }
        const cli_opt_t *o = find(opts, a);
        if (!o)
            return cli_usage_error("%s: unknown option '%s' (see xdc %s --help)", cmd, a, cmd);
        if (o->kind == CLI_FLAG) {
            *(int *)o->slot = 1;
            continue;
        }
        if (i + 1 >= argc)
            return cli_usage_error("%s: %s needs a value", cmd, a);
        if (set_value(cmd, o, argv[++i]))
            return 2;
    }
    return 0;
}

int cli_load_flow(const char *cmd, const char *config, const char *flow, mir_conf_t *conf,
                  const mir_flow_conf_t **fc)
{
    char err[1024];
    if (mir_conf_load(config, NULL, 0, conf, err, sizeof(err)) < 0)
        return cli_usage_error("%s", err);
    *fc = mir_conf_flow(conf, flow);
    if (!*fc)
        return cli_usage_error("%s: %s: no enabled flow '%s'", cmd, config, flow);
    return 0;
}

void cli_print_json(json_t *j)
{
    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("\n");
    json_decref(j);
}
