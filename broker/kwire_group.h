#ifndef XDC_BROKER_KWIRE_GROUP_H
#define XDC_BROKER_KWIRE_GROUP_H

/* Classic consumer-group APIs: request decoders and response encoders, field
 * for field as in ../shared/kafka-protocol/messages/<Name>.json, plus the
 * record formats of the internal __consumer_offsets topic (Kafka's
 * group-coordinator OffsetCommitKey/Value, GroupMetadataKey/Value).
 *
 * Pure: no I/O, no logging. Decoders take a reader positioned at the request
 * body and return 0 or XDC_EMALFORMED; decoded slices are borrowed from the
 * frame and decoded arrays are allocated from @p a (the per-request arena),
 * so both die with the request. A non-nullable array sent as null is
 * malformed. Encoders append the response body (no header) to @p b; every
 * slice and array in a response struct is borrowed from the caller.
 *
 * Versions served (reference/kafka-broker.md §3): FindCoordinator 0-2,
 * JoinGroup 0-5, Heartbeat 0-3, LeaveGroup 0-3, SyncGroup 0-3,
 * OffsetCommit 2-7, OffsetFetch 1-7 (flexible 6+), DescribeGroups 0-4,
 * ListGroups 0-4 (flexible 3+), DeleteGroups 0-1, OffsetDelete 0. The codecs
 * follow each schema's flexibleVersions, so they also read the compact forms
 * of higher versions where the field set is the same. */

#include "broker/kwire.h"
#include "common/arena.h"
#include "common/buf.h"

#include <stdint.h>

/* ---- FindCoordinator (key 10) ------------------------------------------- */

typedef struct kwire_FindCoordinatorRequest {
    kwire_slice_t Key; /* v0-3 */
    int8_t KeyType;    /* v1+; 0 = group, 1 = transaction */
} kwire_FindCoordinatorRequest_t;

typedef struct kwire_FindCoordinatorResponse {
    int32_t ThrottleTimeMs;     /* v1+ */
    int16_t ErrorCode;          /* v0-3 */
    kwire_slice_t ErrorMessage; /* v1-3, nullable */
    int32_t NodeId;
    kwire_slice_t Host;
    int32_t Port;
} kwire_FindCoordinatorResponse_t;

/** @return 0, XDC_EMALFORMED.  @thread any. */
int kwire_decode_FindCoordinatorRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                        kwire_FindCoordinatorRequest_t *req);
/** Versions 0-3 (v4+ batches are not served). */
void kwire_encode_FindCoordinatorResponse(buf_t *b, int16_t ver,
                                          const kwire_FindCoordinatorResponse_t *resp);

/* ---- JoinGroup (key 11) ------------------------------------------------- */

typedef struct kwire_JoinGroupRequestProtocol {
    kwire_slice_t Name;
    kwire_slice_t Metadata;
} kwire_JoinGroupRequestProtocol_t;

typedef struct kwire_JoinGroupRequest {
    kwire_slice_t GroupId;
    int32_t SessionTimeoutMs;
    int32_t RebalanceTimeoutMs;    /* v1+; -1 on v0 */
    kwire_slice_t MemberId;        /* "" = unknown member */
    kwire_slice_t GroupInstanceId; /* v5+, nullable; null before v5 */
    kwire_slice_t ProtocolType;
    kwire_JoinGroupRequestProtocol_t *Protocols; /* from the arena */
    int32_t ProtocolsCount;
    kwire_slice_t Reason; /* v8+, nullable */
} kwire_JoinGroupRequest_t;

typedef struct kwire_JoinGroupResponseMember {
    kwire_slice_t MemberId;
    kwire_slice_t GroupInstanceId; /* v5+, nullable */
    kwire_slice_t Metadata;
} kwire_JoinGroupResponseMember_t;

typedef struct kwire_JoinGroupResponse {
    int32_t ThrottleTimeMs; /* v2+ */
    int16_t ErrorCode;
    int32_t GenerationId;
    kwire_slice_t ProtocolType; /* v7+, nullable */
    kwire_slice_t ProtocolName; /* nullable v7+; null is written as "" before v7 */
    kwire_slice_t Leader;
    int SkipAssignment; /* v9+ */
    kwire_slice_t MemberId;
    const kwire_JoinGroupResponseMember_t *Members;
    int32_t MembersCount;
} kwire_JoinGroupResponse_t;

int kwire_decode_JoinGroupRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                  kwire_JoinGroupRequest_t *req);
void kwire_encode_JoinGroupResponse(buf_t *b, int16_t ver, const kwire_JoinGroupResponse_t *resp);

/* ---- SyncGroup (key 14) ------------------------------------------------- */

typedef struct kwire_SyncGroupRequestAssignment {
    kwire_slice_t MemberId;
    kwire_slice_t Assignment;
} kwire_SyncGroupRequestAssignment_t;

typedef struct kwire_SyncGroupRequest {
    kwire_slice_t GroupId;
    int32_t GenerationId;
    kwire_slice_t MemberId;
    kwire_slice_t GroupInstanceId; /* v3+, nullable */
    kwire_slice_t ProtocolType;    /* v5+, nullable */
    kwire_slice_t ProtocolName;    /* v5+, nullable */
    kwire_SyncGroupRequestAssignment_t *Assignments;
    int32_t AssignmentsCount;
} kwire_SyncGroupRequest_t;

typedef struct kwire_SyncGroupResponse {
    int32_t ThrottleTimeMs; /* v1+ */
    int16_t ErrorCode;
    kwire_slice_t ProtocolType; /* v5+, nullable */
    kwire_slice_t ProtocolName; /* v5+, nullable */
    kwire_slice_t Assignment;   /* a null slice is written as empty */
} kwire_SyncGroupResponse_t;

int kwire_decode_SyncGroupRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                  kwire_SyncGroupRequest_t *req);
void kwire_encode_SyncGroupResponse(buf_t *b, int16_t ver, const kwire_SyncGroupResponse_t *resp);

/* ---- Heartbeat (key 12) ------------------------------------------------- */

typedef struct kwire_HeartbeatRequest {
    kwire_slice_t GroupId;
    int32_t GenerationId;
    kwire_slice_t MemberId;
    kwire_slice_t GroupInstanceId; /* v3+, nullable */
} kwire_HeartbeatRequest_t;

typedef struct kwire_HeartbeatResponse {
    int32_t ThrottleTimeMs; /* v1+ */
    int16_t ErrorCode;
} kwire_HeartbeatResponse_t;

int kwire_decode_HeartbeatRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                  kwire_HeartbeatRequest_t *req);
void kwire_encode_HeartbeatResponse(buf_t *b, int16_t ver, const kwire_HeartbeatResponse_t *resp);

/* ---- LeaveGroup (key 13) ------------------------------------------------ */

typedef struct kwire_MemberIdentity {
    kwire_slice_t MemberId;
    kwire_slice_t GroupInstanceId; /* nullable */
    kwire_slice_t Reason;          /* v5+, nullable */
} kwire_MemberIdentity_t;

typedef struct kwire_LeaveGroupRequest {
    kwire_slice_t GroupId;
    kwire_slice_t MemberId;          /* v0-2; null from v3 */
    kwire_MemberIdentity_t *Members; /* v3+; NULL with count 0 before */
    int32_t MembersCount;
} kwire_LeaveGroupRequest_t;

typedef struct kwire_LeaveGroupMemberResponse {
    kwire_slice_t MemberId;
    kwire_slice_t GroupInstanceId; /* nullable */
    int16_t ErrorCode;
} kwire_LeaveGroupMemberResponse_t;

typedef struct kwire_LeaveGroupResponse {
    int32_t ThrottleTimeMs; /* v1+ */
    int16_t ErrorCode;
    const kwire_LeaveGroupMemberResponse_t *Members; /* v3+ */
    int32_t MembersCount;
} kwire_LeaveGroupResponse_t;

int kwire_decode_LeaveGroupRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                   kwire_LeaveGroupRequest_t *req);
void kwire_encode_LeaveGroupResponse(buf_t *b, int16_t ver, const kwire_LeaveGroupResponse_t *resp);

/* ---- OffsetCommit (key 8) ----------------------------------------------- */

typedef struct kwire_OffsetCommitRequestPartition {
    int32_t PartitionIndex;
    int64_t CommittedOffset;
    int32_t CommittedLeaderEpoch;    /* v6+; -1 before */
    int64_t CommitTimestamp;         /* v1 only; -1 otherwise */
    kwire_slice_t CommittedMetadata; /* nullable */
} kwire_OffsetCommitRequestPartition_t;

typedef struct kwire_OffsetCommitRequestTopic {
    kwire_slice_t Name;
    kwire_OffsetCommitRequestPartition_t *Partitions;
    int32_t PartitionsCount;
} kwire_OffsetCommitRequestTopic_t;

typedef struct kwire_OffsetCommitRequest {
    kwire_slice_t GroupId;
    int32_t GenerationIdOrMemberEpoch; /* v1+; -1 before */
    kwire_slice_t MemberId;            /* v1+; "" before */
    kwire_slice_t GroupInstanceId;     /* v7+, nullable */
    int64_t RetentionTimeMs;           /* v2-4; -1 otherwise */
    kwire_OffsetCommitRequestTopic_t *Topics;
    int32_t TopicsCount;
} kwire_OffsetCommitRequest_t;

typedef struct kwire_OffsetCommitResponsePartition {
    int32_t PartitionIndex;
    int16_t ErrorCode;
} kwire_OffsetCommitResponsePartition_t;

typedef struct kwire_OffsetCommitResponseTopic {
    kwire_slice_t Name;
    const kwire_OffsetCommitResponsePartition_t *Partitions;
    int32_t PartitionsCount;
} kwire_OffsetCommitResponseTopic_t;

typedef struct kwire_OffsetCommitResponse {
    int32_t ThrottleTimeMs; /* v3+ */
    const kwire_OffsetCommitResponseTopic_t *Topics;
    int32_t TopicsCount;
} kwire_OffsetCommitResponse_t;

int kwire_decode_OffsetCommitRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                     kwire_OffsetCommitRequest_t *req);
void kwire_encode_OffsetCommitResponse(buf_t *b, int16_t ver,
                                       const kwire_OffsetCommitResponse_t *resp);

/* ---- OffsetFetch (key 9), versions 0-7 ----------------------------------- */

typedef struct kwire_OffsetFetchRequestTopic {
    kwire_slice_t Name;
    int32_t *PartitionIndexes;
    int32_t PartitionIndexesCount;
} kwire_OffsetFetchRequestTopic_t;

typedef struct kwire_OffsetFetchRequest {
    kwire_slice_t GroupId;
    kwire_OffsetFetchRequestTopic_t *Topics;
    int32_t TopicsCount; /* -1 = null = all topics (v2+) */
    int RequireStable;   /* v7+ */
} kwire_OffsetFetchRequest_t;

typedef struct kwire_OffsetFetchResponsePartition {
    int32_t PartitionIndex;
    int64_t CommittedOffset;
    int32_t CommittedLeaderEpoch; /* v5+ */
    kwire_slice_t Metadata;       /* nullable */
    int16_t ErrorCode;
} kwire_OffsetFetchResponsePartition_t;

typedef struct kwire_OffsetFetchResponseTopic {
    kwire_slice_t Name;
    const kwire_OffsetFetchResponsePartition_t *Partitions;
    int32_t PartitionsCount;
} kwire_OffsetFetchResponseTopic_t;

typedef struct kwire_OffsetFetchResponse {
    int32_t ThrottleTimeMs; /* v3+ */
    const kwire_OffsetFetchResponseTopic_t *Topics;
    int32_t TopicsCount;
    int16_t ErrorCode; /* v2+ */
} kwire_OffsetFetchResponse_t;

int kwire_decode_OffsetFetchRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                    kwire_OffsetFetchRequest_t *req);
void kwire_encode_OffsetFetchResponse(buf_t *b, int16_t ver,
                                      const kwire_OffsetFetchResponse_t *resp);

/* ---- DescribeGroups (key 15) -------------------------------------------- */

typedef struct kwire_DescribeGroupsRequest {
    kwire_slice_t *Groups;
    int32_t GroupsCount;
    int IncludeAuthorizedOperations; /* v3+ */
} kwire_DescribeGroupsRequest_t;

typedef struct kwire_DescribedGroupMember {
    kwire_slice_t MemberId;
    kwire_slice_t GroupInstanceId; /* v4+, nullable */
    kwire_slice_t ClientId;
    kwire_slice_t ClientHost;
    kwire_slice_t MemberMetadata;
    kwire_slice_t MemberAssignment;
} kwire_DescribedGroupMember_t;

typedef struct kwire_DescribedGroup {
    int16_t ErrorCode;
    kwire_slice_t GroupId;
    kwire_slice_t GroupState;
    kwire_slice_t ProtocolType;
    kwire_slice_t ProtocolData;
    const kwire_DescribedGroupMember_t *Members;
    int32_t MembersCount;
    int32_t AuthorizedOperations; /* v3+ */
} kwire_DescribedGroup_t;

typedef struct kwire_DescribeGroupsResponse {
    int32_t ThrottleTimeMs; /* v1+ */
    const kwire_DescribedGroup_t *Groups;
    int32_t GroupsCount;
} kwire_DescribeGroupsResponse_t;

int kwire_decode_DescribeGroupsRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                       kwire_DescribeGroupsRequest_t *req);
void kwire_encode_DescribeGroupsResponse(buf_t *b, int16_t ver,
                                         const kwire_DescribeGroupsResponse_t *resp);

/* ---- ListGroups (key 16) ------------------------------------------------ */

typedef struct kwire_ListGroupsRequest {
    kwire_slice_t *StatesFilter; /* v4+ */
    int32_t StatesFilterCount;
    kwire_slice_t *TypesFilter; /* v5+ */
    int32_t TypesFilterCount;
} kwire_ListGroupsRequest_t;

typedef struct kwire_ListedGroup {
    kwire_slice_t GroupId;
    kwire_slice_t ProtocolType;
    kwire_slice_t GroupState; /* v4+ */
    kwire_slice_t GroupType;  /* v5+ */
} kwire_ListedGroup_t;

typedef struct kwire_ListGroupsResponse {
    int32_t ThrottleTimeMs; /* v1+ */
    int16_t ErrorCode;
    const kwire_ListedGroup_t *Groups;
    int32_t GroupsCount;
} kwire_ListGroupsResponse_t;

int kwire_decode_ListGroupsRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                   kwire_ListGroupsRequest_t *req);
void kwire_encode_ListGroupsResponse(buf_t *b, int16_t ver, const kwire_ListGroupsResponse_t *resp);

/* ---- DeleteGroups (key 42) ---------------------------------------------- */

typedef struct kwire_DeleteGroupsRequest {
    kwire_slice_t *GroupsNames;
    int32_t GroupsNamesCount;
} kwire_DeleteGroupsRequest_t;

typedef struct kwire_DeletableGroupResult {
    kwire_slice_t GroupId;
    int16_t ErrorCode;
} kwire_DeletableGroupResult_t;

typedef struct kwire_DeleteGroupsResponse {
    int32_t ThrottleTimeMs;
    const kwire_DeletableGroupResult_t *Results;
    int32_t ResultsCount;
} kwire_DeleteGroupsResponse_t;

int kwire_decode_DeleteGroupsRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                     kwire_DeleteGroupsRequest_t *req);
void kwire_encode_DeleteGroupsResponse(buf_t *b, int16_t ver,
                                       const kwire_DeleteGroupsResponse_t *resp);

/* ---- OffsetDelete (key 47) ---------------------------------------------- */

typedef struct kwire_OffsetDeleteRequestTopic {
    kwire_slice_t Name;
    int32_t *PartitionIndexes; /* Partitions[].PartitionIndex */
    int32_t PartitionsCount;
} kwire_OffsetDeleteRequestTopic_t;

typedef struct kwire_OffsetDeleteRequest {
    kwire_slice_t GroupId;
    kwire_OffsetDeleteRequestTopic_t *Topics;
    int32_t TopicsCount;
} kwire_OffsetDeleteRequest_t;

typedef struct kwire_OffsetDeleteResponsePartition {
    int32_t PartitionIndex;
    int16_t ErrorCode;
} kwire_OffsetDeleteResponsePartition_t;

typedef struct kwire_OffsetDeleteResponseTopic {
    kwire_slice_t Name;
    const kwire_OffsetDeleteResponsePartition_t *Partitions;
    int32_t PartitionsCount;
} kwire_OffsetDeleteResponseTopic_t;

typedef struct kwire_OffsetDeleteResponse {
    int16_t ErrorCode;
    int32_t ThrottleTimeMs;
    const kwire_OffsetDeleteResponseTopic_t *Topics;
    int32_t TopicsCount;
} kwire_OffsetDeleteResponse_t;

int kwire_decode_OffsetDeleteRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                     kwire_OffsetDeleteRequest_t *req);
void kwire_encode_OffsetDeleteResponse(buf_t *b, int16_t ver,
                                       const kwire_OffsetDeleteResponse_t *resp);

/* ---- __consumer_offsets records ------------------------------------------
 * Kafka's formats (group-coordinator/src/main/resources/common/message/):
 * each key and value starts with an int16 version. Key version 0/1 =
 * OffsetCommitKey {group, topic, partition}; key version 2 =
 * GroupMetadataKey {group}. OffsetCommitValue versions 0-4 (we write 3),
 * GroupMetadataValue versions 0-4 (we write 3); version 4 is flexible. A
 * record with a null value is a tombstone. Field names follow those schemas
 * (lower camel case). */

#define KWIRE_OFFSETS_KEY_OFFSET_V0 0
#define KWIRE_OFFSETS_KEY_OFFSET_V1 1
#define KWIRE_OFFSETS_KEY_GROUP     2

typedef struct kwire_OffsetsKey {
    int16_t version;     /* 0/1 offset commit, 2 group metadata */
    kwire_slice_t group; /* all versions */
    kwire_slice_t topic; /* versions 0-1 */
    int32_t partition;   /* versions 0-1 */
} kwire_OffsetsKey_t;

typedef struct kwire_OffsetCommitValue {
    int64_t offset;
    int32_t leaderEpoch; /* v3+; -1 before */
    kwire_slice_t metadata;
    int64_t commitTimestamp;
    int64_t expireTimestamp; /* v1 only; -1 otherwise */
} kwire_OffsetCommitValue_t;

typedef struct kwire_GroupMetadataMember {
    kwire_slice_t memberId;
    kwire_slice_t groupInstanceId; /* v3+, nullable */
    kwire_slice_t clientId;
    kwire_slice_t clientHost;
    int32_t rebalanceTimeout; /* v1+; sessionTimeout before */
    int32_t sessionTimeout;
    kwire_slice_t subscription;
    kwire_slice_t assignment;
} kwire_GroupMetadataMember_t;

typedef struct kwire_GroupMetadataValue {
    kwire_slice_t protocolType;
    int32_t generation;
    kwire_slice_t protocol;        /* nullable */
    kwire_slice_t leader;          /* nullable */
    int64_t currentStateTimestamp; /* v2+; -1 before */
    const kwire_GroupMetadataMember_t *members;
    int32_t membersCount;
} kwire_GroupMetadataValue_t;

/** Append an OffsetCommitKey (version 1) for @p group/@p topic/@p partition. */
void kwire_encode_OffsetCommitKey(buf_t *b, kwire_slice_t group, kwire_slice_t topic,
                                  int32_t partition);
/** Append a GroupMetadataKey (version 2). */
void kwire_encode_GroupMetadataKey(buf_t *b, kwire_slice_t group);
/** Decode either key. @return 0, XDC_EMALFORMED, XDC_EUNSUPPORTED (a key
 *  version other than 0-2, e.g. the new consumer protocol's records). */
int kwire_decode_OffsetsKey(kwire_reader_t *r, kwire_OffsetsKey_t *k);

/** Append an OffsetCommitValue, version 3. A null metadata is written as "". */
void kwire_encode_OffsetCommitValue(buf_t *b, const kwire_OffsetCommitValue_t *v);
/** Versions 0-4.  @return 0, XDC_EMALFORMED, XDC_EUNSUPPORTED. */
int kwire_decode_OffsetCommitValue(kwire_reader_t *r, kwire_OffsetCommitValue_t *v);

/** Append a GroupMetadataValue, version 3. */
void kwire_encode_GroupMetadataValue(buf_t *b, const kwire_GroupMetadataValue_t *v);
/** Versions 0-4; members come from @p a.
 *  @return 0, XDC_EMALFORMED, XDC_EUNSUPPORTED. */
int kwire_decode_GroupMetadataValue(kwire_reader_t *r, arena_t *a, kwire_GroupMetadataValue_t *v);

#endif
