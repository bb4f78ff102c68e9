#ifndef XDC_CHECKPOINT_CHECKPOINT_H
#define XDC_CHECKPOINT_CHECKPOINT_H

/* Checkpoints: MirrorMaker 2's internal records, byte for byte.
 *
 * MM2 writes them with the Kafka protocol Schema/Struct encoding: INT16,
 * INT32 and INT64 big-endian; STRING = INT16 length N (non-nullable, never
 * negative) + N bytes of UTF-8. A record key or value is its fields
 * concatenated in schema order, with no framing, magic or CRC
 * (../shared/reference/mirrormaker2.md section 2):
 *
 *   OffsetSync  key   topic STRING, partition INT32          (no version)
 *               value upstreamOffset INT64, offset INT64
 *   Checkpoint  key   group STRING, topic STRING, partition INT32
 *               value version INT16 (0), upstreamOffset INT64, offset INT64,
 *                     metadata STRING
 *   Heartbeat   key   sourceClusterAlias STRING, targetClusterAlias STRING
 *               value version INT16 (0), timestamp INT64
 *
 * Pure code: no I/O, no logging; any thread. Strings are (pointer, length)
 * pairs, not NUL-terminated; a zero length may come with a NULL pointer. */

#include "common/buf.h"

#include <librdkafka/rdkafka.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest STRING the encoding can carry (its length is an INT16). */
#define CKPT_STRING_MAX 32767

/* The only value version MM2 writes and reads for checkpoints and heartbeats. */
#define CKPT_VALUE_VERSION 0

/* One offset sync: source record @p upstream_offset of topic/partition was
 * written to the target at @p downstream_offset (MM2 OffsetSync.java). */
typedef struct ckpt_offset_sync {
    const char *topic; /* the source topic, as named on the source cluster */
    size_t topic_len;
    int32_t partition;
    int64_t upstream_offset;   /* upstreamOffset */
    int64_t downstream_offset; /* offset */
} ckpt_offset_sync_t;

/* One translated group offset (MM2 Checkpoint.java). */
typedef struct ckpt_checkpoint {
    const char *group; /* consumer group id */
    size_t group_len;
    const char *topic; /* the target-side (renamed) topic */
    size_t topic_len;
    int32_t partition;
    int64_t upstream_offset;   /* upstreamOffset: the group's offset on the source */
    int64_t downstream_offset; /* offset: the translated offset on the target */
    const char *metadata;      /* the group's commit metadata; "" when none */
    size_t metadata_len;
} ckpt_checkpoint_t;

/* One heartbeat (MM2 Heartbeat.java). */
typedef struct ckpt_heartbeat {
    const char *source_alias; /* sourceClusterAlias */
    size_t source_len;
    const char *target_alias; /* targetClusterAlias */
    size_t target_len;
    int64_t timestamp_ms; /* timestamp: epoch ms at emit */
} ckpt_heartbeat_t;

/** Append the key and value of @p s to @p key and @p value.
 *  @param s borrowed; its strings are copied.
 *  @return 0, or XDC_ETOOBIG if a string is longer than CKPT_STRING_MAX bytes
 *  (then nothing is appended). */
int ckpt_offset_sync_encode(const ckpt_offset_sync_t *s, buf_t *key, buf_t *value);

/** Decode an offset-sync record into @p out.
 *  @param key,value borrowed; out->topic points into @p key and stays valid
 *  as long as it does.
 *  @return 0, or XDC_EMALFORMED (truncated, trailing bytes, negative string
 *  length or negative partition); @p out is unchanged on error. */
int ckpt_offset_sync_decode(const void *key, size_t klen, const void *value, size_t vlen,
                            ckpt_offset_sync_t *out);

/** Append the key and value of @p c (value version 0).
 *  @param c borrowed; its strings are copied.
 *  @return 0, or XDC_ETOOBIG (a string over CKPT_STRING_MAX; nothing appended). */
int ckpt_checkpoint_encode(const ckpt_checkpoint_t *c, buf_t *key, buf_t *value);

/** Decode a checkpoint record into @p out.
 *  @param key,value borrowed; out->group and out->topic point into @p key,
 *  out->metadata into @p value.
 *  @return 0, XDC_EUNSUPPORTED (value version other than 0: its layout is
 *  unknown, so nothing after the version is checked), or XDC_EMALFORMED;
 *  @p out is unchanged on error. */
int ckpt_checkpoint_decode(const void *key, size_t klen, const void *value, size_t vlen,
                           ckpt_checkpoint_t *out);

/** Append the key and value of @p h (value version 0).
 *  @param h borrowed; its strings are copied.
 *  @return 0, or XDC_ETOOBIG (an alias over CKPT_STRING_MAX; nothing appended). */
int ckpt_heartbeat_encode(const ckpt_heartbeat_t *h, buf_t *key, buf_t *value);

/** Decode a heartbeat record into @p out.
 *  @param key,value borrowed; the aliases point into @p key.
 *  @return 0, XDC_EUNSUPPORTED (value version other than 0) or
 *  XDC_EMALFORMED; @p out is unchanged on error. */
int ckpt_heartbeat_decode(const void *key, size_t klen, const void *value, size_t vlen,
                          ckpt_heartbeat_t *out);

/* --- translation ------------------------------------------------------- */

/* An index of offset syncs that translates a source consumer offset U to
 * the target offset of the first mirrored record whose source offset is
 * >= U: where a consumer on the target resumes without skipping or
 * re-reading any mirrored record.
 *
 * xdc-mirror writes each sync with a header CKPT_PREV_HEADER naming the
 * previous sync it wrote for the same partition ("<upstream>:<offset>",
 * absent on the first one after a start without a known predecessor). Two
 * syncs so linked are, by the emitter's contract (mirror/mir_sync.h),
 * either on one +1 line or adjacent records with a break between them, so
 * any offset between them translates exactly. Between syncs that are not
 * linked (MirrorMaker 2's syncs, syncs lost to a crash or to compaction of
 * the syncs topic) the index answers one past the lower sync, as MM2
 * does: never past the right record, and marked inexact.
 *
 * Collinear linked syncs are merged as they arrive, so memory grows with
 * the breaks, not with the records; CKPT_INDEX_MAX_POINTS bounds a
 * partition (the oldest history goes first).
 *
 * Pure code, no locking: one thread owns an index. */

#define CKPT_PREV_HEADER "xdc.prev"

/* Points kept per partition before the oldest are dropped. */
#define CKPT_INDEX_MAX_POINTS 65536

typedef struct ckpt_index ckpt_index_t;

/* Why a translation is not exact. */
typedef enum ckpt_inexact {
    CKPT_EXACT = 0,
    CKPT_NO_SYNC,          /* no sync for the partition: nothing replicated yet */
    CKPT_BEFORE_HISTORY,   /* below the oldest sync kept */
    CKPT_SYNCS_MISSING,    /* between two syncs not known to be consecutive */
    CKPT_NOT_REPLICATED,   /* past the record after the last sync */
    CKPT_SOURCE_TRUNCATED, /* below the source's log start and not in the syncs */
    CKPT_TARGET_REGRESSED, /* below a point where the target's offsets went backwards */
    CKPT_SOURCE_REWOUND,   /* below a point where the source's offsets went backwards */
    CKPT_INEXACT_COUNT
} ckpt_inexact_t;

typedef struct ckpt_translation {
    int64_t offset;         /* the target offset; -1 when none can be given */
    ckpt_inexact_t inexact; /* CKPT_EXACT or the reason */
} ckpt_translation_t;

/** A reason as a short phrase ("source truncated").  @return static. */
const char *ckpt_inexact_str(ckpt_inexact_t why);

/** @return a new, empty index; free with ckpt_index_free(). */
ckpt_index_t *ckpt_index_new(void);

void ckpt_index_free(ckpt_index_t *ix);

/** Add a sync, in the order of the syncs topic.
 *  @param prev the value of its CKPT_PREV_HEADER, NULL when absent.
 *  @param prev_len its length.
 *  @return 0; XDC_EMALFORMED when @p prev is present but not
 *  "<int64>:<int64>" (the sync is then added as not linked). */
int ckpt_index_add(ckpt_index_t *ix, const ckpt_offset_sync_t *s, const char *prev,
                   size_t prev_len);

/** Translate source offset @p upstream of @p topic / @p partition.
 *  @param log_start the source partition's log start offset, or -1 when
 *  unknown: offsets below it whose record no sync covers are reported as
 *  CKPT_SOURCE_TRUNCATED (their records were deleted before being mirrored).
 *  @param out the answer; out->offset never exceeds the exact answer. */
void ckpt_index_translate(const ckpt_index_t *ix, const char *topic, size_t topic_len,
                          int32_t partition, int64_t upstream, int64_t log_start,
                          ckpt_translation_t *out);

/** The newest point held for @p topic / @p partition.
 *  @return true with it in *@p up and *@p down; false when none. */
bool ckpt_index_last(const ckpt_index_t *ix, const char *topic, size_t topic_len, int32_t partition,
                     int64_t *up, int64_t *down);

/** Points held for @p topic / @p partition (0 when unknown): for tests and
 *  metrics. */
size_t ckpt_index_points(const ckpt_index_t *ix, const char *topic, size_t topic_len,
                         int32_t partition);

/* --- reading the offset-syncs topic ---------------------------------- */

/* Called with each record read.  @return 0, or < 0 when it does not decode
 * (counted as malformed, then skipped). */
typedef int (*ckpt_record_cb)(const rd_kafka_message_t *m, void *opaque);

/** Read partition 0 of @p topic with @p rk (a consumer without a group;
 *  borrowed, assigned and unassigned here) from offset *@p next up to the
 *  high watermark it has when called, passing each record to @p cb.
 *  @param next in: where to start (0 the first time; moved up to the log
 *  start); out: where the next call starts.
 *  @return 0 (also when the topic does not exist yet); XDC_ETIMEDOUT when
 *  the end was not reached within @p timeout_ms (the records passed stay
 *  passed); XDC_EKAFKA with the reason in @p err. */
int ckpt_topic_read(rd_kafka_t *rk, const char *topic, int64_t *next, ckpt_record_cb cb,
                    void *opaque, int timeout_ms, size_t *malformed, char *err, size_t errlen);

/** Read partition 0 of the offset-syncs topic @p topic with @p rk (a
 *  consumer without a group; borrowed, assigned and unassigned here) from
 *  offset *@p next up to the high watermark it has when called, into @p ix.
 *  Records that do not decode are skipped and counted in *@p malformed.
 *  @param next in: where to start (0 the first time); out: where the next
 *  call starts.
 *  @return 0; XDC_ETIMEDOUT when the end was not reached within
 *  @p timeout_ms (what was read stays in @p ix); XDC_EKAFKA with the reason
 *  in @p err. */
int ckpt_syncs_read(rd_kafka_t *rk, const char *topic, int64_t *next, ckpt_index_t *ix,
                    int timeout_ms, size_t *malformed, char *err, size_t errlen);

/* --- the latest checkpoints ------------------------------------------ */

/* A checkpoint that is not exact carries this header, whose value is the
 * reason (ckpt_inexact_str()); MirrorMaker 2 readers ignore it. */
#define CKPT_INEXACT_HEADER "xdc.inexact"

typedef struct ckpt_stored {
    char *group; /* owned */
    char *topic; /* owned: the target-side topic, as in the record */
    int32_t partition;
    int64_t upstream;   /* -1 until set */
    int64_t downstream; /* -1 until set */
    ckpt_inexact_t inexact;
} ckpt_stored_t;

/* The latest checkpoint per (group, topic, partition), sorted by that key.
 * Zero-initialise; release with ckpt_store_close(). */
typedef struct ckpt_store {
    ckpt_stored_t *v;
    size_t n, cap;
} ckpt_store_t;

/** The reason named @p s (ckpt_inexact_str()), CKPT_INEXACT_COUNT when
 *  none is. */
ckpt_inexact_t ckpt_inexact_parse(const char *s, size_t len);

/** @return the entry of the key, or NULL. Borrowed until the next put. */
const ckpt_stored_t *ckpt_store_find(const ckpt_store_t *s, const char *group, const char *topic,
                                     int32_t partition);

/** @return the entry of the key, added (offsets -1) when new. Borrowed
 *  until the next put. */
ckpt_stored_t *ckpt_store_put(ckpt_store_t *s, const char *group, const char *topic,
                              int32_t partition);

/** Decode a checkpoint record and make it its key's latest.
 *  @param inexact the CKPT_INEXACT_HEADER value, NULL when absent.
 *  @return 0 or XDC_EMALFORMED / XDC_EUNSUPPORTED (@p s unchanged). */
int ckpt_store_add(ckpt_store_t *s, const void *key, size_t klen, const void *value, size_t vlen,
                   const char *inexact, size_t inexact_len);

/** ckpt_store_add() of a consumed record: a ckpt_record_cb whose opaque is
 *  the store. */
int ckpt_store_add_message(const rd_kafka_message_t *m, void *store);

void ckpt_store_close(ckpt_store_t *s);

#endif
