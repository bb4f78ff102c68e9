/* xdc-broker with real clients: librdkafka producers (idempotent, every
 * codec) and consumers, kcat, persistence across a clean restart and a
 * kill -9, and batches stored exactly as produced. */
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

#define NPART 3

static th_broker_t g_brk;
static int delivered, failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err) {
        failed++;
        print_error("delivery failed: %s\n", rd_kafka_err2str(m->err));
    } else {
        delivered++;
    }
}

static rd_kafka_t *client(rd_kafka_type_t type, const char *const *kv)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", g_brk.bootstrap, err, sizeof(err));
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err));
    for (int i = 0; kv && kv[i]; i += 2)
        if (rd_kafka_conf_set(conf, kv[i], kv[i + 1], err, sizeof(err)) != RD_KAFKA_CONF_OK)
            fail_msg("%s=%s: %s", kv[i], kv[i + 1], err);
    if (type == RD_KAFKA_PRODUCER)
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof(err));
    if (!rk)
        fail_msg("rd_kafka_new: %s", err);
    return rk;
}

/* Produce @p n records "<topic>-<i>" with key "k<i % 7>" and a header, to
 * partition i % NPART. */
static void produce_padded(const char *topic, int n, const char *codec, int pad)
{
    const char *kv[] = {
        "enable.idempotence", "true", "compression.codec", codec, "linger.ms", "5", NULL};
    rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, kv);
    delivered = failed = 0;
    for (int i = 0; i < n; i++) {
        char key[16], val[2048];
        snprintf(key, sizeof(key), "k%d", i % 7);
        snprintf(
            val, sizeof(val), "%s-%d%.*s", topic, i, pad,
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        rd_kafka_resp_err_t e =
            rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(i % NPART),
                              RD_KAFKA_V_KEY(key, strlen(key)), RD_KAFKA_V_VALUE(val, strlen(val)),
                              RD_KAFKA_V_HEADER("seq", &i, sizeof(i)),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e)
            fail_msg("producev: %s", rd_kafka_err2str(e));
        rd_kafka_poll(rk, 0);
    }
    rd_kafka_flush(rk, th_ms(20000));
    rd_kafka_destroy(rk);
    assert_int_equal(failed, 0);
    assert_int_equal(delivered, n);
}

static void produce(const char *topic, int n, const char *codec)
{
    produce_padded(topic, n, codec, 0);
}

/* Read partition @p part from the beginning and check the records are
 * exactly those produce() sent there, in order. @return records read. */
static int consume_check(rd_kafka_t *rk, const char *topic, int part, int n)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    assert_int_equal(rd_kafka_consume_start(rkt, part, RD_KAFKA_OFFSET_BEGINNING), 0);
    int want = part, got = 0;
    while (want < n) {
        rd_kafka_message_t *m = rd_kafka_consume(rkt, part, th_ms(10000));
        if (!m)
            fail_msg("%s/%d: no record after %d", topic, part, got);
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            rd_kafka_message_destroy(m);
            continue;
        }
        if (m->err)
            fail_msg("%s/%d: %s", topic, part, rd_kafka_message_errstr(m));
        char val[64], key[16];
        snprintf(val, sizeof(val), "%s-%d", topic, want);
        snprintf(key, sizeof(key), "k%d", want % 7);
        assert_int_equal(m->offset, got);
        assert_int_equal(m->len, strlen(val));
        assert_memory_equal(m->payload, val, m->len);
        assert_memory_equal(m->key, key, m->key_len);
        rd_kafka_headers_t *hdrs;
        const void *hv;
        size_t hl;
        assert_int_equal(rd_kafka_message_headers(m, &hdrs), 0);
        assert_int_equal(rd_kafka_header_get_last(hdrs, "seq", &hv, &hl), 0);
        assert_int_equal(*(const int *)hv, want);
        rd_kafka_message_destroy(m);
        want += NPART;
        got++;
    }
    rd_kafka_consume_stop(rkt, part);
    rd_kafka_topic_destroy(rkt);
    return got;
}

static void consume_all(const char *topic, int n)
{
    rd_kafka_t *rk = client(RD_KAFKA_CONSUMER, NULL);
    int total = 0;
    for (int p = 0; p < NPART; p++)
        total += consume_check(rk, topic, p, n);
    assert_int_equal(total, n);
    rd_kafka_destroy(rk);
}

static int setup(void **state)
{
    (void)state;
    static const char *const ov[] = {"num.partitions=3", NULL};
    th_broker_start(&g_brk, th_tmpdir(), ov);
    return 0;
}

static int teardown(void **state)
{
    if (g_brk.proc)
        th_broker_stop(&g_brk, SIGTERM);
    return th_teardown(state);
}

static void test_broker_roundtrip_every_codec(void **state)
{
    (void)state;
    static const char *const codecs[] = {"none", "gzip", "snappy", "lz4", "zstd"};
    for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++) {
        char topic[32];
        snprintf(topic, sizeof(topic), "rt-%s", codecs[i]);
        produce(topic, 300, codecs[i]);
        consume_all(topic, 300);
    }
}

/* The first batch in a partition's first segment: its attributes say how
 * it was compressed. */
static int stored_codec(const char *topic)
{
    char path[700];
    snprintf(path, sizeof(path), "%s/data/%s-0/00000000000000000000.log", g_brk.dir, topic);
    FILE *f = fopen(path, "rb");
    uint8_t hdr[23];
    if (!f || fread(hdr, 1, sizeof(hdr), f) != sizeof(hdr))
        fail_msg("cannot read %s", path);
    fclose(f);
    assert_int_equal(hdr[16], 2); /* magic */
    return hdr[22] & 7;
}

static void test_broker_stores_batches_as_produced(void **state)
{
    (void)state;
    static const struct {
        const char *codec;
        int attr;
    } cases[] = {{"gzip", 1}, {"snappy", 2}, {"lz4", 3}, {"zstd", 4}, {"none", 0}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char topic[32];
        snprintf(topic, sizeof(topic), "stored-%s", cases[i].codec);
        /* Compressible values: librdkafka sends a batch plain when
         * compressing would not make it smaller. */
        produce_padded(topic, 30, cases[i].codec, 160);
        assert_int_equal(stored_codec(topic), cases[i].attr);
    }
}

static void test_broker_data_survives_clean_restart(void **state)
{
    (void)state;
    produce("durable", 200, "lz4");
    assert_int_equal(th_broker_stop(&g_brk, SIGTERM), 0);
    th_broker_restart(&g_brk);
    consume_all("durable", 200);
}

static void test_broker_acked_data_survives_kill9(void **state)
{
    (void)state;
    produce("crash", 150, "gzip");
    th_broker_stop(&g_brk, SIGKILL);
    th_broker_restart(&g_brk);
    consume_all("crash", 150);
}

static void test_broker_kcat_metadata_and_roundtrip(void **state)
{
    (void)state;
    char *out = NULL;
    int status;
    produce("kcat-topic", 9, "none");
    const char *list[] = {"/usr/bin/kcat", "-b", g_brk.bootstrap, "-L", "-t", "kcat-topic", NULL};
    assert_int_equal(th_run(list, th_ms(20000), &status, &out), 0);
    assert_int_equal(status, 0);
    assert_non_null(strstr(out, "topic \"kcat-topic\" with 3 partitions"));
    free(out);
    const char *cons[] = {"/usr/bin/kcat",
                          "-b",
                          g_brk.bootstrap,
                          "-C",
                          "-t",
                          "kcat-topic",
                          "-p",
                          "1",
                          "-e",
                          "-q",
                          "-f",
                          "%o:%s\\n",
                          NULL};
    assert_int_equal(th_run(cons, th_ms(20000), &status, &out), 0);
    assert_int_equal(status, 0);
    assert_string_equal(out, "0:kcat-topic-1\n1:kcat-topic-4\n2:kcat-topic-7\n");
    free(out);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_broker_roundtrip_every_codec),       T(test_broker_stores_batches_as_produced),
        T(test_broker_data_survives_clean_restart), T(test_broker_acked_data_survives_kill9),
        T(test_broker_kcat_metadata_and_roundtrip),
    };
    return cmocka_run_group_tests_name("broker_clients", tests, NULL, NULL);
}
