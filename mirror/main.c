/* xdc-mirror: parse arguments, load the configuration, run. */
#include "mirror/mirror.h"

#include "common/log.h"

static int load(const char *path, const char *const *overrides, int noverrides, void *out,
                char *errbuf, size_t errlen)
{
    return mir_conf_load(path, overrides, noverrides, out, errbuf, errlen);
}

static void release(void *out)
{
    mir_conf_free(out);
}

static const conf_daemon_t daemon_desc = {
    "xdc-mirror",
    "replicates a primary Kafka cluster to a DR cluster",
    &mir_conf_table,
};

static const conf_loader_t loader = {load, release};

int main(int argc, char **argv)
{
    mir_conf_t conf = {0};
    int rc = conf_daemon_args_load(&daemon_desc, &loader, argc, argv, &conf);
    if (rc != CONF_ARGS_RUN)
        return rc;
    log_set_ident("xdc-mirror");
    conf_log_apply(&conf.log);
    /* Keys an mm2.properties may hold that xdc ignores: say so once, at start. */
    for (size_t i = 0; i < conf.nwarnings; i++)
        log_warn("%s", conf.warnings[i]);
    char err[1024];
    rc = mir_run(&conf, err, sizeof(err));
    mir_conf_free(&conf);
    if (rc < 0) {
        log_error("mirror failed: %s", err);
        return 1;
    }
    return 0;
}
