/* The failover daemon's runtime: its HTTP API and its loop. */
#include "failover/failover.h"

#include "common/err.h"
#include "common/svc.h"
#include "common/util.h"

#include <stdio.h>

#include <stdlib.h>
#include <string.h>

/* The token lives in its own file so the main configuration can be shared
 * without the secret. Surrounding whitespace is not part of it. */
static int read_token(const char *path, char **token, char *errbuf, size_t errlen)
{
    *token = NULL;
    if (!*path)
        return 0;
    FILE *f = fopen(path, "r");
    char line[512];
    if (!f || !fgets(line, sizeof(line), f)) {
        xdc_errbuf(errbuf, errlen, "http.token.file: cannot read %s", path);
        if (f)
            fclose(f);
        return XDC_ECONF;
    }
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    if (!*line) {
        xdc_errbuf(errbuf, errlen, "http.token.file: %s is empty", path);
        return XDC_ECONF;
    }
    *token = xstrdup(line);
    return 0;
}

int fo_run(const fo_conf_t *conf, char *errbuf, size_t errlen)
{
    conf_listener_t l;
    char why[256], *token;
    if (conf_listener_parse(conf->http_listeners, &l, why, sizeof(why)) < 0) {
        xdc_errbuf(errbuf, errlen, "http.listeners: %s", why);
        return XDC_ECONF;
    }
    if (read_token(conf->http_token_file, &token, errbuf, errlen) < 0)
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
