#ifndef XDC_BROKER_BRK_TOPIC_CONF_H
#define XDC_BROKER_BRK_TOPIC_CONF_H

/* Topic-level settings (Kafka's topic configs), private to broker/. Each
 * has a broker-level default under Kafka's broker key (log.retention.ms
 * for retention.ms): a topic's effective configuration is the built-in
 * default, then the broker file, then the topic's own overrides
 * (CreateTopics, AlterConfigs). One list defines both tables so bounds and
 * defaults cannot drift apart. */

#include "conf/conf.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct brk_topic_conf {
    conf_list_t cleanup_policy;
    int compression_type;
    int64_t delete_retention_ms;
    int64_t file_delete_delay_ms;
    int64_t flush_messages;
    int64_t flush_ms;
    int32_t index_interval_bytes;
    int64_t max_compaction_lag_ms;
    int32_t max_message_bytes;
    char *message_format_version; /* accepted, no effect (Kafka 3.x) */
    int message_timestamp_type;   /* BRK_TS_CREATE_TIME or BRK_TS_LOG_APPEND_TIME */
    int64_t timestamp_difference_max_ms;
    double min_cleanable_dirty_ratio;
    int64_t min_compaction_lag_ms;
    int32_t min_insync_replicas;
    bool preallocate;
    int64_t retention_bytes;
    int64_t retention_ms;
    int32_t segment_bytes;
    int32_t segment_index_bytes;
    int64_t segment_ms;
    bool unclean_leader_election_enable;
} brk_topic_conf_t;

enum { BRK_TS_CREATE_TIME = 0, BRK_TS_LOG_APPEND_TIME = 1 };

int brk__check_cleanup_policy(const void *field, char *why, size_t whylen);

/* X(topic key, broker key, type, field, min, max, default, choices, flags,
 *   check, doc) */
/* clang-format off */
#define BRK_TOPIC_CONFIGS(X) \
    X("cleanup.policy", "log.cleanup.policy", CONF_LIST, cleanup_policy, 0, 0, "delete", NULL, CONF_F_NONEMPTY, brk__check_cleanup_policy, \
      "delete, compact, or both. Compacted topics are kept in full (no log cleaner yet) and  require keys on every record.") \
    X("compression.type", "compression.type", CONF_ENUM, compression_type, 0, 0, "producer", "uncompressed|zstd|lz4|snappy|gzip|producer", 0, NULL, \
      "Batches are stored exactly as produced; a value other than producer is recorded and  reported but does not recompress.") \
    X("delete.retention.ms", "log.cleaner.delete.retention.ms", CONF_LONG, delete_retention_ms, 0, INT64_MAX, "86400000", NULL, 0, NULL, \
      "How long tombstones are kept on compacted topics.") \
    X("file.delete.delay.ms", "log.segment.delete.delay.ms", CONF_LONG, file_delete_delay_ms, 0, INT64_MAX, "60000", NULL, 0, NULL, \
      "Delay before a deleted segment's files are removed.") \
    X("flush.messages", "log.flush.interval.messages", CONF_LONG, flush_messages, 1, INT64_MAX, "9223372036854775807", NULL, 0, NULL, \
      "fsync after this many messages; the default leaves flushing to the OS.") \
    X("flush.ms", "log.flush.interval.ms", CONF_LONG, flush_ms, 0, INT64_MAX, "9223372036854775807", NULL, 0, NULL, \
      "fsync when the oldest unflushed message is this old.") \
    X("index.interval.bytes", "log.index.interval.bytes", CONF_INT, index_interval_bytes, 0, INT32_MAX, "4096", NULL, 0, NULL, \
      "Log bytes between offset index entries.") \
    X("max.compaction.lag.ms", "log.cleaner.max.compaction.lag.ms", CONF_LONG, max_compaction_lag_ms, 1, INT64_MAX, "9223372036854775807", NULL, 0, NULL, \
      "Longest time a record stays uncompacted (no log cleaner yet).") \
    X("max.message.bytes", "message.max.bytes", CONF_INT, max_message_bytes, 0, INT32_MAX, "1048588", NULL, 0, NULL, \
      "Largest record batch accepted, after compression; larger ones get MESSAGE_TOO_LARGE.") \
    X("message.format.version", "log.message.format.version", CONF_STRING, message_format_version, 0, 0, "3.0-IV1", NULL, 0, NULL, \
      "Accepted for compatibility and has no effect, as in Kafka 3.x: batches are stored in format v2.") \
    X("message.timestamp.type", "log.message.timestamp.type", CONF_ENUM, message_timestamp_type, 0, 0, "CreateTime", "CreateTime|LogAppendTime", 0, NULL, \
      "CreateTime keeps the producer's timestamps; LogAppendTime stamps batches on append.") \
    X("message.timestamp.difference.max.ms", "log.message.timestamp.difference.max.ms", CONF_LONG, timestamp_difference_max_ms, 0, INT64_MAX, "9223372036854775807", NULL, 0, NULL, \
      "Largest allowed distance between a record's timestamp and the broker's clock (CreateTime only); farther records get INVALID_TIMESTAMP.") \
    X("min.cleanable.dirty.ratio", "log.cleaner.min.cleanable.ratio", CONF_DOUBLE, min_cleanable_dirty_ratio, 0, 1, "0.5", NULL, 0, NULL, \
      "Compaction trigger ratio (no log cleaner yet).") \
    X("min.compaction.lag.ms", "log.cleaner.min.compaction.lag.ms", CONF_LONG, min_compaction_lag_ms, 0, INT64_MAX, "0", NULL, 0, NULL, \
      "Shortest time a record stays uncompacted (no log cleaner yet).") \
    X("min.insync.replicas", "min.insync.replicas", CONF_INT, min_insync_replicas, 1, INT32_MAX, "1", NULL, 0, NULL, \
      "Replicas that must acknowledge acks=all writes; a single node has one.") \
    X("preallocate", "log.preallocate", CONF_BOOL, preallocate, 0, 0, "false", NULL, 0, NULL, \
      "Preallocate segment files (accepted for compatibility; segments grow as written).") \
    X("retention.bytes", "log.retention.bytes", CONF_LONG, retention_bytes, -1, INT64_MAX, "-1", NULL, 0, NULL, \
      "Delete the oldest segments once a partition exceeds this size; -1 = no limit.") \
    X("retention.ms", "log.retention.ms", CONF_LONG, retention_ms, -1, INT64_MAX, "604800000", NULL, 0, NULL, \
      "Delete segments whose newest record is older than this; -1 = forever.") \
    X("segment.bytes", "log.segment.bytes", CONF_INT, segment_bytes, 14, INT32_MAX, "1073741824", NULL, 0, NULL, \
      "Roll to a new segment file before the active one exceeds this size.") \
    X("segment.index.bytes", "log.index.size.max.bytes", CONF_INT, segment_index_bytes, 4, INT32_MAX, "10485760", NULL, 0, NULL, \
      "Largest offset index per segment; a full index rolls the segment.") \
    X("segment.ms", "log.roll.ms", CONF_LONG, segment_ms, 1, INT64_MAX, "604800000", NULL, 0, NULL, \
      "Roll to a new segment this long after the active one's first append.") \
    X("unclean.leader.election.enable", "unclean.leader.election.enable", CONF_BOOL, unclean_leader_election_enable, 0, 0, "false", NULL, 0, NULL, \
      "Allow out-of-sync replicas to lead (no effect on a single node).")
/* clang-format on */

/** The topic-level table (keys such as retention.ms). */
extern const conf_table_t brk_topic_conf_table;

/** @return the broker key giving @p topic_key its default, or NULL. */
const char *brk_topic_conf_broker_key(const char *topic_key);

#endif
