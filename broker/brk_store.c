#include "broker/brk_store.h"

#include "broker/kwire_batch.h"
#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Kafka's segment and index layout ([K] LogFileUtils.java, OffsetIndex.java,
 * TimeIndex.java); see the header comment in brk_store.h. */
#define BRK_STORE_OIDX_ENTRY  8  /* int32 relative offset, int32 position */
#define BRK_STORE_TIDX_ENTRY  12 /* int64 timestamp, int32 relative offset */
#define BRK_STORE_NAME_DIGITS 20
#define BRK_STORE_WINDOW      16384 /* bytes read at once when walking batch headers */

/* An index kept in memory in its on-disk bytes; the file gets the entries
 * [written, len) appended while the segment is active. */
typedef struct brk_store_idx {
    uint8_t *ent;
    size_t len, cap;
    size_t written; /* bytes of ent already in the file */
    int fd;         /* open while the segment is active, else -1 */
} brk_store_idx_t;

struct brk_store_seg {
    int refcnt;
    int fd;                  /* the .log, O_RDWR; closed with the last reference */
    char *path;              /* "<dir>/<20 digits>", without suffix */
    int64_t base;            /* first offset, from the file name */
    int64_t next;            /* offset after the last batch */
    int64_t size;            /* bytes of the .log */
    int64_t max_ts;          /* largest batch maxTimestamp, -1 if none */
    int64_t max_ts_offset;   /* last offset of the batch that set max_ts */
    int64_t first_append_ms; /* now_ms of the first append (or of open), -1 if empty */
    int64_t since_index;     /* bytes appended since the last index entry */
    brk_store_idx_t oidx, tidx;
};

struct brk_store {
    brk_store_conf_t conf;
    char *dir;
    char *name; /* "orders/3", the subject of log lines */
    brk_store_seg_t **segs;
    size_t nsegs, cap;
    int64_t log_start;
    int64_t recovery_point;
    int64_t last_flush_ms;
    int ready; /* open succeeded: close flushes */
    brk_store_stats_t stats;
    /* A read-ahead window over one segment, so walking batch headers costs
     * one pread per BRK_STORE_WINDOW bytes. Bytes below a segment's size
     * never change, so the window only goes stale when its segment leaves
     * the store (brk_store_seg_drop() clears it). */
    brk_store_seg_t *win_seg;
    int64_t win_pos;
    size_t win_len;
    uint8_t win[BRK_STORE_WINDOW];
};

/* The state an append changes, to put back when a write fails. */
typedef struct brk_store_mark {
    int64_t next, size, max_ts, max_ts_offset, first_append_ms, since_index;
    size_t oidx_len, tidx_len;
} brk_store_mark_t;

static const char *const brk_store_sfx_log = ".log";
static const char *const brk_store_sfx_oidx = ".index";
static const char *const brk_store_sfx_tidx = ".timeindex";

/* ---- small helpers ------------------------------------------------------- */

static uint64_t brk_store_get_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static void brk_store_put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static int brk_store_errno(void)
{
    return errno ? -errno : -EIO;
}

static char *brk_store_file(const brk_store_seg_t *seg, const char *sfx)
{
    return xasprintf("%s%s", seg->path, sfx);
}

/* "<dir>/orders-3" -> "orders/3": the subject form of log lines. */
static char *brk_store_subject(const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    const char *b = dir + n;
    while (b > dir && b[-1] != '/')
        b--;
    char *name = xstrndup(b, (size_t)(dir + n - b));
    char *dash = strrchr(name, '-');
    if (dash && dash != name)
        *dash = '/';
    return name;
}

/* Parse "<20 digits><sfx>" into @p base.  @return 1 on a match. */
static int brk_store_parse_name(const char *name, const char *sfx, int64_t *base)
{
    size_t sl = strlen(sfx);
    if (strlen(name) != BRK_STORE_NAME_DIGITS + sl || strcmp(name + BRK_STORE_NAME_DIGITS, sfx))
        return 0;
    int64_t v = 0;
    for (int i = 0; i < BRK_STORE_NAME_DIGITS; i++) {
        if (name[i] < '0' || name[i] > '9' || v > (INT64_MAX - 9) / 10)
            return 0;
        v = v * 10 + (name[i] - '0');
    }
    *base = v;
    return 1;
}

static int brk_store_has_suffix(const char *name, const char *sfx)
{
    size_t n = strlen(name), sl = strlen(sfx);
    return n > sl && !strcmp(name + n - sl, sfx);
}

static int brk_store_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return brk_store_errno();
    int rc = fsync(fd) < 0 ? brk_store_errno() : 0;
    close(fd);
    return rc;
}

/* mkdir -p: the log dir's parent may not exist yet on a fresh broker. */
static int brk_store_mkdirs(const char *dir)
{
    char *p = xstrdup(dir);
    int rc = 0;
    for (char *s = p + 1; rc == 0; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
            rc = -errno;
        *s = c;
        if (c == '\0')
            break;
    }
    free(p);
    return rc;
}

/* Write all @p n bytes at @p pos, resuming after EINTR and short writes.
 * A write that makes no progress (ENOSPC, EFBIG) returns its error. */
static int brk_store_pwrite_all(int fd, const void *p, size_t n, int64_t pos)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t w = pwrite(fd, b, n, (off_t)pos);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? -errno : -ENOSPC;
        b += w;
        n -= (size_t)w;
        pos += w;
    }
    return 0;
}

/* ---- indexes ------------------------------------------------------------- */

static void brk_store_idx_push(brk_store_idx_t *idx, const uint8_t *e, size_t n)
{
    if (idx->len + n > idx->cap) {
        while (idx->len + n > idx->cap)
            idx->cap = idx->cap ? idx->cap * 2 : 64 * n;
        idx->ent = xrealloc(idx->ent, idx->cap);
    }
    memcpy(idx->ent + idx->len, e, n);
    idx->len += n;
}

static void brk_store_idx_free(brk_store_idx_t *idx)
{
    if (idx->fd >= 0)
        close(idx->fd);
    free(idx->ent);
    memset(idx, 0, sizeof(*idx));
    idx->fd = -1;
}

/* Write the entries not yet in the file. */
static int brk_store_idx_sync(brk_store_idx_t *idx)
{
    if (idx->fd < 0 || idx->written >= idx->len)
        return 0;
    int rc = brk_store_pwrite_all(idx->fd, idx->ent + idx->written, idx->len - idx->written,
                                  (int64_t)idx->written);
    if (rc == 0)
        idx->written = idx->len;
    return rc;
}

/* Open @p seg's index file @p sfx for appends; @p rewrite truncates it and
 * writes every entry in memory (a rebuilt index). */
static int brk_store_idx_open(brk_store_seg_t *seg, brk_store_idx_t *idx, const char *sfx,
                              int rewrite)
{
    char *path = brk_store_file(seg, sfx);
    int flags = O_RDWR | O_CREAT | O_CLOEXEC | (rewrite ? O_TRUNC : 0);
    int fd = open(path, flags, 0644);
    int rc = fd < 0 ? -errno : 0;
    free(path);
    if (rc < 0)
        return rc;
    if (idx->fd >= 0)
        close(idx->fd);
    idx->fd = fd;
    if (rewrite)
        idx->written = 0;
    else if (ftruncate(fd, (off_t)idx->written) < 0) /* drop entries we did not trust */
        return brk_store_errno();
    return brk_store_idx_sync(idx);
}

static void brk_store_idx_close(brk_store_idx_t *idx)
{
    if (idx->fd >= 0)
        close(idx->fd);
    idx->fd = -1;
}

static int64_t brk_store_oidx_count(const brk_store_seg_t *seg)
{
    return (int64_t)(seg->oidx.len / BRK_STORE_OIDX_ENTRY);
}

static int64_t brk_store_tidx_count(const brk_store_seg_t *seg)
{
    return (int64_t)(seg->tidx.len / BRK_STORE_TIDX_ENTRY);
}

static int64_t brk_store_tidx_ts(const brk_store_seg_t *seg, int64_t i)
{
    return (int64_t)brk_store_get_be(seg->tidx.ent + i * BRK_STORE_TIDX_ENTRY, 8);
}

static int64_t brk_store_tidx_off(const brk_store_seg_t *seg, int64_t i)
{
    return seg->base + (int32_t)brk_store_get_be(seg->tidx.ent + i * BRK_STORE_TIDX_ENTRY + 8, 4);
}

/* The position the greatest offset index entry <= @p offset points to, or
 * 0: the batch holding @p offset starts there or later. */
static int64_t brk_store_oidx_lookup(const brk_store_seg_t *seg, int64_t offset)
{
    int64_t lo = 0, hi = brk_store_oidx_count(seg) - 1, pos = 0;
    while (lo <= hi) {
        int64_t mid = lo + (hi - lo) / 2;
        const uint8_t *e = seg->oidx.ent + mid * BRK_STORE_OIDX_ENTRY;
        if (seg->base + (int32_t)brk_store_get_be(e, 4) <= offset) {
            pos = (int32_t)brk_store_get_be(e + 4, 4);
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return pos;
}

/* The offset of the greatest time index entry with timestamp <= @p ts, or
 * the segment base: no batch before it has a maxTimestamp >= @p ts. */
static int64_t brk_store_tidx_lookup(const brk_store_seg_t *seg, int64_t ts)
{
    int64_t lo = 0, hi = brk_store_tidx_count(seg) - 1, off = seg->base;
    while (lo <= hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (brk_store_tidx_ts(seg, mid) <= ts) {
            off = brk_store_tidx_off(seg, mid);
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return off;
}

/* Add a time index entry if @p ts is a new maximum ([K] TimeIndex.maybeAppend). */
static void brk_store_tidx_maybe_add(brk_store_seg_t *seg, int64_t ts, int64_t offset)
{
    int64_t n = brk_store_tidx_count(seg);
    if (offset < seg->base || (n > 0 && brk_store_tidx_ts(seg, n - 1) >= ts))
        return;
    uint8_t e[BRK_STORE_TIDX_ENTRY];
    brk_store_put_be(e, (uint64_t)ts, 8);
    brk_store_put_be(e + 8, (uint64_t)(offset - seg->base), 4);
    brk_store_idx_push(&seg->tidx, e, sizeof(e));
}

/* Account one batch of @p size bytes at @p pos, as Kafka's
 * LogSegment.append does: the running max timestamp first, then an index
 * entry (last offset -> batch position) once more than
 * index_interval_bytes went by without one. */
static void brk_store_seg_index(brk_store_t *st, brk_store_seg_t *seg, int64_t pos, int64_t size,
                                int64_t last_offset, int64_t max_ts)
{
    if (max_ts > seg->max_ts) {
        seg->max_ts = max_ts;
        seg->max_ts_offset = last_offset;
    }
    if (seg->since_index > st->conf.index_interval_bytes) {
        int64_t max_entries = st->conf.segment_index_bytes;
        if ((brk_store_oidx_count(seg) + 1) * BRK_STORE_OIDX_ENTRY <= max_entries) {
            uint8_t e[BRK_STORE_OIDX_ENTRY];
            brk_store_put_be(e, (uint64_t)(last_offset - seg->base), 4);
            brk_store_put_be(e + 4, (uint64_t)pos, 4);
            brk_store_idx_push(&seg->oidx, e, sizeof(e));
        }
        if ((brk_store_tidx_count(seg) + 1) * BRK_STORE_TIDX_ENTRY <= max_entries)
            brk_store_tidx_maybe_add(seg, seg->max_ts, seg->max_ts_offset);
        seg->since_index = 0;
    }
    seg->since_index += size;
}

/* Read an index file of a segment that is not rescanned. Entries are kept
 * up to the first one out of order or pointing past the log (Kafka
 * preallocates index files, so a zero-filled tail is normal).
 * @return 0, or -ENOENT when there is no usable file (rescan instead). */
static int brk_store_idx_load(brk_store_t *st, brk_store_seg_t *seg, brk_store_idx_t *idx,
                              const char *sfx, size_t esz)
{
    char *path = brk_store_file(seg, sfx);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    free(path);
    if (fd < 0)
        return -ENOENT;
    struct stat sb;
    int rc = fstat(fd, &sb) < 0 ? brk_store_errno() : 0;
    size_t n = rc == 0 ? (size_t)sb.st_size : 0;
    if (n > (size_t)st->conf.segment_index_bytes + esz)
        n = (size_t)st->conf.segment_index_bytes + esz;
    n -= n % esz;
    idx->ent = xmalloc(n);
    idx->cap = n;
    if (rc == 0 && n > 0 && pread(fd, idx->ent, n, 0) != (ssize_t)n)
        rc = -EIO;
    close(fd);
    idx->len = rc == 0 ? n : 0;
    return rc;
}

/* Trim loaded entries at the first one that breaks the index's order. */
static void brk_store_idx_trim(brk_store_seg_t *seg)
{
    int64_t prev_off = -1, prev_pos = -1, n = brk_store_oidx_count(seg);
    for (int64_t i = 0; i < n; i++) {
        const uint8_t *e = seg->oidx.ent + i * BRK_STORE_OIDX_ENTRY;
        int64_t off = (int32_t)brk_store_get_be(e, 4), pos = (int32_t)brk_store_get_be(e + 4, 4);
        if (off <= prev_off || pos <= prev_pos || pos >= seg->size ||
            seg->base + off >= seg->next) {
            seg->oidx.len = (size_t)i * BRK_STORE_OIDX_ENTRY;
            break;
        }
        prev_off = off;
        prev_pos = pos;
    }
    int64_t prev_ts = INT64_MIN;
    prev_off = -1;
    n = brk_store_tidx_count(seg);
    for (int64_t i = 0; i < n; i++) {
        int64_t ts = brk_store_tidx_ts(seg, i), off = brk_store_tidx_off(seg, i);
        if (ts <= prev_ts || off < prev_off || off < seg->base || off >= seg->next) {
            seg->tidx.len = (size_t)i * BRK_STORE_TIDX_ENTRY;
            break;
        }
        prev_ts = ts;
        prev_off = off;
    }
    brk_store_idx_t *idx[2] = {&seg->oidx, &seg->tidx};
    for (int i = 0; i < 2; i++) {
        /* Kafka preallocates segment.index.bytes: keep only what is used. */
        idx[i]->ent = xrealloc(idx[i]->ent, idx[i]->len);
        idx[i]->cap = idx[i]->len;
        idx[i]->written = idx[i]->len;
    }
}

/* ---- segments ------------------------------------------------------------ */

static brk_store_seg_t *brk_store_seg_new(const brk_store_t *st, int64_t base)
{
    brk_store_seg_t *seg = xcalloc(1, sizeof(*seg));
    seg->refcnt = 1;
    seg->fd = -1;
    seg->path = xasprintf("%s/%020" PRId64, st->dir, base);
    seg->base = seg->next = base;
    seg->max_ts = seg->max_ts_offset = -1;
    seg->first_append_ms = -1;
    seg->oidx.fd = seg->tidx.fd = -1;
    return seg;
}

void brk_store_seg_keep(brk_store_seg_t *seg)
{
    seg->refcnt++;
}

void brk_store_seg_release(brk_store_seg_t *seg)
{
    if (!seg || --seg->refcnt > 0)
        return;
    if (seg->fd >= 0)
        close(seg->fd);
    brk_store_idx_free(&seg->oidx);
    brk_store_idx_free(&seg->tidx);
    free(seg->path);
    free(seg);
}

static int brk_store_seg_open_log(brk_store_seg_t *seg, int flags)
{
    char *path = brk_store_file(seg, brk_store_sfx_log);
    seg->fd = open(path, O_RDWR | O_CLOEXEC | flags, 0644);
    free(path);
    return seg->fd < 0 ? -errno : 0;
}

static brk_store_seg_t *brk_store_active(const brk_store_t *st)
{
    return st->segs[st->nsegs - 1];
}

static void brk_store_seg_push(brk_store_t *st, brk_store_seg_t *seg)
{
    if (st->nsegs == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 16;
        st->segs = xrealloc(st->segs, st->cap * sizeof(*st->segs));
    }
    st->segs[st->nsegs++] = seg;
}

/* The segment holding @p offset: the last one with base <= @p offset. */
static brk_store_seg_t *brk_store_seg_find(const brk_store_t *st, int64_t offset)
{
    size_t lo = 0, hi = st->nsegs;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (st->segs[mid]->base <= offset)
            lo = mid;
        else
            hi = mid;
    }
    return st->segs[lo];
}

/* fsync a segment's .log and index files. */
static int brk_store_seg_fsync(brk_store_t *st, brk_store_seg_t *seg)
{
    int rc = brk_store_idx_sync(&seg->oidx);
    if (rc == 0)
        rc = brk_store_idx_sync(&seg->tidx);
    if (rc == 0 && fsync(seg->fd) < 0)
        rc = brk_store_errno();
    if (rc == 0 && seg->oidx.fd >= 0 && fsync(seg->oidx.fd) < 0)
        rc = brk_store_errno();
    if (rc == 0 && seg->tidx.fd >= 0 && fsync(seg->tidx.fd) < 0)
        rc = brk_store_errno();
    if (rc == 0)
        st->stats.flushes++;
    return rc;
}

/* Drop @p seg from the store's view (the caller removed it from segs). */
static void brk_store_seg_drop(brk_store_t *st, brk_store_seg_t *seg)
{
    if (st->win_seg == seg)
        st->win_seg = NULL;
    brk_store_seg_release(seg);
}

/* Point *@p p at @p n bytes at @p pos of @p seg, through the window. */
static int brk_store_peek(brk_store_t *st, brk_store_seg_t *seg, int64_t pos, size_t n,
                          const uint8_t **p)
{
    if (st->win_seg != seg || pos < st->win_pos ||
        pos + (int64_t)n > st->win_pos + (int64_t)st->win_len) {
        size_t want = sizeof(st->win);
        if ((int64_t)want > seg->size - pos)
            want = (size_t)(seg->size - pos);
        st->win_seg = NULL;
        ssize_t r = pread(seg->fd, st->win, want, (off_t)pos);
        if (r < 0)
            return -errno;
        st->win_seg = seg;
        st->win_pos = pos;
        st->win_len = (size_t)r;
        if ((size_t)r < n)
            return XDC_ECORRUPT;
    }
    *p = st->win + (pos - st->win_pos);
    return 0;
}

/* Decode the header of the batch at @p pos and check that it fits in the
 * segment; *@p size is the whole batch. CRCs were checked on the way in. */
static int brk_store_hdr_at(brk_store_t *st, brk_store_seg_t *seg, int64_t pos,
                            kwire_batch_hdr_t *h, int64_t *size)
{
    const uint8_t *p = NULL;
    if (seg->size - pos < KWIRE_BATCH_HDR_SIZE)
        return XDC_ECORRUPT;
    int rc = brk_store_peek(st, seg, pos, KWIRE_BATCH_HDR_SIZE, &p);
    if (rc < 0)
        return rc;
    kwire_batch_hdr_decode(p, KWIRE_BATCH_HDR_SIZE, h);
    *size = (int64_t)h->batchLength + KWIRE_BATCH_LOG_OVERHEAD;
    if (*size < KWIRE_BATCH_HDR_SIZE || pos + *size > seg->size) {
        log_error("[%s] %s.log: bad batch header at byte %" PRId64, st->name, seg->path, pos);
        return XDC_ECORRUPT;
    }
    return 0;
}

/* Find the position of the batch that holds @p offset in @p seg. */
static int brk_store_locate(brk_store_t *st, brk_store_seg_t *seg, int64_t offset, int64_t *pos)
{
    kwire_batch_hdr_t h;
    int64_t p = brk_store_oidx_lookup(seg, offset), size;
    while (p < seg->size) {
        int rc = brk_store_hdr_at(st, seg, p, &h, &size);
        if (rc < 0)
            return rc;
        if (h.baseOffset + h.lastOffsetDelta >= offset) {
            *pos = p;
            return 0;
        }
        p += size;
    }
    return XDC_ENOTFOUND;
}

/* ---- recovery ------------------------------------------------------------ */

/* After a bad batch at @p from, is there a valid batch further on whose
 * offsets continue the log (>= @p expect)? Then the damage is in the middle
 * of the log, not a torn tail, and truncating would drop acknowledged data.
 * A batchLength may be what got damaged, so look at every byte position;
 * the magic byte and the offset range filter candidates before the CRC. */
static int brk_store_valid_follows(const uint8_t *data, size_t len, size_t from, int64_t expect)
{
    for (size_t q = from + 1; q + KWIRE_BATCH_HDR_SIZE <= len; q++) {
        if (data[q + 16] != KWIRE_BATCH_MAGIC)
            continue;
        int64_t base = (int64_t)brk_store_get_be(data + q, 8);
        int64_t blen = (int32_t)brk_store_get_be(data + q + 8, 4);
        if (base < expect || base - expect > INT32_MAX || blen < KWIRE_BATCH_HDR_SIZE - 12 ||
            (size_t)blen + 12 > len - q)
            continue;
        kwire_batch_hdr_t h;
        if (kwire_batch_validate(data + q, (size_t)blen + 12, &h, NULL) == 0)
            return 1;
    }
    return 0;
}

typedef struct brk_store_scan {
    const uint8_t *data;
    size_t len;
    size_t good;     /* bytes of valid batches */
    int64_t next;    /* offset after the last valid batch */
    int bad;         /* 0 clean end, 1 torn tail, 2 corrupt or invalid batch, 3 offset gap */
    char what[96];   /* the reason, for messages */
    int64_t bad_off; /* the offending batch's baseOffset, when readable */
} brk_store_scan_t;

/* Walk the mapped .log of @p seg, indexing each valid batch. */
static void brk_store_scan_batches(brk_store_t *st, brk_store_seg_t *seg, brk_store_scan_t *sc)
{
    kwire_batch_iter_t it;
    kwire_slice_t b;
    kwire_batch_hdr_t h;
    int rc;

    kwire_batch_iter_init(&it, sc->data, sc->len);
    sc->next = seg->base;
    while ((rc = kwire_batch_iter_next(&it, &b, &h)) == 1) {
        if (h.baseOffset != sc->next) {
            sc->bad = 3;
            sc->bad_off = h.baseOffset;
            snprintf(sc->what, sizeof(sc->what),
                     "baseOffset %" PRId64 " where %" PRId64 " was expected (gap or overlap)",
                     h.baseOffset, sc->next);
            it.pos -= (size_t)b.len;
            break;
        }
        brk_store_seg_index(st, seg, (int64_t)(it.pos - (size_t)b.len), b.len,
                            h.baseOffset + h.lastOffsetDelta, h.maxTimestamp);
        sc->next = h.baseOffset + h.lastOffsetDelta + 1;
    }
    sc->good = it.pos;
    if (rc < 0) {
        sc->bad = 2;
        snprintf(sc->what, sizeof(sc->what), "%s", kwire_batch_reason_str(it.why));
    } else if (rc == 0 && it.torn > 0) {
        sc->bad = 1;
        snprintf(sc->what, sizeof(sc->what), "torn batch (%zu bytes)", it.torn);
    }
    if (sc->bad != 3 && sc->len - sc->good >= 8)
        sc->bad_off = (int64_t)brk_store_get_be(sc->data + sc->good, 8);
}

/* Reset what a rescan rebuilds. */
static void brk_store_seg_reset(brk_store_seg_t *seg)
{
    seg->oidx.len = seg->tidx.len = 0;
    seg->oidx.written = seg->tidx.written = 0;
    seg->max_ts = seg->max_ts_offset = -1;
    seg->since_index = 0;
}

/* Map and scan @p seg's .log into @p sc. */
static int brk_store_scan_file(brk_store_t *st, brk_store_seg_t *seg, brk_store_scan_t *sc,
                               void **map, char *errbuf, size_t errlen)
{
    struct stat sb;
    memset(sc, 0, sizeof(*sc));
    *map = NULL;
    if (fstat(seg->fd, &sb) < 0)
        return brk_store_errno();
    if (sb.st_size > INT32_MAX) {
        xdc_errbuf(errbuf, errlen, "%s.log: %lld bytes, more than an index can address", seg->path,
                   (long long)sb.st_size);
        return XDC_ECORRUPT;
    }
    sc->len = (size_t)sb.st_size;
    brk_store_seg_reset(seg);
    if (sc->len > 0) {
        *map = mmap(NULL, sc->len, PROT_READ, MAP_PRIVATE, seg->fd, 0);
        if (*map == MAP_FAILED) {
            *map = NULL;
            return brk_store_errno();
        }
        sc->data = *map;
    }
    brk_store_scan_batches(st, seg, sc);
    return 0;
}

/* Rescan @p seg batch by batch with CRC checks and rebuild its indexes.
 * Only a bad tail of the last segment is cut; see brk_store_open(). */
static int brk_store_seg_recover(brk_store_t *st, brk_store_seg_t *seg, int is_last, char *errbuf,
                                 size_t errlen)
{
    brk_store_scan_t sc;
    void *map;
    int rc = brk_store_scan_file(st, seg, &sc, &map, errbuf, errlen);
    if (rc == 0 && sc.bad &&
        (!is_last || sc.bad == 3 || brk_store_valid_follows(sc.data, sc.len, sc.good, sc.next))) {
        xdc_errbuf(errbuf, errlen,
                   "%s.log: %s at byte %zu (offset %" PRId64 ")%s: refusing to serve a corrupt log",
                   seg->path, sc.what, sc.good, sc.bad == 3 ? sc.bad_off : sc.next,
                   is_last && sc.bad != 3 ? ", and valid batches follow it" : "");
        rc = XDC_ECORRUPT;
    }
    if (map)
        munmap(map, sc.len);
    if (rc < 0)
        return rc;
    if (sc.bad) {
        log_warn("[%s] %s.log: %s at byte %zu (offset %" PRId64 "): truncating %zu bytes", st->name,
                 seg->path, sc.what, sc.good, sc.next, sc.len - sc.good);
        if (ftruncate(seg->fd, (off_t)sc.good) < 0)
            return brk_store_errno();
        st->stats.truncated += (int64_t)(sc.len - sc.good);
    }
    seg->size = (int64_t)sc.good;
    seg->next = sc.next;
    rc = brk_store_idx_open(seg, &seg->oidx, brk_store_sfx_oidx, 1);
    if (rc == 0)
        rc = brk_store_idx_open(seg, &seg->tidx, brk_store_sfx_tidx, 1);
    if (rc == 0)
        rc = brk_store_seg_fsync(st, seg);
    brk_store_idx_close(&seg->oidx);
    brk_store_idx_close(&seg->tidx);
    return rc;
}

/* Take an older, flushed segment as it is: its end is where the next one
 * begins and its indexes come from disk. A missing time index (so no
 * largest timestamp for retention) or offset index means a rescan. */
static int brk_store_seg_load(brk_store_t *st, brk_store_seg_t *seg, int64_t next, char *errbuf,
                              size_t errlen)
{
    struct stat sb;
    if (fstat(seg->fd, &sb) < 0)
        return brk_store_errno();
    seg->size = sb.st_size;
    seg->next = next;
    int rc = brk_store_idx_load(st, seg, &seg->oidx, brk_store_sfx_oidx, BRK_STORE_OIDX_ENTRY);
    if (rc == 0)
        rc = brk_store_idx_load(st, seg, &seg->tidx, brk_store_sfx_tidx, BRK_STORE_TIDX_ENTRY);
    if (rc == 0)
        brk_store_idx_trim(seg);
    if (rc == -ENOENT || (rc == 0 && seg->size > 0 && brk_store_tidx_count(seg) == 0)) {
        log_info("[%s] %s: rebuilding indexes", st->name, seg->path);
        return brk_store_seg_recover(st, seg, 0, errbuf, errlen);
    }
    if (rc == 0 && brk_store_tidx_count(seg) > 0) {
        int64_t last = brk_store_tidx_count(seg) - 1;
        seg->max_ts = brk_store_tidx_ts(seg, last);
        seg->max_ts_offset = brk_store_tidx_off(seg, last);
    }
    return rc;
}

/* Load every segment: rescan those that hold offsets >= @p recovery_point
 * (always the last), load the others, then check that they line up. */
static int brk_store_load(brk_store_t *st, int64_t recovery_point, char *errbuf, size_t errlen)
{
    for (size_t i = 0; i < st->nsegs; i++) {
        brk_store_seg_t *seg = st->segs[i];
        int last = i + 1 == st->nsegs;
        int64_t next = last ? INT64_MAX : st->segs[i + 1]->base;
        int rc = last || next > recovery_point
                     ? brk_store_seg_recover(st, seg, last, errbuf, errlen)
                     : brk_store_seg_load(st, seg, next, errbuf, errlen);
        if (rc < 0) {
            if (errbuf && errlen && !errbuf[0])
                xdc_errbuf(errbuf, errlen, "%s: %s", seg->path, xdc_strerror(rc));
            return rc;
        }
        if (!last && seg->next != next) {
            xdc_errbuf(errbuf, errlen,
                       "%s.log ends at offset %" PRId64 " but the next segment starts at %" PRId64
                       ": refusing to serve a log with a gap or overlap",
                       seg->path, seg->next, next);
            return XDC_ECORRUPT;
        }
    }
    return 0;
}

/* ---- directory ----------------------------------------------------------- */

static int brk_store_seg_cmp(const void *a, const void *b)
{
    const brk_store_seg_t *x = *(brk_store_seg_t *const *)a, *y = *(brk_store_seg_t *const *)b;
    return x->base < y->base ? -1 : x->base > y->base;
}

static void brk_store_unlink_leftover(brk_store_t *st, const char *name, const char *why)
{
    char *path = xasprintf("%s/%s", st->dir, name);
    if (unlink(path) == 0)
        log_info("[%s] removed %s (%s)", st->name, path, why);
    free(path);
}

/* Finish a swap Kafka's cleaner left behind: "X.log.swap" becomes "X.log"
 * and X's index files go, so recovery rebuilds them from the new log; an
 * index .swap is only removed. */
static int brk_store_finish_swap(brk_store_t *st, const char *name)
{
    int64_t base;
    char *stem = xstrndup(name, strlen(name) - strlen(".swap"));
    int rc = 0;
    if (brk_store_parse_name(stem, brk_store_sfx_log, &base)) {
        char *from = xasprintf("%s/%s", st->dir, name), *to = xasprintf("%s/%s", st->dir, stem);
        rc = rename(from, to) < 0 ? -errno : 0;
        if (rc == 0)
            log_info("[%s] completed swap %s", st->name, from);
        free(from);
        free(to);
        for (int i = 0; rc == 0 && i < 2; i++) {
            char *idx = xasprintf("%s/%020" PRId64 "%s", st->dir, base,
                                  i ? brk_store_sfx_tidx : brk_store_sfx_oidx);
            if (unlink(idx) < 0 && errno != ENOENT)
                rc = -errno;
            free(idx);
        }
    } else {
        brk_store_unlink_leftover(st, name, "interrupted swap");
    }
    free(stem);
    return rc;
}

/* First pass: remove *.deleted and *.cleaned, finish *.swap. */
static int brk_store_clean_temp(brk_store_t *st, DIR *d)
{
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d))) {
        if (brk_store_has_suffix(de->d_name, ".deleted"))
            brk_store_unlink_leftover(st, de->d_name, "deleted segment");
        else if (brk_store_has_suffix(de->d_name, ".cleaned"))
            brk_store_unlink_leftover(st, de->d_name, "interrupted cleaning");
        else if (brk_store_has_suffix(de->d_name, ".swap"))
            rc = brk_store_finish_swap(st, de->d_name);
    }
    return rc;
}

static int brk_store_has_log(brk_store_t *st, int64_t base)
{
    for (size_t i = 0; i < st->nsegs; i++)
        if (st->segs[i]->base == base)
            return 1;
    return 0;
}

/* Second pass: open every .log; third: remove indexes without a .log. */
static int brk_store_scan_dir(brk_store_t *st, DIR *d)
{
    struct dirent *de;
    int64_t base;
    int rc = 0;
    rewinddir(d);
    while (rc == 0 && (de = readdir(d))) {
        if (!brk_store_parse_name(de->d_name, brk_store_sfx_log, &base))
            continue;
        brk_store_seg_t *seg = brk_store_seg_new(st, base);
        brk_store_seg_push(st, seg);
        rc = brk_store_seg_open_log(seg, 0);
    }
    if (st->nsegs > 1)
        qsort(st->segs, st->nsegs, sizeof(*st->segs), brk_store_seg_cmp);
    rewinddir(d);
    while (rc == 0 && (de = readdir(d))) {
        if ((brk_store_parse_name(de->d_name, brk_store_sfx_oidx, &base) ||
             brk_store_parse_name(de->d_name, brk_store_sfx_tidx, &base)) &&
            !brk_store_has_log(st, base))
            brk_store_unlink_leftover(st, de->d_name, "index without a .log");
    }
    return rc;
}

static int brk_store_read_dir(brk_store_t *st, char *errbuf, size_t errlen)
{
    DIR *d = opendir(st->dir);
    if (!d) {
        int rc = brk_store_errno();
        xdc_errbuf(errbuf, errlen, "%s: %s", st->dir, strerror(-rc));
        return rc;
    }
    int rc = brk_store_clean_temp(st, d);
    if (rc == 0)
        rc = brk_store_scan_dir(st, d);
    closedir(d);
    if (rc < 0)
        xdc_errbuf(errbuf, errlen, "%s: %s", st->dir, strerror(-rc));
    return rc;
}

/* ---- open and close ------------------------------------------------------ */

static int brk_store_conf_check(const brk_store_conf_t *c, char *errbuf, size_t errlen)
{
    const char *bad = NULL;
    if (c->segment_bytes < 14 || c->segment_bytes > INT32_MAX)
        bad = "segment.bytes must be 14..2147483647";
    else if (c->segment_index_bytes < BRK_STORE_TIDX_ENTRY || c->segment_index_bytes > INT32_MAX)
        bad = "segment.index.bytes must be 12..2147483647";
    else if (c->index_interval_bytes < 0)
        bad = "index.interval.bytes must be >= 0";
    else if (c->max_message_bytes < KWIRE_BATCH_HDR_SIZE || c->max_message_bytes > INT32_MAX)
        bad = "max.message.bytes must be 61..2147483647";
    else if (c->segment_ms < 1)
        bad = "segment.ms must be >= 1";
    if (!bad)
        return 0;
    xdc_errbuf(errbuf, errlen, "%s", bad);
    return XDC_ECONF;
}

void brk_store_conf_defaults(brk_store_conf_t *conf)
{
    conf->segment_bytes = 1073741824;
    conf->segment_ms = 7LL * 24 * 3600 * 1000;
    conf->retention_ms = 7LL * 24 * 3600 * 1000;
    conf->retention_bytes = -1;
    conf->flush_messages = 0;
    conf->flush_ms = 0;
    conf->index_interval_bytes = 4096;
    conf->segment_index_bytes = 10485760;
    conf->max_message_bytes = 1048588;
}

/* Create the segment at the log end (or at @p base for a new log) and make
 * it the active one. The directory is fsynced so the file survives. */
static int brk_store_seg_create(brk_store_t *st, int64_t base)
{
    brk_store_seg_t *seg = brk_store_seg_new(st, base);
    int rc = brk_store_seg_open_log(seg, O_CREAT | O_EXCL);
    if (rc == 0)
        rc = brk_store_idx_open(seg, &seg->oidx, brk_store_sfx_oidx, 1);
    if (rc == 0)
        rc = brk_store_idx_open(seg, &seg->tidx, brk_store_sfx_tidx, 1);
    if (rc == 0)
        rc = brk_store_fsync_dir(st->dir);
    if (rc < 0) {
        log_error("[%s] cannot create segment %s.log: %s", st->name, seg->path, xdc_strerror(rc));
        brk_store_seg_release(seg);
        return rc;
    }
    brk_store_seg_push(st, seg);
    return 0;
}

/* Make the last loaded segment the active one: indexes open for appends. */
static int brk_store_activate(brk_store_t *st, int64_t now_ms)
{
    brk_store_seg_t *seg = brk_store_active(st);
    int rc = brk_store_idx_open(seg, &seg->oidx, brk_store_sfx_oidx, 0);
    if (rc == 0)
        rc = brk_store_idx_open(seg, &seg->tidx, brk_store_sfx_tidx, 0);
    /* The segment's age restarts at open: segment.ms counts from here. */
    seg->first_append_ms = seg->size > 0 ? now_ms : -1;
    return rc;
}

static int brk_store_delete_front(brk_store_t *st, const char *why);

/* Set the log start from the checkpoint; one past the log end means the
 * log lost its tail (Kafka drops the segments and starts over there). */
static int brk_store_apply_log_start(brk_store_t *st, int64_t log_start, int64_t now_ms)
{
    if (st->nsegs == 0)
        return brk_store_seg_create(st, log_start > 0 ? log_start : 0);
    int64_t end = brk_store_active(st)->next;
    if (log_start > end) {
        log_warn("[%s] log start offset %" PRId64 " is past the log end %" PRId64
                 ": dropping the log",
                 st->name, log_start, end);
        while (st->nsegs > 1) {
            int rc = brk_store_delete_front(st, "log start past log end");
            if (rc < 0)
                return rc;
        }
        int rc = brk_store_delete_front(st, "log start past log end");
        if (rc < 0)
            return rc;
        return brk_store_seg_create(st, log_start);
    }
    st->log_start = log_start > st->segs[0]->base ? log_start : st->segs[0]->base;
    return brk_store_activate(st, now_ms);
}

int brk_store_open(const char *dir, const brk_store_conf_t *conf, int64_t recovery_point,
                   int64_t log_start_offset, int64_t now_ms, brk_store_t **out, char *errbuf,
                   size_t errlen)
{
    *out = NULL;
    xdc_errbuf(errbuf, errlen, "%s", "");
    int rc = brk_store_conf_check(conf, errbuf, errlen);
    if (rc < 0)
        return rc;
    if ((rc = brk_store_mkdirs(dir)) < 0) {
        xdc_errbuf(errbuf, errlen, "%s: %s", dir, strerror(-rc));
        return rc;
    }
    brk_store_t *st = xcalloc(1, sizeof(*st));
    st->conf = *conf;
    st->dir = xstrdup(dir);
    st->name = brk_store_subject(dir);
    rc = brk_store_read_dir(st, errbuf, errlen);
    if (rc == 0)
        rc = brk_store_load(st, recovery_point, errbuf, errlen);
    if (rc == 0)
        rc = brk_store_apply_log_start(st, log_start_offset, now_ms);
    if (rc < 0) {
        if (errbuf && errlen && !errbuf[0])
            xdc_errbuf(errbuf, errlen, "%s: %s", dir, xdc_strerror(rc));
        brk_store_close(st);
        return rc;
    }
    if (st->log_start < st->segs[0]->base)
        st->log_start = st->segs[0]->base;
    /* Recovery fsynced every segment it rescanned; the rest were flushed. */
    st->recovery_point = brk_store_log_end(st);
    st->last_flush_ms = now_ms;
    st->ready = 1;
    log_info("[%s] opened %zu segment(s), log start %" PRId64 ", log end %" PRId64, st->name,
             st->nsegs, st->log_start, brk_store_log_end(st));
    *out = st;
    return 0;
}

void brk_store_close(brk_store_t *st)
{
    if (!st)
        return;
    if (st->ready && st->recovery_point < brk_store_log_end(st)) {
        int rc = brk_store_flush(st);
        if (rc < 0)
            log_error("[%s] flush on close: %s", st->name, xdc_strerror(rc));
    }
    for (size_t i = 0; i < st->nsegs; i++) {
        brk_store_idx_close(&st->segs[i]->oidx);
        brk_store_idx_close(&st->segs[i]->tidx);
        brk_store_seg_release(st->segs[i]);
    }
    free(st->segs);
    free(st->dir);
    free(st->name);
    free(st);
}

/* ---- append -------------------------------------------------------------- */

/* Kafka's LogSegment.shouldRoll, with segment.ms counted from the first
 * append in now_ms (no jitter). An empty segment never rolls, so a batch
 * larger than segment.bytes goes alone into a fresh segment. */
static int brk_store_should_roll(const brk_store_t *st, const brk_store_seg_t *seg, size_t len,
                                 int64_t last_offset, int64_t now_ms)
{
    if (seg->size == 0)
        return 0;
    int64_t max_idx = st->conf.segment_index_bytes;
    return seg->size + (int64_t)len > st->conf.segment_bytes ||
           now_ms - seg->first_append_ms >= st->conf.segment_ms ||
           (brk_store_oidx_count(seg) + 1) * BRK_STORE_OIDX_ENTRY > max_idx ||
           (brk_store_tidx_count(seg) + 1) * BRK_STORE_TIDX_ENTRY > max_idx ||
           last_offset - seg->base > INT32_MAX;
}

/* Seal the active segment (final time index entry, fsync, index files
 * closed) and start a new one at the log end. The sealed segment is fully
 * flushed, so the recovery point moves to the new segment's base. */
static int brk_store_roll(brk_store_t *st, int64_t now_ms)
{
    brk_store_seg_t *old = brk_store_active(st);
    brk_store_tidx_maybe_add(old, old->max_ts, old->max_ts_offset);
    int rc = brk_store_seg_fsync(st, old);
    if (rc == 0)
        rc = brk_store_seg_create(st, old->next);
    if (rc < 0)
        return rc;
    brk_store_idx_close(&old->oidx);
    brk_store_idx_close(&old->tidx);
    st->recovery_point = old->next;
    st->last_flush_ms = now_ms;
    st->stats.rolls++;
    log_info("[%s] rolled segment %020" PRId64 " (previous segment %" PRId64 " bytes)", st->name,
             old->next, old->size);
    return 0;
}

static void brk_store_mark(const brk_store_seg_t *seg, brk_store_mark_t *m)
{
    *m = (brk_store_mark_t){
        seg->next,        seg->size,     seg->max_ts,  seg->max_ts_offset, seg->first_append_ms,
        seg->since_index, seg->oidx.len, seg->tidx.len};
}

/* Put @p seg back as @p m saw it, on disk too: no partial batch stays. */
static void brk_store_rollback(brk_store_t *st, brk_store_seg_t *seg, const brk_store_mark_t *m)
{
    if (ftruncate(seg->fd, (off_t)m->size) < 0)
        log_error("[%s] %s.log: cannot truncate back to %" PRId64 " bytes: %s", st->name, seg->path,
                  m->size, strerror(errno));
    seg->next = m->next;
    seg->size = m->size;
    seg->max_ts = m->max_ts;
    seg->max_ts_offset = m->max_ts_offset;
    seg->first_append_ms = m->first_append_ms;
    seg->since_index = m->since_index;
    brk_store_idx_t *idx[2] = {&seg->oidx, &seg->tidx};
    size_t len[2] = {m->oidx_len, m->tidx_len};
    for (int i = 0; i < 2; i++) {
        idx[i]->len = len[i];
        if (idx[i]->written <= len[i])
            continue;
        /* Best effort: entries past len are overwritten by the next ones,
         * and recovery rebuilds the last segment's indexes anyway. */
        if (ftruncate(idx[i]->fd, (off_t)len[i]) < 0)
            log_warn("[%s] %s: cannot truncate index: %s", st->name, seg->path, strerror(errno));
        idx[i]->written = len[i];
    }
}

/* Write the batch to the active segment and add its index entries in
 * memory. The index files get them at the next roll, flush or close
 * (brk_store_seg_fsync()): that saves two pwrites per append, and loses
 * nothing on a crash, because recovery always rescans the last segment and
 * rebuilds its indexes, and every older segment was fsynced with its
 * indexes when it rolled. */
static int brk_store_write(brk_store_t *st, const uint8_t *batch, size_t len,
                           const kwire_batch_hdr_t *h, int64_t now_ms)
{
    brk_store_seg_t *seg = brk_store_active(st);
    brk_store_mark_t m;
    brk_store_mark(seg, &m);
    int64_t last = seg->next + h->lastOffsetDelta;
    int rc = brk_store_pwrite_all(seg->fd, batch, len, seg->size);
    if (rc == 0)
        brk_store_seg_index(st, seg, seg->size, (int64_t)len, last, h->maxTimestamp);
    if (rc < 0) {
        log_error("[%s] append to %s.log at byte %" PRId64 ": %s", st->name, seg->path, seg->size,
                  xdc_strerror(rc));
        brk_store_rollback(st, seg, &m);
        return rc;
    }
    if (seg->first_append_ms < 0)
        seg->first_append_ms = now_ms;
    seg->size += (int64_t)len;
    seg->next = last + 1;
    return 0;
}

/* The checks of kwire_batch_validate() except the CRC, for a batch whose
 * CRC the caller has verified: the framing (the batch fills @p len
 * exactly), magic, codec id and record count. They read only the header,
 * and keep offsets and index positions sound whatever the caller did. */
static int brk_store_check_frame(const uint8_t *batch, size_t len, kwire_batch_hdr_t *h)
{
    if (kwire_batch_hdr_decode(batch, len, h) < 0 ||
        (int64_t)h->batchLength + KWIRE_BATCH_LOG_OVERHEAD != (int64_t)len)
        return XDC_ECORRUPT;
    if (h->magic != KWIRE_BATCH_MAGIC || kwire_batch_compression(h) > KWIRE_BATCH_ZSTD)
        return XDC_EMALFORMED;
    if (!(h->attributes & KWIRE_BATCH_CONTROL) &&
        (h->recordsCount <= 0 || (int64_t)h->lastOffsetDelta + 1 != h->recordsCount))
        return XDC_EMALFORMED;
    return 0;
}

/* brk_store_append() and brk_store_append_validated(): @p crc_checked
 * skips the CRC, not the structural checks. */
static int brk_store_append_batch(brk_store_t *st, uint8_t *batch, size_t len, int crc_checked,
                                  int32_t leader_epoch, int64_t now_ms,
                                  brk_store_append_info_t *info)
{
    kwire_batch_hdr_t h;
    if ((int64_t)len > st->conf.max_message_bytes)
        return XDC_ETOOBIG;
    int rc = crc_checked ? brk_store_check_frame(batch, len, &h)
                         : kwire_batch_validate(batch, len, &h, NULL);
    if (rc < 0)
        return rc;
    int64_t base = brk_store_log_end(st);
    if (brk_store_should_roll(st, brk_store_active(st), len, base + h.lastOffsetDelta, now_ms) &&
        (rc = brk_store_roll(st, now_ms)) < 0)
        return rc;
    kwire_batch_set_base_offset(batch, base);
    kwire_batch_set_leader_epoch(batch, leader_epoch);
    if ((rc = brk_store_write(st, batch, len, &h, now_ms)) < 0)
        return rc;
    log_debug(LOG_CTX_STORE, "[%s] appended offsets %" PRId64 "..%" PRId64 " (%zu bytes)", st->name,
              base, base + h.lastOffsetDelta, len);
    if (info) {
        info->base_offset = base;
        info->last_offset = base + h.lastOffsetDelta;
        info->max_timestamp = h.maxTimestamp;
        info->log_append_time = h.attributes & KWIRE_BATCH_LOG_APPEND_TIME ? h.maxTimestamp : -1;
        info->log_start_offset = st->log_start;
    }
    /* Kafka's log.flush.interval.messages counts offsets not yet flushed. */
    if (st->conf.flush_messages > 0 &&
        brk_store_log_end(st) - st->recovery_point >= st->conf.flush_messages) {
        rc = brk_store_flush(st);
        st->last_flush_ms = now_ms;
    }
    return rc;
}

int brk_store_append(brk_store_t *st, uint8_t *batch, size_t len, int32_t leader_epoch,
                     int64_t now_ms, brk_store_append_info_t *info)
{
    return brk_store_append_batch(st, batch, len, 0, leader_epoch, now_ms, info);
}

int brk_store_append_validated(brk_store_t *st, uint8_t *batch, size_t len, int32_t leader_epoch,
                               int64_t now_ms, brk_store_append_info_t *info)
{
    return brk_store_append_batch(st, batch, len, 1, leader_epoch, now_ms, info);
}

/* ---- read ---------------------------------------------------------------- */

/* Sum whole batches from @p pos up to @p max_bytes, at least one. */
static int brk_store_span(brk_store_t *st, brk_store_seg_t *seg, int64_t pos, int32_t max_bytes,
                          int32_t *len)
{
    kwire_batch_hdr_t h;
    int64_t total = 0, size;
    while (pos + total < seg->size) {
        int rc = brk_store_hdr_at(st, seg, pos + total, &h, &size);
        if (rc < 0)
            return rc;
        if (total > 0 && total + size > max_bytes)
            break;
        total += size;
        if (total >= max_bytes)
            break;
    }
    *len = (int32_t)total;
    return 0;
}

int brk_store_read(brk_store_t *st, int64_t offset, int32_t max_bytes, brk_store_read_t *out)
{
    *out = (brk_store_read_t){NULL, -1, 0, 0};
    if (offset < st->log_start || offset > brk_store_log_end(st))
        return XDC_ENOTFOUND;
    if (offset == brk_store_log_end(st))
        return 0;
    brk_store_seg_t *seg = brk_store_seg_find(st, offset);
    int64_t pos;
    int32_t len;
    int rc = brk_store_locate(st, seg, offset, &pos);
    if (rc == 0)
        rc = brk_store_span(st, seg, pos, max_bytes, &len);
    if (rc < 0)
        return rc == XDC_ENOTFOUND ? XDC_ECORRUPT : rc;
    brk_store_seg_keep(seg);
    *out = (brk_store_read_t){seg, seg->fd, pos, len};
    return 0;
}

int brk_store_read_copy(brk_store_t *st, int64_t offset, int32_t max_bytes, buf_t *out)
{
    brk_store_read_t r;
    int rc = brk_store_read(st, offset, max_bytes, &r);
    if (rc < 0 || r.len == 0)
        return rc;
    buf_reserve(out, (size_t)r.len);
    ssize_t n = pread(r.fd, out->data + out->len, (size_t)r.len, (off_t)r.pos);
    if (n == r.len)
        out->len += (size_t)n;
    else
        rc = n < 0 ? -errno : XDC_ECORRUPT;
    brk_store_seg_release(r.seg);
    return rc;
}

/* ---- offsets ------------------------------------------------------------- */

int64_t brk_store_log_start(const brk_store_t *st)
{
    return st->log_start;
}

int64_t brk_store_log_end(const brk_store_t *st)
{
    return brk_store_active(st)->next;
}

int64_t brk_store_size_bytes(const brk_store_t *st)
{
    int64_t n = 0;
    for (size_t i = 0; i < st->nsegs; i++)
        n += st->segs[i]->size;
    return n;
}

int64_t brk_store_recovery_point(const brk_store_t *st)
{
    return st->recovery_point;
}

void brk_store_stats(const brk_store_t *st, brk_store_stats_t *stats)
{
    *stats = st->stats;
    stats->segments = (int64_t)st->nsegs;
}

/* In @p seg, the first batch at or after the log start whose maxTimestamp
 * >= @p ts ([K] LogSegment.findOffsetByTimestamp, at batch granularity). */
static int brk_store_seg_offset_for_time(brk_store_t *st, brk_store_seg_t *seg, int64_t ts,
                                         int64_t *offset)
{
    kwire_batch_hdr_t h;
    int64_t from = brk_store_tidx_lookup(seg, ts), size;
    if (from < st->log_start)
        from = st->log_start;
    for (int64_t pos = brk_store_oidx_lookup(seg, from); pos < seg->size; pos += size) {
        int rc = brk_store_hdr_at(st, seg, pos, &h, &size);
        if (rc < 0)
            return rc;
        if (h.maxTimestamp >= ts && h.baseOffset + h.lastOffsetDelta >= st->log_start) {
            *offset = h.baseOffset > st->log_start ? h.baseOffset : st->log_start;
            return 1;
        }
    }
    return 0;
}

int brk_store_offset_for_time(brk_store_t *st, int64_t timestamp, int64_t *offset)
{
    *offset = -1;
    for (size_t i = 0; i < st->nsegs; i++) {
        brk_store_seg_t *seg = st->segs[i];
        if (seg->max_ts < timestamp || seg->next <= st->log_start)
            continue;
        int rc = brk_store_seg_offset_for_time(st, seg, timestamp, offset);
        if (rc != 0)
            return rc < 0 ? rc : 0;
    }
    return 0;
}

/* ---- flush --------------------------------------------------------------- */

int brk_store_flush(brk_store_t *st)
{
    int64_t end = brk_store_log_end(st);
    if (st->recovery_point >= end)
        return 0;
    int rc = brk_store_seg_fsync(st, brk_store_active(st));
    if (rc < 0) {
        log_error("[%s] fsync: %s", st->name, xdc_strerror(rc));
        return rc;
    }
    st->recovery_point = end;
    return 0;
}

int brk_store_maybe_flush(brk_store_t *st, int64_t now_ms)
{
    if (st->conf.flush_ms <= 0 || now_ms - st->last_flush_ms < st->conf.flush_ms)
        return 0;
    st->last_flush_ms = now_ms;
    return brk_store_flush(st);
}

/* ---- retention and deletion ---------------------------------------------- */

/* Rename @p seg's files to *.deleted, then unlink them. Kafka waits
 * file.delete.delay.ms before the unlink so readers can finish; here a
 * reader holds the fd, which keeps the inode alive after the unlink. */
static int brk_store_seg_unlink(brk_store_t *st, brk_store_seg_t *seg)
{
    static const char *const sfx[] = {".log", ".index", ".timeindex"};
    for (size_t i = 0; i < XDC_ARRAY_SIZE(sfx); i++) {
        char *from = brk_store_file(seg, sfx[i]), *to = xasprintf("%s.deleted", from);
        int rc = rename(from, to) < 0 && errno != ENOENT ? -errno : 0;
        if (rc == 0 && unlink(to) < 0 && errno != ENOENT)
            log_warn("[%s] cannot remove %s: %s", st->name, to, strerror(errno));
        free(from);
        free(to);
        if (rc < 0) {
            log_error("[%s] cannot delete segment %s: %s", st->name, seg->path, strerror(-rc));
            return rc;
        }
    }
    return 0;
}

/* Delete the oldest segment and move the log start past it. */
static int brk_store_delete_front(brk_store_t *st, const char *why)
{
    brk_store_seg_t *seg = st->segs[0];
    int rc = brk_store_seg_unlink(st, seg);
    if (rc < 0)
        return rc;
    memmove(st->segs, st->segs + 1, (st->nsegs - 1) * sizeof(*st->segs));
    st->nsegs--;
    if (st->nsegs > 0 && st->log_start < st->segs[0]->base)
        st->log_start = st->segs[0]->base;
    log_info("[%s] deleted segment %020" PRId64 " (offsets %" PRId64 "..%" PRId64 ", %" PRId64
             " bytes): %s",
             st->name, seg->base, seg->base, seg->next - 1, seg->size, why);
    brk_store_seg_drop(st, seg);
    (void)brk_store_fsync_dir(st->dir);
    return 0;
}

/* A segment's largest timestamp; a segment without one uses its mtime. */
static int64_t brk_store_seg_ts(const brk_store_seg_t *seg)
{
    struct stat sb;
    if (seg->max_ts >= 0 || fstat(seg->fd, &sb) < 0)
        return seg->max_ts;
    return (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
}

int brk_store_enforce_retention(brk_store_t *st, int64_t now_ms, int *deleted_segments)
{
    int n = 0, rc = 0;
    while (rc == 0 && st->conf.retention_ms >= 0 && st->nsegs > 1 &&
           now_ms - brk_store_seg_ts(st->segs[0]) > st->conf.retention_ms) {
        rc = brk_store_delete_front(st, "retention.ms");
        n += rc == 0;
    }
    while (rc == 0 && st->conf.retention_bytes >= 0 && st->nsegs > 1 &&
           brk_store_size_bytes(st) - st->segs[0]->size >= st->conf.retention_bytes) {
        rc = brk_store_delete_front(st, "retention.bytes");
        n += rc == 0;
    }
    if (deleted_segments)
        *deleted_segments = n;
    return rc;
}

int brk_store_delete_records(brk_store_t *st, int64_t offset)
{
    if (offset > brk_store_log_end(st))
        return XDC_ENOTFOUND;
    if (offset <= st->log_start)
        return 0;
    st->log_start = offset;
    log_info("[%s] log start offset advanced to %" PRId64 " (DeleteRecords)", st->name, offset);
    int rc = 0;
    while (rc == 0 && st->nsegs > 1 && st->segs[1]->base <= offset)
        rc = brk_store_delete_front(st, "below the log start offset");
    return rc;
}

int brk_store_destroy_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : -errno;
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *path = xasprintf("%s/%s", dir, de->d_name);
        if (unlink(path) < 0 && errno != ENOENT && rc == 0)
            rc = -errno;
        free(path);
    }
    closedir(d);
    if (rc == 0 && rmdir(dir) < 0)
        rc = -errno;
    return rc;
}

int brk_store_set_conf(brk_store_t *st, const brk_store_conf_t *conf, char *errbuf, size_t errlen)
{
    int rc = brk_store_conf_check(conf, errbuf, errlen);
    if (rc < 0)
        return rc;
    /* Every setting applies from the next append, roll or retention pass:
     * existing segments and index entries stay as they are, as in Kafka. */
    st->conf = *conf;
    return 0;
}
