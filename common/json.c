#include "common/json.h"

#include "common/err.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "real";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    case JSON_NULL: return "null";
    }
    return "unknown";
}

/* jansson reports out-of-memory as a NULL value; the daemons abort on it,
 * as xmalloc() does, rather than send a half-built body. */
static json_t *json_oom_check(json_t *v)
{
    if (!v) {
        fprintf(stderr, "xdc: out of memory building a JSON value\n");
        abort();
    }
    return v;
}

static int json_dump_to_buf(const char *chunk, size_t n, void *opaque)
{
    buf_append(opaque, chunk, n);
    return 0;
}

int xjson_dump_append(const json_t *v, buf_t *out)
{
    if (!v)
        return XDC_EMALFORMED;
    if (json_dump_callback(v, json_dump_to_buf, out, JSON_COMPACT | JSON_ENCODE_ANY) != 0)
        return XDC_EMALFORMED;
    return 0;
}

char *xjson_dump_compact(const json_t *v)
{
    buf_t b = BUF_INIT;
    if (xjson_dump_append(v, &b) < 0) {
        buf_close(&b);
        return NULL;
    }
    return (char *)b.data; /* every encoding is at least "[]", so data is set */
}

int xjson_parse_object(const char *text, size_t len, json_t **out, char *errbuf, size_t errlen)
{
    json_error_t jerr;
    json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!v) {
        xdc_errbuf(errbuf, errlen, "json: line %d, column %d: %s", jerr.line, jerr.column,
                   jerr.text);
        return XDC_EMALFORMED;
    }
    if (!json_is_object(v)) {
        xdc_errbuf(errbuf, errlen, "json: expected an object, got %s", json_type_name(v));
        json_decref(v);
        return XDC_EMALFORMED;
    }
    *out = v;
    return 0;
}

/* Look up @p key and check its type (JSON_TRUE stands for either boolean).
 * An absent key is XDC_ENOTFOUND; when @p null_is_absent, a JSON null counts
 * as absent (the optional getters). */
static int json_get_typed(const json_t *obj, const char *key, json_type want, bool null_is_absent,
                          json_t **out, char *errbuf, size_t errlen)
{
    static const char *const want_names[] = {
        [JSON_STRING] = "string", [JSON_INTEGER] = "integer", [JSON_TRUE] = "boolean"};
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (!v || (null_is_absent && json_is_null(v))) {
        xdc_errbuf(errbuf, errlen, "missing key \"%s\"", key);
        return XDC_ENOTFOUND;
    }
    bool ok = want == JSON_TRUE ? json_is_boolean(v) : json_typeof(v) == want;
    if (!ok) {
        xdc_errbuf(errbuf, errlen, "key \"%s\": expected %s, got %s", key, want_names[want],
                   json_type_name(v));
        return XDC_EMALFORMED;
    }
    *out = v;
    return 0;
}

int xjson_get_string(const json_t *obj, const char *key, const char **out, char *errbuf,
                     size_t errlen)
{
    json_t *v;
    int rc = json_get_typed(obj, key, JSON_STRING, false, &v, errbuf, errlen);
    if (rc < 0)
        return rc;
    *out = json_string_value(v);
    return 0;
}

int xjson_get_int64(const json_t *obj, const char *key, int64_t *out, char *errbuf, size_t errlen)
{
    json_t *v;
    int rc = json_get_typed(obj, key, JSON_INTEGER, false, &v, errbuf, errlen);
    if (rc < 0)
        return rc;
    *out = (int64_t)json_integer_value(v);
    return 0;
}

int xjson_get_bool(const json_t *obj, const char *key, bool *out, char *errbuf, size_t errlen)
{
    json_t *v;
    int rc = json_get_typed(obj, key, JSON_TRUE, false, &v, errbuf, errlen);
    if (rc < 0)
        return rc;
    *out = json_is_true(v);
    return 0;
}

int xjson_get_string_opt(const json_t *obj, const char *key, const char *def, const char **out,
                         char *errbuf, size_t errlen)
{
    json_t *v;
    int rc = json_get_typed(obj, key, JSON_STRING, true, &v, errbuf, errlen);
    if (rc == XDC_ENOTFOUND) {
        *out = def;
        return 0;
    }
    if (rc < 0)
        return rc;
    *out = json_string_value(v);
    return 0;
}

int xjson_get_int64_opt(const json_t *obj, const char *key, int64_t def, int64_t *out, char *errbuf,
                        size_t errlen)
{
    json_t *v;
    int rc = json_get_typed(obj, key, JSON_INTEGER, true, &v, errbuf, errlen);
    if (rc == XDC_ENOTFOUND) {
        *out = def;
        return 0;
    }
    if (rc < 0)
        return rc;
    *out = (int64_t)json_integer_value(v);
    return 0;
}

int xjson_get_bool_opt(const json_t *obj, const char *key, bool def, bool *out, char *errbuf,
                       size_t errlen)
{
    json_t *v;
    int rc = json_get_typed(obj, key, JSON_TRUE, true, &v, errbuf, errlen);
    if (rc == XDC_ENOTFOUND) {
        *out = def;
        return 0;
    }
    if (rc < 0)
        return rc;
    *out = json_is_true(v);
    return 0;
}

json_t *xjson_string_lossy(const char *s)
{
    if (!s)
        s = "";
    json_t *v = json_string(s); /* NULL when s is not valid UTF-8 */
    if (v)
        return v;
    char *ascii = xstrdup(s);
    for (char *p = ascii; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    v = json_oom_check(json_string(ascii));
    free(ascii);
    return v;
}

json_t *xjson_error_body(const char *msg)
{
    json_t *body = json_oom_check(json_object());
    if (json_object_set_new(body, "error", xjson_string_lossy(msg)) != 0)
        json_oom_check(NULL);
    return body;
}
