/* The mirror's HTTP API bodies: replication lag, status, the answer to a
 * pause or resume and Prometheus metrics, built under each flow's lock
 * from what the data thread keeps.
 *
 * Lag of a partition assigned to this instance:
 *   lag_records  source log-end offset - the offset after the last record
 *                the target acknowledged (acked_next);
 *   lag_seconds  age of the oldest record not yet acknowledged: exact when
 *                that record is in flight (its timestamp), otherwise the
 *                time since the partition was last caught up, which bounds
 *                the age of anything written since (never understated). */
#include "mirror/mir_int.h"

#include "common/clock.h"
#include "common/err.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

typedef struct part_lag {
    int64_t replicated; /* last source offset the target holds; -1 none */
    int64_t records;
    double seconds;
} part_lag_t;

/* The last source offset the target holds, -1 none. */
static int64_t part_replicated(const mir_part_t *p)
{
    return p->acked_next > 0 ? p->acked_next - 1 : -1;
}

static part_lag_t part_lag(const mir_part_t *p, int64_t now_ms)
{
    part_lag_t l = {.replicated = part_replicated(p)};
    int64_t end = p->log_end < 0 ? 0 : p->log_end;
    int64_t next = p->acked_next < 0 ? 0 : p->acked_next;
    l.records = end > next ? end - next : 0;
    if (l.records == 0)
        return l;
    int64_t since = now_ms - p->caught_up_ms;
    if (p->qlen > 0) {
        const mir_rec_t *r = &p->q[p->qhead];
        if (r->timestamp > 0 && now_ms - r->timestamp < since)
            since = now_ms - r->timestamp;
    }
    l.seconds = since > 0 ? (double)since / 1000.0 : 0.0;
    return l;
}

/* The operator's view: "paused" from POST /v1/pause to POST /v1/resume,
 * whatever holds single partitions (their "paused" in /v1/lag). */
static const char *flow_state(const mir_flow_t *f)
{
    return f->halt_requested ? "paused" : "running";
}

static json_t *flow_lag(mir_flow_t *f, int64_t now)
{
    json_t *parts = json_array();
    int64_t total = 0;
    double worst_s = 0;
    json_t *worst = json_null();
    int64_t worst_records = -1;
    size_t nparts = 0;
    for (size_t i = 0; i < f->ntopics; i++) {
        const mir_topic_t *t = f->topics[i];
        for (int j = 0; j < t->nparts; j++) {
            const mir_part_t *p = t->parts[j];
            if (!p)
                continue;
            part_lag_t l = part_lag(p, now);
            json_t *o =
                json_pack("{s:s, s:s, s:i, s:I, s:I, s:I, s:f, s:b}", "topic", t->name,
                          "remote_topic", t->remote, "partition", j, "log_end_offset",
                          (json_int_t)(p->log_end < 0 ? 0 : p->log_end), "replicated_offset",
                          (json_int_t)l.replicated, "lag_records", (json_int_t)l.records,
                          "lag_seconds", l.seconds, "paused", p->paused);
            if (p->failure[0])
                json_object_set_new(o, "failure", json_string(p->failure));
            json_array_append_new(parts, o);
            total += l.records;
            nparts++;
            if (l.records > worst_records || (l.records == worst_records && l.seconds > worst_s)) {
                worst_records = l.records;
                json_decref(worst);
                worst = json_pack("{s:s, s:i, s:I, s:f}", "topic", t->name, "partition", j,
                                  "lag_records", (json_int_t)l.records, "lag_seconds", l.seconds);
            }
            if (l.seconds > worst_s)
                worst_s = l.seconds;
        }
    }
    json_t *hb = f->hb_latency_ms < 0
                     ? json_null()
                     : json_pack("{s:I, s:I}", "latency_ms", (json_int_t)f->hb_latency_ms, "age_ms",
                                 (json_int_t)(xdc_wall_ms() - f->hb_at_ms));
    return json_pack("{s:s, s:s, s:s, s:s, s:{s:i, s:I, s:f, s:I}, s:o, s:o, s:o}", "flow", f->name,
                     "source", f->source->alias, "target", f->target->alias, "state", flow_state(f),
                     "totals", "partitions", (int)nparts, "lag_records", (json_int_t)total,
                     "max_lag_seconds", worst_s, "records_replicated",
                     (json_int_t)metrics_value(f->m.records), "worst_partition", worst, "heartbeat",
                     hb, "partitions", parts);
}

json_t *mir__http_lag(mir_flow_t *const *flows, size_t n)
{
    json_t *arr = json_array();
    int64_t now = xdc_wall_ms();
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&flows[i]->lock);
        json_array_append_new(arr, flow_lag(flows[i], now));
        pthread_mutex_unlock(&flows[i]->lock);
    }
    return json_pack("{s:I, s:o}", "time_ms", (json_int_t)now, "flows", arr);
}

json_t *mir__http_pause_answer(mir_flow_t *f, bool drained)
{
    pthread_mutex_lock(&f->lock);
    json_t *o = json_pack("{s:s, s:s}", "flow", f->name, "state", flow_state(f));
    if (!f->halt_requested) {
        pthread_mutex_unlock(&f->lock);
        return o;
    }
    json_t *parts = json_array();
    for (size_t i = 0; i < f->ntopics; i++) {
        const mir_topic_t *t = f->topics[i];
        for (int j = 0; j < t->nparts; j++) {
            const mir_part_t *p = t->parts[j];
            if (!p)
                continue;
            json_array_append_new(parts, json_pack("{s:s, s:s, s:i, s:I, s:I}", "topic", t->name,
                                                   "remote_topic", t->remote, "partition", j,
                                                   "replicated_offset",
                                                   (json_int_t)part_replicated(p), "log_end_offset",
                                                   (json_int_t)(p->log_end < 0 ? 0 : p->log_end)));
        }
    }
    json_object_set_new(o, "drained", json_boolean(drained));
    json_object_set_new(o, "in_flight_records", json_integer((json_int_t)f->inflight_records));
    json_object_set_new(o, "partitions", parts);
    pthread_mutex_unlock(&f->lock);
    return o;
}

static json_int_t counter(const metrics_child_t *c)
{
    return (json_int_t)metrics_value(c);
}

static const char *pause_reason(const mir_flow_t *f, const mir_part_t *p)
{
    if (p->failure[0])
        return p->failure;
    if (p->tail_pending)
        return "the target cannot be read: waiting to learn what it already holds";
    if (f->halt_requested || p->halt_rewind >= 0)
        return "the flow is paused by the API (POST /v1/resume)";
    if (f->backpressure)
        return "buffer.memory reached: waiting for the target to acknowledge";
    return "paused";
}

static json_t *flow_status(mir_flow_t *f)
{
    json_t *topics = json_array();
    for (size_t i = 0; i < f->nwanted; i++)
        json_array_append_new(topics, json_string(f->wanted[i]));
    json_t *assigned = json_array();
    json_t *paused = json_array();
    for (size_t i = 0; i < f->ntopics; i++) {
        const mir_topic_t *t = f->topics[i];
        for (int j = 0; j < t->nparts; j++) {
            const mir_part_t *p = t->parts[j];
            if (!p)
                continue;
            json_array_append_new(assigned,
                                  json_pack("{s:s, s:i}", "topic", t->name, "partition", j));
            if (p->paused)
                json_array_append_new(paused,
                                      json_pack("{s:s, s:i, s:s}", "topic", t->name, "partition", j,
                                                "reason", pause_reason(f, p)));
        }
    }
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:I}",
        "flow", f->name, "state", flow_state(f), "group_id", f->group_id, "offset_syncs_topic",
        f->syncs_topic, "policy", f->policy.kind == MIR_POLICY_IDENTITY ? "identity" : "prefix",
        "topics", topics, "assigned", assigned, "paused", paused, "counters", "records",
        counter(f->m.records), "bytes", counter(f->m.bytes), "skipped_loop", counter(f->m.skipped),
        "duplicates", counter(f->m.duplicates), "duplicates_avoided",
        counter(f->m.duplicates_avoided), "offset_syncs", counter(f->m.syncs), "heartbeats",
        counter(f->m.heartbeats), "failures", counter(f->m.failures), "inflight_bytes",
        (json_int_t)f->inflight_bytes);
    if (f->last_error[0])
        json_object_set_new(o, "last_error", json_string(f->last_error));
    return o;
}

json_t *mir__http_status(mir_flow_t *const *flows, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&flows[i]->lock);
        json_array_append_new(arr, flow_status(flows[i]));
        pthread_mutex_unlock(&flows[i]->lock);
    }
    return arr;
}

/* Lag per partition, rendered from the flows' state under their locks. */
static void collect_lag(metrics_sink_t *sink, void *opaque, bool seconds)
{
    const mir_flows_t *fl = opaque;
    int64_t now = xdc_wall_ms();
    for (size_t i = 0; i < fl->n; i++) {
        mir_flow_t *f = fl->v[i];
        pthread_mutex_lock(&f->lock);
        for (size_t k = 0; k < f->ntopics; k++) {
            const mir_topic_t *t = f->topics[k];
            for (int j = 0; j < t->nparts; j++) {
                if (!t->parts[j])
                    continue;
                part_lag_t l = part_lag(t->parts[j], now);
                char pn[16];
                snprintf(pn, sizeof(pn), "%d", j);
                const char *labels[] = {f->name, t->name, pn};
                metrics_sample(sink, labels, seconds ? l.seconds : (double)l.records);
            }
        }
        pthread_mutex_unlock(&f->lock);
    }
}

static void collect_lag_records(metrics_sink_t *sink, void *opaque)
{
    collect_lag(sink, opaque, false);
}

static void collect_lag_seconds(metrics_sink_t *sink, void *opaque)
{
    collect_lag(sink, opaque, true);
}

static void collect_paused(metrics_sink_t *sink, void *opaque)
{
    const mir_flows_t *fl = opaque;
    for (size_t i = 0; i < fl->n; i++) {
        pthread_mutex_lock(&fl->v[i]->lock);
        bool paused = fl->v[i]->halt_requested;
        pthread_mutex_unlock(&fl->v[i]->lock);
        const char *labels[] = {fl->v[i]->name};
        metrics_sample(sink, labels, paused ? 1.0 : 0.0);
    }
}

static void collect_heartbeat(metrics_sink_t *sink, void *opaque)
{
    const mir_flows_t *fl = opaque;
    for (size_t i = 0; i < fl->n; i++) {
        pthread_mutex_lock(&fl->v[i]->lock);
        int64_t ms = fl->v[i]->hb_latency_ms;
        pthread_mutex_unlock(&fl->v[i]->lock);
        const char *labels[] = {fl->v[i]->name};
        if (ms >= 0)
            metrics_sample(sink, labels, (double)ms / 1000.0);
    }
}

int mir__http_metrics_register(metrics_registry_t *reg, const mir_flows_t *fl)
{
    static const char *const flow_l[] = {"flow"};
    static const char *const part_l[] = {"flow", "topic", "partition"};
    static const double lat_bounds[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                        0.5,   1,     2.5,  5,     10,   30};
    struct {
        const char *name, *help;
        size_t field;
    } counters[] = {
        {"xdc_mirror_records_total", "Records the target acknowledged.",
         offsetof(mir_metrics_t, records)},
        {"xdc_mirror_bytes_total", "Bytes (key, value, headers) the target acknowledged.",
         offsetof(mir_metrics_t, bytes)},
        {"xdc_mirror_skipped_loop_total",
         "Records not mirrored because they came from the target cluster.",
         offsetof(mir_metrics_t, skipped)},
        {"xdc_mirror_duplicates_total", "Records written to the target more than once.",
         offsetof(mir_metrics_t, duplicates)},
        {"xdc_mirror_duplicates_avoided_total",
         "Records the target already held at an assignment, not written again.",
         offsetof(mir_metrics_t, duplicates_avoided)},
        {"xdc_mirror_offset_syncs_total", "Offset syncs written.", offsetof(mir_metrics_t, syncs)},
        {"xdc_mirror_heartbeats_total", "Heartbeats written to the source.",
         offsetof(mir_metrics_t, heartbeats)},
        {"xdc_mirror_failures_total", "Records the target refused.",
         offsetof(mir_metrics_t, failures)},
        {"xdc_mirror_checkpoints_total", "Checkpoints written to the target.",
         offsetof(mir_metrics_t, checkpoints)},
        {"xdc_mirror_group_offset_syncs_total",
         "Commits of checkpointed offsets to idle consumer groups on the target.",
         offsetof(mir_metrics_t, group_syncs)},
    };
    mir_flow_t *const *flows = fl->v;
    size_t n = fl->n;
    for (size_t c = 0; c < sizeof(counters) / sizeof(counters[0]); c++) {
        metrics_family_t *fam = metrics_counter(reg, counters[c].name, counters[c].help, 1, flow_l);
        if (!fam)
            return XDC_ESTATE;
        for (size_t i = 0; i < n; i++) {
            const char *v[] = {flows[i]->name};
            *(metrics_child_t **)((char *)&flows[i]->m + counters[c].field) = metrics_child(fam, v);
        }
    }
    metrics_family_t *lat =
        metrics_histogram(reg, "xdc_mirror_replication_latency_seconds",
                          "Record timestamp to target acknowledgement.", 1, flow_l, lat_bounds,
                          sizeof(lat_bounds) / sizeof(lat_bounds[0]));
    if (!lat)
        return XDC_ESTATE;
    for (size_t i = 0; i < n; i++) {
        const char *v[] = {flows[i]->name};
        flows[i]->m.latency = metrics_child(lat, v);
    }
    metrics_family_t *cl = metrics_histogram(
        reg, "xdc_mirror_checkpoint_latency_seconds",
        "Source commit to its checkpoint on the target (an upper bound: from the last read of "
        "the group's offsets before the commit).",
        1, flow_l, lat_bounds, sizeof(lat_bounds) / sizeof(lat_bounds[0]));
    if (!cl || mir__ckpt_metrics_register(reg, fl) < 0)
        return XDC_ESTATE;
    for (size_t i = 0; i < n; i++) {
        const char *v[] = {flows[i]->name};
        flows[i]->m.ckpt_latency = metrics_child(cl, v);
    }
    if (!metrics_collector(reg, METRICS_GAUGE, "xdc_mirror_lag_records",
                           "Source log-end offset minus the offset after the last record the "
                           "target holds.",
                           3, part_l, collect_lag_records, (void *)fl) ||
        !metrics_collector(reg, METRICS_GAUGE, "xdc_mirror_lag_seconds",
                           "Age of the oldest record the target does not hold yet.", 3, part_l,
                           collect_lag_seconds, (void *)fl) ||
        !metrics_collector(reg, METRICS_GAUGE, "xdc_mirror_heartbeat_latency_seconds",
                           "Latest heartbeat's end-to-end replication latency.", 1, flow_l,
                           collect_heartbeat, (void *)fl) ||
        !metrics_collector(reg, METRICS_GAUGE, "xdc_mirror_flow_paused",
                           "1 while the flow is paused by POST /v1/pause, else 0.", 1, flow_l,
                           collect_paused, (void *)fl))
        return XDC_ESTATE;
    return 0;
}
