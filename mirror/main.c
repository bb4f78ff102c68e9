/* xdc-mirror: parse arguments, load the configuration, run. */
#include "mirror/mirror.h"

#include "common/log.h"

static const conf_daemon_t daemon_desc = {
    "xdc-mirror",
    "replicates a primary Kafka cluster to a DR cluster",
    &mir_conf_table,
};

int main(int argc, char **argv)
{
    mir_conf_t conf = {0};
    int rc = conf_daemon_args(&daemon_desc, argc, argv, &conf);
    if (rc != CONF_ARGS_RUN)
        return rc;
    log_set_ident("xdc-mirror");
    conf_log_apply(&conf.log);
    char err[1024];
    rc = mir_run(&conf, err, sizeof(err));
    conf_free(&mir_conf_table, &conf);
    if (rc < 0) {
        log_error("mirror failed: %s", err);
        return 1;
    }
    return 0;
}
