#ifndef XDC_BROKER_KWIRE_H
#define XDC_BROKER_KWIRE_H

/* Kafka wire codec: primitives, framing and headers. Pure code: no I/O,
 * no libuv, no logging. Field types and names follow
 * ../shared/kafka-protocol/messages/README.md and RequestHeader.json.
 *
 * Decoding goes through a kwire_reader_t whose error is sticky: after the
 * first short or invalid read every later read returns 0 / a null slice and
 * leaves r->err set, so a decoder reads a whole message and checks r->err
 * once at the end. Decoded strings and bytes are slices borrowed from the
 * input; they stay valid as long as the frame does.
 *
 * Encoding appends to a buf_t (common/buf.h), which aborts on out-of-memory,
 * so writers return nothing. Passing a slice longer than its wire type can
 * hold (e.g. > INT16_MAX to a string writer) is a programmer error (assert). */

#include "common/buf.h"

#include <stddef.h>
#include <stdint.h>

/* A borrowed run of bytes; len -1 means null (ptr is then NULL). */
typedef struct kwire_slice {
    const uint8_t *ptr;
    int32_t len;
} kwire_slice_t;

#define KWIRE_SLICE_NULL ((kwire_slice_t){NULL, -1})

/** A slice over the C string @p s (borrowed), or the null slice if @p s is
 *  NULL.  @thread any. */
kwire_slice_t kwire_cstr(const char *s);

/** @return 1 if @p s is non-null and holds exactly the bytes of @p str,
 *  else 0.  @thread any. */
int kwire_slice_eq(kwire_slice_t s, const char *str);

/* ---- reader ------------------------------------------------------------ */

typedef struct kwire_reader {
    const uint8_t *p;   /* public: next unread byte */
    const uint8_t *end; /* public: one past the last byte */
    int err;            /* public: 0, or XDC_EMALFORMED once a read failed */
} kwire_reader_t;

/** Start reading @p len bytes at @p data (borrowed for the reader's life). */
void kwire_reader_init(kwire_reader_t *r, const void *data, size_t len);

/** @return bytes not yet read (0 after an error). */
size_t kwire_reader_left(const kwire_reader_t *r);

/** Skip @p n bytes; sets r->err if fewer remain. */
void kwire_skip(kwire_reader_t *r, size_t n);

/** Mark the reader malformed, for a decoder that finds a value it cannot
 *  accept (a negative count, say): later reads return nothing. */
void kwire_reader_fail(kwire_reader_t *r);

/** Take the next @p n bytes as a slice (null slice and r->err if fewer). */
void kwire_read_raw(kwire_reader_t *r, size_t n, kwire_slice_t *out);

/* Fixed-width big-endian integers. On error: return 0, set r->err. */
int8_t kwire_read_i8(kwire_reader_t *r);
int16_t kwire_read_i16(kwire_reader_t *r);
int32_t kwire_read_i32(kwire_reader_t *r);
int64_t kwire_read_i64(kwire_reader_t *r);
uint32_t kwire_read_u32(kwire_reader_t *r);
/** Kafka "bool": one byte, any non-zero value is true.  @return 0 or 1. */
int kwire_read_bool(kwire_reader_t *r);

/** Unsigned LEB128 varint of at most 5 bytes (uint32); longer or
 *  overflowing encodings are malformed. */
uint32_t kwire_read_uvarint(kwire_reader_t *r);
/** Zig-zag varint (int32), as used in record batches. */
int32_t kwire_read_varint(kwire_reader_t *r);
/** Zig-zag varlong (int64, at most 10 bytes). */
int64_t kwire_read_varlong(kwire_reader_t *r);
/** Copy a 16-byte uuid into @p out (zeroed on error). */
void kwire_read_uuid(kwire_reader_t *r, uint8_t out[16]);

/* Strings and bytes. @p out is a slice into the reader's data; on error it
 * is the null slice. A null where the type is not nullable is malformed. */
void kwire_read_str(kwire_reader_t *r, kwire_slice_t *out);                  /* int16 len */
void kwire_read_nullable_str(kwire_reader_t *r, kwire_slice_t *out);         /* int16 len, -1 */
void kwire_read_compact_str(kwire_reader_t *r, kwire_slice_t *out);          /* uvarint len+1 */
void kwire_read_compact_nullable_str(kwire_reader_t *r, kwire_slice_t *out); /* 0 = null */
void kwire_read_bytes(kwire_reader_t *r, kwire_slice_t *out);                /* int32 len */
void kwire_read_nullable_bytes(kwire_reader_t *r, kwire_slice_t *out);
void kwire_read_compact_bytes(kwire_reader_t *r, kwire_slice_t *out);
void kwire_read_compact_nullable_bytes(kwire_reader_t *r, kwire_slice_t *out);

/** Array count: int32, -1 = null. A count larger than the bytes left is
 *  malformed (every element takes at least one byte), so a caller may
 *  allocate count elements without a further cap.  @return count or -1. */
int32_t kwire_read_array_len(kwire_reader_t *r);
/** Compact array count: uvarint count+1, 0 = null; same cap.
 *  @return count or -1. */
int32_t kwire_read_compact_array_len(kwire_reader_t *r);

/** Skip a tagged-field section (uvarint count, then per field uvarint tag,
 *  uvarint size, data). Unknown tags are ignored, as Kafka does. */
void kwire_skip_tags(kwire_reader_t *r);

/* Version-dependent forms: @p flex is non-zero when the message version is
 * in the schema's "flexibleVersions", choosing the compact encoding. */
void kwire_read_string(kwire_reader_t *r, int flex, kwire_slice_t *out);
void kwire_read_nullable_string(kwire_reader_t *r, int flex, kwire_slice_t *out);
void kwire_read_blob(kwire_reader_t *r, int flex, kwire_slice_t *out);
void kwire_read_nullable_blob(kwire_reader_t *r, int flex, kwire_slice_t *out);
int32_t kwire_read_count(kwire_reader_t *r, int flex);
/** Skip tagged fields only if @p flex. */
void kwire_read_tags(kwire_reader_t *r, int flex);

/* ---- writer (appends to a buf_t) ---------------------------------------- */

void kwire_write_i8(buf_t *b, int8_t v);
void kwire_write_i16(buf_t *b, int16_t v);
void kwire_write_i32(buf_t *b, int32_t v);
void kwire_write_i64(buf_t *b, int64_t v);
void kwire_write_u32(buf_t *b, uint32_t v);
void kwire_write_bool(buf_t *b, int v);
void kwire_write_uvarint(buf_t *b, uint32_t v);
void kwire_write_varint(buf_t *b, int32_t v);
void kwire_write_varlong(buf_t *b, int64_t v);
void kwire_write_uuid(buf_t *b, const uint8_t uuid[16]);
/** @return the encoded size of kwire_write_varint(v) / _varlong(v). */
size_t kwire_varint_size(int32_t v);
size_t kwire_varlong_size(int64_t v);

/* Slices are copied. Non-nullable writers assert @p s is not null. */
void kwire_write_str(buf_t *b, kwire_slice_t s);
void kwire_write_nullable_str(buf_t *b, kwire_slice_t s);
void kwire_write_compact_str(buf_t *b, kwire_slice_t s);
void kwire_write_compact_nullable_str(buf_t *b, kwire_slice_t s);
void kwire_write_bytes(buf_t *b, kwire_slice_t s);
void kwire_write_nullable_bytes(buf_t *b, kwire_slice_t s);
void kwire_write_compact_bytes(buf_t *b, kwire_slice_t s);
void kwire_write_compact_nullable_bytes(buf_t *b, kwire_slice_t s);
/** int32 count; -1 writes a null array. */
void kwire_write_array_len(buf_t *b, int32_t n);
/** uvarint count+1; -1 writes a null array (0). */
void kwire_write_compact_array_len(buf_t *b, int32_t n);
/** An empty tagged-field section (one 0 byte). */
void kwire_write_empty_tags(buf_t *b);

/* Version-dependent forms, mirroring the readers. */
void kwire_write_string(buf_t *b, int flex, kwire_slice_t s);
void kwire_write_nullable_string(buf_t *b, int flex, kwire_slice_t s);
void kwire_write_blob(buf_t *b, int flex, kwire_slice_t s);
void kwire_write_nullable_blob(buf_t *b, int flex, kwire_slice_t s);
void kwire_write_count(buf_t *b, int flex, int32_t n);
/** Write an empty tagged-field section only if @p flex. */
void kwire_write_tags(buf_t *b, int flex);

/** Reserve a 4-byte big-endian size slot at the end of @p b.
 *  @return the slot's offset, for kwire_write_size_end(). */
size_t kwire_write_size_begin(buf_t *b);
/** Fill the slot at @p slot with the number of bytes written after it. */
void kwire_write_size_end(buf_t *b, size_t slot);

/* ---- framing and headers ------------------------------------------------ */

/* The smallest request a frame may hold: ApiKey, ApiVersion, CorrelationId
 * (request header v0). */
#define KWIRE_REQ_HDR_MIN 8

/** Find the next size-prefixed frame at the start of @p data (borrowed).
 *  @param max_bytes cap on the size field (socket.request.max.bytes); it is
 *  checked as soon as the 4-byte prefix is in, before the body arrives.
 *  @param frame out: the frame body without its prefix, borrowed from @p data.
 *  @param consumed out: bytes to drop from the input (prefix + body).
 *  @return 1 a full frame, 0 need more bytes, XDC_ETOOBIG size > @p max_bytes,
 *  XDC_EMALFORMED size negative or < KWIRE_REQ_HDR_MIN.  @thread any. */
int kwire_frame_next(const uint8_t *data, size_t len, int32_t max_bytes, kwire_slice_t *frame,
                     size_t *consumed);

/** Read ApiKey and ApiVersion from a frame body, before the header version
 *  (which depends on them) is known.  @return 0, XDC_EMALFORMED. */
int kwire_peek_api(kwire_slice_t frame, int16_t *api_key, int16_t *api_version);

typedef struct kwire_req_hdr {
    int16_t ApiKey; /* RequestApiKey */
    int16_t ApiVersion;
    int32_t CorrelationId;
    kwire_slice_t ClientId; /* borrowed from the frame; may be null */
} kwire_req_hdr_t;

/** Decode a request header v1 (@p flexible_header 0) or v2 (non-zero: v1 +
 *  tagged fields). ClientId is an int16 nullable string in both
 *  (RequestHeader.json: "flexibleVersions": "none"). Header v0 (only
 *  ControlledShutdown v0) is not supported. Leaves @p r at the body.
 *  @return 0, XDC_EMALFORMED.  @thread any. */
int kwire_decode_req_hdr(kwire_reader_t *r, kwire_req_hdr_t *h, int flexible_header);

/** Append a response header: v0 = CorrelationId, v1 (@p flexible) adds an
 *  empty tag buffer. The caller brackets header and body with
 *  kwire_write_size_begin()/_end(). NOTE: the ApiVersions response always
 *  uses header v0, whatever its version (KIP-511), so its caller passes 0. */
void kwire_write_resp_hdr(buf_t *b, int32_t correlation_id, int flexible);

#endif
