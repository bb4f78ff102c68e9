#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/test_bytes.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "broker/kwire.h"
#include "broker/kwire_batch.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/util.h"

/* Request frames captured from librdkafka 2.0.2 (Debian bookworm), size
 * prefix included:
 *  - "kcat -b 127.0.0.1:PORT -L" against a listener that recorded the first
 *    frame it received (kcat 1.7.1, default client.id "rdkafka");
 *  - the same with "kcat -P -X client.id=xdc-capture";
 *  - "strace -e sendmsg" of "kcat -P -K: -H h1=v1 -X enable.idempotence=true
 *    -X test.mock.num.brokers=1 -t cap" producing "k1:hello k2:world :nokey"
 *    to librdkafka's mock cluster: every request the client sent, in order
 *    (the mock refused ApiVersions v3, so the client fell back to v0);
 *  - the same producing one 300-byte value with compression.codec=gzip. */
typedef struct capture {
    const char *name;
    const char *hex;
    int16_t ApiKey, ApiVersion;
    int flex_hdr; /* request header v2 */
    int32_t CorrelationId;
    const char *ClientId;
} capture_t;

static const capture_t captures[] = {
    {"ApiVersions v3 (kcat -L)",
     "000000240012000300000001000772646b61666b61000b6c696272646b61666b6106322e302e3200", 18, 3, 1,
     1, "rdkafka"},
    {"ApiVersions v3 (producer)",
     "000000280012000300000001000b7864632d63617074757265000b6c696272646b61666b6106322e302e3200", 18,
     3, 1, 1, "xdc-capture"},
    {"ApiVersions v0", "000000110012000000000002000772646b61666b61", 18, 0, 0, 2, "rdkafka"},
    {"Metadata v2", "0000001a0003000200000003000772646b61666b61000000010003636170", 3, 2, 0, 3,
     "rdkafka"},
    {"InitProducerId v4",
     "000000220016000400000004000772646b61666b610000ffffffffffffffffffffffffffff00", 22, 4, 1, 4,
     "rdkafka"},
    {"Produce v7 idempotent",
     "000000910000000700000005000772646b61666b61ffffffff0000753000000001000363617000000001000000030"
     "0"
     "0000630000000000000000000000570000000002061e73c2000000000001000001a1fc7c16b3000001a1fc7c16b30"
     "0"
     "000000053319b80000000000000000000226000000046b320a776f726c640204683104763122000002000a6e6f6b6"
     "5"
     "7902046831047631",
     0, 7, 0, 5, "rdkafka"},
    {"Produce v7 gzip",
     "0000008f0000000700000004000772646b61666b61ffffffff0000753000000001000363617000000001000000010"
     "0"
     "0000610000000000000000000000550000000002627e1c6b000100000000000001a1fc7c2cf2000001a1fc7c2cf2f"
     "f"
     "ffffffffffffffffffffffffff000000011f8b08000000000000037bc3c2c0c0c0969d5a7983257114100d1800993"
     "d"
     "7acf38010000",
     0, 7, 0, 4, "rdkafka"},
};

#define MAX_FRAME (1 << 20)

/* ---- request bodies, per the schemas in ../shared/kafka-protocol --------- */

/* ApiVersionsRequest.json: v3+ flexible, two compact strings. */
static void test_body_api_versions(kwire_reader_t *r, int16_t ver)
{
    kwire_slice_t name, version;
    if (ver >= 3) {
        kwire_read_compact_str(r, &name);    /* ClientSoftwareName */
        kwire_read_compact_str(r, &version); /* ClientSoftwareVersion */
        kwire_skip_tags(r);
        if (!r->err) {
            assert_true(kwire_slice_eq(name, "librdkafka"));
            assert_true(kwire_slice_eq(version, "2.0.2"));
        }
    }
}

/* MetadataRequest.json v2: Topics (nullable array of Name). */
static void test_body_metadata(kwire_reader_t *r)
{
    kwire_slice_t name;
    int32_t n = kwire_read_array_len(r); /* Topics */
    for (int32_t i = 0; i < n && !r->err; i++)
        kwire_read_str(r, &name); /* Topics.Name */
    if (!r->err) {
        assert_int_equal(n, 1);
        assert_true(kwire_slice_eq(name, "cap"));
    }
}

/* InitProducerIdRequest.json v4 (flexible). */
static void test_body_init_producer_id(kwire_reader_t *r)
{
    kwire_slice_t txn;
    kwire_read_compact_nullable_str(r, &txn); /* TransactionalId */
    int32_t timeout = kwire_read_i32(r);      /* TransactionTimeoutMs */
    int64_t pid = kwire_read_i64(r);          /* ProducerId (v3+) */
    int16_t epoch = kwire_read_i16(r);        /* ProducerEpoch (v3+) */
    kwire_skip_tags(r);
    if (!r->err) {
        assert_int_equal(txn.len, -1);
        assert_int_equal(timeout, -1);
        assert_int_equal(pid, -1);
        assert_int_equal(epoch, -1);
    }
}

/* ProduceRequest.json v7: the one batch must validate. */
static void test_body_produce(kwire_reader_t *r)
{
    kwire_slice_t txn, topic, records = KWIRE_SLICE_NULL;
    kwire_read_nullable_str(r, &txn); /* TransactionalId */
    int16_t acks = kwire_read_i16(r); /* Acks */
    (void)kwire_read_i32(r);          /* TimeoutMs */
    int32_t nt = kwire_read_array_len(r);
    for (int32_t t = 0; t < nt && !r->err; t++) {
        kwire_read_str(r, &topic); /* TopicData.Name */
        int32_t np = kwire_read_array_len(r);
        for (int32_t p = 0; p < np && !r->err; p++) {
            (void)kwire_read_i32(r);                /* PartitionData.Index */
            kwire_read_nullable_bytes(r, &records); /* PartitionData.Records */
        }
    }
    if (!r->err) {
        kwire_batch_hdr_t h;
        assert_int_equal(txn.len, -1);
        assert_int_equal(acks, -1);
        assert_true(kwire_slice_eq(topic, "cap"));
        assert_int_equal(kwire_batch_validate(records.ptr, (size_t)records.len, &h, NULL), 0);
    }
}

/* Decode one frame body completely. @return 0 or XDC_EMALFORMED. */
static int test_decode_frame(const uint8_t *body, size_t len, const capture_t *c)
{
    kwire_reader_t r;
    kwire_req_hdr_t h;

    kwire_reader_init(&r, body, len);
    if (kwire_decode_req_hdr(&r, &h, c->flex_hdr) < 0)
        return XDC_EMALFORMED;
    assert_int_equal(h.ApiKey, c->ApiKey);
    assert_int_equal(h.ApiVersion, c->ApiVersion);
    assert_int_equal(h.CorrelationId, c->CorrelationId);
    assert_true(kwire_slice_eq(h.ClientId, c->ClientId));
    switch (h.ApiKey) {
    case 18: test_body_api_versions(&r, h.ApiVersion); break;
    case 3: test_body_metadata(&r); break;
    case 22: test_body_init_producer_id(&r); break;
    case 0: test_body_produce(&r); break;
    default: fail();
    }
    if (r.err)
        return r.err;
    return kwire_reader_left(&r) == 0 ? 0 : XDC_EMALFORMED;
}

/* ---- frames ------------------------------------------------------------ */

static void test_kwire_frame_decodes_captures(void **state)
{
    (void)state;
    for (size_t i = 0; i < XDC_ARRAY_SIZE(captures); i++) {
        const capture_t *c = &captures[i];
        size_t len, consumed = 0;
        uint8_t *data = test_hex(c->hex, &len);
        kwire_slice_t frame;
        int16_t key, ver;

        print_message("%s\n", c->name);
        assert_int_equal(kwire_frame_next(data, len, MAX_FRAME, &frame, &consumed), 1);
        assert_int_equal(consumed, len);
        assert_ptr_equal(frame.ptr, data + 4);
        assert_int_equal(frame.len, (int32_t)len - 4);
        assert_int_equal(kwire_peek_api(frame, &key, &ver), 0);
        assert_int_equal(key, c->ApiKey);
        assert_int_equal(ver, c->ApiVersion);
        assert_int_equal(test_decode_frame(frame.ptr, (size_t)frame.len, c), 0);
        free(data);
    }
}

/* Every prefix of a frame is "need more", never an error or a frame. */
static void test_kwire_frame_prefix_needs_more(void **state)
{
    (void)state;
    for (size_t i = 0; i < XDC_ARRAY_SIZE(captures); i++) {
        size_t len, consumed = 0;
        uint8_t *data = test_hex(captures[i].hex, &len);
        for (size_t n = 0; n < len; n++) {
            uint8_t *part = test_dup(data, n);
            kwire_slice_t frame;
            assert_int_equal(kwire_frame_next(part, n, MAX_FRAME, &frame, &consumed), 0);
            free(part);
        }
        free(data);
    }
}

/* A frame whose body was cut short (and whose size prefix says so) must
 * fail to decode, reading nothing beyond the cut. */
static void test_kwire_frame_truncated_body_malformed(void **state)
{
    (void)state;
    for (size_t i = 0; i < XDC_ARRAY_SIZE(captures); i++) {
        size_t len;
        uint8_t *data = test_hex(captures[i].hex, &len);
        for (size_t n = 0; n < len - 4; n++) {
            uint8_t *body = test_dup(data + 4, n);
            assert_int_equal(test_decode_frame(body, n, &captures[i]), XDC_EMALFORMED);
            free(body);
        }
        free(data);
    }
}

static void test_kwire_frame_rejects_oversize(void **state)
{
    (void)state;
    size_t len, consumed = 0;
    uint8_t *data = test_hex(captures[0].hex, &len);
    kwire_slice_t frame;

    assert_int_equal(kwire_frame_next(data, len, (int32_t)len - 4, &frame, &consumed), 1);
    assert_int_equal(kwire_frame_next(data, len, (int32_t)len - 5, &frame, &consumed), XDC_ETOOBIG);
    /* The cap applies as soon as the prefix is in, before the body. */
    static const uint8_t huge[4] = {0x7f, 0xff, 0xff, 0xff};
    assert_int_equal(kwire_frame_next(huge, 4, MAX_FRAME, &frame, &consumed), XDC_ETOOBIG);
    free(data);
}

static void test_kwire_frame_rejects_bad_size(void **state)
{
    (void)state;
    uint8_t data[16] = {0};
    kwire_slice_t frame;
    size_t consumed;

    for (int size = 0; size < KWIRE_REQ_HDR_MIN; size++) {
        data[3] = (uint8_t)size;
        assert_int_equal(kwire_frame_next(data, sizeof(data), MAX_FRAME, &frame, &consumed),
                         XDC_EMALFORMED);
    }
    memset(data, 0xff, 4); /* -1 */
    assert_int_equal(kwire_frame_next(data, sizeof(data), MAX_FRAME, &frame, &consumed),
                     XDC_EMALFORMED);
    data[0] = 0x80; /* INT32_MIN */
    data[1] = data[2] = data[3] = 0;
    assert_int_equal(kwire_frame_next(data, 4, MAX_FRAME, &frame, &consumed), XDC_EMALFORMED);
}

static void test_kwire_frame_splits_pipelined(void **state)
{
    (void)state;
    size_t l0, l1, consumed;
    uint8_t *a = test_hex(captures[0].hex, &l0);
    uint8_t *b = test_hex(captures[3].hex, &l1);
    uint8_t *both = malloc(l0 + l1);
    kwire_slice_t frame;

    memcpy(both, a, l0);
    memcpy(both + l0, b, l1);
    assert_int_equal(kwire_frame_next(both, l0 + l1, MAX_FRAME, &frame, &consumed), 1);
    assert_int_equal(consumed, l0);
    assert_int_equal(kwire_frame_next(both + l0, l1, MAX_FRAME, &frame, &consumed), 1);
    assert_int_equal(consumed, l1);
    assert_memory_equal(frame.ptr, b + 4, l1 - 4);
    free(a);
    free(b);
    free(both);
}

static void test_kwire_peek_rejects_short(void **state)
{
    (void)state;
    static const uint8_t d[3] = {0, 18, 0};
    int16_t key = 7, ver = 7;
    assert_int_equal(kwire_peek_api((kwire_slice_t){d, 3}, &key, &ver), XDC_EMALFORMED);
}

/* ---- headers ------------------------------------------------------------- */

static void test_kwire_req_hdr_null_client_id(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    kwire_reader_t r;
    kwire_req_hdr_t h;

    kwire_write_i16(&b, 3);
    kwire_write_i16(&b, 12);
    kwire_write_i32(&b, -7);
    kwire_write_nullable_str(&b, KWIRE_SLICE_NULL);
    kwire_write_empty_tags(&b);
    kwire_reader_init(&r, b.data, b.len);
    assert_int_equal(kwire_decode_req_hdr(&r, &h, 1), 0);
    assert_int_equal(h.ApiKey, 3);
    assert_int_equal(h.ApiVersion, 12);
    assert_int_equal(h.CorrelationId, -7);
    assert_int_equal(h.ClientId.len, -1);
    assert_null(h.ClientId.ptr);
    assert_int_equal(kwire_reader_left(&r), 0);
    buf_close(&b);
}

/* Header v2 with a non-empty tag section: the tags are skipped. */
static void test_kwire_req_hdr_skips_tags(void **state)
{
    (void)state;
    static const uint8_t d[] = {0, 18, 0, 3, 0, 0, 0, 9, 0, 1, 'x', 2, 0, 2, 'a', 'b', 1, 0, 0x42};
    kwire_reader_t r;
    kwire_req_hdr_t h;

    kwire_reader_init(&r, d, sizeof(d));
    assert_int_equal(kwire_decode_req_hdr(&r, &h, 1), 0);
    assert_true(kwire_slice_eq(h.ClientId, "x"));
    assert_int_equal(kwire_read_i8(&r), 0x42);
    assert_int_equal(r.err, 0);
}

static void test_kwire_resp_hdr_versions(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    static const uint8_t v0[] = {0, 0, 0, 5, 0x12, 0x34, 0x56, 0x78};
    static const uint8_t v1[] = {0, 0, 0, 6, 0x12, 0x34, 0x56, 0x78, 0};

    size_t slot = kwire_write_size_begin(&b);
    kwire_write_resp_hdr(&b, 0x12345678, 0);
    kwire_write_i8(&b, 0);
    kwire_write_size_end(&b, slot);
    assert_int_equal(b.len, sizeof(v0) + 1);
    assert_memory_equal(b.data, v0, sizeof(v0));
    buf_reset(&b);
    slot = kwire_write_size_begin(&b);
    kwire_write_resp_hdr(&b, 0x12345678, 1);
    kwire_write_i8(&b, 0);
    kwire_write_size_end(&b, slot);
    assert_int_equal(b.len, sizeof(v1) + 1);
    assert_memory_equal(b.data, v1, sizeof(v1));
    buf_close(&b);
}

/* ---- primitives ------------------------------------------------------------ */

static void test_kwire_ints_round_trip(void **state)
{
    (void)state;
    static const int64_t i64s[] = {0, 1, -1, INT64_MAX, INT64_MIN, 0x0102030405060708};
    static const int32_t i32s[] = {0, 1, -1, INT32_MAX, INT32_MIN, 63, -64, 64, 8191, -8193};
    static const uint32_t u32s[] = {0,     1,          127,        128,       16383,
                                    16384, 0x0fffffff, 0x10000000, UINT32_MAX};
    buf_t b = BUF_INIT;
    kwire_reader_t r;
    uint8_t uuid[16], back[16];

    for (int i = 0; i < 16; i++)
        uuid[i] = (uint8_t)(0xf0 + i);
    kwire_write_i8(&b, -128);
    kwire_write_i16(&b, INT16_MIN);
    kwire_write_i16(&b, INT16_MAX);
    kwire_write_u32(&b, 0xdeadbeef);
    kwire_write_bool(&b, 5);
    kwire_write_uuid(&b, uuid);
    for (size_t i = 0; i < XDC_ARRAY_SIZE(i64s); i++) {
        kwire_write_i64(&b, i64s[i]);
        kwire_write_varlong(&b, i64s[i]);
    }
    for (size_t i = 0; i < XDC_ARRAY_SIZE(i32s); i++) {
        kwire_write_i32(&b, i32s[i]);
        kwire_write_varint(&b, i32s[i]);
    }
    for (size_t i = 0; i < XDC_ARRAY_SIZE(u32s); i++)
        kwire_write_uvarint(&b, u32s[i]);

    kwire_reader_init(&r, b.data, b.len);
    assert_int_equal(kwire_read_i8(&r), -128);
    assert_int_equal(kwire_read_i16(&r), INT16_MIN);
    assert_int_equal(kwire_read_i16(&r), INT16_MAX);
    assert_int_equal(kwire_read_u32(&r), 0xdeadbeef);
    assert_int_equal(kwire_read_bool(&r), 1);
    kwire_read_uuid(&r, back);
    assert_memory_equal(back, uuid, 16);
    for (size_t i = 0; i < XDC_ARRAY_SIZE(i64s); i++) {
        assert_true(kwire_read_i64(&r) == i64s[i]);
        assert_true(kwire_read_varlong(&r) == i64s[i]);
    }
    for (size_t i = 0; i < XDC_ARRAY_SIZE(i32s); i++) {
        assert_int_equal(kwire_read_i32(&r), i32s[i]);
        assert_int_equal(kwire_read_varint(&r), i32s[i]);
    }
    for (size_t i = 0; i < XDC_ARRAY_SIZE(u32s); i++)
        assert_int_equal(kwire_read_uvarint(&r), u32s[i]);
    assert_int_equal(r.err, 0);
    assert_int_equal(kwire_reader_left(&r), 0);
    buf_close(&b);
}

/* Encodings from the protobuf/Kafka documentation. */
static void test_kwire_varint_known_encodings(void **state)
{
    (void)state;
    static const struct {
        int32_t v;
        const char *hex;
    } cases[] = {{0, "00"},
                 {-1, "01"},
                 {1, "02"},
                 {-2, "03"},
                 {63, "7e"},
                 {-64, "7f"},
                 {64, "8001"},
                 {150, "ac02"},
                 {INT32_MAX, "feffffff0f"},
                 {INT32_MIN, "ffffffff0f"}};
    for (size_t i = 0; i < XDC_ARRAY_SIZE(cases); i++) {
        buf_t b = BUF_INIT;
        size_t n;
        uint8_t *want = test_hex(cases[i].hex, &n);
        kwire_write_varint(&b, cases[i].v);
        assert_int_equal(b.len, n);
        assert_int_equal(kwire_varint_size(cases[i].v), n);
        assert_memory_equal(b.data, want, n);
        free(want);
        buf_close(&b);
    }
    assert_int_equal(kwire_varlong_size(INT64_MIN), 10);
    assert_int_equal(kwire_varlong_size(-1), 1);
}

static void test_kwire_varint_rejects_overlong(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        int kind; /* 0 uvarint, 1 varlong */
    } bad[] = {
        {"8080808080", 0},             /* 5th byte still continues */
        {"ffffffff10", 0},             /* 33rd bit set */
        {"ffffffff7f", 0},             /* high bits in the 5th byte */
        {"808080808080808080", 1},     /* runs off the end */
        {"ffffffffffffffffff02", 1},   /* 65th bit set */
        {"8080808080808080808000", 1}, /* 11 bytes */
        {"80", 0},                     /* truncated */
    };
    for (size_t i = 0; i < XDC_ARRAY_SIZE(bad); i++) {
        size_t n;
        uint8_t *d = test_hex(bad[i].hex, &n);
        kwire_reader_t r;
        kwire_reader_init(&r, d, n);
        if (bad[i].kind == 0)
            assert_int_equal(kwire_read_uvarint(&r), 0);
        else
            assert_true(kwire_read_varlong(&r) == 0);
        assert_int_equal(r.err, XDC_EMALFORMED);
        free(d);
    }
}

static void test_kwire_strings_round_trip(void **state)
{
    (void)state;
    kwire_slice_t big = {NULL, 300}, s[20];
    uint8_t *bigdata = calloc(1, 300);
    buf_t b = BUF_INIT;
    kwire_reader_t r;

    big.ptr = bigdata;
    kwire_write_str(&b, kwire_cstr("topic"));
    kwire_write_str(&b, kwire_cstr(""));
    kwire_write_nullable_str(&b, KWIRE_SLICE_NULL);
    kwire_write_compact_str(&b, big);
    kwire_write_compact_nullable_str(&b, KWIRE_SLICE_NULL);
    kwire_write_compact_nullable_str(&b, kwire_cstr("x"));
    kwire_write_bytes(&b, big);
    kwire_write_nullable_bytes(&b, KWIRE_SLICE_NULL);
    kwire_write_compact_bytes(&b, kwire_cstr(""));
    kwire_write_compact_nullable_bytes(&b, KWIRE_SLICE_NULL);
    for (int flex = 0; flex <= 1; flex++) {
        kwire_write_string(&b, flex, kwire_cstr("s"));
        kwire_write_nullable_string(&b, flex, KWIRE_SLICE_NULL);
        kwire_write_blob(&b, flex, kwire_cstr("bb"));
        kwire_write_nullable_blob(&b, flex, KWIRE_SLICE_NULL);
    }

    kwire_reader_init(&r, b.data, b.len);
    kwire_read_str(&r, &s[0]);
    kwire_read_str(&r, &s[1]);
    kwire_read_nullable_str(&r, &s[2]);
    kwire_read_compact_str(&r, &s[3]);
    kwire_read_compact_nullable_str(&r, &s[4]);
    kwire_read_compact_nullable_str(&r, &s[5]);
    kwire_read_bytes(&r, &s[6]);
    kwire_read_nullable_bytes(&r, &s[7]);
    kwire_read_compact_bytes(&r, &s[8]);
    kwire_read_compact_nullable_bytes(&r, &s[9]);
    for (int flex = 0; flex <= 1; flex++) {
        kwire_read_string(&r, flex, &s[10 + 4 * flex]);
        kwire_read_nullable_string(&r, flex, &s[11 + 4 * flex]);
        kwire_read_blob(&r, flex, &s[12 + 4 * flex]);
        kwire_read_nullable_blob(&r, flex, &s[13 + 4 * flex]);
    }
    assert_int_equal(r.err, 0);
    assert_int_equal(kwire_reader_left(&r), 0);
    assert_true(kwire_slice_eq(s[0], "topic"));
    assert_true(kwire_slice_eq(s[1], ""));
    assert_int_equal(s[2].len, -1);
    assert_int_equal(s[3].len, 300);
    assert_int_equal(s[4].len, -1);
    assert_true(kwire_slice_eq(s[5], "x"));
    assert_int_equal(s[6].len, 300);
    assert_int_equal(s[7].len, -1);
    assert_int_equal(s[8].len, 0);
    assert_int_equal(s[9].len, -1);
    for (int flex = 0; flex <= 1; flex++) {
        assert_true(kwire_slice_eq(s[10 + 4 * flex], "s"));
        assert_int_equal(s[11 + 4 * flex].len, -1);
        assert_true(kwire_slice_eq(s[12 + 4 * flex], "bb"));
        assert_int_equal(s[13 + 4 * flex].len, -1);
    }
    assert_false(kwire_slice_eq(s[2], ""));
    free(bigdata);
    buf_close(&b);
}

static void test_kwire_strings_reject_bad_lengths(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        int kind; /* 0 str, 1 nullable str, 2 compact str, 3 compact nullable str, 4 bytes */
    } bad[] = {
        {"ffff", 0},       /* null where not nullable */
        {"fffe", 1},       /* -2 */
        {"0005616263", 0}, /* 5 declared, 3 present */
        {"00", 2},         /* compact null where not nullable */
        {"818002", 3},     /* 32768 + 1: longer than Short.MAX_VALUE */
        {"0461", 3},       /* 3 declared, 1 present */
        {"ffffffff", 4},   /* null bytes */
        {"7fffffff00", 4}, /* 2 GiB declared */
    };
    for (size_t i = 0; i < XDC_ARRAY_SIZE(bad); i++) {
        size_t n;
        uint8_t *d = test_hex(bad[i].hex, &n);
        kwire_reader_t r;
        kwire_slice_t s;
        kwire_reader_init(&r, d, n);
        switch (bad[i].kind) {
        case 0: kwire_read_str(&r, &s); break;
        case 1: kwire_read_nullable_str(&r, &s); break;
        case 2: kwire_read_compact_str(&r, &s); break;
        case 3: kwire_read_compact_nullable_str(&r, &s); break;
        default: kwire_read_bytes(&r, &s); break;
        }
        assert_int_equal(r.err, XDC_EMALFORMED);
        assert_int_equal(s.len, -1);
        assert_null(s.ptr);
        free(d);
    }
}

/* A count larger than the bytes that follow is refused before any caller
 * could allocate for it. */
static void test_kwire_array_rejects_huge_count(void **state)
{
    (void)state;
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff, 1, 2, 3};
    static const uint8_t chuge[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2};
    static const uint8_t exact[] = {0, 0, 0, 3, 1, 2, 3};
    static const uint8_t neg[] = {0xff, 0xff, 0xff, 0xfe, 1};
    static const uint8_t null[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t cnull[] = {0};
    kwire_reader_t r;

    kwire_reader_init(&r, huge, sizeof(huge));
    assert_int_equal(kwire_read_array_len(&r), -1);
    assert_int_equal(r.err, XDC_EMALFORMED);
    kwire_reader_init(&r, chuge, sizeof(chuge));
    assert_int_equal(kwire_read_compact_array_len(&r), -1);
    assert_int_equal(r.err, XDC_EMALFORMED);
    kwire_reader_init(&r, neg, sizeof(neg));
    assert_int_equal(kwire_read_array_len(&r), -1);
    assert_int_equal(r.err, XDC_EMALFORMED);
    kwire_reader_init(&r, exact, sizeof(exact));
    assert_int_equal(kwire_read_count(&r, 0), 3);
    assert_int_equal(r.err, 0);
    kwire_reader_init(&r, null, sizeof(null));
    assert_int_equal(kwire_read_count(&r, 0), -1);
    assert_int_equal(r.err, 0);
    kwire_reader_init(&r, cnull, sizeof(cnull));
    assert_int_equal(kwire_read_count(&r, 1), -1);
    assert_int_equal(r.err, 0);
}

static void test_kwire_arrays_round_trip(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    kwire_reader_t r;

    kwire_write_array_len(&b, 0);
    kwire_write_array_len(&b, -1);
    kwire_write_compact_array_len(&b, 0);
    kwire_write_compact_array_len(&b, -1);
    kwire_write_count(&b, 1, 2);
    kwire_write_count(&b, 0, 1);
    kwire_write_i8(&b, 1);
    kwire_write_i8(&b, 2);
    kwire_reader_init(&r, b.data, b.len);
    assert_int_equal(kwire_read_array_len(&r), 0);
    assert_int_equal(kwire_read_array_len(&r), -1);
    assert_int_equal(kwire_read_compact_array_len(&r), 0);
    assert_int_equal(kwire_read_compact_array_len(&r), -1);
    assert_int_equal(kwire_read_count(&r, 1), 2);
    assert_int_equal(kwire_read_count(&r, 0), 1);
    assert_int_equal(r.err, 0);
    buf_close(&b);
}

static void test_kwire_tags_skip(void **state)
{
    (void)state;
    /* two tags: 0 with 3 bytes, 5 with 0 bytes; then an int8 */
    static const uint8_t ok[] = {2, 0, 3, 'a', 'b', 'c', 5, 0, 0x33};
    static const uint8_t short_data[] = {1, 0, 4, 'a'};
    static const uint8_t many[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0};
    kwire_reader_t r;
    buf_t b = BUF_INIT;

    kwire_reader_init(&r, ok, sizeof(ok));
    kwire_read_tags(&r, 1);
    assert_int_equal(kwire_read_i8(&r), 0x33);
    assert_int_equal(r.err, 0);
    kwire_reader_init(&r, ok, sizeof(ok));
    kwire_read_tags(&r, 0); /* not flexible: nothing read */
    assert_int_equal(kwire_reader_left(&r), sizeof(ok));
    kwire_reader_init(&r, short_data, sizeof(short_data));
    kwire_skip_tags(&r);
    assert_int_equal(r.err, XDC_EMALFORMED);
    kwire_reader_init(&r, many, sizeof(many));
    kwire_skip_tags(&r);
    assert_int_equal(r.err, XDC_EMALFORMED);

    kwire_write_tags(&b, 0);
    assert_int_equal(b.len, 0);
    kwire_write_tags(&b, 1);
    assert_int_equal(b.len, 1);
    assert_int_equal(b.data[0], 0);
    buf_close(&b);
}

static void test_kwire_reader_error_is_sticky(void **state)
{
    (void)state;
    static const uint8_t d[] = {0, 1, 2, 3, 4, 5};
    kwire_reader_t r;
    kwire_slice_t s;

    kwire_reader_init(&r, d, sizeof(d));
    assert_int_equal(kwire_read_i16(&r), 1);
    assert_true(kwire_read_i64(&r) == 0); /* 4 bytes left: fails */
    assert_int_equal(r.err, XDC_EMALFORMED);
    assert_int_equal(kwire_read_i8(&r), 0); /* bytes were left, but the error sticks */
    kwire_read_raw(&r, 1, &s);
    assert_int_equal(s.len, -1);
    assert_int_equal(kwire_reader_left(&r), 0);
    assert_int_equal(r.err, XDC_EMALFORMED);

    kwire_reader_init(&r, d, sizeof(d));
    kwire_reader_fail(&r);
    assert_int_equal(kwire_read_i8(&r), 0);
    assert_int_equal(r.err, XDC_EMALFORMED);
}

static void test_kwire_size_slot_patches(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    kwire_write_i8(&b, 9);
    size_t outer = kwire_write_size_begin(&b);
    size_t inner = kwire_write_size_begin(&b);
    for (int i = 0; i < 300; i++)
        kwire_write_i8(&b, (int8_t)i);
    kwire_write_size_end(&b, inner);
    kwire_write_size_end(&b, outer);
    kwire_reader_t r;
    kwire_reader_init(&r, b.data, b.len);
    assert_int_equal(kwire_read_i8(&r), 9);
    assert_int_equal(kwire_read_i32(&r), 304);
    assert_int_equal(kwire_read_i32(&r), 300);
    buf_close(&b);
}

static void test_kwire_slice_helpers(void **state)
{
    (void)state;
    kwire_slice_t n = kwire_cstr(NULL), e = kwire_cstr("");
    assert_int_equal(n.len, -1);
    assert_int_equal(e.len, 0);
    assert_false(kwire_slice_eq(n, ""));
    assert_true(kwire_slice_eq(e, ""));
    assert_true(kwire_slice_eq(kwire_cstr("abc"), "abc"));
    assert_false(kwire_slice_eq(kwire_cstr("abc"), "abd"));
    assert_false(kwire_slice_eq(kwire_cstr("abc"), "ab"));
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kwire_frame_decodes_captures),
        cmocka_unit_test(test_kwire_frame_prefix_needs_more),
        cmocka_unit_test(test_kwire_frame_truncated_body_malformed),
        cmocka_unit_test(test_kwire_frame_rejects_oversize),
        cmocka_unit_test(test_kwire_frame_rejects_bad_size),
        cmocka_unit_test(test_kwire_frame_splits_pipelined),
        cmocka_unit_test(test_kwire_peek_rejects_short),
        cmocka_unit_test(test_kwire_req_hdr_null_client_id),
        cmocka_unit_test(test_kwire_req_hdr_skips_tags),
        cmocka_unit_test(test_kwire_resp_hdr_versions),
        cmocka_unit_test(test_kwire_ints_round_trip),
        cmocka_unit_test(test_kwire_varint_known_encodings),
        cmocka_unit_test(test_kwire_varint_rejects_overlong),
        cmocka_unit_test(test_kwire_strings_round_trip),
        cmocka_unit_test(test_kwire_strings_reject_bad_lengths),
        cmocka_unit_test(test_kwire_array_rejects_huge_count),
        cmocka_unit_test(test_kwire_arrays_round_trip),
        cmocka_unit_test(test_kwire_tags_skip),
        cmocka_unit_test(test_kwire_reader_error_is_sticky),
        cmocka_unit_test(test_kwire_size_slot_patches),
        cmocka_unit_test(test_kwire_slice_helpers),
    };
    return cmocka_run_group_tests_name("kwire", tests, NULL, NULL);
}
