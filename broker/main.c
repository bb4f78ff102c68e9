/* xdc-broker: parse arguments, load the configuration, run the server. */
#include "broker/broker.h"

#include "common/log.h"

#include <stdio.h>
#include <sys/resource.h>

/* Every segment keeps its file open, as in Kafka, and each client takes a
 * descriptor: lift the soft limit to the hard one. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
            log_warn("broker cannot raise its open file limit");
    }
}

static const conf_daemon_t daemon_desc = {
    "xdc-broker",
    "the bundled Kafka-protocol broker",
    &brk_conf_table,
};

int main(int argc, char **argv)
{
    brk_conf_t conf = {0};
    int rc = conf_daemon_args(&daemon_desc, argc, argv, &conf);
    if (rc != CONF_ARGS_RUN)
        return rc;
    log_set_ident("xdc-broker");
    conf_log_apply(&conf.log);
    raise_fd_limit();
    char err[1024];
    brk_server_t *srv = brk_server_new(&conf, err, sizeof(err));
    conf_free(&brk_conf_table, &conf);
    if (!srv) {
        log_error("broker failed to start: %s", err);
        return 1;
    }
    rc = brk_server_run(srv);
    brk_server_free(srv);
    return rc < 0 ? 1 : 0;
}
