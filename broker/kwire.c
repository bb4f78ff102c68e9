#include "broker/kwire.h"

#include "common/err.h"

#include <assert.h>
#include <string.h>

kwire_slice_t kwire_cstr(const char *s)
{
    if (!s)
        return KWIRE_SLICE_NULL;
    size_t n = strlen(s);
    assert(n <= INT32_MAX);
    return (kwire_slice_t){(const uint8_t *)s, (int32_t)n};
}

int kwire_slice_eq(kwire_slice_t s, const char *str)
{
    if (s.len < 0 || !str)
        return 0;
    size_t n = strlen(str);
    return (size_t)s.len == n && (n == 0 || memcmp(s.ptr, str, n) == 0);
}

/* ---- reader ------------------------------------------------------------ */

void kwire_reader_init(kwire_reader_t *r, const void *data, size_t len)
{
    r->p = data;
    r->end = r->p + len;
    r->err = 0;
}

size_t kwire_reader_left(const kwire_reader_t *r)
{
    return r->err ? 0 : (size_t)(r->end - r->p);
}

/* Mark the reader failed: from here on every read returns nothing. */
static void kwire_fail(kwire_reader_t *r)
{
    r->err = XDC_EMALFORMED;
    r->p = r->end;
}

void kwire_reader_fail(kwire_reader_t *r)
{
    kwire_fail(r);
}

/* Take @p n bytes from the reader. @return a pointer to them, or NULL (and
 * the sticky error) if fewer than @p n remain. */
static const uint8_t *kwire_take(kwire_reader_t *r, size_t n)
{
    if (r->err || (size_t)(r->end - r->p) < n) {
        kwire_fail(r);
        return NULL;
    }
    const uint8_t *q = r->p;
    r->p += n;
    return q;
}

void kwire_skip(kwire_reader_t *r, size_t n)
{
    (void)kwire_take(r, n);
}

void kwire_read_raw(kwire_reader_t *r, size_t n, kwire_slice_t *out)
{
    const uint8_t *q = n <= INT32_MAX ? kwire_take(r, n) : (kwire_fail(r), NULL);
    *out = q ? (kwire_slice_t){q, (int32_t)n} : KWIRE_SLICE_NULL;
}

static uint64_t kwire_be(const uint8_t *q, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | q[i];
    return v;
}

int8_t kwire_read_i8(kwire_reader_t *r)
{
    const uint8_t *q = kwire_take(r, 1);
    return q ? (int8_t)q[0] : 0;
}

int16_t kwire_read_i16(kwire_reader_t *r)
{
    const uint8_t *q = kwire_take(r, 2);
    return q ? (int16_t)(uint16_t)kwire_be(q, 2) : 0;
}

int32_t kwire_read_i32(kwire_reader_t *r)
{
    return (int32_t)kwire_read_u32(r);
}

uint32_t kwire_read_u32(kwire_reader_t *r)
{
    const uint8_t *q = kwire_take(r, 4);
    return q ? (uint32_t)kwire_be(q, 4) : 0;
}

int64_t kwire_read_i64(kwire_reader_t *r)
{
    const uint8_t *q = kwire_take(r, 8);
    return q ? (int64_t)kwire_be(q, 8) : 0;
}

int kwire_read_bool(kwire_reader_t *r)
{
    return kwire_read_i8(r) != 0;
}

/* LEB128 of at most @p max_bytes; bits beyond @p max_bits are malformed, so
 * every value has a bounded encoding and nothing overflows. */
static uint64_t kwire_read_leb(kwire_reader_t *r, int max_bytes, int max_bits)
{
    uint64_t v = 0;
    for (int i = 0; i < max_bytes; i++) {
        const uint8_t *q = kwire_take(r, 1);
        if (!q)
            return 0;
        uint64_t part = (uint64_t)(q[0] & 0x7f);
        int shift = 7 * i;
        if (shift + 7 > max_bits && (part >> (max_bits - shift)) != 0)
            break;
        v |= part << shift;
        if (!(q[0] & 0x80))
            return v;
    }
    kwire_fail(r);
    return 0;
}

uint32_t kwire_read_uvarint(kwire_reader_t *r)
{
    return (uint32_t)kwire_read_leb(r, 5, 32);
}

int32_t kwire_read_varint(kwire_reader_t *r)
{
    uint32_t u = kwire_read_uvarint(r);
    return (int32_t)((u >> 1) ^ (0u - (u & 1)));
}

int64_t kwire_read_varlong(kwire_reader_t *r)
{
    uint64_t u = kwire_read_leb(r, 10, 64);
    return (int64_t)((u >> 1) ^ (0u - (u & 1)));
}

void kwire_read_uuid(kwire_reader_t *r, uint8_t out[16])
{
    const uint8_t *q = kwire_take(r, 16);
    if (q)
        memcpy(out, q, 16);
    else
        memset(out, 0, 16);
}

/* Take a run of @p len bytes as a slice; -1 is null when @p nullable, any
 * other negative length is malformed. */
static void kwire_read_run(kwire_reader_t *r, int64_t len, int nullable, kwire_slice_t *out)
{
    *out = KWIRE_SLICE_NULL;
    if (r->err)
        return;
    if (len == -1 && nullable)
        return;
    if (len < 0 || len > INT32_MAX) {
        kwire_fail(r);
        return;
    }
    const uint8_t *q = kwire_take(r, (size_t)len);
    if (q)
        *out = (kwire_slice_t){q, (int32_t)len};
}

/* Compact lengths carry len+1 so that 0 can mean null. */
static int64_t kwire_read_compact_len(kwire_reader_t *r)
{
    return (int64_t)kwire_read_uvarint(r) - 1;
}

void kwire_read_str(kwire_reader_t *r, kwire_slice_t *out)
{
    kwire_read_run(r, kwire_read_i16(r), 0, out);
}

void kwire_read_nullable_str(kwire_reader_t *r, kwire_slice_t *out)
{
    kwire_read_run(r, kwire_read_i16(r), 1, out);
}

/* Kafka caps compact strings at Short.MAX_VALUE like the classic ones. */
static void kwire_read_compact_str_run(kwire_reader_t *r, int nullable, kwire_slice_t *out)
{
    int64_t len = kwire_read_compact_len(r);
    if (len > INT16_MAX)
        kwire_fail(r);
    kwire_read_run(r, len, nullable, out);
}

void kwire_read_compact_str(kwire_reader_t *r, kwire_slice_t *out)
{
    kwire_read_compact_str_run(r, 0, out);
}

void kwire_read_compact_nullable_str(kwire_reader_t *r, kwire_slice_t *out)
{
    kwire_read_compact_str_run(r, 1, out);
}

void kwire_read_bytes(kwire_reader_t *r, kwire_slice_t *out)
{
    kwire_read_run(r, kwire_read_i32(r), 0, out);
}

void kwire_read_nullable_bytes(kwire_reader_t *r, kwire_slice_t *out)
{
    kwire_read_run(r, kwire_read_i32(r), 1, out);
}

void kwire_read_compact_bytes(kwire_reader_t *r, kwire_slice_t *out)
{
    kwire_read_run(r, kwire_read_compact_len(r), 0, out);
}

void kwire_read_compact_nullable_bytes(kwire_reader_t *r, kwire_slice_t *out)
{
    kwire_read_run(r, kwire_read_compact_len(r), 1, out);
}

/* Every array element takes at least one byte, so a count above the bytes
 * left cannot be honest; rejecting it here keeps a 10-byte frame from
 * asking for a 2^31-element allocation. */
static int32_t kwire_check_count(kwire_reader_t *r, int64_t n)
{
    if (r->err)
        return -1;
    if (n < -1 || (n > 0 && (uint64_t)n > (uint64_t)(r->end - r->p))) {
        kwire_fail(r);
        return -1;
    }
    return (int32_t)n;
}

int32_t kwire_read_array_len(kwire_reader_t *r)
{
    return kwire_check_count(r, kwire_read_i32(r));
}

int32_t kwire_read_compact_array_len(kwire_reader_t *r)
{
    return kwire_check_count(r, kwire_read_compact_len(r));
}

void kwire_skip_tags(kwire_reader_t *r)
{
    uint32_t n = kwire_read_uvarint(r);
    if (kwire_check_count(r, n) < 0)
        return;
    for (uint32_t i = 0; i < n && !r->err; i++) {
        (void)kwire_read_uvarint(r); /* tag */
        kwire_skip(r, kwire_read_uvarint(r));
    }
}

void kwire_read_string(kwire_reader_t *r, int flex, kwire_slice_t *out)
{
    if (flex)
        kwire_read_compact_str(r, out);
    else
        kwire_read_str(r, out);
}

void kwire_read_nullable_string(kwire_reader_t *r, int flex, kwire_slice_t *out)
{
    if (flex)
        kwire_read_compact_nullable_str(r, out);
    else
        kwire_read_nullable_str(r, out);
}

void kwire_read_blob(kwire_reader_t *r, int flex, kwire_slice_t *out)
{
    if (flex)
        kwire_read_compact_bytes(r, out);
    else
        kwire_read_bytes(r, out);
}

void kwire_read_nullable_blob(kwire_reader_t *r, int flex, kwire_slice_t *out)
{
    if (flex)
        kwire_read_compact_nullable_bytes(r, out);
    else
        kwire_read_nullable_bytes(r, out);
}

int32_t kwire_read_count(kwire_reader_t *r, int flex)
{
    return flex ? kwire_read_compact_array_len(r) : kwire_read_array_len(r);
}

void kwire_read_tags(kwire_reader_t *r, int flex)
{
    if (flex)
        kwire_skip_tags(r);
}

/* ---- writer ------------------------------------------------------------ */

static void kwire_put_be(buf_t *b, uint64_t v, int n)
{
    uint8_t q[8];
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        q[i] = (uint8_t)v;
    buf_append(b, q, (size_t)n);
}

void kwire_write_i8(buf_t *b, int8_t v)
{
    kwire_put_be(b, (uint8_t)v, 1);
}

void kwire_write_i16(buf_t *b, int16_t v)
{
    kwire_put_be(b, (uint16_t)v, 2);
}

void kwire_write_i32(buf_t *b, int32_t v)
{
    kwire_put_be(b, (uint32_t)v, 4);
}

void kwire_write_i64(buf_t *b, int64_t v)
{
    kwire_put_be(b, (uint64_t)v, 8);
}

void kwire_write_u32(buf_t *b, uint32_t v)
{
    kwire_put_be(b, v, 4);
}

void kwire_write_bool(buf_t *b, int v)
{
    kwire_write_i8(b, v ? 1 : 0);
}

static void kwire_write_leb(buf_t *b, uint64_t v)
{
    uint8_t q[10];
    size_t n = 0;
    while (v >= 0x80) {
        q[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    q[n++] = (uint8_t)v;
    buf_append(b, q, n);
}

void kwire_write_uvarint(buf_t *b, uint32_t v)
{
    kwire_write_leb(b, v);
}

void kwire_write_varint(buf_t *b, int32_t v)
{
    kwire_write_leb(b, ((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
}

void kwire_write_varlong(buf_t *b, int64_t v)
{
    kwire_write_leb(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static size_t kwire_leb_size(uint64_t v)
{
    size_t n = 1;
    for (; v >= 0x80; v >>= 7)
        n++;
    return n;
}

size_t kwire_varint_size(int32_t v)
{
    return kwire_leb_size(((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
}

size_t kwire_varlong_size(int64_t v)
{
    return kwire_leb_size(((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void kwire_write_uuid(buf_t *b, const uint8_t uuid[16])
{
    buf_append(b, uuid, 16);
}

static void kwire_put_run(buf_t *b, kwire_slice_t s)
{
    if (s.len > 0)
        buf_append(b, s.ptr, (size_t)s.len);
}

void kwire_write_str(buf_t *b, kwire_slice_t s)
{
    assert(s.len >= 0);
    kwire_write_nullable_str(b, s);
}

void kwire_write_nullable_str(buf_t *b, kwire_slice_t s)
{
    assert(s.len >= -1 && s.len <= INT16_MAX);
    kwire_write_i16(b, (int16_t)s.len);
    kwire_put_run(b, s);
}

void kwire_write_compact_str(buf_t *b, kwire_slice_t s)
{
    assert(s.len >= 0);
    kwire_write_compact_nullable_str(b, s);
}

void kwire_write_compact_nullable_str(buf_t *b, kwire_slice_t s)
{
    assert(s.len >= -1 && s.len <= INT16_MAX);
    kwire_write_compact_nullable_bytes(b, s);
}

void kwire_write_bytes(buf_t *b, kwire_slice_t s)
{
    assert(s.len >= 0);
    kwire_write_nullable_bytes(b, s);
}

void kwire_write_nullable_bytes(buf_t *b, kwire_slice_t s)
{
    assert(s.len >= -1);
    kwire_write_i32(b, s.len);
    kwire_put_run(b, s);
}

void kwire_write_compact_bytes(buf_t *b, kwire_slice_t s)
{
    assert(s.len >= 0);
    kwire_write_compact_nullable_bytes(b, s);
}

void kwire_write_compact_nullable_bytes(buf_t *b, kwire_slice_t s)
{
    assert(s.len >= -1);
    kwire_write_uvarint(b, (uint32_t)((int64_t)s.len + 1));
    kwire_put_run(b, s);
}

void kwire_write_array_len(buf_t *b, int32_t n)
{
    assert(n >= -1);
    kwire_write_i32(b, n);
}

void kwire_write_compact_array_len(buf_t *b, int32_t n)
{
    assert(n >= -1);
    kwire_write_uvarint(b, (uint32_t)((int64_t)n + 1));
}

void kwire_write_empty_tags(buf_t *b)
{
    kwire_write_uvarint(b, 0);
}

void kwire_write_string(buf_t *b, int flex, kwire_slice_t s)
{
    if (flex)
        kwire_write_compact_str(b, s);
    else
        kwire_write_str(b, s);
}

void kwire_write_nullable_string(buf_t *b, int flex, kwire_slice_t s)
{
    if (flex)
        kwire_write_compact_nullable_str(b, s);
    else
        kwire_write_nullable_str(b, s);
}

void kwire_write_blob(buf_t *b, int flex, kwire_slice_t s)
{
    if (flex)
        kwire_write_compact_bytes(b, s);
    else
        kwire_write_bytes(b, s);
}

void kwire_write_nullable_blob(buf_t *b, int flex, kwire_slice_t s)
{
    if (flex)
        kwire_write_compact_nullable_bytes(b, s);
    else
        kwire_write_nullable_bytes(b, s);
}

void kwire_write_count(buf_t *b, int flex, int32_t n)
{
    if (flex)
        kwire_write_compact_array_len(b, n);
    else
        kwire_write_array_len(b, n);
}

void kwire_write_tags(buf_t *b, int flex)
{
    if (flex)
        kwire_write_empty_tags(b);
}

size_t kwire_write_size_begin(buf_t *b)
{
    size_t slot = b->len;
    kwire_write_i32(b, 0);
    return slot;
}

void kwire_write_size_end(buf_t *b, size_t slot)
{
    assert(slot + 4 <= b->len && b->len - slot - 4 <= INT32_MAX);
    uint32_t n = (uint32_t)(b->len - slot - 4);
    for (int i = 3; i >= 0; i--, n >>= 8)
        b->data[slot + (size_t)i] = (uint8_t)n;
}

/* ---- framing and headers ------------------------------------------------ */

int kwire_frame_next(const uint8_t *data, size_t len, int32_t max_bytes, kwire_slice_t *frame,
                     size_t *consumed)
{
    if (len < 4)
        return 0;
    int32_t size = (int32_t)(uint32_t)kwire_be(data, 4);
    if (size < KWIRE_REQ_HDR_MIN)
        return XDC_EMALFORMED;
    if (size > max_bytes)
        return XDC_ETOOBIG;
    if (len - 4 < (size_t)size)
        return 0;
    *frame = (kwire_slice_t){data + 4, size};
    *consumed = 4 + (size_t)size;
    return 1;
}

int kwire_peek_api(kwire_slice_t frame, int16_t *api_key, int16_t *api_version)
{
    kwire_reader_t r;
    if (frame.len < 4)
        return XDC_EMALFORMED;
    kwire_reader_init(&r, frame.ptr, (size_t)frame.len);
    *api_key = kwire_read_i16(&r);
    *api_version = kwire_read_i16(&r);
    return 0;
}

int kwire_decode_req_hdr(kwire_reader_t *r, kwire_req_hdr_t *h, int flexible_header)
{
    h->ApiKey = kwire_read_i16(r);
    h->ApiVersion = kwire_read_i16(r);
    h->CorrelationId = kwire_read_i32(r);
    kwire_read_nullable_str(r, &h->ClientId); /* ClientId: never compact */
    if (flexible_header)
        kwire_skip_tags(r);
    return r->err ? XDC_EMALFORMED : 0;
}

void kwire_write_resp_hdr(buf_t *b, int32_t correlation_id, int flexible)
{
    kwire_write_i32(b, correlation_id); /* CorrelationId */
    kwire_write_tags(b, flexible);
}
