/* Fencing an xdc-broker through the Kafka admin API (AlterConfigs of the
 * broker resource, xdc.fenced), as the failover controller does:
 *  - under a load and a consumer group, fencing acknowledges and from then
 *    on no record lands, the clients' connections are closed and the group
 *    has no members, while a client whose client.id is fence-exempt keeps
 *    producing;
 *  - DescribeConfigs and the xdc_broker_fenced gauge show the state;
 *  - a broker killed while fenced comes back fenced;
 *  - bad values and other broker configs are refused with a clear message;
 *  - unfencing lets the waiting producer deliver everything it queued. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/lib/th_broker.h"
#include "tests/lib/th_http.h"
#include "tests/lib/th_kafka.h"

#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOPIC     "orders"
#define NPART     2
#define BROKER_ID "1" /* node.id of th_broker_start() */

static th_broker_t g_brk;
static int g_http;

static int setup(void **state)
{
    (void)state;
    static char http[64];
    g_http = th_free_port();
    snprintf(http, sizeof(http), "http.listen=127.0.0.1:%d", g_http);
    const char *const ov[] = {http, NULL};
    th_broker_start(&g_brk, th_tmpdir(), ov);
    /* The test's own helpers play the controller: exempt from fencing. */
    th_kafka_set_client_id("xdc-failover-test");
    th_kafka_create_topic(g_brk.bootstrap, TOPIC, NPART, NULL);
    return 0;
}

static int teardown(void **state)
{
    th_kafka_set_client_id(NULL);
    return th_teardown(state);
}

static double metric(const char *prefix)
{
    int status, found;
    char *body = NULL;
    if (th_http_get(g_http, "/metrics", &status, &body) != 0 || status != 200)
        fail_msg("GET /metrics: status %d", status);
    double v = th_metric_sum(body, prefix, &found);
    free(body);
    return found ? v : -1;
}

static void expect_fenced(const char *want)
{
    int source = -1;
    char *v = th_kafka_broker_config(g_brk.bootstrap, BROKER_ID, "xdc.fenced", &source);
    TH_CHECK(v && !strcmp(v, want), "xdc.fenced = %s, want %s", v ? v : "(absent)", want);
    int want_source = !strcmp(want, "true") ? RD_KAFKA_CONFIG_SOURCE_DYNAMIC_BROKER_CONFIG
                                            : RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG;
    TH_CHECK(source == want_source, "xdc.fenced source %d, want %d", source, want_source);
    free(v);
    double g = metric("xdc_broker_fenced ");
    TH_CHECK(g == (!strcmp(want, "true") ? 1 : 0), "xdc_broker_fenced %g", g);
}

static void set_fenced(const char *value)
{
    char err[512];
    int rc = th_kafka_alter_broker_config(g_brk.bootstrap, BROKER_ID, "xdc.fenced", value, err,
                                          sizeof(err));
    TH_CHECK(rc == 0, "xdc.fenced=%s: %s", value, err);
}

/* No record lands for @p ms: the log end stays where it is. */
static void expect_no_writes(int ms)
{
    int64_t before = th_kafka_end_sum(g_brk.bootstrap, TOPIC, NPART);
    th_sleep_ms(ms);
    int64_t after = th_kafka_end_sum(g_brk.bootstrap, TOPIC, NPART);
    TH_CHECK(after == before, "records landed on a fenced broker: %lld -> %lld", (long long)before,
             (long long)after);
}

static void test_fence(void **state)
{
    (void)state;
    th_kafka_load_t *load = th_kafka_load_start(g_brk.bootstrap, TOPIC, NPART, 64, 2);
    th_kafka_member_t *member = th_kafka_member_start(g_brk.bootstrap, "billing", TOPIC);
    TH_CHECK(th_kafka_wait_count(g_brk.bootstrap, TOPIC, NPART, 200, th_ms(20000), NULL) == 0,
             "the load does not get through");
    for (int i = 0; i < 200 && !th_kafka_member_assigned(member); i++)
        th_sleep_ms(50);
    TH_CHECK(th_kafka_member_assigned(member), "the member never got partitions");
    expect_fenced("false");

    set_fenced("true");
    expect_fenced("true");
    expect_no_writes(1500);
    /* The application's clients were turned away: their requests count as
     * BROKER_NOT_AVAILABLE (8), and their connections were closed. */
    TH_CHECK(metric("xdc_broker_requests_total{api=\"Produce\",error_code=\"8\"}") > 0,
             "no produce refused");
    /* The group member was dropped with its connection, and stays out. */
    TH_CHECK(th_kafka_group_members(g_brk.bootstrap, "billing") == 0,
             "the group member is still in the group of a fenced broker");

    /* An exempt client (the failback mirror) still writes. */
    int64_t before = th_kafka_end_sum(g_brk.bootstrap, TOPIC, NPART);
    th_kafka_produce(g_brk.bootstrap, TOPIC, NPART, 0, 10, "exempt");
    assert_int_equal(th_kafka_end_sum(g_brk.bootstrap, TOPIC, NPART), before + 10);

    /* Fencing is durable: a crash does not undo it. */
    th_broker_stop(&g_brk, SIGKILL);
    th_broker_restart(&g_brk);
    expect_fenced("true");
    expect_no_writes(1500);

    set_fenced("false");
    expect_fenced("false");
    /* Everything the load queued while fenced is delivered now. */
    long produced = th_kafka_load_stop(load);
    int64_t total = th_kafka_end_sum(g_brk.bootstrap, TOPIC, NPART);
    TH_CHECK(total >= produced + 10, "%lld records for %ld produced + 10 exempt", (long long)total,
             produced);
    th_kafka_member_stop(member);
}

static void test_fence_refuses_bad_changes(void **state)
{
    (void)state;
    char err[512];
    int rc = th_kafka_alter_broker_config(g_brk.bootstrap, BROKER_ID, "xdc.fenced", "maybe", err,
                                          sizeof(err));
    TH_CHECK(rc == RD_KAFKA_RESP_ERR_INVALID_CONFIG && strstr(err, "true or false"), "rc %d: %s",
             rc, err);
    rc = th_kafka_alter_broker_config(g_brk.bootstrap, BROKER_ID, "num.partitions", "3", err,
                                      sizeof(err));
    TH_CHECK(rc == RD_KAFKA_RESP_ERR_INVALID_REQUEST && strstr(err, "static") &&
                 strstr(err, "num.partitions"),
             "rc %d: %s", rc, err);
    expect_fenced("false");
    /* Still serving: a default client produces. */
    th_kafka_set_client_id(NULL);
    th_kafka_produce(g_brk.bootstrap, TOPIC, NPART, 0, 5, "after");
    assert_int_equal(th_kafka_end_sum(g_brk.bootstrap, TOPIC, NPART), 5);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fence_refuses_bad_changes, setup, teardown),
    };
    return cmocka_run_group_tests_name("broker_fence", tests, NULL, NULL);
}
