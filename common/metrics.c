/* Prometheus metrics: lock-free updates, text exposition format 0.0.4. */
#include "common/metrics.h"

#include "common/util.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A child is never moved or freed before the registry, so a thread may keep
 * a pointer to it and update it without a lock. Children form a singly
 * linked list that only grows at its tail: the renderer walks it without
 * the family's lock, following pointers published with release stores. */
struct metrics_child {
    _Atomic(metrics_child_t *) next;
    metrics_family_t *fam;
    char **values; /* fam->nlabels strings, owned */
    /* Counter: the count. Gauge: the bits of a double. Histogram: the bits
     * of the double sum of observations. */
    _Atomic uint64_t v;
    _Atomic uint64_t buckets[]; /* histogram: fam->nbounds + 1, the last for +Inf */
};

struct metrics_family {
    metrics_family_t *next; /* registration order; guarded by the registry lock */
    metrics_type_t type;
    char *name, *help;
    size_t nlabels;
    char **labels;
    double *bounds; /* histogram */
    size_t nbounds;
    metrics_collect_cb collect; /* collector families have no children */
    void *opaque;
    pthread_mutex_t lock; /* serialises adding children */
    _Atomic(metrics_child_t *) head;
    metrics_child_t *tail; /* guarded by lock */
};

struct metrics_registry {
    pthread_mutex_t lock; /* registration and rendering */
    metrics_family_t *head, *tail;
};

struct metrics_sink {
    const metrics_family_t *fam;
    buf_t *out;
};

/* --- doubles in atomics ------------------------------------------------- */

static uint64_t dbits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof(u));
    return u;
}

static double bitsd(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof(d));
    return d;
}

static void atomic_add_double(_Atomic uint64_t *a, double delta)
{
    uint64_t old = atomic_load_explicit(a, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(a, &old, dbits(bitsd(old) + delta),
                                                  memory_order_relaxed, memory_order_relaxed))
        ;
}

/* --- registration ------------------------------------------------------- */

static bool name_ok(const char *s, bool colon)
{
    if (!s || !*s || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++) {
        char c = *s;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || (colon && c == ':');
        if (!ok)
            return false;
    }
    return true;
}

static bool labels_ok(metrics_type_t type, size_t n, const char *const *names)
{
    for (size_t i = 0; i < n; i++) {
        if (!name_ok(names[i], false) || strncmp(names[i], "__", 2) == 0)
            return false;
        if (type == METRICS_HISTOGRAM && strcmp(names[i], "le") == 0)
            return false;
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return false;
    }
    return true;
}

static bool bounds_ok(const double *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(b[i]) || (i > 0 && b[i] <= b[i - 1]))
            return false;
    return true;
}

static metrics_family_t *family_find(metrics_registry_t *reg, const char *name)
{
    for (metrics_family_t *f = reg->head; f; f = f->next)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

static char **strv_dup(size_t n, const char *const *v)
{
    char **out = xcalloc(n ? n : 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        out[i] = xstrdup(v[i]);
    return out;
}

static void strv_free(size_t n, char **v)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

static metrics_child_t *child_new(metrics_family_t *fam, const char *const *values)
{
    size_t nb = fam->type == METRICS_HISTOGRAM ? fam->nbounds + 1 : 0;
    metrics_child_t *c = xcalloc(1, sizeof(*c) + nb * sizeof(c->buckets[0]));
    c->fam = fam;
    c->values = strv_dup(fam->nlabels, values);
    atomic_init(&c->next, NULL);
    atomic_init(&c->v, fam->type == METRICS_COUNTER ? 0 : dbits(0.0));
    for (size_t i = 0; i < nb; i++)
        atomic_init(&c->buckets[i], 0);
    return c;
}

/* Append under fam->lock; the release store publishes the initialised
 * child to renderers walking the list without the lock. */
static void child_append(metrics_family_t *fam, metrics_child_t *c)
{
    if (fam->tail)
        atomic_store_explicit(&fam->tail->next, c, memory_order_release);
    else
        atomic_store_explicit(&fam->head, c, memory_order_release);
    fam->tail = c;
}

/* What a registration asks for. */
typedef struct family_spec {
    metrics_type_t type;
    const char *name, *help;
    size_t nlabels;
    const char *const *labels;
    const double *bounds;
    size_t nbounds;
    metrics_collect_cb collect;
    void *opaque;
} family_spec_t;

static metrics_family_t *family_new(const family_spec_t *s)
{
    metrics_family_t *f = xcalloc(1, sizeof(*f));
    f->type = s->type;
    f->name = xstrdup(s->name);
    f->help = xstrdup(s->help ? s->help : "");
    f->nlabels = s->nlabels;
    f->labels = strv_dup(s->nlabels, s->labels);
    if (s->type == METRICS_HISTOGRAM) {
        f->nbounds = s->nbounds;
        f->bounds = xcalloc(s->nbounds ? s->nbounds : 1, sizeof(double));
        memcpy(f->bounds, s->bounds, s->nbounds * sizeof(double));
    }
    f->collect = s->collect;
    f->opaque = s->opaque;
    pthread_mutex_init(&f->lock, NULL);
    atomic_init(&f->head, NULL);
    /* A family without labels has exactly one child: make it now, so it
     * renders at zero and metrics_child() never allocates. */
    if (s->nlabels == 0 && !s->collect)
        child_append(f, child_new(f, NULL));
    return f;
}

static metrics_family_t *family_add(metrics_registry_t *reg, const family_spec_t *s)
{
    if (!name_ok(s->name, true) || !labels_ok(s->type, s->nlabels, s->labels) ||
        (s->type == METRICS_HISTOGRAM && !bounds_ok(s->bounds, s->nbounds)))
        return NULL;
    pthread_mutex_lock(&reg->lock);
    metrics_family_t *f = NULL;
    if (!family_find(reg, s->name)) {
        f = family_new(s);
        if (reg->tail)
            reg->tail->next = f;
        else
            reg->head = f;
        reg->tail = f;
    }
    pthread_mutex_unlock(&reg->lock);
    return f;
}

metrics_registry_t *metrics_registry_new(void)
{
    metrics_registry_t *reg = xcalloc(1, sizeof(*reg));
    pthread_mutex_init(&reg->lock, NULL);
    return reg;
}

static void family_free(metrics_family_t *f)
{
    metrics_child_t *c = atomic_load_explicit(&f->head, memory_order_acquire);
    while (c) {
        metrics_child_t *next = atomic_load_explicit(&c->next, memory_order_acquire);
        strv_free(f->nlabels, c->values);
        free(c);
        c = next;
    }
    pthread_mutex_destroy(&f->lock);
    strv_free(f->nlabels, f->labels);
    free(f->bounds);
    free(f->name);
    free(f->help);
    free(f);
}

void metrics_registry_free(metrics_registry_t *reg)
{
    if (!reg)
        return;
    for (metrics_family_t *f = reg->head, *next; f; f = next) {
        next = f->next;
        family_free(f);
    }
    pthread_mutex_destroy(&reg->lock);
    free(reg);
}

metrics_family_t *metrics_counter(metrics_registry_t *reg, const char *name, const char *help,
                                  size_t nlabels, const char *const *label_names)
{
    family_spec_t s = {METRICS_COUNTER, name, help, nlabels, label_names, NULL, 0, NULL, NULL};
    return family_add(reg, &s);
}

metrics_family_t *metrics_gauge(metrics_registry_t *reg, const char *name, const char *help,
                                size_t nlabels, const char *const *label_names)
{
    family_spec_t s = {METRICS_GAUGE, name, help, nlabels, label_names, NULL, 0, NULL, NULL};
    return family_add(reg, &s);
}

metrics_family_t *metrics_histogram(metrics_registry_t *reg, const char *name, const char *help,
                                    size_t nlabels, const char *const *label_names,
                                    const double *bounds, size_t nbounds)
{
    family_spec_t s = {METRICS_HISTOGRAM, name, help, nlabels, label_names, bounds,
                       nbounds,           NULL, NULL};
    return family_add(reg, &s);
}

metrics_family_t *metrics_collector(metrics_registry_t *reg, metrics_type_t type, const char *name,
                                    const char *help, size_t nlabels,
                                    const char *const *label_names, metrics_collect_cb cb,
                                    void *opaque)
{
    if (type == METRICS_HISTOGRAM || !cb)
        return NULL;
    family_spec_t s = {type, name, help, nlabels, label_names, NULL, 0, cb, opaque};
    return family_add(reg, &s);
}

/* --- children and updates ------------------------------------------------ */

static bool values_equal(const metrics_child_t *c, size_t n, const char *const *values)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(c->values[i], values[i]) != 0)
            return false;
    return true;
}

static metrics_child_t *child_find(metrics_family_t *fam, const char *const *values)
{
    metrics_child_t *c = atomic_load_explicit(&fam->head, memory_order_acquire);
    for (; c; c = atomic_load_explicit(&c->next, memory_order_acquire))
        if (values_equal(c, fam->nlabels, values))
            return c;
    return NULL;
}

metrics_child_t *metrics_child(metrics_family_t *fam, const char *const *label_values)
{
    if (fam->collect)
        return NULL;
    metrics_child_t *c = child_find(fam, label_values);
    if (c)
        return c;
    /* Look again under the lock: another thread may have added it since. */
    pthread_mutex_lock(&fam->lock);
    c = child_find(fam, label_values);
    if (!c) {
        c = child_new(fam, label_values);
        child_append(fam, c);
    }
    pthread_mutex_unlock(&fam->lock);
    return c;
}

void metrics_inc(metrics_child_t *c, uint64_t n)
{
    assert(c->fam->type == METRICS_COUNTER);
    atomic_fetch_add_explicit(&c->v, n, memory_order_relaxed);
}

void metrics_set(metrics_child_t *c, double v)
{
    assert(c->fam->type == METRICS_GAUGE);
    atomic_store_explicit(&c->v, dbits(v), memory_order_relaxed);
}

void metrics_add(metrics_child_t *c, double delta)
{
    assert(c->fam->type == METRICS_GAUGE);
    atomic_add_double(&c->v, delta);
}

void metrics_observe(metrics_child_t *c, double v)
{
    const metrics_family_t *f = c->fam;
    assert(f->type == METRICS_HISTOGRAM);
    /* Binary search for the first bound >= v; NaN lands in +Inf. */
    size_t lo = 0, hi = f->nbounds;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v <= f->bounds[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    atomic_fetch_add_explicit(&c->buckets[lo], 1, memory_order_relaxed);
    atomic_add_double(&c->v, v);
}

double metrics_value(const metrics_child_t *c)
{
    uint64_t v = atomic_load_explicit(&((metrics_child_t *)c)->v, memory_order_relaxed);
    switch (c->fam->type) {
    case METRICS_COUNTER: return (double)v;
    case METRICS_GAUGE: return bitsd(v);
    case METRICS_HISTOGRAM: break;
    }
    uint64_t n = 0;
    for (size_t i = 0; i <= c->fam->nbounds; i++)
        n += atomic_load_explicit(&((metrics_child_t *)c)->buckets[i], memory_order_relaxed);
    return (double)n;
}

/* --- rendering ------------------------------------------------------------- */

/* Go's strconv formatting as Prometheus prints it: integers without a
 * fraction, otherwise the shortest form that reads back as the same
 * double; "+Inf", "-Inf", "NaN". */
static void fmt_double(char *b, size_t n, double v)
{
    if (isnan(v)) {
        snprintf(b, n, "NaN");
    } else if (isinf(v)) {
        snprintf(b, n, v > 0 ? "+Inf" : "-Inf");
    } else if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(b, n, "%.0f", v);
    } else {
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(b, n, "%.*g", prec, v);
            if (strtod(b, NULL) == v)
                break;
        }
    }
}

/* HELP text escapes backslash and newline; label values also '"'. */
static void append_escaped(buf_t *out, const char *s, bool quote)
{
    const char *run = s;
    for (; *s; s++) {
        const char *esc = *s == '\\'           ? "\\\\"
                          : *s == '\n'         ? "\\n"
                          : quote && *s == '"' ? "\\\""
                                               : 0;
        if (!esc)
            continue;
        buf_append(out, run, (size_t)(s - run));
        buf_append_str(out, esc);
        run = s + 1;
    }
    buf_append(out, run, (size_t)(s - run));
}

/* name[suffix]{label="value",...[,le="bound"]} value\n */
static void append_sample(buf_t *out, const metrics_family_t *f, const char *suffix,
                          const char *const *values, const char *le, const char *value)
{
    buf_append_str(out, f->name);
    buf_append_str(out, suffix);
    if (f->nlabels || le) {
        buf_append(out, "{", 1);
        for (size_t i = 0; i < f->nlabels; i++) {
            if (i)
                buf_append(out, ",", 1);
            buf_append_str(out, f->labels[i]);
            buf_append(out, "=\"", 2);
            append_escaped(out, values[i], true);
            buf_append(out, "\"", 1);
        }
        if (le)
            buf_printf(out, "%sle=\"%s\"", f->nlabels ? "," : "", le);
        buf_append(out, "}", 1);
    }
    buf_append(out, " ", 1);
    buf_append_str(out, value);
    buf_append(out, "\n", 1);
}

static void render_histogram(buf_t *out, const metrics_family_t *f, metrics_child_t *c)
{
    char le[32], val[32];
    uint64_t cum = 0;
    for (size_t i = 0; i <= f->nbounds; i++) {
        cum += atomic_load_explicit(&c->buckets[i], memory_order_relaxed);
        if (i < f->nbounds)
            fmt_double(le, sizeof(le), f->bounds[i]);
        else
            snprintf(le, sizeof(le), "+Inf");
        snprintf(val, sizeof(val), "%llu", (unsigned long long)cum);
        append_sample(out, f, "_bucket", (const char *const *)c->values, le, val);
    }
    fmt_double(val, sizeof(val), bitsd(atomic_load_explicit(&c->v, memory_order_relaxed)));
    append_sample(out, f, "_sum", (const char *const *)c->values, NULL, val);
    /* The +Inf bucket as read above, so _count and it always agree. */
    snprintf(val, sizeof(val), "%llu", (unsigned long long)cum);
    append_sample(out, f, "_count", (const char *const *)c->values, NULL, val);
}

static void render_child(buf_t *out, const metrics_family_t *f, metrics_child_t *c)
{
    char val[32];
    uint64_t v = atomic_load_explicit(&c->v, memory_order_relaxed);
    if (f->type == METRICS_HISTOGRAM) {
        render_histogram(out, f, c);
        return;
    }
    if (f->type == METRICS_COUNTER)
        snprintf(val, sizeof(val), "%llu", (unsigned long long)v);
    else
        fmt_double(val, sizeof(val), bitsd(v));
    append_sample(out, f, "", (const char *const *)c->values, NULL, val);
}

void metrics_sample(metrics_sink_t *sink, const char *const *label_values, double value)
{
    char val[32];
    fmt_double(val, sizeof(val), value);
    append_sample(sink->out, sink->fam, "", label_values, NULL, val);
}

static const char *type_name(metrics_type_t t)
{
    return t == METRICS_COUNTER ? "counter" : t == METRICS_GAUGE ? "gauge" : "histogram";
}

void metrics_render(metrics_registry_t *reg, buf_t *out)
{
    pthread_mutex_lock(&reg->lock);
    for (const metrics_family_t *f = reg->head; f; f = f->next) {
        buf_printf(out, "# HELP %s ", f->name);
        append_escaped(out, f->help, false);
        buf_printf(out, "\n# TYPE %s %s\n", f->name, type_name(f->type));
        if (f->collect) {
            metrics_sink_t sink = {f, out};
            f->collect(&sink, f->opaque);
            continue;
        }
        metrics_child_t *c = atomic_load_explicit(&f->head, memory_order_acquire);
        for (; c; c = atomic_load_explicit(&c->next, memory_order_acquire))
            render_child(out, f, c);
    }
    pthread_mutex_unlock(&reg->lock);
}
