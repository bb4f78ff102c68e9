/* Planned failover and failback under load, end to end: two xdc-brokers
 * on the same port at 127.0.0.2 (primary) and 127.0.0.3 (dr), two Knot DNS
 * servers serving the bootstrap name with TTL 1 s, an xdc-mirror running
 * both flows with IdentityReplicationPolicy (topic "orders" on both
 * sites) and checkpoints, and xdc-failover driving the switches through
 * its HTTP API.
 *
 * While a producer writes keyed records and a consumer group processes
 * them (committing after each batch), POST /v1/failover runs. Then:
 *  - every DNS server answers the DR address (dig);
 *  - the report says completed, RPO 0 records per partition (the log ends
 *    read on the fenced primary are what the mirror copied), an RTO of at
 *    most 10 s, TTL 1, and every phase timed;
 *  - every record the producer had acknowledged is on DR;
 *  - the group resumes on DR from the applied offsets: every record of the
 *    copy is processed exactly once over both sites.
 * Then the application runs on DR, and POST /v1/failback brings it back to
 * the primary with the same checks.
 * A record changed behind the controller's back, or a wrong TSIG secret,
 * stops the failover in its preflight: nothing is fenced, the record stays.
 * A failover that stops after fencing unfences the old site again.
 * A drill (POST /v1/drills) does a failover and the failback in one report
 * under the controller's canary load, which follows the DNS name; a group
 * that lagged at the failover and never committed on DR comes back to its
 * exact offsets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/util.h"
#include "tests/lib/th_fo.h"
#include "tests/lib/th_http.h"
#include "tests/lib/th_kafka.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define TOPIC  "orders"
#define NPART  4
#define MAXSEQ 200000
#define GROUP  "billing"

static th_fo_t g_fo;
static const char *g_dir;

/* --- the application: a producer and a committing consumer ------------------ */

typedef struct app {
    atomic_bool stop;
    pthread_t producer, consumer;
    atomic_long produced;
    uint8_t acked[MAXSEQ];     /* by the producer's delivery reports */
    uint8_t processed[MAXSEQ]; /* by the consumer, counted once its commit succeeded */
    atomic_long processed_count;
    int resumed; /* the group has offsets: no reset allowed */
    char bootstrap[96];
    char error[256];
} app_t;

static app_t *g_app;

static long seq_of(const void *value, size_t len)
{
    char buf[32];
    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, value, len);
    buf[len] = '\0';
    long seq = -1;
    return sscanf(buf, "v-%ld", &seq) == 1 && seq >= 0 && seq < MAXSEQ ? seq : -1;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    app_t *a = opaque;
    long seq = seq_of(m->payload, m->len);
    if (!m->err && seq >= 0)
        a->acked[seq] = 1;
}

static rd_kafka_t *client(rd_kafka_type_t type, const char *bootstrap, const char *const *kv,
                          app_t *a)
{
    char why[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "bootstrap.servers", bootstrap, why, sizeof(why));
    rd_kafka_conf_set(c, "log_level", "2", why, sizeof(why));
    for (int i = 0; kv && kv[i]; i += 2)
        if (rd_kafka_conf_set(c, kv[i], kv[i + 1], why, sizeof(why)) != RD_KAFKA_CONF_OK)
            return NULL;
    if (type == RD_KAFKA_PRODUCER)
        rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
    rd_kafka_conf_set_opaque(c, a);
    rd_kafka_t *rk = rd_kafka_new(type, c, why, sizeof(why));
    if (!rk)
        rd_kafka_conf_destroy(c);
    return rk;
}

static void *producer_main(void *arg)
{
    app_t *a = arg;
    const char *const kv[] = {"enable.idempotence", "true", "linger.ms", "5", NULL};
    rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, a->bootstrap, kv, a);
    if (!rk) {
        snprintf(a->error, sizeof(a->error), "producer");
        return NULL;
    }
    while (!atomic_load(&a->stop) && atomic_load(&a->produced) < MAXSEQ) {
        long seq = atomic_load(&a->produced);
        char key[32], val[32];
        int kl = snprintf(key, sizeof(key), "k-%ld", seq);
        int vl = snprintf(val, sizeof(val), "v-%ld", seq);
        if (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(TOPIC),
                              RD_KAFKA_V_PARTITION((int32_t)(seq % NPART)),
                              RD_KAFKA_V_KEY(key, (size_t)kl), RD_KAFKA_V_VALUE(val, (size_t)vl),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) == 0)
            atomic_fetch_add(&a->produced, 1);
        rd_kafka_poll(rk, 0);
        if (seq % 10 == 0)
            th_sleep_ms(5);
    }
    /* Whatever the fenced primary did not acknowledge is given up: only
     * acknowledged records count. */
    rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(rk, 1000);
    rd_kafka_destroy(rk);
    return NULL;
}

/* Commit what was polled; @return 1 when the group coordinator confirmed. */
static int commit_sync(rd_kafka_t *rk)
{
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_commit_queue(rk, NULL, q, NULL, NULL);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, th_ms(3000));
    int ok =
        ev && rd_kafka_event_type(ev) == RD_KAFKA_EVENT_OFFSET_COMMIT && !rd_kafka_event_error(ev);
    if (ok) {
        const rd_kafka_topic_partition_list_t *l = rd_kafka_event_topic_partition_list(ev);
        for (int i = 0; l && i < l->cnt; i++)
            ok &= !l->elems[i].err;
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    return ok;
}

/* Processes batches and commits each; a batch whose commit fails (the
 * primary was fenced) is not counted: the group will read it again from
 * its committed offsets, which is at-least-once and the contract. */
static void consume(app_t *a, const char *bootstrap, const char *topic)
{
    const char *const kv[] = {"group.id", GROUP, "enable.auto.commit", "false", "auto.offset.reset",
                              "error",    NULL};
    const char *const kv_first[] = {
        "group.id", GROUP, "enable.auto.commit", "false", "auto.offset.reset", "earliest", NULL};
    /* On the primary the group starts fresh; on DR it must resume from the
     * applied offsets, so no reset policy may hide a missing one. */
    rd_kafka_t *rk = client(RD_KAFKA_CONSUMER, bootstrap, strcmp(topic, TOPIC) ? kv : kv_first, a);
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    long batch[512];
    int fenced = 0;
    while (!atomic_load(&a->stop) && !fenced) {
        int n = 0;
        for (rd_kafka_message_t *m; n < 512 && (m = rd_kafka_consumer_poll(rk, 50));) {
            if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET)
                snprintf(a->error, sizeof(a->error), "%s: no committed offset: %s", topic,
                         rd_kafka_message_errstr(m));
            long seq = m->err ? -1 : seq_of(m->payload, m->len);
            if (seq >= 0)
                batch[n++] = seq;
            rd_kafka_message_destroy(m);
        }
        if (n == 0)
            continue;
        if (!commit_sync(rk)) {
            fenced = 1;
            break;
        }
        for (int i = 0; i < n; i++)
            a->processed[batch[i]]++;
        atomic_fetch_add(&a->processed_count, n);
    }
    /* Leave the group when the site still serves us, so the next member
     * need not wait for this one's session to time out. */
    if (fenced)
        rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    else
        rd_kafka_consumer_close(rk), rd_kafka_destroy(rk);
}

static void *consumer_main(void *arg)
{
    app_t *a = arg;
    consume(a, a->bootstrap, TOPIC);
    return NULL;
}

/* --- setup ------------------------------------------------------------------ */

static int setup(void **state)
{
    (void)state;
    g_dir = th_tmpdir();
    th_fo_start(&g_fo, g_dir, TOPIC, NPART, NULL);
    g_app = xcalloc(1, sizeof(*g_app));
    return 0;
}

static int teardown(void **state)
{
    if (g_app) {
        atomic_store(&g_app->stop, true);
        free(g_app);
        g_app = NULL;
    }
    th_fo_controller_stop(&g_fo);
    return th_teardown(state);
}

/* --- the test ---------------------------------------------------------------- */

static void expect_report(json_t *r)
{
    char *text = json_dumps(r, JSON_INDENT(1));
    const char *outcome = json_string_value(json_object_get(r, "outcome"));
    TH_CHECK(outcome && !strcmp(outcome, "completed"), "outcome %s: %s", outcome, text);
    json_int_t rto = json_integer_value(json_object_get(r, "rto_ms"));
    TH_CHECK(rto > 0 && rto <= 10000, "RTO %lld ms: %s", (long long)rto, text);
    assert_int_equal(json_integer_value(json_object_get(r, "dns_ttl_s")), 1);
    json_t *rpo = json_object_get(r, "rpo"), *p;
    TH_CHECK(json_integer_value(json_object_get(rpo, "records")) == 0, "RPO: %s", text);
    size_t i, nparts = 0;
    json_array_foreach(json_object_get(rpo, "partitions"), i, p)
    {
        TH_CHECK(json_integer_value(json_object_get(p, "records")) == 0 &&
                     json_integer_value(json_object_get(p, "log_end_offset")) <=
                         json_integer_value(json_object_get(p, "replicated_up_to")),
                 "partition %zu not drained: %s", i, text);
        nparts++;
    }
    TH_CHECK(nparts >= NPART, "RPO lists %zu partitions: %s", nparts, text);
    static const char *const stamps[] = {"t0",      "decide", "fence",  "drain",
                                         "offsets", "dns",    "verify", "first_canary"};
    for (size_t k = 0; k < sizeof(stamps) / sizeof(stamps[0]); k++)
        TH_CHECK(json_integer_value(json_object_get(json_object_get(r, "timestamps"), stamps[k])) >
                     0,
                 "no timestamp %s: %s", stamps[k], text);
    json_t *v = json_object_get(r, "verification");
    TH_CHECK(json_is_true(json_object_get(v, "dns_ok")) &&
                 json_is_true(json_object_get(v, "cluster_id_ok")) &&
                 json_is_true(json_object_get(v, "canary_ok")) &&
                 json_is_true(json_object_get(v, "offsets_ok")),
             "verification: %s", text);
    free(text);
}

/* Every record on the site @p bootstrap was processed exactly once over
 * both sites, and every acknowledged one is there. */
static void expect_exactly_once(app_t *a, const char *bootstrap)
{
    th_recs_t dr = {0};
    th_kafka_consume_all(bootstrap, TOPIC, &dr, th_ms(20000));
    uint8_t *in_copy = xcalloc(MAXSEQ, 1);
    for (size_t i = 0; i < dr.count; i++) {
        long seq = seq_of(dr.v[i].value, dr.v[i].value_len);
        if (seq >= 0)
            in_copy[seq] = 1;
    }
    long missing = 0, twice = 0, unread = 0, acked = 0;
    for (long s = 0; s < MAXSEQ; s++) {
        acked += a->acked[s];
        missing += a->acked[s] && !in_copy[s];
        twice += a->processed[s] > 1;
        unread += in_copy[s] && a->processed[s] == 0;
    }
    th_recs_free(&dr);
    free(in_copy);
    TH_CHECK(acked > 1000, "only %ld records acknowledged", acked);
    TH_CHECK(!missing, "%ld acknowledged records are not on %s", missing, bootstrap);
    TH_CHECK(!twice, "%ld records processed twice (read again after the switch)", twice);
    TH_CHECK(!unread, "%ld records of the copy never processed", unread);
}

/* Until every record on the site @p bootstrap has been processed somewhere. */
static void wait_all_processed(app_t *a, const char *bootstrap)
{
    th_recs_t dr = {0};
    th_kafka_consume_all(bootstrap, TOPIC, &dr, th_ms(20000));
    long left = 1;
    for (int i = 0; i < th_ms(30000) / 100 && left; i++) {
        left = 0;
        for (size_t k = 0; k < dr.count; k++) {
            long seq = seq_of(dr.v[k].value, dr.v[k].value_len);
            left += seq >= 0 && !a->processed[seq];
        }
        if (left)
            th_sleep_ms(100);
    }
    th_recs_free(&dr);
    TH_CHECK(!left, "%ld records still unprocessed on %s: %s", left, bootstrap, a->error);
}

/* The application works on the site @p bootstrap until its group has
 * processed 2000 more records. */
static void app_start(app_t *a, const char *bootstrap)
{
    snprintf(a->bootstrap, sizeof(a->bootstrap), "%s", bootstrap);
    atomic_store(&a->stop, false);
    long start = atomic_load(&a->processed_count);
    pthread_create(&a->producer, NULL, producer_main, a);
    pthread_create(&a->consumer, NULL, consumer_main, a);
    for (int i = 0; i < 300 && atomic_load(&a->processed_count) < start + 2000; i++)
        th_sleep_ms(100);
    TH_CHECK(atomic_load(&a->processed_count) >= start + 2000,
             "the group does not get going on %s: %s", bootstrap, a->error);
}

static void app_stop(app_t *a)
{
    atomic_store(&a->stop, true);
    pthread_join(a->producer, NULL);
    pthread_join(a->consumer, NULL);
    a->resumed = 1;
}

/* After a switch to @p bootstrap: the group resumes there by itself, from
 * the applied offsets, and nothing is missing or read twice. */
static void expect_resume(app_t *a, const char *bootstrap)
{
    snprintf(a->bootstrap, sizeof(a->bootstrap), "%s", bootstrap);
    atomic_store(&a->stop, false);
    pthread_create(&a->consumer, NULL, consumer_main, a);
    wait_all_processed(a, bootstrap);
    th_sleep_ms(1000); /* time to read anything twice */
    atomic_store(&a->stop, true);
    pthread_join(a->consumer, NULL);
    TH_CHECK(!a->error[0], "%s", a->error);
    expect_exactly_once(a, bootstrap);
}

static void test_planned_failover_and_failback(void **state)
{
    (void)state;
    app_t *a = g_app;
    app_start(a, g_fo.primary.bootstrap);

    /* A dry run first: it changes nothing. */
    json_t *r = th_fo_switch(&g_fo, "/v1/failover", "{\"mode\":\"planned\",\"dry_run\":true}");
    assert_string_equal(json_string_value(json_object_get(r, "outcome")), "dry-run");
    json_decref(r);
    th_fo_expect_dns(&g_fo, TH_FO_PRIMARY_IP);

    r = th_fo_switch(&g_fo, "/v1/failover", "{\"mode\":\"planned\"}");
    app_stop(a);
    expect_report(r);
    json_decref(r);
    th_fo_expect_dns(&g_fo, TH_FO_DR_IP);
    expect_resume(a, g_fo.dr.bootstrap);

    /* The application lives on DR for a while, then goes home. */
    app_start(a, g_fo.dr.bootstrap);
    r = th_fo_switch(&g_fo, "/v1/failback", "{}");
    app_stop(a);
    expect_report(r);
    assert_string_equal(json_string_value(json_object_get(r, "from")), "dr");
    json_decref(r);
    th_fo_expect_dns(&g_fo, TH_FO_PRIMARY_IP);
    expect_resume(a, g_fo.primary.bootstrap);
}

/* Report @p leg applied @p want to GROUP on its new site (identity naming,
 * no gaps: the same offsets on both sites). */
static void expect_group_offsets(json_t *leg, const int64_t *want, const char *text)
{
    json_t *g, *p;
    size_t i, k, n = 0;
    json_array_foreach(json_object_get(leg, "offsets"), i, g)
    {
        if (strcmp(json_string_value(json_object_get(g, "group")) ?: "", GROUP) != 0)
            continue;
        TH_CHECK(json_is_true(json_object_get(g, "applied")), "%s not applied: %s", GROUP, text);
        json_array_foreach(json_object_get(g, "partitions"), k, p)
        {
            json_int_t part = json_integer_value(json_object_get(p, "partition"));
            TH_CHECK(part >= 0 && part < NPART && !json_object_get(p, "inexact") &&
                         json_integer_value(json_object_get(p, "target_offset")) == want[part],
                     "%s partition %lld: %s", GROUP, (long long)part, text);
            n++;
        }
    }
    TH_CHECK(n == NPART, "%s: %zu partitions applied: %s", GROUP, n, text);
}

/* A drill: the dry run changes nothing; the real one moves clients to DR
 * and back under the controller's canary load, one report with both legs
 * (each held to the planned failover's standard), both RTOs and RPOs, and
 * what the load saw. */
static void test_drill(void **state)
{
    (void)state;
    json_t *r = th_fo_switch(&g_fo, "/v1/drills", "{\"dry_run\":true}");
    char *text = json_dumps(r, JSON_INDENT(1));
    json_t *legs = json_object_get(r, "legs");
    TH_CHECK(
        !strcmp(json_string_value(json_object_get(r, "outcome")) ?: "", "dry-run") &&
            json_array_size(legs) == 2 &&
            !strcmp(json_string_value(json_object_get(json_array_get(legs, 1), "outcome")) ?: "",
                    "dry-run"),
        "dry run: %s", text);
    free(text);
    json_decref(r);
    th_fo_expect_dns(&g_fo, TH_FO_PRIMARY_IP);

    /* Data the mirror copies, so the drain has partitions to prove RPO 0 on. */
    th_kafka_produce(g_fo.primary.bootstrap, TOPIC, NPART, 0, 1000, "drill");
    TH_CHECK(th_kafka_wait_count(g_fo.dr.bootstrap, TOPIC, NPART, 1000, th_ms(30000), NULL) == 0,
             "the mirror did not copy %s", TOPIC);
    /* A group behind by the failover that commits nothing on DR: its
     * offset there points into records the mirror copied from the
     * primary, and the failback still translates it exactly. */
    const int64_t committed[NPART] = {100, 150, 200, 50};
    th_kafka_commit(g_fo.primary.bootstrap, GROUP, TOPIC, committed, NPART);
    r = th_fo_switch(&g_fo, "/v1/drills", "{}");
    text = json_dumps(r, JSON_INDENT(1));
    legs = json_object_get(r, "legs");
    TH_CHECK(!strcmp(json_string_value(json_object_get(r, "outcome")) ?: "", "completed") &&
                 json_array_size(legs) == 2,
             "drill: %s", text);
    static const char *const kinds[] = {"failover", "failback"};
    for (size_t i = 0; i < 2; i++) {
        json_t *leg = json_array_get(legs, i);
        TH_CHECK(!strcmp(json_string_value(json_object_get(leg, "kind")) ?: "", kinds[i]),
                 "leg %zu: %s", i, text);
        expect_report(leg);
        expect_group_offsets(leg, committed, text);
        TH_CHECK(json_equal(json_object_get(json_object_get(r, "rto_ms"), kinds[i]),
                            json_object_get(leg, "rto_ms")) &&
                     json_integer_value(json_object_get(
                         json_object_get(json_object_get(r, "rpo"), kinds[i]), "records")) == 0,
                 "%s RTO/RPO: %s", kinds[i], text);
    }
    /* The load wrote through the name all along: some records before the
     * failover, some on DR, some after the failback. */
    json_t *load = json_object_get(r, "canary_load");
    json_int_t acked = json_integer_value(json_object_get(load, "acked"));
    json_int_t gap = json_integer_value(json_object_get(load, "max_gap_ms"));
    TH_CHECK(acked >= 10 && gap > 0 && gap <= 20000 &&
                 json_integer_value(json_object_get(load, "produced")) >=
                     acked + json_integer_value(json_object_get(load, "failed")),
             "canary load: %s", text);
    printf("drill: RTO %lld ms out, %lld ms back; canary load %lld acknowledged, longest gap "
           "%lld ms\n",
           (long long)json_integer_value(json_object_get(json_object_get(r, "rto_ms"), "failover")),
           (long long)json_integer_value(json_object_get(json_object_get(r, "rto_ms"), "failback")),
           (long long)acked, (long long)gap);
    free(text);
    json_decref(r);
    th_fo_expect_dns(&g_fo, TH_FO_PRIMARY_IP);

    int status;
    char *body = NULL;
    TH_CHECK(th_http_request("GET", g_fo.http_port, "/metrics", NULL, NULL, &status, &body) == 0 &&
                 status == 200,
             "GET /metrics: %d", status);
    int found = 0;
    double drills = th_metric_sum(
        body, "xdc_failover_switches_total{kind=\"drill\",outcome=\"completed\"}", &found);
    double legs_done = th_metric_sum(
        body, "xdc_failover_switches_total{kind=\"failback\",outcome=\"completed\"}", &found);
    TH_CHECK(drills == 1 && legs_done == 1, "metrics:\n%s", body);
    free(body);
}

/* A failover refused in its preflight: the report says why, nothing was
 * fenced (the primary still takes writes) and the record is as it was. */
static void expect_refused(const char *want_error, const char *want_answer2)
{
    json_t *r = th_fo_switch(&g_fo, "/v1/failover", "{\"mode\":\"planned\"}");
    char *text = json_dumps(r, JSON_INDENT(1));
    const char *outcome = json_string_value(json_object_get(r, "outcome"));
    const char *error = json_string_value(json_object_get(r, "error"));
    TH_CHECK(outcome && !strcmp(outcome, "failed") && error && strstr(error, want_error),
             "want a failure naming '%s': %s", want_error, text);
    TH_CHECK(json_array_size(json_object_get(r, "phases")) == 1, "phases after preflight: %s",
             text);
    free(text);
    json_decref(r);
    th_kafka_produce(g_fo.primary.bootstrap, TOPIC, NPART, 0, 10, "still-open");
    char *a0 = th_dig(g_fo.knot[0].server, TH_KNOT_NAME, "A");
    char *a1 = th_dig(g_fo.knot[1].server, TH_KNOT_NAME, "A");
    TH_CHECK(!strcmp(a0, TH_FO_PRIMARY_IP) && !strcmp(a1, want_answer2), "answers %s and %s", a0,
             a1);
    free(a0);
    free(a1);
}

static void test_failover_refused(void **state)
{
    (void)state;
    /* A wrong TSIG secret. */
    char path[600], extra[700];
    snprintf(path, sizeof(path), "%s/wrong.secret", g_dir);
    th_write_file(path, "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZyE=\n");
    snprintf(extra, sizeof(extra), "dns.tsig.secret.file=%s\n", path);
    th_fo_controller_start(&g_fo, extra);
    expect_refused("BADSIG", TH_FO_PRIMARY_IP);

    /* Someone else moved the record on the second server. */
    th_fo_controller_start(&g_fo, NULL);
    th_nsupdate_a(&g_fo.knot[1], "10.9.9.9");
    expect_refused("changed behind the controller's back", "10.9.9.9");
}

/* fence.mode=command: the operator's command gets the site and the action;
 * when it fails, the failover stops there with its status and output, and
 * DNS is left alone. */
static void test_failover_fence_command(void **state)
{
    (void)state;
    char extra[1200], log[600];
    snprintf(log, sizeof(log), "%s/fence.log", g_dir);
    snprintf(
        extra, sizeof(extra),
        "fence.mode=command\n"
        "fence.command=echo \"$1 $2 $XDC_FENCE_BOOTSTRAP\" >> %s; echo acl locked >&2; exit 3\n",
        log);
    th_fo_controller_start(&g_fo, extra);
    json_t *r = th_fo_switch(&g_fo, "/v1/failover", "{\"mode\":\"planned\"}");
    char *text = json_dumps(r, JSON_INDENT(1));
    const char *error = json_string_value(json_object_get(r, "error"));
    TH_CHECK(!strcmp(json_string_value(json_object_get(r, "outcome")) ?: "", "failed") && error &&
                 strstr(error, "fence.command fence: exited with status 3: acl locked"),
             "want the command's failure: %s", text);
    free(text);
    json_decref(r);
    char *got = th_read_file(log), want[300];
    snprintf(want, sizeof(want), "primary fence %s\n", g_fo.primary.bootstrap);
    TH_CHECK(got && !strcmp(got, want), "fence.command got '%s', want '%s'", got ? got : "", want);
    free(got);
    th_fo_expect_dns(&g_fo, TH_FO_PRIMARY_IP);
}

/* A planned failover that stops after fencing (here: the mirror is gone,
 * so nothing proves the drain) unfences the old site again. */
static void test_failover_rolls_back_after_fence(void **state)
{
    (void)state;
    th_mirror_stop(&g_fo.mirror, SIGTERM);
    json_t *r = th_fo_switch(&g_fo, "/v1/failover", "{\"mode\":\"planned\"}");
    char *text = json_dumps(r, JSON_INDENT(1));
    const char *error = json_string_value(json_object_get(r, "error"));
    TH_CHECK(!strcmp(json_string_value(json_object_get(r, "outcome")) ?: "", "failed") && error &&
                 strstr(error, "mirror"),
             "want a failure naming the mirror: %s", text);
    json_t *phases = json_object_get(r, "phases"),
           *last = json_array_get(phases, json_array_size(phases) - 1);
    TH_CHECK(!strcmp(json_string_value(json_object_get(last, "name")) ?: "", "rollback") &&
                 json_is_true(json_object_get(last, "ok")),
             "no rollback: %s", text);
    free(text);
    json_decref(r);
    th_kafka_produce(g_fo.primary.bootstrap, TOPIC, NPART, 0, 10, "unfenced");
    th_fo_expect_dns(&g_fo, TH_FO_PRIMARY_IP);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_planned_failover_and_failback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failover_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failover_rolls_back_after_fence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failover_fence_command, setup, teardown),
    };
    return cmocka_run_group_tests_name("failover_planned", tests, NULL, NULL);
}
