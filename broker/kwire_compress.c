#include "broker/kwire_compress.h"

#include "common/err.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <lz4frame.h>
#include <snappy-c.h>
#define ZLIB_CONST /* next_in is const */
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

/* snappy-java's stream header ([L] rdkafka_msgset_reader.c): 8 bytes of
 * magic, int32 version, int32 compatible version; then [int32 length,
 * raw snappy block]*. */
#define KWIRE_XERIAL_MAGIC_LEN 8
#define KWIRE_XERIAL_HDR_LEN   16
static const uint8_t kwire_xerial_magic[KWIRE_XERIAL_MAGIC_LEN] = {0x82, 'S', 'N', 'A',
                                                                   'P',  'P', 'Y', 0};

/* The first reservation of a streaming codec that does not declare its
 * output size: a few times the input, as records compress 2-10x. */
#define KWIRE_DECOMPRESS_RATIO    4
#define KWIRE_DECOMPRESS_MIN_HINT 4096

/* zstd's own default limit, and what Kafka's zstd-jni accepts: a frame
 * may ask for a window of up to 128 MiB (level 22 streaming). The window
 * only fills as output is produced, so resident memory still follows the
 * output cap. */
#define KWIRE_ZSTD_WINDOW_LOG_MAX 27

/* Where one kwire_decompress() call writes: @p out from @p start on, at
 * most max_out bytes. Streaming codecs are allowed max_out + 1 bytes of
 * room, so that a stream that does not end at the cap proves itself too
 * big without being decompressed further. */
typedef struct kwire_sink {
    buf_t *out;
    size_t start;
    size_t max_out;
} kwire_sink_t;

static size_t kwire_sink_used(const kwire_sink_t *s)
{
    return s->out->len - s->start;
}

/* Bytes writable at out->data + out->len: buf_t keeps one spare byte. */
static size_t kwire_sink_avail(const buf_t *b)
{
    return b->cap > b->len ? b->cap - b->len - 1 : 0;
}

/* Make room for more streamed output, doubling what was produced so far
 * (or @p hint to begin with), never past max_out + 1 bytes in all.
 * @return the room, 0 once the output is over the cap. */
static size_t kwire_sink_room(kwire_sink_t *s, size_t hint)
{
    size_t used = kwire_sink_used(s);
    size_t limit = s->max_out == SIZE_MAX ? SIZE_MAX : s->max_out + 1;

    if (used >= limit)
        return 0;
    size_t left = limit - used;
    size_t want = used ? used : hint;
    if (want > left || want == 0)
        want = left;
    buf_reserve(s->out, want); /* nothing to do when the room is there */
    size_t avail = kwire_sink_avail(s->out);
    return avail < left ? avail : left;
}

/* Reserve exactly @p n more bytes, for codecs that state their size first.
 * @return 0, XDC_ETOOBIG if that would pass the cap. */
static int kwire_sink_exact(kwire_sink_t *s, size_t n)
{
    if (n > s->max_out - kwire_sink_used(s))
        return XDC_ETOOBIG;
    buf_reserve(s->out, n); /* also when n is 0: out->data is never NULL */
    return 0;
}

static size_t kwire_decompress_hint(size_t len)
{
    if (len > SIZE_MAX / KWIRE_DECOMPRESS_RATIO)
        return SIZE_MAX;
    return len * KWIRE_DECOMPRESS_RATIO > KWIRE_DECOMPRESS_MIN_HINT ? len * KWIRE_DECOMPRESS_RATIO
                                                                    : KWIRE_DECOMPRESS_MIN_HINT;
}

/* ---- gzip ---------------------------------------------------------------- */

/* One inflate() step into the sink. @return 1 more to do, 0 done, <0. */
static int kwire_gzip_step(z_stream *z, kwire_sink_t *s, size_t hint)
{
    size_t room = kwire_sink_room(s, hint);
    if (room == 0)
        return XDC_ETOOBIG;
    if (room > UINT_MAX)
        room = UINT_MAX;
    z->next_out = s->out->data + s->out->len;
    z->avail_out = (uInt)room;
    int zr = inflate(z, Z_NO_FLUSH);
    s->out->len += room - z->avail_out;
    switch (zr) {
    case Z_OK: return 1;
    case Z_STREAM_END:
        /* GZIPInputStream reads concatenated members; so do we. Anything
         * else after a member fails in the next step as a bad header. */
        if (z->avail_in == 0)
            return 0;
        return inflateReset(z) == Z_OK ? 1 : XDC_EMALFORMED;
    case Z_MEM_ERROR: return -ENOMEM;
    default: return XDC_EMALFORMED; /* Z_DATA_ERROR; Z_BUF_ERROR: input ends early */
    }
}

static int kwire_decompress_gzip(const uint8_t *in, size_t len, kwire_sink_t *s)
{
    z_stream z;
    int rc;

    /* A batch is at most INT32_MAX bytes: avail_in (uInt) holds it. */
    if (len > UINT_MAX)
        return XDC_ETOOBIG;
    memset(&z, 0, sizeof(z));
    /* 15 + 32: a 32 KiB window, gzip or zlib header detected. */
    if (inflateInit2(&z, 15 + 32) != Z_OK)
        return -ENOMEM;
    z.next_in = in;
    z.avail_in = (uInt)len;
    size_t hint = kwire_decompress_hint(len);
    while ((rc = kwire_gzip_step(&z, s, hint)) == 1)
        ;
    inflateEnd(&z);
    return rc;
}

/* ---- snappy ---------------------------------------------------------------- */

static uint32_t kwire_compress_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One raw snappy block, whose stated size is @p ulen, into reserved room. */
static int kwire_snappy_block(const uint8_t *in, size_t len, size_t ulen, kwire_sink_t *s)
{
    size_t n = ulen;
    if (snappy_uncompress((const char *)in, len, (char *)s->out->data + s->out->len, &n) !=
            SNAPPY_OK ||
        n != ulen)
        return XDC_EMALFORMED;
    s->out->len += n;
    return 0;
}

static int kwire_decompress_snappy_raw(const uint8_t *in, size_t len, kwire_sink_t *s)
{
    size_t ulen;

    /* The stated size is checked against the cap before any allocation. */
    if (snappy_uncompressed_length((const char *)in, len, &ulen) != SNAPPY_OK)
        return XDC_EMALFORMED;
    int rc = kwire_sink_exact(s, ulen);
    if (rc < 0)
        return rc;
    return kwire_snappy_block(in, len, ulen, s);
}

/* Walk the xerial blocks after the header. Pass 0 adds up their stated
 * sizes (checked against the cap, then reserved at once), pass 1
 * decompresses them, as librdkafka does. */
static int kwire_xerial_pass(const uint8_t *in, size_t len, int pass, kwire_sink_t *s,
                             size_t *total)
{
    size_t pos = KWIRE_XERIAL_HDR_LEN, ulen;
    int rc;

    while (len - pos >= 4) {
        size_t clen = kwire_compress_be32(in + pos);
        pos += 4;
        if (clen > len - pos ||
            snappy_uncompressed_length((const char *)in + pos, clen, &ulen) != SNAPPY_OK)
            return XDC_EMALFORMED;
        if (pass == 0) {
            if (ulen > s->max_out - *total)
                return XDC_ETOOBIG;
            *total += ulen;
        } else if ((rc = kwire_snappy_block(in + pos, clen, ulen, s)) < 0) {
            return rc;
        }
        pos += clen;
    }
    return pos == len ? 0 : XDC_EMALFORMED; /* a partial length at the end */
}

static int kwire_decompress_snappy(const uint8_t *in, size_t len, kwire_sink_t *s)
{
    size_t total = 0;
    int rc;

    /* librdkafka's test: the magic, and room for the header and a length. */
    if (len <= KWIRE_XERIAL_HDR_LEN + 4 ||
        memcmp(in, kwire_xerial_magic, KWIRE_XERIAL_MAGIC_LEN) != 0)
        return kwire_decompress_snappy_raw(in, len, s);
    if ((rc = kwire_xerial_pass(in, len, 0, s, &total)) < 0 ||
        (rc = kwire_sink_exact(s, total)) < 0)
        return rc;
    return kwire_xerial_pass(in, len, 1, s, &total);
}

/* ---- lz4 ------------------------------------------------------------------ */

static int kwire_decompress_lz4(const uint8_t *in, size_t len, kwire_sink_t *s)
{
    LZ4F_dctx *d;
    size_t pos = 0, next = 1, hint = kwire_decompress_hint(len);
    int rc = 0;

    if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
        return -ENOMEM;
    /* LZ4F_decompress() returns 0 once a frame is complete; input left
     * over starts another frame, as librdkafka reads it. */
    while (next != 0 || pos < len) {
        size_t room = kwire_sink_room(s, hint);
        if (room == 0) {
            rc = XDC_ETOOBIG;
            break;
        }
        size_t dst = room, src = len - pos;
        next = LZ4F_decompress(d, s->out->data + s->out->len, &dst, in + pos, &src, NULL);
        if (LZ4F_isError(next) || (src == 0 && dst == 0)) {
            rc = XDC_EMALFORMED; /* bad data, or more input needed: truncated */
            break;
        }
        pos += src;
        s->out->len += dst;
    }
    LZ4F_freeDecompressionContext(d);
    return rc;
}

/* ---- zstd ------------------------------------------------------------------ */

static int kwire_zstd_error(size_t r)
{
    return ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation ? -ENOMEM : XDC_EMALFORMED;
}

static int kwire_decompress_zstd(const uint8_t *in, size_t len, kwire_sink_t *s)
{
    ZSTD_inBuffer ib = {in, len, 0};
    size_t next = 1, hint = kwire_decompress_hint(len);
    int rc = 0;

    /* A first frame that states its size: refuse it over the cap before
     * allocating, else start with exactly that much room. */
    unsigned long long fcs = ZSTD_getFrameContentSize(in, len);
    if (fcs != ZSTD_CONTENTSIZE_UNKNOWN && fcs != ZSTD_CONTENTSIZE_ERROR) {
        if (fcs > s->max_out)
            return XDC_ETOOBIG;
        hint = (size_t)fcs + 1; /* + 1: room to see the stream end */
    }
    ZSTD_DCtx *d = ZSTD_createDCtx();
    if (!d)
        return -ENOMEM;
    ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, KWIRE_ZSTD_WINDOW_LOG_MAX);
    /* next == 0: a frame is complete and flushed; input left over is the
     * next frame (zstd decodes concatenated and skippable frames). */
    while (next != 0 || ib.pos < ib.size) {
        size_t room = kwire_sink_room(s, hint);
        if (room == 0) {
            rc = XDC_ETOOBIG;
            break;
        }
        ZSTD_outBuffer ob = {s->out->data + s->out->len, room, 0};
        size_t before = ib.pos;
        next = ZSTD_decompressStream(d, &ob, &ib);
        s->out->len += ob.pos;
        if (ZSTD_isError(next)) {
            rc = kwire_zstd_error(next);
            break;
        }
        if (ib.pos == before && ob.pos == 0) {
            rc = XDC_EMALFORMED; /* more input needed: truncated */
            break;
        }
    }
    ZSTD_freeDCtx(d);
    return rc;
}

/* ---- entry points ---------------------------------------------------------- */

int kwire_decompress(int codec, const uint8_t *in, size_t len, size_t max_out, buf_t *out)
{
    kwire_sink_t s = {out, out->len, max_out};
    int rc;

    switch (codec) {
    case KWIRE_BATCH_GZIP: rc = kwire_decompress_gzip(in, len, &s); break;
    case KWIRE_BATCH_SNAPPY: rc = kwire_decompress_snappy(in, len, &s); break;
    case KWIRE_BATCH_LZ4: rc = kwire_decompress_lz4(in, len, &s); break;
    case KWIRE_BATCH_ZSTD: rc = kwire_decompress_zstd(in, len, &s); break;
    default: return XDC_EUNSUPPORTED;
    }
    /* Streaming codecs may stop one byte over the cap, having seen it. */
    if (rc == 0 && kwire_sink_used(&s) > max_out)
        rc = XDC_ETOOBIG;
    if (rc < 0)
        out->len = s.start;
    return rc;
}

int kwire_decompress_records_init(kwire_batch_records_t *it, const uint8_t *batch, size_t len,
                                  size_t max_out, buf_t *scratch)
{
    kwire_batch_hdr_t h;

    if (kwire_batch_hdr_decode(batch, len, &h) < 0)
        return XDC_EMALFORMED;
    kwire_batch_compression_t codec = kwire_batch_compression(&h);
    if (codec == KWIRE_BATCH_NONE)
        return kwire_batch_records_init(it, batch, len);
    buf_reset(scratch);
    int rc = kwire_decompress(codec, batch + KWIRE_BATCH_HDR_SIZE, len - KWIRE_BATCH_HDR_SIZE,
                              max_out, scratch);
    if (rc < 0)
        return rc;
    kwire_batch_records_init_raw(it, scratch->data, scratch->len, h.recordsCount);
    return 0;
}
