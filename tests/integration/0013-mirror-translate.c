/* `xdc translate` between two xdc-broker clusters with a running mirror:
 * 20 consumer groups commit offsets on the source (0, the log end and
 * random ones) of a topic whose target copy has gaps (another writer adds
 * records to it mid-stream) and whose mirror was restarted in the middle;
 * every translation is exact, and a consumer starting at the translated
 * offset on the target reads, as its first record, the copy of the record
 * the group committed on the source (checked through xdc.src). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/lib/th_broker.h"
#include "tests/lib/th_kafka.h"
#include "tests/lib/th_mcheck.h"
#include "tests/lib/th_mirror.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NPART   4
#define NGROUPS 20

static th_broker_t g_primary, g_dr;
static th_pair_t g_pair;
static th_mirror_t g_mirror;
static const char *g_dir;

static int setup(void **state)
{
    (void)state;
    g_dir = th_tmpdir();
    g_pair = th_pair_start(&g_primary, &g_dr, g_dir, NULL);
    memset(&g_mirror, 0, sizeof(g_mirror));
    return 0;
}

static int teardown(void **state)
{
    th_mc_stop(NULL, (th_mirror_t *const[]){&g_mirror}, 1);
    return th_teardown(state);
}

/* `xdc translate --json` for @p group.  @return caller-owned. */
static json_t *translate(const char *group)
{
    const char *argv[] = {th_bin("xdc"), "translate", "--config", g_mirror.conf_path, "--flow",
                          "primary->dr", "--group",   group,      "--json",           NULL};
    char *out = NULL, *err = NULL;
    int status = -1;
    TH_CHECK(th_run_split(argv, th_ms(60000), &status, &out, &err) == 0 && status == 0,
             "xdc translate --group %s: exit %d: %s", group, status, err ? err : "");
    json_error_t je;
    json_t *j = json_loads(out, 0, &je);
    TH_CHECK(j, "xdc translate --group %s: not JSON (%s): %s", group, je.text, out);
    free(out);
    free(err);
    return j;
}

/* The target copy at offset @p off of partition @p p, or NULL. */
static const th_rec_t *at(const th_recs_t *dst, int p, int64_t off)
{
    for (size_t i = 0; i < dst->count; i++)
        if (dst->v[i].partition == p && dst->v[i].offset == off)
            return &dst->v[i];
    return NULL;
}

/* Check @p group's translation: exact on every partition, and the first
 * record at the translated offset is the copy of the committed record
 * (or, at the log end, the target's log end). */
static void expect_exact(const char *group, const int64_t *committed, const int64_t *src_end,
                         const int64_t *dst_end, const th_recs_t *dst)
{
    json_t *j = translate(group), *e;
    size_t i, n = 0;
    json_array_foreach(json_object_get(j, "partitions"), i, e)
    {
        int p = (int)json_integer_value(json_object_get(e, "partition"));
        int64_t u = json_integer_value(json_object_get(e, "committed"));
        json_t *t = json_object_get(e, "translated");
        const char *why = json_string_value(json_object_get(e, "reason"));
        TH_CHECK(p >= 0 && p < NPART && u == committed[p],
                 "%s/%d: committed %" PRId64 ", want %" PRId64, group, p, u,
                 p >= 0 && p < NPART ? committed[p] : -1);
        TH_CHECK(json_is_true(json_object_get(e, "exact")) && json_is_integer(t),
                 "%s/%d at %" PRId64 ": not exact: %s", group, p, u, why ? why : "?");
        int64_t off = json_integer_value(t);
        if (u == src_end[p]) {
            TH_CHECK(off == dst_end[p],
                     "%s/%d at the log end: %" PRId64 ", target ends at %" PRId64, group, p, off,
                     dst_end[p]);
        } else {
            const th_rec_t *r = at(dst, p, off);
            const th_hdr_t *h = r ? th_rec_header(r, "xdc.src") : NULL;
            char want[64];
            int wl = snprintf(want, sizeof(want), "primary:%d:%" PRId64, p, u);
            TH_CHECK(h && h->value_len == (size_t)wl && memcmp(h->value, want, (size_t)wl) == 0,
                     "%s/%d at %" PRId64 ": target offset %" PRId64 " holds %.*s, want %s", group,
                     p, u, off, h ? (int)h->value_len : 6, h ? h->value : "(none)", want);
        }
        n++;
    }
    TH_CHECK(n == NPART, "%s: %zu partitions translated", group, n);
    json_decref(j);
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void test_translate_groups_exact(void **state)
{
    (void)state;
    th_kafka_create_topic(g_primary.bootstrap, "orders", NPART, NULL);
    /* Syncs every 10 records: most offsets are translated on a line
     * between two syncs, not at one. */
    th_mirror_start(&g_mirror, g_dir, th_mc_conf(&g_pair, "offset.lag.max = 10\n"));
    th_mc_wait_assigned(&g_mirror, "orders", NPART);
    th_kafka_produce(g_primary.bootstrap, "orders", NPART, 0, 2000, "orders");
    th_mc_wait_count(g_dr.bootstrap, "primary.orders", NPART, 2000, th_ms(60000), &g_mirror);
    /* Another writer on the target: gaps in the target's offsets. */
    th_kafka_produce(g_dr.bootstrap, "primary.orders", NPART, 0, 4 * NPART, "foreign");
    th_kafka_produce(g_primary.bootstrap, "orders", NPART, 2000, 2000, "orders");
    th_mc_wait_count(g_dr.bootstrap, "primary.orders", NPART, 4000 + 4 * NPART, th_ms(60000),
                     &g_mirror);
    /* A restart in the middle: the new life's syncs link to the old one's. */
    th_mirror_stop(&g_mirror, SIGTERM);
    th_mirror_restart(&g_mirror);
    th_kafka_produce(g_primary.bootstrap, "orders", NPART, 4000, 2000, "orders");
    th_mc_wait_count(g_dr.bootstrap, "primary.orders", NPART, 6000 + 4 * NPART, th_ms(60000),
                     &g_mirror);
    usleep(1500 * 1000); /* the last syncs are flushed every offset.flush.interval.ms */

    int64_t src_end[NPART], dst_end[NPART];
    th_kafka_end_offsets(g_primary.bootstrap, "orders", src_end, NPART);
    th_kafka_end_offsets(g_dr.bootstrap, "primary.orders", dst_end, NPART);
    th_recs_t dst = {0};
    th_kafka_consume_all(g_dr.bootstrap, "primary.orders", &dst, th_ms(60000));
    uint64_t seed = 0x2545f4914f6cdd1dull;
    for (int g = 0; g < NGROUPS; g++) {
        char group[32];
        int64_t committed[NPART];
        snprintf(group, sizeof(group), "app-%d", g);
        for (int p = 0; p < NPART; p++)
            committed[p] = g == 0   ? 0
                           : g == 1 ? src_end[p]
                                    : (int64_t)(rnd(&seed) % (uint64_t)(src_end[p] + 1));
        th_kafka_commit(g_primary.bootstrap, group, "orders", committed, NPART);
        expect_exact(group, committed, src_end, dst_end, &dst);
    }
    th_recs_free(&dst);
}

/* Bad usage is refused before anything is read. */
static void test_translate_usage(void **state)
{
    (void)state;
    char path[600], *out = NULL, *err = NULL;
    int status = -1;
    snprintf(path, sizeof(path), "%s/m.properties", g_dir);
    TH_CHECK(th_write_file(path, "clusters = a, b\na.bootstrap.servers = 127.0.0.1:1\n"
                                 "b.bootstrap.servers = 127.0.0.1:1\na->b.enabled = true\n") == 0,
             "write %s", path);
    const char *no_flow[] = {th_bin("xdc"), "translate", "--config", path, "--flow",
                             "b->a",        "--group",   "g",        NULL};
    TH_CHECK(th_run_split(no_flow, th_ms(20000), &status, &out, &err) == 0 && status == 2 &&
                 strstr(err, "no enabled flow 'b->a'"),
             "unknown flow: exit %d: %s", status, err);
    free(out);
    free(err);
    const char *no_group[] = {th_bin("xdc"), "translate", "--config", path, "--flow", "a->b", NULL};
    TH_CHECK(th_run_split(no_group, th_ms(20000), &status, &out, &err) == 0 && status == 2 &&
                 strstr(err, "--group"),
             "missing --group: exit %d: %s", status, err);
    free(out);
    free(err);
    /* Nothing listens on port 1: a clear failure, exit 1. */
    const char *down[] = {th_bin("xdc"), "translate", "--config",     path,   "--flow", "a->b",
                          "--group",     "g",         "--timeout-ms", "2000", NULL};
    TH_CHECK(th_run_split(down, th_ms(30000), &status, &out, &err) == 0 && status == 1 &&
                 strstr(err, "xdc: translate: group g"),
             "clusters down: exit %d: %s", status, err);
    free(out);
    free(err);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_translate_groups_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_translate_usage, setup, teardown),
    };
    return cmocka_run_group_tests_name("mirror_translate", tests, NULL, NULL);
}
