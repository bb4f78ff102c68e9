/* Checkpoints between two xdc-broker clusters with a running mirror
 * (flow primary->dr, "orders" -> "primary.orders"):
 *  - exact: 20 groups commit on the source (0, the log end, gap records,
 *    random offsets) of a topic written in lz4 batches whose source has
 *    gaps (records the mirror skips, some of them at the end of a
 *    partition; records deleted before being copied) and whose target has
 *    gaps (another writer). Every checkpoint in primary.checkpoints.internal
 *    is exact and equals the truth the test computes from the target's
 *    records; GET /v1/checkpoints and `xdc translate` agree; `xdc
 *    checkpoints apply` commits them on the target, and a consumer of the
 *    group there reads, first, the copy of the record the group was at;
 *  - restart: the first checkpoint written after a stop (SIGTERM, then
 *    SIGKILL) during which the groups moved is exact;
 *  - group offset sync: an idle group's offsets reach the target within
 *    2 x the interval; a group with a member on the target is left alone;
 *  - truncation: a group committed inside records deleted before they were
 *    copied is reported "source truncated" and gets no checkpoint;
 *  - usage of `xdc checkpoints`.
 *
 * The truth for a committed source offset U of partition p is computed from
 * the target topic read whole, never from the mirror's answers: the target
 * offset of the first copy (xdc.src = primary:p:S) with S >= U, else the
 * target's log end. It is cross-checked against the source: S must be the
 * first record at or after U that the test knows the mirror copies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "checkpoint/checkpoint.h"
#include "common/util.h"
#include "tests/lib/th_broker.h"
#include "tests/lib/th_http.h"
#include "tests/lib/th_kafka.h"
#include "tests/lib/th_mcheck.h"
#include "tests/lib/th_mirror.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NPART   4
#define NGROUPS 20
#define FLOW    "primary->dr"
#define REMOTE  "primary.orders"
#define CKTOPIC "primary.checkpoints.internal"
#define TAG     "orders"

/* What the test knows of the two sides, to compute the truth. */
typedef struct model {
    th_recs_t src; /* the source read whole, before any deletion */
    th_recs_t dst; /* the target read whole, with the mirror caught up */
    int64_t src_end[NPART];
    int64_t dst_end[NPART];
    int64_t lost_from[NPART]; /* [lost_from, lost_to): deleted before being copied */
    int64_t lost_to[NPART];
} model_t;

/* One record of the checkpoints topic, decoded. */
typedef struct ck {
    char group[64];
    char topic[128];
    int32_t partition;
    int64_t up;        /* upstreamOffset */
    int64_t down;      /* offset */
    char inexact[128]; /* the xdc.inexact header; "" when absent */
    int64_t at;        /* its offset in the checkpoints topic */
} ck_t;

typedef struct cks {
    ck_t *v;
    size_t n;
} cks_t;

static th_broker_t g_primary, g_dr;
static th_pair_t g_pair; /* their bootstraps */
static th_mirror_t g_mirror;
static th_kafka_member_t *g_member;
static model_t g_m;
static cks_t g_cks;
static const char *g_dir;
static long g_seq; /* the next seq to produce */

/* The consumers these tests start join at once: no 3 s wait for others. */
static const char *const g_broker_ov[] = {"group.initial.rebalance.delay.ms=0", NULL};

/* Batches of many records, compressed: committed offsets fall inside them. */
static const char *const g_batching[] = {"compression.codec", "lz4", "linger.ms", "20", NULL};

static void model_reset(model_t *m)
{
    th_recs_free(&m->src);
    th_recs_free(&m->dst);
    memset(m, 0, sizeof(*m));
    for (int p = 0; p < NPART; p++)
        m->lost_from[p] = m->lost_to[p] = -1;
}

static int setup(void **state)
{
    (void)state;
    g_dir = th_tmpdir();
    g_pair = th_pair_start(&g_primary, &g_dr, g_dir, g_broker_ov);
    memset(&g_mirror, 0, sizeof(g_mirror));
    model_reset(&g_m);
    /* Seqs 0..3 would put seq 3, a skipped record, first in partition 3,
     * below the partition's first offset sync: starting at 4, the first
     * record of every partition is copied. */
    g_seq = 4;
    return 0;
}

static int setup_usage(void **state)
{
    (void)state;
    g_dir = th_tmpdir();
    memset(&g_mirror, 0, sizeof(g_mirror));
    return 0;
}

static int teardown(void **state)
{
    th_kafka_member_stop(g_member);
    g_member = NULL;
    th_mc_stop(NULL, (th_mirror_t *const[]){&g_mirror}, 1);
    model_reset(&g_m);
    free(g_cks.v);
    memset(&g_cks, 0, sizeof(g_cks));
    return th_teardown(state);
}

/* --- producing and mirroring ------------------------------------------------ */

/* @p n records to "orders" in lz4 batches; those with seq % 7 == 3 carry
 * xdc.origin=dr, so the mirror skips them (gaps in what it copies). */
static void produce(long n)
{
    const th_kafka_produce_opts_t o = {g_batching, 7, 3, "dr"};
    th_kafka_produce_opts(g_primary.bootstrap, "orders", NPART, g_seq, n, TAG, &o);
    g_seq += n;
}

/* One record the mirror skips, at the end of partition @p p. */
static void produce_gap(int p)
{
    const th_kafka_produce_opts_t o = {g_batching, 1, 0, "dr"};
    while (g_seq % NPART != p)
        g_seq++;
    th_kafka_produce_opts(g_primary.bootstrap, "orders", NPART, g_seq, 1, TAG, &o);
    g_seq++;
}

/* One record the mirror copies at the end of each partition.
 * @param seq out: the seq of partition p's record. */
static void produce_one_each(long seq[NPART])
{
    const th_kafka_produce_opts_t o = {g_batching, 0, 0, NULL};
    while (g_seq % NPART != 0)
        g_seq++;
    th_kafka_produce_opts(g_primary.bootstrap, "orders", NPART, g_seq, NPART, TAG, &o);
    for (int p = 0; p < NPART; p++)
        seq[p] = g_seq + p;
    g_seq += NPART;
}

/* Where the mirror's output is and how it ends, for failure messages
 * (cmocka cuts a message at about 1 KB).  @return a static buffer. */
static const char *mlog(void)
{
    static char buf[600];
    const char *s = g_mirror.log_path[0] ? th_mirror_log(&g_mirror) : "";
    size_t n = strlen(s);
    snprintf(buf, sizeof(buf), "%s (TH_KEEP_TMP=1 keeps it) ends: %s", g_mirror.log_path,
             n > 300 ? s + n - 300 : s);
    return buf;
}

/* Start the mirror, checkpoints every @p interval_s seconds; with @p sync,
 * group offsets are synced to the target at the same interval. */
static void start_mirror(int interval_s, bool sync)
{
    char conf[512], sync_conf[128] = "";
    if (sync)
        snprintf(sync_conf, sizeof(sync_conf),
                 "sync.group.offsets.enabled = true\n"
                 "sync.group.offsets.interval.seconds = %d\n",
                 interval_s);
    snprintf(conf, sizeof(conf),
             "refresh.groups.interval.seconds = 1\n"
             "emit.checkpoints.interval.seconds = %d\n"
             "offset.lag.max = 10\n"
             "%s",
             interval_s, sync_conf);
    th_mirror_start(&g_mirror, g_dir, th_mc_conf(&g_pair, conf));
    th_mc_wait_assigned(&g_mirror, "orders", NPART);
}

/* Wait until the mirror has passed every source record of "orders": lag 0
 * at the source's log end on each partition (skipped records count as
 * passed; th_mc_wait_lag_zero() wants equal log ends, which gaps prevent). */
static void wait_caught_up(void)
{
    int64_t deadline = th_mc_now_ms() + th_ms(60000);
    for (;;) {
        int64_t src[NPART];
        th_kafka_end_offsets(g_primary.bootstrap, "orders", src, NPART);
        json_t *j = th_http_get_json(g_mirror.http_port, "/v1/lag"), *e;
        int ok = 0;
        size_t i;
        json_array_foreach(json_object_get(th_mc_flow0(j), "partitions"), i, e)
        {
            const char *t = json_string_value(json_object_get(e, "topic"));
            int p = (int)json_integer_value(json_object_get(e, "partition"));
            if (t && strcmp(t, "orders") == 0 && p >= 0 && p < NPART &&
                json_integer_value(json_object_get(e, "lag_records")) == 0 &&
                json_integer_value(json_object_get(e, "log_end_offset")) == src[p])
                ok++;
        }
        json_decref(j);
        if (ok == NPART)
            return;
        TH_CHECK(th_mc_now_ms() < deadline,
                 "the mirror did not catch up with orders in %d ms; its log: %s", th_ms(60000),
                 mlog());
        usleep(200 * 1000);
    }
}

/* --- the truth ----------------------------------------------------------------- */

/* Records of partition @p p in @p rs (sorted by partition, offset): [*lo, *hi). */
static void part_range(const th_recs_t *rs, int p, size_t *lo, size_t *hi)
{
    size_t i = 0;
    while (i < rs->count && rs->v[i].partition < p)
        i++;
    *lo = i;
    while (i < rs->count && rs->v[i].partition == p)
        i++;
    *hi = i;
}

/* The record at @p off of partition @p p, or NULL. */
static const th_rec_t *rec_at(const th_recs_t *rs, int p, int64_t off)
{
    size_t lo, hi;
    part_range(rs, p, &lo, &hi);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rs->v[mid].offset == off)
            return &rs->v[mid];
        if (rs->v[mid].offset < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* @return whether source record @p r is one the mirror skips. */
static bool is_gap(const th_rec_t *r)
{
    const th_hdr_t *h = th_rec_header(r, "xdc.origin");
    return h && h->value_len == 2 && memcmp(h->value, "dr", 2) == 0;
}

/* @return the seq th_kafka_produce_opts() wrote into @p r (header h1). */
static long seq_of(const th_rec_t *r)
{
    const th_hdr_t *h = th_rec_header(r, "h1");
    return h && h->value ? strtol(h->value, NULL, 10) : -1;
}

/* @return the source offset a target record of partition @p p is a copy of
 * (its xdc.src header "primary:<p>:<offset>"), -1 for any other record. */
static int64_t copy_of(const th_rec_t *r, int p)
{
    const th_hdr_t *h = th_rec_header(r, "xdc.src");
    char want[32], *end;
    int n = snprintf(want, sizeof(want), "primary:%d:", p);
    if (!h || !h->value || h->value_len <= (size_t)n || strncmp(h->value, want, (size_t)n) != 0)
        return -1;
    long long off = strtoll(h->value + n, &end, 10);
    return end == h->value + h->value_len && off >= 0 ? off : -1;
}

/* The last record before @p end of partition @p p the mirror copies: not
 * skipped, not deleted before being copied; -1 when none. */
static int64_t last_copied(const model_t *m, int p, int64_t end)
{
    size_t lo, hi;
    part_range(&m->src, p, &lo, &hi);
    for (size_t i = hi; i-- > lo;) {
        const th_rec_t *r = &m->src.v[i];
        if (r->offset < end && !is_gap(r) &&
            !(r->offset >= m->lost_from[p] && r->offset < m->lost_to[p]))
            return r->offset;
    }
    return -1;
}

/* From the source alone: the first record at or after @p u of partition
 * @p p the mirror copies; -1 when none. */
static int64_t first_copied(const model_t *m, int p, int64_t u)
{
    size_t lo, hi;
    part_range(&m->src, p, &lo, &hi);
    for (size_t i = lo; i < hi; i++) {
        const th_rec_t *r = &m->src.v[i];
        if (r->offset >= u && !is_gap(r) &&
            !(r->offset >= m->lost_from[p] && r->offset < m->lost_to[p]))
            return r->offset;
    }
    return -1;
}

/* From the target alone: the offset of the first copy of a source record
 * at or after @p u, else the target's log end.
 * @param so out: that copy's source offset, -1 at the log end. */
static int64_t truth(const model_t *m, int p, int64_t u, int64_t *so)
{
    size_t lo, hi;
    part_range(&m->dst, p, &lo, &hi);
    for (size_t i = lo; i < hi; i++) {
        int64_t s = copy_of(&m->dst.v[i], p);
        if (s >= 0 && s >= u) {
            *so = s;
            return m->dst.v[i].offset;
        }
    }
    *so = -1;
    return m->dst_end[p];
}

/* The exact translation of @p u for @p group / @p p: truth(), checked
 * against the source, so that a mirror that copied other records than the
 * test assumes fails here rather than as a checkpoint problem. */
static int64_t expect_target(const model_t *m, const char *group, int p, int64_t u)
{
    int64_t so, t = truth(m, p, u, &so), want_so = first_copied(m, p, u);
    TH_CHECK(so == want_so,
             "%s/%d at source offset %" PRId64
             ": the first copy at or after it on the target is of "
             "source offset %" PRId64 " (target offset %" PRId64 "), but the first record the "
             "mirror copies there is %" PRId64,
             group, p, u, so, t, want_so);
    if (so < 0)
        return t;
    const th_rec_t *d = rec_at(&m->dst, p, t), *s = rec_at(&m->src, p, so);
    TH_CHECK(d && s && d->key_len == s->key_len && d->value_len == s->value_len &&
                 memcmp(d->key, s->key, s->key_len) == 0 &&
                 memcmp(d->value, s->value, s->value_len) == 0,
             "%s/%d: target offset %" PRId64 " is not a faithful copy of source offset %" PRId64,
             group, p, t, so);
    return t;
}

/* Read both sides whole; the source only when @p src (before deletions). */
static void model_read(model_t *m, bool src)
{
    if (src) {
        th_recs_free(&m->src);
        th_kafka_consume_all(g_primary.bootstrap, "orders", &m->src, th_ms(60000));
        th_kafka_end_offsets(g_primary.bootstrap, "orders", m->src_end, NPART);
    }
    th_recs_free(&m->dst);
    th_kafka_consume_all(g_dr.bootstrap, REMOTE, &m->dst, th_ms(60000));
    th_kafka_end_offsets(g_dr.bootstrap, REMOTE, m->dst_end, NPART);
}

/* The offset of the first skipped record of partition @p p at or after
 * @p from and below @p below; -1 when none. */
static int64_t gap_at_or_after(const model_t *m, int p, int64_t from, int64_t below)
{
    size_t lo, hi;
    part_range(&m->src, p, &lo, &hi);
    for (size_t i = lo; i < hi; i++)
        if (m->src.v[i].offset >= from && m->src.v[i].offset < below && is_gap(&m->src.v[i]))
            return m->src.v[i].offset;
    return -1;
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Whether test A commits at @p u on partition @p p: not inside the range
 * deleted before being copied (test D covers that), and below that range
 * only at a record that was copied. (A skipped record below the log start
 * is left out: the mirror reports it "source truncated", as it cannot
 * tell it from a record deleted before being copied.) */
static bool allowed(const model_t *m, int p, int64_t u)
{
    if (m->lost_from[p] < 0)
        return true;
    if (u >= m->lost_to[p])
        return true;
    const th_rec_t *r = rec_at(&m->src, p, u);
    return u < m->lost_from[p] && r && !is_gap(r);
}

/* The first offset at or after @p u that allowed() accepts (the log end
 * always is). */
static int64_t next_allowed(const model_t *m, int p, int64_t u)
{
    while (!allowed(m, p, u))
        u++;
    return u;
}

/* A random offset in [0, @p max] that allowed() accepts. */
static int64_t pick(uint64_t *seed, const model_t *m, int p, int64_t max)
{
    for (;;) {
        int64_t u = (int64_t)(rnd(seed) % (uint64_t)(max + 1));
        if (allowed(m, p, u))
            return u;
    }
}

/* --- JSON ------------------------------------------------------------------ */

/* The string @p key of @p o, or @p dflt. */
static const char *str_or(json_t *o, const char *key, const char *dflt)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : dflt;
}

static bool str_is(json_t *o, const char *key, const char *want)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v && strcmp(v, want) == 0;
}

/* @return whether @p o has integer @p key, into *@p v. */
static bool int_of(json_t *o, const char *key, int64_t *v)
{
    json_t *x = json_object_get(o, key);
    *v = json_is_integer(x) ? json_integer_value(x) : -1;
    return json_is_integer(x);
}

/* --- the checkpoints topic -------------------------------------------------- */

static void ck_free(cks_t *cs)
{
    free(cs->v);
    memset(cs, 0, sizeof(*cs));
}

/* Decode @p r into @p c.  @return 0, or -1 with the reason in @p why. */
static int ck_decode(const th_rec_t *r, ck_t *c, char *why, size_t len)
{
    ckpt_checkpoint_t k;
    int rc = r->key && r->value
                 ? ckpt_checkpoint_decode(r->key, r->key_len, r->value, r->value_len, &k)
                 : -1;
    if (rc < 0) {
        snprintf(why, len, "%s offset %" PRId64 " is not an MM2 Checkpoint (%d)", CKTOPIC,
                 r->offset, rc);
        return -1;
    }
    memset(c, 0, sizeof(*c));
    snprintf(c->group, sizeof(c->group), "%.*s", (int)k.group_len, k.group ? k.group : "");
    snprintf(c->topic, sizeof(c->topic), "%.*s", (int)k.topic_len, k.topic ? k.topic : "");
    c->partition = k.partition;
    c->up = k.upstream_offset;
    c->down = k.downstream_offset;
    c->at = r->offset;
    const th_hdr_t *h = th_rec_header(r, "xdc.inexact");
    if (h)
        snprintf(c->inexact, sizeof(c->inexact), "%.*s", h->value ? (int)h->value_len : 6,
                 h->value ? h->value : "(null)");
    return 0;
}

/* Read the checkpoints topic whole into @p cs (emptied first); nothing
 * while it does not exist. Fails on a record that does not decode. */
static void ck_read(cks_t *cs)
{
    th_recs_t rs = {0};
    char why[256] = "";
    ck_free(cs);
    if (th_kafka_partitions(g_dr.bootstrap, CKTOPIC) == 0)
        return;
    th_kafka_consume_all(g_dr.bootstrap, CKTOPIC, &rs, th_ms(30000));
    cs->v = xcalloc(rs.count + 1, sizeof(*cs->v));
    for (size_t i = 0; i < rs.count && !why[0]; i++)
        if (ck_decode(&rs.v[i], &cs->v[cs->n], why, sizeof(why)) == 0)
            cs->n++;
    th_recs_free(&rs);
    TH_CHECK(!why[0], "%s", why);
}

static bool ck_is(const ck_t *c, const char *group, int p, int64_t from)
{
    return c->at >= from && c->partition == p && strcmp(c->group, group) == 0 &&
           strcmp(c->topic, REMOTE) == 0;
}

/* The first / last checkpoint of @p group / @p p at or after topic offset
 * @p from; NULL when none.  @param n out, may be NULL: how many there are. */
static const ck_t *ck_find(const cks_t *cs, const char *group, int p, int64_t from, bool last,
                           int *n)
{
    const ck_t *found = NULL;
    int k = 0;
    for (size_t i = 0; i < cs->n; i++) {
        if (!ck_is(&cs->v[i], group, p, from))
            continue;
        if (!found || last)
            found = &cs->v[i];
        k++;
    }
    if (n)
        *n = k;
    return found;
}

/* "u -> d (exact)" or "u -> d (inexact: why)" or "none". */
static const char *ck_str(const ck_t *c, char *buf, size_t len)
{
    if (!c)
        snprintf(buf, len, "none");
    else
        snprintf(buf, len, "%" PRId64 " -> %" PRId64 " (%s%s, topic offset %" PRId64 ")", c->up,
                 c->down, c->inexact[0] ? "inexact: " : "exact", c->inexact, c->at);
    return buf;
}

/* What GET /v1/checkpoints?group=@p group says of partition @p p, for
 * failure messages.  @return a static buffer. */
static const char *http_view(const char *group, int p)
{
    static char buf[400];
    char path[256], *body = NULL;
    int status = 0;
    snprintf(path, sizeof(path), "/v1/checkpoints?group=%s", group);
    json_t *j = NULL, *e = NULL, *f, *g;
    size_t i, k;
    if (th_http_get(g_mirror.http_port, path, &status, &body) == 0 && status == 200)
        j = json_loads(body, 0, NULL);
    f = th_mc_flow0(j);
    json_array_foreach(json_object_get(f, "groups"), i, g)
    {
        json_t *x;
        json_array_foreach(json_object_get(g, "partitions"), k, x)
        {
            if (str_is(g, "group", group) && str_is(x, "topic", "orders") &&
                json_integer_value(json_object_get(x, "partition")) == p)
                e = x;
        }
    }
    char *dump = e ? json_dumps(e, JSON_COMPACT) : NULL;
    snprintf(buf, sizeof(buf), "%s", dump ? dump : body ? "(partition not listed)" : "(no answer)");
    free(dump);
    free(body);
    json_decref(j);
    return buf;
}

/* Wait until, for every group groups[g] and partition p with up[g][p] >= 0,
 * the last checkpoint at or after topic offset @p from has upstream offset
 * up[g][p] and, when @p down is not NULL, is exact at down[g][p]. The topic
 * as read last stays in g_cks. */
static void ck_wait(const char *const *groups, int ng, int64_t (*up)[NPART], int64_t (*down)[NPART],
                    int64_t from)
{
    int64_t deadline = th_mc_now_ms() + th_ms(30000);
    for (;;) {
        ck_read(&g_cks);
        int bad_g = -1, bad_p = -1;
        for (int g = 0; g < ng && bad_g < 0; g++)
            for (int p = 0; p < NPART && bad_g < 0; p++) {
                const ck_t *c = ck_find(&g_cks, groups[g], p, from, true, NULL);
                if (up[g][p] >= 0 &&
                    (!c || c->up != up[g][p] || (down && (c->down != down[g][p] || c->inexact[0]))))
                    bad_g = g, bad_p = p;
            }
        if (bad_g < 0)
            return;
        if (th_mc_now_ms() > deadline) {
            char b[256], wd[64] = "";
            if (down)
                snprintf(wd, sizeof(wd), " -> %" PRId64 " (exact: the truth)", down[bad_g][bad_p]);
            fail_msg("%s/%d: after %d ms, the last checkpoint written at or after " CKTOPIC
                     " offset %" PRId64 " is %s; want %" PRId64 "%s; /v1/checkpoints: %s; log: %s",
                     groups[bad_g], bad_p, th_ms(30000), from,
                     ck_str(ck_find(&g_cks, groups[bad_g], bad_p, from, true, NULL), b, sizeof(b)),
                     up[bad_g][bad_p], wd, http_view(groups[bad_g], bad_p), mlog());
        }
        usleep(300 * 1000);
    }
}

/* Wait until the offset syncs of "orders" reach source offset @p last[p]
 * on each partition: what a SIGKILL leaves behind covers every copy. */
static void wait_syncs_cover(const int64_t *last)
{
    json_t *st = th_http_get_json(g_mirror.http_port, "/v1/status");
    char topic[256];
    snprintf(topic, sizeof(topic), "%s", str_or(th_mc_flow0(st), "offset_syncs_topic", ""));
    json_decref(st);
    TH_CHECK(topic[0], "/v1/status names no offset_syncs_topic");
    int64_t deadline = th_mc_now_ms() + th_ms(20000), top[NPART];
    for (;;) {
        th_recs_t rs = {0};
        int ok = 0;
        for (int p = 0; p < NPART; p++)
            top[p] = -1;
        th_kafka_consume_all(g_primary.bootstrap, topic, &rs, th_ms(30000));
        for (size_t i = 0; i < rs.count; i++) {
            ckpt_offset_sync_t s;
            const th_rec_t *r = &rs.v[i];
            if (r->key && r->value &&
                ckpt_offset_sync_decode(r->key, r->key_len, r->value, r->value_len, &s) == 0 &&
                s.topic_len == 6 && memcmp(s.topic, "orders", 6) == 0 && s.partition >= 0 &&
                s.partition < NPART && s.upstream_offset > top[s.partition])
                top[s.partition] = s.upstream_offset;
        }
        th_recs_free(&rs);
        for (int p = 0; p < NPART; p++)
            ok += top[p] >= last[p];
        if (ok == NPART)
            return;
        TH_CHECK(th_mc_now_ms() < deadline,
                 "%s: the syncs of orders reach %" PRId64 "/%" PRId64 "/%" PRId64 "/%" PRId64
                 ", the last copies are %" PRId64 "/%" PRId64 "/%" PRId64 "/%" PRId64,
                 topic, top[0], top[1], top[2], top[3], last[0], last[1], last[2], last[3]);
        usleep(300 * 1000);
    }
}

/* --- the mirror's HTTP API and the CLI ---------------------------------- */

/* GET /v1/checkpoints?group=@p group.  @return the answer (caller-owned);
 * *@p grp: the group's entry in flow primary->dr, NULL when not listed. */
static json_t *http_ck(const char *group, json_t **grp)
{
    char path[256];
    snprintf(path, sizeof(path), "/v1/checkpoints?group=%s", group);
    json_t *j = th_http_get_json(g_mirror.http_port, path), *f = th_mc_flow0(j), *e;
    char *dump = f ? NULL : json_dumps(j, JSON_COMPACT);
    TH_CHECK(f && str_is(f, "flow", FLOW) && str_is(f, "checkpoints_topic", CKTOPIC),
             "GET %s: flows[0] is not " FLOW " with checkpoints_topic " CKTOPIC ": %s", path,
             dump ? dump : json_string_value(json_object_get(f, "flow")));
    size_t i;
    *grp = NULL;
    json_array_foreach(json_object_get(f, "groups"), i, e)
    {
        if (str_is(e, "group", group))
            *grp = e;
    }
    return j;
}

/* The entry of "orders" partition @p p in a /v1/checkpoints group, or NULL. */
static json_t *http_part(json_t *grp, int p)
{
    json_t *e;
    size_t i;
    int64_t pn;
    json_array_foreach(json_object_get(grp, "partitions"), i, e)
    {
        if (str_is(e, "topic", "orders") && int_of(e, "partition", &pn) && pn == p)
            return e;
    }
    return NULL;
}

/* GET /v1/checkpoints?group=@p group until every partition's
 * checkpoint_source_offset is @p up[p] (or the deadline).
 * @return the answer (caller-owned); *@p grp as http_ck(). */
static json_t *http_ck_wait(const char *group, const int64_t *up, json_t **grp)
{
    int64_t deadline = th_mc_now_ms() + th_ms(10000);
    for (;;) {
        json_t *j = http_ck(group, grp);
        int ok = 0;
        for (int p = 0; p < NPART && *grp; p++) {
            int64_t v;
            ok += int_of(http_part(*grp, p), "checkpoint_source_offset", &v) && v == up[p];
        }
        if (ok == NPART || th_mc_now_ms() > deadline)
            return j;
        json_decref(j);
        usleep(200 * 1000);
    }
}

/* /v1/checkpoints shows @p group exact on every partition: committed at
 * @p up[p], translated and last checkpointed at @p down[p]. */
static void expect_http_exact(const char *group, const int64_t *up, const int64_t *down,
                              const char *offset_sync)
{
    json_t *grp, *j = http_ck_wait(group, up, &grp);
    TH_CHECK(grp, "%s: not listed in GET /v1/checkpoints?group=%s", group, group);
    TH_CHECK(str_is(grp, "offset_sync", offset_sync), "%s: offset_sync \"%s\", want \"%s\"", group,
             str_or(grp, "offset_sync", "(none)"), offset_sync);
    for (int p = 0; p < NPART; p++) {
        json_t *e = http_part(grp, p), *reason;
        int64_t so, to, cso, cto;
        TH_CHECK(e, "%s/%d: not in GET /v1/checkpoints", group, p);
        bool have = int_of(e, "source_offset", &so);
        have = int_of(e, "target_offset", &to) && have;
        have = int_of(e, "checkpoint_source_offset", &cso) && have;
        have = int_of(e, "checkpoint_target_offset", &cto) && have;
        TH_CHECK(have && so == up[p] && to == down[p] && cso == up[p] && cto == down[p],
                 "%s/%d in /v1/checkpoints: source %" PRId64 " -> target %" PRId64
                 ", checkpoint %" PRId64 " -> %" PRId64 "; want %" PRId64 " -> %" PRId64
                 " for both",
                 group, p, so, to, cso, cto, up[p], down[p]);
        reason = json_object_get(e, "reason");
        TH_CHECK(json_is_true(json_object_get(e, "exact")) && (!reason || json_is_null(reason)),
                 "%s/%d in /v1/checkpoints: not exact: %s", group, p, str_or(e, "reason", "?"));
        double age = json_number_value(json_object_get(e, "age_seconds"));
        TH_CHECK(str_is(e, "remote_topic", REMOTE) &&
                     json_is_number(json_object_get(e, "age_seconds")) && age >= 0,
                 "%s/%d in /v1/checkpoints: remote_topic %s, age_seconds %g", group, p,
                 str_or(e, "remote_topic", "(none)"), age);
    }
    json_decref(j);
}

/* Run `xdc` with @p args (NULL-terminated, after "xdc").
 * @return the exit status; *out and *err caller-owned. */
static int xdc(const char *const *args, char **out, char **err)
{
    const char *argv[24] = {th_bin("xdc")};
    int n = 1, status = -1;
    for (int i = 0; args[i] && n < 23; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    *out = *err = NULL;
    TH_CHECK(th_run_split(argv, th_ms(60000), &status, out, err) == 0, "xdc %s %s: did not finish",
             args[0], args[1] ? args[1] : "");
    return status;
}

/* Parse @p text as JSON or fail, naming @p what. */
static json_t *parse(const char *what, const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text ? text : "", 0, &je);
    TH_CHECK(j, "%s: not JSON (%s): %s", what, je.text, text ? text : "");
    return j;
}

/* `xdc translate --json` agrees with the truth for @p group. It reads only
 * the offset syncs, so past the last mirrored record (a trailing run of
 * skipped records) it cannot tell skipped from not yet replicated: there
 * the right offset marked "not replicated yet" is what it can say. */
static void expect_translate(const char *group, const int64_t *up, const int64_t *down)
{
    int64_t dst_end[NPART];
    th_kafka_end_offsets(g_dr.bootstrap, REMOTE, dst_end, NPART);
    const char *args[] = {"translate", "--config", g_mirror.conf_path, "--flow", FLOW,
                          "--group",   group,      "--json",           NULL};
    char *out, *err;
    int st = xdc(args, &out, &err);
    TH_CHECK(st == 0, "xdc translate --group %s: exit %d: %s", group, st, err);
    json_t *j = parse("xdc translate", out), *e;
    size_t i, n = 0;
    json_array_foreach(json_object_get(j, "partitions"), i, e)
    {
        int64_t p, u, t = -1;
        int_of(e, "partition", &p);
        int_of(e, "committed", &u);
        bool ok = p >= 0 && p < NPART && int_of(e, "translated", &t);
        bool exact = json_is_true(json_object_get(e, "exact"));
        bool tail = ok && down[p] == dst_end[p] &&
                    strcmp(str_or(e, "reason", ""), "not replicated yet") == 0;
        TH_CHECK(ok && u == up[p] && t == down[p] && (exact || tail),
                 "xdc translate %s/%" PRId64 ": %" PRId64 " -> %" PRId64 " (%s), want %" PRId64
                 " -> %" PRId64 " exact",
                 group, p, u, t, str_or(e, "reason", "exact"), ok ? up[p] : -1, ok ? down[p] : -1);
        n++;
    }
    TH_CHECK(n == NPART, "xdc translate %s: %zu partitions, want %d", group, n, NPART);
    json_decref(j);
    free(out);
    free(err);
}

/* `xdc checkpoints apply --group @p group [--json]`.
 * @return the exit status; *out and *err caller-owned. */
static int apply(const char *group, bool json, char **out, char **err)
{
    const char *args[] = {"checkpoints", "apply",   "--config", g_mirror.conf_path,     "--flow",
                          FLOW,          "--group", group,      json ? "--json" : NULL, NULL};
    return xdc(args, out, err);
}

/* `xdc checkpoints apply --group @p group --json` commits @p down on the
 * target for the group, which had nothing committed there, and says so. */
static void expect_apply(const char *group, const int64_t *up, const int64_t *down)
{
    char *out, *err;
    int st = apply(group, true, &out, &err);
    TH_CHECK(st == 0, "xdc checkpoints apply --group %s: exit %d: %s%s", group, st, err, out);
    json_t *j = parse("xdc checkpoints apply", out),
           *g = json_array_get(json_object_get(j, "groups"), 0), *e;
    TH_CHECK(str_is(j, "flow", FLOW) && json_array_size(json_object_get(j, "groups")) == 1 &&
                 str_is(g, "group", group) && json_is_true(json_object_get(g, "applied")) &&
                 !json_object_get(g, "error"),
             "xdc checkpoints apply --group %s --json: %s", group, out);
    size_t i, n = 0;
    json_array_foreach(json_object_get(g, "partitions"), i, e)
    {
        int64_t p, so, to, prev;
        int_of(e, "partition", &p);
        int_of(e, "source_offset", &so);
        int_of(e, "target_offset", &to);
        int_of(e, "previous_offset", &prev);
        TH_CHECK(p >= 0 && p < NPART && str_is(e, "topic", REMOTE) && so == up[p] &&
                     to == down[p] && prev == -1 && json_is_true(json_object_get(e, "exact")),
                 "xdc checkpoints apply %s/%" PRId64 ": %s %" PRId64 " -> %" PRId64
                 " (previous %" PRId64 "), want " REMOTE " %" PRId64 " -> %" PRId64
                 " exact (previous -1)",
                 group, p, str_or(e, "topic", "?"), so, to, prev, p >= 0 && p < NPART ? up[p] : -1,
                 p >= 0 && p < NPART ? down[p] : -1);
        n++;
    }
    TH_CHECK(n == NPART, "xdc checkpoints apply %s: %zu partitions, want %d", group, n, NPART);
    json_decref(j);
    free(out);
    free(err);
    int64_t got[NPART];
    th_kafka_group_offsets(g_dr.bootstrap, group, REMOTE, got, NPART);
    for (int p = 0; p < NPART; p++)
        TH_CHECK(got[p] == down[p], "%s/%d on dr after apply: committed %" PRId64 ", want %" PRId64,
                 group, p, got[p], down[p]);
}

/* A consumer of @p group on the target starts where the checkpoints put
 * it: its first record of partition p is at @p down[p] and is the copy of
 * source offset @p so[p], record seq @p seq[p] (key, value, headers, time). */
static void expect_consumer(const char *group, const int64_t *down, const int64_t *so,
                            const long *seq)
{
    th_recs_t first = {0};
    char why[512];
    th_kafka_group_first(g_dr.bootstrap, group, REMOTE, NPART, &first, th_ms(30000));
    TH_CHECK(first.count == NPART, "%s: %zu first records", group, first.count);
    for (int p = 0; p < NPART; p++) {
        const th_rec_t *r = &first.v[p];
        TH_CHECK(r->partition == p && r->offset == down[p],
                 "%s/%d: a consumer of the group on dr starts at %" PRId64 ", the checkpoint is "
                 "%" PRId64,
                 group, p, r->offset, down[p]);
        TH_CHECK(copy_of(r, p) == so[p],
                 "%s/%d: the consumer's first record (dr offset %" PRId64 ") is the copy of source "
                 "offset %" PRId64 ", want %" PRId64,
                 group, p, r->offset, copy_of(r, p), so[p]);
        TH_CHECK(th_rec_check_produced(r, TAG, seq[p], why, sizeof(why)) == 0, "%s/%d: %s", group,
                 p, why);
    }
    th_recs_free(&first);
}

/* --- metrics ---------------------------------------------------------------- */

static char *metrics(void)
{
    char *body = NULL;
    int status = 0;
    TH_CHECK(th_http_get(g_mirror.http_port, "/metrics", &status, &body) == 0 && status == 200,
             "GET /metrics: status %d", status);
    return body;
}

/* Sum the samples of @p name (exactly that name) whose labels include
 * @p l1 and @p l2 (each may be NULL).  @return how many samples matched. */
static int metric_sum(const char *text, const char *name, const char *l1, const char *l2,
                      double *sum)
{
    size_t nl = strlen(name);
    int n = 0;
    *sum = 0;
    for (const char *line = text, *eol; *line; line = eol ? eol + 1 : line + strlen(line)) {
        eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        char buf[1024];
        if (len >= sizeof(buf) || strncmp(line, name, nl) != 0 ||
            (line[nl] != '{' && line[nl] != ' '))
            continue;
        memcpy(buf, line, len);
        buf[len] = '\0';
        const char *sp = strrchr(buf, ' ');
        if (!sp || (l1 && !strstr(buf, l1)) || (l2 && !strstr(buf, l2)))
            continue;
        *sum += strtod(sp + 1, NULL);
        n++;
    }
    return n;
}

/* The sum of @p name{flow="primary->dr", @p l2}, failing when absent. */
static double metric(const char *text, const char *name, const char *l2)
{
    double v;
    TH_CHECK(metric_sum(text, name, "flow=\"" FLOW "\"", l2, &v) > 0,
             "/metrics has no sample %s{flow=\"" FLOW "\"%s%s}", name, l2 ? "," : "", l2 ? l2 : "");
    return v;
}

/* Check that @p name{flow="primary->dr"} is at least @p min. */
static void expect_metric_min(const char *text, const char *name, double min)
{
    double v = metric(text, name, NULL);
    TH_CHECK(v >= min, "/metrics: %s{flow=\"" FLOW "\"} is %g, want >= %g", name, v, min);
}

/* After test A's commits: a checkpoint per group partition, nothing
 * inexact, no group offset synced (sync.group.offsets.enabled=false). The
 * latency is observed only for groups the mirror saw before their commit:
 * test C checks it. */
static void expect_metrics_exact(void)
{
    char *text = metrics();
    double v;
    expect_metric_min(text, "xdc_mirror_checkpoints_total", NGROUPS * NPART);
    expect_metric_min(text, "xdc_mirror_checkpoint_groups", NGROUPS);
    expect_metric_min(text, "xdc_mirror_checkpoint_partitions", NGROUPS * NPART);
    v = metric(text, "xdc_mirror_group_offset_syncs_total", NULL);
    TH_CHECK(v == 0, "/metrics: %g group offset syncs with sync.group.offsets.enabled=false", v);
    metric_sum(text, "xdc_mirror_checkpoint_inexact_partitions", "flow=\"" FLOW "\"", NULL, &v);
    TH_CHECK(v == 0, "/metrics: %g inexact partitions, want none", v);
    free(text);
}

/* --- A: exact checkpoints ------------------------------------------------- */

/* Build the topic and its copy: gaps on both sides, a restart, and records
 * deleted on partitions 1 and 3 before they were copied. Fills g_m.
 * @param e1, e2 out: the source's log ends after the first two phases. */
static void build_exact_scenario(int64_t *e1, int64_t *e2)
{
    th_kafka_create_topic(g_primary.bootstrap, "orders", NPART, NULL);
    start_mirror(1, false);
    produce(1200);
    produce_gap(0);
    produce_gap(2);
    wait_caught_up();
    th_kafka_end_offsets(g_primary.bootstrap, "orders", e1, NPART);
    /* Another writer on the target: 3 records per partition, so a target
     * gap never has the size of a source gap (1, or 2 with a trailing
     * one), which no (upstream, downstream) sync could tell apart. */
    th_kafka_produce(g_dr.bootstrap, REMOTE, NPART, 0, 3 * NPART, "foreign");
    produce(1200);
    wait_caught_up();
    th_kafka_end_offsets(g_primary.bootstrap, "orders", e2, NPART);
    /* Records deleted before being copied: the mirror, restarted, resumes
     * at the new log start of partitions 1 and 3. */
    TH_CHECK(th_mirror_stop(&g_mirror, SIGTERM) != TH_STATUS_LOST, "mirror not reaped");
    produce(800);
    produce_gap(0);
    produce_gap(2);
    model_read(&g_m, true);
    for (int p = 1; p < NPART; p += 2) {
        const th_rec_t *r = rec_at(&g_m.src, p, e2[p] - 1);
        TH_CHECK(r && !is_gap(r), "orders/%d: the record before the deletion must be copied", p);
        g_m.lost_from[p] = e2[p];
        g_m.lost_to[p] = e2[p] + 100;
        TH_CHECK(g_m.lost_to[p] < g_m.src_end[p], "orders/%d: too few records to delete", p);
        th_kafka_delete_records(g_primary.bootstrap, "orders", p, g_m.lost_to[p]);
    }
    th_mirror_restart(&g_mirror);
    wait_caught_up();
    model_read(&g_m, false);
}

/* The committed offsets of the 20 groups: 0, the log end, the record
 * before it (a skipped one on partitions 0 and 2), a skipped record, both
 * sides of the target gap, both sides of the restart or deletion, and
 * random ones; on partitions 1 and 3 each moved to the next offset
 * allowed() accepts. */
static void exact_offsets(int64_t (*c)[NPART], const int64_t *e1, const int64_t *e2)
{
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (int p = 0; p < NPART; p++) {
        int64_t end = g_m.src_end[p], half = end / 2;
        c[0][p] = 0;
        c[1][p] = end;
        c[2][p] = end - 1;
        c[3][p] = gap_at_or_after(&g_m, p, half > g_m.lost_to[p] ? half : g_m.lost_to[p], end);
        c[4][p] = e1[p];
        c[5][p] = e1[p] - 1;
        c[6][p] = e2[p] - 1;
        c[7][p] = g_m.lost_to[p] >= 0 ? g_m.lost_to[p] : e2[p];
        TH_CHECK(c[3][p] >= 0, "orders/%d: no skipped record in its second half", p);
        for (int g = 0; g < 8; g++)
            c[g][p] = next_allowed(&g_m, p, c[g][p]);
        for (int g = 8; g < NGROUPS; g++)
            c[g][p] = pick(&seed, &g_m, p, end);
    }
}

/* Every checkpoint of the groups is exact and the truth, written once. */
static void expect_topic_exact(const char *const *groups, int64_t (*c)[NPART],
                               int64_t (*want)[NPART])
{
    char b[256];
    for (size_t i = 0; i < g_cks.n; i++) {
        const ck_t *k = &g_cks.v[i];
        for (int g = 0; g < NGROUPS; g++)
            TH_CHECK(
                strcmp(k->group, groups[g]) != 0 ||
                    (strcmp(k->topic, REMOTE) == 0 && k->partition >= 0 && k->partition < NPART),
                "%s: a checkpoint for %s/%d, want " REMOTE "/0..%d", k->group, k->topic,
                k->partition, NPART - 1);
    }
    for (int g = 0; g < NGROUPS; g++)
        for (int p = 0; p < NPART; p++) {
            int n;
            const ck_t *k = ck_find(&g_cks, groups[g], p, 0, true, &n);
            TH_CHECK(k && k->up == c[g][p] && !k->inexact[0] && k->down == want[g][p],
                     "%s/%d committed at %" PRId64 ": checkpoint %s, want %" PRId64
                     " (exact; source end %" PRId64 ", target end %" PRId64 ")",
                     groups[g], p, c[g][p], ck_str(k, b, sizeof(b)), want[g][p], g_m.src_end[p],
                     g_m.dst_end[p]);
            TH_CHECK(n == 1,
                     "%s/%d: %d checkpoints, want 1: nothing changed after the commit (first %s)",
                     groups[g], p, n,
                     ck_str(ck_find(&g_cks, groups[g], p, 0, false, NULL), b, sizeof(b)));
        }
}

/* Apply the checkpoints of a few groups on the target and read there with
 * a consumer of each: after one more record per partition, the groups at
 * the log end read its copy first. */
static void expect_consumers(const char *const *groups, int64_t (*c)[NPART], int64_t (*want)[NPART])
{
    static const int applied[] = {0, 1, 2, 3, 4, 5, 7, 8};
    const int na = (int)(sizeof(applied) / sizeof(applied[0]));
    for (int i = 0; i < na; i++)
        expect_apply(groups[applied[i]], c[applied[i]], want[applied[i]]);
    long fresh[NPART];
    produce_one_each(fresh);
    wait_caught_up();
    for (int i = 0; i < na; i++) {
        int g = applied[i];
        int64_t so[NPART];
        long seq[NPART];
        for (int p = 0; p < NPART; p++) {
            so[p] = first_copied(&g_m, p, c[g][p]);
            /* Nothing copied at or after the commit: the new record. */
            seq[p] = so[p] >= 0 ? seq_of(rec_at(&g_m.src, p, so[p])) : fresh[p];
            if (so[p] < 0)
                so[p] = g_m.src_end[p];
        }
        expect_consumer(groups[g], want[g], so, seq);
    }
}

static void test_checkpoints_exact(void **state)
{
    (void)state;
    int64_t e1[NPART], e2[NPART], c[NGROUPS][NPART], want[NGROUPS][NPART];
    char names[NGROUPS][16];
    const char *groups[NGROUPS];
    build_exact_scenario(e1, e2);
    exact_offsets(c, e1, e2);
    for (int g = 0; g < NGROUPS; g++) {
        snprintf(names[g], sizeof(names[g]), "app-%d", g);
        groups[g] = names[g];
        for (int p = 0; p < NPART; p++)
            want[g][p] = expect_target(&g_m, groups[g], p, c[g][p]);
        th_kafka_commit(g_primary.bootstrap, groups[g], "orders", c[g], NPART);
    }
    ck_wait(groups, NGROUPS, c, NULL, 0);
    TH_CHECK(th_kafka_partitions(g_dr.bootstrap, CKTOPIC) == 1,
             CKTOPIC " has %d partitions, want 1", th_kafka_partitions(g_dr.bootstrap, CKTOPIC));
    expect_topic_exact(groups, c, want);
    for (int g = 0; g < NGROUPS; g++) {
        expect_http_exact(groups[g], c[g], want[g], "disabled");
        expect_translate(groups[g], c[g], want[g]);
    }
    expect_metrics_exact();
    expect_consumers(groups, c, want);
}

/* --- B: restart in the middle --------------------------------------------- */

#define NB 8

/* New committed offsets for the groups while the mirror is down, each one
 * with a translation other than the group's last: r-0 at the last copied
 * record, r-1 at a skipped record, r-2..r-5 random, all within what was
 * copied before the stop; r-6 at the new log end; r-7 does not move. */
static void restart_offsets(int64_t (*c)[NPART], int64_t (*want)[NPART], const int64_t *last,
                            uint64_t *seed)
{
    static const char *const names[NB] = {"r-0", "r-1", "r-2", "r-3", "r-4", "r-5", "r-6", "r-7"};
    int64_t end[NPART];
    th_kafka_end_offsets(g_primary.bootstrap, "orders", end, NPART);
    for (int g = 0; g < 6; g++)
        for (int p = 0; p < NPART; p++)
            for (int tries = 0;; tries++) {
                int64_t u = pick(seed, &g_m, p, last[p]);
                if (g == 0 && tries == 0)
                    u = last[p];
                else if (g == 1 && tries < 50)
                    u = gap_at_or_after(&g_m, p, u, last[p]);
                if (u < 0)
                    continue;
                int64_t t = expect_target(&g_m, names[g], p, u);
                if (u != c[g][p] && t != want[g][p]) {
                    c[g][p] = u;
                    break;
                }
            }
    memcpy(c[6], end, sizeof(end));
}

/* The checkpoints after a restart, written at or after @p from. */
static void expect_after_restart(const char *const *groups, int64_t (*c)[NPART],
                                 int64_t (*want)[NPART], int64_t from, const char *how)
{
    char b[256];
    for (int g = 0; g < 6; g++)
        for (int p = 0; p < NPART; p++) {
            int n;
            const ck_t *k = ck_find(&g_cks, groups[g], p, from, false, &n);
            TH_CHECK(k && k->up == c[g][p] && !k->inexact[0] && k->down == want[g][p],
                     "after %s: the first checkpoint of %s/%d is %s, want %" PRId64 " -> %" PRId64
                     " exact",
                     how, groups[g], p, ck_str(k, b, sizeof(b)), c[g][p], want[g][p]);
            TH_CHECK(n == 1, "after %s: %s/%d has %d checkpoints, want 1 (last %s)", how, groups[g],
                     p, n, ck_str(ck_find(&g_cks, groups[g], p, from, true, NULL), b, sizeof(b)));
        }
    for (int p = 0; p < NPART; p++) {
        int64_t prev = -1;
        for (size_t i = 0; i < g_cks.n; i++) {
            const ck_t *k = &g_cks.v[i];
            if (!ck_is(k, groups[6], p, from))
                continue;
            TH_CHECK(k->up == c[6][p] && k->down >= prev &&
                         (k->inexact[0] ? k->down <= want[6][p] : k->down == want[6][p]),
                     "after %s: %s/%d committed at the new log end %" PRId64
                     ": checkpoint %s after "
                     "%" PRId64 "; want it never backwards, never past %" PRId64 ", exact there",
                     how, groups[6], p, c[6][p], ck_str(k, b, sizeof(b)), prev, want[6][p]);
            prev = k->down;
        }
        TH_CHECK(!ck_find(&g_cks, groups[7], p, from, false, NULL),
                 "after %s: %s/%d did not move, yet a checkpoint %s was written", how, groups[7], p,
                 ck_str(ck_find(&g_cks, groups[7], p, from, false, NULL), b, sizeof(b)));
    }
}

/* Stop the mirror with @p sig once its syncs cover every copy, move the
 * groups and add records while it is down, restart it, and check the
 * checkpoints it writes then. */
static void restart_cycle(const char *const *groups, int64_t (*c)[NPART], int64_t (*want)[NPART],
                          int sig, uint64_t *seed)
{
    const char *how = sig == SIGKILL ? "a SIGKILL" : "a SIGTERM";
    int64_t last[NPART];
    for (int p = 0; p < NPART; p++)
        last[p] = last_copied(&g_m, p, g_m.src_end[p]);
    wait_syncs_cover(last);
    int64_t from = th_kafka_end_offset(g_dr.bootstrap, CKTOPIC, 0);
    TH_CHECK(th_mirror_stop(&g_mirror, sig) != TH_STATUS_LOST, "mirror not reaped");
    produce(400);
    restart_offsets(c, want, last, seed);
    for (int g = 0; g < 7; g++)
        th_kafka_commit(g_primary.bootstrap, groups[g], "orders", c[g], NPART);
    th_mirror_restart(&g_mirror);
    wait_caught_up();
    model_read(&g_m, true);
    for (int g = 0; g < 7; g++)
        for (int p = 0; p < NPART; p++)
            want[g][p] = expect_target(&g_m, groups[g], p, c[g][p]);
    ck_wait(groups, 6, c, NULL, from);
    ck_wait(groups + 6, 1, c + 6, want + 6, from);
    /* r-7 must get no checkpoint: give the emitter two more rounds. */
    usleep((useconds_t)th_ms(2000) * 1000);
    ck_read(&g_cks);
    expect_after_restart(groups, c, want, from, how);
}

static void test_checkpoints_restart(void **state)
{
    (void)state;
    static const char *const groups[NB] = {"r-0", "r-1", "r-2", "r-3", "r-4", "r-5", "r-6", "r-7"};
    int64_t c[NB][NPART], want[NB][NPART];
    uint64_t seed = 0x2545f4914f6cdd1dull;
    th_kafka_create_topic(g_primary.bootstrap, "orders", NPART, NULL);
    start_mirror(1, false);
    produce(800);
    produce_gap(1);
    wait_caught_up();
    model_read(&g_m, true);
    for (int g = 0; g < NB; g++) {
        for (int p = 0; p < NPART; p++) {
            c[g][p] = pick(&seed, &g_m, p, g_m.src_end[p]);
            want[g][p] = expect_target(&g_m, groups[g], p, c[g][p]);
        }
        th_kafka_commit(g_primary.bootstrap, groups[g], "orders", c[g], NPART);
    }
    ck_wait(groups, NB, c, want, 0);
    restart_cycle(groups, c, want, SIGTERM, &seed);
    restart_cycle(groups, c, want, SIGKILL, &seed);
}

/* --- C: group offset sync ------------------------------------------------- */

#define SYNC_S 2

/* Wait until @p group's offsets on dr are @p want, at most @p limit_ms
 * after @p t0 (the time of @p since, for messages); a value seen on the
 * way other than @p prev (what was there before) fails. */
static void expect_synced(const char *group, const int64_t *prev, const int64_t *want, int64_t t0,
                          const char *since, int limit_ms)
{
    int64_t got[NPART], deadline = t0 + th_ms(30000);
    for (;;) {
        int ok = 0;
        th_kafka_group_offsets(g_dr.bootstrap, group, REMOTE, got, NPART);
        for (int p = 0; p < NPART; p++) {
            TH_CHECK(got[p] == prev[p] || got[p] == want[p],
                     "%s/%d on dr: %" PRId64 " committed, want %" PRId64 " (the truth; before: "
                     "%" PRId64 ")",
                     group, p, got[p], want[p], prev[p]);
            ok += got[p] == want[p];
        }
        int64_t took = th_mc_now_ms() - t0;
        if (ok == NPART) {
            TH_CHECK(took <= limit_ms, "%s: synced to dr %" PRId64 " ms after %s, limit %d ms",
                     group, took, since, limit_ms);
            print_message("%s: synced to dr %" PRId64 " ms after %s (limit %d ms)\n", group, took,
                          since, limit_ms);
            return;
        }
        TH_CHECK(th_mc_now_ms() < deadline,
                 "%s: offsets on dr after %d ms: %" PRId64 "/%" PRId64 "/%" PRId64 "/%" PRId64
                 ", want %" PRId64 "/%" PRId64 "/%" PRId64 "/%" PRId64 "; /v1/checkpoints of "
                 "partition 0: %s",
                 group, th_ms(30000), got[0], got[1], got[2], got[3], want[0], want[1], want[2],
                 want[3], http_view(group, 0));
        usleep(100 * 1000);
    }
}

/* /v1/checkpoints says why @p group is left alone on dr. */
static void expect_skipped(const char *group, int64_t t0)
{
    int64_t deadline = t0 + th_ms(3 * SYNC_S * 1000 + 5000), members = -1;
    const char *sync = NULL;
    for (;;) {
        json_t *grp, *j = http_ck(group, &grp);
        int_of(grp, "target_members", &members);
        sync = json_string_value(json_object_get(grp, "offset_sync"));
        bool ok = members >= 1 && sync && strncmp(sync, "skipped", 7) == 0;
        char seen[128];
        snprintf(seen, sizeof(seen), "%s", sync ? sync : "(none)");
        json_decref(j);
        if (ok)
            return;
        TH_CHECK(th_mc_now_ms() < deadline,
                 "%s: /v1/checkpoints shows target_members %" PRId64 ", offset_sync \"%s\"; want "
                 ">= 1 and \"skipped...\"",
                 group, members, seen);
        usleep(200 * 1000);
    }
}

/* The busy group: a member on dr keeps the mirror and `xdc checkpoints
 * apply` off its offsets; once it leaves, the mirror syncs them. */
static void expect_busy_left_alone(const int64_t *c, const int64_t *want)
{
    int64_t got[NPART], t0;
    g_member = th_kafka_member_start(g_dr.bootstrap, "busy", REMOTE);
    for (t0 = th_mc_now_ms(); th_kafka_member_assigned(g_member) < NPART; usleep(100 * 1000))
        TH_CHECK(th_mc_now_ms() - t0 < th_ms(30000), "busy: the member on dr got no assignment");
    th_kafka_commit(g_primary.bootstrap, "busy", "orders", c, NPART);
    t0 = th_mc_now_ms();
    expect_skipped("busy", t0);
    /* Give the mirror three rounds to (wrongly) sync the group. */
    while (th_mc_now_ms() - t0 < 3 * SYNC_S * 1000)
        usleep(100 * 1000);
    th_kafka_group_offsets(g_dr.bootstrap, "busy", REMOTE, got, NPART);
    for (int p = 0; p < NPART; p++)
        TH_CHECK(got[p] == -1, "busy/%d on dr: %" PRId64 " committed while it had a member", p,
                 got[p]);
    char *out, *err;
    int st = apply("busy", false, &out, &err);
    TH_CHECK(st == 1 && (strstr(out, "member") || strstr(err, "member")),
             "xdc checkpoints apply --group busy with a member on dr: exit %d, want 1 and a word "
             "about its member: %s%s",
             st, out, err);
    free(out);
    free(err);
    st = apply("busy", true, &out, &err);
    json_t *j = parse("xdc checkpoints apply --json", out);
    json_t *g = json_array_get(json_object_get(j, "groups"), 0);
    const char *why = json_string_value(json_object_get(g, "error"));
    TH_CHECK(st == 1 && str_is(g, "group", "busy") &&
                 json_is_false(json_object_get(g, "applied")) && why && strstr(why, "member"),
             "xdc checkpoints apply --group busy --json: exit %d: %s", st, out);
    json_decref(j);
    free(out);
    free(err);
    th_kafka_group_offsets(g_dr.bootstrap, "busy", REMOTE, got, NPART);
    for (int p = 0; p < NPART; p++)
        TH_CHECK(got[p] == -1, "busy/%d on dr: %" PRId64 " committed by a refused apply", p,
                 got[p]);
    th_kafka_member_stop(g_member);
    g_member = NULL;
    expect_synced("busy", got, want, th_mc_now_ms(), "its member left", th_ms(30000));
}

static void test_checkpoints_group_sync(void **state)
{
    (void)state;
    int64_t c[NPART], want[NPART], busy_c[NPART], busy_want[NPART], got[NPART];
    uint64_t seed = 0xd1b54a32d192ed03ull;
    th_kafka_create_topic(g_primary.bootstrap, "orders", NPART, NULL);
    start_mirror(SYNC_S, true);
    produce(800);
    produce_gap(3);
    wait_caught_up();
    model_read(&g_m, true);
    c[0] = pick(&seed, &g_m, 0, g_m.src_end[0]);
    c[1] = gap_at_or_after(&g_m, 1, g_m.src_end[1] / 3, g_m.src_end[1]);
    c[2] = g_m.src_end[2];
    c[3] = g_m.src_end[3] - 1; /* the skipped record at the end */
    for (int p = 0; p < NPART; p++) {
        want[p] = expect_target(&g_m, "idle", p, c[p]);
        busy_c[p] = pick(&seed, &g_m, p, g_m.src_end[p]);
        busy_want[p] = expect_target(&g_m, "busy", p, busy_c[p]);
    }
    th_kafka_group_offsets(g_dr.bootstrap, "idle", REMOTE, got, NPART);
    for (int p = 0; p < NPART; p++)
        TH_CHECK(got[p] == -1, "idle/%d on dr: %" PRId64 " committed before the test", p, got[p]);
    /* Measured from the commit's return: up to refresh.groups.interval.seconds
     * (1 s) before the mirror lists the new group, then at most one
     * checkpoint round and one sync round (2 x interval); 1 s more for the
     * requests and this loop's polling. */
    th_kafka_commit(g_primary.bootstrap, "idle", "orders", c, NPART);
    expect_synced("idle", got, want, th_mc_now_ms(), "the commit", th_ms(2 * SYNC_S * 1000 + 2000));
    expect_http_exact("idle", c, want, "synced");
    json_t *grp, *j = http_ck("idle", &grp);
    int64_t members;
    TH_CHECK(int_of(grp, "target_members", &members) && members == 0,
             "idle: /v1/checkpoints shows target_members %" PRId64 ", want 0", members);
    json_decref(j);
    /* The group moves on over new records while the mirror runs: synced
     * again (forward: the mirror, as MirrorMaker 2, never rewinds a target
     * group), and the latency from the commit observed. */
    produce(200);
    wait_caught_up();
    model_read(&g_m, true);
    memcpy(got, want, sizeof(got));
    for (int p = 0; p < NPART; p++) {
        int64_t u, end = g_m.src_end[p];
        do
            u = c[p] + 1 + (int64_t)(rnd(&seed) % (uint64_t)(end - c[p]));
        while (expect_target(&g_m, "idle", p, u) <= want[p]);
        c[p] = p == 2 ? end : u;
        want[p] = expect_target(&g_m, "idle", p, c[p]);
    }
    th_kafka_commit(g_primary.bootstrap, "idle", "orders", c, NPART);
    expect_synced("idle", got, want, th_mc_now_ms(), "the commit", th_ms(2 * SYNC_S * 1000 + 2000));
    expect_http_exact("idle", c, want, "synced");
    expect_busy_left_alone(busy_c, busy_want);
    char *text = metrics();
    expect_metric_min(text, "xdc_mirror_group_offset_syncs_total", 3);
    expect_metric_min(text, "xdc_mirror_checkpoints_total", 3 * NPART);
    expect_metric_min(text, "xdc_mirror_checkpoint_latency_seconds_count", NPART);
    free(text);
}

/* --- D: truncation ---------------------------------------------------------- */

static void test_checkpoints_truncated(void **state)
{
    (void)state;
    const char *group[1] = {"trunc"};
    int64_t c_old[1][NPART], want_old[1][NPART], c[1][NPART], want[1][NPART], e[NPART];
    uint64_t seed = 0x8cb92ba72f3d8dd7ull;
    char b[256];
    th_kafka_create_topic(g_primary.bootstrap, "orders", NPART, NULL);
    start_mirror(1, false);
    produce(800);
    wait_caught_up();
    model_read(&g_m, true);
    for (int p = 0; p < NPART; p++) {
        c_old[0][p] = pick(&seed, &g_m, p, g_m.src_end[p]);
        want_old[0][p] = expect_target(&g_m, "trunc", p, c_old[0][p]);
    }
    th_kafka_commit(g_primary.bootstrap, "trunc", "orders", c_old[0], NPART);
    ck_wait(group, 1, c_old, want_old, 0);
    memcpy(e, g_m.src_end, sizeof(e));
    int64_t from = th_kafka_end_offset(g_dr.bootstrap, CKTOPIC, 0);
    TH_CHECK(th_mirror_stop(&g_mirror, SIGTERM) != TH_STATUS_LOST, "mirror not reaped");
    produce(800);
    for (int p = 0; p < NPART; p++)
        c[0][p] = e[p] + 50;
    th_kafka_commit(g_primary.bootstrap, "trunc", "orders", c[0], NPART);
    model_read(&g_m, true);
    /* Partitions 0 and 1 lose the 100 records after the mirror's position,
     * the group's commit among them. */
    for (int p = 0; p < 2; p++) {
        g_m.lost_from[p] = e[p];
        g_m.lost_to[p] = e[p] + 100;
        th_kafka_delete_records(g_primary.bootstrap, "orders", p, g_m.lost_to[p]);
    }
    th_mirror_restart(&g_mirror);
    wait_caught_up();
    model_read(&g_m, false);
    for (int p = 0; p < NPART; p++)
        want[0][p] = expect_target(&g_m, "trunc", p, c[0][p]);
    int64_t c23[1][NPART] = {{-1, -1, c[0][2], c[0][3]}};
    ck_wait(group, 1, c23, NULL, from);
    for (int p = 0; p < NPART; p++) {
        const ck_t *k = ck_find(&g_cks, "trunc", p, from, true, NULL);
        if (p < 2)
            TH_CHECK(!k,
                     "trunc/%d: committed at %" PRId64 ", inside records deleted before being "
                     "copied: want no checkpoint, got %s",
                     p, c[0][p], ck_str(k, b, sizeof(b)));
        else
            TH_CHECK(k && !k->inexact[0] && k->down == want[0][p],
                     "trunc/%d: checkpoint %s, want %" PRId64 " -> %" PRId64 " exact", p,
                     ck_str(k, b, sizeof(b)), c[0][p], want[0][p]);
    }
    /* /v1/checkpoints: partitions 0 and 1 truncated, their last checkpoint
     * still the one from before the stop; 2 and 3 exact. */
    int64_t deadline = th_mc_now_ms() + th_ms(10000);
    for (;;) {
        json_t *grp, *j = http_ck("trunc", &grp);
        int ok = 0;
        char seen[512] = "";
        for (int p = 0; p < NPART; p++) {
            json_t *x = http_part(grp, p);
            int64_t so, to, cso, cto;
            int_of(x, "source_offset", &so);
            int_of(x, "target_offset", &to);
            int_of(x, "checkpoint_source_offset", &cso);
            int_of(x, "checkpoint_target_offset", &cto);
            bool exact = json_is_true(json_object_get(x, "exact"));
            const char *why = json_string_value(json_object_get(x, "reason"));
            bool good = p < 2 ? so == c[0][p] && !exact && why &&
                                    strcmp(why, "source truncated") == 0 && cso == c_old[0][p] &&
                                    cto == want_old[0][p]
                              : so == c[0][p] && exact && to == want[0][p] && cso == c[0][p] &&
                                    cto == want[0][p];
            ok += good;
            if (!good && !seen[0])
                snprintf(seen, sizeof(seen),
                         "trunc/%d: source %" PRId64 " -> %" PRId64 " %s (%s), checkpoint "
                         "%" PRId64 " -> %" PRId64 "; want source %" PRId64 " %s, checkpoint "
                         "%" PRId64 " -> %" PRId64,
                         p, so, to, exact ? "exact" : "inexact", why ? why : "-", cso, cto, c[0][p],
                         p < 2 ? "\"source truncated\"" : "exact", p < 2 ? c_old[0][p] : c[0][p],
                         p < 2 ? want_old[0][p] : want[0][p]);
        }
        json_decref(j);
        if (ok == NPART)
            break;
        TH_CHECK(th_mc_now_ms() < deadline, "/v1/checkpoints?group=trunc: %s", seen);
        usleep(200 * 1000);
    }
    /* `xdc translate` says the same. */
    const char *args[] = {"translate", "--config", g_mirror.conf_path, "--flow", FLOW,
                          "--group",   "trunc",    "--json",           NULL};
    char *out, *err;
    int st = xdc(args, &out, &err);
    TH_CHECK(st == 0, "xdc translate --group trunc: exit %d: %s", st, err);
    json_t *j = parse("xdc translate", out), *x;
    size_t i;
    json_array_foreach(json_object_get(j, "partitions"), i, x)
    {
        int64_t p = -1, t = -1;
        int_of(x, "partition", &p);
        bool has_t = int_of(x, "translated", &t);
        bool exact = json_is_true(json_object_get(x, "exact"));
        TH_CHECK(p >= 2 ? exact && has_t && t == want[0][p]
                        : !exact && str_is(x, "reason", "source truncated"),
                 "xdc translate trunc/%" PRId64 ": %" PRId64 " %s (%s)", p, t,
                 exact ? "exact" : "inexact", str_or(x, "reason", "-"));
    }
    TH_CHECK(json_array_size(json_object_get(j, "partitions")) == NPART, "xdc translate trunc: %s",
             out);
    json_decref(j);
    free(out);
    free(err);
    char *text = metrics();
    double n =
        metric(text, "xdc_mirror_checkpoint_inexact_partitions", "reason=\"source truncated\"");
    TH_CHECK(n >= 2, "/metrics: %g partitions inexact for \"source truncated\", want >= 2", n);
    free(text);
}

/* --- E: usage --------------------------------------------------------------- */

static void expect_usage(const char *const *args, const char *needle, const char *what)
{
    char *out, *err;
    int st = xdc(args, &out, &err);
    TH_CHECK(st == 2 && strstr(err, needle), "%s: exit %d, want 2 and \"%s\" on stderr: %s%s", what,
             st, needle, err, out);
    free(out);
    free(err);
}

static void test_checkpoints_usage(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/m.properties", g_dir);
    TH_CHECK(th_write_file(path, "clusters = a, b\na.bootstrap.servers = 127.0.0.1:1\n"
                                 "b.bootstrap.servers = 127.0.0.1:1\na->b.enabled = true\n") == 0,
             "write %s", path);
    const char *no_flow[] = {"checkpoints", "apply", "--config", path, "--group", "g", NULL};
    expect_usage(no_flow, "--flow", "xdc checkpoints apply without --flow");
    const char *bad_flow[] = {"checkpoints", "apply", "--config", path, "--flow", "b->a", NULL};
    expect_usage(bad_flow, "b->a", "xdc checkpoints apply --flow b->a (no such flow)");
    const char *bad_cmd[] = {"checkpoints", "frobnicate", "--config", path, NULL};
    expect_usage(bad_cmd, "frobnicate", "xdc checkpoints frobnicate");
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_checkpoints_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoints_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoints_group_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoints_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoints_usage, setup_usage, teardown),
    };
    return cmocka_run_group_tests_name("mirror_checkpoints", tests, NULL, NULL);
}
