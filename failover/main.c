/* xdc-failover: parse arguments, load the configuration, run. */
#include "failover/failover.h"

#include "common/log.h"

static int load(const char *path, const char *const *overrides, int noverrides, void *out,
                char *errbuf, size_t errlen)
{
    return fo_conf_load(path, overrides, noverrides, out, errbuf, errlen);
}

static void release(void *out)
{
    fo_conf_free(out);
}

static const conf_loader_t loader = {load, release};

static const conf_daemon_t daemon_desc = {
    "xdc-failover",
    "the failover controller: DNS switch, fencing, drills",
    &fo_conf_table,
};

int main(int argc, char **argv)
{
    fo_conf_t conf = {0};
    int rc = conf_daemon_args_load(&daemon_desc, &loader, argc, argv, &conf);
    if (rc != CONF_ARGS_RUN)
        return rc;
    log_set_ident("xdc-failover");
    conf_log_apply(&conf.log);
    char err[1024];
    rc = fo_run(&conf, err, sizeof(err));
    fo_conf_free(&conf);
    if (rc < 0) {
        log_error("failover failed: %s", err);
        return 1;
    }
    return 0;
}
