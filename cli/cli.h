#ifndef XDC_CLI_CLI_H
#define XDC_CLI_CLI_H

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

/** Print "xdc: <msg>" on one line to stderr.  @return 2. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
