#ifndef XDC_TESTS_LIB_TH_KAFKA_H
#define XDC_TESTS_LIB_TH_KAFKA_H

/* Kafka clients for integration tests, on librdkafka: create and inspect
 * topics, produce a deterministic record sequence, read a topic back whole,
 * and check that one topic is a faithful mirror of another.
 *
 * Every function talks to @p bootstrap ("127.0.0.1:<port>", see
 * th_broker_t.bootstrap) with a client of its own, destroyed before it
 * returns, and fails the current cmocka test with a message on any error
 * unless its comment says otherwise. Internal waits are scaled with th_ms().
 * @thread the test's main thread only. */

#include <stddef.h>
#include <stdint.h>

/* A record as read back. Every pointer is owned by the enclosing th_recs_t.
 * key, value and header values carry one extra NUL byte past their length,
 * so printable ones can be used as C strings. */
typedef struct th_hdr {
    char *name;
    char *value; /* NULL for a null header value */
    size_t value_len;
} th_hdr_t;

typedef struct th_rec {
    char *topic;
    int32_t partition;
    int64_t offset;
    int64_t timestamp;
    int tstype; /* rd_kafka_timestamp_type_t: 1 CreateTime, 2 LogAppendTime */
    char *key;  /* NULL = null key */
    size_t key_len;
    char *value; /* NULL = null value (tombstone) */
    size_t value_len;
    th_hdr_t *hdrs;
    size_t nhdrs;
} th_rec_t;

typedef struct th_recs {
    th_rec_t *v;
    size_t count;
    size_t cap;
} th_recs_t; /* zero-initialise; release with th_recs_free() */

/* CreateTime of record seq written by th_kafka_produce(): TH_KAFKA_TS_BASE +
 * seq milliseconds (2023-11-14T22:13:20Z + seq ms). It lies in the past, so
 * a broker deletes rolled segments of such records after retention.ms (7
 * days by default): a test with a small segment.bytes that must keep its
 * records creates the topic with "retention.ms=-1". */
#define TH_KAFKA_TS_BASE INT64_C(1700000000000)

/* --- topics ----------------------------------------------------------- */

/** CreateTopics @p topic with @p partitions partitions, replication factor
 *  1 and @p configs ("key=value" strings, NULL-terminated, may be NULL);
 *  waits until Metadata lists all partitions. Fails when the topic exists. */
void th_kafka_create_topic(const char *bootstrap, const char *topic, int partitions,
                           const char *const *configs);

/** @return @p topic's partition count from Metadata, 0 when it does not
 *  exist. Asks for all topics, so it never auto-creates @p topic. */
int th_kafka_partitions(const char *bootstrap, const char *topic);

/** CreatePartitions: grow @p topic to @p total partitions; waits until
 *  Metadata shows them. */
void th_kafka_add_partitions(const char *bootstrap, const char *topic, int total);

/** DescribeConfigs of topic @p topic.
 *  @return the value of config @p name, caller-owned (free()), or NULL when
 *  the broker does not list it or lists it without a value. Fails when the
 *  topic does not exist. */
char *th_kafka_topic_config(const char *bootstrap, const char *topic, const char *name);

/** The value of broker config @p name on broker @p broker ("0"; "" for
 *  the cluster default), and its ConfigSource in @p source (may be NULL).
 *  @return caller-owned, or NULL when absent. Fails the test on error. */
char *th_kafka_broker_config(const char *bootstrap, const char *broker, const char *name,
                             int *source);

/** AlterConfigs of broker @p broker: @p name=@p value. Does not fail the
 *  test on a per-resource error.  @return 0, or the error code with its
 *  name and message in @p err. */
int th_kafka_alter_broker_config(const char *bootstrap, const char *broker, const char *name,
                                 const char *value, char *err, size_t errlen);

/** Every client the helpers of this file create from now on identifies as
 *  @p id (NULL: librdkafka's default). Loads and members keep the default. */
void th_kafka_set_client_id(const char *id);

/** AlterConfigs of topic @p topic: set @p name to @p value. Replaces the
 *  topic's other overrides with their defaults (the legacy API's rule).
 *  Fails the test on any error. */
void th_kafka_alter_topic_config(const char *bootstrap, const char *topic, const char *name,
                                 const char *value);

/** @return the members consumer group @p group has now (DescribeGroups).
 *  Fails the test on error. */
int th_kafka_group_members(const char *bootstrap, const char *group);

/** Commit offsets[i] for partition i of @p topic (0 <= i < @p n; a
 *  negative entry is left out) as consumer group @p group, without joining
 *  it. Fails the test on any error. */
void th_kafka_commit(const char *bootstrap, const char *group, const char *topic,
                     const int64_t *offsets, int n);

/* --- offsets ---------------------------------------------------------- */

/** @return the high watermark (next offset) of @p topic / @p partition. */
int64_t th_kafka_end_offset(const char *bootstrap, const char *topic, int32_t partition);

/** High watermarks of partitions 0 .. @p n - 1 into @p out[0 .. n - 1]. */
void th_kafka_end_offsets(const char *bootstrap, const char *topic, int64_t *out, int n);

/** @return the low watermark (log start offset) of @p topic / @p partition. */
int64_t th_kafka_log_start(const char *bootstrap, const char *topic, int32_t partition);

/** DeleteRecords: delete the records of @p topic / @p partition below
 *  @p before, which becomes the partition's log start offset (as retention
 *  or compaction would remove them). Fails the test on any error, and when
 *  the broker answers a log start other than @p before. */
void th_kafka_delete_records(const char *bootstrap, const char *topic, int32_t partition,
                             int64_t before);

/** The offsets consumer group @p group has committed for partitions
 *  0 .. @p n - 1 of @p topic (ListConsumerGroupOffsets), into
 *  @p out[0 .. n - 1]; -1 where it has none. Does not join the group. */
void th_kafka_group_offsets(const char *bootstrap, const char *group, const char *topic,
                            int64_t *out, int n);

/* --- producing -------------------------------------------------------- */

/** Produce records seq @p first .. @p first + @p n - 1 to @p topic with an
 *  idempotent producer (acks=all), in seq order. Record seq goes to
 *  partition seq % @p partitions with
 *    key   "k-<seq>",
 *    value th_kafka_value(@p tag, seq),
 *    headers "h1" = "<seq>" and "h2" = th_kafka_h2(seq) (4 bytes, one zero),
 *    CreateTime TH_KAFKA_TS_BASE + seq.
 *  So when @p first is 0 and the partition was empty, offset o of partition
 *  p holds seq p + partitions * o. Fails unless every record is acknowledged
 *  (it waits as long as acknowledgements keep coming). */
void th_kafka_produce(const char *bootstrap, const char *topic, int partitions, long first, long n,
                      const char *tag);

/** The value th_kafka_produce() writes for @p seq: "<tag>-<seq>-" and 20 to
 *  300 printable filler bytes derived from @p seq alone.
 *  @param len out: the value's length.  @return caller-owned, NUL-terminated. */
char *th_kafka_value(const char *tag, long seq, size_t *len);

/** The 4 bytes of header "h2" for @p seq: 0x00 0xff, then seq's low 16 bits
 *  big-endian. */
void th_kafka_h2(long seq, uint8_t out[4]);

/** Check that @p r is exactly what th_kafka_produce(..., @p tag) wrote for
 *  @p seq: key, value, the headers h1 and h2 alone and in that order
 *  (headers named "xdc.*" are ignored), CreateTime and timestamp. The
 *  partition is not checked. Does not fail the test.
 *  @param why out, may be NULL: what differs.  @return 0 when it matches, else -1. */
int th_rec_check_produced(const th_rec_t *r, const char *tag, long seq, char *why, size_t len);

/* What th_kafka_produce_opts() does beyond th_kafka_produce(). */
typedef struct th_kafka_produce_opts {
    /* More producer settings, "name", "value", ..., NULL; applied last, so
     * they win (e.g. "compression.codec", "lz4", "linger.ms", "20": batches
     * of many records). May be NULL. */
    const char *const *conf;
    /* When gap_mod > 0, each record with seq % gap_mod == gap_rem gets a
     * third header "xdc.origin" = gap_origin after h1 and h2. An xdc-mirror
     * flow into the cluster named gap_origin does not copy such a record
     * (loop prevention): a gap in the source offsets it copies. */
    long gap_mod;
    long gap_rem;
    const char *gap_origin;
} th_kafka_produce_opts_t;

/** th_kafka_produce() with the options @p o (borrowed, may be NULL: then it
 *  writes what th_kafka_produce() writes). th_rec_check_produced() accepts
 *  the records, the "xdc.origin" header included. */
void th_kafka_produce_opts(const char *bootstrap, const char *topic, int partitions, long first,
                           long n, const char *tag, const th_kafka_produce_opts_t *o);

/** @return 1 when th_kafka_produce_opts() with @p o (may be NULL) gives
 *  record @p seq the "xdc.origin" header, else 0. */
int th_kafka_produce_is_gap(const th_kafka_produce_opts_t *o, long seq);

/* --- consuming -------------------------------------------------------- */

/** Read all of @p topic: assign every partition from the beginning (no
 *  group membership, nothing committed, read_committed) and read until every
 *  partition reaches the high watermark it had when the call started.
 *  Appends the records to @p out, the new ones sorted by (partition, offset).
 *  Fails when the topic does not exist or after @p timeout_ms (not scaled:
 *  pass th_ms(...)) with the partitions still short. */
void th_kafka_consume_all(const char *bootstrap, const char *topic, th_recs_t *out, int timeout_ms);

/** @return the first header of @p r named @p name, or NULL. Borrowed. */
const th_hdr_t *th_rec_header(const th_rec_t *r, const char *name);

/** Free everything in @p rs and zero it (reusable). NULL does nothing. */
void th_recs_free(th_recs_t *rs);

/** Join consumer group @p group (subscribe to @p topic, no commits,
 *  auto.offset.reset=error) and read the first record the group's
 *  committed offsets give it from each of partitions 0 .. @p nparts - 1:
 *  where a consumer of the group resumes. Appends them to @p out, the new
 *  ones sorted by partition, and leaves the group (consumer close) before
 *  returning. Fails when a partition has no committed offset or one out of
 *  range (the reset error), on any other consumer error, and after
 *  @p timeout_ms (not scaled) with partitions still unread. */
void th_kafka_group_first(const char *bootstrap, const char *group, const char *topic, int nparts,
                          th_recs_t *out, int timeout_ms);

/* --- mirror verification ---------------------------------------------- */

/* The mirror adds two headers to each record it copies:
 *   "xdc.origin" = alias of the cluster where the record was first produced;
 *   "xdc.src"    = "<source alias>:<source partition>:<source offset>" of the
 *                  copy it was made from. */

typedef struct th_mirror_check {
    long missing;    /* src records no dst record was copied from */
    long duplicates; /* dst records copied from a src record seen before */
    long mismatched; /* dst records that differ, are out of order, or carry bad xdc.* headers */
    char first_problem[512]; /* "" when all three are 0 */
} th_mirror_check_t;

/** Compare @p dst (a mirrored topic read whole) with @p src (its source).
 *  Per partition, the dst records must be the src records of the same
 *  partition in the same order, with equal key (a null key is not an empty
 *  one), value, headers other than "xdc.*" (names, order, bytes), timestamp
 *  and timestamp type; each dst record carries exactly one "xdc.src" naming
 *  (@p source_alias, its partition, the src record's offset) and exactly one
 *  "xdc.origin" equal to @p origin_alias. A dst record whose xdc.src offset
 *  was already seen is a duplicate and is skipped; a src record no dst
 *  record names is missing. Does not fail the test.
 *  @param src, dst borrowed; records of each partition in offset order.
 *  @param out filled in full, first_problem names partition, offsets and field. */
void th_recs_compare_mirrored(const th_recs_t *src, const th_recs_t *dst, const char *source_alias,
                              const char *origin_alias, th_mirror_check_t *out);

/* --- load and waiting ------------------------------------------------ */

/** Sum of the high watermarks of partitions 0 .. @p n - 1. */
int64_t th_kafka_end_sum(const char *bootstrap, const char *topic, int n);

/** Wait until @p topic has at least @p nparts partitions holding @p want
 *  records in all. Does not fail the test, so the caller can add context.
 *  @param have out, may be NULL: the records found last.
 *  @return 0, or -ETIMEDOUT after @p timeout_ms (not scaled). */
int th_kafka_wait_count(const char *bootstrap, const char *topic, int nparts, int64_t want,
                        int timeout_ms, int64_t *have);

/* A producer thread writing to @p topic until stopped: about @p per_10ms
 * records of @p value_len bytes every 10 ms, record seq to partition
 * seq % partitions with key "k-<seq>", idempotent, acks=all. */
typedef struct th_kafka_load th_kafka_load_t;

/** Start a load.  @return the load (stop it with th_kafka_load_stop()). */
th_kafka_load_t *th_kafka_load_start(const char *bootstrap, const char *topic, int partitions,
                                     size_t value_len, int per_10ms);

/** @return records accepted so far (acknowledged after th_kafka_load_stop()). */
long th_kafka_load_produced(th_kafka_load_t *l);

/** Stop, flush and free @p l; fails the test unless every record was
 *  acknowledged.  @return the number of records produced. */
long th_kafka_load_stop(th_kafka_load_t *l);

/* A member of a consumer group, kept in it by a thread of its own that
 * polls (and drops the records it gets) until stopped. It never commits. */
typedef struct th_kafka_member th_kafka_member_t;

/** Join @p group on @p bootstrap, subscribed to @p topic.
 *  @return the member (stop it with th_kafka_member_stop()). */
th_kafka_member_t *th_kafka_member_start(const char *bootstrap, const char *group,
                                         const char *topic);

/** @return how many partitions @p m holds now (0 before its first
 *  assignment). */
int th_kafka_member_assigned(th_kafka_member_t *m);

/** Leave the group (consumer close) and free @p m. NULL does nothing.
 *  Never fails the test, so teardowns can call it. */
void th_kafka_member_stop(th_kafka_member_t *m);

#endif
