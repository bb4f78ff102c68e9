/* Offsets as librdkafka relies on them: offsetsForTimes resolves to the
 * first record at or after a time (inside a batch, compressed or not), a
 * commit to an unknown partition is refused, and an out-of-range fetch
 * lets the client reset (error partitions carry empty records). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/lib/th_broker.h"

#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static th_broker_t g_brk;

static rd_kafka_t *client(rd_kafka_type_t type, const char *const *kv)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", g_brk.bootstrap, err, sizeof(err));
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err));
    for (int i = 0; kv && kv[i]; i += 2)
        if (rd_kafka_conf_set(conf, kv[i], kv[i + 1], err, sizeof(err)) != RD_KAFKA_CONF_OK)
            fail_msg("%s=%s: %s", kv[i], kv[i + 1], err);
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof(err));
    if (!rk)
        fail_msg("rd_kafka_new: %s", err);
    return rk;
}

/* Ten records with timestamps 1000, 2000, ... 10000 in one batch. */
static void produce_timed(const char *topic, const char *codec)
{
    const char *kv[] = {"linger.ms", "100", "compression.codec", codec, NULL};
    rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, kv);
    for (int i = 0; i < 10; i++) {
        char v[16];
        snprintf(v, sizeof(v), "r%d", i);
        assert_int_equal(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0),
                                           RD_KAFKA_V_VALUE(v, strlen(v)),
                                           RD_KAFKA_V_TIMESTAMP((int64_t)(i + 1) * 1000),
                                           RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                           RD_KAFKA_V_END),
                         0);
    }
    assert_int_equal(rd_kafka_flush(rk, th_ms(10000)), 0);
    rd_kafka_destroy(rk);
}

static int64_t offset_for_time(rd_kafka_t *rk, const char *topic, int64_t ts)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, 0)->offset = ts;
    assert_int_equal(rd_kafka_offsets_for_times(rk, l, th_ms(10000)), 0);
    assert_int_equal(l->elems[0].err, 0);
    int64_t off = l->elems[0].offset;
    rd_kafka_topic_partition_list_destroy(l);
    return off;
}

static int setup(void **state)
{
    (void)state;
    static const char *const ov[] = {"group.initial.rebalance.delay.ms=0", NULL};
    th_broker_start(&g_brk, th_tmpdir(), ov);
    return 0;
}

static int teardown(void **state)
{
    if (g_brk.proc)
        th_broker_stop(&g_brk, SIGTERM);
    return th_teardown(state);
}

static void test_offsets_for_times_resolves_inside_a_batch(void **state)
{
    (void)state;
    static const char *const codecs[] = {"none", "lz4"};
    for (int c = 0; c < 2; c++) {
        char topic[32];
        snprintf(topic, sizeof(topic), "times-%s", codecs[c]);
        produce_timed(topic, codecs[c]);
        rd_kafka_t *rk = client(RD_KAFKA_CONSUMER, NULL);
        assert_int_equal(offset_for_time(rk, topic, 1000), 0);
        assert_int_equal(offset_for_time(rk, topic, 4500), 4); /* first ts >= 4500 is 5000 */
        assert_int_equal(offset_for_time(rk, topic, 10000), 9);
        assert_int_equal(offset_for_time(rk, topic, 10001), -1); /* none: the end */
        rd_kafka_destroy(rk);
    }
}

static void test_offsets_commit_to_unknown_partition_refused(void **state)
{
    (void)state;
    produce_timed("known", "none");
    const char *kv[] = {"group.id", "g-unknown", "enable.auto.commit", "false", NULL};
    rd_kafka_t *rk = client(RD_KAFKA_CONSUMER, kv);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(2);
    rd_kafka_topic_partition_list_add(l, "known", 0)->offset = 3;
    rd_kafka_topic_partition_list_add(l, "no-such-topic", 0)->offset = 3;
    /* librdkafka 2.0.2 reports the partition error as the call's result. */
    assert_int_equal(rd_kafka_commit(rk, l, 0), RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
    rd_kafka_topic_partition_list_destroy(l);
    /* Only the known partition's offset was stored. */
    l = rd_kafka_topic_partition_list_new(2);
    rd_kafka_topic_partition_list_add(l, "known", 0);
    assert_int_equal(rd_kafka_committed(rk, l, th_ms(10000)), 0);
    assert_int_equal(l->elems[0].offset, 3);
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_destroy(rk);
}

static void test_offsets_out_of_range_fetch_resets(void **state)
{
    (void)state;
    produce_timed("reset", "none");
    const char *kv[] = {"auto.offset.reset", "earliest", NULL};
    rd_kafka_t *rk = client(RD_KAFKA_CONSUMER, kv);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, "reset", NULL);
    assert_int_equal(rd_kafka_consume_start(rkt, 0, 1000), 0); /* past the end (10) */
    rd_kafka_message_t *m = NULL;
    for (int i = 0; i < 50 && !m; i++) {
        m = rd_kafka_consume(rkt, 0, th_ms(200));
        if (m && m->err) {
            rd_kafka_message_destroy(m);
            m = NULL;
        }
    }
    assert_non_null(m);
    assert_int_equal(m->offset, 0); /* reset to earliest */
    rd_kafka_message_destroy(m);
    rd_kafka_consume_stop(rkt, 0);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_offsets_for_times_resolves_inside_a_batch),
        T(test_offsets_commit_to_unknown_partition_refused),
        T(test_offsets_out_of_range_fetch_resets),
    };
    return cmocka_run_group_tests_name("broker_offsets", tests, NULL, NULL);
}
