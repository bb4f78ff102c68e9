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

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fail_msg(__VA_ARGS__);                                                                 \
    } while (0)

static th_broker_t g_primary, g_dr;
static th_mirror_t g_mirror;
static const char *g_dir;

static int setup(void **state)
{
    (void)state;
    g_dir = th_tmpdir();
    char d1[600], d2[600];
    snprintf(d1, sizeof(d1), "%s/primary", g_dir);
    snprintf(d2, sizeof(d2), "%s/dr", g_dir);
    CHECK(mkdir(d1, 0700) == 0 && mkdir(d2, 0700) == 0, "mkdir %s: %s", d1, strerror(errno));
    th_broker_start(&g_primary, d1, NULL);
    th_broker_start(&g_dr, d2, NULL);
    memset(&g_mirror, 0, sizeof(g_mirror));
    return 0;
}

static int teardown(void **state)
{
    if (g_mirror.proc)
        th_mirror_stop(&g_mirror, SIGTERM);
    memset(&g_primary, 0, sizeof(g_primary));
    memset(&g_dr, 0, sizeof(g_dr));
    return th_teardown(state);
}

static void start_mirror(const char *extra)
{
    char conf[2048];
    snprintf(conf, sizeof(conf),
             "clusters = primary, dr\n"
             "primary.bootstrap.servers = %s\n"
             "dr.bootstrap.servers = %s\n"
             "primary->dr.enabled = true\n"
             "refresh.topics.interval.seconds = 1\n"
             "emit.heartbeats.interval.seconds = 1\n"
             "offset.flush.interval.ms = 500\n"
             "primary.consumer.session.timeout.ms = 6000\n"
             "%s",
             g_primary.bootstrap, g_dr.bootstrap, extra ? extra : "");
    th_mirror_start(&g_mirror, g_dir, conf);
}

/* Wait until @p remote on the target holds @p want records in all. */
static void wait_replicated(const char *remote, int nparts, int64_t want, int timeout_ms)
{
    int64_t have;
    CHECK(th_kafka_wait_count(g_dr.bootstrap, remote, nparts, want, timeout_ms, &have) == 0,
          "%s holds %" PRId64 " of %" PRId64 " records after %d ms; mirror log:\n%s", remote, have,
          want, timeout_ms, th_mirror_log(&g_mirror));
}

static void expect_identical(const char *topic, const char *remote)
{
    th_recs_t src = {0}, dst = {0};
    th_kafka_consume_all(g_primary.bootstrap, topic, &src, th_ms(60000));
    th_kafka_consume_all(g_dr.bootstrap, remote, &dst, th_ms(60000));
    th_mirror_check_t c;
    th_recs_compare_mirrored(&src, &dst, "primary", "primary", &c);
    size_t nsrc = src.count, ndst = dst.count;
    th_recs_free(&src);
    th_recs_free(&dst);
    CHECK(c.missing == 0 && c.duplicates == 0 && c.mismatched == 0,
          "%s -> %s: %zu source, %zu target records: missing %ld, duplicates %ld, mismatched %ld: "
          "%s",
          topic, remote, nsrc, ndst, c.missing, c.duplicates, c.mismatched, c.first_problem);
}

/* Every record of the offset-syncs topic decodes as MM2's OffsetSync and
 * names a mirrored topic; the last sync of each partition of @p topic
 * points at the partition's end. */
static void expect_offset_syncs(const char *topic)
{
    th_recs_t syncs = {0};
    th_kafka_consume_all(g_primary.bootstrap, "mm2-offset-syncs.dr.internal", &syncs, th_ms(30000));
    CHECK(syncs.count > 0, "no offset syncs on the source");
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

/* /v1/lag for flow primary->dr: lag 0 on every partition of @p topic, and
 * the reported log ends equal the source's and the target's. */
static void wait_lag_zero(const char *topic, const char *remote)
{
    int64_t src[NPART], dst[NPART];
    for (int tries = 0;; tries++) {
        th_kafka_end_offsets(g_primary.bootstrap, topic, src, NPART);
        th_kafka_end_offsets(g_dr.bootstrap, remote, dst, NPART);
        json_t *j = th_http_get_json(g_mirror.http_port, "/v1/lag");
        json_t *flow = json_array_get(json_object_get(j, "flows"), 0);
        json_t *parts = json_object_get(flow, "partitions");
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
            if (lag == 0 && leo == src[pn] && dst[pn] == src[pn])
                ok++;
        }
        json_decref(j);
        if (ok == NPART)
            return;
        CHECK(tries < 100, "lag of %s did not reach 0 matching the log ends", topic);
        usleep(200 * 1000);
    }
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
    CHECK(th_http_get(g_mirror.http_port, "/metrics", &status, &body) == 0 && status == 200,
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

static void test_mirror_prefix_100k(void **state)
{
    (void)state;
    th_kafka_create_topic(g_primary.bootstrap, "orders", NPART, NULL);
    th_kafka_produce(g_primary.bootstrap, "orders", NPART, 0, NREC / 2, "orders");
    start_mirror(NULL);
    th_kafka_produce(g_primary.bootstrap, "orders", NPART, NREC / 2, NREC / 2, "orders");
    wait_replicated("primary.orders", NPART, NREC, th_ms(120000));
    expect_identical("orders", "primary.orders");
    wait_lag_zero("orders", "primary.orders");
    expect_offset_syncs("orders");

    expect_metrics("orders");

    /* Heartbeats: emitted into the source, mirrored as primary.heartbeats,
     * their latency measured. */
    CHECK(th_kafka_partitions(g_primary.bootstrap, "heartbeats") == 1, "no heartbeats topic");
    for (int tries = 0;; tries++) {
        json_t *j = th_http_get_json(g_mirror.http_port, "/v1/lag");
        json_t *hb = json_object_get(json_array_get(json_object_get(j, "flows"), 0), "heartbeat");
        int64_t ms =
            json_is_object(hb) ? json_integer_value(json_object_get(hb, "latency_ms")) : -1;
        json_decref(j);
        if (ms >= 0 && th_kafka_partitions(g_dr.bootstrap, "primary.heartbeats") == 1)
            break;
        CHECK(tries < 50, "no heartbeat latency after 10 s");
        usleep(200 * 1000);
    }
    th_recs_t hbs = {0};
    th_kafka_consume_all(g_dr.bootstrap, "primary.heartbeats", &hbs, th_ms(30000));
    CHECK(hbs.count > 0, "no heartbeat replicated");
    ckpt_heartbeat_t hb;
    CHECK(ckpt_heartbeat_decode(hbs.v[0].key, hbs.v[0].key_len, hbs.v[0].value, hbs.v[0].value_len,
                                &hb) == 0,
          "replicated heartbeat does not decode");
    th_recs_free(&hbs);
}

static void test_mirror_identity_100k(void **state)
{
    (void)state;
    th_kafka_create_topic(g_primary.bootstrap, "payments", NPART, NULL);
    th_kafka_produce(g_primary.bootstrap, "payments", NPART, 0, NREC, "payments");
    start_mirror("replication.policy.class = "
                 "org.apache.kafka.connect.mirror.IdentityReplicationPolicy\n"
                 "offset-syncs.topic.location = target\n");
    wait_replicated("payments", NPART, NREC, th_ms(120000));
    expect_identical("payments", "payments");
    wait_lag_zero("payments", "payments");
    /* With the syncs on the target they are named after the source. */
    th_recs_t syncs = {0};
    th_kafka_consume_all(g_dr.bootstrap, "mm2-offset-syncs.primary.internal", &syncs, th_ms(30000));
    CHECK(syncs.count >= NPART, "%zu offset syncs on the target", syncs.count);
    th_recs_free(&syncs);
    CHECK(th_kafka_partitions(g_primary.bootstrap, "mm2-offset-syncs.dr.internal") == 0,
          "offset syncs written to the source too");
}

/* --- lag under load --------------------------------------------------------- */

/* Wait until /v1/lag lists @p n partitions of @p topic. */
static void wait_assigned(const char *topic, int n)
{
    for (int tries = 0;; tries++) {
        json_t *j = th_http_get_json(g_mirror.http_port, "/v1/lag");
        json_t *parts =
            json_object_get(json_array_get(json_object_get(j, "flows"), 0), "partitions");
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
    CHECK(th_run_split(table, th_ms(20000), &status, &out, &err) == 0 && status == 0,
          "xdc lag: exit %d: %s", status, err);
    /* Heartbeats keep arriving, so the flow's total may not be 0. */
    CHECK(strncmp(out, "primary->dr: ", 13) == 0 && strstr(out, " partitions, lag "),
          "xdc lag: flow line: %s", out);
    CHECK(strstr(out, "TOPIC") && strstr(out, "REPLICATED") && strstr(out, "LAG S"),
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
        CHECK(pn >= 0 && pn < NPART && strcmp(r, remote) == 0 && leo == ends[pn] &&
                  rep == ends[pn] - 1 && lag == 0 && secs == 0 && strcmp(state, "ok") == 0,
              "xdc lag: row '%s', source log end %" PRId64, line,
              ends[pn < 0 || pn >= NPART ? 0 : pn]);
        rows++;
    }
    CHECK(rows == NPART, "xdc lag: %d rows for %s", rows, topic);
    free(out);
    free(err);

    const char *json[] = {th_bin("xdc"), "lag",    "--url",       url,
                          "--json",      "--flow", "primary->dr", NULL};
    CHECK(th_run_split(json, th_ms(20000), &status, &out, &err) == 0 && status == 0,
          "xdc lag --json: exit %d: %s", status, err);
    json_t *j = json_loads(out, 0, NULL);
    json_t *flows = json_object_get(j, "flows");
    CHECK(json_array_size(flows) == 1, "xdc lag --json: %s", out);
    json_t *parts = json_object_get(json_array_get(flows, 0), "partitions"), *p;
    size_t i;
    rows = 0;
    json_array_foreach(parts, i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "topic")), topic) != 0)
            continue;
        int pn = (int)json_integer_value(json_object_get(p, "partition"));
        CHECK(pn >= 0 && pn < NPART &&
                  json_integer_value(json_object_get(p, "log_end_offset")) == ends[pn] &&
                  json_integer_value(json_object_get(p, "lag_records")) == 0,
              "xdc lag --json: %s/%d: %s", topic, pn, out);
        rows++;
    }
    CHECK(rows == NPART, "xdc lag --json: %d partitions of %s", rows, topic);
    json_decref(j);
    free(out);
    free(err);

    const char *nope[] = {th_bin("xdc"), "lag", "--url", url, "--flow", "dr->primary", NULL};
    CHECK(th_run_split(nope, th_ms(20000), &status, &out, &err) == 0 && status == 1 &&
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
    wait_replicated("primary.metrics", NPART, 0, th_ms(30000));
    wait_assigned("metrics", NPART);
    th_kafka_load_t *l = th_kafka_load_start(g_primary.bootstrap, "metrics", NPART, 200, 40);
    /* While records arrive at ~4,000/s: what the mirror reports lies between
     * log ends sampled before and after the request. The mirror's view of the
     * source's log end may trail by one sampling period (500 ms). */
    int samples = 0;
    for (int i = 0; i < 10; i++) {
        usleep(300 * 1000);
        int64_t s1[NPART], t1[NPART], s2[NPART], t2[NPART];
        th_kafka_end_offsets(g_primary.bootstrap, "metrics", s1, NPART);
        th_kafka_end_offsets(g_dr.bootstrap, "primary.metrics", t1, NPART);
        json_t *j = th_http_get_json(g_mirror.http_port, "/v1/lag");
        th_kafka_end_offsets(g_dr.bootstrap, "primary.metrics", t2, NPART);
        th_kafka_end_offsets(g_primary.bootstrap, "metrics", s2, NPART);
        json_t *parts =
            json_object_get(json_array_get(json_object_get(j, "flows"), 0), "partitions");
        size_t k;
        json_t *p;
        json_array_foreach(parts, k, p)
        {
            if (strcmp(json_string_value(json_object_get(p, "topic")), "metrics") != 0)
                continue;
            int pn = (int)json_integer_value(json_object_get(p, "partition"));
            int64_t leo = json_integer_value(json_object_get(p, "log_end_offset"));
            int64_t next = json_integer_value(json_object_get(p, "replicated_offset")) + 1;
            int64_t lag = json_integer_value(json_object_get(p, "lag_records"));
            int64_t slack = 400; /* ~ records per partition in 0.8 s */
            CHECK(next <= t2[pn], "metrics/%d: replicated %" PRId64 " but target ends at %" PRId64,
                  pn, next, t2[pn]);
            CHECK(leo <= s2[pn] && leo >= s1[pn] - slack,
                  "metrics/%d: log end %" PRId64 " outside [%" PRId64 ", %" PRId64 "]", pn, leo,
                  s1[pn] - slack, s2[pn]);
            CHECK(lag == (leo > next ? leo - next : 0),
                  "metrics/%d: lag %" PRId64 " != %" PRId64 " - %" PRId64, pn, lag, leo, next);
            CHECK(lag >= s1[pn] - t2[pn] - slack && lag <= s2[pn] - t1[pn] + slack,
                  "metrics/%d: lag %" PRId64 " vs log ends source %" PRId64 "..%" PRId64
                  " target %" PRId64 "..%" PRId64,
                  pn, lag, s1[pn], s2[pn], t1[pn], t2[pn]);
            samples++;
        }
        json_decref(j);
    }
    long produced = th_kafka_load_stop(l);
    CHECK(samples >= NPART * 5, "only %d partition samples", samples);
    CHECK(produced > 1000, "load produced only %ld records", produced);
    wait_lag_zero("metrics", "primary.metrics");
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
    wait_replicated("primary.inventory", 3, 300, th_ms(10000));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    print_message("inventory appeared and replicated in %ld ms\n",
                  (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
    char *v = th_kafka_topic_config(g_dr.bootstrap, "primary.inventory", "retention.ms");
    CHECK(v && strcmp(v, "3600000") == 0, "retention.ms on the target: %s", v ? v : "(unset)");
    free(v);

    th_kafka_add_partitions(g_primary.bootstrap, "inventory", 5);
    th_kafka_produce(g_primary.bootstrap, "inventory", 5, 300, 500, "inventory");
    wait_replicated("primary.inventory", 5, 800, th_ms(30000));
    CHECK(th_kafka_partitions(g_dr.bootstrap, "primary.inventory") == 5,
          "target partitions did not follow");
    /* Topics outside the pattern and internal ones stay home. */
    th_kafka_create_topic(g_primary.bootstrap, "other", 1, NULL);
    usleep(3000 * 1000);
    CHECK(th_kafka_partitions(g_dr.bootstrap, "primary.other") == 0, "other was mirrored");
    CHECK(th_kafka_partitions(g_dr.bootstrap, "primary.__consumer_offsets") == 0,
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
