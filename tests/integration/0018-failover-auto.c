/* Health detection and automatic failover, with real brokers, Knot DNS, a
 * mirror and xdc-failover (tests/lib/th_fo.h):
 *  - flapping: the primary broker is stopped (SIGSTOP) for 1 s and resumed
 *    for 1 s, again and again, with failover.auto.enabled and the default
 *    health policy: no failover starts and the name stays on the primary;
 *  - kill -9 of the primary: the controller declares it down
 *    and fails over on its own (unplanned): the name moves to DR on every
 *    server, the report is completed with its detect time and an RPO
 *    estimate from the mirror's last lag sample, and the canary through
 *    the name works. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/lib/th_fo.h"
#include "tests/lib/th_http.h"
#include "tests/lib/th_kafka.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOPIC "orders"
#define NPART 4

static th_fo_t g_fo;

static int setup(void **state)
{
    (void)state;
    th_fo_start(&g_fo, th_tmpdir(), TOPIC, NPART, "failover.auto.enabled=true\n");
    return 0;
}

static int teardown(void **state)
{
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
    th_kafka_load_t *load = th_kafka_load_start(g_fo.primary.bootstrap, TOPIC, NPART, 64, 1);
    wait_monitor_ready();
    int pid = th_proc_pid(g_fo.primary.proc);
    for (int i = 0; i < 12; i++) {
        kill(pid, SIGSTOP);
        th_sleep_ms(1000);
        kill(pid, SIGCONT);
        th_sleep_ms(1000);
    }
    th_sleep_ms(3000);
    json_t *reports = th_fo_reports(&g_fo);
    TH_CHECK(json_array_size(reports) == 0, "a flapping primary started %zu switch(es)",
             json_array_size(reports));
    json_decref(reports);
    th_fo_expect_dns(&g_fo, TH_FO_PRIMARY_IP);
    /* The monitor did see the outages (else this test proves nothing), and
     * never declared the primary down. */
    json_t *st = status();
    json_int_t failed = json_integer_value(
        json_object_get(json_object_get(st, "health"), "failed_intervals_total"));
    json_decref(st);
    TH_CHECK(failed >= 6, "only %lld failed intervals seen in 12 outages of 1 s",
             (long long)failed);
    TH_CHECK(strstr(th_proc_output(g_fo.proc), "declared down") == NULL,
             "declared down by flaps: %s", th_proc_output(g_fo.proc));
    th_kafka_load_stop(load);
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
    th_broker_stop(&g_fo.primary, SIGKILL);
    /* The load's producer now has nowhere to write; it is not checked. */
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
    free(text);
    json_decref(r);
    th_fo_expect_dns(&g_fo, TH_FO_DR_IP);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_flapping_never_fails_over, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill9_fails_over_on_its_own, setup, teardown),
    };
    return cmocka_run_group_tests_name("failover_auto", tests, NULL, NULL);
}
