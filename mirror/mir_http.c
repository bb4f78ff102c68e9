/* The mirror's HTTP API bodies: replication lag, status and Prometheus
 * metrics, built under each flow's lock from what the data thread keeps.
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

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const int64_t mir_lat_bounds_ms[MIR_LAT_BUCKETS - 1] = {1,   5,    10,   25,   50,    100,  250,
                                                        500, 1000, 2500, 5000, 10000, 30000};

typedef struct part_lag {
    int64_t replicated; /* last source offset the target holds; -1 none */
    int64_t records;
    double seconds;
} part_lag_t;

static part_lag_t part_lag(const mir_part_t *p, int64_t now_ms)
{
    part_lag_t l = {.replicated = p->acked_next > 0 ? p->acked_next - 1 : -1};
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
    return json_pack("{s:s, s:s, s:s, s:{s:i, s:I, s:f, s:I}, s:o, s:o, s:o}", "flow", f->name,
                     "source", f->source->alias, "target", f->target->alias, "totals", "partitions",
                     (int)nparts, "lag_records", (json_int_t)total, "max_lag_seconds", worst_s,
                     "records_replicated", (json_int_t)f->records, "worst_partition", worst,
                     "heartbeat", hb, "partitions", parts);
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

static const char *pause_reason(const mir_flow_t *f, const mir_part_t *p)
{
    if (p->failure[0])
        return p->failure;
    if (p->tail_pending)
        return "the target cannot be read: waiting to learn what it already holds";
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
        "{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:I}",
        "flow", f->name, "group_id", f->group_id, "offset_syncs_topic", f->syncs_topic, "policy",
        f->policy.kind == MIR_POLICY_IDENTITY ? "identity" : "prefix", "topics", topics, "assigned",
        assigned, "paused", paused, "counters", "records", (json_int_t)f->records, "bytes",
        (json_int_t)f->bytes, "skipped_loop", (json_int_t)f->skipped, "duplicates",
        (json_int_t)f->duplicates, "duplicates_avoided", (json_int_t)f->duplicates_avoided,
        "offset_syncs", (json_int_t)f->syncs_emitted, "heartbeats",
        (json_int_t)f->heartbeats_emitted, "failures", (json_int_t)f->failures, "inflight_bytes",
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

static void counter(buf_t *out, const char *name, const char *help, mir_flow_t *const *flows,
                    size_t n, size_t field)
{
    buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&flows[i]->lock);
        uint64_t v = *(const uint64_t *)((const char *)flows[i] + field);
        pthread_mutex_unlock(&flows[i]->lock);
        buf_printf(out, "%s{flow=\"%s\"} %" PRIu64 "\n", name, flows[i]->name, v);
    }
}

void mir__http_metrics(mir_flow_t *const *flows, size_t n, buf_t *out)
{
    counter(out, "xdc_mirror_records_total", "Records the target acknowledged.", flows, n,
            offsetof(mir_flow_t, records));
    counter(out, "xdc_mirror_bytes_total", "Bytes (key, value, headers) the target acknowledged.",
            flows, n, offsetof(mir_flow_t, bytes));
    counter(out, "xdc_mirror_skipped_loop_total",
            "Records not mirrored because they came from the target cluster.", flows, n,
            offsetof(mir_flow_t, skipped));
    counter(out, "xdc_mirror_duplicates_total", "Records written to the target more than once.",
            flows, n, offsetof(mir_flow_t, duplicates));
    counter(out, "xdc_mirror_duplicates_avoided_total",
            "Records the target already held at a restart or rebalance, not written again.", flows,
            n, offsetof(mir_flow_t, duplicates_avoided));
    counter(out, "xdc_mirror_offset_syncs_total", "Offset syncs written.", flows, n,
            offsetof(mir_flow_t, syncs_emitted));
    counter(out, "xdc_mirror_failures_total", "Records the target refused.", flows, n,
            offsetof(mir_flow_t, failures));

    const char *h = "xdc_mirror_replication_latency_seconds";
    buf_printf(out, "# HELP %s Record timestamp to target acknowledgement.\n# TYPE %s histogram\n",
               h, h);
    for (size_t i = 0; i < n; i++) {
        mir_flow_t *f = flows[i];
        pthread_mutex_lock(&f->lock);
        uint64_t cum = 0;
        for (int b = 0; b < MIR_LAT_BUCKETS; b++) {
            cum += f->lat_buckets[b];
            if (b < MIR_LAT_BUCKETS - 1)
                buf_printf(out, "%s_bucket{flow=\"%s\",le=\"%g\"} %" PRIu64 "\n", h, f->name,
                           (double)mir_lat_bounds_ms[b] / 1000.0, cum);
            else
                buf_printf(out, "%s_bucket{flow=\"%s\",le=\"+Inf\"} %" PRIu64 "\n", h, f->name,
                           cum);
        }
        buf_printf(out, "%s_sum{flow=\"%s\"} %.6f\n%s_count{flow=\"%s\"} %" PRIu64 "\n", h, f->name,
                   f->lat_sum_s, h, f->name, f->lat_count);
        pthread_mutex_unlock(&f->lock);
    }

    buf_printf(out, "# HELP xdc_mirror_lag_records Source log-end offset minus the offset after "
                    "the last record the target holds.\n# TYPE xdc_mirror_lag_records gauge\n");
    buf_t secs;
    buf_init(&secs);
    buf_printf(&secs, "# HELP xdc_mirror_lag_seconds Age of the oldest record the target does "
                      "not hold yet.\n# TYPE xdc_mirror_lag_seconds gauge\n");
    int64_t now = xdc_wall_ms();
    for (size_t i = 0; i < n; i++) {
        mir_flow_t *f = flows[i];
        pthread_mutex_lock(&f->lock);
        for (size_t k = 0; k < f->ntopics; k++) {
            const mir_topic_t *t = f->topics[k];
            for (int j = 0; j < t->nparts; j++) {
                if (!t->parts[j])
                    continue;
                part_lag_t l = part_lag(t->parts[j], now);
                /* Topic names are [a-zA-Z0-9._-]: nothing to escape. */
                buf_printf(out,
                           "xdc_mirror_lag_records{flow=\"%s\",topic=\"%s\",partition=\"%d\"} "
                           "%" PRId64 "\n",
                           f->name, t->name, j, l.records);
                buf_printf(&secs,
                           "xdc_mirror_lag_seconds{flow=\"%s\",topic=\"%s\",partition=\"%d\"} "
                           "%.3f\n",
                           f->name, t->name, j, l.seconds);
            }
        }
        pthread_mutex_unlock(&f->lock);
    }
    buf_append(out, secs.data, secs.len);
    buf_close(&secs);
    buf_printf(out, "# HELP xdc_mirror_heartbeat_latency_seconds Latest heartbeat's end-to-end "
                    "replication latency.\n# TYPE xdc_mirror_heartbeat_latency_seconds gauge\n");
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&flows[i]->lock);
        int64_t ms = flows[i]->hb_latency_ms;
        pthread_mutex_unlock(&flows[i]->lock);
        if (ms >= 0)
            buf_printf(out, "xdc_mirror_heartbeat_latency_seconds{flow=\"%s\"} %.3f\n",
                       flows[i]->name, (double)ms / 1000.0);
    }
}
