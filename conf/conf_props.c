/* Java .properties parsing (java.util.Properties.load semantics) and the
 * ${env:NAME} / ${file:PATH[:KEY]} substitutions Kafka users know from
 * config providers. */
#include "conf/conf.h"

#include "common/buf.h"
#include "common/err.h"
#include "common/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A secret file or a config file larger than this is a mistake, not data. */
#define CONF_FILE_MAX_BYTES (16 * 1024 * 1024)

typedef struct lexer {
    const char *p, *end;
    int line; /* line number of the next natural line */
} lexer_t;

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\f';
}

/* Read the next natural line (without its terminator) and count it. */
static int next_natural_line(lexer_t *lx, const char **start, size_t *len)
{
    if (lx->p >= lx->end)
        return 0;
    const char *s = lx->p;
    while (lx->p < lx->end && *lx->p != '\n' && *lx->p != '\r')
        lx->p++;
    *start = s;
    *len = (size_t)(lx->p - s);
    /* Lines end with \n, \r or \r\n. */
    if (lx->p < lx->end && *lx->p == '\r')
        lx->p++;
    else if (lx->p < lx->end && *lx->p == '\n')
        lx->p++;
    if (lx->p < lx->end && lx->p[-1] == '\r' && *lx->p == '\n')
        lx->p++;
    lx->line++;
    return 1;
}

/* An odd number of trailing backslashes continues the logical line. */
static int ends_with_continuation(const char *s, size_t len)
{
    size_t n = 0;
    while (n < len && s[len - 1 - n] == '\\')
        n++;
    return n % 2 == 1;
}

/* Join natural lines into one logical line, dropping the continuation
 * backslash and the leading whitespace of each continued line. Blank and
 * comment lines yield nothing. @return 1 with a line, 0 at end of input. */
static int next_logical_line(lexer_t *lx, buf_t *out, int *first_line)
{
    const char *s;
    size_t len;
    for (;;) {
        if (!next_natural_line(lx, &s, &len))
            return 0;
        while (len && is_ws(*s))
            s++, len--;
        if (len == 0 || *s == '#' || *s == '!')
            continue;
        break;
    }
    buf_reset(out);
    *first_line = lx->line;
    while (ends_with_continuation(s, len)) {
        buf_append(out, s, len - 1);
        if (!next_natural_line(lx, &s, &len)) {
            len = 0;
            break;
        }
        while (len && is_ws(*s))
            s++, len--;
    }
    buf_append(out, s, len);
    return 1;
}

static void append_utf8(buf_t *b, uint32_t cp)
{
    uint8_t u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (uint8_t)(0xC0 | (cp >> 6));
        u[1] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (uint8_t)(0xE0 | (cp >> 12));
        u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (uint8_t)(0xF0 | (cp >> 18));
        u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 4;
    }
    buf_append(b, u, n);
}

static int hex4(const char *s, const char *end, uint32_t *out)
{
    uint32_t v = 0;
    if (end - s < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return 0;
}

/* Decode a \uXXXX escape at @p s (just after "\u"), joining a UTF-16
 * surrogate pair when one follows. @return characters consumed, or -1. */
static int decode_unicode(const char *s, const char *end, buf_t *out)
{
    uint32_t hi, lo;
    if (hex4(s, end, &hi) < 0)
        return -1;
    if (hi >= 0xD800 && hi <= 0xDBFF && end - s >= 10 && s[4] == '\\' && s[5] == 'u' &&
        hex4(s + 6, end, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
        append_utf8(out, 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00));
        return 10;
    }
    if (hi >= 0xD800 && hi <= 0xDFFF)
        return -1; /* a lone surrogate is not a character */
    append_utf8(out, hi);
    return 4;
}

/* Unescape [s, end) into @p out. @return 0, or -1 on a bad \u escape. */
static int unescape(const char *s, const char *end, buf_t *out)
{
    buf_reset(out);
    while (s < end) {
        if (*s != '\\' || s + 1 >= end) {
            buf_append(out, s++, 1);
            continue;
        }
        char c = s[1];
        s += 2;
        switch (c) {
        case 't': buf_append(out, "\t", 1); break;
        case 'n': buf_append(out, "\n", 1); break;
        case 'r': buf_append(out, "\r", 1); break;
        case 'f': buf_append(out, "\f", 1); break;
        case 'u': {
            int n = decode_unicode(s, end, out);
            if (n < 0)
                return -1;
            s += n;
            break;
        }
        default: buf_append(out, &c, 1); break; /* \\ \= \: \# \! \space */
        }
    }
    buf_cstr(out);
    return 0;
}

/* Split a logical line at the first unescaped '=', ':' or whitespace. */
static void split_key_value(const char *s, size_t len, size_t *key_end, size_t *value_start)
{
    size_t i = 0;
    while (i < len) {
        if (s[i] == '\\' && i + 1 < len) {
            i += 2;
            continue;
        }
        if (s[i] == '=' || s[i] == ':' || is_ws(s[i]))
            break;
        i++;
    }
    *key_end = i;
    while (i < len && is_ws(s[i]))
        i++;
    if (i < len && (s[i] == '=' || s[i] == ':'))
        i++;
    while (i < len && is_ws(s[i]))
        i++;
    *value_start = i;
}

void conf_entries_init(conf_entries_t *es)
{
    memset(es, 0, sizeof(*es));
}

void conf_entries_close(conf_entries_t *es)
{
    for (size_t i = 0; i < es->count; i++) {
        free(es->v[i].key);
        free(es->v[i].value);
    }
    free(es->v);
    conf_entries_init(es);
}

conf_entry_t *conf_entries_find(conf_entries_t *es, const char *key)
{
    for (size_t i = es->count; i > 0; i--)
        if (strcmp(es->v[i - 1].key, key) == 0)
            return &es->v[i - 1];
    return NULL;
}

static void entries_push(conf_entries_t *es, char *key, char *value, const char *file, int line)
{
    if (es->count == es->cap) {
        es->cap = es->cap ? es->cap * 2 : 16;
        es->v = xrealloc(es->v, es->cap * sizeof(*es->v));
    }
    es->v[es->count++] = (conf_entry_t){key, value, file, line, false};
}

/* Read a whole file into a NUL-terminated heap string.
 * @return 0 or a negated errno; XDC_ETOOBIG over the cap. */
static int read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -errno;
    struct stat st;
    if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
        int err = S_ISDIR(st.st_mode) ? -EISDIR : -errno;
        fclose(f);
        return err;
    }
    if (st.st_size > CONF_FILE_MAX_BYTES) {
        fclose(f);
        return XDC_ETOOBIG;
    }
    char *data = xmalloc((size_t)st.st_size + 1);
    size_t n = fread(data, 1, (size_t)st.st_size, f);
    int err = ferror(f) ? -EIO : 0;
    fclose(f);
    if (err) {
        free(data);
        return err;
    }
    data[n] = '\0';
    *out = data;
    *len = n;
    return 0;
}

/* ${file:PATH} is the file's content without its trailing newline;
 * ${file:PATH:KEY} (Kafka's FileConfigProvider) is KEY in the properties
 * file PATH. */
static int subst_file(const char *ref, buf_t *out, char *why, size_t whylen)
{
    char *data;
    size_t len;
    int rc = read_file(ref, &data, &len);
    if (rc == 0) {
        while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
            len--;
        buf_append(out, data, len);
        free(data);
        return 0;
    }
    const char *colon = strrchr(ref, ':');
    if (rc == -ENOENT && colon && colon != ref) {
        char *path = xstrndup(ref, (size_t)(colon - ref));
        conf_entries_t es;
        conf_entries_init(&es);
        char err[256];
        rc = conf_props_parse_file(path, &es, err, sizeof(err));
        conf_entry_t *e = rc == 0 ? conf_entries_find(&es, colon + 1) : NULL;
        if (e)
            buf_append_str(out, e->value);
        else if (rc == 0)
            xdc_errbuf(why, whylen, "key '%s' not found in %s", colon + 1, path);
        else
            xdc_errbuf(why, whylen, "%s", err);
        conf_entries_close(&es);
        free(path);
        return e ? 0 : XDC_ECONF;
    }
    xdc_errbuf(why, whylen, "cannot read %s: %s", ref,
               rc == XDC_ETOOBIG ? "file too large" : strerror(-rc));
    return XDC_ECONF;
}

static int subst_one(const char *kind, const char *ref, buf_t *out, char *why, size_t whylen)
{
    if (strcmp(kind, "env") == 0) {
        const char *v = getenv(ref);
        if (!v) {
            xdc_errbuf(why, whylen, "environment variable %s is not set", ref);
            return XDC_ECONF;
        }
        buf_append_str(out, v);
        return 0;
    }
    return subst_file(ref, out, why, whylen);
}

/* Replace each ${env:NAME} and ${file:...} in @p in. Other ${...} text is
 * kept as written: it may belong to a client property. */
static int substitute(const char *in, buf_t *out, char *why, size_t whylen)
{
    buf_reset(out);
    const char *p = in;
    for (;;) {
        const char *s = strstr(p, "${");
        const char *kind = NULL;
        if (s && strncmp(s + 2, "env:", 4) == 0)
            kind = "env";
        else if (s && strncmp(s + 2, "file:", 5) == 0)
            kind = "file";
        const char *close = kind ? strchr(s, '}') : NULL;
        if (!s || !kind || !close) {
            size_t upto = s ? (size_t)(s - p) + 2 : strlen(p);
            buf_append(out, p, upto);
            if (!s)
                break;
            p += upto;
            continue;
        }
        buf_append(out, p, (size_t)(s - p));
        const char *ref_start = s + 2 + strlen(kind) + 1;
        char *ref = xstrndup(ref_start, (size_t)(close - ref_start));
        int rc = subst_one(kind, ref, out, why, whylen);
        free(ref);
        if (rc < 0)
            return rc;
        p = close + 1;
    }
    buf_cstr(out);
    return 0;
}

static int parse_line(const char *s, size_t len, const char *file, int line, buf_t *tmp,
                      conf_entries_t *out, char *errbuf, size_t errlen)
{
    size_t kend, vstart;
    split_key_value(s, len, &kend, &vstart);
    if (unescape(s, s + kend, tmp) < 0) {
        xdc_errbuf(errbuf, errlen, "%s:%d: malformed \\uXXXX escape in key", file, line);
        return XDC_ECONF;
    }
    char *key = xstrdup(buf_cstr(tmp));
    if (unescape(s + vstart, s + len, tmp) < 0) {
        xdc_errbuf(errbuf, errlen, "%s:%d: %s: malformed \\uXXXX escape in value", file, line, key);
        free(key);
        return XDC_ECONF;
    }
    char *raw = xstrdup(buf_cstr(tmp));
    char why[512];
    int rc = substitute(raw, tmp, why, sizeof(why));
    free(raw);
    if (rc < 0) {
        xdc_errbuf(errbuf, errlen, "%s:%d: %s: %s", file, line, key, why);
        free(key);
        return XDC_ECONF;
    }
    entries_push(out, key, xstrdup(buf_cstr(tmp)), file, line);
    return 0;
}

int conf_props_parse(const char *text, size_t len, const char *file, conf_entries_t *out,
                     char *errbuf, size_t errlen)
{
    lexer_t lx = {text, text + len, 0};
    buf_t line = BUF_INIT, tmp = BUF_INIT;
    int first_line, rc = 0;
    out->source = file;
    while (rc == 0 && next_logical_line(&lx, &line, &first_line)) {
        if (memchr(line.data, '\0', line.len)) {
            xdc_errbuf(errbuf, errlen, "%s:%d: NUL byte in line", file, first_line);
            rc = XDC_ECONF;
            break;
        }
        rc = parse_line((const char *)line.data, line.len, file, first_line, &tmp, out, errbuf,
                        errlen);
    }
    buf_close(&line);
    buf_close(&tmp);
    return rc;
}

int conf_props_parse_file(const char *path, conf_entries_t *out, char *errbuf, size_t errlen)
{
    char *data;
    size_t len;
    int rc = read_file(path, &data, &len);
    if (rc < 0) {
        xdc_errbuf(errbuf, errlen, "%s: cannot read: %s", path,
                   rc == XDC_ETOOBIG ? "file too large" : strerror(-rc));
        return XDC_ECONF;
    }
    rc = conf_props_parse(data, len, path, out, errbuf, errlen);
    free(data);
    return rc;
}

int conf_entries_add_override(conf_entries_t *es, const char *kv, char *errbuf, size_t errlen)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv) {
        xdc_errbuf(errbuf, errlen, "--override: '%s' is not key=value", kv);
        return XDC_ECONF;
    }
    entries_push(es, xstrndup(kv, (size_t)(eq - kv)), xstrdup(eq + 1), "--override", 0);
    return 0;
}
