/* The mirror daemon's runtime: its HTTP API and its loop. */
#include "mirror/mirror.h"

#include "common/err.h"
#include "common/svc.h"
#include "common/util.h"

#include <stdio.h>

int mir_run(const mir_conf_t *conf, char *errbuf, size_t errlen)
{
    conf_listener_t l;
    char why[256];
    if (conf_listener_parse(conf->http_listeners, &l, why, sizeof(why)) < 0) {
        xdc_errbuf(errbuf, errlen, "http.listeners: %s", why);
        return XDC_ECONF;
    }
    svc_conf_t sc = {.name = "mirror", .host = l.host, .port = l.port};
    svc_t *s = svc_new(&sc, errbuf, errlen);
    if (!s)
        return XDC_ECONF;
    int rc = svc_run(s);
    svc_free(s);
    return rc;
}
