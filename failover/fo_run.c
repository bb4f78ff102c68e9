/* The failover daemon's runtime: its HTTP API and its loop. */
#include "failover/fo_int.h"

#include "common/err.h"
#include "common/svc.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

int fo_run(const fo_conf_t *conf, char *errbuf, size_t errlen)
{
    conf_listener_t l;
    char why[256], *token;
    if (conf_listener_parse(conf->http_listeners, &l, why, sizeof(why)) < 0) {
        xdc_errbuf(errbuf, errlen, "http.listeners: %s", why);
        return XDC_ECONF;
    }
    /* The token lives in its own file so the main configuration can be
     * shared without the secret. */
    token = NULL;
    if (*conf->http_token_file &&
        fo__read_secret("http.token.file", conf->http_token_file, &token, errbuf, errlen) < 0)
        return XDC_ECONF;
    svc_conf_t sc = {.name = "failover", .host = l.host, .port = l.port, .token = token};
    svc_t *s = svc_new(&sc, errbuf, errlen);
    free(token);
    if (!s)
        return XDC_ECONF;
    int rc = svc_run(s);
    svc_free(s);
    return rc;
}
