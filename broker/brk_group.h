#ifndef XDC_BROKER_BRK_GROUP_H
#define XDC_BROKER_BRK_GROUP_H

/* Classic consumer-group coordinator: the state machine of Kafka's classic
 * group protocol (group-coordinator .../classic/ClassicGroup.java and
 * GroupMetadataManager.java), for the bundled single-node broker.
 *
 * Pure and single-threaded (@thread broker loop only): no sockets, no
 * libuv, no disk, no clock. Every call that depends on time takes now_ms,
 * milliseconds since the Unix epoch: Kafka's records carry commitTimestamp
 * and currentStateTimestamp, which must mean something after a restart.
 * The coordinator only compares and adds durations, so it tolerates a clock
 * step as Kafka does. The broker calls brk_group_tick() when
 * brk_group_next_deadline() is due.
 *
 * Not modelled: group.max.size, the 5-minute new-member join timeout,
 * pending transactional offsets (RequireStable is ignored), the removal of
 * Empty groups that have no offsets (they stay listed until deleted), and
 * offset expiry for non-Empty groups (topics no longer subscribed).
 *
 * Group states: Empty, PreparingRebalance, CompletingRebalance, Stable, Dead.
 *
 * Memory:
 *  - Requests are borrowed for the duration of the call. The coordinator
 *    copies everything it keeps (group ids, member ids, instance ids,
 *    protocol metadata, assignments, committed metadata), since request
 *    slices die with the frame.
 *  - Responses (filled in place, or passed to a completion callback) borrow
 *    slices and arrays from the coordinator: they stay valid until the next
 *    call into the coordinator (or, for a callback, until it returns). The
 *    broker encodes them at once.
 *
 * Deferred responses: JoinGroup and SyncGroup may have to wait for other
 * members. brk_group_join()/brk_group_sync() then return BRK_GROUP_PENDING
 * and later invoke the caller's callback exactly once with the caller's
 * ctx, from inside some later call (another member's join, a tick, ...), or
 * even from inside the same call (when this request completes the phase).
 * So ctx must be ready before the call. A callback must not call back into
 * the coordinator. brk_group_cancel() drops pending callbacks of a closed
 * connection.
 *
 * Persistence: every change to committed offsets or group metadata is
 * emitted through the record callback as a __consumer_offsets record in
 * Kafka's own format (kwire_group.h); feeding those records back through
 * brk_group_load_record() into a fresh coordinator restores the state. */

#include "broker/kwire_group.h"

#include <stdint.h>

typedef struct brk_group_conf {
    int32_t group_initial_rebalance_delay_ms; /* 3000: first join into an Empty group */
    int32_t group_min_session_timeout_ms;     /* 6000 */
    int32_t group_max_session_timeout_ms;     /* 1800000 */
    int64_t offsets_retention_ms;      /* 0 = keep offsets forever; else Kafka's expiry rule */
    int32_t offset_metadata_max_bytes; /* 4096 (offset.metadata.max.bytes) */
} brk_group_conf_t;

/** Fill @p c with the defaults above.  @thread any. */
void brk_group_conf_init(brk_group_conf_t *c);

typedef struct brk_group_coord brk_group_coord_t;

/** A __consumer_offsets record to append: @p key and @p value are borrowed
 *  for the call; value.len == -1 is a tombstone. */
typedef void brk_group_record_cb(void *ctx, kwire_slice_t key, kwire_slice_t value);

/** Completion of a deferred JoinGroup/SyncGroup. @p resp is borrowed for
 *  the call. */
typedef void brk_group_join_cb(void *ctx, const kwire_JoinGroupResponse_t *resp);
typedef void brk_group_sync_cb(void *ctx, const kwire_SyncGroupResponse_t *resp);

enum brk_group_result {
    BRK_GROUP_DONE = 0,    /* *resp is filled; the callback never runs */
    BRK_GROUP_PENDING = 1, /* the callback runs later (or already ran) */
};

/** Create a coordinator with no groups.  @param conf copied.
 *  @param record_cb may be NULL (no persistence).
 *  @return owned by the caller; free with brk_group_free(). */
brk_group_coord_t *brk_group_new(const brk_group_conf_t *conf, brk_group_record_cb *record_cb,
                                 void *record_ctx);
/** Free everything; pending callbacks never run. NULL is a no-op. */
void brk_group_free(brk_group_coord_t *c);

/** JoinGroup at version @p ver (v4+ sends MEMBER_ID_REQUIRED to a dynamic
 *  member with an empty MemberId). @p client_id / @p client_host are kept
 *  for DescribeGroups (copied; may be null slices).
 *  @return BRK_GROUP_DONE (*resp filled) or BRK_GROUP_PENDING. */
int brk_group_join(brk_group_coord_t *c, int64_t now_ms, int16_t ver,
                   const kwire_JoinGroupRequest_t *req, kwire_slice_t client_id,
                   kwire_slice_t client_host, brk_group_join_cb *cb, void *ctx,
                   kwire_JoinGroupResponse_t *resp);

/** SyncGroup. The leader's assignments complete every waiting member.
 *  @return BRK_GROUP_DONE (*resp filled) or BRK_GROUP_PENDING. */
int brk_group_sync(brk_group_coord_t *c, int64_t now_ms, const kwire_SyncGroupRequest_t *req,
                   brk_group_sync_cb *cb, void *ctx, kwire_SyncGroupResponse_t *resp);

/** Drop every pending JoinGroup/SyncGroup callback registered with @p ctx
 *  (its connection closed). The members stay, as in Kafka, until they
 *  leave or their session times out (which is no longer suspended by the
 *  pending request). */
void brk_group_cancel(brk_group_coord_t *c, void *ctx);

void brk_group_heartbeat(brk_group_coord_t *c, int64_t now_ms, const kwire_HeartbeatRequest_t *req,
                         kwire_HeartbeatResponse_t *resp);

/** LeaveGroup: v0-2 use req->MemberId (result in resp->ErrorCode); v3+
 *  use req->Members (per-member results in resp->Members). */
void brk_group_leave(brk_group_coord_t *c, int64_t now_ms, int16_t ver,
                     const kwire_LeaveGroupRequest_t *req, kwire_LeaveGroupResponse_t *resp);

void brk_group_offset_commit(brk_group_coord_t *c, int64_t now_ms,
                             const kwire_OffsetCommitRequest_t *req,
                             kwire_OffsetCommitResponse_t *resp);

void brk_group_offset_fetch(brk_group_coord_t *c, const kwire_OffsetFetchRequest_t *req,
                            kwire_OffsetFetchResponse_t *resp);

void brk_group_offset_delete(brk_group_coord_t *c, const kwire_OffsetDeleteRequest_t *req,
                             kwire_OffsetDeleteResponse_t *resp);

void brk_group_describe(brk_group_coord_t *c, const kwire_DescribeGroupsRequest_t *req,
                        kwire_DescribeGroupsResponse_t *resp);

void brk_group_list(brk_group_coord_t *c, const kwire_ListGroupsRequest_t *req,
                    kwire_ListGroupsResponse_t *resp);

void brk_group_delete(brk_group_coord_t *c, const kwire_DeleteGroupsRequest_t *req,
                      kwire_DeleteGroupsResponse_t *resp);

/** Run every timer due at @p now_ms: initial rebalance delay, rebalance
 *  (join) timeout, sync timeout, member session expiry, offset retention.
 *  May invoke join/sync callbacks and the record callback. */
void brk_group_tick(brk_group_coord_t *c, int64_t now_ms);

/** Remove every member of every group whose client.id @p keep does not
 *  accept (@p keep NULL: all), as if its session had expired: a fenced
 *  broker's clients cannot come back, and their groups must be free for
 *  offsets to be set. Pending joins and syncs of removed members fail with
 *  UNKNOWN_MEMBER_ID. */
void brk_group_evict(brk_group_coord_t *c, int64_t now_ms,
                     int (*keep)(const char *client_id, void *arg), void *arg);

/** @return the earliest time brk_group_tick() has work, or INT64_MAX. */
int64_t brk_group_next_deadline(const brk_group_coord_t *c);

/** Apply one __consumer_offsets record at startup, in log order (later
 *  records win). @p key, @p value borrowed; value.len -1 = tombstone.
 *  Restored groups with members are Stable, their sessions start at
 *  @p now_ms. Never emits records.
 *  @return 0, XDC_EMALFORMED, XDC_EUNSUPPORTED (a key version other than
 *  0-2: skip it). */
int brk_group_load_record(brk_group_coord_t *c, int64_t now_ms, kwire_slice_t key,
                          kwire_slice_t value);

/** Group state for tests and logs: "Empty", "PreparingRebalance",
 *  "CompletingRebalance", "Stable", "Dead" (unknown groups).
 *  @param group borrowed.  @return a static string. */
const char *brk_group_state(const brk_group_coord_t *c, kwire_slice_t group);

#endif
