#ifndef XDC_BROKER_KWIRE_BATCH_H
#define XDC_BROKER_KWIRE_BATCH_H

/* Kafka record batch v2 (magic 2): header decode, validation, in-place
 * rewrites, iteration over batches and over the records of an uncompressed
 * batch, and a builder. Layout: [K] DefaultRecordBatch.java; see
 * ../shared/reference/kafka-broker.md §4. Pure code: no I/O, no logging.
 *
 * Validation failures come back as one of two codes so the broker can answer
 * the Kafka error the Java broker would:
 *   XDC_ECORRUPT   -> CORRUPT_MESSAGE (2): the bytes are damaged (CRC, framing)
 *   XDC_EMALFORMED -> INVALID_RECORD (87): intact bytes, invalid content
 * and a kwire_batch_reason_t out-param says exactly what failed. */

#include "broker/kwire.h"
#include "common/buf.h"

#include <stddef.h>
#include <stdint.h>

#define KWIRE_BATCH_HDR_SIZE     61 /* header through recordsCount */
#define KWIRE_BATCH_LOG_OVERHEAD 12 /* baseOffset + batchLength */
#define KWIRE_BATCH_CRC_START    21 /* the CRC covers [21, end) */
#define KWIRE_BATCH_MAGIC        2

/* attributes bits */
#define KWIRE_BATCH_COMPRESSION_MASK 0x07
#define KWIRE_BATCH_LOG_APPEND_TIME  0x08 /* timestampType 1 */
#define KWIRE_BATCH_TRANSACTIONAL    0x10
#define KWIRE_BATCH_CONTROL          0x20
#define KWIRE_BATCH_DELETE_HORIZON   0x40

/* Kafka error codes the reasons map to (response data, not return codes). */
#define KWIRE_KAFKA_CORRUPT_MESSAGE 2
#define KWIRE_KAFKA_INVALID_RECORD  87

typedef enum kwire_batch_compression {
    KWIRE_BATCH_NONE = 0,
    KWIRE_BATCH_GZIP = 1,
    KWIRE_BATCH_SNAPPY = 2,
    KWIRE_BATCH_LZ4 = 3,
    KWIRE_BATCH_ZSTD = 4,
} kwire_batch_compression_t;

typedef enum kwire_batch_reason {
    KWIRE_BATCH_OK = 0,
    KWIRE_BATCH_TRUNCATED,  /* fewer bytes than the header or batchLength says */
    KWIRE_BATCH_BAD_LENGTH, /* batchLength below the header size, or bytes left over */
    KWIRE_BATCH_BAD_CRC,    /* CRC-32C over [21, end) does not match */
    KWIRE_BATCH_BAD_MAGIC,  /* magic != 2 */
    KWIRE_BATCH_BAD_CODEC,  /* compression id 5..7 */
    KWIRE_BATCH_BAD_COUNT,  /* lastOffsetDelta + 1 != recordsCount, or count <= 0 */
    KWIRE_BATCH_BAD_RECORD, /* a record does not decode or its length is wrong */
    KWIRE_BATCH_BAD_OFFSET, /* offsetDelta is not the record's index */
    KWIRE_BATCH_BAD_FILL,   /* records do not exactly fill the batch / match the count */
} kwire_batch_reason_t;

/* The 61-byte header, decoded. Field names are Kafka's. */
typedef struct kwire_batch_hdr {
    int64_t baseOffset;
    int32_t batchLength; /* bytes after this field: total size - 12 */
    int32_t partitionLeaderEpoch;
    int8_t magic;
    uint32_t crc;
    int16_t attributes;
    int32_t lastOffsetDelta;
    int64_t baseTimestamp;
    int64_t maxTimestamp;
    int64_t producerId; /* -1 = none */
    int16_t producerEpoch;
    int32_t baseSequence; /* -1 = none */
    int32_t recordsCount;
} kwire_batch_hdr_t;

/** @return "truncated", "bad CRC", ...: a static string.  @thread any. */
const char *kwire_batch_reason_str(kwire_batch_reason_t why);

/** @return the Kafka ErrorCode to answer for @p why: CORRUPT_MESSAGE for
 *  damaged bytes, INVALID_RECORD otherwise, 0 for KWIRE_BATCH_OK. */
int16_t kwire_batch_reason_errcode(kwire_batch_reason_t why);

/** Decode the header at @p data (borrowed) without any check.
 *  @return 0, XDC_EMALFORMED if @p len < KWIRE_BATCH_HDR_SIZE. */
int kwire_batch_hdr_decode(const uint8_t *data, size_t len, kwire_batch_hdr_t *h);

/** @return the compression codec (attributes bits 0-2). */
static inline kwire_batch_compression_t kwire_batch_compression(const kwire_batch_hdr_t *h)
{
    return (kwire_batch_compression_t)(h->attributes & KWIRE_BATCH_COMPRESSION_MASK);
}

/** Validate that @p data/@p len (borrowed) is exactly one record batch v2:
 *  sizes, magic, CRC, codec id, and for non-control batches
 *  lastOffsetDelta + 1 == recordsCount > 0. Records are not walked (see
 *  kwire_batch_records_check()). Fills @p h when the header is readable.
 *  @param why out, may be NULL.
 *  @return 0, XDC_ECORRUPT (TRUNCATED, BAD_LENGTH, BAD_CRC) or
 *  XDC_EMALFORMED (BAD_MAGIC, BAD_CODEC, BAD_COUNT).  @thread any. */
int kwire_batch_validate(const uint8_t *data, size_t len, kwire_batch_hdr_t *h,
                         kwire_batch_reason_t *why);

/** Compute the CRC-32C a batch of @p len bytes should carry. */
uint32_t kwire_batch_crc(const uint8_t *data, size_t len);

/* In-place rewrites of a validated batch (>= KWIRE_BATCH_HDR_SIZE bytes).
 * baseOffset and partitionLeaderEpoch lie outside the CRC. */
void kwire_batch_set_base_offset(uint8_t *batch, int64_t baseOffset);
void kwire_batch_set_leader_epoch(uint8_t *batch, int32_t partitionLeaderEpoch);
/** LogAppendTime topics: set the timestampType bit and maxTimestamp to
 *  @p now_ms, then recompute the CRC over the @p len bytes. */
void kwire_batch_set_log_append_time(uint8_t *batch, size_t len, int64_t now_ms);

/* ---- a sequence of batches (segment scan and recovery) ----------------- */

typedef struct kwire_batch_iter {
    const uint8_t *data;      /* read-only */
    size_t len;               /* read-only */
    size_t pos;               /* read-only: offset of the next batch = bytes known good */
    kwire_batch_reason_t why; /* read-only: reason of the last failure */
    size_t torn;              /* read-only: bytes of an incomplete batch at the end */
} kwire_batch_iter_t;

/** Walk the batches in @p data/@p len (borrowed for the iterator's life). */
void kwire_batch_iter_init(kwire_batch_iter_t *it, const uint8_t *data, size_t len);

/** Validate and return the next batch.
 *  @param batch out: the whole batch, borrowed from the iterator's data.
 *  @return 1 a valid batch (it->pos moves past it); 0 end of data, with
 *  it->torn = 0 for a clean end or the byte count of an incomplete batch at
 *  the tail (a torn write: truncate at it->pos); XDC_ECORRUPT or
 *  XDC_EMALFORMED for a batch at it->pos that is complete but invalid
 *  (it->why says why; it->pos stays). */
int kwire_batch_iter_next(kwire_batch_iter_t *it, kwire_slice_t *batch, kwire_batch_hdr_t *h);

/* ---- records of an uncompressed batch ----------------------------------- */

typedef struct kwire_batch_record {
    int32_t length; /* body bytes after the length varint */
    int8_t attributes;
    int64_t timestampDelta;
    int32_t offsetDelta;
    kwire_slice_t key;   /* may be null */
    kwire_slice_t value; /* may be null */
    int32_t headersCount;
    kwire_slice_t headers; /* the raw headers: walk with kwire_batch_header_next() */
} kwire_batch_record_t;

typedef struct kwire_batch_records {
    kwire_reader_t r;         /* private */
    int32_t count;            /* read-only: recordsCount */
    int32_t index;            /* read-only: records returned so far */
    kwire_batch_reason_t why; /* read-only */
} kwire_batch_records_t;

/** Start walking the records of a validated batch (borrowed).
 *  @return 0, XDC_EUNSUPPORTED for a compressed batch (decompress first),
 *  XDC_EMALFORMED if shorter than its header. */
int kwire_batch_records_init(kwire_batch_records_t *it, const uint8_t *batch, size_t len);

/** Start walking @p count records held in @p records/@p len (borrowed for
 *  the iterator's life) apart from their batch: the decompressed records
 *  section of a compressed batch. The same checks as for an uncompressed
 *  batch apply: each record fills its length, offsetDelta is the index, and
 *  the records fill @p len exactly and number @p count.  @thread any. */
void kwire_batch_records_init_raw(kwire_batch_records_t *it, const uint8_t *records, size_t len,
                                  int32_t count);

/** Decode the next record into @p rec (slices borrowed from the batch).
 *  Checks that each record's fields fill exactly its length, that
 *  offsetDelta equals the record's index, and at the end that the records
 *  fill the batch exactly and match recordsCount.
 *  @return 1 a record, 0 done and consistent, XDC_EMALFORMED (it->why). */
int kwire_batch_records_next(kwire_batch_records_t *it, kwire_batch_record_t *rec);

/** Walk every record of an uncompressed batch, to validate it.
 *  @param why out, may be NULL.  @return 0, XDC_EMALFORMED, XDC_EUNSUPPORTED. */
int kwire_batch_records_check(const uint8_t *batch, size_t len, kwire_batch_reason_t *why);

/** Read one record header from @p r (initialised over rec->headers).
 *  @return 1 a header (key never null, value may be), 0 none left,
 *  XDC_EMALFORMED. */
int kwire_batch_header_next(kwire_reader_t *r, kwire_slice_t *key, kwire_slice_t *value);

/* ---- builder ------------------------------------------------------------- */

typedef struct kwire_batch_kv {
    kwire_slice_t key; /* must not be null */
    kwire_slice_t value;
} kwire_batch_kv_t;

typedef struct kwire_batch_msg {
    kwire_slice_t key;   /* may be null */
    kwire_slice_t value; /* may be null */
    const kwire_batch_kv_t *headers;
    int32_t headersCount;
    int64_t timestamp; /* ms, CreateTime */
} kwire_batch_msg_t;

/* Header fields the builder copies; the rest it derives from the records. */
typedef struct kwire_batch_opts {
    int64_t baseOffset;
    int32_t partitionLeaderEpoch;
    int16_t attributes; /* no compression bits; e.g. KWIRE_BATCH_CONTROL */
    int64_t producerId;
    int16_t producerEpoch;
    int32_t baseSequence;
} kwire_batch_opts_t;

/* baseOffset 0, epoch -1, no producer: what a plain producer sends. */
#define KWIRE_BATCH_OPTS_INIT                                                                      \
    {                                                                                              \
        0, -1, 0, -1, -1, -1                                                                       \
    }

/** Append an uncompressed v2 batch of the @p n records in @p msgs (copied)
 *  to @p b, with a correct CRC. baseTimestamp is the first record's,
 *  maxTimestamp the largest. @p opts may be NULL for KWIRE_BATCH_OPTS_INIT.
 *  On failure nothing is appended.
 *  @return 0, XDC_EUNSUPPORTED (compression bits in opts->attributes),
 *  -EINVAL (n < 1, a null header key), XDC_ETOOBIG (over INT32_MAX bytes). */
int kwire_batch_build(buf_t *b, const kwire_batch_opts_t *opts, const kwire_batch_msg_t *msgs,
                      int32_t n);

#endif
