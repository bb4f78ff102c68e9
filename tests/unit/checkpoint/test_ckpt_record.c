/* MM2's internal records: OffsetSync, Checkpoint, Heartbeat. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "checkpoint/checkpoint.h"
#include "common/err.h"

#include "../test_bytes.h"

#include <stdlib.h>
#include <string.h>

/* A record as hex, key and value apart. */
typedef struct hex_record {
    const char *name;
    const char *key;
    const char *value;
} hex_record_t;

/* The OffsetSync example of ../shared/reference/mirrormaker2.md section 2:
 * topic "t", partition 0, upstream 5, downstream 3. */
static const hex_record_t sync_ref = {
    "offset sync t/0 5->3",
    "0001"
    "74"
    "00000000",
    "0000000000000005"
    "0000000000000003",
};

/* Checkpoint group "billing", topic "primary.orders", partition 2,
 * upstream 1000, downstream 990, metadata "m1", laid out field by field from
 * Checkpoint.java's schemas. */
static const hex_record_t ckpt_ref = {
    "checkpoint billing primary.orders/2",
    "0007"
    "62696c6c696e67" /* group "billing" */
    "000e"
    "7072696d6172792e6f7264657273" /* topic "primary.orders" */
    "00000002",                    /* partition */
    "0000"                         /* version */
    "00000000000003e8"
    "00000000000003de" /* upstreamOffset, offset */
    "0002"
    "6d31", /* metadata "m1" */
};

/* Heartbeat primary -> dr at 1700000000000 ms (0x18bcfe56800). */
static const hex_record_t hb_ref = {
    "heartbeat primary->dr",
    "0007"
    "7072696d617279"
    "0002"
    "6472",
    "0000"
    "0000018bcfe56800",
};

/* Room for any decoded record, suitably aligned. */
typedef union any_record {
    ckpt_offset_sync_t s;
    ckpt_checkpoint_t c;
    ckpt_heartbeat_t h;
} any_record_t;

typedef int (*decode_fn)(const void *key, size_t klen, const void *value, size_t vlen, void *out);

static int sync_decode(const void *k, size_t kl, const void *v, size_t vl, void *out)
{
    return ckpt_offset_sync_decode(k, kl, v, vl, out);
}

static int ckpt_decode(const void *k, size_t kl, const void *v, size_t vl, void *out)
{
    return ckpt_checkpoint_decode(k, kl, v, vl, out);
}

static int hb_decode(const void *k, size_t kl, const void *v, size_t vl, void *out)
{
    return ckpt_heartbeat_decode(k, kl, v, vl, out);
}

/* Decode @p key/@p value, each copied to an exact-size heap buffer so that
 * ASan sees any read past its end. */
static int decode_exact(decode_fn fn, const uint8_t *key, size_t klen, const uint8_t *value,
                        size_t vlen, void *out)
{
    uint8_t *k = test_dup(key, klen), *v = test_dup(value, vlen);
    int rc = fn(k, klen, v, vlen, out);
    free(k);
    free(v);
    return rc;
}

/* decode_exact() for a successful decode whose borrowed strings are read
 * afterwards: the copies live until held_free(). */
typedef struct held {
    uint8_t *k, *v;
} held_t;

static int decode_held(held_t *h, decode_fn fn, const uint8_t *key, size_t klen,
                       const uint8_t *value, size_t vlen, void *out)
{
    h->k = test_dup(key, klen);
    h->v = test_dup(value, vlen);
    return fn(h->k, klen, h->v, vlen, out);
}

static void held_free(held_t *h)
{
    free(h->k);
    free(h->v);
}

static void assert_buf_hex(const buf_t *b, const char *hex)
{
    size_t n;
    uint8_t *want = test_hex(hex, &n);
    assert_int_equal(b->len, n);
    assert_memory_equal(b->data, want, n);
    free(want);
}

static void assert_str(const char *s, size_t len, const char *want)
{
    assert_int_equal(len, strlen(want));
    assert_memory_equal(s, want, len);
}

/* ---- reference bytes ---------------------------------------------------- */

static void test_ckpt_offset_sync_reference_bytes(void **state)
{
    (void)state;
    buf_t k = BUF_INIT, v = BUF_INIT;
    ckpt_offset_sync_t s = {"t", 1, 0, 5, 3};
    assert_int_equal(ckpt_offset_sync_encode(&s, &k, &v), 0);
    assert_buf_hex(&k, sync_ref.key);
    assert_buf_hex(&v, sync_ref.value);

    ckpt_offset_sync_t d;
    held_t held;
    assert_int_equal(decode_held(&held, sync_decode, k.data, k.len, v.data, v.len, &d), 0);
    assert_str(d.topic, d.topic_len, "t");
    assert_int_equal(d.partition, 0);
    assert_int_equal(d.upstream_offset, 5);
    assert_int_equal(d.downstream_offset, 3);
    held_free(&held);
    buf_close(&k);
    buf_close(&v);
}

static void test_ckpt_checkpoint_reference_bytes(void **state)
{
    (void)state;
    buf_t k = BUF_INIT, v = BUF_INIT;
    ckpt_checkpoint_t c = {"billing", 7, "primary.orders", 14, 2, 1000, 990, "m1", 2};
    assert_int_equal(ckpt_checkpoint_encode(&c, &k, &v), 0);
    assert_buf_hex(&k, ckpt_ref.key);
    assert_buf_hex(&v, ckpt_ref.value);

    ckpt_checkpoint_t d;
    held_t held;
    assert_int_equal(decode_held(&held, ckpt_decode, k.data, k.len, v.data, v.len, &d), 0);
    assert_str(d.group, d.group_len, "billing");
    assert_str(d.topic, d.topic_len, "primary.orders");
    assert_int_equal(d.partition, 2);
    assert_int_equal(d.upstream_offset, 1000);
    assert_int_equal(d.downstream_offset, 990);
    assert_str(d.metadata, d.metadata_len, "m1");
    held_free(&held);
    buf_close(&k);
    buf_close(&v);
}

static void test_ckpt_heartbeat_reference_bytes(void **state)
{
    (void)state;
    buf_t k = BUF_INIT, v = BUF_INIT;
    ckpt_heartbeat_t h = {"primary", 7, "dr", 2, 1700000000000LL};
    assert_int_equal(ckpt_heartbeat_encode(&h, &k, &v), 0);
    assert_buf_hex(&k, hb_ref.key);
    assert_buf_hex(&v, hb_ref.value);

    ckpt_heartbeat_t d;
    held_t held;
    assert_int_equal(decode_held(&held, hb_decode, k.data, k.len, v.data, v.len, &d), 0);
    assert_str(d.source_alias, d.source_len, "primary");
    assert_str(d.target_alias, d.target_len, "dr");
    assert_int_equal(d.timestamp_ms, 1700000000000LL);
    held_free(&held);
    buf_close(&k);
    buf_close(&v);
}

/* Decoded strings are borrowed from the input, not copied. */
static void test_ckpt_decode_borrows_strings(void **state)
{
    (void)state;
    size_t kl, vl;
    uint8_t *k = test_hex(ckpt_ref.key, &kl), *v = test_hex(ckpt_ref.value, &vl);
    ckpt_checkpoint_t d;
    assert_int_equal(ckpt_checkpoint_decode(k, kl, v, vl, &d), 0);
    assert_ptr_equal(d.group, (const char *)k + 2);
    assert_ptr_equal(d.topic, (const char *)k + 2 + 7 + 2);
    assert_ptr_equal(d.metadata, (const char *)v + vl - 2);
    free(k);
    free(v);
}

/* ---- round trips -------------------------------------------------------- */

static char *make_string(size_t n, char c)
{
    char *s = malloc(n ? n : 1);
    assert_non_null(s);
    memset(s, c, n);
    return s;
}

static void test_ckpt_offset_sync_round_trips(void **state)
{
    (void)state;
    char *longest = make_string(CKPT_STRING_MAX, 'x');
    const ckpt_offset_sync_t cases[] = {
        {"orders", 6, 0, 0, 0},
        {"orders", 6, INT32_MAX, INT64_MAX, INT64_MAX},
        {"", 0, 7, -1, INT64_MIN}, /* offsets are carried as they are */
        {NULL, 0, 1, 1, 2},
        {longest, CKPT_STRING_MAX, 3, 1LL << 40, (1LL << 40) + 1},
        {"\xc3\xa9t\xc3\xa9", 6, 12, 5, 3}, /* UTF-8 bytes pass through */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        buf_t k = BUF_INIT, v = BUF_INIT;
        ckpt_offset_sync_t d;
        assert_int_equal(ckpt_offset_sync_encode(&cases[i], &k, &v), 0);
        assert_int_equal(k.len, 2 + cases[i].topic_len + 4);
        assert_int_equal(v.len, 16);
        held_t held;
        assert_int_equal(decode_held(&held, sync_decode, k.data, k.len, v.data, v.len, &d), 0);
        assert_int_equal(d.topic_len, cases[i].topic_len);
        if (d.topic_len)
            assert_memory_equal(d.topic, cases[i].topic, d.topic_len);
        assert_int_equal(d.partition, cases[i].partition);
        assert_int_equal(d.upstream_offset, cases[i].upstream_offset);
        assert_int_equal(d.downstream_offset, cases[i].downstream_offset);
        held_free(&held);
        buf_close(&k);
        buf_close(&v);
    }
    free(longest);
}

static void test_ckpt_checkpoint_round_trips(void **state)
{
    (void)state;
    char *longest = make_string(CKPT_STRING_MAX, 'm');
    const ckpt_checkpoint_t cases[] = {
        {"g", 1, "t", 1, 0, 0, 0, "", 0},
        {"", 0, "", 0, INT32_MAX, INT64_MAX, INT64_MIN, NULL, 0},
        {"group-with-a-long-name", 22, "a.b.orders", 10, 99, 12345, -1, "meta", 4},
        {longest, CKPT_STRING_MAX, longest, CKPT_STRING_MAX, 1, 2, 3, longest, CKPT_STRING_MAX},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const ckpt_checkpoint_t *c = &cases[i];
        buf_t k = BUF_INIT, v = BUF_INIT;
        ckpt_checkpoint_t d;
        assert_int_equal(ckpt_checkpoint_encode(c, &k, &v), 0);
        assert_int_equal(k.len, 2 + c->group_len + 2 + c->topic_len + 4);
        assert_int_equal(v.len, 2 + 8 + 8 + 2 + c->metadata_len);
        held_t held;
        assert_int_equal(decode_held(&held, ckpt_decode, k.data, k.len, v.data, v.len, &d), 0);
        assert_int_equal(d.group_len, c->group_len);
        assert_int_equal(d.topic_len, c->topic_len);
        assert_int_equal(d.metadata_len, c->metadata_len);
        if (c->group_len)
            assert_memory_equal(d.group, c->group, c->group_len);
        if (c->topic_len)
            assert_memory_equal(d.topic, c->topic, c->topic_len);
        if (c->metadata_len)
            assert_memory_equal(d.metadata, c->metadata, c->metadata_len);
        assert_int_equal(d.partition, c->partition);
        assert_int_equal(d.upstream_offset, c->upstream_offset);
        assert_int_equal(d.downstream_offset, c->downstream_offset);
        held_free(&held);
        buf_close(&k);
        buf_close(&v);
    }
    free(longest);
}

static void test_ckpt_heartbeat_round_trips(void **state)
{
    (void)state;
    const ckpt_heartbeat_t cases[] = {
        {"a", 1, "b", 1, 0},
        {"", 0, NULL, 0, -1},
        {"us-west-2", 9, "eu-central-1", 12, INT64_MAX},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const ckpt_heartbeat_t *h = &cases[i];
        buf_t k = BUF_INIT, v = BUF_INIT;
        ckpt_heartbeat_t d;
        assert_int_equal(ckpt_heartbeat_encode(h, &k, &v), 0);
        assert_int_equal(v.len, 10);
        held_t held;
        assert_int_equal(decode_held(&held, hb_decode, k.data, k.len, v.data, v.len, &d), 0);
        assert_int_equal(d.source_len, h->source_len);
        assert_int_equal(d.target_len, h->target_len);
        if (h->source_len)
            assert_memory_equal(d.source_alias, h->source_alias, h->source_len);
        if (h->target_len)
            assert_memory_equal(d.target_alias, h->target_alias, h->target_len);
        assert_int_equal(d.timestamp_ms, h->timestamp_ms);
        held_free(&held);
        buf_close(&k);
        buf_close(&v);
    }
}

/* Encoders append: two records in one buffer pair come out back to back. */
static void test_ckpt_encode_appends(void **state)
{
    (void)state;
    buf_t k = BUF_INIT, v = BUF_INIT;
    buf_append(&k, "K", 1);
    buf_append(&v, "V", 1);
    ckpt_offset_sync_t s = {"t", 1, 0, 5, 3};
    assert_int_equal(ckpt_offset_sync_encode(&s, &k, &v), 0);
    assert_int_equal(k.len, 1 + 7);
    assert_int_equal(v.len, 1 + 16);
    assert_memory_equal(k.data, "K", 1);
    assert_memory_equal(v.data, "V", 1);
    buf_close(&k);
    buf_close(&v);
}

/* A string over 32767 bytes cannot be encoded; nothing is appended. */
static void test_ckpt_encode_rejects_oversize_string(void **state)
{
    (void)state;
    char *big = make_string(CKPT_STRING_MAX + 1, 'z');
    buf_t k = BUF_INIT, v = BUF_INIT;

    ckpt_offset_sync_t s = {big, CKPT_STRING_MAX + 1, 0, 1, 1};
    assert_int_equal(ckpt_offset_sync_encode(&s, &k, &v), XDC_ETOOBIG);

    ckpt_checkpoint_t c1 = {big, CKPT_STRING_MAX + 1, "t", 1, 0, 1, 1, "", 0};
    ckpt_checkpoint_t c2 = {"g", 1, big, CKPT_STRING_MAX + 1, 0, 1, 1, "", 0};
    ckpt_checkpoint_t c3 = {"g", 1, "t", 1, 0, 1, 1, big, CKPT_STRING_MAX + 1};
    assert_int_equal(ckpt_checkpoint_encode(&c1, &k, &v), XDC_ETOOBIG);
    assert_int_equal(ckpt_checkpoint_encode(&c2, &k, &v), XDC_ETOOBIG);
    assert_int_equal(ckpt_checkpoint_encode(&c3, &k, &v), XDC_ETOOBIG);

    ckpt_heartbeat_t h1 = {big, CKPT_STRING_MAX + 1, "b", 1, 0};
    ckpt_heartbeat_t h2 = {"a", 1, big, CKPT_STRING_MAX + 1, 0};
    assert_int_equal(ckpt_heartbeat_encode(&h1, &k, &v), XDC_ETOOBIG);
    assert_int_equal(ckpt_heartbeat_encode(&h2, &k, &v), XDC_ETOOBIG);

    assert_int_equal(k.len, 0);
    assert_int_equal(v.len, 0);
    buf_close(&k);
    buf_close(&v);
    free(big);
}

/* ---- malformed input ---------------------------------------------------- */

typedef struct codec_case {
    const hex_record_t *rec;
    decode_fn decode;
} codec_case_t;

static const codec_case_t codecs[] = {
    {&sync_ref, sync_decode},
    {&ckpt_ref, ckpt_decode},
    {&hb_ref, hb_decode},
};

/* Every proper prefix of the key or the value is malformed, and the output
 * struct is left alone. */
static void test_ckpt_decode_rejects_every_truncation(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof(codecs) / sizeof(codecs[0]); c++) {
        size_t kl, vl;
        uint8_t *k = test_hex(codecs[c].rec->key, &kl);
        uint8_t *v = test_hex(codecs[c].rec->value, &vl);
        any_record_t out, canary;
        memset(&canary, 0xa5, sizeof(canary));
        for (size_t n = 0; n < kl; n++) {
            out = canary;
            int rc = decode_exact(codecs[c].decode, k, n, v, vl, &out);
            if (rc != XDC_EMALFORMED)
                fail_msg("%s: key cut to %zu bytes: rc %d", codecs[c].rec->name, n, rc);
            assert_memory_equal(&out, &canary, sizeof(out));
        }
        for (size_t n = 0; n < vl; n++) {
            out = canary;
            int rc = decode_exact(codecs[c].decode, k, kl, v, n, &out);
            if (rc != XDC_EMALFORMED)
                fail_msg("%s: value cut to %zu bytes: rc %d", codecs[c].rec->name, n, rc);
            assert_memory_equal(&out, &canary, sizeof(out));
        }
        /* NULL with length 0 is an empty input, malformed too. */
        assert_int_equal(codecs[c].decode(NULL, 0, v, vl, &out), XDC_EMALFORMED);
        assert_int_equal(codecs[c].decode(k, kl, NULL, 0, &out), XDC_EMALFORMED);
        assert_int_equal(decode_exact(codecs[c].decode, k, kl, v, vl, &out), 0);
        free(k);
        free(v);
    }
}

/* One byte too many after the key or the value is malformed. */
static void test_ckpt_decode_rejects_trailing_bytes(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof(codecs) / sizeof(codecs[0]); c++) {
        char hex[256];
        size_t kl, vl;
        any_record_t out;

        snprintf(hex, sizeof(hex), "%s00", codecs[c].rec->key);
        uint8_t *k = test_hex(hex, &kl);
        uint8_t *v = test_hex(codecs[c].rec->value, &vl);
        assert_int_equal(decode_exact(codecs[c].decode, k, kl, v, vl, &out), XDC_EMALFORMED);
        free(k);
        free(v);

        snprintf(hex, sizeof(hex), "%sff", codecs[c].rec->value);
        k = test_hex(codecs[c].rec->key, &kl);
        v = test_hex(hex, &vl);
        assert_int_equal(decode_exact(codecs[c].decode, k, kl, v, vl, &out), XDC_EMALFORMED);
        free(k);
        free(v);
    }
}

static int decode_hex(decode_fn fn, const char *khex, const char *vhex)
{
    size_t kl, vl;
    uint8_t *k = test_hex(khex, &kl), *v = test_hex(vhex, &vl);
    any_record_t out;
    int rc = fn(k, kl, v, vl, &out);
    free(k);
    free(v);
    return rc;
}

/* A negative STRING length is malformed even when the bytes after it would
 * add up (Type.STRING rejects it). */
static void test_ckpt_decode_rejects_negative_string_length(void **state)
{
    (void)state;
    assert_int_equal(decode_hex(sync_decode,
                                "ffff"
                                "00000000",
                                sync_ref.value),
                     XDC_EMALFORMED);
    assert_int_equal(decode_hex(sync_decode,
                                "8000"
                                "74"
                                "00000000",
                                sync_ref.value),
                     XDC_EMALFORMED);
    assert_int_equal(decode_hex(ckpt_decode,
                                "0001"
                                "67"
                                "ffff"
                                "00000002",
                                ckpt_ref.value),
                     XDC_EMALFORMED);
    /* metadata of length -1, the null encoding of a NULLABLE_STRING */
    assert_int_equal(decode_hex(ckpt_decode, ckpt_ref.key,
                                "0000"
                                "0000000000000001"
                                "0000000000000001"
                                "ffff"),
                     XDC_EMALFORMED);
    assert_int_equal(decode_hex(hb_decode,
                                "ffff"
                                "0002"
                                "6472",
                                hb_ref.value),
                     XDC_EMALFORMED);
    assert_int_equal(decode_hex(hb_decode,
                                "0001"
                                "61"
                                "ffff",
                                hb_ref.value),
                     XDC_EMALFORMED);
}

static void test_ckpt_decode_rejects_negative_partition(void **state)
{
    (void)state;
    assert_int_equal(decode_hex(sync_decode,
                                "0001"
                                "74"
                                "ffffffff",
                                sync_ref.value),
                     XDC_EMALFORMED);
    assert_int_equal(decode_hex(sync_decode,
                                "0001"
                                "74"
                                "80000000",
                                sync_ref.value),
                     XDC_EMALFORMED);
    assert_int_equal(decode_hex(ckpt_decode,
                                "0001"
                                "67"
                                "0001"
                                "74"
                                "ffffffff",
                                ckpt_ref.value),
                     XDC_EMALFORMED);
}

/* A value version other than 0 is unsupported, whatever follows it: its
 * layout is unknown. A version that cannot be read is malformed. */
static void test_ckpt_decode_rejects_other_versions(void **state)
{
    (void)state;
    const char *ck_body = "0000000000000001"
                          "0000000000000001"
                          "0000";
    char hex[128];
    const char *versions[] = {"0001", "ffff", "7fff"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(hex, sizeof(hex), "%s%s", versions[i], ck_body);
        assert_int_equal(decode_hex(ckpt_decode, ckpt_ref.key, hex), XDC_EUNSUPPORTED);
        assert_int_equal(decode_hex(ckpt_decode, ckpt_ref.key, versions[i]), XDC_EUNSUPPORTED);
        snprintf(hex, sizeof(hex), "%s%s", versions[i], "0000018bcfe56800");
        assert_int_equal(decode_hex(hb_decode, hb_ref.key, hex), XDC_EUNSUPPORTED);
        assert_int_equal(decode_hex(hb_decode, hb_ref.key, versions[i]), XDC_EUNSUPPORTED);
    }
    assert_int_equal(decode_hex(ckpt_decode, ckpt_ref.key, "00"), XDC_EMALFORMED);
    assert_int_equal(decode_hex(hb_decode, hb_ref.key, "01"), XDC_EMALFORMED);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ckpt_offset_sync_reference_bytes),
        cmocka_unit_test(test_ckpt_checkpoint_reference_bytes),
        cmocka_unit_test(test_ckpt_heartbeat_reference_bytes),
        cmocka_unit_test(test_ckpt_decode_borrows_strings),
        cmocka_unit_test(test_ckpt_offset_sync_round_trips),
        cmocka_unit_test(test_ckpt_checkpoint_round_trips),
        cmocka_unit_test(test_ckpt_heartbeat_round_trips),
        cmocka_unit_test(test_ckpt_encode_appends),
        cmocka_unit_test(test_ckpt_encode_rejects_oversize_string),
        cmocka_unit_test(test_ckpt_decode_rejects_every_truncation),
        cmocka_unit_test(test_ckpt_decode_rejects_trailing_bytes),
        cmocka_unit_test(test_ckpt_decode_rejects_negative_string_length),
        cmocka_unit_test(test_ckpt_decode_rejects_negative_partition),
        cmocka_unit_test(test_ckpt_decode_rejects_other_versions),
    };
    return cmocka_run_group_tests_name("ckpt_record", tests, NULL, NULL);
}
