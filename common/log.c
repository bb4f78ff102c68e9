#include "common/log.h"

#include "common/err.h"
#include "common/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int log_g_level = LOG_INFO;
unsigned log_g_ctx = 0;

static const char *log_ident = NULL;
static log_sink_cb log_sink = NULL;
static void *log_sink_opaque = NULL;

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

static const struct {
    const char *name;
    unsigned ctx;
} ctx_names[] = {
    {"wire", LOG_CTX_WIRE},     {"store", LOG_CTX_STORE}, {"group", LOG_CTX_GROUP},
    {"mirror", LOG_CTX_MIRROR}, {"ckpt", LOG_CTX_CKPT},   {"failover", LOG_CTX_FAILOVER},
    {"dns", LOG_CTX_DNS},       {"http", LOG_CTX_HTTP},   {"conf", LOG_CTX_CONF},
    {"kafka", LOG_CTX_KAFKA},
};

static const char *ctx_name(unsigned ctx)
{
    for (size_t i = 0; i < XDC_ARRAY_SIZE(ctx_names); i++)
        if (ctx_names[i].ctx == ctx)
            return ctx_names[i].name;
    return NULL;
}

static size_t format_prefix(char *out, size_t cap, int level, unsigned ctx)
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    const char *cname = ctx ? ctx_name(ctx) : NULL;
    int m = snprintf(out + n, cap - n, ".%03dZ %s%s%s%s%s ", (int)(tv.tv_usec / 1000),
                     log_ident ? log_ident : "", log_ident ? " " : "", level_names[level],
                     cname ? " " : "", cname ? cname : "");
    return n + (m > 0 ? (size_t)m : 0);
}

void log_emit(int level, unsigned ctx, const char *fmt, ...)
{
    char line[4096];
    size_t cap = sizeof(line) - 1; /* room for the newline */
    if (level < LOG_ERROR || level > LOG_DEBUG)
        level = LOG_ERROR;
    size_t n = format_prefix(line, cap, level, ctx);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, cap - n, fmt, ap);
    va_end(ap);
    if (m > 0)
        n = n + (size_t)m < cap ? n + (size_t)m : cap - 1;
    /* One event, one line: newlines inside a message would split it. */
    for (size_t i = 0; i < n; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[n] = '\0';
    if (log_sink) {
        log_sink(level, line, log_sink_opaque);
        return;
    }
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w; /* nowhere left to report a failed diagnostic */
}

int log_level_parse(const char *name, int *level)
{
    static const struct {
        const char *name;
        int level;
    } names[] = {{"error", LOG_ERROR},  {"fatal", LOG_ERROR}, {"warn", LOG_WARN},
                 {"warning", LOG_WARN}, {"info", LOG_INFO},   {"debug", LOG_DEBUG},
                 {"trace", LOG_DEBUG}};
    for (size_t i = 0; i < XDC_ARRAY_SIZE(names); i++) {
        if (strcasecmp(name, names[i].name) == 0) {
            *level = names[i].level;
            return 0;
        }
    }
    return XDC_ECONF;
}

int log_ctx_parse(const char *list, unsigned *ctx, char *errbuf, size_t errlen)
{
    unsigned out = 0;
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        const char *s = p;
        size_t len = n;
        while (len && (*s == ' ' || *s == '\t'))
            s++, len--;
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        if (len == 3 && strncasecmp(s, "all", 3) == 0) {
            out |= LOG_CTX_ALL;
        } else if (len) {
            size_t i;
            for (i = 0; i < XDC_ARRAY_SIZE(ctx_names); i++)
                if (strlen(ctx_names[i].name) == len && strncasecmp(s, ctx_names[i].name, len) == 0)
                    break;
            if (i == XDC_ARRAY_SIZE(ctx_names)) {
                xdc_errbuf(errbuf, errlen, "unknown debug context '%.*s' (known: %s)", (int)len, s,
                           log_ctx_names());
                return XDC_ECONF;
            }
            out |= ctx_names[i].ctx;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    *ctx = out;
    return 0;
}

const char *log_ctx_names(void)
{
    return "wire,store,group,mirror,ckpt,failover,dns,http,conf,kafka,all";
}

void log_setup(int level, unsigned ctx)
{
    log_g_level = level;
    if (level >= LOG_DEBUG && ctx == 0)
        ctx = LOG_CTX_ALL;
    log_g_ctx = ctx;
}

void log_set_ident(const char *name)
{
    log_ident = name;
}

void log_set_sink(log_sink_cb cb, void *opaque)
{
    log_sink = cb;
    log_sink_opaque = opaque;
}
