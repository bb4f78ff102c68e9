/* Keeping a site from taking writes: xdc.fenced on each xdc-broker through
 * the admin API, or the operator's fence.command for other clusters. */
#include "failover/fo_int.h"

#include "common/err.h"
#include "common/exec.h"
#include "common/json.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fence_command(const fo_conf_t *c, const char *site, int on, json_t *detail, char *errbuf,
                         size_t errlen)
{
    const char *env[] = {NULL, NULL, NULL, NULL};
    char *e0 = xasprintf("XDC_FENCE_SITE=%s", site);
    char *e1 = xasprintf("XDC_FENCE_ACTION=%s", on ? "fence" : "unfence");
    char *e2 = xasprintf("XDC_FENCE_BOOTSTRAP=%s", fo__site(c, site)->bootstrap_servers);
    env[0] = e0, env[1] = e1, env[2] = e2;
    const char *args[] = {site, on ? "fence" : "unfence", NULL};
    xdc_exec_result_t *res = xmalloc(sizeof(*res));
    int rc = xdc_exec(c->fence_command, args, env, c->fence_timeout_ms, res);
    free(e0), free(e1), free(e2);
    if (rc < 0) {
        xdc_errbuf(errbuf, errlen, "fence.command: cannot start /bin/sh: %s", xdc_strerror(rc));
    } else {
        json_object_set_new(detail, "command_status", json_integer(res->status));
        json_object_set_new(detail, "command_output", xjson_string_lossy(res->output));
        if (res->timed_out) {
            xdc_errbuf(errbuf, errlen, "fence.command %s: killed after %d ms",
                       on ? "fence" : "unfence", c->fence_timeout_ms);
            rc = XDC_EREMOTE;
        } else if (res->status != 0) {
            xdc_errbuf(errbuf, errlen, "fence.command %s: exited with status %d: %.200s",
                       on ? "fence" : "unfence", res->status, res->output);
            rc = XDC_EREMOTE;
        }
    }
    free(res);
    return rc;
}

const char *fo__fence_mode_name(const fo_conf_t *c)
{
    return c->fence_mode == FO_FENCE_XDC_BROKER ? "xdc-broker"
           : c->fence_mode == FO_FENCE_COMMAND  ? "command"
                                                : "none";
}

int fo__fence_site(const fo_conf_t *c, const char *site, int on, json_t *detail, char *errbuf,
                   size_t errlen)
{
    json_object_set_new(detail, "mode", json_string(fo__fence_mode_name(c)));
    if (c->fence_mode == FO_FENCE_NONE)
        return 0;
    if (c->fence_mode == FO_FENCE_COMMAND)
        return fence_command(c, site, on, detail, errbuf, errlen);
    rd_kafka_t *rk = fo__client(c, site, RD_KAFKA_PRODUCER, NULL, NULL, errbuf, errlen);
    if (!rk)
        return XDC_ECONF;
    int rc = fo__fence_brokers(rk, on, c->fence_timeout_ms, detail, errbuf, errlen);
    rd_kafka_destroy(rk);
    return rc;
}

const char *fo__flow_url(const fo_conf_t *c, const char *from)
{
    if (strcmp(from, "dr") == 0 && *c->failback_mirror_url)
        return c->failback_mirror_url;
    return c->mirror_url;
}
