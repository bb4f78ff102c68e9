#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/test_bytes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lz4frame.h>
#include <snappy-c.h>
#define ZLIB_CONST
#include <zlib.h>
#include <zstd.h>

#include "broker/kwire.h"
#include "broker/kwire_batch.h"
#include "broker/kwire_compress.h"
#include "common/buf.h"
#include "common/err.h"

/* Batches produced by librdkafka 2.0.2 (kcat 1.7.1, `kcat -P -z <codec>
 * -K: -H h1=v1 -X linger.ms=200`) to xdc-broker and copied from the
 * partition's .log file: 3 records in one batch, keys k1, k2, k3, values
 * "hello <codec>", "world world world world world world" and "abc" x 300,
 * each with the header h1=v1. The broker has set baseOffset and
 * partitionLeaderEpoch, which lie outside the CRC. Snappy is raw (no
 * xerial framing), as librdkafka writes it. */
static const char capture_gzip_hex[] =
    "0000000000000000000000850000000002b82fac89000100000002000001a1fca0eacf000001a1fca0eacfffff"
    "ffffffffffffffffffffffff000000031f8b08000000000000033360606060c93614c948cdc9c95748afca2c60"
    "62c9306429334c62606062c936722bcf2fca4951c04b42752ce3031ac5926ddcc19798943c8a46d1281a4004cd"
    "9400c7942aace0030000";
static const char capture_snappy_hex[] =
    "0000000000000000000000a4000000000270de0299000200000002000001a1fca0ec12000001a1fca0ec13ffff"
    "ffffffffffffffffffffffff00000003e207a034000000046b311868656c6c6f20736e61707079020468310476"
    "3162000202046b3246776f726c64207206000d3230a60e000204046b33880e616263fe0300fe0300fe0300fe03"
    "00fe0300fe0300fe0300fe0300fe0300fe0300fe0300fe0300fe0300ee030005031802046831047631";
static const char capture_lz4_hex[] =
    "00000000000000000000008a00000000025a4ea7e4000300000002000001a1fca0ed5b000001a1fca0ed5bffff"
    "ffffffffffffffffffffffff0000000304224d186040824a000000ff172e000000046b311268656c6c6f206c7a"
    "340204683104763162000002046b3246776f726c642006000a033200dfa60e000004046b33880e6162630300ff"
    "ffff71700204683104763100000000";
static const char capture_zstd_hex[] =
    "00000000000000000000008200000000027c336256000400000002000001a1fca0ee9c000001a1fca0ee9cffff"
    "ffffffffffffffffffffffff0000000328b52ffd0058450200b40330000000046b311468656c6c6f207a737464"
    "0204683104763162000002046b3246776f726c6420a60e000004046b33880e6162630204683104763103007e75"
    "f5abcac2739727";

/* The gzip batch of test_kwire_batch.c: librdkafka 2.0.2, 1 record, key
 * "key", value "a" x 300, no header. */
static const char capture_gzip_one_hex[] =
    "0000000000000000000000550000000002627e1c6b000100000000000001a1fc7c2cf2000001a1fc7c2cf2ffff"
    "ffffffffffffffffffffffff000000011f8b08000000000000037bc3c2c0c0c0969d5a7983257114100d180099"
    "3d7acf38010000";

static const uint8_t xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};

/* ---- helpers ------------------------------------------------------------- */

static void test_put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static void test_gzip(const uint8_t *p, size_t n, buf_t *out)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t bound = deflateBound(&z, (uLong)n);
    buf_reserve(out, bound);
    z.next_in = p;
    z.avail_in = (uInt)n;
    z.next_out = out->data + out->len;
    z.avail_out = (uInt)bound;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    out->len += bound - z.avail_out;
    deflateEnd(&z);
}

static void test_snappy(const uint8_t *p, size_t n, buf_t *out)
{
    size_t bound = snappy_max_compressed_length(n);
    buf_reserve(out, bound);
    assert_int_equal(snappy_compress((const char *)p, n, (char *)out->data + out->len, &bound),
                     SNAPPY_OK);
    out->len += bound;
}

/* snappy-java's framing: magic, version 1, compatible 1, then blocks of
 * at most @p chunk input bytes, each [int32 length, raw snappy]. */
static void test_xerial(const uint8_t *p, size_t n, size_t chunk, buf_t *out)
{
    uint8_t be[4];
    buf_append(out, xerial_magic, sizeof(xerial_magic));
    test_put_be(be, 1, 4);
    buf_append(out, be, 4);
    buf_append(out, be, 4);
    for (size_t pos = 0; pos < n; pos += chunk) {
        size_t slot = out->len, m = n - pos < chunk ? n - pos : chunk;
        buf_append(out, be, 4);
        test_snappy(p + pos, m, out);
        test_put_be(out->data + slot, out->len - slot - 4, 4);
    }
}

static void test_lz4(const uint8_t *p, size_t n, int with_size, buf_t *out)
{
    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof(prefs));
    prefs.frameInfo.contentSize = with_size ? n : 0;
    size_t bound = LZ4F_compressFrameBound(n, &prefs);
    buf_reserve(out, bound);
    size_t r = LZ4F_compressFrame(out->data + out->len, bound, p, n, &prefs);
    assert_false(LZ4F_isError(r));
    out->len += r;
}

/* @p with_size 0: a streamed frame that does not state its size. */
static void test_zstd(const uint8_t *p, size_t n, int with_size, buf_t *out)
{
    ZSTD_CCtx *c = ZSTD_createCCtx();
    assert_non_null(c);
    assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, with_size)));
    size_t bound = ZSTD_compressBound(n);
    buf_reserve(out, bound);
    size_t r = ZSTD_compress2(c, out->data + out->len, bound, p, n);
    assert_false(ZSTD_isError(r));
    out->len += r;
    ZSTD_freeCCtx(c);
}

/* Compress with @p codec as a client would (snappy: raw, as librdkafka). */
static void test_compress(int codec, const uint8_t *p, size_t n, buf_t *out)
{
    switch (codec) {
    case KWIRE_BATCH_GZIP: test_gzip(p, n, out); break;
    case KWIRE_BATCH_SNAPPY: test_snappy(p, n, out); break;
    case KWIRE_BATCH_LZ4: test_lz4(p, n, 0, out); break;
    case KWIRE_BATCH_ZSTD: test_zstd(p, n, 1, out); break;
    default: fail();
    }
}

/* An uncompressed batch of @p n records with keys, values and a header. */
static void test_plain_batch(buf_t *b, int32_t n, int null_key_at)
{
    static const kwire_batch_kv_t hdr = {{(const uint8_t *)"h1", 2}, {(const uint8_t *)"v1", 2}};
    kwire_batch_msg_t msgs[16];
    char keys[16][16];
    static const char value[] = "a value that compresses: abcabcabcabcabcabcabcabcabcabc";
    assert_true(n <= 16);
    for (int32_t i = 0; i < n; i++) {
        snprintf(keys[i], sizeof(keys[i]), "k%d", (int)i);
        msgs[i].key = i == null_key_at
                          ? KWIRE_SLICE_NULL
                          : (kwire_slice_t){(const uint8_t *)keys[i], (int32_t)strlen(keys[i])};
        msgs[i].value = (kwire_slice_t){(const uint8_t *)value, (int32_t)sizeof(value) - 1};
        msgs[i].headers = &hdr;
        msgs[i].headersCount = 1;
        msgs[i].timestamp = 1700000000000 + i;
    }
    assert_int_equal(kwire_batch_build(b, NULL, msgs, n), 0);
}

/* Turn an uncompressed batch into the batch a producer would send with
 * @p codec: the records section compressed as one blob, header fixed up. */
static void test_compressed_batch(const buf_t *plain, int codec, buf_t *out)
{
    buf_append(out, plain->data, KWIRE_BATCH_HDR_SIZE);
    test_compress(codec, plain->data + KWIRE_BATCH_HDR_SIZE, plain->len - KWIRE_BATCH_HDR_SIZE,
                  out);
    test_put_be(out->data + 21, (uint64_t)codec, 2);                      /* attributes */
    test_put_be(out->data + 8, out->len - KWIRE_BATCH_LOG_OVERHEAD, 4);   /* batchLength */
    test_put_be(out->data + 17, kwire_batch_crc(out->data, out->len), 4); /* crc */
}

static const int codecs[] = {KWIRE_BATCH_GZIP, KWIRE_BATCH_SNAPPY, KWIRE_BATCH_LZ4,
                             KWIRE_BATCH_ZSTD};
#define NCODECS (sizeof(codecs) / sizeof(codecs[0]))

/* Some records-like input: text that compresses, with a varying tail. */
static uint8_t *test_sample(size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)("kafka records "[i % 14] + (i % 977 == 0 ? 1 : 0));
    return p;
}

/* ---- round trips ----------------------------------------------------------- */

static void test_kwire_decompress_round_trip(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 100, 70000, 1 << 20};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        uint8_t *in = test_sample(sizes[s]);
        for (size_t c = 0; c < NCODECS; c++) {
            buf_t z = BUF_INIT, out = BUF_INIT;
            test_compress(codecs[c], in, sizes[s], &z);
            /* exactly at the cap is allowed, one byte less is not */
            assert_int_equal(kwire_decompress(codecs[c], z.data, z.len, sizes[s], &out), 0);
            assert_int_equal(out.len, sizes[s]);
            assert_memory_equal(out.data, in, sizes[s]);
            buf_reset(&out);
            assert_int_equal(kwire_decompress(codecs[c], z.data, z.len, sizes[s] - 1, &out),
                             XDC_ETOOBIG);
            assert_int_equal(out.len, 0);
            buf_close(&z);
            buf_close(&out);
        }
        free(in);
    }
}

/* Output is appended; a failure leaves what was there. */
static void test_kwire_decompress_appends(void **state)
{
    (void)state;
    uint8_t *in = test_sample(5000);
    for (size_t c = 0; c < NCODECS; c++) {
        buf_t z = BUF_INIT, out = BUF_INIT;
        buf_append(&out, "prefix", 6);
        test_compress(codecs[c], in, 5000, &z);
        assert_int_equal(kwire_decompress(codecs[c], z.data, z.len, 5000, &out), 0);
        assert_int_equal(out.len, 6 + 5000);
        assert_memory_equal(out.data, "prefix", 6);
        assert_memory_equal(out.data + 6, in, 5000);
        assert_int_equal(kwire_decompress(codecs[c], z.data, z.len - 1, 5000, &out),
                         XDC_EMALFORMED);
        assert_int_equal(out.len, 6 + 5000);
        buf_close(&z);
        buf_close(&out);
    }
    free(in);
}

static void test_kwire_decompress_streams_without_size(void **state)
{
    (void)state;
    uint8_t *in = test_sample(300000);
    buf_t z = BUF_INIT, out = BUF_INIT;

    test_zstd(in, 300000, 0, &z);
    assert_int_equal(ZSTD_getFrameContentSize(z.data, z.len), ZSTD_CONTENTSIZE_UNKNOWN);
    assert_int_equal(kwire_decompress(KWIRE_BATCH_ZSTD, z.data, z.len, 300000, &out), 0);
    assert_int_equal(out.len, 300000);
    assert_memory_equal(out.data, in, 300000);

    buf_reset(&z);
    buf_reset(&out);
    test_lz4(in, 300000, 1, &z); /* an LZ4 frame that states its content size */
    assert_int_equal(kwire_decompress(KWIRE_BATCH_LZ4, z.data, z.len, 300000, &out), 0);
    assert_memory_equal(out.data, in, 300000);
    buf_close(&z);
    buf_close(&out);
    free(in);
}

/* Concatenated gzip members, LZ4 frames and zstd frames are one stream. */
static void test_kwire_decompress_concatenated(void **state)
{
    (void)state;
    uint8_t *in = test_sample(3000);
    static const int multi[] = {KWIRE_BATCH_GZIP, KWIRE_BATCH_LZ4, KWIRE_BATCH_ZSTD};
    for (size_t c = 0; c < sizeof(multi) / sizeof(multi[0]); c++) {
        buf_t z = BUF_INIT, out = BUF_INIT;
        test_compress(multi[c], in, 1000, &z);
        test_compress(multi[c], in + 1000, 2000, &z);
        assert_int_equal(kwire_decompress(multi[c], z.data, z.len, 3000, &out), 0);
        assert_int_equal(out.len, 3000);
        assert_memory_equal(out.data, in, 3000);
        buf_reset(&out);
        assert_int_equal(kwire_decompress(multi[c], z.data, z.len, 2999, &out), XDC_ETOOBIG);
        buf_close(&z);
        buf_close(&out);
    }
    free(in);
}

/* ---- snappy-java framing ---------------------------------------------------- */

static void test_kwire_decompress_xerial(void **state)
{
    (void)state;
    uint8_t *in = test_sample(100000);
    buf_t z = BUF_INIT, out = BUF_INIT;

    test_xerial(in, 100000, 32768, &z); /* snappy-java's default block size */
    assert_int_equal(kwire_decompress(KWIRE_BATCH_SNAPPY, z.data, z.len, 100000, &out), 0);
    assert_int_equal(out.len, 100000);
    assert_memory_equal(out.data, in, 100000);

    /* The sum of the blocks' stated sizes is checked before allocating. */
    buf_close(&out);
    assert_int_equal(kwire_decompress(KWIRE_BATCH_SNAPPY, z.data, z.len, 99999, &out), XDC_ETOOBIG);
    assert_int_equal(out.cap, 0);

    /* A block length past the end, a partial length, a bad block. */
    uint8_t *bad = malloc(z.len + 2);
    assert_non_null(bad);
    memcpy(bad, z.data, z.len);
    assert_int_equal(kwire_decompress(KWIRE_BATCH_SNAPPY, bad, z.len - 1, 1 << 20, &out),
                     XDC_EMALFORMED);
    bad[z.len] = bad[z.len + 1] = 0;
    assert_int_equal(kwire_decompress(KWIRE_BATCH_SNAPPY, bad, z.len + 2, 1 << 20, &out),
                     XDC_EMALFORMED);
    test_put_be(bad + 16, 0x7fffffff, 4);
    assert_int_equal(kwire_decompress(KWIRE_BATCH_SNAPPY, bad, z.len, 1 << 20, &out),
                     XDC_EMALFORMED);
    memcpy(bad, z.data, z.len);
    memset(bad + 40, 0xff, 8);
    assert_int_equal(kwire_decompress(KWIRE_BATCH_SNAPPY, bad, z.len, 1 << 20, &out),
                     XDC_EMALFORMED);
    assert_int_equal(out.len, 0);
    free(bad);

    /* The small-record case: one block. */
    buf_reset(&z);
    test_xerial(in, 10, 32768, &z);
    assert_int_equal(kwire_decompress(KWIRE_BATCH_SNAPPY, z.data, z.len, 10, &out), 0);
    assert_memory_equal(out.data, in, 10);
    buf_close(&z);
    buf_close(&out);
    free(in);
}

/* ---- the output cap ----------------------------------------------------------- */

/* 16 MiB of zeros streamed through a compressor, a few KiB out. */
static void test_bomb(int codec, buf_t *z)
{
    enum { CHUNK = 1 << 20, TOTAL = 16 };
    uint8_t *zeros = calloc(1, CHUNK);
    assert_non_null(zeros);
    if (codec == KWIRE_BATCH_GZIP) {
        z_stream s;
        memset(&s, 0, sizeof(s));
        assert_int_equal(deflateInit2(&s, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
        buf_reserve(z, 1 << 20);
        s.next_out = z->data;
        s.avail_out = 1 << 20;
        for (int i = 0; i < TOTAL; i++) {
            s.next_in = zeros;
            s.avail_in = CHUNK;
            assert_int_equal(deflate(&s, i == TOTAL - 1 ? Z_FINISH : Z_NO_FLUSH),
                             i == TOTAL - 1 ? Z_STREAM_END : Z_OK);
        }
        z->len = (1 << 20) - s.avail_out;
        deflateEnd(&s);
    } else if (codec == KWIRE_BATCH_ZSTD) {
        ZSTD_CCtx *c = ZSTD_createCCtx();
        buf_reserve(z, 1 << 20);
        ZSTD_outBuffer ob = {z->data, 1 << 20, 0};
        for (int i = 0; i < TOTAL; i++) {
            ZSTD_inBuffer ib = {zeros, CHUNK, 0};
            size_t r;
            do
                r = ZSTD_compressStream2(c, &ob, &ib,
                                         i == TOTAL - 1 ? ZSTD_e_end : ZSTD_e_continue);
            while (!ZSTD_isError(r) && (ib.pos < ib.size || (i == TOTAL - 1 && r != 0)));
            assert_false(ZSTD_isError(r));
        }
        z->len = ob.pos;
        ZSTD_freeCCtx(c);
    } else if (codec == KWIRE_BATCH_LZ4) {
        uint8_t *all = calloc(1, (size_t)TOTAL * CHUNK);
        assert_non_null(all);
        test_lz4(all, (size_t)TOTAL * CHUNK, 0, z);
        free(all);
    } else {
        uint8_t *all = calloc(1, (size_t)TOTAL * CHUNK);
        assert_non_null(all);
        test_xerial(all, (size_t)TOTAL * CHUNK, 32768, z);
        free(all);
    }
    free(zeros);
}

/* A small input that inflates far past the cap is refused, and the output
 * buffer never grows much past the cap: the bomb is not allocated. */
static void test_kwire_decompress_cap_refuses_bomb(void **state)
{
    (void)state;
    const size_t cap = 16 << 10;
    for (size_t c = 0; c < NCODECS; c++) {
        buf_t z = BUF_INIT, out = BUF_INIT;
        test_bomb(codecs[c], &z);
        assert_true(z.len < (size_t)(1 << 20)); /* 16 MiB became KiB */
        assert_int_equal(kwire_decompress(codecs[c], z.data, z.len, cap, &out), XDC_ETOOBIG);
        assert_int_equal(out.len, 0);
        assert_true(out.cap <= 4 * cap);
        buf_close(&out);
        buf_close(&z);
    }
}

/* Codecs that state the size up front are refused before any allocation. */
static void test_kwire_decompress_cap_before_alloc(void **state)
{
    (void)state;
    uint8_t *in = test_sample(1 << 20);
    buf_t z = BUF_INIT, out = BUF_INIT;

    test_zstd(in, 1 << 20, 1, &z); /* states its content size */
    assert_int_equal(kwire_decompress(KWIRE_BATCH_ZSTD, z.data, z.len, 1000, &out), XDC_ETOOBIG);
    assert_int_equal(out.cap, 0);
    buf_reset(&z);
    test_snappy(in, 1 << 20, &z); /* raw snappy starts with its size */
    assert_int_equal(kwire_decompress(KWIRE_BATCH_SNAPPY, z.data, z.len, 1000, &out), XDC_ETOOBIG);
    assert_int_equal(out.cap, 0);
    /* a raw snappy header claiming 4 GiB in 5 bytes */
    static const uint8_t liar[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x00};
    assert_int_equal(kwire_decompress(KWIRE_BATCH_SNAPPY, liar, sizeof(liar), 1 << 20, &out),
                     XDC_ETOOBIG);
    assert_int_equal(out.cap, 0);
    buf_close(&z);
    free(in);
}

/* ---- bad input ------------------------------------------------------------------ */

/* Every proper prefix of a valid stream is refused as malformed. */
static void test_kwire_decompress_truncated(void **state)
{
    (void)state;
    uint8_t *in = test_sample(2000);
    for (size_t c = 0; c < NCODECS + 1; c++) {
        int codec = c < NCODECS ? codecs[c] : KWIRE_BATCH_SNAPPY;
        buf_t z = BUF_INIT, out = BUF_INIT;
        if (c < NCODECS)
            test_compress(codec, in, 2000, &z);
        else
            test_xerial(in, 2000, 512, &z);
        for (size_t n = 0; n < z.len; n++) {
            int rc = kwire_decompress(codec, z.data, n, 1 << 20, &out);
            /* xerial has no end mark: cut at a block boundary, it is a
             * shorter valid stream, which the records walk then refuses. */
            if (rc == 0 && c == NCODECS && out.len < 2000) {
                buf_reset(&out);
                continue;
            }
            if (rc != XDC_EMALFORMED)
                fail_msg("codec %d: prefix of %zu/%zu bytes: %d", codec, n, z.len, rc);
            assert_int_equal(out.len, 0);
        }
        buf_close(&z);
        buf_close(&out);
    }
    free(in);
}

static void test_kwire_decompress_garbage(void **state)
{
    (void)state;
    static const char text[] = "this is not compressed data at all, honestly";
    uint8_t *in = test_sample(2000);
    for (size_t c = 0; c < NCODECS; c++) {
        buf_t z = BUF_INIT, out = BUF_INIT;
        assert_int_equal(
            kwire_decompress(codecs[c], (const uint8_t *)text, sizeof(text) - 1, 1 << 20, &out),
            XDC_EMALFORMED);
        /* trailing bytes after a complete stream */
        test_compress(codecs[c], in, 2000, &z);
        buf_append(&z, "junk", 4);
        assert_int_equal(kwire_decompress(codecs[c], z.data, z.len, 1 << 20, &out), XDC_EMALFORMED);
        /* a damaged byte in the middle (gzip: caught by its CRC-32) */
        z.len -= 4;
        z.data[z.len / 2] ^= 0x5a;
        int rc = kwire_decompress(codecs[c], z.data, z.len, 1 << 20, &out);
        if (rc == 0) /* no checksum in these lz4/zstd/snappy streams: other bytes */
            assert_false(out.len == 2000 && memcmp(out.data, in, 2000) == 0);
        else
            assert_int_equal(rc, XDC_EMALFORMED);
        buf_reset(&out);
        assert_int_equal(kwire_decompress(codecs[c], NULL, 0, 1 << 20, &out), XDC_EMALFORMED);
        buf_close(&z);
        buf_close(&out);
    }
    free(in);
}

/* KAFKA-3160: Kafka 0.8 wrote a wrong LZ4 header checksum, but only in
 * magic 0 message sets; a v2 batch's frame must be correct. */
static void test_kwire_decompress_lz4_header_checksum(void **state)
{
    (void)state;
    uint8_t *in = test_sample(1000);
    buf_t z = BUF_INIT, out = BUF_INIT;
    test_lz4(in, 1000, 0, &z);
    z.data[6] ^= 0x01; /* magic(4) FLG BD HC: the header checksum */
    assert_int_equal(kwire_decompress(KWIRE_BATCH_LZ4, z.data, z.len, 1 << 20, &out),
                     XDC_EMALFORMED);
    buf_close(&z);
    buf_close(&out);
    free(in);
}

static void test_kwire_decompress_unsupported(void **state)
{
    (void)state;
    buf_t out = BUF_INIT;
    static const int bad[] = {KWIRE_BATCH_NONE, 5, 7, -1};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(kwire_decompress(bad[i], (const uint8_t *)"x", 1, 100, &out),
                         XDC_EUNSUPPORTED);
    assert_int_equal(out.cap, 0);
}

/* ---- records of compressed batches ------------------------------------------- */

static void test_expect_capture(const char *hex, const char *value, int32_t count)
{
    size_t len;
    uint8_t *b = test_hex(hex, &len);
    kwire_batch_hdr_t h;
    kwire_batch_reason_t why;
    kwire_batch_records_t it;
    kwire_batch_record_t rec;
    kwire_slice_t hk, hv;
    buf_t scratch = BUF_INIT;
    int32_t n = 0;

    assert_int_equal(kwire_batch_validate(b, len, &h, &why), 0);
    assert_int_not_equal(kwire_batch_compression(&h), KWIRE_BATCH_NONE);
    assert_int_equal(kwire_decompress_records_init(&it, b, len, 1 << 20, &scratch), 0);
    while (kwire_batch_records_next(&it, &rec) == 1) {
        if (n == 0) {
            assert_int_equal(rec.value.len, (int32_t)strlen(value));
            assert_memory_equal(rec.value.ptr, value, strlen(value));
        }
        if (count > 1) {
            char key[16];
            snprintf(key, sizeof(key), "k%d", (int)n + 1);
            assert_int_equal(rec.key.len, 2);
            assert_memory_equal(rec.key.ptr, key, 2);
            kwire_reader_t r;
            kwire_reader_init(&r, rec.headers.ptr, (size_t)rec.headers.len);
            assert_int_equal(rec.headersCount, 1);
            assert_int_equal(kwire_batch_header_next(&r, &hk, &hv), 1);
            assert_memory_equal(hk.ptr, "h1", 2);
            assert_memory_equal(hv.ptr, "v1", 2);
        }
        n++;
    }
    assert_int_equal(it.why, KWIRE_BATCH_OK);
    assert_int_equal(n, count);
    assert_int_equal(n, h.recordsCount);
    buf_close(&scratch);
    free(b);
}

static void test_kwire_decompress_records_of_captures(void **state)
{
    (void)state;
    test_expect_capture(capture_gzip_hex, "hello gzip", 3);
    test_expect_capture(capture_snappy_hex, "hello snappy", 3);
    test_expect_capture(capture_lz4_hex, "hello lz4", 3);
    test_expect_capture(capture_zstd_hex, "hello zstd", 3);
    char a300[301];
    memset(a300, 'a', 300);
    a300[300] = '\0';
    test_expect_capture(capture_gzip_one_hex, a300, 1);
}

/* Each codec's compressed batch walks exactly like its uncompressed source. */
static void test_kwire_decompress_records_match_plain(void **state)
{
    (void)state;
    buf_t plain = BUF_INIT, scratch = BUF_INIT;
    test_plain_batch(&plain, 10, -1);
    for (size_t c = 0; c < NCODECS; c++) {
        buf_t comp = BUF_INIT;
        kwire_batch_hdr_t h;
        kwire_batch_records_t a, b;
        kwire_batch_record_t ra, rb;
        int rc;

        test_compressed_batch(&plain, codecs[c], &comp);
        assert_int_equal(kwire_batch_validate(comp.data, comp.len, &h, NULL), 0);
        assert_int_equal(kwire_batch_records_init(&a, plain.data, plain.len), 0);
        assert_int_equal(kwire_decompress_records_init(&b, comp.data, comp.len, 1 << 20, &scratch),
                         0);
        while ((rc = kwire_batch_records_next(&a, &ra)) == 1) {
            assert_int_equal(kwire_batch_records_next(&b, &rb), 1);
            assert_int_equal(ra.offsetDelta, rb.offsetDelta);
            assert_int_equal(ra.key.len, rb.key.len);
            assert_memory_equal(ra.key.ptr, rb.key.ptr, (size_t)ra.key.len);
            assert_int_equal(ra.value.len, rb.value.len);
            assert_memory_equal(ra.value.ptr, rb.value.ptr, (size_t)ra.value.len);
        }
        assert_int_equal(rc, 0);
        assert_int_equal(kwire_batch_records_next(&b, &rb), 0);

        /* the cap applies to the records section */
        assert_int_equal(kwire_decompress_records_init(&b, comp.data, comp.len,
                                                       plain.len - KWIRE_BATCH_HDR_SIZE - 1,
                                                       &scratch),
                         XDC_ETOOBIG);
        buf_close(&comp);
    }
    buf_close(&plain);
    buf_close(&scratch);
}

/* The rules of uncompressed batches hold for decompressed records: a
 * recordsCount the records do not match, a short header. */
static void test_kwire_decompress_records_checks(void **state)
{
    (void)state;
    buf_t plain = BUF_INIT, scratch = BUF_INIT;
    test_plain_batch(&plain, 3, 1);
    for (size_t c = 0; c < NCODECS; c++) {
        buf_t comp = BUF_INIT;
        kwire_batch_records_t it;
        kwire_batch_record_t rec;
        int rc, n = 0;

        /* claim 4 records where 3 are compressed */
        test_put_be(plain.data + 23, 3, 4); /* lastOffsetDelta */
        test_put_be(plain.data + 57, 4, 4); /* recordsCount */
        test_compressed_batch(&plain, codecs[c], &comp);
        assert_int_equal(kwire_batch_validate(comp.data, comp.len, &(kwire_batch_hdr_t){0}, NULL),
                         0);
        assert_int_equal(kwire_decompress_records_init(&it, comp.data, comp.len, 1 << 20, &scratch),
                         0);
        while ((rc = kwire_batch_records_next(&it, &rec)) == 1)
            n += rec.key.len < 0; /* the null key of record 1 comes through */
        assert_int_equal(rc, XDC_EMALFORMED);
        assert_int_equal(it.why, KWIRE_BATCH_BAD_FILL);
        assert_int_equal(n, 1);
        test_put_be(plain.data + 23, 2, 4);
        test_put_be(plain.data + 57, 3, 4);

        /* damaged compressed bytes: the walker never starts */
        buf_reset(&comp);
        test_compressed_batch(&plain, codecs[c], &comp);
        comp.len -= 3;
        test_put_be(comp.data + 8, comp.len - KWIRE_BATCH_LOG_OVERHEAD, 4);
        assert_int_equal(kwire_decompress_records_init(&it, comp.data, comp.len, 1 << 20, &scratch),
                         XDC_EMALFORMED);
        buf_close(&comp);
    }
    assert_int_equal(kwire_decompress_records_init(&(kwire_batch_records_t){0}, plain.data,
                                                   KWIRE_BATCH_HDR_SIZE - 1, 1 << 20, &scratch),
                     XDC_EMALFORMED);
    buf_close(&plain);
    buf_close(&scratch);
}

/* An uncompressed batch is walked in place; the scratch buffer is unused. */
static void test_kwire_decompress_records_uncompressed(void **state)
{
    (void)state;
    buf_t plain = BUF_INIT, scratch = BUF_INIT;
    kwire_batch_records_t it;
    kwire_batch_record_t rec;
    int n = 0;
    test_plain_batch(&plain, 5, -1);
    assert_int_equal(kwire_decompress_records_init(&it, plain.data, plain.len, 0, &scratch), 0);
    while (kwire_batch_records_next(&it, &rec) == 1) {
        assert_true(rec.key.ptr > plain.data && rec.key.ptr < plain.data + plain.len);
        n++;
    }
    assert_int_equal(n, 5);
    assert_int_equal(it.why, KWIRE_BATCH_OK);
    assert_null(scratch.data);
    buf_close(&plain);
}

static void test_kwire_batch_records_init_raw(void **state)
{
    (void)state;
    buf_t plain = BUF_INIT;
    kwire_batch_records_t it;
    kwire_batch_record_t rec;

    kwire_batch_records_init_raw(&it, NULL, 0, 0);
    assert_int_equal(kwire_batch_records_next(&it, &rec), 0);
    kwire_batch_records_init_raw(&it, NULL, 0, 1);
    assert_int_equal(kwire_batch_records_next(&it, &rec), XDC_EMALFORMED);
    assert_int_equal(it.why, KWIRE_BATCH_BAD_FILL);

    test_plain_batch(&plain, 2, -1);
    const uint8_t *recs = plain.data + KWIRE_BATCH_HDR_SIZE;
    size_t len = plain.len - KWIRE_BATCH_HDR_SIZE;
    kwire_batch_records_init_raw(&it, recs, len, 2);
    assert_int_equal(kwire_batch_records_next(&it, &rec), 1);
    assert_int_equal(kwire_batch_records_next(&it, &rec), 1);
    assert_int_equal(kwire_batch_records_next(&it, &rec), 0);
    /* one byte short, one record too many */
    kwire_batch_records_init_raw(&it, recs, len - 1, 2);
    assert_int_equal(kwire_batch_records_next(&it, &rec), 1);
    assert_int_equal(kwire_batch_records_next(&it, &rec), XDC_EMALFORMED);
    assert_int_equal(it.why, KWIRE_BATCH_BAD_RECORD);
    kwire_batch_records_init_raw(&it, recs, len, 3);
    while (kwire_batch_records_next(&it, &rec) == 1)
        ;
    assert_int_equal(it.why, KWIRE_BATCH_BAD_FILL);
    buf_close(&plain);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kwire_decompress_round_trip),
        cmocka_unit_test(test_kwire_decompress_appends),
        cmocka_unit_test(test_kwire_decompress_streams_without_size),
        cmocka_unit_test(test_kwire_decompress_concatenated),
        cmocka_unit_test(test_kwire_decompress_xerial),
        cmocka_unit_test(test_kwire_decompress_cap_refuses_bomb),
        cmocka_unit_test(test_kwire_decompress_cap_before_alloc),
        cmocka_unit_test(test_kwire_decompress_truncated),
        cmocka_unit_test(test_kwire_decompress_garbage),
        cmocka_unit_test(test_kwire_decompress_lz4_header_checksum),
        cmocka_unit_test(test_kwire_decompress_unsupported),
        cmocka_unit_test(test_kwire_decompress_records_of_captures),
        cmocka_unit_test(test_kwire_decompress_records_match_plain),
        cmocka_unit_test(test_kwire_decompress_records_checks),
        cmocka_unit_test(test_kwire_decompress_records_uncompressed),
        cmocka_unit_test(test_kwire_batch_records_init_raw),
    };
    return cmocka_run_group_tests_name("kwire_compress", tests, NULL, NULL);
}
