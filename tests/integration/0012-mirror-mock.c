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

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fail_msg(__VA_ARGS__);                                                                 \
    } while (0)

static th_mock_t g_primary, g_dr;
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
    if (g_load) {
        th_kafka_load_t *l = g_load;
        g_load = NULL;
        th_kafka_load_stop(l);
    }
    if (g_m1.proc)
        th_mirror_stop(&g_m1, SIGTERM);
    if (g_m2.proc)
        th_mirror_stop(&g_m2, SIGTERM);
    th_mock_stop(&g_primary);
    th_mock_stop(&g_dr);
    return th_teardown(state);
}

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
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
    static char conf[2048];
    snprintf(conf, sizeof(conf),
             "clusters = primary, dr\n"
             "primary.bootstrap.servers = %s\n"
             "dr.bootstrap.servers = %s\n"
             "primary->dr.enabled = true\n"
             "sync.topic.configs.enabled = false\n"
             "refresh.topics.interval.seconds = 1\n"
             "emit.heartbeats.interval.seconds = 1\n"
             "offset.flush.interval.ms = 500\n"
             "primary.consumer.session.timeout.ms = 6000\n"
             "primary.consumer.heartbeat.interval.ms = 500\n"
             "primary.consumer.fetch.wait.max.ms = 100\n"
             "dr.consumer.fetch.wait.max.ms = 100\n"
             "%s",
             g_primary.bootstrap, g_dr.bootstrap, extra ? extra : "");
    return conf;
}

/* Wait until @p topic on @p bootstrap holds @p want records in all. */
static void wait_count(const char *bootstrap, const char *topic, int nparts, int64_t want,
                       int timeout_ms, th_mirror_t *m)
{
    int64_t have;
    CHECK(th_kafka_wait_count(bootstrap, topic, nparts, want, timeout_ms, &have) == 0,
          "%s holds %" PRId64 " of %" PRId64 " records after %d ms; mirror log:\n%s", topic, have,
          want, timeout_ms, m && m->proc ? th_mirror_log(m) : "(not running)");
}

/* Read @p topic on the source and @p remote on the target whole and
 * compare them record by record; fails on anything missing or different. */
static void compare(const char *topic, const char *remote, th_mirror_check_t *c)
{
    th_recs_t src = {0}, dst = {0};
    th_kafka_consume_all(g_primary.bootstrap, topic, &src, th_ms(60000));
    th_kafka_consume_all(g_dr.bootstrap, remote, &dst, th_ms(60000));
    th_recs_compare_mirrored(&src, &dst, "primary", "primary", c);
    size_t nsrc = src.count, ndst = dst.count;
    th_recs_free(&src);
    th_recs_free(&dst);
    CHECK(c->missing == 0 && c->mismatched == 0,
          "%s -> %s: %zu source, %zu target records: missing %ld, mismatched %ld: %s", topic,
          remote, nsrc, ndst, c->missing, c->mismatched, c->first_problem);
}

static void expect_identical(const char *topic, const char *remote)
{
    th_mirror_check_t c;
    compare(topic, remote, &c);
    CHECK(c.duplicates == 0, "%s -> %s: %ld duplicates", topic, remote, c.duplicates);
}

/* --- what the mirror reports ---------------------------------------------- */

static json_t *flow0(json_t *j)
{
    return json_array_get(json_object_get(j, "flows"), 0);
}

/* /v1/lag for flow primary->dr: lag 0 on every partition of @p topic, and
 * the reported log ends equal the source's and the target's. */
static void wait_lag_zero(const char *topic, const char *remote)
{
    int64_t src[NPART], dst[NPART];
    for (int tries = 0;; tries++) {
        th_kafka_end_offsets(g_primary.bootstrap, topic, src, NPART);
        th_kafka_end_offsets(g_dr.bootstrap, remote, dst, NPART);
        json_t *j = th_http_get_json(g_m1.http_port, "/v1/lag");
        json_t *parts = json_object_get(flow0(j), "partitions");
        int ok = 0;
        size_t i;
        json_t *p;
        json_array_foreach(parts, i, p)
        {
            if (strcmp(json_string_value(json_object_get(p, "topic")), topic) != 0)
                continue;
            int pn = (int)json_integer_value(json_object_get(p, "partition"));
            int64_t lag = json_integer_value(json_object_get(p, "lag_records"));
            int64_t leo = json_integer_value(json_object_get(p, "log_end_offset"));
            if (pn >= 0 && pn < NPART && lag == 0 && leo == src[pn] && dst[pn] == src[pn])
                ok++;
        }
        json_decref(j);
        if (ok == NPART)
            return;
        CHECK(tries < 100, "lag of %s did not reach 0 matching the log ends", topic);
        usleep(200 * 1000);
    }
}

/* Wait until /v1/lag lists @p n partitions of @p topic. */
static void wait_assigned(const char *topic, int n)
{
    for (int tries = 0;; tries++) {
        json_t *j = th_http_get_json(g_m1.http_port, "/v1/lag");
        json_t *parts = json_object_get(flow0(j), "partitions");
        int have = 0;
        size_t i;
        json_t *p;
        json_array_foreach(parts, i, p)
        {
            have += strcmp(json_string_value(json_object_get(p, "topic")), topic) == 0;
        }
        json_decref(j);
        if (have == n)
            return;
        CHECK(tries < 150, "%s: %d of %d partitions assigned after 30 s", topic, have, n);
        usleep(200 * 1000);
    }
}

/* Every record of the offset-syncs topic @p syncs_topic on @p bootstrap
 * decodes as MM2's OffsetSync; the last sync of each partition of @p topic
 * points at the partition's end. */
static void expect_offset_syncs(const char *bootstrap, const char *syncs_topic, const char *topic)
{
    th_recs_t syncs = {0};
    th_kafka_consume_all(bootstrap, syncs_topic, &syncs, th_ms(30000));
    CHECK(syncs.count > 0, "no offset syncs in %s", syncs_topic);
    int64_t last_up[NPART], last_down[NPART];
    for (int i = 0; i < NPART; i++)
        last_up[i] = last_down[i] = -1;
    for (size_t i = 0; i < syncs.count; i++) {
        const th_rec_t *r = &syncs.v[i];
        ckpt_offset_sync_t s;
        CHECK(ckpt_offset_sync_decode(r->key, r->key_len, r->value, r->value_len, &s) == 0,
              "offset sync %zu does not decode", i);
        if (s.topic_len == strlen(topic) && memcmp(s.topic, topic, s.topic_len) == 0 &&
            s.partition >= 0 && s.partition < NPART) {
            last_up[s.partition] = s.upstream_offset;
            last_down[s.partition] = s.downstream_offset;
        }
    }
    th_recs_free(&syncs);
    int64_t ends[NPART];
    th_kafka_end_offsets(g_primary.bootstrap, topic, ends, NPART);
    for (int p = 0; p < NPART; p++)
        CHECK(last_up[p] == ends[p] - 1 && last_down[p] == ends[p] - 1,
              "%s/%d: last sync %" PRId64 " -> %" PRId64 ", log end %" PRId64, topic, p, last_up[p],
              last_down[p], ends[p]);
}

/* The value of the /metrics sample starting with @p prefix (name and
 * labels); fails the test when there is none. */
static double metric(const char *text, const char *prefix)
{
    const char *p = strstr(text, prefix);
    CHECK(p, "no sample %s in /metrics:\n%s", prefix, text);
    return strtod(p + strlen(prefix), NULL);
}

/* /metrics agrees with itself and with the topic: every acknowledged record
 * counted once, each with one latency observation, lag 0 everywhere. */
static void expect_metrics(const char *topic)
{
    int status = 0;
    char *body = NULL;
    CHECK(th_http_get(g_m1.http_port, "/metrics", &status, &body) == 0 && status == 200,
          "GET /metrics: %d", status);
    double records = metric(body, "xdc_mirror_records_total{flow=\"primary->dr\"} ");
    double count =
        metric(body, "xdc_mirror_replication_latency_seconds_count{flow=\"primary->dr\"} ");
    CHECK(records >= NREC && count == records, "records_total %.0f, latency count %.0f", records,
          count);
    CHECK(metric(body, "xdc_mirror_duplicates_total{flow=\"primary->dr\"} ") == 0,
          "duplicates reported");
    for (int p = 0; p < NPART; p++) {
        char prefix[256];
        snprintf(prefix, sizeof(prefix),
                 "xdc_mirror_lag_records{flow=\"primary->dr\",topic=\"%s\",partition=\"%d\"} ",
                 topic, p);
        CHECK(metric(body, prefix) == 0, "%s/%d: lag in /metrics is not 0", topic, p);
    }
    free(body);
}

/* Heartbeats emitted into the source reach the target as
 * primary.heartbeats, and the mirror measures their latency. */
static void expect_heartbeats(void)
{
    for (int tries = 0;; tries++) {
        json_t *j = th_http_get_json(g_m1.http_port, "/v1/lag");
        json_t *hb = json_object_get(flow0(j), "heartbeat");
        int64_t ms =
            json_is_object(hb) ? json_integer_value(json_object_get(hb, "latency_ms")) : -1;
        json_decref(j);
        if (ms >= 0 && th_kafka_end_sum(g_dr.bootstrap, "primary.heartbeats", 1) > 0)
            break;
        CHECK(tries < 50, "no heartbeat latency after 10 s");
        usleep(200 * 1000);
    }
    th_recs_t hbs = {0};
    th_kafka_consume_all(g_dr.bootstrap, "primary.heartbeats", &hbs, th_ms(30000));
    CHECK(hbs.count > 0, "no heartbeat replicated");
    ckpt_heartbeat_t hb;
    int rc = ckpt_heartbeat_decode(hbs.v[0].key, hbs.v[0].key_len, hbs.v[0].value,
                                   hbs.v[0].value_len, &hb);
    th_recs_free(&hbs);
    CHECK(rc == 0, "replicated heartbeat does not decode");
}

static int64_t status_counter(th_mirror_t *m, const char *name)
{
    json_t *j = th_http_get_json(m->http_port, "/v1/status");
    int64_t v = json_integer_value(json_object_get(json_object_get(flow0(j), "counters"), name));
    json_decref(j);
    return v;
}

static int assigned(th_mirror_t *m, const char *topic)
{
    json_t *j = th_http_get_json(m->http_port, "/v1/status");
    int n = 0;
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(flow0(j), "assigned"), i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "topic")), topic) == 0)
            n++;
    }
    json_decref(j);
    return n;
}

/* --- 100,000 records -------------------------------------------------------- */

static void test_mock_prefix_100k(void **state)
{
    (void)state;
    start_prefix_clusters("orders");
    th_kafka_produce(g_primary.bootstrap, "orders", NPART, 0, NREC / 2, "orders");
    th_mirror_start(&g_m1, g_dir, mirror_conf(NULL));
    th_kafka_produce(g_primary.bootstrap, "orders", NPART, NREC / 2, NREC / 2, "orders");
    wait_count(g_dr.bootstrap, "primary.orders", NPART, NREC, th_ms(60000), &g_m1);
    expect_identical("orders", "primary.orders");
    wait_lag_zero("orders", "primary.orders");
    expect_offset_syncs(g_primary.bootstrap, "mm2-offset-syncs.dr.internal", "orders");
    expect_metrics("orders");
    expect_heartbeats();
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
    wait_count(g_dr.bootstrap, "payments", NPART, NREC, th_ms(60000), &g_m1);
    expect_identical("payments", "payments");
    wait_lag_zero("payments", "payments");
    /* With the syncs on the target they are named after the source. */
    expect_offset_syncs(g_dr.bootstrap, "mm2-offset-syncs.primary.internal", "payments");
    CHECK(th_kafka_partitions(g_primary.bootstrap, "mm2-offset-syncs.dr.internal") == 0,
          "offset syncs written to the source too");
}

/* --- lag under load --------------------------------------------------------- */

/* One /v1/lag sample of @p topic taken between two readings of the log
 * ends: s1/t1 before it, s2/t2 after it (source/target). What the mirror
 * reports must lie between them, but its view of the source's log end may
 * trail by slack[partition] records.  @return the partitions that pass;
 * checking stops at the first that does not, described in @p why. */
static int check_lag_sample(json_t *parts, const char *topic, const int64_t *s1, const int64_t *s2,
                            const int64_t *t1, const int64_t *t2, const int64_t *slack, char *why,
                            size_t len)
{
    int n = 0;
    size_t k;
    json_t *p;
    json_array_foreach(parts, k, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "topic")), topic) != 0)
            continue;
        int pn = (int)json_integer_value(json_object_get(p, "partition"));
        int64_t leo = json_integer_value(json_object_get(p, "log_end_offset"));
        int64_t next = json_integer_value(json_object_get(p, "replicated_offset")) + 1;
        int64_t lag = json_integer_value(json_object_get(p, "lag_records"));
        if (why[0])
            break;
        if (pn < 0 || pn >= NPART)
            snprintf(why, len, "%s/%d: no such partition", topic, pn);
        else if (next > t2[pn])
            snprintf(why, len, "%s/%d: replicated %" PRId64 " but target ends at %" PRId64, topic,
                     pn, next, t2[pn]);
        else if (leo > s2[pn] || leo < s1[pn] - slack[pn])
            snprintf(why, len, "%s/%d: log end %" PRId64 " outside [%" PRId64 ", %" PRId64 "]",
                     topic, pn, leo, s1[pn] - slack[pn], s2[pn]);
        else if (lag != (leo > next ? leo - next : 0))
            snprintf(why, len, "%s/%d: lag %" PRId64 " != %" PRId64 " - %" PRId64, topic, pn, lag,
                     leo, next);
        else if (lag < s1[pn] - t2[pn] - slack[pn] || lag > s2[pn] - t1[pn] + slack[pn])
            snprintf(why, len,
                     "%s/%d: lag %" PRId64 " vs log ends source %" PRId64 "..%" PRId64
                     " target %" PRId64 "..%" PRId64,
                     topic, pn, lag, s1[pn], s2[pn], t1[pn], t2[pn]);
        else
            n++;
    }
    return n;
}

static void test_mock_lag_tracks_log_ends(void **state)
{
    (void)state;
    start_prefix_clusters("metrics");
    th_mirror_start(&g_m1, g_dir, mirror_conf(NULL));
    wait_assigned("metrics", NPART);
    th_kafka_load_t *l = g_load =
        th_kafka_load_start(g_primary.bootstrap, "metrics", NPART, 200, 40);
    /* While records arrive at ~4,000/s: what the mirror reports lies between
     * log ends sampled before and after the request. The mirror's view of the
     * source's log end may trail by one sampling period (500 ms) and a fetch:
     * by what the source gained in the last second (the topic was empty
     * before the load), and at least 400 records (~ records per partition in
     * 0.8 s) as in 0010; the load's rate varies on a busy host. */
    enum { NSAMPLES = 10 };
    int64_t at[NSAMPLES], hist[NSAMPLES][NPART];
    int samples = 0;
    for (int i = 0; i < NSAMPLES; i++) {
        usleep(300 * 1000);
        int64_t s1[NPART], t1[NPART], s2[NPART], t2[NPART], slack[NPART];
        at[i] = now_ms();
        th_kafka_end_offsets(g_primary.bootstrap, "metrics", s1, NPART);
        th_kafka_end_offsets(g_dr.bootstrap, "primary.metrics", t1, NPART);
        json_t *j = th_http_get_json(g_m1.http_port, "/v1/lag");
        th_kafka_end_offsets(g_dr.bootstrap, "primary.metrics", t2, NPART);
        th_kafka_end_offsets(g_primary.bootstrap, "metrics", s2, NPART);
        int k = i - 1; /* the last sample a second old or older */
        while (k >= 0 && at[k] > at[i] - 1000)
            k--;
        for (int pn = 0; pn < NPART; pn++) {
            hist[i][pn] = s1[pn];
            int64_t gained = s1[pn] - (k >= 0 ? hist[k][pn] : 0);
            slack[pn] = gained > 400 ? gained : 400;
        }
        char why[512] = "";
        samples += check_lag_sample(json_object_get(flow0(j), "partitions"), "metrics", s1, s2, t1,
                                    t2, slack, why, sizeof(why));
        json_decref(j);
        CHECK(!why[0], "sample %d: %s", i, why);
    }
    g_load = NULL;
    long produced = th_kafka_load_stop(l);
    CHECK(samples >= NPART * 5, "only %d partition samples", samples);
    CHECK(produced > 1000, "load produced only %ld records", produced);
    wait_lag_zero("metrics", "primary.metrics");
}

/* --- kill -9 ------------------------------------------------------------------ */

static void test_mock_kill9_nothing_missing(void **state)
{
    (void)state;
    start_prefix_clusters("events");
    /* Commits every 2 s: at the kill the target holds records whose source
     * offsets were not committed yet. */
    th_mirror_start(&g_m1, g_dir, mirror_conf("offset.flush.interval.ms = 2000\n"));
    wait_assigned("events", NPART);
    th_kafka_load_t *l = g_load =
        th_kafka_load_start(g_primary.bootstrap, "events", NPART, 256, 20);
    usleep(4000 * 1000);
    int64_t before = th_kafka_end_sum(g_dr.bootstrap, "primary.events", NPART);
    CHECK(th_mirror_stop(&g_m1, SIGKILL) == -SIGKILL, "mirror was not killed");
    usleep(1000 * 1000);
    th_mirror_restart(&g_m1);
    usleep(3000 * 1000);
    g_load = NULL;
    long total = th_kafka_load_stop(l);
    wait_count(g_dr.bootstrap, "primary.events", NPART, total, th_ms(60000), &g_m1);
    usleep(1000 * 1000); /* anything written twice would land by now */
    th_mirror_check_t c;
    compare("events", "primary.events", &c);
    int64_t dups = status_counter(&g_m1, "duplicates");
    int64_t avoided = status_counter(&g_m1, "duplicates_avoided");
    print_message("killed with %" PRId64 " of %ld records on the target; duplicates on the "
                  "target %ld, counted %" PRId64 ", not written again %" PRId64 "\n",
                  before, total, c.duplicates, dups, avoided);
    CHECK(before > 0 && before < total, "the kill was not mid-stream (%" PRId64 ")", before);
    CHECK(c.duplicates == dups, "target holds %ld duplicates, the mirror counted %" PRId64,
          c.duplicates, dups);
    CHECK(avoided > 0, "the restart found nothing acknowledged but uncommitted");
}

/* --- two mirrors, one killed -------------------------------------------------- */

static void test_mock_scale_out_takeover(void **state)
{
    (void)state;
    const long n = 20000;
    start_prefix_clusters("shared");
    th_mirror_start(&g_m1, g_dir, mirror_conf(NULL));
    th_mirror_start(&g_m2, g_dir, mirror_conf(NULL));
    int64_t deadline = now_ms() + th_ms(30000);
    int a1 = 0, a2 = 0;
    while (now_ms() < deadline) {
        a1 = assigned(&g_m1, "shared");
        a2 = assigned(&g_m2, "shared");
        if (a1 > 0 && a2 > 0 && a1 + a2 == NPART)
            break;
        usleep(200 * 1000);
    }
    CHECK(a1 > 0 && a2 > 0 && a1 + a2 == NPART, "partitions not shared: %d + %d", a1, a2);
    th_kafka_produce(g_primary.bootstrap, "shared", NPART, 0, n, "shared");
    wait_count(g_dr.bootstrap, "primary.shared", NPART, n, th_ms(60000), &g_m2);
    th_mirror_stop(&g_m1, SIGKILL);
    int64_t t0 = now_ms();
    while (assigned(&g_m2, "shared") < NPART) {
        CHECK(now_ms() - t0 < th_ms(30000), "the survivor holds %d partitions after 30 s",
              assigned(&g_m2, "shared"));
        usleep(200 * 1000);
    }
    print_message("the survivor took over all %d partitions %" PRId64 " ms after the kill\n", NPART,
                  now_ms() - t0);
    th_kafka_produce(g_primary.bootstrap, "shared", NPART, n, n, "shared");
    wait_count(g_dr.bootstrap, "primary.shared", NPART, 2 * n, th_ms(60000), &g_m2);
    th_mirror_check_t c;
    compare("shared", "primary.shared", &c);
}

/* --- active-active ------------------------------------------------------------ */

static long count_origin(const th_recs_t *rs, const char *origin)
{
    long n = 0;
    for (size_t i = 0; i < rs->count; i++) {
        const th_hdr_t *h = th_rec_header(&rs->v[i], "xdc.origin");
        if (origin ? (h && h->value_len == strlen(origin) &&
                      memcmp(h->value, origin, h->value_len) == 0)
                   : h == NULL)
            n++;
    }
    return n;
}

static void test_mock_active_active_no_loop(void **state)
{
    (void)state;
    const long n = 2000;
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
    th_kafka_produce(g_primary.bootstrap, "accounts", 4, 0, n, "from-primary");
    th_kafka_produce(g_dr.bootstrap, "accounts", 4, 0, n, "from-dr");
    wait_count(g_primary.bootstrap, "accounts", 4, 2 * n, th_ms(60000), &g_m1);
    wait_count(g_dr.bootstrap, "accounts", 4, 2 * n, th_ms(60000), &g_m1);
    usleep(4000 * 1000); /* a loop would show up as growth by now */
    int64_t pn = th_kafka_end_sum(g_primary.bootstrap, "accounts", 4);
    int64_t dn = th_kafka_end_sum(g_dr.bootstrap, "accounts", 4);
    CHECK(pn == 2 * n && dn == 2 * n, "records looped: primary %" PRId64 ", dr %" PRId64, pn, dn);
    th_recs_t rp = {0}, rd = {0};
    th_kafka_consume_all(g_primary.bootstrap, "accounts", &rp, th_ms(30000));
    th_kafka_consume_all(g_dr.bootstrap, "accounts", &rd, th_ms(30000));
    long p_local = count_origin(&rp, NULL), p_dr = count_origin(&rp, "dr");
    long d_local = count_origin(&rd, NULL), d_primary = count_origin(&rd, "primary");
    th_recs_free(&rp);
    th_recs_free(&rd);
    CHECK(p_local == n && p_dr == n, "primary: %ld local, %ld from dr", p_local, p_dr);
    CHECK(d_local == n && d_primary == n, "dr: %ld local, %ld from primary", d_local, d_primary);
    CHECK(th_kafka_end_sum(g_primary.bootstrap, "dr.heartbeats", 1) > 0 &&
              th_kafka_end_sum(g_dr.bootstrap, "primary.heartbeats", 1) > 0,
          "heartbeats not mirrored both ways");
    CHECK(th_kafka_partitions(g_primary.bootstrap, "primary.heartbeats") == 0 &&
              th_kafka_partitions(g_dr.bootstrap, "dr.heartbeats") == 0,
          "heartbeats went back where they came from");
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
