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

#endif
