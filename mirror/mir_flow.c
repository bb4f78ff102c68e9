/* One replication flow's data path: consume from the source through the
 * flow's consumer group, produce to the same partition on the target,
 * commit source offsets only up to what the target acknowledged. */
#include "mirror/mir_int.h"

#include "checkpoint/checkpoint.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DRAIN_TIMEOUT_MS 10000 /* revoke and shutdown wait this long for acks */
#define RETRY_FAILED_MS  10000 /* a partition the target refused is retried after this */
#define TAIL_WINDOW      200   /* records read back from a target partition's end */
#define SYNCS_WAIT_MS    1000  /* a pause waits this long for its last offset syncs to land */

static void part_free(mir_part_t *p)
{
    for (size_t i = 0; i < p->qlen; i++) {
        mir_rec_t *r = &p->q[(p->qhead + i) % p->qcap];
        if (r->src)
            rd_kafka_message_destroy(r->src);
    }
    free(p->q);
    free(p);
}

static mir_rec_t *part_push(mir_part_t *p)
{
    if (p->qlen == p->qcap) {
        size_t ncap = p->qcap ? p->qcap * 2 : 64;
        mir_rec_t *nq = xmalloc(ncap * sizeof(*nq));
        for (size_t i = 0; i < p->qlen; i++)
            nq[i] = p->q[(p->qhead + i) % p->qcap];
        free(p->q);
        p->q = nq;
        p->qcap = ncap;
        p->qhead = 0;
    }
    mir_rec_t *r = &p->q[(p->qhead + p->qlen) % p->qcap];
    p->qlen++;
    memset(r, 0, sizeof(*r));
    r->loop_down = -1;
    return r;
}

static mir_rec_t *part_at(mir_part_t *p, size_t i)
{
    return &p->q[(p->qhead + i) % p->qcap];
}

/* @return whether a record of @p p still waits for its delivery report. */
static bool part_inflight(mir_part_t *p)
{
    for (size_t i = 0; i < p->qlen; i++)
        if (part_at(p, i)->src)
            return true;
    return false;
}

/* Pop the records the target holds (or that were skipped) off the head:
 * the commit point moves only over a contiguous prefix. */
static void emit_sync(mir_flow_t *f, mir_part_t *p, const mir_sync_point_t *pt);

static void part_advance(mir_flow_t *f, mir_part_t *p)
{
    while (p->qlen > 0) {
        mir_rec_t *r = part_at(p, 0);
        if (!r->done)
            break;
        if (r->loop_down >= 0) {
            /* Everything before it was fed to the emitter: it is next in
             * partition order. */
            mir_sync_point_t pts[2];
            int n = mir_sync_ack(&p->sync, r->offset, r->loop_down, f->fc->offset_lag_max, pts);
            for (int i = 0; i < n; i++)
                emit_sync(f, p, &pts[i]);
        }
        p->acked_next = r->offset + 1;
        p->qhead = (p->qhead + 1) % p->qcap;
        p->qlen--;
    }
    if (p->acked_next >= p->log_end) {
        p->log_end = p->acked_next > p->log_end ? p->acked_next : p->log_end;
        p->caught_up_ms = xdc_wall_ms();
    }
}

mir_topic_t *mir__flow_topic_find(mir_flow_t *f, const char *name)
{
    for (size_t i = 0; i < f->ntopics; i++)
        if (strcmp(f->topics[i]->name, name) == 0)
            return f->topics[i];
    return NULL;
}

static mir_topic_t *topic_add(mir_flow_t *f, const char *name)
{
    mir_topic_t *t = xcalloc(1, sizeof(*t));
    t->name = xstrdup(name);
    char remote[256];
    if (mir_policy_remote_topic(&f->policy, f->source->alias, name, remote, sizeof(remote)) < 0)
        snprintf(remote, sizeof(remote), "%s", name); /* checked by the topics thread */
    t->remote = xstrdup(remote);
    t->heartbeats = strcmp(name, "heartbeats") == 0;
    t->rkt = rd_kafka_topic_new(f->producer, t->remote, NULL);
    f->topics = xrealloc(f->topics, (f->ntopics + 1) * sizeof(*f->topics));
    f->topics[f->ntopics++] = t;
    return t;
}

static void topic_free(mir_topic_t *t)
{
    for (int i = 0; i < t->nparts; i++)
        if (t->parts[i])
            part_free(t->parts[i]);
    free(t->parts);
    if (t->rkt)
        rd_kafka_topic_destroy(t->rkt);
    free(t->name);
    free(t->remote);
    free(t);
}

static mir_part_t *part_find(mir_flow_t *f, const char *topic, int32_t partition)
{
    if (f->last_part && f->last_part->partition == partition &&
        strcmp(f->last_part->topic->name, topic) == 0)
        return f->last_part;
    mir_topic_t *t = mir__flow_topic_find(f, topic);
    if (!t || partition < 0 || partition >= t->nparts || !t->parts[partition])
        return NULL;
    f->last_part = t->parts[partition];
    return f->last_part;
}

/* @return whether @p p must stay paused whatever resumes the others: the
 * target refused a record, its start is not known yet, or the API's pause
 * holds it (until its dropped records are sought back to).  Buffer.memory
 * (f->backpressure) is checked apart: it holds every partition.
 * @locks f->lock held. */
static bool part_held(const mir_flow_t *f, const mir_part_t *p)
{
    return p->failure[0] || p->tail_pending || f->halt_requested || p->halt_rewind >= 0;
}

static void set_paused(mir_flow_t *f, rd_kafka_topic_partition_list_t *l, bool paused);

/* --- offset syncs and heartbeats ---------------------------------------- */

static void emit_sync(mir_flow_t *f, mir_part_t *p, const mir_sync_point_t *pt)
{
    if (!f->fc->emit_offset_syncs_enabled)
        return;
    ckpt_offset_sync_t s = {
        .topic = p->topic->name,
        .topic_len = strlen(p->topic->name),
        .partition = p->partition,
        .upstream_offset = pt->upstream,
        .downstream_offset = pt->downstream,
    };
    buf_t k, v;
    buf_init(&k);
    buf_init(&v);
    if (ckpt_offset_sync_encode(&s, &k, &v) == 0) {
        rd_kafka_t *rk =
            f->fc->offset_syncs_location == MIR_SYNCS_SOURCE ? f->src_producer : f->producer;
        rd_kafka_headers_t *h = NULL;
        if (pt->prev_upstream >= 0) {
            char prev[48];
            int n = snprintf(prev, sizeof(prev), "%" PRId64 ":%" PRId64, pt->prev_upstream,
                             pt->prev_downstream);
            h = rd_kafka_headers_new(1);
            rd_kafka_header_add(h, CKPT_PREV_HEADER, -1, prev, n);
        }
        rd_kafka_resp_err_t err = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(f->syncs_topic), RD_KAFKA_V_PARTITION(0),
            RD_KAFKA_V_KEY(k.data, k.len), RD_KAFKA_V_VALUE(v.data, v.len), RD_KAFKA_V_HEADERS(h),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(NULL), RD_KAFKA_V_END);
        if (err && h)
            rd_kafka_headers_destroy(h);
        if (err)
            log_warn("[%s] offset sync for %s/%d not sent: %s", f->name, p->topic->name,
                     p->partition, rd_kafka_err2str(err));
        else
            metrics_inc(f->m.syncs, 1);
    }
    buf_close(&k);
    buf_close(&v);
}

static void flush_syncs(mir_flow_t *f)
{
    for (size_t i = 0; i < f->ntopics; i++) {
        mir_topic_t *t = f->topics[i];
        for (int j = 0; j < t->nparts; j++) {
            mir_sync_point_t pt;
            if (t->parts[j] && mir_sync_flush(&t->parts[j]->sync, &pt) == 1)
                emit_sync(f, t->parts[j], &pt);
        }
    }
}

/* MirrorMaker 2's heartbeat connector for flow A->B writes into B; so the
 * records in the source's "heartbeats" are those of the reverse pair
 * (target -> source), and that is what we write, keeping MM2 tools happy. */
static void emit_heartbeat(mir_flow_t *f)
{
    mir_topic_t *t = mir__flow_topic_find(f, "heartbeats");
    if (!t || t->nparts < 1 || !t->parts[0])
        return; /* another instance owns heartbeats-0 and emits them */
    ckpt_heartbeat_t hb = {
        .source_alias = f->target->alias,
        .source_len = strlen(f->target->alias),
        .target_alias = f->source->alias,
        .target_len = strlen(f->source->alias),
        .timestamp_ms = xdc_wall_ms(),
    };
    buf_t k, v;
    buf_init(&k);
    buf_init(&v);
    if (ckpt_heartbeat_encode(&hb, &k, &v) == 0) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            f->src_producer, RD_KAFKA_V_TOPIC("heartbeats"), RD_KAFKA_V_PARTITION(0),
            RD_KAFKA_V_KEY(k.data, k.len), RD_KAFKA_V_VALUE(v.data, v.len),
            RD_KAFKA_V_TIMESTAMP(hb.timestamp_ms), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_END);
        if (err)
            log_warn("[%s] heartbeat not sent: %s", f->name, rd_kafka_err2str(err));
        else
            metrics_inc(f->m.heartbeats, 1);
    }
    buf_close(&k);
    buf_close(&v);
}

/* --- delivery reports --------------------------------------------------- */

static void observe_latency(mir_flow_t *f, int64_t ts)
{
    if (ts <= 0)
        return;
    int64_t ms = xdc_wall_ms() - ts;
    if (ms < 0)
        ms = 0;
    metrics_observe(f->m.latency, (double)ms / 1000.0);
}

static void heartbeat_arrived(mir_flow_t *f, const rd_kafka_message_t *m)
{
    ckpt_heartbeat_t hb;
    if (ckpt_heartbeat_decode(m->key, m->key_len, m->payload, m->len, &hb) < 0)
        return;
    int64_t now = xdc_wall_ms();
    f->hb_latency_ms = now - hb.timestamp_ms < 0 ? 0 : now - hb.timestamp_ms;
    f->hb_at_ms = now;
}

static void part_failed(mir_flow_t *f, mir_part_t *p, int64_t offset, const char *why)
{
    if (!p->failure[0]) {
        snprintf(p->failure, sizeof(p->failure), "source offset %" PRId64 ": %s", offset, why);
        log_error("[%s] %s/%d: the target refused a record, partition paused: %s", f->name,
                  p->topic->name, p->partition, p->failure);
        snprintf(f->last_error, sizeof(f->last_error), "%.200s/%d: %.250s", p->topic->name,
                 p->partition, p->failure);
        metrics_inc(f->m.failures, 1);
    }
    p->retry_at_ms = xdc_mono_ms() + RETRY_FAILED_MS;
    if (!p->paused) {
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, p->topic->name, p->partition);
        rd_kafka_pause_partitions(f->consumer, l);
        rd_kafka_topic_partition_list_destroy(l);
        p->paused = true;
    }
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    mir_flow_t *f = opaque;
    mir_part_t *p = m->_private;
    if (!p) {
        /* An offset sync written to the target (offset-syncs.topic.location=target). */
        if (m->err)
            log_warn("[%s] offset sync not written: %s", f->name, rd_kafka_err2str(m->err));
        return;
    }
    /* The oldest record not yet done is the one this report is for: one
     * partition's reports come in produce order. */
    mir_rec_t *r = NULL;
    for (size_t i = 0; i < p->qlen; i++) {
        if (!part_at(p, i)->done) {
            r = part_at(p, i);
            break;
        }
    }
    if (!r) {
        log_error("[%s] %s/%d: delivery report without a record in flight", f->name, p->topic->name,
                  p->partition);
        return;
    }
    f->inflight_bytes -= r->bytes;
    f->inflight_records--;
    if (p->failure[0]) {
        /* Behind a refused record: the retry sends these again. */
        if (!m->err)
            metrics_inc(f->m.duplicates, 1);
        r->done = true;
        r->skipped = true;
    } else if (m->err) {
        /* Reported, not written: the retry resends it from acked_next. */
        part_failed(f, p, r->offset, rd_kafka_err2str(m->err));
        r->done = true;
        r->skipped = true;
    } else {
        r->done = true;
        mir_sync_point_t pts[2];
        int n = mir_sync_ack(&p->sync, r->offset, m->offset, f->fc->offset_lag_max, pts);
        for (int i = 0; i < n; i++)
            emit_sync(f, p, &pts[i]);
        metrics_inc(f->m.records, 1);
        metrics_inc(f->m.bytes, r->bytes);
        observe_latency(f, r->timestamp);
        if (p->topic->heartbeats)
            heartbeat_arrived(f, m);
    }
    if (r->src) {
        rd_kafka_message_destroy(r->src);
        r->src = NULL;
    }
    if (p->failure[0]) {
        /* Everything behind the refused record is resent by the retry,
         * which rewinds the consumer to acked_next once all is reported. */
        if (!part_inflight(p))
            p->qlen = 0;
    } else {
        part_advance(f, p);
    }
    if (p->revoked && !part_inflight(p)) {
        part_free(p);
    }
}

/* --- consuming ---------------------------------------------------------- */

/* The source record's headers (@p src, NULL when it has none) plus the
 * provenance headers; their bytes are added to @p bytes. */
static rd_kafka_headers_t *copy_headers(mir_flow_t *f, const rd_kafka_message_t *m,
                                        const rd_kafka_headers_t *src, size_t *bytes)
{
    rd_kafka_headers_t *h;
    if (src) {
        h = rd_kafka_headers_copy(src);
        rd_kafka_header_remove(h, MIR_HDR_SRC);
    } else {
        h = rd_kafka_headers_new(2);
    }
    const void *v;
    size_t vlen;
    if (rd_kafka_header_get_last(h, MIR_HDR_ORIGIN, &v, &vlen) != RD_KAFKA_RESP_ERR_NO_ERROR)
        rd_kafka_header_add(h, MIR_HDR_ORIGIN, -1, f->source->alias, -1);
    char src_id[320];
    int n = snprintf(src_id, sizeof(src_id), "%s:%" PRId32 ":%" PRId64, f->source->alias,
                     m->partition, m->offset);
    rd_kafka_header_add(h, MIR_HDR_SRC, -1, src_id, n);
    size_t total = 0;
    const char *name;
    for (size_t i = 0; rd_kafka_header_get_all(h, i, &name, &v, &vlen) == 0; i++)
        total += strlen(name) + vlen;
    *bytes += total;
    return h;
}

/* The offset of the record @p h's xdc.src names, when that record is in
 * cluster @p alias, partition @p partition.  @return 1 and *@p out, or 0. */
static int src_offset(const rd_kafka_headers_t *h, const char *alias, int32_t partition,
                      int64_t *out)
{
    char want[300], num[32];
    const void *v;
    size_t vlen;
    int wlen = snprintf(want, sizeof(want), "%s:%" PRId32 ":", alias, partition);
    if (!h || wlen < 0 || (size_t)wlen >= sizeof(want) ||
        rd_kafka_header_get_last(h, MIR_HDR_SRC, &v, &vlen) != 0 || !v || vlen <= (size_t)wlen ||
        memcmp(v, want, (size_t)wlen) != 0 || vlen - (size_t)wlen >= sizeof(num))
        return 0;
    memcpy(num, (const char *)v + wlen, vlen - (size_t)wlen);
    num[vlen - (size_t)wlen] = '\0';
    char *e;
    long long o = strtoll(num, &e, 10);
    if (*e != '\0' || o < 0)
        return 0;
    *out = o;
    return 1;
}

static bool from_target(mir_flow_t *f, const rd_kafka_headers_t *h)
{
    const void *v;
    size_t vlen;
    if (!h || rd_kafka_header_get_last(h, MIR_HDR_ORIGIN, &v, &vlen) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return false;
    size_t alen = strlen(f->target->alias);
    return v && vlen == alen && memcmp(v, f->target->alias, alen) == 0;
}

/* Takes ownership of @p m. */
static void handle_message(mir_flow_t *f, rd_kafka_message_t *m)
{
    if (m->err) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            log_warn("[%s] source consumer: %s%s%s", f->name,
                     m->rkt ? rd_kafka_topic_name(m->rkt) : "", m->rkt ? ": " : "",
                     rd_kafka_message_errstr(m));
            snprintf(f->last_error, sizeof(f->last_error), "source: %s",
                     rd_kafka_message_errstr(m));
        }
        rd_kafka_message_destroy(m);
        return;
    }
    mir_part_t *p = part_find(f, rd_kafka_topic_name(m->rkt), m->partition);
    if (!p || p->failure[0] || p->tail_pending) {
        rd_kafka_message_destroy(m); /* not ours any more, or rewound later */
        return;
    }
    if (f->halt_requested || p->halt_rewind >= 0) {
        /* Fetched before the pause took hold on the consumer, or behind
         * such a record: read again from the first one on resume. */
        if (p->halt_rewind < 0) {
            p->halt_rewind = m->offset;
            f->halt_dirty = true;
        }
        rd_kafka_message_destroy(m);
        return;
    }
    if (p->acked_next < 0)
        p->acked_next = m->offset;
    mir_rec_t *r = part_push(p);
    r->offset = m->offset;
    rd_kafka_timestamp_type_t tstype;
    r->timestamp = rd_kafka_message_timestamp(m, &tstype);
    /* Parsed once: librdkafka walks the record again on every call for a
     * record without headers. */
    rd_kafka_headers_t *src_h = NULL;
    if (rd_kafka_message_headers(m, &src_h) != RD_KAFKA_RESP_ERR_NO_ERROR)
        src_h = NULL;
    if (from_target(f, src_h)) {
        /* It came from the target cluster: mirroring it back would loop.
         * Under identity naming it is a copy of the target's record in the
         * same topic and partition, so a group that committed here still
         * translates exactly (a failback right after a failover). */
        r->done = r->skipped = true;
        if (strcmp(p->topic->remote, p->topic->name) == 0 &&
            !src_offset(src_h, f->target->alias, m->partition, &r->loop_down))
            r->loop_down = -1;
        metrics_inc(f->m.skipped, 1);
        rd_kafka_message_destroy(m);
        part_advance(f, p);
        return;
    }
    r->bytes = m->len + m->key_len;
    rd_kafka_headers_t *h = copy_headers(f, m, src_h, &r->bytes);
    r->src = m;
    f->inflight_bytes += r->bytes;
    f->inflight_records++;
    rd_kafka_resp_err_t err;
    for (;;) {
        err = rd_kafka_producev(
            f->producer, RD_KAFKA_V_RKT(p->topic->rkt), RD_KAFKA_V_PARTITION(m->partition),
            RD_KAFKA_V_VALUE(m->payload, m->len), RD_KAFKA_V_KEY(m->key, m->key_len),
            RD_KAFKA_V_TIMESTAMP(r->timestamp > 0 ? r->timestamp : 0), RD_KAFKA_V_HEADERS(h),
            RD_KAFKA_V_OPAQUE(p), RD_KAFKA_V_MSGFLAGS(0), RD_KAFKA_V_END);
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            break;
        rd_kafka_poll(f->producer, 10);
    }
    if (err) {
        rd_kafka_headers_destroy(h);
        f->inflight_bytes -= r->bytes;
        f->inflight_records--;
        r->src = NULL;
        p->qlen--; /* the newest record: nothing is behind it */
        part_failed(f, p, m->offset, rd_kafka_err2str(err));
        rd_kafka_message_destroy(m);
    }
}

/* --- commits ------------------------------------------------------------ */

static void commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                      rd_kafka_topic_partition_list_t *offsets, void *opaque)
{
    (void)rk;
    mir_flow_t *f = opaque;
    if (err == RD_KAFKA_RESP_ERR__NO_OFFSET)
        return;
    pthread_mutex_lock(&f->lock);
    for (int i = 0; offsets && i < offsets->cnt; i++) {
        rd_kafka_topic_partition_t *tp = &offsets->elems[i];
        mir_part_t *p = part_find(f, tp->topic, tp->partition);
        if (!err && !tp->err && p && tp->offset > p->committed_next)
            p->committed_next = tp->offset;
    }
    pthread_mutex_unlock(&f->lock);
    if (err)
        log_warn("[%s] committing source offsets failed (retried): %s", f->name,
                 rd_kafka_err2str(err));
    else
        log_debug(LOG_CTX_MIRROR, "[%s] committed %d partition(s)", f->name,
                  offsets ? offsets->cnt : 0);
}

/* Commit every assigned partition whose acknowledged position moved. With
 * @p only set, just those partitions, synchronously.  @locks f->lock held. */
static void commit_acked(mir_flow_t *f, const rd_kafka_topic_partition_list_t *only)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
    for (size_t i = 0; i < f->ntopics; i++) {
        mir_topic_t *t = f->topics[i];
        for (int j = 0; j < t->nparts; j++) {
            mir_part_t *p = t->parts[j];
            if (!p || p->acked_next < 0 || p->acked_next <= p->committed_next)
                continue;
            if (only && !rd_kafka_topic_partition_list_find(only, t->name, j))
                continue;
            rd_kafka_topic_partition_list_add(l, t->name, j)->offset = p->acked_next;
        }
    }
    if (l->cnt > 0) {
        rd_kafka_resp_err_t err = rd_kafka_commit(f->consumer, l, only ? 0 : 1);
        if (only && !err) {
            for (int i = 0; i < l->cnt; i++) {
                mir_part_t *p = part_find(f, l->elems[i].topic, l->elems[i].partition);
                if (p)
                    p->committed_next = l->elems[i].offset;
            }
        } else if (only) {
            log_warn("[%s] committing revoked partitions failed: %s", f->name,
                     rd_kafka_err2str(err));
        }
    }
    rd_kafka_topic_partition_list_destroy(l);
}

/* --- rebalances --------------------------------------------------------- */

/* The highest source offset of this partition the target already holds,
 * from the xdc.src headers of the target partition's last records, and
 * the target offset of that copy; -1 when none is found. After a crash the
 * mirror resumes past it instead of writing those records twice. */
static int target_tail(mir_flow_t *f, const char *remote, int32_t partition, int timeout_ms,
                       int64_t *held, int64_t *held_at)
{
    int64_t lo, hi, best_at = -1;
    *held = *held_at = -1;
    if (rd_kafka_query_watermark_offsets(f->tail, remote, partition, &lo, &hi, timeout_ms)) {
        /* A partition just added is unknown until the metadata is fresh. */
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(f->tail, remote, NULL);
        const struct rd_kafka_metadata *md;
        if (rd_kafka_metadata(f->tail, 0, rkt, &md, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR)
            rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(rkt);
        if (rd_kafka_query_watermark_offsets(f->tail, remote, partition, &lo, &hi, timeout_ms))
            return XDC_EKAFKA;
    }
    if (hi <= lo)
        return 0;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, remote, partition)->offset =
        hi - TAIL_WINDOW > lo ? hi - TAIL_WINDOW : lo;
    int64_t best = -1;
    if (rd_kafka_assign(f->tail, l) == 0) {
        int64_t deadline = xdc_mono_ms() + timeout_ms;
        bool reached = false;
        for (;;) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(f->tail, 100);
            if (!m) {
                if (xdc_mono_ms() > deadline)
                    break;
                continue;
            }
            bool end = m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF || m->offset >= hi - 1;
            rd_kafka_headers_t *h;
            int64_t o;
            if (!m->err && rd_kafka_message_headers(m, &h) == 0 &&
                src_offset(h, f->source->alias, partition, &o) && o > best) {
                best = o;
                best_at = m->offset;
            }
            rd_kafka_message_destroy(m);
            if (end) {
                reached = true;
                break;
            }
            if (xdc_mono_ms() > deadline)
                break;
        }
        rd_kafka_assign(f->tail, NULL);
        if (!reached)
            best = -2;
    }
    rd_kafka_topic_partition_list_destroy(l);
    if (best == -2)
        return XDC_EKAFKA; /* the end was not reached: the answer is unknown */
    *held = best;
    *held_at = best_at;
    return 0;
}

/* Where a newly assigned partition starts: past what the target already
 * holds from it (records acknowledged but not committed before a crash or
 * a hand-over), else at the committed offset.
 * @return 0, or XDC_EKAFKA when the target could not be read. */
static int resolve_start(mir_flow_t *f, mir_part_t *p, int timeout_ms, int64_t *start)
{
    int64_t held, held_at, lo = -1, hi = -1;
    int rc = target_tail(f, p->topic->remote, p->partition, timeout_ms, &held, &held_at);
    if (rc < 0)
        return rc;
    rd_kafka_query_watermark_offsets(f->consumer, p->topic->name, p->partition, &lo, &hi, 5000);
    int64_t committed = p->committed_next;
    *start = committed;
    uint64_t avoided = 0;
    if (held >= 0 && held + 1 > committed && (hi < 0 || held < hi)) {
        /* Without a commit the consumer would start at the log start. */
        int64_t from = committed >= 0 ? committed : lo > 0 ? lo : 0;
        avoided = held + 1 > from ? (uint64_t)(held + 1 - from) : 0;
        *start = held + 1;
    }
    pthread_mutex_lock(&f->lock);
    p->acked_next = *start;
    /* When resuming after the target's last copy, the next sync links to
     * the one the previous owner wrote for that copy: whatever lies between
     * was processed and not mirrored (skipped, or deleted from the source,
     * which readers learn from the log start). */
    if (held >= 0 && *start >= held + 1)
        mir_sync_part_seed(&p->sync, held, held_at);
    if (hi > p->log_end)
        p->log_end = hi;
    metrics_inc(f->m.duplicates_avoided, avoided);
    pthread_mutex_unlock(&f->lock);
    log_info("[%s] %s/%d: committed %" PRId64 ", target holds up to %" PRId64
             ", starting at %" PRId64 "%s",
             f->name, p->topic->name, p->partition, committed, held, *start,
             *start < 0 ? " (auto.offset.reset)" : "");
    return 0;
}

/* The producer learns new target partitions from its metadata, which it
 * otherwise refreshes only every topic.metadata.refresh.interval.ms. */
static void refresh_producer_metadata(mir_flow_t *f, mir_topic_t *t)
{
    const struct rd_kafka_metadata *md;
    if (rd_kafka_metadata(f->producer, 0, t->rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR)
        rd_kafka_metadata_destroy(md);
}

/* Assign: each partition starts past what the target holds. While the
 * target cannot be read (it is down), the partition is assigned paused and
 * the data thread resolves its start later (resolve_pending). */
static void on_assign(mir_flow_t *f, rd_kafka_topic_partition_list_t *parts)
{
    rd_kafka_resp_err_t cerr = rd_kafka_committed(f->consumer, parts, 10000);
    if (cerr)
        log_warn("[%s] reading committed offsets: %s (starting from what the target holds)",
                 f->name, rd_kafka_err2str(cerr));
    int64_t budget_end = xdc_mono_ms() + 3000; /* a rebalance must not wait on a dead target */
    for (int i = 0; i < parts->cnt; i++) {
        rd_kafka_topic_partition_t *tp = &parts->elems[i];
        pthread_mutex_lock(&f->lock);
        mir_topic_t *t = mir__flow_topic_find(f, tp->topic);
        if (!t)
            t = topic_add(f, tp->topic);
        if (tp->partition >= t->nparts) {
            t->parts = xrealloc(t->parts, (size_t)(tp->partition + 1) * sizeof(*t->parts));
            for (int j = t->nparts; j <= tp->partition; j++)
                t->parts[j] = NULL;
            t->nparts = tp->partition + 1;
        }
        mir_part_t *p = xcalloc(1, sizeof(*p));
        p->topic = t;
        p->partition = tp->partition;
        p->committed_next = tp->offset >= 0 ? tp->offset : -1;
        p->acked_next = p->committed_next;
        p->log_end = -1;
        p->halt_rewind = -1;
        p->caught_up_ms = xdc_wall_ms();
        mir_sync_part_init(&p->sync);
        if (t->parts[tp->partition])
            part_free(t->parts[tp->partition]);
        t->parts[tp->partition] = p;
        f->last_part = NULL;
        pthread_mutex_unlock(&f->lock);

        int64_t left = budget_end - xdc_mono_ms();
        int64_t start = -1;
        if (left > 0 && resolve_start(f, p, (int)(left < 2000 ? left : 2000), &start) == 0) {
            mir__topics_ensure_partitions(f, t->remote, tp->partition + 1);
            refresh_producer_metadata(f, t);
            if (start >= 0)
                tp->offset = start;
        } else {
            p->tail_pending = true;
            p->paused = true;
            log_warn("[%s] %s/%d: the target cannot be read; the partition waits for it", f->name,
                     tp->topic, tp->partition);
        }
    }
}

/* Pause the partitions on_assign() left waiting for the target, and all of
 * them while the API's pause is on; after the assignment, since only
 * assigned partitions can be paused. Under the lock, so that a resume
 * request cannot slip between the check and the pause. */
static void pause_pending(mir_flow_t *f, rd_kafka_topic_partition_list_t *parts)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(parts->cnt);
    pthread_mutex_lock(&f->lock);
    for (int i = 0; i < parts->cnt; i++) {
        mir_part_t *p = part_find(f, parts->elems[i].topic, parts->elems[i].partition);
        if (p && (p->tail_pending || f->halt_requested))
            rd_kafka_topic_partition_list_add(l, parts->elems[i].topic, parts->elems[i].partition);
    }
    if (f->halt_requested && l->cnt)
        f->halt_dirty = true; /* the resume visits them */
    set_paused(f, l, true);
    pthread_mutex_unlock(&f->lock);
    rd_kafka_topic_partition_list_destroy(l);
}

/* One partition waiting for the target per call: read its tail again and,
 * when that works, seek to the start it gives and resume.
 * @locks f->lock not held. */
static void resolve_pending(mir_flow_t *f)
{
    pthread_mutex_lock(&f->lock);
    mir_part_t *p = NULL;
    for (size_t i = 0; i < f->ntopics && !p; i++)
        for (int j = 0; j < f->topics[i]->nparts && !p; j++)
            if (f->topics[i]->parts[j] && f->topics[i]->parts[j]->tail_pending)
                p = f->topics[i]->parts[j];
    pthread_mutex_unlock(&f->lock);
    int64_t start;
    if (!p || resolve_start(f, p, 1000, &start) < 0)
        return;
    mir__topics_ensure_partitions(f, p->topic->remote, p->partition + 1);
    refresh_producer_metadata(f, p->topic);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, p->topic->name, p->partition)->offset =
        start >= 0 ? start : RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_error_t *e = rd_kafka_seek_partitions(f->consumer, l, 5000);
    if (e) {
        log_warn("[%s] %s/%d: seek: %s", f->name, p->topic->name, p->partition,
                 rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
    } else {
        pthread_mutex_lock(&f->lock);
        p->tail_pending = false;
        p->halt_rewind = -1; /* the seek set its position */
        if (!f->backpressure && !part_held(f, p)) {
            rd_kafka_resume_partitions(f->consumer, l);
            p->paused = false;
        }
        pthread_mutex_unlock(&f->lock);
    }
    rd_kafka_topic_partition_list_destroy(l);
}

static int parts_pending(mir_flow_t *f, const rd_kafka_topic_partition_list_t *parts)
{
    int n = 0;
    for (int i = 0; i < parts->cnt; i++) {
        mir_part_t *p = part_find(f, parts->elems[i].topic, parts->elems[i].partition);
        if (p && p->qlen > 0 && !p->failure[0])
            n++;
    }
    return n;
}

static void on_revoke(mir_flow_t *f, rd_kafka_topic_partition_list_t *parts)
{
    pthread_mutex_lock(&f->lock);
    int64_t deadline = xdc_mono_ms() + DRAIN_TIMEOUT_MS;
    while (parts_pending(f, parts) > 0 && xdc_mono_ms() < deadline)
        rd_kafka_poll(f->producer, 20);
    if (parts_pending(f, parts) > 0)
        log_warn("[%s] records still unacknowledged after %d ms at revoke: the next owner "
                 "resumes past what the target holds",
                 f->name, DRAIN_TIMEOUT_MS);
    flush_syncs(f);
    commit_acked(f, parts);
    for (int i = 0; i < parts->cnt; i++) {
        mir_topic_t *t = mir__flow_topic_find(f, parts->elems[i].topic);
        int32_t pn = parts->elems[i].partition;
        if (!t || pn >= t->nparts || !t->parts[pn])
            continue;
        mir_part_t *p = t->parts[pn];
        t->parts[pn] = NULL;
        if (part_inflight(p)) {
            p->revoked = true; /* freed by its last delivery report */
        } else {
            part_free(p);
        }
    }
    f->last_part = NULL;
    pthread_mutex_unlock(&f->lock);
    log_info("[%s] revoked %d partition(s)", f->name, parts->cnt);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    mir_flow_t *f = opaque;
    bool cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        on_assign(f, parts);
        if (cooperative) {
            rd_kafka_error_t *e = rd_kafka_incremental_assign(rk, parts);
            if (e) {
                log_error("[%s] incremental assign: %s", f->name, rd_kafka_error_string(e));
                rd_kafka_error_destroy(e);
            }
        } else {
            rd_kafka_assign(rk, parts);
        }
        pause_pending(f, parts);
    } else {
        if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
            log_warn("[%s] rebalance error: %s", f->name, rd_kafka_err2str(err));
        on_revoke(f, parts);
        if (cooperative) {
            rd_kafka_error_t *e = rd_kafka_incremental_unassign(rk, parts);
            if (e) {
                log_error("[%s] incremental unassign: %s", f->name, rd_kafka_error_string(e));
                rd_kafka_error_destroy(e);
            }
        } else {
            rd_kafka_assign(rk, NULL);
        }
    }
}

/* --- the data thread ---------------------------------------------------- */

static void resubscribe(mir_flow_t *f)
{
    pthread_mutex_lock(&f->lock);
    if (f->wanted_gen == f->subscribed_gen) {
        pthread_mutex_unlock(&f->lock);
        return;
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)f->nwanted + 1);
    for (size_t i = 0; i < f->nwanted; i++) {
        rd_kafka_topic_partition_list_add(l, f->wanted[i], RD_KAFKA_PARTITION_UA);
        if (!mir__flow_topic_find(f, f->wanted[i]))
            topic_add(f, f->wanted[i]);
    }
    f->subscribed_gen = f->wanted_gen;
    pthread_mutex_unlock(&f->lock);
    rd_kafka_resp_err_t err =
        l->cnt ? rd_kafka_subscribe(f->consumer, l) : rd_kafka_unsubscribe(f->consumer);
    if (err)
        log_error("[%s] subscribe: %s", f->name, rd_kafka_err2str(err));
    else
        log_info("[%s] mirroring %d topic(s)", f->name, l->cnt);
    rd_kafka_topic_partition_list_destroy(l);
}

static rd_kafka_topic_partition_list_t *assigned_list(mir_flow_t *f, bool failed_too)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
    for (size_t i = 0; i < f->ntopics; i++) {
        mir_topic_t *t = f->topics[i];
        for (int j = 0; j < t->nparts; j++)
            if (t->parts[j] &&
                (failed_too || (!t->parts[j]->failure[0] && !t->parts[j]->tail_pending)))
                rd_kafka_topic_partition_list_add(l, t->name, j);
    }
    return l;
}

/* The paused partitions nothing holds paused any more (part_held()).
 * Only paused ones: resuming a partition that fetches makes librdkafka
 * fetch again from where it last started, pause or seek (the version
 * barrier), and the records handled since would be copied twice. */
static rd_kafka_topic_partition_list_t *resumable_list(mir_flow_t *f)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
    for (size_t i = 0; i < f->ntopics; i++) {
        mir_topic_t *t = f->topics[i];
        for (int j = 0; j < t->nparts; j++)
            if (t->parts[j] && t->parts[j]->paused && !part_held(f, t->parts[j]))
                rd_kafka_topic_partition_list_add(l, t->name, j);
    }
    return l;
}

static void set_paused(mir_flow_t *f, rd_kafka_topic_partition_list_t *l, bool paused)
{
    if (l->cnt == 0)
        return;
    if (paused)
        rd_kafka_pause_partitions(f->consumer, l);
    else
        rd_kafka_resume_partitions(f->consumer, l);
    for (int i = 0; i < l->cnt; i++) {
        mir_part_t *p = part_find(f, l->elems[i].topic, l->elems[i].partition);
        if (p)
            p->paused = paused;
    }
}

/* buffer.memory: pause every partition while that many bytes wait for the
 * target, resume at half.  @locks f->lock held. */
static void flow_control(mir_flow_t *f)
{
    size_t cap = (size_t)f->fc->buffer_memory;
    if (!f->backpressure && f->inflight_bytes > cap) {
        rd_kafka_topic_partition_list_t *l = assigned_list(f, false);
        set_paused(f, l, true);
        rd_kafka_topic_partition_list_destroy(l);
        f->backpressure = true;
        log_info("[%s] %zu bytes wait for the target (buffer.memory %zu): source paused", f->name,
                 f->inflight_bytes, cap);
    } else if (f->backpressure && f->inflight_bytes <= cap / 2) {
        rd_kafka_topic_partition_list_t *l = resumable_list(f);
        set_paused(f, l, false);
        rd_kafka_topic_partition_list_destroy(l);
        f->backpressure = false;
        log_info("[%s] target caught up: source resumed%s", f->name,
                 f->halt_requested ? " (but for the API's pause)" : "");
    }
}

/* A partition the target refused is rewound to its commit point and tried
 * again every RETRY_FAILED_MS, once every record behind it is reported.
 * @locks f->lock held. */
static void retry_failed(mir_flow_t *f)
{
    int64_t now = xdc_mono_ms();
    for (size_t i = 0; i < f->ntopics; i++) {
        mir_topic_t *t = f->topics[i];
        for (int j = 0; j < t->nparts; j++) {
            mir_part_t *p = t->parts[j];
            if (!p || !p->failure[0] || p->qlen > 0 || now < p->retry_at_ms)
                continue;
            refresh_producer_metadata(f, t);
            rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
            rd_kafka_topic_partition_list_add(l, t->name, j)->offset = p->acked_next;
            rd_kafka_error_t *e = rd_kafka_seek_partitions(f->consumer, l, 5000);
            if (e) {
                log_warn("[%s] %s/%d: seek for retry: %s", f->name, t->name, j,
                         rd_kafka_error_string(e));
                rd_kafka_error_destroy(e);
                p->retry_at_ms = now + RETRY_FAILED_MS;
            } else {
                log_info("[%s] %s/%d: retrying from source offset %" PRId64, f->name, t->name, j,
                         p->acked_next);
                p->failure[0] = '\0';
                p->halt_rewind = -1; /* acked_next comes first */
                mir_sync_part_init(&p->sync);
                if (!f->backpressure && !part_held(f, p))
                    set_paused(f, l, false);
            }
            rd_kafka_topic_partition_list_destroy(l);
        }
    }
}

/* --- the API's pause ---------------------------------------------------- */

/* Lift the API's pause on the consumer: seek each partition that dropped
 * records back to the first of them, then resume every partition nothing
 * else holds. A failed seek is tried again on the next turn of the loop;
 * its partition stays held meanwhile.  @locks f->lock held. */
static void halt_undo(mir_flow_t *f)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
    for (size_t i = 0; i < f->ntopics; i++) {
        mir_topic_t *t = f->topics[i];
        for (int j = 0; j < t->nparts; j++) {
            mir_part_t *p = t->parts[j];
            if (!p || p->halt_rewind < 0)
                continue;
            if (p->failure[0] || p->tail_pending)
                p->halt_rewind = -1; /* its retry or start seeks further back */
            else
                rd_kafka_topic_partition_list_add(l, t->name, j)->offset = p->halt_rewind;
        }
    }
    bool left = false;
    rd_kafka_error_t *e = l->cnt ? rd_kafka_seek_partitions(f->consumer, l, 5000) : NULL;
    if (e) {
        log_warn("[%s] seek back to the records dropped while paused: %s (retried)", f->name,
                 rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
        left = true;
    }
    for (int i = 0; !e && i < l->cnt; i++) {
        rd_kafka_topic_partition_t *tp = &l->elems[i];
        mir_part_t *p = part_find(f, tp->topic, tp->partition);
        if (tp->err) {
            log_warn("[%s] %s/%d: seek back to source offset %" PRId64 ": %s (retried)", f->name,
                     tp->topic, tp->partition, tp->offset, rd_kafka_err2str(tp->err));
            left = true;
        } else if (p) {
            log_debug(LOG_CTX_MIRROR, "[%s] %s/%d: resuming at source offset %" PRId64, f->name,
                      tp->topic, tp->partition, p->halt_rewind);
            p->halt_rewind = -1;
        }
    }
    rd_kafka_topic_partition_list_destroy(l);
    if (!f->backpressure) {
        l = resumable_list(f);
        set_paused(f, l, false);
        rd_kafka_topic_partition_list_destroy(l);
    }
    f->halted = false;
    f->halt_dirty = left;
}

/* Apply the API's pause (mir__flow_pause()) on the consumer, or lift it;
 * once nothing is in flight, write the pending offset syncs and commit, so
 * that checkpoints and the group's offsets match what the target holds.
 * After the batch's records are handled: a record consumed before a seek
 * back must be dropped, not produced.  @locks f->lock held. */
static void halt_apply(mir_flow_t *f)
{
    if (f->halt_requested && !f->halted) {
        rd_kafka_topic_partition_list_t *l = assigned_list(f, true);
        set_paused(f, l, true);
        rd_kafka_topic_partition_list_destroy(l);
        f->halted = f->halt_dirty = true;
    } else if (!f->halt_requested && f->halt_dirty) {
        halt_undo(f);
    }
    if (f->halt_requested && !f->halt_flushed && f->inflight_records == 0) {
        flush_syncs(f);
        commit_acked(f, NULL);
        f->halt_flushed = true;
    }
}

static void sample_watermarks(mir_flow_t *f)
{
    for (size_t i = 0; i < f->ntopics; i++) {
        mir_topic_t *t = f->topics[i];
        for (int j = 0; j < t->nparts; j++) {
            mir_part_t *p = t->parts[j];
            int64_t lo, hi;
            if (p && rd_kafka_get_watermark_offsets(f->consumer, t->name, j, &lo, &hi) == 0 &&
                hi > p->log_end)
                p->log_end = hi;
            if (p && p->qlen == 0 && p->acked_next >= p->log_end)
                p->caught_up_ms = xdc_wall_ms();
        }
    }
}

static void *data_main(void *arg)
{
    mir_flow_t *f = arg;
    rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(f->consumer);
    rd_kafka_message_t *batch[1024];
    int64_t now = xdc_mono_ms();
    int64_t next_commit = now + f->fc->offset_flush_interval_ms;
    int64_t next_hb = now;
    int64_t next_sample = now;
    while (!atomic_load(&f->stop)) {
        resubscribe(f);
        pthread_mutex_lock(&f->lock);
        bool busy = f->inflight_bytes > 0;
        pthread_mutex_unlock(&f->lock);
        ssize_t n = rd_kafka_consume_batch_queue(q, busy ? 2 : 100, batch, 1024);
        pthread_mutex_lock(&f->lock);
        for (ssize_t i = 0; i < n; i++)
            handle_message(f, batch[i]);
        rd_kafka_poll(f->producer, 0);
        rd_kafka_poll(f->src_producer, 0);
        flow_control(f);
        retry_failed(f);
        halt_apply(f);
        now = xdc_mono_ms();
        bool resolve = now >= next_sample;
        if (now >= next_sample) {
            sample_watermarks(f);
            next_sample = now + 500;
        }
        if (now >= next_commit) {
            flush_syncs(f);
            commit_acked(f, NULL);
            next_commit = now + f->fc->offset_flush_interval_ms;
        }
        /* A paused flow writes nothing new into its source: the records
         * there past the replicated offsets are what failover reconciles. */
        if (f->fc->emit_heartbeats_enabled && !f->halt_requested && now >= next_hb) {
            emit_heartbeat(f);
            next_hb = now + (int64_t)f->fc->emit_heartbeats_interval_s * 1000;
        }
        pthread_mutex_unlock(&f->lock);
        if (resolve)
            resolve_pending(f);
    }
    /* Leaving the group revokes everything: on_revoke drains and commits. */
    rd_kafka_queue_destroy(q);
    rd_kafka_consumer_close(f->consumer);
    rd_kafka_flush(f->src_producer, 5000);
    return NULL;
}

/* @return whether the data thread wrote the offset syncs of the last
 * acknowledged records and committed, and the syncs were delivered.
 * @locks f->lock held. */
static bool halt_synced(mir_flow_t *f)
{
    rd_kafka_t *rk =
        f->fc->offset_syncs_location == MIR_SYNCS_SOURCE ? f->src_producer : f->producer;
    return f->halt_flushed && (!f->fc->emit_offset_syncs_enabled || rd_kafka_outq_len(rk) == 0);
}

/* Wait, giving up f->lock, until @p done(f) or @p deadline (monotonic ms).
 * @return done(f).  @locks f->lock held. */
static bool halt_wait(mir_flow_t *f, bool (*done)(mir_flow_t *), int64_t deadline)
{
    bool ok;
    while (!(ok = done(f)) && xdc_mono_ms() < deadline) {
        pthread_mutex_unlock(&f->lock);
        xdc_sleep_ms(10);
        pthread_mutex_lock(&f->lock);
    }
    return ok;
}

static bool halt_drained(mir_flow_t *f)
{
    return f->inflight_records == 0;
}

bool mir__flow_pause(mir_flow_t *f, int timeout_ms)
{
    int64_t deadline = xdc_mono_ms() + timeout_ms;
    pthread_mutex_lock(&f->lock);
    if (!f->halt_requested) {
        /* handle_message() sees it under this lock: from now on nothing
         * more is produced, whether or not the data thread has paused the
         * consumer yet, so once nothing is in flight the replicated
         * offsets are final. */
        f->halt_requested = true;
        f->halt_flushed = false;
        log_info("[%s] paused by the API", f->name);
    }
    bool drained = halt_wait(f, halt_drained, deadline);
    /* Give the last offset syncs a moment to land, so that a checkpoint
     * read right after the answer is exact; not long, and not a condition
     * of "drained": after an unplanned failover the source, where they
     * usually go, may be gone. */
    int64_t syncs_deadline = xdc_mono_ms() + SYNCS_WAIT_MS;
    if (drained)
        halt_wait(f, halt_synced, syncs_deadline < deadline ? syncs_deadline : deadline);
    pthread_mutex_unlock(&f->lock);
    return drained;
}

void mir__flow_resume(mir_flow_t *f)
{
    pthread_mutex_lock(&f->lock);
    if (f->halt_requested) {
        f->halt_requested = false;
        log_info("[%s] resumed by the API", f->name);
    }
    pthread_mutex_unlock(&f->lock);
}

/* --- lifecycle ---------------------------------------------------------- */

static void src_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    mir_flow_t *f = opaque;
    if (m->err)
        log_warn("[%s] %s not written: %s", f->name, rd_kafka_topic_name(m->rkt),
                 rd_kafka_err2str(m->err));
}

static int make_clients(mir_flow_t *f, char *errbuf, size_t errlen)
{
    const mir_flow_conf_t *fc = f->fc;
    char refresh[32], kbytes[32], fetch_max[32], buffering[32];
    snprintf(refresh, sizeof(refresh), "%d", fc->refresh_topics_interval_s * 1000);
    /* The prefetch queue gets half of buffer.memory. librdkafka 2.0 stops
     * fetching for a whole second once the queue is full, so each fetch
     * brings at most a quarter of it: the queue then fills only when the
     * target really is slower, and the record count never limits first. */
    int64_t kb = fc->buffer_memory / 1024 / 2;
    snprintf(kbytes, sizeof(kbytes), "%" PRId64, kb < 1024 ? 1024 : kb > 1048576 ? 1048576 : kb);
    int64_t fm = fc->buffer_memory / 8;
    snprintf(fetch_max, sizeof(fetch_max), "%" PRId64,
             fm < 1048576    ? 1048576
             : fm > 52428800 ? 52428800
                             : fm);
    snprintf(buffering, sizeof(buffering), "%" PRId64, fc->buffer_memory / 1024 * 2);

    const char *cons_def[] = {"auto.offset.reset",
                              "earliest",
                              "topic.metadata.refresh.interval.ms",
                              refresh,
                              "queued.max.messages.kbytes",
                              kbytes,
                              "fetch.max.bytes",
                              fetch_max,
                              "queued.min.messages",
                              "10000000",
                              NULL};
    const char *cons_fix[] = {"group.id",
                              f->group_id,
                              "enable.auto.commit",
                              "false",
                              "enable.auto.offset.store",
                              "false",
                              "enable.partition.eof",
                              "false",
                              "partition.assignment.strategy",
                              "cooperative-sticky",
                              NULL};
    rd_kafka_conf_t *cc = rd_kafka_conf_new();
    rd_kafka_conf_set_opaque(cc, f);
    rd_kafka_conf_set_rebalance_cb(cc, rebalance_cb);
    rd_kafka_conf_set_offset_commit_cb(cc, commit_cb);
    f->consumer = mir__client_new(f->source, RD_KAFKA_CONSUMER, &f->source->consumer,
                                  "mirror.source", cons_def, cons_fix, cc, errbuf, errlen);
    if (!f->consumer)
        return XDC_ECONF;
    /* Commit results and errors come through the consumer queue the data
     * thread serves. */
    rd_kafka_poll_set_consumer(f->consumer);

    const char *prod_def[] = {"linger.ms",
                              "5",
                              "topic.metadata.refresh.interval.ms",
                              refresh,
                              "message.timeout.ms",
                              "0",
                              "queue.buffering.max.kbytes",
                              buffering,
                              NULL};
    const char *prod_fix[] = {"enable.idempotence", "true", "acks", "all", NULL};
    rd_kafka_conf_t *pc = rd_kafka_conf_new();
    rd_kafka_conf_set_opaque(pc, f);
    rd_kafka_conf_set_dr_msg_cb(pc, dr_cb);
    f->producer = mir__client_new(f->target, RD_KAFKA_PRODUCER, &f->target->producer,
                                  "mirror.target", prod_def, prod_fix, pc, errbuf, errlen);
    if (!f->producer)
        return XDC_ECONF;

    const char *sp_def[] = {"linger.ms", "5", NULL};
    rd_kafka_conf_t *sc = rd_kafka_conf_new();
    rd_kafka_conf_set_opaque(sc, f);
    rd_kafka_conf_set_dr_msg_cb(sc, src_dr_cb);
    f->src_producer =
        mir__client_new(f->source, RD_KAFKA_PRODUCER, &f->source->producer,
                        "mirror.source-producer", sp_def, prod_fix, sc, errbuf, errlen);
    if (!f->src_producer)
        return XDC_ECONF;
    f->src_admin = mir__client_new(f->source, RD_KAFKA_PRODUCER, &f->source->admin,
                                   "mirror.source-admin", NULL, NULL, NULL, errbuf, errlen);
    if (!f->src_admin)
        return XDC_ECONF;
    f->tgt_admin = mir__client_new(f->target, RD_KAFKA_PRODUCER, &f->target->admin,
                                   "mirror.target-admin", NULL, NULL, NULL, errbuf, errlen);
    if (!f->tgt_admin)
        return XDC_ECONF;
    const char *tail_fix[] = {
        "group.id", f->group_id, "enable.auto.commit", "false", "enable.partition.eof",
        "true",     NULL};
    f->tail = mir__client_new(f->target, RD_KAFKA_CONSUMER, &f->target->consumer,
                              "mirror.target-tail", NULL, tail_fix, NULL, errbuf, errlen);
    return f->tail ? 0 : XDC_ECONF;
}

mir_flow_t *mir__flow_new(const mir_conf_t *conf, const mir_flow_conf_t *fc, char *errbuf,
                          size_t errlen)
{
    mir_flow_t *f = xcalloc(1, sizeof(*f));
    f->conf = conf;
    f->fc = fc;
    f->source = &conf->clusters_v[fc->source];
    f->target = &conf->clusters_v[fc->target];
    snprintf(f->name, sizeof(f->name), "%s->%s", f->source->alias, f->target->alias);
    if (fc->group_id && fc->group_id[0])
        snprintf(f->group_id, sizeof(f->group_id), "%s", fc->group_id);
    else
        snprintf(f->group_id, sizeof(f->group_id), "xdc-mirror.%s-%s", f->source->alias,
                 f->target->alias);
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->wake, NULL);
    f->hb_latency_ms = -1;
    f->started_ms = xdc_wall_ms();
    atomic_init(&f->stop, false);
    if (mir_policy_init(&f->policy, fc->policy, fc->separator) < 0) {
        xdc_errbuf(errbuf, errlen, "%s: replication.policy.separator '%s' is not usable", f->name,
                   fc->separator);
        mir__flow_free(f);
        return NULL;
    }
    if (mir_policy_offset_syncs_topic(fc->offset_syncs_location, f->source->alias, f->target->alias,
                                      f->syncs_topic, sizeof(f->syncs_topic)) < 0) {
        xdc_errbuf(errbuf, errlen, "%s: cluster aliases too long for topic names", f->name);
        mir__flow_free(f);
        return NULL;
    }
    char why[512];
    if (mir_filter_new(&fc->topics, &fc->topics_exclude, &f->topic_filter, why, sizeof(why)) < 0) {
        xdc_errbuf(errbuf, errlen, "%s: %s", f->name, why);
        mir__flow_free(f);
        return NULL;
    }
    conf_list_t none = {0};
    if (mir_filter_new(&fc->config_properties_exclude, &none, &f->config_filter, why, sizeof(why)) <
        0) {
        xdc_errbuf(errbuf, errlen, "%s: config.properties.exclude: %s", f->name, why);
        mir__flow_free(f);
        return NULL;
    }
    if (make_clients(f, errbuf, errlen) < 0) {
        mir__flow_free(f);
        return NULL;
    }
    f->ck = mir__ckpt_new(f, errbuf, errlen);
    if (!f->ck && errbuf[0]) {
        mir__flow_free(f);
        return NULL;
    }
    return f;
}

int mir__flow_start(mir_flow_t *f, char *errbuf, size_t errlen)
{
    if (pthread_create(&f->topics_thread, NULL, mir__topics_main, f) != 0) {
        xdc_errbuf(errbuf, errlen, "%s: cannot start the topics thread", f->name);
        return XDC_ESTATE;
    }
    f->topics_started = true;
    if (pthread_create(&f->data_thread, NULL, data_main, f) != 0) {
        xdc_errbuf(errbuf, errlen, "%s: cannot start the data thread", f->name);
        return XDC_ESTATE;
    }
    f->data_started = true;
    if (f->ck) {
        if (pthread_create(&f->ckpt_thread, NULL, mir__ckpt_main, f) != 0) {
            xdc_errbuf(errbuf, errlen, "%s: cannot start the checkpoint thread", f->name);
            return XDC_ESTATE;
        }
        f->ckpt_started = true;
    }
    log_info("[%s] started: consumer group %s, offset syncs to %s", f->name, f->group_id,
             f->syncs_topic);
    return 0;
}

void mir__flow_stop(mir_flow_t *f)
{
    atomic_store(&f->stop, true);
    pthread_mutex_lock(&f->lock);
    pthread_cond_broadcast(&f->wake);
    pthread_mutex_unlock(&f->lock);
    if (f->data_started)
        pthread_join(f->data_thread, NULL);
    if (f->topics_started)
        pthread_join(f->topics_thread, NULL);
    if (f->ckpt_started)
        pthread_join(f->ckpt_thread, NULL);
    f->data_started = f->topics_started = f->ckpt_started = false;
}

void mir__flow_free(mir_flow_t *f)
{
    if (!f)
        return;
    mir__flow_stop(f);
    if (f->producer) {
        rd_kafka_flush(f->producer, 5000);
        rd_kafka_purge(f->producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(f->producer, 0);
    }
    mir__ckpt_free(f->ck);
    for (size_t i = 0; i < f->ntopics; i++)
        topic_free(f->topics[i]);
    free(f->topics);
    for (size_t i = 0; i < f->nwanted; i++)
        free(f->wanted[i]);
    free(f->wanted);
    if (f->consumer)
        rd_kafka_destroy(f->consumer);
    if (f->producer)
        rd_kafka_destroy(f->producer);
    if (f->src_producer)
        rd_kafka_destroy(f->src_producer);
    if (f->src_admin)
        rd_kafka_destroy(f->src_admin);
    if (f->tgt_admin)
        rd_kafka_destroy(f->tgt_admin);
    if (f->tail)
        rd_kafka_destroy(f->tail);
    mir_filter_free(f->topic_filter);
    mir_filter_free(f->config_filter);
    pthread_mutex_destroy(&f->lock);
    pthread_cond_destroy(&f->wake);
    free(f);
}
