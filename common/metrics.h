#ifndef XDC_COMMON_METRICS_H
#define XDC_COMMON_METRICS_H

#include "common/buf.h"

#include <stddef.h>
#include <stdint.h>

/* Prometheus metrics: counters, gauges and histograms, rendered in the text
 * exposition format 0.0.4 for a daemon's GET /metrics.
 *
 * A registry holds families. A family has a name, a help line and a fixed
 * list of label names; each combination of label values is a child, made
 * on first use by metrics_child(). Updating a child is lock-free (C11
 * atomics), so any thread may count:
 *
 *   static const char *const labels[] = {"topic"};
 *   metrics_family_t *f = metrics_counter(reg, "xdc_broker_messages_in_total",
 *                                         "Records appended.", 1, labels);
 *   metrics_child_t *c = metrics_child(f, (const char *const[]){"orders"});
 *   metrics_inc(c, 3);   // cache c: looking it up again is a list walk
 *
 * Values another thread owns (a loop's per-partition offsets) come from a
 * collector instead: metrics_collector() registers a callback that emits
 * the family's samples with metrics_sample() each time the registry is
 * rendered.
 *
 * Lifetime: families and children live until metrics_registry_free(); a
 * cached child pointer stays valid until then. There is no way to remove a
 * child, so label values must come from a bounded set (topics, APIs, error
 * codes), never from request data such as client ids.
 *
 * Threads: every function may be called from any thread, except
 * metrics_registry_free() (no other thread may still use the registry) and
 * metrics_sample() (only inside a collector callback). Registration and
 * rendering take the registry's lock; metrics_child() takes its family's
 * lock only to add a child; updates take none. A render concurrent with
 * updates shows each value as it was at some instant during the render,
 * and a histogram's _count always equals its +Inf bucket. */

/* Content-Type of the rendered text. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Histogram buckets for latencies in seconds, 0.5 ms to 10 s:
 *   static const double b[] = METRICS_SECONDS_BUCKETS; */
#define METRICS_SECONDS_BUCKETS                                                                    \
    {                                                                                              \
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10             \
    }

typedef enum metrics_type {
    METRICS_COUNTER,   /* only goes up: metrics_inc() */
    METRICS_GAUGE,     /* goes up and down: metrics_set(), metrics_add() */
    METRICS_HISTOGRAM, /* observations in buckets: metrics_observe() */
} metrics_type_t;

typedef struct metrics_registry metrics_registry_t;
typedef struct metrics_family metrics_family_t;
typedef struct metrics_child metrics_child_t;
typedef struct metrics_sink metrics_sink_t;

/** @return a new, empty registry; free it with metrics_registry_free(). */
metrics_registry_t *metrics_registry_new(void);

/** Free @p reg with every family and child in it. NULL does nothing.
 *  @thread any, once no other thread uses @p reg or a child of it. */
void metrics_registry_free(metrics_registry_t *reg);

/** Register a counter family. @p name must match [a-zA-Z_:][a-zA-Z0-9_:]*
 *  and end in "_total" by Prometheus convention; each label name must
 *  match [a-zA-Z_][a-zA-Z0-9_]* and not start with "__".
 *  @param name, help, label_names borrowed; copied. @p label_names may be
 *  NULL when @p nlabels is 0.
 *  @return the family (owned by @p reg), or NULL when a name is invalid or
 *  @p name is already registered. */
metrics_family_t *metrics_counter(metrics_registry_t *reg, const char *name, const char *help,
                                  size_t nlabels, const char *const *label_names);

/** Register a gauge family; as metrics_counter(). */
metrics_family_t *metrics_gauge(metrics_registry_t *reg, const char *name, const char *help,
                                size_t nlabels, const char *const *label_names);

/** Register a histogram family with upper bounds @p bounds (finite and
 *  strictly increasing; the +Inf bucket is implicit). "le" may not be a
 *  label name.  @param bounds borrowed; copied.
 *  @return as metrics_counter(), NULL also for bad bounds. */
metrics_family_t *metrics_histogram(metrics_registry_t *reg, const char *name, const char *help,
                                    size_t nlabels, const char *const *label_names,
                                    const double *bounds, size_t nbounds);

/** A collector callback: emit the family's current samples with
 *  metrics_sample(). It runs inside metrics_render(), on the rendering
 *  thread with the registry's lock held: it must not call other
 *  metrics_*() functions on the same registry. */
typedef void (*metrics_collect_cb)(metrics_sink_t *sink, void *opaque);

/** Register a counter or gauge family whose samples @p cb emits at render
 *  time, for values owned by another thread. Such a family has no
 *  children.  @param opaque passed to @p cb; must outlive @p reg.
 *  @return as metrics_counter(); NULL also for METRICS_HISTOGRAM. */
metrics_family_t *metrics_collector(metrics_registry_t *reg, metrics_type_t type, const char *name,
                                    const char *help, size_t nlabels,
                                    const char *const *label_names, metrics_collect_cb cb,
                                    void *opaque);

/** Emit one sample of the collector family being rendered.
 *  @param label_values one string per label name (borrowed; any bytes,
 *  escaped here); NULL when the family has no labels.
 *  @thread inside a metrics_collect_cb only. */
void metrics_sample(metrics_sink_t *sink, const char *const *label_values, double value);

/** The child of @p fam with @p label_values, created (at zero) on first
 *  use. Lock-free when it exists; cache the result on hot paths.
 *  @param label_values one string per label name, borrowed; copied. NULL
 *  when the family has no labels.
 *  @return borrowed; valid until metrics_registry_free(). NULL for a
 *  collector family. */
metrics_child_t *metrics_child(metrics_family_t *fam, const char *const *label_values);

/** Add @p n to a counter. */
void metrics_inc(metrics_child_t *c, uint64_t n);

/** Set a gauge to @p v. */
void metrics_set(metrics_child_t *c, double v);

/** Add @p delta (negative to subtract) to a gauge. */
void metrics_add(metrics_child_t *c, double delta);

/** Count @p v in the first bucket whose bound is >= @p v (or +Inf) and
 *  add it to the histogram's sum. */
void metrics_observe(metrics_child_t *c, double v);

/** @return a counter's or gauge's value, or a histogram's count. */
double metrics_value(const metrics_child_t *c);

/** Append every family to @p out in the text format 0.0.4, in
 *  registration order: "# HELP" and "# TYPE" lines, then one line per
 *  sample (children in creation order; a histogram child as its
 *  cumulative _bucket lines, le="+Inf" last, then _sum and _count). A
 *  family without labels shows its single child at zero before any update.
 *  @param out appended to; the caller keeps it. */
void metrics_render(metrics_registry_t *reg, buf_t *out);

#endif
