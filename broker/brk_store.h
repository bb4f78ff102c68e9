#ifndef XDC_BROKER_BRK_STORE_H
#define XDC_BROKER_BRK_STORE_H

/* The partition store: one partition's log in Kafka's on-disk layout
 * (../shared/reference/kafka-broker.md §6), so a Kafka operator's tools and
 * habits still apply:
 *
 *   <dir>/00000000000000000000.log        record batches v2, as appended
 *   <dir>/00000000000000000000.index      8-byte entries: int32 offset - base,
 *                                         int32 file position (big-endian)
 *   <dir>/00000000000000000000.timeindex  12-byte entries: int64 timestamp,
 *                                         int32 offset - base
 *
 * Single-threaded: every function is called from the broker loop thread.
 * There is no libuv in here and no clock: time comes in as @p now_ms.
 *
 * Error codes (besides negated errno values from the file system):
 *   XDC_ENOTFOUND  the offset lies outside [log start, log end]: the broker
 *                  answers OFFSET_OUT_OF_RANGE (1);
 *   XDC_ETOOBIG    a batch over max_message_bytes: MESSAGE_TOO_LARGE (10);
 *   XDC_ECORRUPT   a batch that fails its CRC or framing (CORRUPT_MESSAGE on
 *                  append), or a log that failed recovery at open;
 *   XDC_EMALFORMED a batch that is intact but invalid: INVALID_RECORD (87);
 *   XDC_ECONF      an invalid brk_store_conf_t. */

#include "common/buf.h"

#include <stddef.h>
#include <stdint.h>

typedef struct brk_store brk_store_t;
typedef struct brk_store_seg brk_store_seg_t;

/* Per-topic settings; key names are Kafka's. Fill with
 * brk_store_conf_defaults() and override. */
typedef struct brk_store_conf {
    int64_t segment_bytes;        /* segment.bytes: roll before exceeding it */
    int64_t segment_ms;           /* segment.ms: roll this long after a segment's first append */
    int64_t retention_ms;         /* retention.ms; -1 = forever */
    int64_t retention_bytes;      /* retention.bytes; -1 = no limit */
    int64_t flush_messages;       /* log.flush.interval.messages; <= 0 = never */
    int64_t flush_ms;             /* log.flush.interval.ms; <= 0 = never */
    int64_t index_interval_bytes; /* index.interval.bytes: log bytes between index entries */
    int64_t segment_index_bytes;  /* segment.index.bytes: max index file size; full = roll */
    int64_t max_message_bytes;    /* max.message.bytes: the largest batch accepted */
} brk_store_conf_t;

/* What an append did, for the Produce response. */
typedef struct brk_store_append_info {
    int64_t base_offset;      /* BaseOffset */
    int64_t last_offset;      /* base_offset + lastOffsetDelta */
    int64_t max_timestamp;    /* the batch's maxTimestamp */
    int64_t log_append_time;  /* LogAppendTimeMs: maxTimestamp for LogAppendTime batches, else -1 */
    int64_t log_start_offset; /* LogStartOffset */
} brk_store_append_info_t;

/* A Fetch read: bytes [pos, pos + len) of @p fd hold whole batches. */
typedef struct brk_store_read {
    brk_store_seg_t *seg; /* one reference for the caller: brk_store_seg_release(); NULL if len 0 */
    int fd;               /* the segment's .log; valid until @p seg is released */
    int64_t pos;
    int32_t len;
} brk_store_read_t;

/* Counters for tests and metrics. */
typedef struct brk_store_stats {
    int64_t segments;  /* live segments */
    int64_t flushes;   /* fsync rounds (flush policy, roll, close) */
    int64_t rolls;     /* segments rolled since open */
    int64_t truncated; /* bytes cut from the last segment by recovery at open */
} brk_store_stats_t;

/** Fill @p conf with Kafka's defaults: segment.bytes 1 GiB, segment.ms 7 days,
 *  retention.ms 7 days, retention.bytes -1, no flush policy,
 *  index.interval.bytes 4096, segment.index.bytes 10 MiB,
 *  max.message.bytes 1048588.  @thread any. */
void brk_store_conf_defaults(brk_store_conf_t *conf);

/** Open (creating @p dir if needed) the partition store in @p dir.
 *  Leftovers are cleaned up as Kafka does: *.deleted and *.cleaned files are
 *  removed, index *.swap files are removed and a *.log.swap completes its
 *  swap (renamed over the .log, then rescanned), an .index or .timeindex
 *  without its .log is removed.
 *  Recovery: the segments holding offsets at or past @p recovery_point (the
 *  broker's recovery-point-offset-checkpoint; 0 rescans all), and always the
 *  last segment, are read batch by batch with CRC checks and their indexes
 *  rebuilt; older segments keep their index files. A torn or corrupt tail of
 *  the last segment is truncated (logged). Damage anywhere else, a corrupt
 *  batch that valid batches follow, or offsets that are not contiguous fail
 *  the open with XDC_ECORRUPT and @p errbuf naming the file, byte position
 *  and offset: a corrupt log is never served.
 *  @param dir borrowed (copied), e.g. "<log.dirs>/orders-3"; the part after
 *  the last '-' names the partition in log lines ("[orders/3]").
 *  @param conf borrowed (copied).
 *  @param log_start_offset from log-start-offset-checkpoint, 0 if none; a value
 *  past the log end drops the log and starts an empty one there (Kafka).
 *  @param out receives the store, owned by the caller (brk_store_close()).
 *  @return 0, XDC_ECONF, XDC_ECORRUPT, negated errno; @p errbuf says why.
 *  @thread broker loop. */
int brk_store_open(const char *dir, const brk_store_conf_t *conf, int64_t recovery_point,
                   int64_t log_start_offset, int64_t now_ms, brk_store_t **out, char *errbuf,
                   size_t errlen);

/** Flush (fsync) and free @p st. Segments still held by readers stay valid
 *  until their last brk_store_seg_release(). NULL does nothing.
 *  @thread broker loop. */
void brk_store_close(brk_store_t *st);

/** Append exactly one record batch v2. The store assigns offsets: it
 *  rewrites baseOffset to the log end and partitionLeaderEpoch to
 *  @p leader_epoch in place (both outside the CRC), after checking the
 *  structure and CRC again. Rolls first when the active segment would grow
 *  past segment_bytes, is segment_ms old or its index is full (a batch
 *  larger than segment_bytes goes alone into a fresh segment); fsyncs per
 *  the flush policy. On a failed or short write the segment is truncated
 *  back, so no partial batch remains.
 *  @param batch borrowed, modified in place; not kept.
 *  @param info out, may be NULL.
 *  @return 0, XDC_ETOOBIG, XDC_ECORRUPT, XDC_EMALFORMED, negated errno
 *  (-ENOSPC, -EFBIG...: nothing was appended). One exception: when the
 *  flush policy's fsync fails (-EIO), the batch is appended and @p info
 *  filled, but not durable (Kafka takes the log dir offline then).
 *  @thread broker loop. */
int brk_store_append(brk_store_t *st, uint8_t *batch, size_t len, int32_t leader_epoch,
                     int64_t now_ms, brk_store_append_info_t *info);

/** brk_store_append() for a batch whose CRC the caller has just verified
 *  with kwire_batch_validate() (or recomputed, after an in-place rewrite
 *  such as kwire_batch_set_log_append_time()): the store checks the
 *  framing, magic, codec id and record count from the header but does not
 *  compute the CRC a second time. Produce uses it; the broker's own writers
 *  (internal topics) and recovery keep the full check.
 *  @param batch borrowed, modified in place; not kept.
 *  @return as brk_store_append(); XDC_ECORRUPT here means bad framing only.
 *  @thread broker loop. */
int brk_store_append_validated(brk_store_t *st, uint8_t *batch, size_t len, int32_t leader_epoch,
                               int64_t now_ms, brk_store_append_info_t *info);

/** Locate the bytes a Fetch at @p offset returns: whole batches from the
 *  batch holding @p offset, up to @p max_bytes, but always at least that
 *  first batch even when it is larger (KIP-74). A read never crosses a
 *  segment boundary. @p offset == log end gives len 0 and no segment.
 *  The caller sends [pos, pos + len) of fd (sendfile) and then releases
 *  out->seg; the fd stays open until then even if retention or
 *  DeleteRecords removes the segment meanwhile (the file is unlinked, the
 *  inode lives while the fd is open).
 *  @return 0, XDC_ENOTFOUND (offset < log start or > log end:
 *  OFFSET_OUT_OF_RANGE), XDC_ECORRUPT, negated errno.  @thread broker loop. */
int brk_store_read(brk_store_t *st, int64_t offset, int32_t max_bytes, brk_store_read_t *out);

/** brk_store_read() and copy the bytes: appended to @p out (caller's).
 *  @return as brk_store_read().  @thread broker loop. */
int brk_store_read_copy(brk_store_t *st, int64_t offset, int32_t max_bytes, buf_t *out);

/** Take another reference on @p seg.  @thread broker loop. */
void brk_store_seg_keep(brk_store_seg_t *seg);

/** Drop a reference; the last one closes the fd and frees the segment.
 *  NULL does nothing.  @thread broker loop (references are not atomic). */
void brk_store_seg_release(brk_store_seg_t *seg);

/** @return the first offset still readable (LogStartOffset). */
int64_t brk_store_log_start(const brk_store_t *st);

/** @return the next offset to be assigned (log end offset; the high
 *  watermark on a single node). */
int64_t brk_store_log_end(const brk_store_t *st);

/** @return the bytes of all segments' .log files. */
int64_t brk_store_size_bytes(const brk_store_t *st);

/** ListOffsets by timestamp: the first offset of the first batch whose
 *  maxTimestamp >= @p timestamp (batch granularity: Kafka looks inside the
 *  batch for the first record, we answer the batch's base offset, or the
 *  log start if that is later), found through the segments' largest
 *  timestamps, then the time index, then a scan of batch headers.
 *  @param offset out: the offset, or -1 when no batch is that recent.
 *  @return 0, XDC_ECORRUPT, negated errno.  @thread broker loop. */
int brk_store_offset_for_time(brk_store_t *st, int64_t timestamp, int64_t *offset);

/** fsync the active segment and its indexes; the recovery point becomes the
 *  log end.  @return 0, negated errno.  @thread broker loop. */
int brk_store_flush(brk_store_t *st);

/** Time-based flush policy: flush when flush_ms has passed since the last
 *  flush and something is unflushed.  @return 0, negated errno. */
int brk_store_maybe_flush(brk_store_t *st, int64_t now_ms);

/** @return the offset up to which everything is fsynced, for the broker's
 *  recovery-point-offset-checkpoint. */
int64_t brk_store_recovery_point(const brk_store_t *st);

/** Delete whole segments past retention: by time (largest timestamp older
 *  than retention_ms; the oldest segments first, stopping at the first one
 *  to keep) and by size (the oldest segments while the rest still exceed
 *  retention_bytes). The active segment is never deleted. Advances the log
 *  start. Files are renamed to *.deleted, then unlinked; readers holding a
 *  segment keep reading it.
 *  @param deleted_segments out, may be NULL.
 *  @return 0, negated errno.  @thread broker loop. */
int brk_store_enforce_retention(brk_store_t *st, int64_t now_ms, int *deleted_segments);

/** DeleteRecords: advance the log start to @p offset (never backwards) and
 *  delete the segments wholly below it. The caller persists the log start
 *  in log-start-offset-checkpoint.
 *  @return 0, XDC_ENOTFOUND (@p offset > log end), negated errno. */
int brk_store_delete_records(brk_store_t *st, int64_t offset);

/** Fill @p stats.  @thread broker loop. */
void brk_store_stats(const brk_store_t *st, brk_store_stats_t *stats);

/** Change the settings of an open store (AlterConfigs). They apply from
 *  the next append, roll, flush or retention pass.
 *  @param conf borrowed (copied).  @return 0 or XDC_ECONF with @p errbuf.
 *  @thread broker loop. */
int brk_store_set_conf(brk_store_t *st, const brk_store_conf_t *conf, char *errbuf, size_t errlen);

/** DeleteTopics: remove every file in @p dir (borrowed), then @p dir itself.
 *  Close the store first. Open segments held by readers stay readable.
 *  @return 0 (also when @p dir does not exist), negated errno. */
int brk_store_destroy_dir(const char *dir);

#endif
