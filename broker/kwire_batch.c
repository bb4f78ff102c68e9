#include "broker/kwire_batch.h"

#include "common/crc32c.h"
#include "common/err.h"

#include <errno.h>

/* Field offsets inside the header ([K] DefaultRecordBatch.java). */
#define KWIRE_BATCH_OFF_LENGTH        8
#define KWIRE_BATCH_OFF_EPOCH         12
#define KWIRE_BATCH_OFF_MAGIC         16
#define KWIRE_BATCH_OFF_CRC           17
#define KWIRE_BATCH_OFF_ATTRIBUTES    21
#define KWIRE_BATCH_OFF_MAX_TIMESTAMP 35
/* Bytes up to and including magic: enough to tell a v2 batch from a legacy
 * message set, which keeps magic at the same offset. */
#define KWIRE_BATCH_UP_TO_MAGIC       17

static const char *const kwire_batch_reasons[] = {
    [KWIRE_BATCH_OK] = "ok",
    [KWIRE_BATCH_TRUNCATED] = "truncated",
    [KWIRE_BATCH_BAD_LENGTH] = "bad batchLength",
    [KWIRE_BATCH_BAD_CRC] = "bad CRC",
    [KWIRE_BATCH_BAD_MAGIC] = "magic is not 2",
    [KWIRE_BATCH_BAD_CODEC] = "unknown compression",
    [KWIRE_BATCH_BAD_COUNT] = "recordsCount does not match lastOffsetDelta",
    [KWIRE_BATCH_BAD_RECORD] = "record does not decode",
    [KWIRE_BATCH_BAD_OFFSET] = "offsetDelta out of sequence",
    [KWIRE_BATCH_BAD_FILL] = "records do not fill the batch",
};

const char *kwire_batch_reason_str(kwire_batch_reason_t why)
{
    if ((unsigned)why >= sizeof(kwire_batch_reasons) / sizeof(kwire_batch_reasons[0]))
        return "unknown";
    return kwire_batch_reasons[why];
}

/* Damaged bytes (framing, CRC) are CORRUPT_MESSAGE in Kafka; everything
 * that decodes but breaks a rule is INVALID_RECORD. */
static int kwire_batch_is_corrupt(kwire_batch_reason_t why)
{
    return why == KWIRE_BATCH_TRUNCATED || why == KWIRE_BATCH_BAD_LENGTH ||
           why == KWIRE_BATCH_BAD_CRC;
}

int16_t kwire_batch_reason_errcode(kwire_batch_reason_t why)
{
    if (why == KWIRE_BATCH_OK)
        return 0;
    return kwire_batch_is_corrupt(why) ? KWIRE_KAFKA_CORRUPT_MESSAGE : KWIRE_KAFKA_INVALID_RECORD;
}

/* Record @p why and return the matching code. */
static int kwire_batch_fail(kwire_batch_reason_t *why, kwire_batch_reason_t reason)
{
    if (why)
        *why = reason;
    return kwire_batch_is_corrupt(reason) ? XDC_ECORRUPT : XDC_EMALFORMED;
}

static uint32_t kwire_batch_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void kwire_batch_put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

int kwire_batch_hdr_decode(const uint8_t *data, size_t len, kwire_batch_hdr_t *h)
{
    kwire_reader_t r;

    if (len < KWIRE_BATCH_HDR_SIZE)
        return XDC_EMALFORMED;
    kwire_reader_init(&r, data, KWIRE_BATCH_HDR_SIZE);
    h->baseOffset = kwire_read_i64(&r);
    h->batchLength = kwire_read_i32(&r);
    h->partitionLeaderEpoch = kwire_read_i32(&r);
    h->magic = kwire_read_i8(&r);
    h->crc = kwire_read_u32(&r);
    h->attributes = kwire_read_i16(&r);
    h->lastOffsetDelta = kwire_read_i32(&r);
    h->baseTimestamp = kwire_read_i64(&r);
    h->maxTimestamp = kwire_read_i64(&r);
    h->producerId = kwire_read_i64(&r);
    h->producerEpoch = kwire_read_i16(&r);
    h->baseSequence = kwire_read_i32(&r);
    h->recordsCount = kwire_read_i32(&r);
    return r.err;
}

uint32_t kwire_batch_crc(const uint8_t *data, size_t len)
{
    if (len < KWIRE_BATCH_CRC_START)
        return 0;
    return crc32c(0, data + KWIRE_BATCH_CRC_START, len - KWIRE_BATCH_CRC_START);
}

/* The framing checks, in Kafka's order: a size that cannot reach magic is
 * corrupt, a legacy magic is reported as such before the v2 header size is
 * demanded, and the batch must fill @p len exactly. */
static kwire_batch_reason_t kwire_batch_check_frame(const uint8_t *data, size_t len)
{
    if (len < KWIRE_BATCH_LOG_OVERHEAD)
        return KWIRE_BATCH_TRUNCATED;
    int32_t blen = (int32_t)kwire_batch_be32(data + KWIRE_BATCH_OFF_LENGTH);
    if (blen < KWIRE_BATCH_UP_TO_MAGIC - KWIRE_BATCH_LOG_OVERHEAD)
        return KWIRE_BATCH_BAD_LENGTH;
    if ((uint64_t)blen + KWIRE_BATCH_LOG_OVERHEAD > len)
        return KWIRE_BATCH_TRUNCATED;
    if (data[KWIRE_BATCH_OFF_MAGIC] != KWIRE_BATCH_MAGIC)
        return KWIRE_BATCH_BAD_MAGIC;
    if (blen < KWIRE_BATCH_HDR_SIZE - KWIRE_BATCH_LOG_OVERHEAD ||
        (uint64_t)blen + KWIRE_BATCH_LOG_OVERHEAD != len)
        return KWIRE_BATCH_BAD_LENGTH;
    return KWIRE_BATCH_OK;
}

int kwire_batch_validate(const uint8_t *data, size_t len, kwire_batch_hdr_t *h,
                         kwire_batch_reason_t *why)
{
    kwire_batch_reason_t reason = kwire_batch_check_frame(data, len);
    if (reason != KWIRE_BATCH_OK)
        return kwire_batch_fail(why, reason);
    (void)kwire_batch_hdr_decode(data, len, h);
    if (kwire_batch_crc(data, len) != h->crc)
        return kwire_batch_fail(why, KWIRE_BATCH_BAD_CRC);
    if (kwire_batch_compression(h) > KWIRE_BATCH_ZSTD)
        return kwire_batch_fail(why, KWIRE_BATCH_BAD_CODEC);
    /* [K] LogValidator.validateBatch; control batches are written by the
     * broker itself and checked record by record instead. */
    if (!(h->attributes & KWIRE_BATCH_CONTROL) &&
        (h->recordsCount <= 0 || (int64_t)h->lastOffsetDelta + 1 != h->recordsCount))
        return kwire_batch_fail(why, KWIRE_BATCH_BAD_COUNT);
    if (why)
        *why = KWIRE_BATCH_OK;
    return 0;
}

void kwire_batch_set_base_offset(uint8_t *batch, int64_t baseOffset)
{
    kwire_batch_put_be(batch, (uint64_t)baseOffset, 8);
}

void kwire_batch_set_leader_epoch(uint8_t *batch, int32_t partitionLeaderEpoch)
{
    kwire_batch_put_be(batch + KWIRE_BATCH_OFF_EPOCH, (uint32_t)partitionLeaderEpoch, 4);
}

void kwire_batch_set_log_append_time(uint8_t *batch, size_t len, int64_t now_ms)
{
    uint8_t *attr = batch + KWIRE_BATCH_OFF_ATTRIBUTES;
    attr[1] |= KWIRE_BATCH_LOG_APPEND_TIME; /* low byte of the big-endian int16 */
    kwire_batch_put_be(batch + KWIRE_BATCH_OFF_MAX_TIMESTAMP, (uint64_t)now_ms, 8);
    kwire_batch_put_be(batch + KWIRE_BATCH_OFF_CRC, kwire_batch_crc(batch, len), 4);
}

/* ---- a sequence of batches ------------------------------------------------ */

void kwire_batch_iter_init(kwire_batch_iter_t *it, const uint8_t *data, size_t len)
{
    it->data = data;
    it->len = len;
    it->pos = 0;
    it->why = KWIRE_BATCH_OK;
    it->torn = 0;
}

int kwire_batch_iter_next(kwire_batch_iter_t *it, kwire_slice_t *batch, kwire_batch_hdr_t *h)
{
    const uint8_t *p = it->data + it->pos;
    size_t left = it->len - it->pos;

    it->torn = 0;
    if (left == 0)
        return 0;
    /* A length field or body that runs past the end is what an interrupted
     * append leaves behind: report it as a torn tail, not as corruption.
     * A length too small for a header, or a complete batch that fails a
     * check, is corrupt. */
    size_t size = left + 1;
    if (left >= KWIRE_BATCH_LOG_OVERHEAD) {
        int32_t blen = (int32_t)kwire_batch_be32(p + KWIRE_BATCH_OFF_LENGTH);
        if (blen < KWIRE_BATCH_HDR_SIZE - KWIRE_BATCH_LOG_OVERHEAD)
            return kwire_batch_fail(&it->why, KWIRE_BATCH_BAD_LENGTH);
        size = (size_t)blen + KWIRE_BATCH_LOG_OVERHEAD;
    }
    if (size > left) {
        it->torn = left;
        it->why = KWIRE_BATCH_TRUNCATED;
        return 0;
    }
    int rc = kwire_batch_validate(p, size, h, &it->why);
    if (rc < 0)
        return rc;
    *batch = (kwire_slice_t){p, (int32_t)size};
    it->pos += size;
    return 1;
}

/* ---- records -------------------------------------------------------------- */

int kwire_batch_records_init(kwire_batch_records_t *it, const uint8_t *batch, size_t len)
{
    kwire_batch_hdr_t h;

    if (kwire_batch_hdr_decode(batch, len, &h) < 0)
        return XDC_EMALFORMED;
    if (kwire_batch_compression(&h) != KWIRE_BATCH_NONE)
        return XDC_EUNSUPPORTED;
    kwire_reader_init(&it->r, batch + KWIRE_BATCH_HDR_SIZE, len - KWIRE_BATCH_HDR_SIZE);
    it->count = h.recordsCount;
    it->index = 0;
    it->why = KWIRE_BATCH_OK;
    return 0;
}

void kwire_batch_records_init_raw(kwire_batch_records_t *it, const uint8_t *records, size_t len,
                                  int32_t count)
{
    static const uint8_t none[1];

    /* An empty section may come with no storage at all; keep the reader's
     * pointers valid so that no arithmetic is done on NULL. */
    kwire_reader_init(&it->r, records ? records : none, records ? len : 0);
    it->count = count;
    it->index = 0;
    it->why = KWIRE_BATCH_OK;
}

/* A varint-length key, value or header field; -1 is null when allowed. */
static void kwire_batch_read_varbytes(kwire_reader_t *r, int nullable, kwire_slice_t *out)
{
    int32_t n = kwire_read_varint(r);
    *out = KWIRE_SLICE_NULL;
    if (r->err || (n == -1 && nullable))
        return;
    if (n < 0) {
        kwire_reader_fail(r);
        return;
    }
    kwire_read_raw(r, (size_t)n, out);
}

int kwire_batch_header_next(kwire_reader_t *r, kwire_slice_t *key, kwire_slice_t *value)
{
    if (r->err)
        return XDC_EMALFORMED;
    if (r->p == r->end)
        return 0;
    kwire_batch_read_varbytes(r, 0, key);
    kwire_batch_read_varbytes(r, 1, value);
    return r->err ? XDC_EMALFORMED : 1;
}

/* Decode one record body of exactly @p body's length. */
static int kwire_batch_record_decode(kwire_reader_t *body, kwire_batch_record_t *rec)
{
    kwire_slice_t k, v;

    rec->attributes = kwire_read_i8(body);
    rec->timestampDelta = kwire_read_varlong(body);
    rec->offsetDelta = kwire_read_varint(body);
    kwire_batch_read_varbytes(body, 1, &rec->key);
    kwire_batch_read_varbytes(body, 1, &rec->value);
    rec->headersCount = kwire_read_varint(body);
    if (rec->headersCount < 0 || (size_t)rec->headersCount > kwire_reader_left(body))
        kwire_reader_fail(body);
    rec->headers = (kwire_slice_t){body->p, (int32_t)(body->end - body->p)};
    for (int32_t i = 0; i < rec->headersCount && !body->err; i++) {
        kwire_batch_read_varbytes(body, 0, &k);
        kwire_batch_read_varbytes(body, 1, &v);
    }
    if (body->err || body->p != body->end)
        return XDC_EMALFORMED;
    return 0;
}

static int kwire_batch_records_fail(kwire_batch_records_t *it, kwire_batch_reason_t why)
{
    it->why = why;
    kwire_reader_fail(&it->r);
    return XDC_EMALFORMED;
}

int kwire_batch_records_next(kwire_batch_records_t *it, kwire_batch_record_t *rec)
{
    kwire_reader_t body;
    kwire_slice_t raw;

    if (it->why != KWIRE_BATCH_OK)
        return XDC_EMALFORMED;
    if (it->index >= it->count || kwire_reader_left(&it->r) == 0) {
        if (it->index != it->count || kwire_reader_left(&it->r) != 0)
            return kwire_batch_records_fail(it, KWIRE_BATCH_BAD_FILL);
        return 0;
    }
    rec->length = kwire_read_varint(&it->r);
    if (rec->length < 0)
        return kwire_batch_records_fail(it, KWIRE_BATCH_BAD_RECORD);
    kwire_read_raw(&it->r, (size_t)rec->length, &raw);
    if (it->r.err)
        return kwire_batch_records_fail(it, KWIRE_BATCH_BAD_RECORD);
    kwire_reader_init(&body, raw.ptr, (size_t)raw.len);
    if (kwire_batch_record_decode(&body, rec) < 0)
        return kwire_batch_records_fail(it, KWIRE_BATCH_BAD_RECORD);
    /* [K] LogValidator: inner offsets must run 0, 1, 2, ... */
    if (rec->offsetDelta != it->index)
        return kwire_batch_records_fail(it, KWIRE_BATCH_BAD_OFFSET);
    it->index++;
    return 1;
}

int kwire_batch_records_check(const uint8_t *batch, size_t len, kwire_batch_reason_t *why)
{
    kwire_batch_records_t it;
    kwire_batch_record_t rec;
    int rc = kwire_batch_records_init(&it, batch, len);

    if (why)
        *why = rc == XDC_EMALFORMED ? KWIRE_BATCH_TRUNCATED : KWIRE_BATCH_OK;
    if (rc < 0)
        return rc;
    while ((rc = kwire_batch_records_next(&it, &rec)) == 1)
        ;
    if (why)
        *why = it.why;
    return rc;
}

/* ---- builder ---------------------------------------------------------------- */

static size_t kwire_batch_varbytes_size(kwire_slice_t s)
{
    return kwire_varint_size(s.len) + (s.len > 0 ? (size_t)s.len : 0);
}

/* The body size of record @p i, i.e. the value of its length varint.
 * @return the size, or 0 for a record the builder cannot write. */
static uint64_t kwire_batch_record_size(const kwire_batch_msg_t *m, int32_t i, int64_t base_ts)
{
    uint64_t n = 1 + kwire_varlong_size((int64_t)((uint64_t)m->timestamp - (uint64_t)base_ts)) +
                 kwire_varint_size(i) + kwire_batch_varbytes_size(m->key) +
                 kwire_batch_varbytes_size(m->value) + kwire_varint_size(m->headersCount);
    if (m->headersCount < 0 || (m->headersCount > 0 && !m->headers))
        return 0;
    for (int32_t h = 0; h < m->headersCount; h++) {
        if (m->headers[h].key.len < 0)
            return 0;
        n += kwire_batch_varbytes_size(m->headers[h].key) +
             kwire_batch_varbytes_size(m->headers[h].value);
    }
    return n;
}

static void kwire_batch_write_varbytes(buf_t *b, kwire_slice_t s)
{
    kwire_write_varint(b, s.len);
    if (s.len > 0)
        buf_append(b, s.ptr, (size_t)s.len);
}

static void kwire_batch_write_record(buf_t *b, const kwire_batch_msg_t *m, int32_t i,
                                     int64_t base_ts, int32_t size)
{
    kwire_write_varint(b, size);
    kwire_write_i8(b, 0); /* attributes */
    kwire_write_varlong(b,
                        (int64_t)((uint64_t)m->timestamp - (uint64_t)base_ts)); /* timestampDelta */
    kwire_write_varint(b, i);                                                   /* offsetDelta */
    kwire_batch_write_varbytes(b, m->key);
    kwire_batch_write_varbytes(b, m->value);
    kwire_write_varint(b, m->headersCount);
    for (int32_t h = 0; h < m->headersCount; h++) {
        kwire_batch_write_varbytes(b, m->headers[h].key);
        kwire_batch_write_varbytes(b, m->headers[h].value);
    }
}

/* Check every record and the total size before anything is appended.
 * @return 0, -EINVAL, XDC_ETOOBIG; @p max_ts out. */
static int kwire_batch_build_check(const kwire_batch_msg_t *msgs, int32_t n, int64_t *max_ts)
{
    uint64_t total = KWIRE_BATCH_HDR_SIZE;

    *max_ts = msgs[0].timestamp;
    for (int32_t i = 0; i < n; i++) {
        uint64_t size = kwire_batch_record_size(&msgs[i], i, msgs[0].timestamp);
        if (size == 0)
            return -EINVAL;
        total += size + kwire_varint_size(size > INT32_MAX ? INT32_MAX : (int32_t)size);
        if (total > INT32_MAX)
            return XDC_ETOOBIG;
        if (msgs[i].timestamp > *max_ts)
            *max_ts = msgs[i].timestamp;
    }
    return 0;
}

int kwire_batch_build(buf_t *b, const kwire_batch_opts_t *opts, const kwire_batch_msg_t *msgs,
                      int32_t n)
{
    static const kwire_batch_opts_t defaults = KWIRE_BATCH_OPTS_INIT;
    int64_t max_ts;

    if (!opts)
        opts = &defaults;
    if (opts->attributes & KWIRE_BATCH_COMPRESSION_MASK)
        return XDC_EUNSUPPORTED;
    if (n < 1 || !msgs)
        return -EINVAL;
    int rc = kwire_batch_build_check(msgs, n, &max_ts);
    if (rc < 0)
        return rc;

    size_t start = b->len;
    kwire_write_i64(b, opts->baseOffset);           /* baseOffset */
    size_t slot = kwire_write_size_begin(b);        /* batchLength */
    kwire_write_i32(b, opts->partitionLeaderEpoch); /* partitionLeaderEpoch */
    kwire_write_i8(b, KWIRE_BATCH_MAGIC);           /* magic */
    kwire_write_u32(b, 0);                          /* crc, patched below */
    kwire_write_i16(b, opts->attributes);           /* attributes */
    kwire_write_i32(b, n - 1);                      /* lastOffsetDelta */
    kwire_write_i64(b, msgs[0].timestamp);          /* baseTimestamp */
    kwire_write_i64(b, max_ts);                     /* maxTimestamp */
    kwire_write_i64(b, opts->producerId);           /* producerId */
    kwire_write_i16(b, opts->producerEpoch);        /* producerEpoch */
    kwire_write_i32(b, opts->baseSequence);         /* baseSequence */
    kwire_write_i32(b, n);                          /* recordsCount */
    for (int32_t i = 0; i < n; i++) {
        uint64_t size = kwire_batch_record_size(&msgs[i], i, msgs[0].timestamp);
        kwire_batch_write_record(b, &msgs[i], i, msgs[0].timestamp, (int32_t)size);
    }
    kwire_write_size_end(b, slot);
    kwire_batch_put_be(b->data + start + KWIRE_BATCH_OFF_CRC,
                       kwire_batch_crc(b->data + start, b->len - start), 4);
    return 0;
}
