/* xdc-mirror when things break, between two xdc-broker clusters:
 *  - kill -9 the mirror mid-stream and restart it: nothing is missing on
 *    the target, and the duplicates on the target are the ones it counts;
 *  - stop the target broker for 30 s under load: the mirror's memory stays
 *    under its cap (buffer.memory pauses the source) and replication
 *    catches up with nothing missing once the target is back;
 *  - two mirrors share a flow through the source consumer group; one is
 *    killed and the other takes over every partition, nothing missing;
 *  - an active-active pair with identity naming (primary->dr and
 *    dr->primary in one process) does not loop;
 *  - a record the target refuses (too large for the target topic) pauses
 *    its partition with the reason on /v1/status, /v1/lag and in the log,
 *    is retried, never skipped, and goes through once the target allows it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/lib/th_broker.h"
#include "tests/lib/th_http.h"
#include "tests/lib/th_kafka.h"
#include "tests/lib/th_mcheck.h"
#include "tests/lib/th_mirror.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NPART 8

static th_broker_t g_primary, g_dr;
static th_pair_t g_pair; /* their bootstraps */
static th_mirror_t g_m1, g_m2;
static th_kafka_load_t *g_load; /* a running load, stopped by teardown() if a test fails */
static const char *g_dir;

static int setup(void **state)
{
    (void)state;
    g_dir = th_tmpdir();
    g_pair = th_pair_start(&g_primary, &g_dr, g_dir, NULL);
    g_load = NULL;
    memset(&g_m1, 0, sizeof(g_m1));
    memset(&g_m2, 0, sizeof(g_m2));
    return 0;
}

static int teardown(void **state)
{
    th_mc_stop(&g_load, (th_mirror_t *const[]){&g_m1, &g_m2}, 2);
    return th_teardown(state);
}

static const char *mirror_conf(const char *extra)
{
    char conf[1024];
    snprintf(conf, sizeof(conf), "primary.consumer.heartbeat.interval.ms = 500\n%s",
             extra ? extra : "");
    return th_mc_conf(&g_pair, conf);
}

/* --- target down under load ----------------------------------------------- */

static long rss_kb(th_proc_t *p)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/status", th_proc_pid(p));
    char *s = th_read_file(path);
    long kb = -1;
    const char *v = s ? strstr(s, "VmRSS:") : NULL;
    if (v)
        kb = strtol(v + 6, NULL, 10);
    free(s);
    return kb;
}

static void test_mirror_target_down_30s(void **state)
{
    (void)state;
    const long cap_mb = 16;
    th_kafka_create_topic(g_primary.bootstrap, "stream", NPART, NULL);
    th_mirror_start(&g_m1, g_dir, mirror_conf("buffer.memory = 16777216\n"));
    th_mc_wait_count(g_dr.bootstrap, "primary.stream", NPART, 0, th_ms(30000), &g_m1);
    th_kafka_load_t *l = g_load =
        th_kafka_load_start(g_primary.bootstrap, "stream", NPART, 1024, 20);
    /* The outage starts while records flow through the mirror. */
    th_mc_wait_count(g_dr.bootstrap, "primary.stream", NPART, 4000, th_ms(30000), &g_m1);
    long base = rss_kb(g_m1.proc);
    th_broker_stop(&g_dr, SIGTERM);
    long peak = base;
    for (int i = 0; i < 30; i++) {
        usleep(1000 * 1000);
        long r = rss_kb(g_m1.proc);
        if (r > peak)
            peak = r;
    }
    long during = th_kafka_load_produced(l);
    json_t *st = th_http_get_json(g_m1.http_port, "/v1/status");
    json_t *paused = json_object_get(th_mc_flow0(st), "paused");
    size_t npaused = json_array_size(paused);
    json_decref(st);
    th_broker_restart(&g_dr);
    usleep(3000 * 1000);
    g_load = NULL;
    long total = th_kafka_load_stop(l);
    print_message("RSS %ld kB before the outage, peak %ld kB during it; %ld records produced "
                  "(%ld by the end of the outage), %zu partitions paused\n",
                  base, peak, total, during, npaused);
    TH_CHECK(npaused > 0, "no partition was paused while the target was down");
    TH_CHECK(peak - base < 2 * cap_mb * 1024, "RSS grew by %ld kB with buffer.memory = %ld MB",
             peak - base, cap_mb);
    th_mc_wait_count(g_dr.bootstrap, "primary.stream", NPART, total, th_ms(90000), &g_m1);
    th_mirror_check_t c;
    th_mc_compare(&g_pair, "stream", "primary.stream", &c);
}

/* --- kill -9 -------------------------------------------------------------- */

static void test_mirror_kill9_nothing_missing(void **state)
{
    (void)state;
    th_kafka_create_topic(g_primary.bootstrap, "events", NPART, NULL);
    /* Commits every 2 s: at the kill the target holds records whose source
     * offsets were not committed yet. */
    th_mirror_start(&g_m1, g_dir, mirror_conf("offset.flush.interval.ms = 2000\n"));
    th_mc_wait_assigned(&g_m1, "events", NPART);
    th_mc_kill9(&g_pair, &g_m1, "events", "primary.events", NPART, 1024, &g_load);
}

/* --- two mirrors, one killed ---------------------------------------------- */

static void test_mirror_scale_out_takeover(void **state)
{
    (void)state;
    th_kafka_create_topic(g_primary.bootstrap, "shared", NPART, NULL);
    th_mc_scale_out(&g_pair, &g_m1, &g_m2, g_dir, mirror_conf(NULL), "shared", "primary.shared",
                    NPART, 40000);
}

/* --- active-active --------------------------------------------------------- */

static void test_mirror_active_active_no_loop(void **state)
{
    (void)state;
    th_kafka_create_topic(g_primary.bootstrap, "accounts", 4, NULL);
    th_kafka_create_topic(g_dr.bootstrap, "accounts", 4, NULL);
    th_mirror_start(&g_m1, g_dir,
                    mirror_conf("dr->primary.enabled = true\n"
                                "replication.policy.class = identity\n"
                                "dr.consumer.session.timeout.ms = 6000\n"));
    th_mc_active_active(&g_pair, &g_m1, "accounts", 4, 2000);
}

/* --- a record the target refuses ------------------------------------------- */

/* The reason /v1/status gives for pausing @p topic / @p part, or NULL.
 * @return caller-owned. */
static char *pause_reason(th_mirror_t *m, const char *topic, int part)
{
    json_t *j = th_http_get_json(m->http_port, "/v1/status");
    json_t *flow = th_mc_flow0(j), *a;
    char *why = NULL;
    size_t i;
    json_array_foreach(json_object_get(flow, "paused"), i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "topic")), topic) == 0 &&
            json_integer_value(json_object_get(a, "partition")) == part)
            why = strdup(json_string_value(json_object_get(a, "reason")));
    }
    json_decref(j);
    return why;
}

/* The "failure" /v1/lag reports for @p topic / @p part, or NULL.
 * @return caller-owned. */
static char *lag_failure(th_mirror_t *m, const char *topic, int part)
{
    json_t *j = th_http_get_json(m->http_port, "/v1/lag");
    json_t *flow = th_mc_flow0(j), *p;
    char *why = NULL;
    size_t i;
    json_array_foreach(json_object_get(flow, "partitions"), i, p)
    {
        json_t *f = json_object_get(p, "failure");
        if (strcmp(json_string_value(json_object_get(p, "topic")), topic) == 0 &&
            json_integer_value(json_object_get(p, "partition")) == part && json_is_string(f))
            why = strdup(json_string_value(f));
    }
    json_decref(j);
    return why;
}

/* The target's topic takes records of at most 2,000 bytes (the source's
 * default is 1 MB, and config sync is off so the mirror does not copy it):
 * the 5,000-byte record pauses its partition with the broker's reason on
 * /v1/status, /v1/lag and in the log; nothing behind it is written (order
 * holds), nothing before it is lost; the partition is retried and, once
 * the operator raised the limit, catches up with every record. */
static void test_mirror_refused_record(void **state)
{
    (void)state;
    char big[5001];
    memset(big, 'B', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    th_kafka_create_topic(g_primary.bootstrap, "blobs", 1, NULL);
    const char *const limit[] = {"max.message.bytes=2000", NULL};
    th_kafka_create_topic(g_dr.bootstrap, "primary.blobs", 1, limit);
    th_mirror_start(&g_m1, g_dir,
                    mirror_conf("primary->dr.topics = blobs\n"
                                "sync.topic.configs.enabled = false\n"));
    th_kafka_produce(g_primary.bootstrap, "blobs", 1, 0, 5, "small");
    th_mc_wait_count(g_dr.bootstrap, "primary.blobs", 1, 5, th_ms(30000), &g_m1);

    th_kafka_produce(g_primary.bootstrap, "blobs", 1, 5, 1, big);
    th_kafka_produce(g_primary.bootstrap, "blobs", 1, 6, 5, "small");
    char *why = NULL;
    for (int tries = 0; !(why = pause_reason(&g_m1, "blobs", 0)); tries++) {
        TH_CHECK(tries < 100, "blobs/0 not paused after 20 s; mirror log:\n%s",
                 th_mirror_log(&g_m1));
        usleep(200 * 1000);
    }
    TH_CHECK(strstr(why, "source offset 5") && strstr(why, "too large"), "pause reason: %s", why);
    free(why);
    why = lag_failure(&g_m1, "blobs", 0);
    TH_CHECK(why && strstr(why, "source offset 5") && strstr(why, "too large"),
             "/v1/lag failure: %s", why ? why : "(none)");
    free(why);
    TH_CHECK(strstr(th_mirror_log(&g_m1), "blobs/0: the target refused a record, partition paused"),
             "refusal not logged:\n%s", th_mirror_log(&g_m1));
    TH_CHECK(th_mc_status_counter(&g_m1, "failures") >= 1, "failures counter not raised");

    /* Retried every 10 s, refused each time: never skipped. */
    usleep((unsigned)th_ms(12000) * 1000u);
    TH_CHECK(th_kafka_end_offset(g_dr.bootstrap, "primary.blobs", 0) == 5,
             "the target holds %" PRId64 " records; only the 5 before the refused one may be there",
             th_kafka_end_offset(g_dr.bootstrap, "primary.blobs", 0));
    TH_CHECK(strstr(th_mirror_log(&g_m1), "blobs/0: retrying from source offset 5"),
             "no retry logged:\n%s", th_mirror_log(&g_m1));
    why = pause_reason(&g_m1, "blobs", 0);
    TH_CHECK(why != NULL, "blobs/0 resumed although the record is still refused");
    free(why);

    th_kafka_alter_topic_config(g_dr.bootstrap, "primary.blobs", "max.message.bytes", "1048588");
    th_mc_wait_count(g_dr.bootstrap, "primary.blobs", 1, 11, th_ms(30000), &g_m1);
    th_mirror_check_t c = {0};
    th_mc_compare(&g_pair, "blobs", "primary.blobs", &c);
    TH_CHECK(c.duplicates == 0, "%ld duplicates", c.duplicates);
    for (int tries = 0; (why = pause_reason(&g_m1, "blobs", 0)); tries++) {
        TH_CHECK(tries < 50, "blobs/0 still paused after catching up: %s", why);
        free(why);
        usleep(200 * 1000);
    }
    why = lag_failure(&g_m1, "blobs", 0);
    TH_CHECK(why == NULL, "/v1/lag still reports %s", why);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_mirror_kill9_nothing_missing), T(test_mirror_target_down_30s),
        T(test_mirror_scale_out_takeover),    T(test_mirror_active_active_no_loop),
        T(test_mirror_refused_record),
    };
    return cmocka_run_group_tests_name("mirror_resilience", tests, NULL, NULL);
}
