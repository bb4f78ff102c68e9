/* xdc-mirror between two librdkafka mock clusters (bench/mock_cluster),
 * "primary" and "dr": the checks of 0010 and 0011 that need no admin API.
 *  - 100,000 keyed records with headers on 8 partitions replicate with
 *    per-partition order, keys, values, headers and timestamps identical,
 *    record by record, under prefix and identity naming; offset syncs and
 *    heartbeats flow, /metrics agrees;
 *  - GET /v1/lag agrees with the clusters' log-end offsets while a load
 *    runs, and reaches 0 with the target's log ends equal to the source's;
 *  - kill -9 the mirror mid-stream and restart it: nothing is missing on
 *    the target, and the duplicates on the target are the ones it counts;
 *  - two mirrors share a flow through the source consumer group; one is
 *    killed and the other takes over every partition, nothing missing;
 *  - an active-active pair with identity naming (primary->dr and
 *    dr->primary in one process) does not loop.
 *
 * The mock serves no CreateTopics, CreatePartitions, DescribeConfigs or
 * AlterConfigs, so each test creates every topic the mirror needs when it
 * starts the clusters (data topics and their remote names, heartbeats,
 * offset syncs), and the mirror runs with sync.topic.configs.enabled =
 * false (DescribeConfigs would time out after 15 s per topic). Left out:
 *  - topics created on the source later and partitions added to it (0010):
 *    the mirror creates the remote topic or its partitions with
 *    CreateTopics/CreatePartitions and copies configs with
 *    DescribeConfigs/AlterConfigs, which the mock cannot serve;
 *  - the target down for 30 s under load (0011): a mock keeps its records
 *    in the memory of its process, so stopping it loses them, and taking
 *    its broker down (rd_kafka_mock_broker_set_down()) needs the process's
 *    own handle; the outage alone would also take this suite past its
 *    time budget.
 * A mock keeps at most 5 MB per partition, so the loads here stay small. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "checkpoint/checkpoint.h"
#include "tests/lib/th_http.h"
#include "tests/lib/th_kafka.h"
#include "tests/lib/th_mcheck.h"
#include "tests/lib/th_mirror.h"
#include "tests/lib/th_mock.h"

#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NPART 8
#define NREC  100000

static th_mock_t g_primary, g_dr;
static th_pair_t g_pair; /* their bootstraps, once started */
static th_mirror_t g_m1, g_m2;
static th_kafka_load_t *g_load; /* a running load, stopped by teardown() if a test fails */
static const char *g_dir;

static int setup(void **state)
{
    (void)state;
    g_dir = th_tmpdir();
    memset(&g_primary, 0, sizeof(g_primary));
    memset(&g_dr, 0, sizeof(g_dr));
    memset(&g_m1, 0, sizeof(g_m1));
    memset(&g_m2, 0, sizeof(g_m2));
    g_load = NULL;
    return 0;
}

/* The load and the mirrors first, so they never see their clusters go
 * away. On a failure th_teardown() kills whatever is still registered. */
static int teardown(void **state)
{
    th_mc_stop(&g_load, (th_mirror_t *const[]){&g_m1, &g_m2}, 2);
    th_mock_stop(&g_primary);
    th_mock_stop(&g_dr);
    return th_teardown(state);
}

/* --- clusters and mirrors --------------------------------------------------- */

/* Start both clusters with the topics each must hold ("name:partitions",
 * NULL-terminated). */
static void start_clusters(const char *const *primary_topics, const char *const *dr_topics)
{
    char log[600];
    snprintf(log, sizeof(log), "%s/primary.log", g_dir);
    th_mock_start(&g_primary, primary_topics, log);
    snprintf(log, sizeof(log), "%s/dr.log", g_dir);
    th_mock_start(&g_dr, dr_topics, log);
    g_pair = (th_pair_t){g_primary.bootstrap, g_dr.bootstrap};
}

/* Clusters for one prefix flow primary->dr of @p topic (NPART partitions),
 * offset syncs on the source. */
static void start_prefix_clusters(const char *topic)
{
    char src[128], dst[128];
    snprintf(src, sizeof(src), "%s:%d", topic, NPART);
    snprintf(dst, sizeof(dst), "primary.%s:%d", topic, NPART);
    const char *const p[] = {src, "heartbeats:1", "mm2-offset-syncs.dr.internal:1", NULL};
    const char *const d[] = {dst, "primary.heartbeats:1", NULL};
    start_clusters(p, d);
}

/* The mock answers a Fetch that finds no new records only after
 * fetch.wait.max.ms, and then empty even when records arrived meanwhile,
 * with the watermarks of when it came in; a real broker answers as soon as
 * records arrive. A short wait keeps the mirror's consumers (the source's,
 * and the target's that reads a partition's tail on assignment) about as
 * close to the log ends as long polling does. */
static const char *mirror_conf(const char *extra)
{
    char conf[1024];
    snprintf(conf, sizeof(conf),
             "sync.topic.configs.enabled = false\n"
             "emit.heartbeats.interval.seconds = 1\n"
             "primary.consumer.heartbeat.interval.ms = 500\n"
             "primary.consumer.fetch.wait.max.ms = 100\n"
             "dr.consumer.fetch.wait.max.ms = 100\n"
             "%s",
             extra ? extra : "");
    return th_mc_conf(&g_pair, conf);
}

/* --- what the mirror reports ---------------------------------------------- */

/* --- 100,000 records -------------------------------------------------------- */

static void test_mock_prefix_100k(void **state)
{
    (void)state;
    start_prefix_clusters("orders");
    th_kafka_produce(g_primary.bootstrap, "orders", NPART, 0, NREC / 2, "orders");
    th_mirror_start(&g_m1, g_dir, mirror_conf(NULL));
    th_kafka_produce(g_primary.bootstrap, "orders", NPART, NREC / 2, NREC / 2, "orders");
    th_mc_wait_count(g_dr.bootstrap, "primary.orders", NPART, NREC, th_ms(60000), &g_m1);
    th_mc_expect_identical(&g_pair, "orders", "primary.orders");
    th_mc_wait_lag_zero(&g_pair, &g_m1, "orders", "primary.orders", NPART);
    th_mc_expect_offset_syncs(g_primary.bootstrap, g_primary.bootstrap,
                              "mm2-offset-syncs.dr.internal", "orders", NPART);
    th_mc_expect_metrics(&g_m1, "orders", NPART, NREC);
    th_mc_expect_heartbeats(&g_pair, &g_m1);
}

static void test_mock_identity_100k(void **state)
{
    (void)state;
    const char *const p[] = {"payments:8", "heartbeats:1", NULL};
    const char *const d[] = {"payments:8", "primary.heartbeats:1",
                             "mm2-offset-syncs.primary.internal:1", NULL};
    start_clusters(p, d);
    th_kafka_produce(g_primary.bootstrap, "payments", NPART, 0, NREC, "payments");
    th_mirror_start(&g_m1, g_dir,
                    mirror_conf("replication.policy.class = "
                                "org.apache.kafka.connect.mirror.IdentityReplicationPolicy\n"
                                "offset-syncs.topic.location = target\n"));
    th_mc_expect_identity_copy(&g_pair, &g_m1, "payments", NPART, NREC, th_ms(60000));
}

/* --- lag under load --------------------------------------------------------- */

static void test_mock_lag_tracks_log_ends(void **state)
{
    (void)state;
    start_prefix_clusters("metrics");
    th_mirror_start(&g_m1, g_dir, mirror_conf(NULL));
    th_mc_wait_assigned(&g_m1, "metrics", NPART);
    th_mc_lag_tracks_log_ends(&g_pair, &g_m1, "metrics", "primary.metrics", NPART, &g_load);
}

/* --- kill -9 ------------------------------------------------------------------ */

static void test_mock_kill9_nothing_missing(void **state)
{
    (void)state;
    start_prefix_clusters("events");
    /* Commits every 2 s: at the kill the target holds records whose source
     * offsets were not committed yet. */
    th_mirror_start(&g_m1, g_dir, mirror_conf("offset.flush.interval.ms = 2000\n"));
    th_mc_wait_assigned(&g_m1, "events", NPART);
    th_mc_kill9(&g_pair, &g_m1, "events", "primary.events", NPART, 256, &g_load);
}

/* --- two mirrors, one killed -------------------------------------------------- */

static void test_mock_scale_out_takeover(void **state)
{
    (void)state;
    start_prefix_clusters("shared");
    th_mc_scale_out(&g_pair, &g_m1, &g_m2, g_dir, mirror_conf(NULL), "shared", "primary.shared",
                    NPART, 20000);
}

/* --- active-active ------------------------------------------------------------ */

static void test_mock_active_active_no_loop(void **state)
{
    (void)state;
    /* Heartbeats keep the prefix under identity naming, so each side holds
     * its own and the other's. */
    const char *const p[] = {"accounts:4", "heartbeats:1", "dr.heartbeats:1",
                             "mm2-offset-syncs.dr.internal:1", NULL};
    const char *const d[] = {"accounts:4", "heartbeats:1", "primary.heartbeats:1",
                             "mm2-offset-syncs.primary.internal:1", NULL};
    start_clusters(p, d);
    th_mirror_start(&g_m1, g_dir,
                    mirror_conf("dr->primary.enabled = true\n"
                                "replication.policy.class = identity\n"
                                "dr.consumer.session.timeout.ms = 6000\n"));
    th_mc_active_active(&g_pair, &g_m1, "accounts", 4, 2000);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mock_prefix_100k, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mock_identity_100k, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mock_lag_tracks_log_ends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mock_kill9_nothing_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mock_scale_out_takeover, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mock_active_active_no_loop, setup, teardown),
    };
    return cmocka_run_group_tests_name("mirror_mock", tests, NULL, NULL);
}
