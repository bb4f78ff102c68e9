#ifndef XDC_CLI_CLI_H
#define XDC_CLI_CLI_H

#include "mirror/mirror.h"

#include <jansson.h>
#include <stddef.h>

/* The `xdc` command-line tool. Each subcommand is a function taking the
 * arguments after its name and returning the process exit status:
 * 0 success, 1 the operation failed, 2 bad usage or configuration. */

typedef struct cli_cmd {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} cli_cmd_t;

int cli_config(int argc, char **argv);
int cli_lag(int argc, char **argv);
int cli_translate(int argc, char **argv);
int cli_checkpoints(int argc, char **argv);

/** Print "xdc: <msg>" on one line to stderr.  @return 2. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --- shared by the subcommands (cli_opts.c) ---------------------------- */

typedef enum cli_opt_kind {
    CLI_FLAG, /* int *: set to 1 */
    CLI_STR,  /* const char **: the value (borrowed from argv) */
    CLI_STRS, /* cli_strs_t *: each value, repeatable */
    CLI_INT,  /* int *: a decimal in min..max */
} cli_opt_kind_t;

typedef struct cli_strs {
    const char **v; /* borrowed from argv; the array is owned (free()) */
    size_t n;
} cli_strs_t;

typedef struct cli_opt {
    const char *name; /* "--config"; NULL ends a table */
    cli_opt_kind_t kind;
    void *slot;
    long min, max; /* CLI_INT */
} cli_opt_t;

/** Parse "--name [value]" options into @p opts' slots; --help/-h calls
 *  @p help.  @return 0, 1 (help printed) or 2 (usage error reported). */
int cli_parse(const char *cmd, int argc, char **argv, const cli_opt_t *opts, void (*help)(void));

/** Load the mirror properties @p config and find the enabled flow @p flow
 *  ("a->b").  @param conf zeroed; release with mir_conf_free() in any case.
 *  @return 0, or 2 with the error reported. */
int cli_load_flow(const char *cmd, const char *config, const char *flow, mir_conf_t *conf,
                  const mir_flow_conf_t **fc);

/** Print @p j indented to stdout and release it. */
void cli_print_json(json_t *j);

#endif
