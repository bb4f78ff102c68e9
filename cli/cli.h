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
int cli_status(int argc, char **argv);
int cli_failover(int argc, char **argv);
int cli_failback(int argc, char **argv);
int cli_drill(int argc, char **argv);

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

/* --- the failover controller's HTTP API (cli_fo.c) --------------------- */

#define CLI_FO_DEFAULT_URL "http://127.0.0.1:8084"

/* Where the controller is, as the options give it: --url and --token-file
 * win over what --config's http.listeners and http.token.file say. */
typedef struct cli_fo_where {
    const char *url, *token_file, *config; /* borrowed from argv; NULL: not given */
    int reads_only; /* GET only (the token guards writes): no token is read */
} cli_fo_where_t;

typedef struct cli_fo {
    const char *cmd; /* "failover", "drill run": prefixes messages; borrowed */
    char *base;      /* "http://host:port[/prefix]" without a trailing '/'; owned */
    char *token;     /* the bearer token, or NULL; owned */
    int timeout_ms;  /* per request */
} cli_fo_t;

/** Resolve @p w into @p c (zeroed first): the URL, and the token read from
 *  its file (one line, trimmed).  @param cmd borrowed, must outlive @p c.
 *  @return 0, or 2 with the error reported. Release @p c with
 *  cli_fo_close() in both cases. */
int cli_fo_open(cli_fo_t *c, const char *cmd, const cli_fo_where_t *w);

void cli_fo_close(cli_fo_t *c);

/** Send @p method to base + @p path with the token and @p body (NULL:
 *  none) and parse the JSON object it answers.
 *  @param out a new reference on success.
 *  @return 0 for a 2xx answer, or 1 with the error reported: the
 *  controller cannot be reached, answers an HTTP error (its "error"
 *  message is printed with the status) or something that is not JSON. */
int cli_fo_call(const cli_fo_t *c, const char *method, const char *path, const char *body,
                json_t **out);

/** Called with each version of a report being followed; borrowed. */
typedef void (*cli_fo_progress_cb)(const json_t *report, void *arg);

/** Poll GET /v1/reports/@p id every 200 ms until its outcome is no longer
 *  "running", calling @p cb (may be NULL) with each version, the last
 *  included. The controller may be unreachable for up to timeout_ms in a
 *  row (a restart) before this gives up.
 *  @param out the final report, a new reference.  @return 0, or 1 reported. */
int cli_fo_follow(const cli_fo_t *c, const char *id, cli_fo_progress_cb cb, void *arg,
                  json_t **out);

/** Print the phases of @p report that finished since *@p printed (a
 *  counter the caller keeps, starting at 0), one line each, indented by
 *  @p indent spaces. */
void cli_fo_print_phases(const json_t *report, size_t *printed, int indent);

/** The summary of a switch report (a failover, a failback, a drill's
 *  leg): outcome and error, what made it degraded, RTO, RPO and DNS TTL,
 *  one line each, indented by @p indent spaces. */
void cli_fo_print_summary(const json_t *report, int indent);

/** "N records, B bytes, S s" for a report's "rpo" (may be NULL: "-"), with
 *  "(estimated ...)" when it is.  @return caller-owned. */
char *cli_fo_rpo_text(const json_t *rpo);

/** Print the "report <id> (GET <url>)" line. */
void cli_fo_print_report_ref(const cli_fo_t *c, const char *id);

/** @return the exit status for a report's outcome: 0 for "completed" and
 *  "dry-run", 1 otherwise. */
int cli_fo_outcome_status(const char *outcome);

#endif
