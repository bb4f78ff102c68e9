/* Table-driven configuration: defaults, typed parsing with bounds, unknown
 * keys with a suggestion, required keys, and the generated reference. */
#include "conf/conf.h"

#include "common/err.h"
#include "common/util.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const conf_item_t *conf_find(const conf_table_t *t, const char *key)
{
    for (size_t i = 0; i < t->count; i++)
        if (strcmp(t->items[i].name, key) == 0)
            return &t->items[i];
    return NULL;
}

int conf_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    int *row = xmalloc((lb + 1) * sizeof(int));
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    int d = row[lb];
    free(row);
    return d;
}

const char *conf_closest(const conf_table_t *t, const char *key)
{
    const char *best = NULL;
    int best_d = 0;
    for (size_t i = 0; i < t->count; i++) {
        int d = conf_edit_distance(key, t->items[i].name);
        if (!best || d < best_d) {
            best = t->items[i].name;
            best_d = d;
        }
    }
    /* Beyond a third of the key's length the "suggestion" is noise. */
    int limit = (int)strlen(key) / 3;
    if (limit < 2)
        limit = 2;
    return best && best_d <= limit ? best : NULL;
}

/* Copy @p value without surrounding whitespace, as Kafka's ConfigDef trims. */
static char *trimmed(const char *value)
{
    while (isspace((unsigned char)*value))
        value++;
    size_t n = strlen(value);
    while (n && isspace((unsigned char)value[n - 1]))
        n--;
    return xstrndup(value, n);
}

static int parse_integer(const conf_item_t *it, const char *v, int64_t *out, char *errbuf,
                         size_t errlen)
{
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (*v == '\0' || *end != '\0') {
        xdc_errbuf(errbuf, errlen, "%s: '%s' is not an integer", it->name, v);
        return XDC_ECONF;
    }
    if (errno == ERANGE || n < it->min || n > it->max) {
        xdc_errbuf(errbuf, errlen, "%s: %s is out of range [%" PRId64 ", %" PRId64 "]", it->name, v,
                   it->min, it->max);
        return XDC_ECONF;
    }
    *out = n;
    return 0;
}

static int parse_double(const conf_item_t *it, const char *v, double *out, char *errbuf,
                        size_t errlen)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (*v == '\0' || *end != '\0' || errno == ERANGE || d != d) {
        xdc_errbuf(errbuf, errlen, "%s: '%s' is not a number", it->name, v);
        return XDC_ECONF;
    }
    if (d < (double)it->min || d > (double)it->max) {
        xdc_errbuf(errbuf, errlen, "%s: %s is out of range [%" PRId64 ", %" PRId64 "]", it->name, v,
                   it->min, it->max);
        return XDC_ECONF;
    }
    *out = d;
    return 0;
}

/* @return the index of @p v among the '|'-separated choices, or -1. */
static int enum_index(const char *choices, const char *v)
{
    int idx = 0;
    size_t vlen = strlen(v);
    for (const char *p = choices; *p; idx++) {
        size_t n = strcspn(p, "|");
        if (n == vlen && strncasecmp(p, v, n) == 0)
            return idx;
        p += n;
        if (*p == '|')
            p++;
    }
    return -1;
}

void conf_list_free(conf_list_t *l)
{
    for (int i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

static void list_parse(const char *v, conf_list_t *out)
{
    conf_list_free(out);
    for (const char *p = v; *p;) {
        size_t n = strcspn(p, ",");
        char *item = xstrndup(p, n);
        char *t = trimmed(item);
        free(item);
        if (*t) {
            out->items = xrealloc(out->items, (size_t)(out->count + 1) * sizeof(char *));
            out->items[out->count++] = t;
        } else {
            free(t);
        }
        p += n;
        if (*p == ',')
            p++;
    }
}

static int set_value(const conf_item_t *it, void *field, const char *v, char *errbuf, size_t errlen)
{
    int64_t n;
    int rc = 0;
    switch (it->type) {
    case CONF_BOOL:
        if (strcasecmp(v, "true") == 0 || strcasecmp(v, "false") == 0)
            *(bool *)field = strcasecmp(v, "true") == 0;
        else
            xdc_errbuf(errbuf, errlen, "%s: '%s' is not a boolean (true or false)", it->name, v),
                rc = XDC_ECONF;
        break;
    case CONF_INT:
        if ((rc = parse_integer(it, v, &n, errbuf, errlen)) == 0)
            *(int32_t *)field = (int32_t)n;
        break;
    case CONF_LONG:
        if ((rc = parse_integer(it, v, &n, errbuf, errlen)) == 0)
            *(int64_t *)field = n;
        break;
    case CONF_DOUBLE: rc = parse_double(it, v, (double *)field, errbuf, errlen); break;
    case CONF_STRING:
        if ((it->flags & CONF_F_NONEMPTY) && *v == '\0') {
            xdc_errbuf(errbuf, errlen, "%s: may not be empty", it->name);
            return XDC_ECONF;
        }
        free(*(char **)field);
        *(char **)field = xstrdup(v);
        break;
    case CONF_LIST:
        list_parse(v, (conf_list_t *)field);
        if ((it->flags & CONF_F_NONEMPTY) && ((conf_list_t *)field)->count == 0)
            xdc_errbuf(errbuf, errlen, "%s: may not be empty", it->name), rc = XDC_ECONF;
        break;
    case CONF_ENUM: {
        int idx = enum_index(it->choices, v);
        if (idx < 0) {
            char *alts = xstrdup(it->choices);
            for (char *p = alts; *p; p++)
                if (*p == '|')
                    *p = ',';
            xdc_errbuf(errbuf, errlen, "%s: '%s' is not one of %s", it->name, v, alts);
            free(alts);
            return XDC_ECONF;
        }
        *(int *)field = idx;
        break;
    }
    }
    return rc;
}

int conf_set(const conf_item_t *it, void *out, const char *value, char *errbuf, size_t errlen)
{
    char *v = trimmed(value);
    void *field = (char *)out + it->offset;
    int rc = set_value(it, field, v, errbuf, errlen);
    free(v);
    if (rc == 0 && it->check) {
        char why[512];
        if (it->check(field, why, sizeof(why)) < 0) {
            xdc_errbuf(errbuf, errlen, "%s: %s", it->name, why);
            rc = XDC_ECONF;
        }
    }
    return rc;
}

static int apply_defaults(const conf_table_t *t, void *out)
{
    char err[256];
    for (size_t i = 0; i < t->count; i++) {
        const conf_item_t *it = &t->items[i];
        void *field = (char *)out + it->offset;
        if (it->def) {
            if (conf_set(it, out, it->def, err, sizeof(err)) < 0)
                return XDC_ECONF;
        } else if (it->type == CONF_STRING) {
            free(*(char **)field);
            *(char **)field = xstrdup(""); /* strings are never NULL after a load */
        }
    }
    return 0;
}

static int apply_entry(const conf_table_t *t, conf_entry_t *e, void *out, unsigned char *seen,
                       char *errbuf, size_t errlen)
{
    char where[512], why[512];
    if (e->line > 0)
        snprintf(where, sizeof(where), "%s:%d", e->file, e->line);
    else
        snprintf(where, sizeof(where), "%s", e->file);
    const conf_item_t *it = conf_find(t, e->key);
    if (!it) {
        const char *near = conf_closest(t, e->key);
        if (near)
            xdc_errbuf(errbuf, errlen, "%s: unknown key '%s' (did you mean '%s'?)", where, e->key,
                       near);
        else
            xdc_errbuf(errbuf, errlen, "%s: unknown key '%s' (not a %s setting)", where, e->key,
                       t->component);
        return XDC_ECONF;
    }
    if (conf_set(it, out, e->value, why, sizeof(why)) < 0) {
        if (it->flags & CONF_F_SECRET)
            snprintf(why, sizeof(why), "%s: invalid value (secret, not shown)", it->name);
        xdc_errbuf(errbuf, errlen, "%s: %s", where, why);
        return XDC_ECONF;
    }
    e->used = true;
    seen[it - t->items] = 1;
    return 0;
}

int conf_apply(const conf_table_t *t, conf_entries_t *es, void *out, char *errbuf, size_t errlen)
{
    if (apply_defaults(t, out) < 0) {
        /* A programming error, caught by the unit test that loads each table. */
        xdc_errbuf(errbuf, errlen, "%s: invalid built-in default", t->component);
        return XDC_ECONF;
    }
    unsigned char *seen = xcalloc(t->count, 1);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < es->count; i++)
        if (!es->v[i].used)
            rc = apply_entry(t, &es->v[i], out, seen, errbuf, errlen);
    for (size_t i = 0; rc == 0 && i < t->count; i++) {
        if ((t->items[i].flags & CONF_F_REQUIRED) && !seen[i]) {
            xdc_errbuf(errbuf, errlen, "%s: missing required key '%s'",
                       es->source ? es->source : "(no properties file)", t->items[i].name);
            rc = XDC_ECONF;
        }
    }
    free(seen);
    return rc;
}

int conf_entries_load(const char *path, const char *const *overrides, int noverrides,
                      conf_entries_t *es, char *errbuf, size_t errlen)
{
    int rc = path ? conf_props_parse_file(path, es, errbuf, errlen) : 0;
    for (int i = 0; rc == 0 && i < noverrides; i++)
        rc = conf_entries_add_override(es, overrides[i], errbuf, errlen);
    return rc;
}

int conf_load(const char *path, const conf_table_t *t, const char *const *overrides, int noverrides,
              void *out, char *errbuf, size_t errlen)
{
    conf_entries_t es;
    conf_entries_init(&es);
    int rc = conf_entries_load(path, overrides, noverrides, &es, errbuf, errlen);
    if (rc == 0)
        rc = conf_apply(t, &es, out, errbuf, errlen);
    conf_entries_close(&es);
    return rc;
}

int conf_load_string(const char *text, const char *name, const conf_table_t *t, void *out,
                     char *errbuf, size_t errlen)
{
    conf_entries_t es;
    conf_entries_init(&es);
    int rc = conf_props_parse(text, strlen(text), name, &es, errbuf, errlen);
    if (rc == 0)
        rc = conf_apply(t, &es, out, errbuf, errlen);
    conf_entries_close(&es);
    return rc;
}

void conf_free(const conf_table_t *t, void *out)
{
    for (size_t i = 0; i < t->count; i++) {
        void *field = (char *)out + t->items[i].offset;
        if (t->items[i].type == CONF_STRING) {
            free(*(char **)field);
            *(char **)field = NULL;
        } else if (t->items[i].type == CONF_LIST) {
            conf_list_free((conf_list_t *)field);
        }
    }
}

/* Copy the @p idx-th '|'-separated choice into @p buf. */
static void enum_name(const char *choices, int idx, char *buf, size_t len)
{
    const char *p = choices;
    for (int i = 0; i < idx && *p; i++) {
        p += strcspn(p, "|");
        if (*p == '|')
            p++;
    }
    snprintf(buf, len, "%.*s", (int)strcspn(p, "|"), p);
}

const char *conf_format(const conf_item_t *it, const void *out, char *buf, size_t len)
{
    const void *field = (const char *)out + it->offset;
    switch (it->type) {
    case CONF_BOOL: snprintf(buf, len, "%s", *(const bool *)field ? "true" : "false"); break;
    case CONF_INT: snprintf(buf, len, "%d", *(const int32_t *)field); break;
    case CONF_LONG: snprintf(buf, len, "%" PRId64, *(const int64_t *)field); break;
    case CONF_DOUBLE: snprintf(buf, len, "%g", *(const double *)field); break;
    case CONF_STRING: {
        const char *v = *(char *const *)field;
        snprintf(buf, len, "%s", v ? v : "");
        break;
    }
    case CONF_LIST: {
        const conf_list_t *l = field;
        size_t n = 0;
        buf[0] = '\0';
        for (int i = 0; i < l->count && n < len; i++)
            n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "," : "", l->items[i]);
        break;
    }
    case CONF_ENUM: enum_name(it->choices, *(const int *)field, buf, len); break;
    }
    return buf;
}
