#include "checkpoint/checkpoint.h"

#include "common/err.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

/* MM2's records use only four Struct field types, so this file carries its
 * own small big-endian cursor instead of depending on the broker's kwire.
 * As in kwire, the reader's error is sticky: a decoder reads every field
 * and checks once at the end. */

/* ---- reader ------------------------------------------------------------ */

typedef struct ckpt_reader {
    const uint8_t *p;
    const uint8_t *end;
    bool err;
} ckpt_reader_t;

static void rd_init(ckpt_reader_t *r, const void *data, size_t len)
{
    /* An empty key may come as NULL; NULL + 0 is undefined in C. */
    r->p = data ? data : (const void *)"";
    r->end = r->p + len;
    r->err = false;
}

/* Take @p n bytes, or fail the reader and return NULL if fewer remain. */
static const uint8_t *rd_take(ckpt_reader_t *r, size_t n)
{
    if (r->err || (size_t)(r->end - r->p) < n) {
        r->err = true;
        r->p = r->end;
        return NULL;
    }
    const uint8_t *q = r->p;
    r->p += n;
    return q;
}

static uint64_t rd_be(ckpt_reader_t *r, size_t n)
{
    const uint8_t *q = rd_take(r, n);
    uint64_t v = 0;
    for (size_t i = 0; q && i < n; i++)
        v = (v << 8) | q[i];
    return v;
}

static int16_t rd_i16(ckpt_reader_t *r)
{
    return (int16_t)(uint16_t)rd_be(r, 2);
}

static int32_t rd_i32(ckpt_reader_t *r)
{
    return (int32_t)(uint32_t)rd_be(r, 4);
}

static int64_t rd_i64(ckpt_reader_t *r)
{
    return (int64_t)rd_be(r, 8);
}

/* STRING: a negative length is malformed (Type.STRING throws on it). */
static void rd_str(ckpt_reader_t *r, const char **s, size_t *len)
{
    int16_t n = rd_i16(r);
    if (n < 0)
        r->err = true;
    const uint8_t *q = rd_take(r, n < 0 ? 0 : (size_t)n);
    *s = q ? (const char *)q : NULL;
    *len = q ? (size_t)n : 0;
}

/* A key or value must be consumed exactly: trailing bytes are malformed. */
static bool rd_done(const ckpt_reader_t *r)
{
    return !r->err && r->p == r->end;
}

/* ---- writer ------------------------------------------------------------ */

static void wr_be(buf_t *b, uint64_t v, size_t n)
{
    uint8_t tmp[8];
    for (size_t i = 0; i < n; i++)
        tmp[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    buf_append(b, tmp, n);
}

static void wr_i16(buf_t *b, int16_t v)
{
    wr_be(b, (uint16_t)v, 2);
}

static void wr_i32(buf_t *b, int32_t v)
{
    wr_be(b, (uint32_t)v, 4);
}

static void wr_i64(buf_t *b, int64_t v)
{
    wr_be(b, (uint64_t)v, 8);
}

/* The caller has checked @p len against CKPT_STRING_MAX. */
static void wr_str(buf_t *b, const char *s, size_t len)
{
    assert(len <= CKPT_STRING_MAX);
    wr_i16(b, (int16_t)len);
    if (len)
        buf_append(b, s, len);
}

/* ---- OffsetSync -------------------------------------------------------- */

int ckpt_offset_sync_encode(const ckpt_offset_sync_t *s, buf_t *key, buf_t *value)
{
    if (s->topic_len > CKPT_STRING_MAX)
        return XDC_ETOOBIG;
    wr_str(key, s->topic, s->topic_len); /* topic */
    wr_i32(key, s->partition);           /* partition */
    wr_i64(value, s->upstream_offset);   /* upstreamOffset */
    wr_i64(value, s->downstream_offset); /* offset */
    return 0;
}

int ckpt_offset_sync_decode(const void *key, size_t klen, const void *value, size_t vlen,
                            ckpt_offset_sync_t *out)
{
    ckpt_offset_sync_t s;
    ckpt_reader_t k, v;

    rd_init(&k, key, klen);
    rd_str(&k, &s.topic, &s.topic_len);
    s.partition = rd_i32(&k);
    rd_init(&v, value, vlen);
    s.upstream_offset = rd_i64(&v);
    s.downstream_offset = rd_i64(&v);
    if (!rd_done(&k) || !rd_done(&v) || s.partition < 0)
        return XDC_EMALFORMED;
    *out = s;
    return 0;
}

/* ---- Checkpoint -------------------------------------------------------- */

int ckpt_checkpoint_encode(const ckpt_checkpoint_t *c, buf_t *key, buf_t *value)
{
    if (c->group_len > CKPT_STRING_MAX || c->topic_len > CKPT_STRING_MAX ||
        c->metadata_len > CKPT_STRING_MAX)
        return XDC_ETOOBIG;
    wr_str(key, c->group, c->group_len);         /* group */
    wr_str(key, c->topic, c->topic_len);         /* topic */
    wr_i32(key, c->partition);                   /* partition */
    wr_i16(value, CKPT_VALUE_VERSION);           /* version */
    wr_i64(value, c->upstream_offset);           /* upstreamOffset */
    wr_i64(value, c->downstream_offset);         /* offset */
    wr_str(value, c->metadata, c->metadata_len); /* metadata */
    return 0;
}

int ckpt_checkpoint_decode(const void *key, size_t klen, const void *value, size_t vlen,
                           ckpt_checkpoint_t *out)
{
    ckpt_checkpoint_t c;
    ckpt_reader_t k, v;

    /* MM2 reads the version header first and picks the value schema by it
     * (Checkpoint.deserializeRecord), so an unknown version is reported as
     * such even when its body would not parse as version 0. */
    rd_init(&v, value, vlen);
    int16_t version = rd_i16(&v);
    if (!v.err && version != CKPT_VALUE_VERSION)
        return XDC_EUNSUPPORTED;
    c.upstream_offset = rd_i64(&v);
    c.downstream_offset = rd_i64(&v);
    rd_str(&v, &c.metadata, &c.metadata_len);

    rd_init(&k, key, klen);
    rd_str(&k, &c.group, &c.group_len);
    rd_str(&k, &c.topic, &c.topic_len);
    c.partition = rd_i32(&k);
    if (!rd_done(&k) || !rd_done(&v) || c.partition < 0)
        return XDC_EMALFORMED;
    *out = c;
    return 0;
}

/* ---- Heartbeat --------------------------------------------------------- */

int ckpt_heartbeat_encode(const ckpt_heartbeat_t *h, buf_t *key, buf_t *value)
{
    if (h->source_len > CKPT_STRING_MAX || h->target_len > CKPT_STRING_MAX)
        return XDC_ETOOBIG;
    wr_str(key, h->source_alias, h->source_len); /* sourceClusterAlias */
    wr_str(key, h->target_alias, h->target_len); /* targetClusterAlias */
    wr_i16(value, CKPT_VALUE_VERSION);           /* version */
    wr_i64(value, h->timestamp_ms);              /* timestamp */
    return 0;
}

int ckpt_heartbeat_decode(const void *key, size_t klen, const void *value, size_t vlen,
                          ckpt_heartbeat_t *out)
{
    ckpt_heartbeat_t h;
    ckpt_reader_t k, v;

    rd_init(&v, value, vlen);
    int16_t version = rd_i16(&v);
    if (!v.err && version != CKPT_VALUE_VERSION)
        return XDC_EUNSUPPORTED;
    h.timestamp_ms = rd_i64(&v);

    rd_init(&k, key, klen);
    rd_str(&k, &h.source_alias, &h.source_len);
    rd_str(&k, &h.target_alias, &h.target_len);
    if (!rd_done(&k) || !rd_done(&v))
        return XDC_EMALFORMED;
    *out = h;
    return 0;
}
