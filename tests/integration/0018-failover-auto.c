/* Health detection and automatic failover, with real brokers, Knot DNS, a
 * mirror and xdc-failover (tests/lib/th_fo.h):
 *  - flapping: the primary broker is stopped (SIGSTOP) for 1 s and resumed
 *    for 1 s (plus a stagger of 0-750 ms, so the outages fall at every
 *    phase of the monitor's interval), again and again, with
 *    failover.auto.enabled and the default health policy: no failover
 *    starts and the name stays on the primary. Probes time out after
 *    300 ms, so the monitor sees most outages;
 *  - kill -9 of the primary: the controller declares it down
 *    and fails over on its own (unplanned): the name moves to DR on every
 *    server, the report is completed with its detect time and an RPO
 *    estimate from the mirror's last lag sample, and the canary through
 *    the name works. The mirror was behind when the primary died under a
 *    load; when it is restarted, the controller fences it at once, and
 *    POST /v1/reconcile reports exactly the records it holds past the
 *    point the failover froze: every acknowledged record DR lacks, and
 *    nothing else but records the primary never acknowledged;
 *  - the guard rail: with failover.auto.max.rpo.ms=2000 and the mirror
 *    behind (its flow paused under a load), a killed primary is declared
 *    down, and the automatic failover is refused and reported once, with
 *    the RPO estimate that exceeded it; the name stays on the primary;
 *  - the canary among the probes: a record produced to canary.topic on the
 *    primary and read back every interval, a topic the mirror never
 *    copies. A fenced primary still answers ApiVersions, but the canary
 *    (a client fenced brokers refuse) fails, and with one more address
 *    of the site down that is a majority: the primary is declared down.
 *    Unfenced, the canary passes again and the primary is up. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/lib/th_fo.h"
#include "tests/lib/th_http.h"
#include "common/util.h"
#include "tests/lib/th_kafka.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOPIC "orders"
#define NPART 4

static th_fo_t g_fo;

/* --- a load that knows which records the primary acknowledged -------------- */

#define MAXSEQ 100000

typedef struct load {
    atomic_bool stop;
    pthread_t thread;
    long produced;
    uint8_t acked[MAXSEQ]; /* by delivery reports */
} load_t;

static load_t *g_load;

static long seq_of(const void *value, size_t len)
{
    char buf[32];
    long seq = -1;
    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, value, len);
    buf[len] = '\0';
    return sscanf(buf, "r-%ld", &seq) == 1 && seq >= 0 && seq < MAXSEQ ? seq : -1;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    load_t *l = opaque;
    long seq = seq_of(m->payload, m->len);
    if (!m->err && seq >= 0)
        l->acked[seq] = 1;
}

/* About 400 records a second to the primary by its address, acks=all. */
static void *load_main(void *arg)
{
    load_t *l = arg;
    char why[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "bootstrap.servers", g_fo.primary.bootstrap, why, sizeof(why));
    rd_kafka_conf_set(c, "acks", "all", why, sizeof(why));
    rd_kafka_conf_set(c, "linger.ms", "2", why, sizeof(why));
    rd_kafka_conf_set(c, "log_level", "2", why, sizeof(why));
    rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
    rd_kafka_conf_set_opaque(c, l);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, why, sizeof(why));
    while (rk && !atomic_load(&l->stop) && l->produced < MAXSEQ) {
        char val[32];
        int n = snprintf(val, sizeof(val), "r-%ld", l->produced);
        if (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(TOPIC),
                              RD_KAFKA_V_PARTITION((int32_t)(l->produced % NPART)),
                              RD_KAFKA_V_VALUE(val, (size_t)n),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) == 0)
            l->produced++;
        rd_kafka_poll(rk, 0);
        if (l->produced % 4 == 0)
            th_sleep_ms(10);
    }
    /* The primary is dead: what it did not acknowledge is given up, and
     * nothing reaches it when it comes back. */
    if (rk) {
        rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(rk, 100);
        rd_kafka_destroy(rk);
    }
    return NULL;
}

static void load_stop(void)
{
    if (!g_load)
        return;
    atomic_store(&g_load->stop, true);
    pthread_join(g_load->thread, NULL);
}

static int setup(void **state)
{
    (void)state;
    th_fo_start(&g_fo, th_tmpdir(), TOPIC, NPART, "failover.auto.enabled=true\n");
    return 0;
}

static int teardown(void **state)
{
    load_stop();
    free(g_load);
    g_load = NULL;
    /* A broker left stopped would not die of SIGTERM. */
    if (g_fo.primary.proc)
        kill(th_proc_pid(g_fo.primary.proc), SIGCONT);
    th_fo_controller_stop(&g_fo);
    return th_teardown(state);
}

static json_t *status(void)
{
    return th_http_get_json(g_fo.http_port, "/v1/status");
}

/* Until the monitor has seen the primary active and up, with a lag sample. */
static void wait_monitor_ready(void)
{
    for (int i = 0; i < th_ms(30000) / 200; i++) {
        json_t *s = status();
        json_t *h = json_object_get(s, "health");
        int ready = h && !strcmp(json_string_value(json_object_get(h, "site")) ?: "", "primary") &&
                    json_is_true(json_object_get(h, "up")) &&
                    json_integer_value(
                        json_object_get(json_object_get(h, "rpo_estimate"), "sample_ms")) > 0;
        json_decref(s);
        if (ready)
            return;
        th_sleep_ms(200);
    }
    fail_msg("the monitor never saw the primary up with a lag sample");
}

/* Until the mirror has checkpointed every partition of the group. */
static void wait_checkpoints(void)
{
    for (int i = 0; i < th_ms(30000) / 200; i++) {
        json_t *c = th_http_get_json(g_fo.mirror.http_port, "/v1/checkpoints?group=billing");
        json_t *f = json_array_get(json_object_get(c, "flows"), 0), *g, *p;
        size_t k, n = 0;
        g = json_array_get(json_object_get(f, "groups"), 0);
        json_array_foreach(json_object_get(g, "partitions"), k, p) n +=
            json_is_integer(json_object_get(p, "checkpoint_target_offset"));
        json_decref(c);
        if (n == NPART)
            return;
        th_sleep_ms(200);
    }
    fail_msg("the mirror did not checkpoint group billing");
}

static void test_flapping_never_fails_over(void **state)
{
    (void)state;
    th_fo_controller_start(&g_fo, "failover.auto.enabled=true\nhealth.probe.timeout.ms=300\n");
    th_kafka_load_t *load = th_kafka_load_start(g_fo.primary.bootstrap, TOPIC, NPART, 64, 1);
    wait_monitor_ready();
    int pid = th_proc_pid(g_fo.primary.proc);
    for (int i = 0; i < 12; i++) {
        kill(pid, SIGSTOP);
        th_sleep_ms(1000);
        kill(pid, SIGCONT);
        th_sleep_ms(1000 + 250 * (i % 4));
    }
    th_sleep_ms(3000);
    json_t *reports = th_fo_reports(&g_fo);
    TH_CHECK(json_array_size(reports) == 0, "a flapping primary started %zu switch(es)",
             json_array_size(reports));
    json_decref(reports);
    th_fo_expect_dns(&g_fo, TH_FO_PRIMARY_IP);
    /* The monitor did see the outages (else this test proves nothing): its
     * broker probe or its canary failed in most of them. And it never
     * declared the primary down. */
    json_t *st = status(), *h = json_object_get(st, "health");
    json_int_t failed = json_integer_value(json_object_get(h, "failed_probes_total"));
    json_int_t intervals = json_integer_value(json_object_get(h, "failed_intervals_total"));
    json_decref(st);
    printf("flapping: %lld failed probes, %lld failed intervals\n", (long long)failed,
           (long long)intervals);
    TH_CHECK(failed >= 6 && intervals >= 3,
             "only %lld failed probes, %lld failed intervals seen in 12 outages of 1 s",
             (long long)failed, (long long)intervals);
    TH_CHECK(strstr(th_proc_output(g_fo.proc), "declared down") == NULL,
             "declared down by flaps: %s", th_proc_output(g_fo.proc));
    th_kafka_load_stop(load);
}

static void mirror_pause(const char *flow)
{
    char body[128], *resp = NULL;
    int code;
    snprintf(body, sizeof(body), "{\"flow\":\"%s\"}", flow);
    TH_CHECK(th_http_request("POST", g_fo.mirror.http_port, "/v1/pause", NULL, body, &code,
                             &resp) == 0 &&
                 code == 200,
             "pause %s: %d %s", flow, code, resp ? resp : "");
    free(resp);
}

/* The values of @p topic's records on @p bootstrap: seq -> 1. */
static uint8_t *values_on(const char *bootstrap)
{
    th_recs_t recs = {0};
    th_kafka_consume_all(bootstrap, TOPIC, &recs, th_ms(30000));
    uint8_t *v = xcalloc(MAXSEQ, 1);
    for (size_t i = 0; i < recs.count; i++) {
        long seq = seq_of(recs.v[i].value, recs.v[i].value_len);
        if (seq >= 0)
            v[seq] = 1;
    }
    th_recs_free(&recs);
    return v;
}

/* After the primary's restart: the controller fenced it again, and
 * reconcile counts exactly what the primary holds past the frozen point:
 * every acknowledged record DR lacks, plus only records the primary never
 * acknowledged (written when it died). */
static void expect_reconcile(const char *id, json_t *replicated)
{
    th_broker_restart(&g_fo.primary);
    th_kafka_set_client_id("xdc-failover.test"); /* served by a fenced broker */
    char *fenced = NULL;
    for (int i = 0; i < th_ms(20000) / 200; i++) {
        free(fenced);
        fenced = th_kafka_broker_config(g_fo.primary.bootstrap, "1", "xdc.fenced", NULL);
        if (fenced && !strcmp(fenced, "true"))
            break;
        th_sleep_ms(200);
    }
    TH_CHECK(fenced && !strcmp(fenced, "true"), "the returning primary was not fenced: %s",
             th_proc_output(g_fo.proc));
    free(fenced);

    int code;
    char *body = NULL;
    TH_CHECK(th_http_request("POST", g_fo.http_port, "/v1/reconcile", NULL, NULL, &code, &body) ==
                     0 &&
                 code == 200,
             "reconcile: %d %s", code, body ? body : "");
    json_t *rc = json_loads(body, 0, NULL);
    free(body);
    char *text = json_dumps(rc, JSON_INDENT(1));

    /* The truth: the primary's records past the point the failover froze. */
    uint8_t *on_dr = values_on(g_fo.dr.bootstrap);
    int64_t ends[NPART];
    th_kafka_end_offsets(g_fo.primary.bootstrap, TOPIC, ends, NPART);
    th_recs_t all = {0};
    th_kafka_consume_all(g_fo.primary.bootstrap, TOPIC, &all, th_ms(30000));
    th_kafka_set_client_id(NULL);
    int64_t next[NPART] = {0};
    json_t *p;
    size_t k;
    json_array_foreach(json_object_get(replicated, "partitions"), k, p)
    {
        int part = (int)json_integer_value(json_object_get(p, "partition"));
        if (part >= 0 && part < NPART &&
            !strcmp(json_string_value(json_object_get(p, "topic")) ?: "", TOPIC))
            next[part] = json_integer_value(json_object_get(p, "replicated_offset")) + 1;
    }
    long tail = 0, tail_acked = 0, tail_on_dr = 0, acked_missing = 0;
    uint8_t *in_tail = xcalloc(MAXSEQ, 1);
    for (size_t i = 0; i < all.count; i++) {
        long seq = seq_of(all.v[i].value, all.v[i].value_len);
        if (seq < 0 || all.v[i].offset < next[all.v[i].partition])
            continue;
        tail++;
        in_tail[seq] = 1;
        tail_acked += g_load->acked[seq];
        tail_on_dr += on_dr[seq];
    }
    for (long s = 0; s < MAXSEQ; s++)
        acked_missing += g_load->acked[s] && !on_dr[s];
    long missing_outside_tail = 0;
    for (long s = 0; s < MAXSEQ; s++)
        missing_outside_tail += g_load->acked[s] && !on_dr[s] && !in_tail[s];
    th_recs_free(&all);
    free(in_tail);
    free(on_dr);
    printf("reconcile: %lld records reported; %ld acknowledged records never reached DR, %ld "
           "records written but not acknowledged\n",
           (long long)json_integer_value(json_object_get(rc, "records")), acked_missing,
           tail - tail_acked);
    TH_CHECK(acked_missing > 0, "the test lost nothing: %s", text);
    TH_CHECK(!missing_outside_tail && !tail_on_dr,
             "%ld acknowledged records missing outside the tail, %ld tail records on DR",
             missing_outside_tail, tail_on_dr);
    TH_CHECK(json_integer_value(json_object_get(rc, "records")) == tail &&
                 tail_acked == acked_missing,
             "reconcile says %lld, the tail holds %ld (%ld acknowledged, %ld acknowledged "
             "missing): %s",
             (long long)json_integer_value(json_object_get(rc, "records")), tail, tail_acked,
             acked_missing, text);
    json_int_t sum = 0;
    json_array_foreach(json_object_get(rc, "partitions"), k, p)
    {
        int part = (int)json_integer_value(json_object_get(p, "partition"));
        if (strcmp(json_string_value(json_object_get(p, "topic")) ?: "", TOPIC) || part < 0 ||
            part >= NPART)
            continue;
        TH_CHECK(json_integer_value(json_object_get(p, "log_end_offset")) == ends[part],
                 "partition %d: log end: %s", part, text);
        sum += json_integer_value(json_object_get(p, "records"));
    }
    TH_CHECK(sum == tail, "partitions sum to %lld: %s", (long long)sum, text);
    free(text);
    json_decref(rc);

    /* It is in the failover's report, and the primary is still fenced. */
    char path[256];
    snprintf(path, sizeof(path), "/v1/reports/%s", id);
    json_t *r = th_http_get_json(g_fo.http_port, path);
    TH_CHECK(json_integer_value(json_object_get(json_object_get(r, "reconcile"), "records")) ==
                 tail,
             "the report has no reconcile");
    json_decref(r);
    json_t *st = status();
    TH_CHECK(!strcmp(json_string_value(
                         json_object_get(json_object_get(st, "fenced_until_failback"), "site"))
                         ?: "",
                     "primary"),
             "status does not show the fenced primary");
    json_decref(st);
}

static void test_kill9_fails_over_on_its_own(void **state)
{
    (void)state;
    th_kafka_produce(g_fo.primary.bootstrap, TOPIC, NPART, 0, 2000, "before");
    const int64_t committed[NPART] = {100, 200, 300, 400};
    th_kafka_commit(g_fo.primary.bootstrap, "billing", TOPIC, committed, NPART);
    wait_monitor_ready();
    wait_checkpoints();
    th_sleep_ms(1500); /* a lag sample after them */
    /* Under load; the mirror falls behind (a slow link) for the last
     * second before the crash, so the primary dies holding acknowledged
     * records DR lacks. */
    g_load = xcalloc(1, sizeof(*g_load));
    atomic_init(&g_load->stop, false);
    TH_CHECK(pthread_create(&g_load->thread, NULL, load_main, g_load) == 0, "load thread");
    th_sleep_ms(1000);
    mirror_pause("primary->dr");
    th_sleep_ms(1000);
    th_broker_stop(&g_fo.primary, SIGKILL);
    load_stop();
    json_t *reports = NULL;
    for (int i = 0; i < th_ms(60000) / 200; i++) {
        json_decref(reports);
        reports = th_fo_reports(&g_fo);
        if (json_array_size(reports) > 0)
            break;
        th_sleep_ms(200);
    }
    TH_CHECK(json_array_size(reports) == 1, "no automatic failover: %s", th_proc_output(g_fo.proc));
    const char *id = json_string_value(json_object_get(json_array_get(reports, 0), "id"));
    json_t *r = th_fo_wait_report(&g_fo, id, th_ms(60000));
    json_decref(reports);
    char *text = json_dumps(r, JSON_INDENT(1));
    TH_CHECK(!strcmp(json_string_value(json_object_get(r, "outcome")) ?: "", "completed") &&
                 !strcmp(json_string_value(json_object_get(r, "mode")) ?: "", "unplanned"),
             "report: %s", text);
    json_t *stamps = json_object_get(r, "timestamps");
    json_int_t t0 = json_integer_value(json_object_get(stamps, "t0"));
    json_int_t detect = json_integer_value(json_object_get(stamps, "detect"));
    TH_CHECK(t0 > 0 && detect >= t0 && json_integer_value(json_object_get(r, "rto_ms")) > 0,
             "timestamps: %s", text);
    json_t *rpo = json_object_get(r, "rpo");
    TH_CHECK(json_is_true(json_object_get(rpo, "estimated")) &&
                 json_array_size(json_object_get(rpo, "partitions")) >= NPART,
             "RPO estimate: %s", text);
    /* The group's last checkpoints were applied on DR: with identity naming
     * and no gaps they are the offsets it committed on the primary. */
    json_t *g = json_array_get(json_object_get(r, "offsets"), 0), *p;
    size_t k;
    TH_CHECK(g && json_is_true(json_object_get(g, "applied")) &&
                 json_array_size(json_object_get(g, "partitions")) == NPART,
             "offsets: %s", text);
    json_array_foreach(json_object_get(g, "partitions"), k, p)
    {
        json_int_t part = json_integer_value(json_object_get(p, "partition"));
        TH_CHECK(part >= 0 && part < NPART &&
                     json_integer_value(json_object_get(p, "target_offset")) == committed[part],
                 "partition %lld: %s", (long long)part, text);
    }
    json_t *replicated = json_incref(json_object_get(r, "replicated"));
    TH_CHECK(json_array_size(json_object_get(replicated, "partitions")) >= NPART,
             "no frozen replicated point: %s", text);
    free(text);
    char *rid = xstrdup(json_string_value(json_object_get(r, "id")));
    json_decref(r);
    th_fo_expect_dns(&g_fo, TH_FO_DR_IP);
    expect_reconcile(rid, replicated);
    free(rid);
    json_decref(replicated);
}

/* The last lag sample's RPO estimate in seconds, as the monitor has it. */
static double rpo_seconds(void)
{
    json_t *st = status();
    double secs = json_number_value(
        json_object_get(json_object_get(json_object_get(st, "health"), "rpo_estimate"), "seconds"));
    json_decref(st);
    return secs;
}

static void test_auto_failover_refused_over_max_rpo(void **state)
{
    (void)state;
    th_fo_controller_start(&g_fo, "failover.auto.enabled=true\nfailover.auto.max.rpo.ms=2000\n");
    th_kafka_load_t *load = th_kafka_load_start(g_fo.primary.bootstrap, TOPIC, NPART, 64, 1);
    wait_monitor_ready();
    mirror_pause("primary->dr");
    int waited = 0;
    for (; rpo_seconds() <= 2.5 && waited < th_ms(30000); waited += 200)
        th_sleep_ms(200);
    TH_CHECK(rpo_seconds() > 2.5, "the RPO estimate never passed 2.5 s with the mirror paused");
    th_kafka_load_stop(load);
    th_broker_stop(&g_fo.primary, SIGKILL);

    json_t *reports = NULL;
    for (waited = 0; waited < th_ms(30000); waited += 200) {
        json_decref(reports);
        reports = th_fo_reports(&g_fo);
        if (json_array_size(reports) > 0)
            break;
        th_sleep_ms(200);
    }
    TH_CHECK(json_array_size(reports) == 1, "no report of the refusal: %s",
             th_proc_output(g_fo.proc));
    const char *id = json_string_value(json_object_get(json_array_get(reports, 0), "id"));
    json_t *r = th_fo_wait_report(&g_fo, id, th_ms(10000));
    json_decref(reports);
    char *text = json_dumps(r, JSON_INDENT(1));
    const char *why = json_string_value(json_object_get(r, "error"));
    json_t *rpo = json_object_get(r, "rpo");
    TH_CHECK(!strcmp(json_string_value(json_object_get(r, "outcome")) ?: "", "refused") && why &&
                 strstr(why, "exceeds failover.auto.max.rpo.ms (2000)"),
             "report: %s", text);
    TH_CHECK(json_is_true(json_object_get(rpo, "estimated")) &&
                 json_integer_value(json_object_get(rpo, "records")) > 0 &&
                 json_number_value(json_object_get(rpo, "seconds")) > 2.0,
             "the refused report's RPO: %s", text);
    free(text);
    json_decref(r);
    char *metrics = NULL;
    int code, found = 0;
    th_http_get(g_fo.http_port, "/metrics", &code, &metrics);
    double secs = th_metric_sum(metrics ?: "", "xdc_failover_rpo_estimate_seconds ", &found);
    TH_CHECK(found == 1 && secs > 2.0, "xdc_failover_rpo_estimate_seconds: %d lines, %g", found,
             secs);
    double recs = th_metric_sum(metrics ?: "", "xdc_failover_rpo_estimate_records ", &found);
    TH_CHECK(found == 1 && recs > 0, "xdc_failover_rpo_estimate_records: %d lines, %g", found,
             recs);
    free(metrics);
    /* Nothing moved, and the refusal is not repeated every interval. */
    th_sleep_ms(3000);
    th_fo_expect_dns(&g_fo, TH_FO_PRIMARY_IP);
    reports = th_fo_reports(&g_fo);
    TH_CHECK(json_array_size(reports) == 1, "%zu reports after the refusal",
             json_array_size(reports));
    json_decref(reports);
    json_t *st = status();
    TH_CHECK(!json_is_true(json_object_get(json_object_get(st, "health"), "up")),
             "the killed primary is not declared down");
    json_decref(st);
}

#define CANARY_TOPIC "xdc.canary.internal"

/* The last interval's canary probe, new reference, or NULL. */
static json_t *canary_probe(void)
{
    json_t *st = status(), *p, *found = NULL;
    size_t i;
    json_array_foreach(json_object_get(json_object_get(st, "health"), "probes"), i, p)
    {
        if (json_object_get(p, "canary"))
            found = json_incref(p);
    }
    json_decref(st);
    return found;
}

/* Until the health verdict is @p up and the canary probe @p canary_ok. */
static void wait_health(int up, int canary_ok, const char *what)
{
    for (int i = 0; i < th_ms(30000) / 200; i++) {
        json_t *st = status(), *p = canary_probe();
        int now_up = json_is_true(json_object_get(json_object_get(st, "health"), "up"));
        int ok = p && json_is_true(json_object_get(p, "ok"));
        json_decref(st);
        json_decref(p);
        if (now_up == up && ok == canary_ok)
            return;
        th_sleep_ms(200);
    }
    json_t *st = status();
    char *text = json_dumps(json_object_get(st, "health"), JSON_INDENT(1));
    fail_msg("%s: health %s", what, text);
}

static void set_primary_fenced(const char *value)
{
    char err[512];
    th_kafka_set_client_id("xdc-failover-test");
    int rc = th_kafka_alter_broker_config(g_fo.primary.bootstrap, "1", "xdc.fenced", value, err,
                                          sizeof(err));
    th_kafka_set_client_id(NULL);
    TH_CHECK(rc == 0, "xdc.fenced=%s: %s", value, err);
}

static void test_canary_probe(void **state)
{
    (void)state;
    /* The site has a second address that never answers: the brokers' vote
     * is split, and the canary decides. */
    char extra[256];
    snprintf(extra, sizeof(extra), "primary.bootstrap.servers=%s,127.0.0.1:%d\n",
             g_fo.primary.bootstrap, th_free_port());
    th_fo_controller_start(&g_fo, extra);
    wait_health(1, 1, "the canary never passed on the primary");
    json_t *p = canary_probe();
    TH_CHECK(!strcmp(json_string_value(json_object_get(p, "canary")) ?: "", CANARY_TOPIC) &&
                 json_integer_value(json_object_get(p, "ms")) >= 0,
             "canary probe: %s", json_dumps(p, 0));
    json_decref(p);
    /* A round trip every interval, on the primary only. */
    int64_t before = th_kafka_end_offset(g_fo.primary.bootstrap, CANARY_TOPIC, 0);
    th_sleep_ms(3000);
    int64_t after = th_kafka_end_offset(g_fo.primary.bootstrap, CANARY_TOPIC, 0);
    TH_CHECK(after >= before + 2, "canary records %lld -> %lld in 3 s", (long long)before,
             (long long)after);
    char *retention = th_kafka_topic_config(g_fo.primary.bootstrap, CANARY_TOPIC, "retention.ms");
    TH_CHECK(retention && !strcmp(retention, "3600000"), "canary retention.ms %s",
             retention ? retention : "(absent)");
    free(retention);
    TH_CHECK(th_kafka_partitions(g_fo.dr.bootstrap, CANARY_TOPIC) == 0,
             "the mirror copied the canary topic to DR");

    set_primary_fenced("true");
    wait_health(0, 0, "a fenced primary was not declared down");
    p = canary_probe();
    const char *why = json_string_value(json_object_get(p, "error"));
    TH_CHECK(why && strstr(why, "not acknowledged"), "canary error: %s", json_dumps(p, 0));
    json_decref(p);
    json_t *st = status(), *b;
    size_t i;
    json_array_foreach(json_object_get(json_object_get(st, "health"), "probes"), i, b)
    {
        const char *broker = json_string_value(json_object_get(b, "broker"));
        if (broker && !strcmp(broker, g_fo.primary.bootstrap))
            TH_CHECK(json_is_true(json_object_get(b, "ok")),
                     "the fenced broker fails its ApiVersions probe: %s", json_dumps(b, 0));
    }
    json_decref(st);
    TH_CHECK(strstr(th_proc_output(g_fo.proc), "primary declared down"), "log: %s",
             th_proc_output(g_fo.proc));
    /* /metrics says the same as the status. */
    char *metrics = NULL;
    int code;
    th_http_get(g_fo.http_port, "/metrics", &code, &metrics);
    static const struct {
        const char *series;
        double min, max;
    } want[] = {
        {"xdc_failover_probe_ok{probe=\"canary\"}", 0, 0},
        {"xdc_failover_site_up ", 0, 0},
        {"xdc_failover_active_site{site=\"primary\"}", 1, 1},
        {"xdc_failover_failed_intervals_total ", 3, 1e9},
        {"xdc_failover_failed_probes_total ", 6, 1e9},
    };
    for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
        int found = 0;
        double v = th_metric_sum(metrics ?: "", want[k].series, &found);
        TH_CHECK(found == 1 && v >= want[k].min && v <= want[k].max, "%s: %d lines, %g",
                 want[k].series, found, v);
    }
    free(metrics);

    set_primary_fenced("false");
    wait_health(1, 1, "the unfenced primary did not come back up");
    json_t *reports = th_fo_reports(&g_fo);
    TH_CHECK(json_array_size(reports) == 0, "%zu switch(es) without failover.auto.enabled",
             json_array_size(reports));
    json_decref(reports);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_flapping_never_fails_over, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill9_fails_over_on_its_own, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auto_failover_refused_over_max_rpo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_canary_probe, setup, teardown),
    };
    return cmocka_run_group_tests_name("failover_auto", tests, NULL, NULL);
}
