/* The checkpoint thread of a flow: translate the source's consumer-group
 * offsets and write them to the target as MirrorMaker 2 checkpoints.
 *
 * A run (every emit.checkpoints.interval.seconds):
 *   1. read the offset syncs and the checkpoints topic on from where the
 *      last run stopped; until both were read to their end once, nothing
 *      is written, so a restart never writes a checkpoint from a partial
 *      history or moves one backwards;
 *   2. list the source's groups (every refresh.groups.interval.seconds)
 *      and read each matching group's committed offsets;
 *   3. translate the offsets of partitions this instance mirrors. Offsets
 *      at or past the partition's last sync are answered from the data
 *      thread's live state (mir_sync_translate()), which the syncs topic
 *      may not show yet; older ones from the index. An offset the mirror
 *      has not processed yet is left for a later run;
 *   4. write a checkpoint where the translation changed, never below the
 *      previous one unless the group itself went back on the source, and
 *      never for an offset whose records the source deleted before they
 *      were mirrored (the index says "source truncated");
 *   5. with sync.group.offsets.enabled, commit the checkpoints to target
 *      groups with no active members, only forward (as MirrorMaker 2).
 *
 * Partitions another instance mirrors are left to it: each instance
 * checkpoints what it replicates, so every answer uses live state. */
#include "mirror/mir_int.h"

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CKPT_TIMEOUT_MS 10000 /* each admin request and read of a run */

/* --- lifecycle ---------------------------------------------------------- */

/* The delivery of a checkpoint: its status slot is the message opaque. */
static void ck_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    *(rd_kafka_resp_err_t *)m->_private = m->err;
}

mir_ckpt_t *mir__ckpt_new(mir_flow_t *f, char *errbuf, size_t errlen)
{
    const mir_flow_conf_t *fc = f->fc;
    errbuf[0] = '\0';
    if (!fc->emit_checkpoints_enabled)
        return NULL;
    if (!fc->emit_offset_syncs_enabled) {
        log_warn("[%s] emit.checkpoints.enabled needs emit.offset-syncs.enabled: no checkpoints",
                 f->name);
        return NULL;
    }
    mir_ckpt_t *ck = xcalloc(1, sizeof(*ck));
    pthread_mutex_init(&ck->lock, NULL);
    ck->ix = ckpt_index_new();
    char why[512];
    if (mir_policy_checkpoints_topic(f->source->alias, ck->topic, sizeof(ck->topic)) < 0) {
        xdc_errbuf(errbuf, errlen, "%s: source alias too long for a topic name", f->name);
    } else if (mir_filter_new(&fc->groups, &fc->groups_exclude, &ck->groups_filter, why,
                              sizeof(why)) < 0) {
        xdc_errbuf(errbuf, errlen, "%s: groups: %s", f->name, why);
    } else if ((ck->src = mir__reader_new(f->source, f->group_id, "mirror.checkpoints-source",
                                          errbuf, errlen)) &&
               (ck->tgt = mir__reader_new(f->target, f->group_id, "mirror.checkpoints-target",
                                          errbuf, errlen))) {
        const char *fixed[] = {"acks", "all", NULL};
        rd_kafka_conf_t *pc = rd_kafka_conf_new();
        rd_kafka_conf_set_dr_msg_cb(pc, ck_dr_cb);
        ck->producer = mir__client_new(f->target, RD_KAFKA_PRODUCER, &f->target->producer,
                                       "mirror.checkpoints", NULL, fixed, pc, errbuf, errlen);
    }
    if (!ck->producer) {
        mir__ckpt_free(ck);
        return NULL;
    }
    return ck;
}

static void parts_free(mir_ckpt_part_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].group);
        free(v[i].topic);
        free(v[i].remote);
        free(v[i].metadata);
    }
    free(v);
}

static void groups_free(mir_ckpt_group_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].group);
    free(v);
}

static void names_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void mir__ckpt_free(mir_ckpt_t *ck)
{
    if (!ck)
        return;
    if (ck->producer) {
        rd_kafka_flush(ck->producer, 5000);
        rd_kafka_destroy(ck->producer);
    }
    if (ck->src)
        rd_kafka_destroy(ck->src);
    if (ck->tgt)
        rd_kafka_destroy(ck->tgt);
    mir_filter_free(ck->groups_filter);
    ckpt_index_free(ck->ix);
    ckpt_store_close(&ck->written);
    names_free(ck->groups, ck->ngroups);
    parts_free(ck->parts, ck->nparts);
    groups_free(ck->gv, ck->ngv);
    pthread_mutex_destroy(&ck->lock);
    free(ck);
}

/* --- reading what is there ---------------------------------------------- */

/* Read the syncs and the checkpoints written so far, on from the last run.
 * @return 0 once both reached their end at least once. */
static int read_topics(mir_flow_t *f, mir_ckpt_t *ck, char *err, size_t errlen)
{
    rd_kafka_t *srk = f->fc->offset_syncs_location == MIR_SYNCS_SOURCE ? ck->src : ck->tgt;
    size_t bad = 0;
    int rc = ckpt_syncs_read(srk, f->syncs_topic, &ck->syncs_next, ck->ix, CKPT_TIMEOUT_MS, &bad,
                             err, errlen);
    if (rc == 0)
        rc = ckpt_topic_read(ck->tgt, ck->topic, &ck->ck_next, ckpt_store_add_message, &ck->written,
                             CKPT_TIMEOUT_MS, &bad, err, errlen);
    if (bad)
        log_warn("[%s] %zu records of %s or %s do not decode: skipped", f->name, bad,
                 f->syncs_topic, ck->topic);
    if (rc == XDC_ETIMEDOUT && ck->ready)
        return 0; /* behind, not wrong: the index only lacks the newest syncs */
    if (rc == XDC_ETIMEDOUT)
        xdc_errbuf(err, errlen, "%s and %s not read to their end within %d ms", f->syncs_topic,
                   ck->topic, CKPT_TIMEOUT_MS);
    if (rc == 0 && !ck->ready) {
        ck->ready = true;
        log_info("[%s] checkpoints: read %s and %s to their end", f->name, f->syncs_topic,
                 ck->topic);
    }
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The source's groups that groups / groups.exclude let through, except
 * the mirror's own. */
static void list_groups(mir_flow_t *f, mir_ckpt_t *ck)
{
    char **all = NULL, err[512];
    size_t n = 0;
    if (mir__list_groups(ck->src, CKPT_TIMEOUT_MS, &all, &n, err, sizeof(err)) < 0) {
        log_warn("[%s] checkpoints: %s", f->name, err);
        return; /* keep the last list */
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(all[i], f->group_id) != 0 && mir_filter_match(ck->groups_filter, all[i]))
            all[k++] = all[i];
        else
            free(all[i]);
    }
    qsort(all, k, sizeof(*all), cmp_str);
    names_free(ck->groups, ck->ngroups);
    ck->groups = all;
    ck->ngroups = k;
}

/* --- one run ------------------------------------------------------------ */

/* What the data thread knows of a partition it mirrors. */
typedef struct live {
    mir_sync_part_t sync;
    int64_t acked_next;
} live_t;

/* A run's working set: the entries and groups it builds, swapped in at
 * the end. */
typedef struct run {
    mir_ckpt_part_t *v;
    size_t n, cap;
    live_t *live; /* parallel to v */
    mir_ckpt_group_t *gv;
    size_t ngv;
    int64_t read_ms; /* wall time of this run's group reads */
} run_t;

static const mir_ckpt_part_t *old_part(const mir_ckpt_t *ck, const char *group, const char *topic,
                                       int32_t partition)
{
    size_t lo = 0, hi = ck->nparts;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const mir_ckpt_part_t *e = &ck->parts[mid];
        int c = strcmp(e->group, group);
        c = c ? c : strcmp(e->topic, topic);
        c = c ? c : (e->partition > partition) - (e->partition < partition);
        if (c == 0)
            return e;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Look up @p tp in the flow: its remote name and the data thread's state,
 * when this instance mirrors it.  @locks f->lock */
static bool live_of(mir_flow_t *f, const rd_kafka_topic_partition_t *tp, char *remote, size_t rlen,
                    live_t *out)
{
    mir_topic_t *t = mir__flow_topic_find(f, tp->topic);
    if (!t || tp->partition < 0 || tp->partition >= t->nparts || !t->parts[tp->partition])
        return false;
    const mir_part_t *p = t->parts[tp->partition];
    snprintf(remote, rlen, "%s", t->remote);
    *out = (live_t){p->sync, p->acked_next};
    return !p->tail_pending;
}

static void run_add(run_t *r, const mir_ckpt_t *ck, const char *group,
                    const rd_kafka_topic_partition_t *tp, const char *remote, const live_t *l)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->v = xrealloc(r->v, r->cap * sizeof(*r->v));
        r->live = xrealloc(r->live, r->cap * sizeof(*r->live));
    }
    mir_ckpt_part_t *e = &r->v[r->n];
    *e = (mir_ckpt_part_t){
        .group = xstrdup(group),
        .topic = xstrdup(tp->topic),
        .remote = xstrdup(remote),
        .partition = tp->partition,
        .committed = tp->offset,
        .metadata = xstrndup(tp->metadata ? tp->metadata : "", tp->metadata_size),
        .tr = {-1, CKPT_NOT_REPLICATED},
        .ck_up = -1,
        .ck_down = -1,
    };
    const mir_ckpt_part_t *o = old_part(ck, group, tp->topic, tp->partition);
    if (o) {
        e->current_ms = o->current_ms;
        /* a new commit since the last run came after that run's read */
        e->since_ms = o->committed != e->committed ? ck->last_run_ms : o->since_ms;
    }
    r->live[r->n++] = *l;
}

static void group_error(mir_ckpt_group_t *g, const char *err)
{
    snprintf(g->offset_sync, sizeof(g->offset_sync), "error: %.240s", err);
}

static int cmp_part(const void *a, const void *b)
{
    const mir_ckpt_part_t *x = a, *y = b;
    int c = strcmp(x->group, y->group);
    c = c ? c : strcmp(x->topic, y->topic);
    return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

static int cmp_group(const void *a, const void *b)
{
    return strcmp(((const mir_ckpt_group_t *)a)->group, ((const mir_ckpt_group_t *)b)->group);
}

/* Read each group's committed offsets and keep those of partitions mirrored
 * here. A group that cannot be read keeps nothing this run. */
static void read_groups(mir_flow_t *f, mir_ckpt_t *ck, run_t *r)
{
    r->gv = xcalloc(ck->ngroups + 1, sizeof(*r->gv));
    r->read_ms = xdc_wall_ms();
    for (size_t i = 0; i < ck->ngroups && !atomic_load(&f->stop); i++) {
        mir_ckpt_group_t *g = &r->gv[r->ngv++];
        char err[512];
        *g = (mir_ckpt_group_t){.group = xstrdup(ck->groups[i]), .target_members = -1};
        snprintf(g->offset_sync, sizeof(g->offset_sync), "%s",
                 f->fc->sync_group_offsets_enabled ? "pending" : "disabled");
        rd_kafka_topic_partition_list_t *offs =
            mir__group_offsets(ck->src, ck->groups[i], CKPT_TIMEOUT_MS, err, sizeof(err));
        if (!offs) {
            group_error(g, err);
            continue;
        }
        pthread_mutex_lock(&f->lock);
        for (int j = 0; j < offs->cnt; j++) {
            const rd_kafka_topic_partition_t *tp = &offs->elems[j];
            char remote[MIR_TOPIC_MAX + 1];
            live_t l;
            if (tp->offset >= 0 && live_of(f, tp, remote, sizeof(remote), &l))
                run_add(r, ck, ck->groups[i], tp, remote, &l);
        }
        pthread_mutex_unlock(&f->lock);
        rd_kafka_topic_partition_list_destroy(offs);
    }
}

/* Log start offsets of the run's partitions, in one ListOffsets per broker
 * (timestamp -2 asks for the earliest offset). -1 where unknown. */
static void log_starts(mir_ckpt_t *ck, const run_t *r, int64_t *out)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)r->n + 1);
    for (size_t i = 0; i < r->n; i++) {
        out[i] = -1;
        if (!rd_kafka_topic_partition_list_find(l, r->v[i].topic, r->v[i].partition))
            rd_kafka_topic_partition_list_add(l, r->v[i].topic, r->v[i].partition)->offset =
                RD_KAFKA_OFFSET_BEGINNING;
    }
    if (l->cnt > 0 && rd_kafka_offsets_for_times(ck->src, l, CKPT_TIMEOUT_MS) == 0) {
        for (size_t i = 0; i < r->n; i++) {
            const rd_kafka_topic_partition_t *tp =
                rd_kafka_topic_partition_list_find(l, r->v[i].topic, r->v[i].partition);
            if (tp && !tp->err && tp->offset >= 0)
                out[i] = tp->offset;
        }
    }
    rd_kafka_topic_partition_list_destroy(l);
}

/* Translate @p e; see the file comment (step 3). */
static void translate(const mir_ckpt_t *ck, mir_ckpt_part_t *e, const live_t *l, int64_t log_start)
{
    int64_t d, up, down;
    size_t tl = strlen(e->topic);
    int r = mir_sync_translate(&l->sync, l->acked_next, e->committed, &d);
    if (r == 1) {
        e->tr = (ckpt_translation_t){d, CKPT_EXACT};
        return;
    }
    /* Not processed yet, or past the index's newest sync: that sync is on
     * its way (or was lost with a crash, until the next one arrives). */
    e->tr = (ckpt_translation_t){-1, CKPT_NOT_REPLICATED};
    if (r < 0 || !ckpt_index_last(ck->ix, e->topic, tl, e->partition, &up, &down) ||
        e->committed > up)
        return;
    ckpt_index_translate(ck->ix, e->topic, tl, e->partition, e->committed, log_start, &e->tr);
}

/* Whether @p e's translation is to be written over checkpoint @p w. */
static bool should_write(const mir_ckpt_part_t *e, const ckpt_stored_t *w)
{
    if (e->tr.offset < 0 || e->tr.inexact == CKPT_SOURCE_TRUNCATED)
        return false;
    if (!w || w->upstream < 0 || e->committed < w->upstream)
        return true; /* the first one, or the group went back on the source */
    if (e->tr.offset < w->downstream)
        return false; /* never backwards */
    return e->committed != w->upstream || e->tr.offset != w->downstream ||
           e->tr.inexact != w->inexact;
}

static int produce(mir_ckpt_t *ck, const mir_ckpt_part_t *e, rd_kafka_resp_err_t *status)
{
    ckpt_checkpoint_t c = {
        .group = e->group,
        .group_len = strlen(e->group),
        .topic = e->remote,
        .topic_len = strlen(e->remote),
        .partition = e->partition,
        .upstream_offset = e->committed,
        .downstream_offset = e->tr.offset,
        .metadata = e->metadata,
        .metadata_len = strlen(e->metadata),
    };
    buf_t k, v;
    buf_init(&k);
    buf_init(&v);
    int rc = ckpt_checkpoint_encode(&c, &k, &v);
    rd_kafka_headers_t *h = NULL;
    if (rc == 0 && e->tr.inexact != CKPT_EXACT) {
        h = rd_kafka_headers_new(1);
        rd_kafka_header_add(h, CKPT_INEXACT_HEADER, -1, ckpt_inexact_str(e->tr.inexact), -1);
    }
    *status = RD_KAFKA_RESP_ERR__IN_PROGRESS;
    if (rc == 0 &&
        rd_kafka_producev(ck->producer, RD_KAFKA_V_TOPIC(ck->topic), RD_KAFKA_V_PARTITION(0),
                          RD_KAFKA_V_KEY(k.data, k.len), RD_KAFKA_V_VALUE(v.data, v.len),
                          RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                          RD_KAFKA_V_OPAQUE(status), RD_KAFKA_V_END) != 0) {
        if (h)
            rd_kafka_headers_destroy(h);
        rc = XDC_EKAFKA;
    }
    buf_close(&k);
    buf_close(&v);
    return rc;
}

/* Translate the run's entries and write the checkpoints that changed. */
static void emit(mir_flow_t *f, mir_ckpt_t *ck, run_t *r)
{
    int64_t *starts = xcalloc(r->n + 1, sizeof(*starts));
    rd_kafka_resp_err_t *status = xcalloc(r->n + 1, sizeof(*status));
    bool *sent = xcalloc(r->n + 1, sizeof(*sent));
    log_starts(ck, r, starts);
    for (size_t i = 0; i < r->n; i++) {
        mir_ckpt_part_t *e = &r->v[i];
        translate(ck, e, &r->live[i], starts[i]);
        const ckpt_stored_t *w = ckpt_store_find(&ck->written, e->group, e->remote, e->partition);
        if (should_write(e, w))
            sent[i] = produce(ck, e, &status[i]) == 0;
    }
    rd_kafka_flush(ck->producer, CKPT_TIMEOUT_MS);
    int64_t now = xdc_wall_ms();
    size_t failed = 0;
    for (size_t i = 0; i < r->n; i++) {
        mir_ckpt_part_t *e = &r->v[i];
        if (sent[i] && status[i] == RD_KAFKA_RESP_ERR_NO_ERROR) {
            ckpt_stored_t *w = ckpt_store_put(&ck->written, e->group, e->remote, e->partition);
            w->upstream = e->committed;
            w->downstream = e->tr.offset;
            w->inexact = e->tr.inexact;
            metrics_inc(f->m.checkpoints, 1);
            if (e->since_ms > 0)
                metrics_observe(f->m.ckpt_latency, (double)(now - e->since_ms) / 1000.0);
            e->since_ms = 0;
        } else if (sent[i]) {
            failed++;
        }
        const ckpt_stored_t *w = ckpt_store_find(&ck->written, e->group, e->remote, e->partition);
        if (w) {
            e->ck_up = w->upstream;
            e->ck_down = w->downstream;
            if (w->upstream == e->committed && w->downstream == e->tr.offset)
                e->current_ms = now;
        }
    }
    if (failed)
        log_warn("[%s] %zu checkpoints not written to %s (will retry)", f->name, failed, ck->topic);
    free(starts);
    free(status);
    free(sent);
}

/* --- group offset sync -------------------------------------------------- */

/* The run's entries of @p group with a checkpoint ahead of the target
 * group's offset (@p have: its offsets on the target). */
static rd_kafka_topic_partition_list_t *ahead(const run_t *r, const char *group,
                                              const rd_kafka_topic_partition_list_t *have)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
    for (size_t i = 0; i < r->n; i++) {
        const mir_ckpt_part_t *e = &r->v[i];
        if (strcmp(e->group, group) != 0 || e->ck_down < 0)
            continue;
        const rd_kafka_topic_partition_t *cur =
            rd_kafka_topic_partition_list_find(have, e->remote, e->partition);
        /* Forward only, as MirrorMaker 2: a target group that went further
         * (someone consumed there) is not rewound. */
        if (!cur || cur->offset < e->ck_down)
            rd_kafka_topic_partition_list_add(l, e->remote, e->partition)->offset = e->ck_down;
    }
    return l;
}

static void sync_group(mir_flow_t *f, mir_ckpt_t *ck, const run_t *r, mir_ckpt_group_t *g)
{
    char err[512];
    if (g->target_members > 0) {
        snprintf(g->offset_sync, sizeof(g->offset_sync),
                 "skipped: %d active member(s) on the target", g->target_members);
        return;
    }
    rd_kafka_topic_partition_list_t *have =
        mir__group_offsets(ck->tgt, g->group, CKPT_TIMEOUT_MS, err, sizeof(err));
    if (!have) {
        group_error(g, err);
        return;
    }
    rd_kafka_topic_partition_list_t *l = ahead(r, g->group, have);
    if (l->cnt > 0 &&
        mir__alter_group_offsets(ck->tgt, g->group, l, CKPT_TIMEOUT_MS, err, sizeof(err)) < 0) {
        group_error(g, err);
    } else {
        snprintf(g->offset_sync, sizeof(g->offset_sync), "synced");
        if (l->cnt > 0)
            metrics_inc(f->m.group_syncs, 1);
    }
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_topic_partition_list_destroy(have);
}

/* Carry the last statuses over to a run that does not sync. */
static void keep_sync_status(const mir_ckpt_t *ck, run_t *r)
{
    for (size_t i = 0; i < r->ngv; i++) {
        mir_ckpt_group_t key = {.group = r->gv[i].group}, *o = NULL;
        if (ck->gv)
            o = bsearch(&key, ck->gv, ck->ngv, sizeof(*ck->gv), cmp_group);
        if (o && strncmp(r->gv[i].offset_sync, "error", 5) != 0) {
            r->gv[i].target_members = o->target_members;
            memcpy(r->gv[i].offset_sync, o->offset_sync, sizeof(o->offset_sync));
        }
    }
}

static void sync_groups(mir_flow_t *f, mir_ckpt_t *ck, run_t *r)
{
    int64_t now = xdc_mono_ms();
    if (!f->fc->sync_group_offsets_enabled || now < ck->next_sync_ms || r->ngv == 0) {
        keep_sync_status(ck, r);
        return;
    }
    ck->next_sync_ms = now + (int64_t)f->fc->sync_group_offsets_interval_s * 1000;
    const char **names = xcalloc(r->ngv, sizeof(*names));
    int *members = xcalloc(r->ngv, sizeof(*members));
    char err[512];
    for (size_t i = 0; i < r->ngv; i++)
        names[i] = r->gv[i].group;
    int rc = mir__group_members(ck->tgt, names, r->ngv, members, CKPT_TIMEOUT_MS, err, sizeof(err));
    for (size_t i = 0; i < r->ngv && !atomic_load(&f->stop); i++) {
        mir_ckpt_group_t *g = &r->gv[i];
        if (strncmp(g->offset_sync, "error", 5) == 0)
            continue; /* its source offsets could not be read */
        g->target_members = members[i];
        if (rc < 0 || members[i] < 0)
            group_error(g, rc < 0 ? err : "the target did not describe the group");
        else
            sync_group(f, ck, r, g);
    }
    free(names);
    free(members);
}

/* --- the thread --------------------------------------------------------- */

/* Publish the run for the HTTP thread and keep it as the last one. */
static void publish(mir_ckpt_t *ck, run_t *r, const char *error)
{
    pthread_mutex_lock(&ck->lock);
    parts_free(ck->parts, ck->nparts);
    groups_free(ck->gv, ck->ngv);
    ck->parts = r->v;
    ck->nparts = r->n;
    ck->gv = r->gv;
    ck->ngv = r->ngv;
    ck->last_run_ms = r->read_ms;
    snprintf(ck->last_error, sizeof(ck->last_error), "%s", error);
    pthread_mutex_unlock(&ck->lock);
    free(r->live);
}

static void set_error(mir_flow_t *f, mir_ckpt_t *ck, const char *err)
{
    pthread_mutex_lock(&ck->lock);
    bool changed = strcmp(ck->last_error, err) != 0;
    snprintf(ck->last_error, sizeof(ck->last_error), "%s", err);
    pthread_mutex_unlock(&ck->lock);
    if (changed)
        log_warn("[%s] checkpoints: %s", f->name, err);
}

static void run_once(mir_flow_t *f, mir_ckpt_t *ck)
{
    char err[512] = "";
    if (!ck->topic_ready)
        ck->topic_ready =
            mir__topics_ensure_internal(f, f->tgt_admin, ck->topic, f->fc->checkpoints_rf) == 0;
    if (read_topics(f, ck, err, sizeof(err)) < 0) {
        set_error(f, ck, err);
        return;
    }
    int64_t now = xdc_mono_ms();
    if (now >= ck->next_list_ms) {
        list_groups(f, ck);
        ck->next_list_ms = now + (int64_t)f->fc->refresh_groups_interval_s * 1000;
    }
    run_t r = {0};
    read_groups(f, ck, &r);
    emit(f, ck, &r);
    sync_groups(f, ck, &r);
    qsort(r.v, r.n, sizeof(*r.v), cmp_part);
    qsort(r.gv, r.ngv, sizeof(*r.gv), cmp_group);
    publish(ck, &r, "");
}

void *mir__ckpt_main(void *arg)
{
    mir_flow_t *f = arg;
    mir_ckpt_t *ck = f->ck;
    int64_t interval = (int64_t)f->fc->emit_checkpoints_interval_s * 1000;
    while (!atomic_load(&f->stop)) {
        int64_t next = xdc_mono_ms() + interval;
        run_once(f, ck);
        pthread_mutex_lock(&f->lock);
        while (!atomic_load(&f->stop) && xdc_mono_ms() < next) {
            /* wakes every 200 ms at most: the wall clock may jump */
            int64_t left = next - xdc_mono_ms();
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += (left < 200 ? left : 200) * 1000000L;
            ts.tv_sec += ts.tv_nsec / 1000000000L;
            ts.tv_nsec %= 1000000000L;
            pthread_cond_timedwait(&f->wake, &f->lock, &ts);
        }
        pthread_mutex_unlock(&f->lock);
    }
    return NULL;
}
