/* xdc-failover: parse arguments, load the configuration, run. */
#include "failover/failover.h"

#include "common/log.h"

static const conf_daemon_t daemon_desc = {
    "xdc-failover",
    "the failover controller: DNS switch, fencing, drills",
    &fo_conf_table,
};

int main(int argc, char **argv)
{
    fo_conf_t conf = {0};
    int rc = conf_daemon_args(&daemon_desc, argc, argv, &conf);
    if (rc != CONF_ARGS_RUN)
        return rc;
    log_set_ident("xdc-failover");
    conf_log_apply(&conf.log);
    char err[1024];
    rc = fo_run(&conf, err, sizeof(err));
    conf_free(&fo_conf_table, &conf);
    if (rc < 0) {
        log_error("failover failed: %s", err);
        return 1;
    }
    return 0;
}
