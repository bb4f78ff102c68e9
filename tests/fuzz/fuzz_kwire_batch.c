/* Fuzz target: record batch validation, the records walker and the
 * decompressors the broker runs over produced batches. Each input is used
 * two ways:
 *   (a) as one whole record batch (baseOffset first): validated, and if
 *       valid its records walked through kwire_decompress_records_init()
 *       into a scratch buffer reused across the calls of one input. A
 *       batch failing only its CRC is retried with the CRC fixed, or
 *       almost no mutation would get past it;
 *   (b) as a codec byte (1 gzip, 2 snappy, 3 lz4, 4 zstd; other values
 *       fold onto these) and a compressed payload for kwire_decompress(),
 *       whose output cap is then checked at the exact output size and one
 *       byte under it.
 * Besides memory errors, a broken contract aborts: unexpected return codes,
 * output over the cap, a failed call that changes the output, slices that
 * point outside the bytes they were decoded from. */
#include "broker/kwire.h"
#include "broker/kwire_batch.h"
#include "broker/kwire_compress.h"
#include "common/buf.h"
#include "common/err.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_BATCH_MAX_OUT (1u << 20) /* a batch's decompressed records */
#define FUZZ_CODEC_MAX_OUT (1u << 16) /* a bare codec payload */
#define FUZZ_BATCH_OFF_CRC 17

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static const uint8_t fuzz_prefix[] = {'p', 'r', 'e'};

/* A decoded slice is null or lies within [lo, hi); read its ends so that
 * ASan sees any stray pointer. */
static unsigned fuzz_touch(kwire_slice_t s, const uint8_t *lo, const uint8_t *hi)
{
    if (s.len == -1 && s.ptr == NULL)
        return 0;
    FUZZ_CHECK(s.len >= 0 && s.ptr != NULL);
    FUZZ_CHECK(s.ptr >= lo && (size_t)s.len <= (size_t)(hi - s.ptr));
    if (s.len == 0)
        return 0;
    return s.ptr[0] + s.ptr[s.len - 1];
}

static void fuzz_walk_records(const uint8_t *batch, size_t len, const kwire_batch_hdr_t *h,
                              buf_t *scratch)
{
    kwire_batch_records_t it;
    kwire_batch_record_t rec;
    unsigned sum = 0;

    int rc = kwire_decompress_records_init(&it, batch, len, FUZZ_BATCH_MAX_OUT, scratch);
    FUZZ_CHECK(rc == 0 || rc == XDC_EMALFORMED || rc == XDC_ETOOBIG || rc == -ENOMEM);
    if (rc < 0)
        return;
    /* Records borrow the batch itself, or the decompressed scratch. */
    const uint8_t *lo = batch + KWIRE_BATCH_HDR_SIZE, *hi = batch + len;
    if (kwire_batch_compression(h) != KWIRE_BATCH_NONE) {
        FUZZ_CHECK(scratch->len <= FUZZ_BATCH_MAX_OUT);
        lo = scratch->data;
        hi = scratch->data + scratch->len;
    }
    while ((rc = kwire_batch_records_next(&it, &rec)) == 1) {
        FUZZ_CHECK(rec.offsetDelta == it.index - 1);
        sum += fuzz_touch(rec.key, lo, hi);
        sum += fuzz_touch(rec.value, lo, hi);
        sum += fuzz_touch(rec.headers, lo, hi);

        kwire_reader_t r;
        kwire_slice_t k, v;
        int32_t n = 0;
        kwire_reader_init(&r, rec.headers.ptr, (size_t)rec.headers.len);
        while ((rc = kwire_batch_header_next(&r, &k, &v)) == 1) {
            FUZZ_CHECK(k.ptr != NULL);
            sum += fuzz_touch(k, lo, hi) + fuzz_touch(v, lo, hi);
            n++;
        }
        /* The walker checked the headers: they decode and fill the record. */
        FUZZ_CHECK(rc == 0 && n == rec.headersCount);
    }
    FUZZ_CHECK(rc == 0 || rc == XDC_EMALFORMED);
    FUZZ_CHECK((rc == 0) == (it.why == KWIRE_BATCH_OK));
    FUZZ_CHECK(rc < 0 || it.index == it.count);
    /* Once failed, the walker stays failed. */
    if (rc < 0)
        FUZZ_CHECK(kwire_batch_records_next(&it, &rec) == XDC_EMALFORMED);
    (void)sum;
}

/* Validate @p data as a batch. @return the reason. */
static kwire_batch_reason_t fuzz_validate(const uint8_t *data, size_t size, buf_t *scratch)
{
    kwire_batch_hdr_t h;
    kwire_batch_reason_t why = (kwire_batch_reason_t)-1;

    int rc = kwire_batch_validate(data, size, &h, &why);
    FUZZ_CHECK(rc == 0 || rc == XDC_ECORRUPT || rc == XDC_EMALFORMED);
    FUZZ_CHECK((rc == 0) == (why == KWIRE_BATCH_OK));
    FUZZ_CHECK(kwire_batch_reason_str(why) != NULL);
    int16_t code = kwire_batch_reason_errcode(why);
    FUZZ_CHECK(rc != XDC_ECORRUPT || code == KWIRE_KAFKA_CORRUPT_MESSAGE);
    FUZZ_CHECK(rc != XDC_EMALFORMED || code == KWIRE_KAFKA_INVALID_RECORD);
    if (rc == 0) {
        FUZZ_CHECK(size >= KWIRE_BATCH_HDR_SIZE &&
                   (uint64_t)h.batchLength + KWIRE_BATCH_LOG_OVERHEAD == size);
        fuzz_walk_records(data, size, &h, scratch);
    }
    return why;
}

static void fuzz_batch(const uint8_t *data, size_t size, buf_t *scratch)
{
    if (fuzz_validate(data, size, scratch) != KWIRE_BATCH_BAD_CRC)
        return;
    uint8_t *copy = malloc(size);
    FUZZ_CHECK(copy != NULL);
    memcpy(copy, data, size);
    uint32_t crc = kwire_batch_crc(copy, size);
    for (int i = 0; i < 4; i++)
        copy[FUZZ_BATCH_OFF_CRC + i] = (uint8_t)(crc >> (24 - 8 * i));
    FUZZ_CHECK(fuzz_validate(copy, size, scratch) != KWIRE_BATCH_BAD_CRC);
    free(copy);
}

/* Decompress after a few bytes already in @p out, which must survive.
 * @return the code; *@p n the bytes produced. */
static int fuzz_decompress(int codec, const uint8_t *in, size_t len, size_t max_out, buf_t *out,
                           size_t *n)
{
    buf_reset(out);
    buf_append(out, fuzz_prefix, sizeof(fuzz_prefix));
    int rc = kwire_decompress(codec, in, len, max_out, out);
    FUZZ_CHECK(rc == 0 || rc == XDC_EMALFORMED || rc == XDC_ETOOBIG || rc == -ENOMEM);
    FUZZ_CHECK(out->len >= sizeof(fuzz_prefix) &&
               memcmp(out->data, fuzz_prefix, sizeof(fuzz_prefix)) == 0);
    *n = out->len - sizeof(fuzz_prefix);
    FUZZ_CHECK(rc == 0 ? *n <= max_out : *n == 0);
    return rc;
}

static void fuzz_codec(const uint8_t *data, size_t size, buf_t *out)
{
    size_t n, m;

    if (size == 0)
        return;
    int codec = 1 + (data[0] + 3) % 4; /* 1..4 stay themselves */
    const uint8_t *in = data + 1;
    size_t len = size - 1;

    if (fuzz_decompress(codec, in, len, FUZZ_CODEC_MAX_OUT, out, &n) != 0)
        return;
    buf_t first = BUF_INIT;
    buf_append(&first, out->data + sizeof(fuzz_prefix), n);
    /* The cap is exact: the same output fits in n bytes, not in n - 1. */
    int rc = fuzz_decompress(codec, in, len, n, out, &m);
    FUZZ_CHECK(rc == 0 || rc == -ENOMEM);
    FUZZ_CHECK(rc != 0 || (m == n && memcmp(out->data + sizeof(fuzz_prefix), first.data, n) == 0));
    if (n > 0) {
        rc = fuzz_decompress(codec, in, len, n - 1, out, &m);
        FUZZ_CHECK(rc == XDC_ETOOBIG || rc == -ENOMEM);
    }
    buf_close(&first);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    buf_t scratch = BUF_INIT;

    fuzz_batch(data, size, &scratch);
    fuzz_codec(data, size, &scratch);
    buf_close(&scratch);
    return 0;
}
