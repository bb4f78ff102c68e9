#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/test_bytes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/kwire.h"
#include "broker/kwire_batch.h"
#include "common/buf.h"
#include "common/crc32c.h"
#include "common/err.h"
#include "common/util.h"

/* Record batches captured from librdkafka 2.0.2 (kcat 1.7.1 producing to
 * librdkafka's mock cluster, recorded with strace; the full Produce v7
 * frames are in test_kwire.c):
 *  - idempotent, uncompressed, 2 records: key "k2" value "world", and an
 *    empty key (kcat -K: input ":nokey") value "nokey", each with header
 *    h1=v1;
 *  - gzip, 1 record, no producer id. */
static const char batch_idem_hex[] =
    "0000000000000000000000570000000002061e73c2000000000001000001a1fc7c16b3000001a1fc7c16b30000"
    "0000053319b80000000000000000000226000000046b320a776f726c640204683104763122000002000a6e6f6b"
    "657902046831047631";
static const char batch_gzip_hex[] =
    "0000000000000000000000550000000002627e1c6b000100000000000001a1fc7c2cf2000001a1fc7c2cf2ffff"
    "ffffffffffffffffffffffff000000011f8b08000000000000037bc3c2c0c0c0969d5a7983257114100d180099"
    "3d7acf38010000";

static void test_put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

/* Rewrite the CRC after a test tampered with covered bytes. */
static void test_fix_crc(uint8_t *batch, size_t len)
{
    test_put_be(batch + 17, kwire_batch_crc(batch, len), 4);
}

/* ---- captured batches ----------------------------------------------------- */

static void test_kwire_batch_validates_capture(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = test_hex(batch_idem_hex, &len);
    kwire_batch_hdr_t h;
    kwire_batch_reason_t why = KWIRE_BATCH_BAD_CRC;

    assert_int_equal(kwire_batch_validate(b, len, &h, &why), 0);
    assert_int_equal(why, KWIRE_BATCH_OK);
    assert_int_equal(h.baseOffset, 0);
    assert_int_equal(h.batchLength, (int32_t)len - 12);
    assert_int_equal(h.partitionLeaderEpoch, 0);
    assert_int_equal(h.magic, 2);
    assert_int_equal(h.crc, 0x061e73c2);
    assert_int_equal(h.attributes, 0);
    assert_int_equal(kwire_batch_compression(&h), KWIRE_BATCH_NONE);
    assert_int_equal(h.lastOffsetDelta, 1);
    assert_true(h.baseTimestamp == 1795237353139LL);
    assert_true(h.maxTimestamp == h.baseTimestamp);
    assert_int_equal(h.producerId, 87235000);
    assert_int_equal(h.producerEpoch, 0);
    assert_int_equal(h.baseSequence, 0);
    assert_int_equal(h.recordsCount, 2);
    free(b);
}

static void test_kwire_batch_records_of_capture(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = test_hex(batch_idem_hex, &len);
    kwire_batch_records_t it;
    kwire_batch_record_t rec;
    kwire_reader_t hr;
    kwire_slice_t hk, hv;

    assert_int_equal(kwire_batch_records_init(&it, b, len), 0);
    assert_int_equal(kwire_batch_records_next(&it, &rec), 1);
    assert_int_equal(rec.offsetDelta, 0);
    assert_true(rec.timestampDelta == 0);
    assert_true(kwire_slice_eq(rec.key, "k2"));
    assert_true(kwire_slice_eq(rec.value, "world"));
    assert_int_equal(rec.headersCount, 1);
    kwire_reader_init(&hr, rec.headers.ptr, (size_t)rec.headers.len);
    assert_int_equal(kwire_batch_header_next(&hr, &hk, &hv), 1);
    assert_true(kwire_slice_eq(hk, "h1"));
    assert_true(kwire_slice_eq(hv, "v1"));
    assert_int_equal(kwire_batch_header_next(&hr, &hk, &hv), 0);

    assert_int_equal(kwire_batch_records_next(&it, &rec), 1);
    assert_int_equal(rec.offsetDelta, 1);
    assert_int_equal(rec.key.len, 0);
    assert_true(kwire_slice_eq(rec.value, "nokey"));
    assert_int_equal(kwire_batch_records_next(&it, &rec), 0);
    assert_int_equal(kwire_batch_records_next(&it, &rec), 0);
    assert_int_equal(kwire_batch_records_check(b, len, NULL), 0);
    free(b);
}

/* The builder reproduces librdkafka's bytes exactly, CRC included. */
static void test_kwire_batch_build_matches_capture(void **state)
{
    (void)state;
    size_t len;
    uint8_t *want = test_hex(batch_idem_hex, &len);
    const kwire_batch_kv_t hdr = {kwire_cstr("h1"), kwire_cstr("v1")};
    const kwire_batch_msg_t msgs[2] = {
        {kwire_cstr("k2"), kwire_cstr("world"), &hdr, 1, 1795237353139LL},
        {kwire_cstr(""), kwire_cstr("nokey"), &hdr, 1, 1795237353139LL},
    };
    kwire_batch_opts_t opts = {0, 0, 0, 87235000, 0, 0};
    buf_t b = BUF_INIT;

    buf_append(&b, "x", 1); /* the builder appends */
    assert_int_equal(kwire_batch_build(&b, &opts, msgs, 2), 0);
    assert_int_equal(b.len, len + 1);
    assert_memory_equal(b.data + 1, want, len);
    free(want);
    buf_close(&b);
}

static void test_kwire_batch_compressed_capture(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = test_hex(batch_gzip_hex, &len);
    kwire_batch_hdr_t h;
    kwire_batch_records_t it;
    kwire_batch_reason_t why;

    assert_int_equal(kwire_batch_validate(b, len, &h, NULL), 0);
    assert_int_equal(kwire_batch_compression(&h), KWIRE_BATCH_GZIP);
    assert_int_equal(h.producerId, -1);
    assert_int_equal(h.baseSequence, -1);
    assert_int_equal(h.recordsCount, 1);
    assert_int_equal(kwire_batch_records_init(&it, b, len), XDC_EUNSUPPORTED);
    assert_int_equal(kwire_batch_records_check(b, len, &why), XDC_EUNSUPPORTED);
    free(b);
}

/* ---- validation failures ----------------------------------------------------- */

static void test_kwire_batch_detects_bad_crc(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = test_hex(batch_idem_hex, &len);
    kwire_batch_hdr_t h;
    kwire_batch_reason_t why;

    for (size_t i = 17; i < len; i++) {
        b[i] ^= 0x10;
        assert_int_equal(kwire_batch_validate(b, len, &h, &why), XDC_ECORRUPT);
        assert_int_equal(why, KWIRE_BATCH_BAD_CRC);
        assert_int_equal(kwire_batch_reason_errcode(why), KWIRE_KAFKA_CORRUPT_MESSAGE);
        b[i] ^= 0x10;
    }
    /* baseOffset and partitionLeaderEpoch are outside the CRC. */
    kwire_batch_set_base_offset(b, 1234567);
    kwire_batch_set_leader_epoch(b, 42);
    assert_int_equal(kwire_batch_validate(b, len, &h, &why), 0);
    assert_int_equal(h.baseOffset, 1234567);
    assert_int_equal(h.partitionLeaderEpoch, 42);
    free(b);
}

/* Every truncation is TRUNCATED (CORRUPT_MESSAGE), read inside its bounds. */
static void test_kwire_batch_truncated(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = test_hex(batch_idem_hex, &len);
    kwire_batch_hdr_t h;
    kwire_batch_reason_t why;

    for (size_t n = 0; n < len; n++) {
        uint8_t *part = test_dup(b, n);
        assert_int_equal(kwire_batch_validate(part, n, &h, &why), XDC_ECORRUPT);
        assert_int_equal(why, KWIRE_BATCH_TRUNCATED);
        free(part);
    }
    free(b);
}

static void test_kwire_batch_rejects_layout(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = test_hex(batch_idem_hex, &len);
    uint8_t *longer = malloc(len + 3);
    kwire_batch_hdr_t h;
    kwire_batch_reason_t why;

    memcpy(longer, b, len);
    memset(longer + len, 0, 3);
    assert_int_equal(kwire_batch_validate(longer, len + 3, &h, &why), XDC_ECORRUPT);
    assert_int_equal(why, KWIRE_BATCH_BAD_LENGTH);

    test_put_be(longer + 8, 48, 4); /* batchLength below the header */
    assert_int_equal(kwire_batch_validate(longer, 60, &h, &why), XDC_ECORRUPT);
    assert_int_equal(why, KWIRE_BATCH_BAD_LENGTH);
    test_put_be(longer + 8, (uint32_t)-5, 4);
    assert_int_equal(kwire_batch_validate(longer, len, &h, &why), XDC_ECORRUPT);
    assert_int_equal(why, KWIRE_BATCH_BAD_LENGTH);

    b[16] = 1; /* magic: a legacy message set */
    assert_int_equal(kwire_batch_validate(b, len, &h, &why), XDC_EMALFORMED);
    assert_int_equal(why, KWIRE_BATCH_BAD_MAGIC);
    assert_int_equal(kwire_batch_reason_errcode(why), KWIRE_KAFKA_INVALID_RECORD);
    b[16] = 2;

    b[22] = 5; /* compression id 5 */
    test_fix_crc(b, len);
    assert_int_equal(kwire_batch_validate(b, len, &h, &why), XDC_EMALFORMED);
    assert_int_equal(why, KWIRE_BATCH_BAD_CODEC);
    b[22] = 0;

    test_put_be(b + 23, 2, 4); /* lastOffsetDelta 2 with 2 records */
    test_fix_crc(b, len);
    assert_int_equal(kwire_batch_validate(b, len, &h, &why), XDC_EMALFORMED);
    assert_int_equal(why, KWIRE_BATCH_BAD_COUNT);
    test_put_be(b + 23, (uint32_t)-1, 4); /* and recordsCount 0 */
    test_put_be(b + 57, 0, 4);
    test_fix_crc(b, len);
    assert_int_equal(kwire_batch_validate(b, len, &h, &why), XDC_EMALFORMED);
    assert_int_equal(why, KWIRE_BATCH_BAD_COUNT);
    /* control batches are exempt from the count rule */
    b[22] = KWIRE_BATCH_CONTROL;
    test_fix_crc(b, len);
    assert_int_equal(kwire_batch_validate(b, len, &h, &why), 0);
    free(longer);
    free(b);
}

/* ---- records validation ---------------------------------------------------- */

static void test_kwire_batch_records_reject_bad_offset(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = test_hex(batch_idem_hex, &len);
    kwire_batch_reason_t why;
    kwire_batch_hdr_t h;

    /* second record: length varint @ 81, attributes, timestampDelta,
     * offsetDelta @ 84 (varint 1 = 0x02) -> 2 (0x04) */
    assert_int_equal(b[84], 0x02);
    b[84] = 0x04;
    test_fix_crc(b, len);
    assert_int_equal(kwire_batch_validate(b, len, &h, &why), 0);
    assert_int_equal(kwire_batch_records_check(b, len, &why), XDC_EMALFORMED);
    assert_int_equal(why, KWIRE_BATCH_BAD_OFFSET);
    assert_int_equal(kwire_batch_reason_errcode(why), KWIRE_KAFKA_INVALID_RECORD);
    free(b);
}

static void test_kwire_batch_records_reject_bad_fill(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = test_hex(batch_idem_hex, &len);
    kwire_batch_reason_t why;

    /* recordsCount 3 with 2 records present */
    test_put_be(b + 57, 3, 4);
    assert_int_equal(kwire_batch_records_check(b, len, &why), XDC_EMALFORMED);
    assert_int_equal(why, KWIRE_BATCH_BAD_FILL);
    /* recordsCount 1: the second record is left over */
    test_put_be(b + 57, 1, 4);
    assert_int_equal(kwire_batch_records_check(b, len, &why), XDC_EMALFORMED);
    assert_int_equal(why, KWIRE_BATCH_BAD_FILL);
    test_put_be(b + 57, 2, 4);
    /* first record claims one byte more than it has (0x26 = 19 -> 20) */
    assert_int_equal(b[61], 0x26);
    b[61] = 0x28;
    assert_int_equal(kwire_batch_records_check(b, len, &why), XDC_EMALFORMED);
    assert_int_equal(why, KWIRE_BATCH_BAD_RECORD);
    /* ... or one fewer, leaving a byte of its body unread */
    b[61] = 0x24;
    assert_int_equal(kwire_batch_records_check(b, len, &why), XDC_EMALFORMED);
    assert_int_equal(why, KWIRE_BATCH_BAD_RECORD);
    /* records too short to hold the header */
    assert_int_equal(kwire_batch_records_check(b, 40, &why), XDC_EMALFORMED);
    free(b);
}

/* Truncating the records area (with the header's sizes untouched) never
 * reads outside it. */
static void test_kwire_batch_records_truncated(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = test_hex(batch_idem_hex, &len);
    kwire_batch_reason_t why;

    for (size_t n = KWIRE_BATCH_HDR_SIZE; n < len; n++) {
        uint8_t *part = test_dup(b, n);
        assert_int_equal(kwire_batch_records_check(part, n, &why), XDC_EMALFORMED);
        assert_true(why == KWIRE_BATCH_BAD_RECORD || why == KWIRE_BATCH_BAD_FILL);
        free(part);
    }
    free(b);
}

/* ---- builder and rewrites ------------------------------------------------- */

static void test_kwire_batch_build_round_trip(void **state)
{
    (void)state;
    const kwire_batch_kv_t hdrs[3] = {
        {kwire_cstr("a"), kwire_cstr("1")},
        {kwire_cstr(""), KWIRE_SLICE_NULL},
        {kwire_cstr("trace"), kwire_cstr("")},
    };
    uint8_t *bigval = calloc(1, 1000);
    kwire_batch_msg_t msgs[4] = {
        {kwire_cstr("k0"), kwire_cstr("v0"), NULL, 0, 1000},
        {KWIRE_SLICE_NULL, KWIRE_SLICE_NULL, hdrs, 3, 5000},
        {kwire_cstr(""), {bigval, 1000}, hdrs, 1, 900},
        {kwire_cstr("k3"), kwire_cstr("v3"), NULL, 0, -1},
    };
    kwire_batch_opts_t opts = {77, 3, KWIRE_BATCH_TRANSACTIONAL, 9, 2, 100};
    buf_t b = BUF_INIT;
    kwire_batch_hdr_t h;
    kwire_batch_records_t it;
    kwire_batch_record_t rec;

    assert_int_equal(kwire_batch_build(&b, &opts, msgs, 4), 0);
    assert_int_equal(kwire_batch_validate(b.data, b.len, &h, NULL), 0);
    assert_int_equal(h.baseOffset, 77);
    assert_int_equal(h.partitionLeaderEpoch, 3);
    assert_int_equal(h.attributes, KWIRE_BATCH_TRANSACTIONAL);
    assert_int_equal(h.lastOffsetDelta, 3);
    assert_int_equal(h.recordsCount, 4);
    assert_true(h.baseTimestamp == 1000);
    assert_true(h.maxTimestamp == 5000);
    assert_int_equal(h.producerId, 9);
    assert_int_equal(h.producerEpoch, 2);
    assert_int_equal(h.baseSequence, 100);

    assert_int_equal(kwire_batch_records_init(&it, b.data, b.len), 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(kwire_batch_records_next(&it, &rec), 1);
        assert_int_equal(rec.offsetDelta, i);
        assert_true(h.baseTimestamp + rec.timestampDelta == msgs[i].timestamp);
        assert_int_equal(rec.key.len, msgs[i].key.len);
        assert_int_equal(rec.value.len, msgs[i].value.len);
        if (rec.value.len > 0)
            assert_memory_equal(rec.value.ptr, msgs[i].value.ptr, (size_t)rec.value.len);
        assert_int_equal(rec.headersCount, msgs[i].headersCount);
        kwire_reader_t hr;
        kwire_slice_t hk, hv;
        kwire_reader_init(&hr, rec.headers.ptr, (size_t)rec.headers.len);
        for (int j = 0; j < rec.headersCount; j++) {
            assert_int_equal(kwire_batch_header_next(&hr, &hk, &hv), 1);
            assert_int_equal(hk.len, hdrs[j].key.len);
            assert_int_equal(hv.len, hdrs[j].value.len);
        }
        assert_int_equal(kwire_batch_header_next(&hr, &hk, &hv), 0);
    }
    assert_int_equal(kwire_batch_records_next(&it, &rec), 0);
    free(bigval);
    buf_close(&b);
}

static void test_kwire_batch_build_rejects(void **state)
{
    (void)state;
    const kwire_batch_kv_t bad = {KWIRE_SLICE_NULL, kwire_cstr("v")};
    const kwire_batch_msg_t ok = {kwire_cstr("k"), kwire_cstr("v"), NULL, 0, 1};
    const kwire_batch_msg_t nullkey = {kwire_cstr("k"), kwire_cstr("v"), &bad, 1, 1};
    kwire_batch_opts_t gz = KWIRE_BATCH_OPTS_INIT;
    buf_t b = BUF_INIT;

    gz.attributes = KWIRE_BATCH_GZIP;
    assert_int_equal(kwire_batch_build(&b, &gz, &ok, 1), XDC_EUNSUPPORTED);
    assert_int_equal(kwire_batch_build(&b, NULL, &ok, 0), -EINVAL);
    assert_int_equal(kwire_batch_build(&b, NULL, &nullkey, 1), -EINVAL);
    assert_int_equal(b.len, 0);
    assert_int_equal(kwire_batch_build(&b, NULL, &ok, 1), 0);
    kwire_batch_hdr_t h;
    assert_int_equal(kwire_batch_validate(b.data, b.len, &h, NULL), 0);
    assert_int_equal(h.partitionLeaderEpoch, -1);
    assert_int_equal(h.producerId, -1);
    buf_close(&b);
}

static void test_kwire_batch_set_log_append_time(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = test_hex(batch_idem_hex, &len);
    kwire_batch_hdr_t h;

    kwire_batch_set_log_append_time(b, len, 1800000000000LL);
    assert_int_equal(kwire_batch_validate(b, len, &h, NULL), 0);
    assert_int_equal(h.attributes, KWIRE_BATCH_LOG_APPEND_TIME);
    assert_true(h.maxTimestamp == 1800000000000LL);
    assert_true(h.baseTimestamp == 1795237353139LL);
    free(b);
}

/* ---- batch sequences (segment scan) ----------------------------------------- */

/* Three batches back to back: the two captures and a built one. */
static uint8_t *test_segment(size_t *len, size_t sizes[3])
{
    size_t l0, l1;
    uint8_t *a = test_hex(batch_idem_hex, &l0);
    uint8_t *g = test_hex(batch_gzip_hex, &l1);
    const kwire_batch_msg_t m = {kwire_cstr("k"), kwire_cstr("v"), NULL, 0, 1};
    buf_t b = BUF_INIT;

    buf_append(&b, a, l0);
    buf_append(&b, g, l1);
    assert_int_equal(kwire_batch_build(&b, NULL, &m, 1), 0);
    sizes[0] = l0;
    sizes[1] = l1;
    sizes[2] = b.len - l0 - l1;
    *len = b.len;
    free(a);
    free(g);
    return b.data; /* the buffer's storage, now the caller's to free() */
}

static void test_kwire_batch_iter_clean_end(void **state)
{
    (void)state;
    size_t len, sizes[3], pos = 0;
    uint8_t *seg = test_segment(&len, sizes);
    kwire_batch_iter_t it;
    kwire_slice_t batch;
    kwire_batch_hdr_t h;

    kwire_batch_iter_init(&it, seg, len);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(kwire_batch_iter_next(&it, &batch, &h), 1);
        assert_ptr_equal(batch.ptr, seg + pos);
        assert_int_equal(batch.len, sizes[i]);
        pos += sizes[i];
        assert_int_equal(it.pos, pos);
    }
    assert_int_equal(kwire_batch_iter_next(&it, &batch, &h), 0);
    assert_int_equal(it.torn, 0);
    free(seg);
}

/* Every cut inside the last batch is a torn tail, never corruption. */
static void test_kwire_batch_iter_torn_tail(void **state)
{
    (void)state;
    size_t len, sizes[3];
    uint8_t *seg = test_segment(&len, sizes);
    size_t good = sizes[0] + sizes[1];
    kwire_batch_iter_t it;
    kwire_slice_t batch;
    kwire_batch_hdr_t h;

    for (size_t cut = good + 1; cut < len; cut++) {
        uint8_t *part = test_dup(seg, cut);
        kwire_batch_iter_init(&it, part, cut);
        assert_int_equal(kwire_batch_iter_next(&it, &batch, &h), 1);
        assert_int_equal(kwire_batch_iter_next(&it, &batch, &h), 1);
        assert_int_equal(kwire_batch_iter_next(&it, &batch, &h), 0);
        assert_int_equal(it.pos, good);
        assert_int_equal(it.torn, cut - good);
        assert_int_equal(it.why, KWIRE_BATCH_TRUNCATED);
        free(part);
    }
    free(seg);
}

static void test_kwire_batch_iter_corrupt_middle(void **state)
{
    (void)state;
    size_t len, sizes[3];
    uint8_t *seg = test_segment(&len, sizes);
    kwire_batch_iter_t it;
    kwire_slice_t batch;
    kwire_batch_hdr_t h;

    seg[sizes[0] + 40] ^= 1; /* inside the second batch's CRC range */
    kwire_batch_iter_init(&it, seg, len);
    assert_int_equal(kwire_batch_iter_next(&it, &batch, &h), 1);
    assert_int_equal(kwire_batch_iter_next(&it, &batch, &h), XDC_ECORRUPT);
    assert_int_equal(it.why, KWIRE_BATCH_BAD_CRC);
    assert_int_equal(it.pos, sizes[0]);
    seg[sizes[0] + 40] ^= 1;

    /* zeroed space (a preallocated or hole-punched tail) is corrupt too */
    memset(seg + sizes[0], 0, sizes[1]);
    kwire_batch_iter_init(&it, seg, len);
    assert_int_equal(kwire_batch_iter_next(&it, &batch, &h), 1);
    assert_int_equal(kwire_batch_iter_next(&it, &batch, &h), XDC_ECORRUPT);
    assert_int_equal(it.why, KWIRE_BATCH_BAD_LENGTH);
    assert_int_equal(it.pos, sizes[0]);
    free(seg);
}

static void test_kwire_batch_reason_strings(void **state)
{
    (void)state;
    for (int w = KWIRE_BATCH_OK; w <= KWIRE_BATCH_BAD_FILL; w++)
        assert_string_not_equal(kwire_batch_reason_str((kwire_batch_reason_t)w), "unknown");
    assert_string_equal(kwire_batch_reason_str((kwire_batch_reason_t)99), "unknown");
    assert_int_equal(kwire_batch_reason_errcode(KWIRE_BATCH_OK), 0);
    assert_int_equal(kwire_batch_reason_errcode(KWIRE_BATCH_TRUNCATED),
                     KWIRE_KAFKA_CORRUPT_MESSAGE);
    assert_int_equal(kwire_batch_reason_errcode(KWIRE_BATCH_BAD_FILL), KWIRE_KAFKA_INVALID_RECORD);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kwire_batch_validates_capture),
        cmocka_unit_test(test_kwire_batch_records_of_capture),
        cmocka_unit_test(test_kwire_batch_build_matches_capture),
        cmocka_unit_test(test_kwire_batch_compressed_capture),
        cmocka_unit_test(test_kwire_batch_detects_bad_crc),
        cmocka_unit_test(test_kwire_batch_truncated),
        cmocka_unit_test(test_kwire_batch_rejects_layout),
        cmocka_unit_test(test_kwire_batch_records_reject_bad_offset),
        cmocka_unit_test(test_kwire_batch_records_reject_bad_fill),
        cmocka_unit_test(test_kwire_batch_records_truncated),
        cmocka_unit_test(test_kwire_batch_build_round_trip),
        cmocka_unit_test(test_kwire_batch_build_rejects),
        cmocka_unit_test(test_kwire_batch_set_log_append_time),
        cmocka_unit_test(test_kwire_batch_iter_clean_end),
        cmocka_unit_test(test_kwire_batch_iter_torn_tail),
        cmocka_unit_test(test_kwire_batch_iter_corrupt_middle),
        cmocka_unit_test(test_kwire_batch_reason_strings),
    };
    return cmocka_run_group_tests_name("kwire_batch", tests, NULL, NULL);
}
