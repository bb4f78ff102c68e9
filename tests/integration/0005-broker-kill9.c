/* kill -9 under produce load: every offset acknowledged with acks=all is
 * readable after a restart, in order and byte-identical.
 *
 * Each round runs an idempotent librdkafka producer (acks=all) that sends
 * continuously to two topics with different compression codecs (the pair
 * changes every round, so all five codecs are crashed under), several
 * partitions each, and records every successful delivery report
 * (partition, offset, which message). At a random moment the broker gets
 * SIGKILL; the producer is purged and destroyed, the broker restarts on
 * the same data directory, and a consumer reads every acknowledged offset
 * back. Payloads are regenerated from (round, seq), so the check compares
 * key, value and headers byte for byte without keeping copies. After the
 * last round every round's acknowledged offsets are read once more, which
 * catches a later recovery that truncates or overwrites earlier data.
 *
 * What this does and does not test: SIGKILL ends the process but not the
 * kernel, so bytes the broker wrote with pwrite() are still in the page
 * cache and reach the files. Torn or lost writes (power loss) cannot
 * happen here; the store's unit tests cover those by truncating and
 * corrupting files. This test covers the broker's own recovery of its
 * files on restart: segment and index recovery past the recovery point,
 * producer-state snapshots, and answering an acks=all Produce only after
 * the batch is in the store.
 *
 * TEST_SEED=<n> replays a run (the seed is printed); TEST_KILL9_ROUNDS
 * changes the number of rounds (default 20). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/crc32c.h"
#include "tests/lib/th_broker.h"

#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NTOPIC      2
#define NPART       4
#define ROUNDS      20
#define MAX_BODY    1500
#define KILL_MIN_MS 200  /* after the first acknowledgement of a round */
#define KILL_MAX_MS 1200 /* ... and at most this much later */

static const char *const codecs[] = {"none", "gzip", "snappy", "lz4", "zstd"};
static const char *const topics[NTOPIC] = {"kill9-a", "kill9-b"};

/* One acknowledged message: enough to regenerate it and find it again. */
typedef struct ack {
    int64_t offset;
    int32_t seq;
    int16_t round;
    int16_t tp; /* topic * NPART + partition */
} ack_t;

typedef struct acks {
    ack_t *v;
    size_t n, cap;
} acks_t;

static th_broker_t g_brk;
static acks_t g_round_acks, g_all_acks;
static int g_round;
static long g_failed_dr;

static void acks_push(acks_t *a, ack_t e)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 4096;
        a->v = realloc(a->v, a->cap * sizeof(*a->v));
        assert_non_null(a->v);
    }
    a->v[a->n++] = e;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- deterministic messages -------------------------------------------- */

typedef struct msg {
    char key[32];
    size_t key_len;
    uint8_t value[MAX_BODY + 128];
    size_t value_len;
    uint8_t seq_be[8];
} msg_t;

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb33fe1f8ae53ULL;
    return x ^ (x >> 33);
}

/* Message @p seq of round @p round: a key naming both, and a value of
 * 1..MAX_BODY body bytes (half text that compresses, half noise) after a
 * line that names the message and the body's CRC-32C. */
static void msg_make(int round, int32_t seq, msg_t *m)
{
    uint64_t s = mix(((uint64_t)round << 32) | (uint32_t)seq);
    size_t body = 1 + (size_t)(s % MAX_BODY);
    uint8_t tmp[MAX_BODY];
    for (size_t i = 0; i < body; i++) {
        if ((i / 64) % 2 == 0) {
            tmp[i] = (uint8_t)("the quick brown fox jumps over the lazy dog "[(i + seq) % 44]);
        } else {
            s = mix(s + i);
            tmp[i] = (uint8_t)s;
        }
    }
    m->key_len = (size_t)snprintf(m->key, sizeof(m->key), "r%02d-s%08" PRId32, round, seq);
    int hl =
        snprintf((char *)m->value, 128, "xdc-kill9 round=%d seq=%" PRId32 " len=%zu crc=%08x\n",
                 round, seq, body, crc32c(0, tmp, body));
    memcpy(m->value + hl, tmp, body);
    m->value_len = (size_t)hl + body;
    for (int i = 0; i < 8; i++)
        m->seq_be[i] = (uint8_t)((uint64_t)seq >> (56 - 8 * i));
}

/* Compare a consumed record with the message its key names, byte for
 * byte: key, value, and the headers in order. @return the seq. */
static int32_t msg_check(const rd_kafka_message_t *rm, int *round_out)
{
    int round = -1;
    int32_t seq = -1;
    char key[32];
    size_t kl = rm->key_len < sizeof(key) - 1 ? rm->key_len : sizeof(key) - 1;
    memcpy(key, rm->key ? rm->key : "", kl);
    key[kl] = '\0';
    if (sscanf(key, "r%d-s%" SCNd32, &round, &seq) != 2)
        fail_msg("offset %" PRId64 ": foreign key '%s'", rm->offset, key);
    msg_t m;
    msg_make(round, seq, &m);
    assert_int_equal(rm->key_len, m.key_len);
    assert_memory_equal(rm->key, m.key, m.key_len);
    if (rm->len != m.value_len || memcmp(rm->payload, m.value, m.value_len) != 0)
        fail_msg("%s at offset %" PRId64 ": value differs (%zu bytes, want %zu)", key, rm->offset,
                 rm->len, m.value_len);
    rd_kafka_headers_t *hdrs = NULL;
    assert_int_equal(rd_kafka_message_headers(rm, &hdrs), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(rd_kafka_header_cnt(hdrs), 2);
    const char *name;
    const void *val;
    size_t len;
    assert_int_equal(rd_kafka_header_get_all(hdrs, 0, &name, &val, &len), 0);
    assert_string_equal(name, "seq");
    assert_int_equal(len, 8);
    assert_memory_equal(val, m.seq_be, 8);
    assert_int_equal(rd_kafka_header_get_all(hdrs, 1, &name, &val, &len), 0);
    assert_string_equal(name, "nil");
    assert_null(val);
    *round_out = round;
    return seq;
}

/* --- clients ----------------------------------------------------------- */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err) {
        g_failed_dr++; /* purged or failed by the crash: not acknowledged */
        return;
    }
    int t = strcmp(rd_kafka_topic_name(m->rkt), topics[0]) == 0 ? 0 : 1;
    ack_t a = {m->offset, (int32_t)(intptr_t)m->_private, (int16_t)g_round,
               (int16_t)(t * NPART + m->partition)};
    assert_true(m->offset >= 0);
    acks_push(&g_round_acks, a);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    /* Transport errors are the point of this test; stay quiet. */
    (void)rk, (void)err, (void)reason, (void)opaque;
}

static rd_kafka_conf_t *base_conf(void)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *kv[] = {"bootstrap.servers",
                        g_brk.bootstrap,
                        "log_level",
                        "0",
                        "socket.connection.setup.timeout.ms",
                        "3000",
                        NULL};
    for (int i = 0; kv[i]; i += 2)
        if (rd_kafka_conf_set(conf, kv[i], kv[i + 1], err, sizeof(err)) != RD_KAFKA_CONF_OK)
            fail_msg("%s=%s: %s", kv[i], kv[i + 1], err);
    rd_kafka_conf_set_error_cb(conf, on_error);
    return conf;
}

static rd_kafka_t *producer_new(void)
{
    char err[512];
    rd_kafka_conf_t *conf = base_conf();
    const char *kv[] = {"acks",
                        "all",
                        "enable.idempotence",
                        "true",
                        "linger.ms",
                        "2",
                        "batch.num.messages",
                        "500",
                        "queue.buffering.max.messages",
                        "20000",
                        "message.timeout.ms",
                        "300000",
                        NULL};
    for (int i = 0; kv[i]; i += 2)
        if (rd_kafka_conf_set(conf, kv[i], kv[i + 1], err, sizeof(err)) != RD_KAFKA_CONF_OK)
            fail_msg("%s=%s: %s", kv[i], kv[i + 1], err);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!rk)
        fail_msg("rd_kafka_new: %s", err);
    return rk;
}

/* A topic handle compressing with @p codec (a topic-level setting, so the
 * two topics of one producer use different codecs). */
static rd_kafka_topic_t *topic_new(rd_kafka_t *rk, const char *name, const char *codec)
{
    char err[256];
    rd_kafka_topic_conf_t *tc = rd_kafka_topic_conf_new();
    if (rd_kafka_topic_conf_set(tc, "compression.codec", codec, err, sizeof(err)) !=
        RD_KAFKA_CONF_OK)
        fail_msg("compression.codec=%s: %s", codec, err);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, name, tc);
    assert_non_null(rkt);
    return rkt;
}

/* --- one round: load, crash, restart ------------------------------------ */

static void produce_one(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int32_t seq)
{
    msg_t m;
    msg_make(g_round, seq, &m);
    for (;;) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION((seq / NTOPIC) % NPART),
            RD_KAFKA_V_KEY(m.key, m.key_len), RD_KAFKA_V_VALUE(m.value, m.value_len),
            RD_KAFKA_V_HEADER("seq", m.seq_be, 8), RD_KAFKA_V_HEADER("nil", NULL, 0),
            RD_KAFKA_V_OPAQUE((void *)(intptr_t)seq), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
            return;
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            fail_msg("producev: %s", rd_kafka_err2str(e));
        rd_kafka_poll(rk, 5);
    }
}

/* Produce until a random moment past the first acknowledgement, SIGKILL
 * the broker mid-load, then purge and destroy the producer, collecting
 * the acknowledgements that arrived before the kill. @return messages
 * sent. */
static int32_t round_load_and_kill(unsigned *seed)
{
    rd_kafka_t *rk = producer_new();
    rd_kafka_topic_t *rkt[NTOPIC];
    for (int t = 0; t < NTOPIC; t++)
        rkt[t] = topic_new(rk, topics[t], codecs[(g_round + 2 * t) % 5]);
    int64_t start = now_ms(), kill_at = -1, deadline = start + th_ms(30000);
    int32_t seq = 0;
    while (kill_at < 0 || now_ms() < kill_at) {
        for (int i = 0; i < 64; i++, seq++)
            produce_one(rk, rkt[seq % NTOPIC], seq);
        rd_kafka_poll(rk, 0);
        if (kill_at < 0 && g_round_acks.n > 0)
            kill_at = now_ms() + KILL_MIN_MS + rand_r(seed) % (KILL_MAX_MS - KILL_MIN_MS);
        if (now_ms() > deadline)
            fail_msg("round %d: no acknowledgement within 30 s: %s", g_round,
                     th_broker_log(&g_brk));
    }
    int status = th_broker_stop(&g_brk, SIGKILL);
    assert_int_equal(status, -SIGKILL);
    /* Responses read before the kill may still sit in the queue. */
    rd_kafka_poll(rk, 100);
    rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    while (rd_kafka_outq_len(rk) > 0 && rd_kafka_poll(rk, 50) >= 0 &&
           now_ms() < deadline + th_ms(10000))
        ;
    rd_kafka_poll(rk, 0);
    for (int t = 0; t < NTOPIC; t++)
        rd_kafka_topic_destroy(rkt[t]);
    rd_kafka_destroy(rk);
    return seq;
}

/* --- verification ------------------------------------------------------- */

static int ack_cmp(const void *a, const void *b)
{
    const ack_t *x = a, *y = b;
    if (x->tp != y->tp)
        return x->tp < y->tp ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Read @p n acknowledgements of one partition (sorted by offset) back.
 * Every record read between the first and last of them must be one of ours
 * and intact (unacknowledged in-flight batches may have been stored too);
 * offsets strictly increase; each acknowledged offset holds exactly the
 * message acknowledged there; messages appear in the order they were sent
 * (round, then seq), so none is duplicated or reordered. */
static void verify_partition(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int part, const ack_t *a,
                             size_t n)
{
    const char *tn = rd_kafka_topic_name(rkt);
    int64_t lo, hi;
    rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, tn, part, &lo, &hi, th_ms(10000));
    if (e)
        fail_msg("%s/%d: watermarks: %s", tn, part, rd_kafka_err2str(e));
    if (hi < a[n - 1].offset + 1)
        fail_msg("%s/%d: log end %" PRId64 " but offset %" PRId64 " was acknowledged", tn, part, hi,
                 a[n - 1].offset);
    if (rd_kafka_consume_start(rkt, part, a[0].offset) < 0)
        fail_msg("%s/%d: consume_start: %s", tn, part, rd_kafka_err2str(rd_kafka_last_error()));
    size_t next = 0;
    int64_t prev = -1;
    int prev_round = -1;
    int32_t prev_seq = -1;
    while (next < n) {
        rd_kafka_message_t *m = rd_kafka_consume(rkt, part, th_ms(10000));
        if (!m)
            fail_msg("%s/%d: nothing after offset %" PRId64 ", acknowledged %" PRId64 " not read",
                     tn, part, prev, a[next].offset);
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
            fail_msg("%s/%d: end of log at %" PRId64 ", acknowledged offset %" PRId64 " missing",
                     tn, part, m->offset, a[next].offset);
        if (m->err)
            fail_msg("%s/%d: %s", tn, part, rd_kafka_message_errstr(m));
        if (m->offset <= prev)
            fail_msg("%s/%d: offset %" PRId64 " after %" PRId64, tn, part, m->offset, prev);
        if (m->offset > a[next].offset)
            fail_msg("%s/%d: acknowledged offset %" PRId64 " missing (next read: %" PRId64 ")", tn,
                     part, a[next].offset, m->offset);
        int round;
        int32_t seq = msg_check(m, &round);
        if (round < prev_round || (round == prev_round && seq <= prev_seq))
            fail_msg("%s/%d@%" PRId64 ": r%d/s%d stored after r%d/s%d", tn, part, m->offset, round,
                     seq, prev_round, prev_seq);
        prev_round = round;
        prev_seq = seq;
        if (m->offset == a[next].offset) {
            if (round != a[next].round || seq != a[next].seq)
                fail_msg("%s/%d@%" PRId64 ": holds r%d/s%d, acknowledged r%d/s%d", tn, part,
                         m->offset, round, seq, a[next].round, a[next].seq);
            next++;
        }
        prev = m->offset;
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consume_stop(rkt, part);
}

/* Verify every acknowledgement in @p acks (sorted here). */
static void verify(acks_t *acks)
{
    char err[256];
    rd_kafka_conf_t *conf = base_conf();
    rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof(err));
    rd_kafka_conf_set(conf, "fetch.wait.max.ms", "50", err, sizeof(err));
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    if (!rk)
        fail_msg("rd_kafka_new: %s", err);
    qsort(acks->v, acks->n, sizeof(*acks->v), ack_cmp);
    for (size_t i = 0; i < acks->n;) {
        size_t j = i;
        while (j < acks->n && acks->v[j].tp == acks->v[i].tp)
            j++;
        for (size_t k = i + 1; k < j; k++)
            if (acks->v[k].offset == acks->v[k - 1].offset)
                fail_msg("offset %" PRId64 " acknowledged twice", acks->v[k].offset);
        int tp = acks->v[i].tp;
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topics[tp / NPART], NULL);
        verify_partition(rk, rkt, tp % NPART, &acks->v[i], j - i);
        rd_kafka_topic_destroy(rkt);
        i = j;
    }
    rd_kafka_destroy(rk);
}

static int setup(void **state)
{
    (void)state;
    static const char *const ov[] = {"num.partitions=4", "log.segment.bytes=4194304", NULL};
    th_broker_start(&g_brk, th_tmpdir(), ov);
    return 0;
}

static int teardown(void **state)
{
    if (g_brk.proc)
        th_broker_stop(&g_brk, SIGTERM);
    free(g_round_acks.v);
    free(g_all_acks.v);
    memset(&g_round_acks, 0, sizeof(g_round_acks));
    memset(&g_all_acks, 0, sizeof(g_all_acks));
    return th_teardown(state);
}

static void test_broker_kill9_keeps_acked_records(void **state)
{
    (void)state;
    const char *s = getenv("TEST_SEED");
    unsigned seed = s ? (unsigned)strtoul(s, NULL, 0) : (unsigned)time(NULL);
    const char *r = getenv("TEST_KILL9_ROUNDS");
    int rounds = r ? atoi(r) : ROUNDS;
    print_message("kill9: TEST_SEED=%u, %d rounds, log.segment.bytes=4194304\n", seed, rounds);
    for (g_round = 0; g_round < rounds; g_round++) {
        int64_t t0 = now_ms();
        g_round_acks.n = 0;
        g_failed_dr = 0;
        int32_t sent = round_load_and_kill(&seed);
        int64_t t1 = now_ms();
        th_broker_restart(&g_brk);
        int64_t t2 = now_ms();
        assert_true(g_round_acks.n > 0);
        verify(&g_round_acks);
        for (size_t i = 0; i < g_round_acks.n; i++)
            acks_push(&g_all_acks, g_round_acks.v[i]);
        print_message("kill9: round %2d (%s+%s): sent %d, acked %zu, not acked %ld; load %" PRId64
                      " ms, restart %" PRId64 " ms, verify %" PRId64 " ms\n",
                      g_round, codecs[g_round % 5], codecs[(g_round + 2) % 5], sent, g_round_acks.n,
                      g_failed_dr, t1 - t0, t2 - t1, now_ms() - t2);
    }
    /* Later crashes and recoveries must not have touched earlier rounds. */
    int64_t t = now_ms();
    verify(&g_all_acks);
    print_message("kill9: all %zu acknowledged records re-read in %" PRId64 " ms\n", g_all_acks.n,
                  now_ms() - t);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_broker_kill9_keeps_acked_records, setup, teardown),
    };
    return cmocka_run_group_tests_name("broker_kill9", tests, NULL, NULL);
}
