/* DNS provider exec: an operator's command makes the switch (a cloud DNS
 * API, say). It gets the name, the old and the new addresses and the TTL
 * as "$1".."$4" and as XDC_DNS_* variables; XDC_DNS_DRY_RUN=1 asks it to
 * check only. Exit 0 means done. */
#include "failover/fo_int.h"

#include "common/err.h"
#include "common/exec.h"
#include "common/json.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>

static int set_record(fo_dns_t *dns, const conf_list_t *from, const conf_list_t *to, int dry_run,
                      json_t *detail, char *errbuf, size_t errlen)
{
    char old[1024], new[1024], ttl[16];
    fo__list_str(from, old, sizeof(old));
    fo__list_str(to, new, sizeof(new));
    snprintf(ttl, sizeof(ttl), "%d", dns->conf.ttl_s);
    char *env[] = {xasprintf("XDC_DNS_NAME=%s", dns->conf.name),
                   xasprintf("XDC_DNS_FROM=%s", old),
                   xasprintf("XDC_DNS_TO=%s", new),
                   xasprintf("XDC_DNS_TTL=%s", ttl),
                   xasprintf("XDC_DNS_DRY_RUN=%d", dry_run ? 1 : 0),
                   NULL};
    const char *args[] = {dns->conf.name, old, new, ttl, NULL};
    xdc_exec_result_t *res = xmalloc(sizeof(*res));
    int rc = xdc_exec(dns->conf.exec_command, args, (const char *const *)env,
                      dns->conf.exec_timeout_ms, res);
    for (int i = 0; env[i]; i++)
        free(env[i]);
    json_object_set_new(detail, "command", json_string(dns->conf.exec_command));
    if (rc < 0) {
        xdc_errbuf(errbuf, errlen, "dns.exec.command: cannot start /bin/sh: %s", xdc_strerror(rc));
        free(res);
        return XDC_EREMOTE;
    }
    json_object_set_new(detail, "exit_status", json_integer(res->status));
    json_object_set_new(detail, "timed_out", json_boolean(res->timed_out));
    json_object_set_new(detail, "output", xjson_string_lossy(res->output));
    if (res->timed_out)
        xdc_errbuf(errbuf, errlen, "dns.exec.command did not finish within %d ms (killed)",
                   dns->conf.exec_timeout_ms);
    else if (res->status != 0)
        xdc_errbuf(errbuf, errlen, "dns.exec.command exited with status %d: %.200s", res->status,
                   res->output);
    rc = res->timed_out || res->status != 0 ? XDC_EREMOTE : 0;
    free(res);
    return rc;
}

const fo_dns_ops_t fo__exec_ops = {"exec", set_record};
