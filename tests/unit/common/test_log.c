/* Logging: levels, debug contexts, one line per event, librdkafka routing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/err.h"
#include "common/log.h"
#include "common/log_rdkafka.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_LINES 256
static char *lines[MAX_LINES];
static int nlines;
/* librdkafka's threads log through the sink while the test reads. */
static pthread_mutex_t lines_lock = PTHREAD_MUTEX_INITIALIZER;

static void sink(int level, const char *line, void *opaque)
{
    (void)level;
    (void)opaque;
    pthread_mutex_lock(&lines_lock);
    if (nlines < MAX_LINES)
        lines[nlines++] = strdup(line);
    pthread_mutex_unlock(&lines_lock);
}

static int setup(void **state)
{
    (void)state;
    nlines = 0;
    log_set_sink(sink, NULL);
    log_setup(LOG_INFO, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < nlines; i++)
        free(lines[i]);
    nlines = 0;
    log_set_sink(NULL, NULL);
    log_setup(LOG_INFO, 0);
    return 0;
}

static int count_matching(const char *needle)
{
    int n = 0;
    pthread_mutex_lock(&lines_lock);
    for (int i = 0; i < nlines; i++)
        n += strstr(lines[i], needle) != NULL;
    pthread_mutex_unlock(&lines_lock);
    return n;
}

static void test_log_levels_filter(void **state)
{
    (void)state;
    log_setup(LOG_WARN, 0);
    log_error("[orders/3] e");
    log_warn("[orders/3] w");
    log_info("[orders/3] i");
    log_debug(LOG_CTX_STORE, "[orders/3] d");
    assert_int_equal(nlines, 2);
    assert_non_null(strstr(lines[0], " ERROR [orders/3] e"));
    assert_non_null(strstr(lines[1], " WARN [orders/3] w"));
}

static void test_log_debug_contexts(void **state)
{
    (void)state;
    unsigned ctx;
    assert_int_equal(log_ctx_parse("wire, store", &ctx, NULL, 0), 0);
    log_setup(LOG_INFO, ctx);
    log_debug(LOG_CTX_WIRE, "conn=1 frame");
    log_debug(LOG_CTX_MIRROR, "flow=a->b");
    assert_int_equal(nlines, 1);
    assert_non_null(strstr(lines[0], "DEBUG wire conn=1 frame"));
}

static void test_log_debug_level_enables_all_contexts(void **state)
{
    (void)state;
    log_setup(LOG_DEBUG, 0);
    log_debug(LOG_CTX_MIRROR, "flow=a->b");
    log_debug(LOG_CTX_DNS, "zone=x");
    assert_int_equal(nlines, 2);
}

static void test_log_ctx_parse_rejects_unknown(void **state)
{
    (void)state;
    unsigned ctx;
    char err[256];
    assert_int_equal(log_ctx_parse("wire,nope", &ctx, err, sizeof(err)), XDC_ECONF);
    assert_non_null(strstr(err, "unknown debug context 'nope'"));
    assert_int_equal(log_ctx_parse("all", &ctx, err, sizeof(err)), 0);
    assert_int_equal(ctx, LOG_CTX_ALL);
    assert_int_equal(log_ctx_parse("", &ctx, err, sizeof(err)), 0);
    assert_int_equal(ctx, 0);
}

static void test_log_level_parse(void **state)
{
    (void)state;
    int lv;
    assert_int_equal(log_level_parse("DEBUG", &lv), 0);
    assert_int_equal(lv, LOG_DEBUG);
    assert_int_equal(log_level_parse("trace", &lv), 0);
    assert_int_equal(lv, LOG_DEBUG);
    assert_int_equal(log_level_parse("loud", &lv), XDC_ECONF);
}

static void test_log_one_line_per_event(void **state)
{
    (void)state;
    log_info("[t/0] multi\nline\rmessage");
    assert_int_equal(nlines, 1);
    assert_null(strchr(lines[0], '\n'));
    assert_non_null(strstr(lines[0], "[t/0] multi line message"));
}

static void test_log_long_message_truncated_not_overflowed(void **state)
{
    (void)state;
    char big[10000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    log_info("%s", big);
    assert_int_equal(nlines, 1);
    assert_true(strlen(lines[0]) < 4096);
}

/* A real producer pointed at a closed port logs connection failures
 * through librdkafka's log callback, which must land in our log. */
static void test_log_rdkafka_routed(void **state)
{
    (void)state;
    log_setup(LOG_DEBUG, LOG_CTX_KAFKA);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char errstr[256];
    /* Port 1 on loopback: connection refused straight away. */
    assert_int_equal(
        rd_kafka_conf_set(conf, "bootstrap.servers", "127.0.0.1:1", errstr, sizeof(errstr)),
        RD_KAFKA_CONF_OK);
    assert_int_equal(log_rdkafka_setup(conf, "test.producer", "broker"), 0);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    assert_non_null(rk);
    for (int i = 0; i < 50 && count_matching("rdkafka=test.producer") == 0; i++)
        usleep(100 * 1000);
    rd_kafka_destroy(rk);
    assert_true(count_matching("rdkafka=test.producer") > 0);
    assert_true(count_matching("DEBUG kafka rdkafka=test.producer") > 0);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_log_levels_filter),
        T(test_log_debug_contexts),
        T(test_log_debug_level_enables_all_contexts),
        T(test_log_ctx_parse_rejects_unknown),
        T(test_log_level_parse),
        T(test_log_one_line_per_event),
        T(test_log_long_message_truncated_not_overflowed),
        T(test_log_rdkafka_routed),
    };
    return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
