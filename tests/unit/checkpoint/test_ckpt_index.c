/* The offset-sync index: exact translation from the syncs xdc-mirror's
 * emitter (mirror/mir_sync.h) writes, and safe answers from any others. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "checkpoint/checkpoint.h"
#include "common/err.h"
#include "mirror/mir_sync.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T  "orders"
#define TL (sizeof(T) - 1)

/* Add sync (up, down) of T/0 with header prev "pu:pd" (none when pu < 0). */
static int add(ckpt_index_t *ix, int64_t up, int64_t down, int64_t pu, int64_t pd)
{
    ckpt_offset_sync_t s = {T, TL, 0, up, down};
    char prev[64];
    int n = snprintf(prev, sizeof(prev), "%" PRId64 ":%" PRId64, pu, pd);
    return ckpt_index_add(ix, &s, pu >= 0 ? prev : NULL, pu >= 0 ? (size_t)n : 0);
}

static void expect(const ckpt_index_t *ix, int64_t up, int64_t log_start, int64_t want,
                   ckpt_inexact_t why)
{
    ckpt_translation_t tr;
    ckpt_index_translate(ix, T, TL, 0, up, log_start, &tr);
    if (tr.offset != want || tr.inexact != why)
        fail_msg(
            "translate %" PRId64 " (log start %" PRId64 "): %" PRId64 " %s, want %" PRId64 " %s",
            up, log_start, tr.offset, ckpt_inexact_str(tr.inexact), want, ckpt_inexact_str(why));
}

static void test_ckpt_index_lines_and_breaks(void **state)
{
    (void)state;
    ckpt_index_t *ix = ckpt_index_new();
    expect(ix, 5, -1, -1, CKPT_NO_SYNC);
    /* Source 10..19 -> target 100..109, a source gap (20..24 compacted),
     * 25..29 -> 110..114, a target gap (another writer at 115..117),
     * 30.. -> 118.. */
    add(ix, 10, 100, -1, -1);
    add(ix, 19, 109, 10, 100);
    add(ix, 25, 110, 19, 109);
    add(ix, 29, 114, 25, 110);
    add(ix, 30, 118, 29, 114);
    add(ix, 40, 128, 30, 118);
    expect(ix, 9, -1, -1, CKPT_BEFORE_HISTORY);
    expect(ix, 9, 10, -1, CKPT_SOURCE_TRUNCATED);
    expect(ix, 10, -1, 100, CKPT_EXACT);
    expect(ix, 15, -1, 105, CKPT_EXACT);
    expect(ix, 19, -1, 109, CKPT_EXACT);
    for (int u = 20; u <= 25; u++)
        expect(ix, u, -1, 110, CKPT_EXACT); /* the first record at or after u is 25 */
    expect(ix, 27, -1, 112, CKPT_EXACT);
    expect(ix, 30, -1, 118, CKPT_EXACT);
    expect(ix, 35, -1, 123, CKPT_EXACT);
    expect(ix, 41, -1, 129, CKPT_EXACT); /* the log end: where the next copy goes */
    expect(ix, 45, -1, 129, CKPT_NOT_REPLICATED);
    /* Deleted on the source before they were mirrored: 20..24 were not
     * compacted but truncated away. */
    expect(ix, 22, 25, 110, CKPT_SOURCE_TRUNCATED);
    /* Mirrored before the truncation: still exact. */
    expect(ix, 15, 25, 105, CKPT_EXACT);
    ckpt_index_free(ix);
}

/* MirrorMaker 2's syncs carry no link: between two of them the index
 * answers one past the lower, as MM2 does. */
static void test_ckpt_index_unlinked_is_conservative(void **state)
{
    (void)state;
    ckpt_index_t *ix = ckpt_index_new();
    add(ix, 10, 100, -1, -1);
    add(ix, 20, 110, -1, -1);
    add(ix, 30, 150, 25, 145); /* its predecessor never arrived */
    expect(ix, 10, -1, 100, CKPT_EXACT);
    expect(ix, 15, -1, 101, CKPT_SYNCS_MISSING);
    expect(ix, 25, -1, 111, CKPT_SYNCS_MISSING);
    expect(ix, 30, -1, 150, CKPT_EXACT);
    /* The missing one arrives late (a previous owner's last sync, after
     * the next owner's first): the range becomes exact. */
    add(ix, 25, 145, 20, 110);
    expect(ix, 22, -1, 145, CKPT_EXACT);
    expect(ix, 27, -1, 147, CKPT_EXACT); /* 25..30 on one line */
    ckpt_index_free(ix);
}

static void test_ckpt_index_regressions_reset(void **state)
{
    (void)state;
    ckpt_index_t *ix = ckpt_index_new();
    add(ix, 10, 100, -1, -1);
    add(ix, 20, 110, 10, 100);
    /* The target topic was recreated: its offsets start over. */
    add(ix, 30, 0, 20, 110);
    expect(ix, 15, -1, -1, CKPT_TARGET_REGRESSED);
    expect(ix, 30, -1, 0, CKPT_EXACT);
    expect(ix, 31, -1, 1, CKPT_EXACT);
    /* The source topic was recreated: its offsets start over. */
    add(ix, 0, 5, -1, -1);
    expect(ix, 0, -1, 5, CKPT_EXACT);
    add(ix, 10, 15, 0, 5);
    expect(ix, 5, -1, 10, CKPT_EXACT);
    ckpt_index_free(ix);

    ix = ckpt_index_new();
    add(ix, 10, 100, -1, -1);
    add(ix, 12, 100, 10, 100); /* downstream repeated: regressed */
    expect(ix, 11, -1, -1, CKPT_TARGET_REGRESSED);
    /* The same source record copied twice (a crash): the first copy counts. */
    add(ix, 12, 101, 10, 100);
    expect(ix, 12, -1, 100, CKPT_EXACT);
    ckpt_index_free(ix);
}

static void test_ckpt_index_bad_input(void **state)
{
    (void)state;
    ckpt_index_t *ix = ckpt_index_new();
    ckpt_offset_sync_t s = {T, TL, 0, 10, 100};
    assert_int_equal(ckpt_index_add(ix, &s, "10-100", 6), XDC_EMALFORMED);
    assert_int_equal(ckpt_index_add(ix, &s, "x:1", 3), XDC_EMALFORMED);
    assert_int_equal(ckpt_index_add(ix, &s, "", 0), XDC_EMALFORMED);
    s.upstream_offset = -1;
    assert_int_equal(ckpt_index_add(ix, &s, NULL, 0), XDC_EMALFORMED);
    /* A malformed link still adds the sync, unlinked. */
    assert_int_equal(add(ix, 10, 100, -1, -1), 0);
    s = (ckpt_offset_sync_t){T, TL, 0, 20, 110};
    assert_int_equal(ckpt_index_add(ix, &s, "10:100:7", 8), XDC_EMALFORMED);
    expect(ix, 15, -1, 101, CKPT_SYNCS_MISSING);
    /* Partitions and topics are apart, including topics that share a prefix. */
    ckpt_offset_sync_t o = {"order", 5, 0, 10, 7};
    assert_int_equal(ckpt_index_add(ix, &o, NULL, 0), 0);
    ckpt_translation_t tr;
    ckpt_index_translate(ix, "order", 5, 0, 10, -1, &tr);
    assert_int_equal(tr.offset, 7);
    ckpt_index_translate(ix, T, TL, 1, 10, -1, &tr);
    assert_int_equal(tr.inexact, CKPT_NO_SYNC);
    ckpt_index_free(ix);
    ckpt_index_free(NULL);
}

/* A long line keeps two points however many syncs describe it; breaks
 * are kept until the cap drops the oldest. */
static void test_ckpt_index_memory(void **state)
{
    (void)state;
    ckpt_index_t *ix = ckpt_index_new();
    int64_t pu = -1, pd = -1;
    for (int64_t up = 0; up < 1000000; up += 100) {
        add(ix, up, up + 7, pu, pd);
        pu = up;
        pd = up + 7;
    }
    assert_int_equal(ckpt_index_points(ix, T, TL, 0), 2);
    expect(ix, 123456, -1, 123463, CKPT_EXACT);
    /* Every record a break (a source gap of one). */
    int64_t down = pd, end = pu + 2 * (CKPT_INDEX_MAX_POINTS + 10);
    for (int64_t up = pu + 2; up < end; up += 2) {
        add(ix, up, ++down, pu, pd);
        pu = up;
        pd = down;
    }
    assert_true(ckpt_index_points(ix, T, TL, 0) <= CKPT_INDEX_MAX_POINTS);
    expect(ix, 123456, -1, -1, CKPT_BEFORE_HISTORY);
    expect(ix, pu - 1, -1, pd, CKPT_EXACT);
    ckpt_index_free(ix);
}

/* --- against the mirror's emitter ------------------------------------------ */

typedef struct sim_sync {
    mir_sync_point_t pt;
} sim_sync_t;

typedef struct sim {
    int64_t *down_of; /* down_of[up]: target offset of source record up; -1: not mirrored */
    int64_t nup;
    sim_sync_t *syncs;
    size_t nsyncs, cap;
    /* After a crash, offsets between the last sync before it and the first
     * after it may be inexact: (lo[i], hi[i]). */
    int64_t lo[256], hi[256];
    int nwin;
} sim_t;

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void sim_push(sim_t *s, const mir_sync_point_t *pt)
{
    if (s->nsyncs == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->syncs = realloc(s->syncs, s->cap * sizeof(*s->syncs));
    }
    s->syncs[s->nsyncs++].pt = *pt;
}

/* Mirror @p n source offsets: source gaps, target gaps (never both at one
 * record: that case is beyond the format, see mir_sync.h), flushes,
 * restarts (clean: flushed; crash: the delayed point is lost) and a
 * previous owner's last sync landing after the next owner's first. */
static void simulate(sim_t *s, int64_t n, int64_t lag_max, bool crashes)
{
    mir_sync_part_t st;
    mir_sync_point_t pts[2], fl;
    int64_t down = 1000, last_up = -1, last_down = -1;
    mir_sync_part_init(&st);
    s->down_of = malloc((size_t)n * sizeof(int64_t));
    s->nup = n;
    s->nwin = 0;
    for (int64_t up = 0; up < n; up++) {
        uint64_t r = rnd() % 1000;
        s->down_of[up] = -1;
        if (up > 0 && r < 60)
            continue; /* a source gap: compacted record, transaction marker */
        if (up > 0 && r >= 60 && r < 90 && s->down_of[up - 1] >= 0)
            down += 1 + (int64_t)(rnd() % 3); /* a target gap: another writer, a retry */
        s->down_of[up] = down;
        int k = mir_sync_ack(&st, up, down, lag_max, pts);
        for (int i = 0; i < k; i++)
            sim_push(s, &pts[i]);
        last_up = up;
        last_down = down;
        down++;
        r = rnd() % 1000;
        if (r < 20 && mir_sync_flush(&st, &fl) == 1)
            sim_push(s, &fl);
        if (r >= 20 && r < 24) {
            /* A restart: the new life reads the target's tail. */
            bool crash = crashes && r == 20;
            size_t before = s->nsyncs;
            if (!crash && mir_sync_flush(&st, &fl) == 1)
                sim_push(s, &fl);
            if (crash && st.last_sync_up >= 0 && s->nwin < 256 &&
                (s->nwin == 0 || s->hi[s->nwin - 1] != INT64_MAX)) {
                s->lo[s->nwin] = st.last_sync_up;
                s->hi[s->nwin++] = INT64_MAX; /* until the next life's first sync */
            }
            mir_sync_part_seed(&st, last_up, last_down);
            if (!crash && r == 21 && s->nsyncs == before + 1 && up + 1 < n) {
                /* The flushed sync is delivered after the next life's first
                 * sync: hold it back one. */
                sim_sync_t held = s->syncs[--s->nsyncs];
                int64_t up2 = ++up;
                s->down_of[up2] = down;
                int k2 = mir_sync_ack(&st, up2, down, 0, pts);
                for (int i = 0; i < k2; i++)
                    sim_push(s, &pts[i]);
                last_up = up2;
                last_down = down++;
                sim_push(s, &held.pt);
            }
        } else if (s->nwin > 0 && s->hi[s->nwin - 1] == INT64_MAX &&
                   s->syncs[s->nsyncs - 1].pt.upstream > s->lo[s->nwin - 1]) {
            s->hi[s->nwin - 1] = s->syncs[s->nsyncs - 1].pt.upstream;
        }
    }
    if (mir_sync_flush(&st, &fl) == 1)
        sim_push(s, &fl);
}

/* The exact answer for @p u: the target offset of the first mirrored
 * record at or after u, or one past the last. */
static int64_t truth(const sim_t *s, int64_t u)
{
    for (int64_t x = u; x < s->nup; x++)
        if (s->down_of[x] >= 0)
            return s->down_of[x];
    for (int64_t x = s->nup - 1; x >= 0; x--)
        if (s->down_of[x] >= 0)
            return s->down_of[x] + 1;
    return -1;
}

static void check_sim(int64_t n, int64_t lag_max, bool crashes)
{
    sim_t s = {0};
    simulate(&s, n, lag_max, crashes);
    ckpt_index_t *ix = ckpt_index_new();
    for (size_t i = 0; i < s.nsyncs; i++) {
        const mir_sync_point_t *pt = &s.syncs[i].pt;
        ckpt_offset_sync_t os = {T, TL, 0, pt->upstream, pt->downstream};
        char prev[64];
        int len = snprintf(prev, sizeof(prev), "%" PRId64 ":%" PRId64, pt->prev_upstream,
                           pt->prev_downstream);
        assert_int_equal(ckpt_index_add(ix, &os, pt->prev_upstream >= 0 ? prev : NULL, (size_t)len),
                         0);
    }
    int64_t inexact = 0, next = -1, last_up = n - 1;
    while (last_up >= 0 && s.down_of[last_up] < 0)
        last_up--;
    /* From the first mirrored record to one past the last, reusing the
     * truth walking backwards. */
    for (int64_t u = n; u >= 0; u--) {
        if (u < n && s.down_of[u] >= 0)
            next = s.down_of[u];
        int64_t want = u == n ? truth(&s, u) : next >= 0 ? next : truth(&s, u);
        ckpt_translation_t tr;
        ckpt_index_translate(ix, T, TL, 0, u, -1, &tr);
        if (tr.offset > want)
            fail_msg("offset %" PRId64 ": %" PRId64 " is past the right %" PRId64 " (%s)", u,
                     tr.offset, want, ckpt_inexact_str(tr.inexact));
        /* Source gaps at the end look like records not replicated yet. */
        bool may_be_inexact = u > last_up + 1 && tr.inexact == CKPT_NOT_REPLICATED;
        for (int w = 0; w < s.nwin; w++)
            may_be_inexact |= u > s.lo[w] && u < s.hi[w];
        if (tr.inexact == CKPT_EXACT && tr.offset != want)
            fail_msg("offset %" PRId64 ": %" PRId64 " claimed exact, right is %" PRId64, u,
                     tr.offset, want);
        if (tr.inexact != CKPT_EXACT) {
            inexact++;
            if (!may_be_inexact)
                fail_msg("offset %" PRId64 ": inexact (%s) outside a crash window", u,
                         ckpt_inexact_str(tr.inexact));
        }
    }
    if (!crashes)
        assert_true(inexact <= n - 1 - last_up);
    else
        assert_true(s.nwin > 0);
    ckpt_index_free(ix);
    free(s.down_of);
    free(s.syncs);
}

static void test_ckpt_index_exact_from_emitter(void **state)
{
    (void)state;
    for (int round = 0; round < 20; round++) {
        check_sim(20000, 100, false);
        check_sim(5000, 1, false);
        check_sim(5000, 0, false);
    }
}

static void test_ckpt_index_safe_after_crashes(void **state)
{
    (void)state;
    for (int round = 0; round < 20; round++)
        check_sim(20000, 100, true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ckpt_index_lines_and_breaks),
        cmocka_unit_test(test_ckpt_index_unlinked_is_conservative),
        cmocka_unit_test(test_ckpt_index_regressions_reset),
        cmocka_unit_test(test_ckpt_index_bad_input),
        cmocka_unit_test(test_ckpt_index_memory),
        cmocka_unit_test(test_ckpt_index_exact_from_emitter),
        cmocka_unit_test(test_ckpt_index_safe_after_crashes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
