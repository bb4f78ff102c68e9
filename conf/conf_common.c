/* Settings and command-line handling that every daemon shares. */
#include "conf/conf.h"

#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int conf_check_log_debug(const void *field, char *why, size_t whylen)
{
    unsigned ctx;
    return log_ctx_parse(*(char *const *)field, &ctx, why, whylen);
}

void conf_log_apply(const conf_log_t *lg)
{
    unsigned ctx = 0;
    /* Validated at load time; a failure here cannot happen. */
    log_ctx_parse(lg->debug ? lg->debug : "", &ctx, NULL, 0);
    log_setup(lg->level, ctx);
}

static int parse_port(const char *s, int *port)
{
    char *end;
    if (!isdigit((unsigned char)*s))
        return -1;
    long v = strtol(s, &end, 10);
    if (*end != '\0' || v < 0 || v > 65535)
        return -1;
    *port = (int)v;
    return 0;
}

int conf_listener_parse(const char *url, conf_listener_t *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof(*out));
    const char *sep = strstr(url, "://");
    if (!sep || sep == url || (size_t)(sep - url) >= sizeof(out->scheme)) {
        xdc_errbuf(why, whylen, "'%s' is not a listener URL (expected NAME://host:port)", url);
        return XDC_ECONF;
    }
    memcpy(out->scheme, url, (size_t)(sep - url));
    const char *h = sep + 3, *colon;
    size_t hlen;
    if (*h == '[') {
        const char *rb = strchr(h, ']');
        if (!rb || rb[1] != ':') {
            xdc_errbuf(why, whylen, "'%s': unterminated IPv6 address (expected [addr]:port)", url);
            return XDC_ECONF;
        }
        h++;
        hlen = (size_t)(rb - h);
        colon = rb + 1;
    } else {
        colon = strrchr(h, ':');
        if (!colon) {
            xdc_errbuf(why, whylen, "'%s' has no port (expected NAME://host:port)", url);
            return XDC_ECONF;
        }
        hlen = (size_t)(colon - h);
    }
    if (hlen >= sizeof(out->host) || parse_port(colon + 1, &out->port) < 0) {
        xdc_errbuf(why, whylen, "'%s': bad host or port (port must be 0..65535)", url);
        return XDC_ECONF;
    }
    memcpy(out->host, h, hlen);
    out->host[hlen] = '\0';
    return 0;
}

int conf_check_listener(const void *field, char *why, size_t whylen)
{
    conf_listener_t l;
    return conf_listener_parse(*(char *const *)field, &l, why, whylen);
}

static void print_help(const conf_daemon_t *d)
{
    printf("%s: %s\n\n"
           "Usage: %s [FILE] [--override key=value]...\n\n"
           "  FILE                  a Java .properties file; without one, built-in defaults apply\n"
           "  --override key=value  set one key, overriding FILE (repeatable)\n"
           "  --help                print this help\n"
           "  --version             print the version\n\n"
           "Keys and defaults: `xdc config docs`, or docs/configuration.md. Check a file\n"
           "without starting: `xdc config check %s FILE`.\n",
           d->prog, d->summary, d->prog, d->table->component);
}

int conf_daemon_args(const conf_daemon_t *d, int argc, char **argv, void *conf)
{
    return conf_daemon_args_load(d, NULL, argc, argv, conf);
}

int conf_daemon_args_load(const conf_daemon_t *d, const conf_loader_t *ld, int argc, char **argv,
                          void *conf)
{
    const char *file = NULL;
    const char **overrides = xcalloc((size_t)argc, sizeof(char *));
    int noverrides = 0, rc = CONF_ARGS_RUN;
    char err[1024];
    for (int i = 1; rc == CONF_ARGS_RUN && i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_help(d);
            rc = CONF_ARGS_EXIT;
        } else if (strcmp(a, "--version") == 0) {
            printf("%s %s\n", d->prog, XDC_VERSION);
            rc = CONF_ARGS_EXIT;
        } else if (strcmp(a, "--override") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "%s: --override needs key=value\n", d->prog);
                rc = CONF_ARGS_FAIL;
            } else {
                overrides[noverrides++] = argv[++i];
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "%s: unknown option '%s' (see --help)\n", d->prog, a);
            rc = CONF_ARGS_FAIL;
        } else if (file) {
            fprintf(stderr, "%s: more than one properties file ('%s' and '%s')\n", d->prog, file,
                    a);
            rc = CONF_ARGS_FAIL;
        } else {
            file = a;
        }
    }
    if (rc == CONF_ARGS_RUN) {
        int lrc = ld ? ld->load(file, overrides, noverrides, conf, err, sizeof(err))
                     : conf_load(file, d->table, overrides, noverrides, conf, err, sizeof(err));
        if (lrc < 0) {
            fprintf(stderr, "%s: %s\n", d->prog, err);
            rc = CONF_ARGS_FAIL;
        }
    }
    if (rc != CONF_ARGS_RUN) {
        if (ld)
            ld->release(conf);
        else
            conf_free(d->table, conf);
    }
    free(overrides);
    return rc;
}
