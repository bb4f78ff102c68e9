/* xdc: the command-line tool. */
#include "cli/cli.h"

#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const cli_cmd_t commands[] = {
    {"config", "check properties files and print the configuration reference", cli_config},
    {"lag", "print a running mirror's replication lag per partition (GET /v1/lag)", cli_lag},
    {"translate", "translate a consumer group's offsets from a flow's source to its target",
     cli_translate},
    {"checkpoints", "apply a flow's latest checkpoints to the consumer groups on its target",
     cli_checkpoints},
    {"status", "print the active site, DNS answers and health (xdc-failover)", cli_status},
    {"failover", "move clients to DR phase by phase; also `failover reconcile`", cli_failover},
    {"failback", "move clients from DR back to the primary phase by phase", cli_failback},
    {"drill", "`drill run`: failover and failback under canary load, RTO/RPO", cli_drill},
};

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("xdc: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 2;
}

static void print_help(void)
{
    printf("xdc: cross-datacenter replication and disaster recovery for Kafka\n\n"
           "Usage: xdc <command> [options]\n\nCommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        printf("  %-12s %s\n", commands[i].name, commands[i].summary);
    printf("\n`xdc <command> --help` describes a command. Daemons: xdc-broker, xdc-mirror,\n"
           "xdc-failover (each takes a properties file and --help).\n");
}

int main(int argc, char **argv)
{
    log_set_ident("xdc");
    if (argc < 2)
        return cli_usage_error("missing command (see xdc --help)");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        print_help();
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("xdc %s\n", XDC_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    if (argv[1][0] == '-')
        return cli_usage_error("unknown option '%s' (see xdc --help)", argv[1]);
    return cli_usage_error("unknown command '%s' (see xdc --help)", argv[1]);
}
