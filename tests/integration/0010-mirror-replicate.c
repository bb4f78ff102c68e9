/* xdc-mirror between two xdc-broker clusters, "primary" and "dr":
 *  - 100,000 keyed records with headers on 8 partitions replicate with
 *    per-partition order, keys, values, headers and timestamps identical,
 *    record by record, under prefix and identity naming;
 *  - offset syncs land in MirrorMaker 2's format, heartbeats are emitted
 *    and replicated, and the mirror measures their latency;
 *  - GET /v1/lag agrees with the clusters' log-end offsets while a load
 *    runs, and reaches 0 with the target's log ends equal to the source's;
 *  - a topic created on the source later appears on the target and
 *    replicates within 10 s, and partitions added on the source appear on
 *    the target. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "checkpoint/checkpoint.h"
#include "tests/lib/th_broker.h"
#include "tests/lib/th_http.h"
#include "tests/lib/th_kafka.h"
#include "tests/lib/th_mcheck.h"
#include "tests/lib/th_mirror.h"

#include <errno.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NPART 8
#define NREC  100000

static th_broker_t g_primary, g_dr;
static th_pair_t g_pair; /* their bootstraps */
static th_mirror_t g_mirror;
static th_kafka_load_t *g_load; /* a running load, stopped by teardown() if a test fails */
static const char *g_dir;

static int setup(void **state)
{
    (void)state;
    g_dir = th_tmpdir();
    g_pair = th_pair_start(&g_primary, &g_dr, g_dir, NULL);
    g_load = NULL;
    memset(&g_mirror, 0, sizeof(g_mirror));
    return 0;
}

static int teardown(void **state)
{
    th_mc_stop(&g_load, (th_mirror_t *const[]){&g_mirror}, 1);
    memset(&g_primary, 0, sizeof(g_primary));
    memset(&g_dr, 0, sizeof(g_dr));
    return th_teardown(state);
}

static void start_mirror(const char *extra)
{
    char conf[1024];
    snprintf(conf, sizeof(conf), "emit.heartbeats.interval.seconds = 1\n%s", extra ? extra : "");
    th_mirror_start(&g_mirror, g_dir, th_mc_conf(&g_pair, conf));
}

static void test_mirror_prefix_100k(void **state)
{
    (void)state;
    th_kafka_create_topic(g_primary.bootstrap, "orders", NPART, NULL);
    th_kafka_produce(g_primary.bootstrap, "orders", NPART, 0, NREC / 2, "orders");
    start_mirror(NULL);
    th_kafka_produce(g_primary.bootstrap, "orders", NPART, NREC / 2, NREC / 2, "orders");
    th_mc_wait_count(g_dr.bootstrap, "primary.orders", NPART, NREC, th_ms(120000), &g_mirror);
    th_mc_expect_identical(&g_pair, "orders", "primary.orders");
    th_mc_wait_lag_zero(&g_pair, &g_mirror, "orders", "primary.orders", NPART);
    th_mc_expect_offset_syncs(g_primary.bootstrap, g_primary.bootstrap,
                              "mm2-offset-syncs.dr.internal", "orders", NPART);

    th_mc_expect_metrics(&g_mirror, "orders", NPART, NREC);

    /* Heartbeats: emitted into the source, mirrored as primary.heartbeats,
     * their latency measured. */
    TH_CHECK(th_kafka_partitions(g_primary.bootstrap, "heartbeats") == 1, "no heartbeats topic");
    th_mc_expect_heartbeats(&g_pair, &g_mirror);
}

static void test_mirror_identity_100k(void **state)
{
    (void)state;
    th_kafka_create_topic(g_primary.bootstrap, "payments", NPART, NULL);
    th_kafka_produce(g_primary.bootstrap, "payments", NPART, 0, NREC, "payments");
    start_mirror("replication.policy.class = "
                 "org.apache.kafka.connect.mirror.IdentityReplicationPolicy\n"
                 "offset-syncs.topic.location = target\n");
    th_mc_expect_identity_copy(&g_pair, &g_mirror, "payments", NPART, NREC, th_ms(120000));
}

/* --- lag under load --------------------------------------------------------- */

/* `xdc lag` against the running mirror, once its lag reached 0 on @p topic:
 * the table has one row per partition that agrees with the source's log
 * ends, --json --flow gives the same numbers, an unknown flow fails. */
static void expect_lag_cli(const char *topic, const char *remote)
{
    char url[64], *out = NULL, *err = NULL;
    int status = -1, rows = 0;
    int64_t ends[NPART];

    th_kafka_end_offsets(g_primary.bootstrap, topic, ends, NPART);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", g_mirror.http_port);
    const char *table[] = {th_bin("xdc"), "lag", "--url", url, NULL};
    TH_CHECK(th_run_split(table, th_ms(20000), &status, &out, &err) == 0 && status == 0,
             "xdc lag: exit %d: %s", status, err);
    /* Heartbeats keep arriving, so the flow's total may not be 0. */
    TH_CHECK(strncmp(out, "primary->dr: ", 13) == 0 && strstr(out, " partitions, lag "),
             "xdc lag: flow line: %s", out);
    TH_CHECK(strstr(out, "TOPIC") && strstr(out, "REPLICATED") && strstr(out, "LAG S"),
             "xdc lag: no header: %s", out);
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char t[128], r[128], state[64];
        long long leo, rep, lag;
        int pn;
        double secs;
        if (sscanf(line, " %127s %d %127s %lld %lld %lld %lf %63s", t, &pn, r, &leo, &rep, &lag,
                   &secs, state) != 8 ||
            strcmp(t, topic) != 0)
            continue;
        TH_CHECK(pn >= 0 && pn < NPART && strcmp(r, remote) == 0 && leo == ends[pn] &&
                     rep == ends[pn] - 1 && lag == 0 && secs == 0 && strcmp(state, "ok") == 0,
                 "xdc lag: row '%s', source log end %" PRId64, line,
                 ends[pn < 0 || pn >= NPART ? 0 : pn]);
        rows++;
    }
    TH_CHECK(rows == NPART, "xdc lag: %d rows for %s", rows, topic);
    free(out);
    free(err);

    const char *json[] = {th_bin("xdc"), "lag",    "--url",       url,
                          "--json",      "--flow", "primary->dr", NULL};
    TH_CHECK(th_run_split(json, th_ms(20000), &status, &out, &err) == 0 && status == 0,
             "xdc lag --json: exit %d: %s", status, err);
    json_t *j = json_loads(out, 0, NULL);
    json_t *flows = json_object_get(j, "flows");
    TH_CHECK(json_array_size(flows) == 1, "xdc lag --json: %s", out);
    json_t *parts = json_object_get(json_array_get(flows, 0), "partitions"), *p;
    size_t i;
    rows = 0;
    json_array_foreach(parts, i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "topic")), topic) != 0)
            continue;
        int pn = (int)json_integer_value(json_object_get(p, "partition"));
        TH_CHECK(pn >= 0 && pn < NPART &&
                     json_integer_value(json_object_get(p, "log_end_offset")) == ends[pn] &&
                     json_integer_value(json_object_get(p, "lag_records")) == 0,
                 "xdc lag --json: %s/%d: %s", topic, pn, out);
        rows++;
    }
    TH_CHECK(rows == NPART, "xdc lag --json: %d partitions of %s", rows, topic);
    json_decref(j);
    free(out);
    free(err);

    const char *nope[] = {th_bin("xdc"), "lag", "--url", url, "--flow", "dr->primary", NULL};
    TH_CHECK(th_run_split(nope, th_ms(20000), &status, &out, &err) == 0 && status == 1 &&
                 strstr(err, "no flow 'dr->primary'"),
             "xdc lag --flow dr->primary: exit %d: %s", status, err);
    free(out);
    free(err);
}

static void test_mirror_lag_tracks_log_ends(void **state)
{
    (void)state;
    th_kafka_create_topic(g_primary.bootstrap, "metrics", NPART, NULL);
    start_mirror(NULL);
    th_mc_wait_count(g_dr.bootstrap, "primary.metrics", NPART, 0, th_ms(30000), &g_mirror);
    th_mc_wait_assigned(&g_mirror, "metrics", NPART);
    th_mc_lag_tracks_log_ends(&g_pair, &g_mirror, "metrics", "primary.metrics", NPART, &g_load);
    expect_lag_cli("metrics", "primary.metrics");
}

/* --- topics ------------------------------------------------------------------ */

static void test_mirror_new_topic_and_partitions(void **state)
{
    (void)state;
    start_mirror("primary->dr.topics = inv.*\n");
    usleep(1500 * 1000);
    const char *const cfg[] = {"retention.ms=3600000", "max.message.bytes=2000000", NULL};
    th_kafka_create_topic(g_primary.bootstrap, "inventory", 3, cfg);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    th_kafka_produce(g_primary.bootstrap, "inventory", 3, 0, 300, "inventory");
    th_mc_wait_count(g_dr.bootstrap, "primary.inventory", 3, 300, th_ms(10000), &g_mirror);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    print_message("inventory appeared and replicated in %ld ms\n",
                  (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
    char *v = th_kafka_topic_config(g_dr.bootstrap, "primary.inventory", "retention.ms");
    TH_CHECK(v && strcmp(v, "3600000") == 0, "retention.ms on the target: %s", v ? v : "(unset)");
    free(v);

    th_kafka_add_partitions(g_primary.bootstrap, "inventory", 5);
    th_kafka_produce(g_primary.bootstrap, "inventory", 5, 300, 500, "inventory");
    th_mc_wait_count(g_dr.bootstrap, "primary.inventory", 5, 800, th_ms(30000), &g_mirror);
    TH_CHECK(th_kafka_partitions(g_dr.bootstrap, "primary.inventory") == 5,
             "target partitions did not follow");
    /* Topics outside the pattern and internal ones stay home. */
    th_kafka_create_topic(g_primary.bootstrap, "other", 1, NULL);
    usleep(3000 * 1000);
    TH_CHECK(th_kafka_partitions(g_dr.bootstrap, "primary.other") == 0, "other was mirrored");
    TH_CHECK(th_kafka_partitions(g_dr.bootstrap, "primary.__consumer_offsets") == 0,
             "an internal topic was mirrored");
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_mirror_prefix_100k),
        T(test_mirror_identity_100k),
        T(test_mirror_lag_tracks_log_ends),
        T(test_mirror_new_topic_and_partitions),
    };
    return cmocka_run_group_tests_name("mirror_replicate", tests, NULL, NULL);
}
