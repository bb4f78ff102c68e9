#include "broker/kwire_group.h"

#include "common/err.h"

/* Field order and version ranges come from
 * ../shared/kafka-protocol/messages/<Name>.json; each "v.." comment quotes
 * the schema's "versions" for the field. */

/* A non-nullable array count: null (-1) is malformed. */
static int32_t kg_count(kwire_reader_t *r, int flex)
{
    int32_t n = kwire_read_count(r, flex);
    if (n < 0) {
        kwire_reader_fail(r);
        return 0;
    }
    return n;
}

/* Arena storage for @p n elements (n was capped by the reader). */
static void *kg_array(arena_t *a, int32_t n, size_t size)
{
    return n > 0 ? arena_calloc(a, (size_t)n, size) : NULL;
}

/* A non-nullable string field whose value the caller may leave null: writes
 * "" then, so a missing value never trips the writer's assert. */
static void kg_str(buf_t *b, int flex, kwire_slice_t s)
{
    kwire_write_string(b, flex, s.len < 0 ? kwire_cstr("") : s);
}

static void kg_blob(buf_t *b, int flex, kwire_slice_t s)
{
    kwire_write_blob(b, flex, s.len < 0 ? kwire_cstr("") : s);
}

static int kg_done(kwire_reader_t *r)
{
    return r->err ? XDC_EMALFORMED : 0;
}

/* ---- FindCoordinator: flexible 3+ ---------------------------------------- */

int kwire_decode_FindCoordinatorRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                        kwire_FindCoordinatorRequest_t *req)
{
    int flex = ver >= 3;
    (void)a;
    kwire_read_string(r, flex, &req->Key);          /* Key: v0-3 */
    req->KeyType = ver >= 1 ? kwire_read_i8(r) : 0; /* KeyType: v1+ */
    kwire_read_tags(r, flex);
    return kg_done(r);
}

void kwire_encode_FindCoordinatorResponse(buf_t *b, int16_t ver,
                                          const kwire_FindCoordinatorResponse_t *resp)
{
    int flex = ver >= 3;
    if (ver >= 1)
        kwire_write_i32(b, resp->ThrottleTimeMs); /* ThrottleTimeMs: v1+ */
    kwire_write_i16(b, resp->ErrorCode);          /* ErrorCode */
    if (ver >= 1)
        kwire_write_nullable_string(b, flex, resp->ErrorMessage); /* ErrorMessage: v1-3 */
    kwire_write_i32(b, resp->NodeId);                             /* NodeId */
    kg_str(b, flex, resp->Host);                                  /* Host */
    kwire_write_i32(b, resp->Port);                               /* Port */
    kwire_write_tags(b, flex);
}

/* ---- JoinGroup: flexible 6+ ---------------------------------------------- */

int kwire_decode_JoinGroupRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                  kwire_JoinGroupRequest_t *req)
{
    int flex = ver >= 6;
    kwire_read_string(r, flex, &req->GroupId);
    req->SessionTimeoutMs = kwire_read_i32(r);
    req->RebalanceTimeoutMs = ver >= 1 ? kwire_read_i32(r) : -1; /* v1+ */
    kwire_read_string(r, flex, &req->MemberId);
    req->GroupInstanceId = KWIRE_SLICE_NULL;
    if (ver >= 5) /* GroupInstanceId: v5+ */
        kwire_read_nullable_string(r, flex, &req->GroupInstanceId);
    kwire_read_string(r, flex, &req->ProtocolType);
    req->ProtocolsCount = kg_count(r, flex);
    req->Protocols = kg_array(a, req->ProtocolsCount, sizeof(*req->Protocols));
    for (int32_t i = 0; i < req->ProtocolsCount && !r->err; i++) {
        kwire_read_string(r, flex, &req->Protocols[i].Name);
        kwire_read_blob(r, flex, &req->Protocols[i].Metadata);
        kwire_read_tags(r, flex);
    }
    req->Reason = KWIRE_SLICE_NULL;
    if (ver >= 8) /* Reason: v8+ */
        kwire_read_nullable_string(r, flex, &req->Reason);
    kwire_read_tags(r, flex);
    return kg_done(r);
}

void kwire_encode_JoinGroupResponse(buf_t *b, int16_t ver, const kwire_JoinGroupResponse_t *resp)
{
    int flex = ver >= 6;
    if (ver >= 2)
        kwire_write_i32(b, resp->ThrottleTimeMs); /* ThrottleTimeMs: v2+ */
    kwire_write_i16(b, resp->ErrorCode);          /* ErrorCode */
    kwire_write_i32(b, resp->GenerationId);       /* GenerationId */
    if (ver >= 7) {
        kwire_write_nullable_string(b, flex, resp->ProtocolType); /* ProtocolType: v7+ */
        kwire_write_nullable_string(b, flex, resp->ProtocolName); /* ProtocolName */
    } else {
        kg_str(b, flex, resp->ProtocolName); /* ProtocolName: not nullable before v7 */
    }
    kg_str(b, flex, resp->Leader); /* Leader */
    if (ver >= 9)
        kwire_write_bool(b, resp->SkipAssignment); /* SkipAssignment: v9+ */
    kg_str(b, flex, resp->MemberId);               /* MemberId */
    kwire_write_count(b, flex, resp->MembersCount);
    for (int32_t i = 0; i < resp->MembersCount; i++) {
        const kwire_JoinGroupResponseMember_t *m = &resp->Members[i];
        kg_str(b, flex, m->MemberId); /* Members.MemberId */
        if (ver >= 5)                 /* Members.GroupInstanceId: v5+ */
            kwire_write_nullable_string(b, flex, m->GroupInstanceId);
        kg_blob(b, flex, m->Metadata); /* Members.Metadata */
        kwire_write_tags(b, flex);
    }
    kwire_write_tags(b, flex);
}

/* ---- SyncGroup: flexible 4+ ---------------------------------------------- */

int kwire_decode_SyncGroupRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                  kwire_SyncGroupRequest_t *req)
{
    int flex = ver >= 4;
    kwire_read_string(r, flex, &req->GroupId);
    req->GenerationId = kwire_read_i32(r);
    kwire_read_string(r, flex, &req->MemberId);
    req->GroupInstanceId = req->ProtocolType = req->ProtocolName = KWIRE_SLICE_NULL;
    if (ver >= 3) /* GroupInstanceId: v3+ */
        kwire_read_nullable_string(r, flex, &req->GroupInstanceId);
    if (ver >= 5) { /* ProtocolType, ProtocolName: v5+ */
        kwire_read_nullable_string(r, flex, &req->ProtocolType);
        kwire_read_nullable_string(r, flex, &req->ProtocolName);
    }
    req->AssignmentsCount = kg_count(r, flex);
    req->Assignments = kg_array(a, req->AssignmentsCount, sizeof(*req->Assignments));
    for (int32_t i = 0; i < req->AssignmentsCount && !r->err; i++) {
        kwire_read_string(r, flex, &req->Assignments[i].MemberId);
        kwire_read_blob(r, flex, &req->Assignments[i].Assignment);
        kwire_read_tags(r, flex);
    }
    kwire_read_tags(r, flex);
    return kg_done(r);
}

void kwire_encode_SyncGroupResponse(buf_t *b, int16_t ver, const kwire_SyncGroupResponse_t *resp)
{
    int flex = ver >= 4;
    if (ver >= 1)
        kwire_write_i32(b, resp->ThrottleTimeMs); /* ThrottleTimeMs: v1+ */
    kwire_write_i16(b, resp->ErrorCode);          /* ErrorCode */
    if (ver >= 5) {
        kwire_write_nullable_string(b, flex, resp->ProtocolType); /* ProtocolType: v5+ */
        kwire_write_nullable_string(b, flex, resp->ProtocolName); /* ProtocolName: v5+ */
    }
    kg_blob(b, flex, resp->Assignment); /* Assignment */
    kwire_write_tags(b, flex);
}

/* ---- Heartbeat: flexible 4+ ---------------------------------------------- */

int kwire_decode_HeartbeatRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                  kwire_HeartbeatRequest_t *req)
{
    int flex = ver >= 4;
    (void)a;
    kwire_read_string(r, flex, &req->GroupId);
    req->GenerationId = kwire_read_i32(r);
    kwire_read_string(r, flex, &req->MemberId);
    req->GroupInstanceId = KWIRE_SLICE_NULL;
    if (ver >= 3) /* GroupInstanceId: v3+ */
        kwire_read_nullable_string(r, flex, &req->GroupInstanceId);
    kwire_read_tags(r, flex);
    return kg_done(r);
}

void kwire_encode_HeartbeatResponse(buf_t *b, int16_t ver, const kwire_HeartbeatResponse_t *resp)
{
    int flex = ver >= 4;
    if (ver >= 1)
        kwire_write_i32(b, resp->ThrottleTimeMs); /* ThrottleTimeMs: v1+ */
    kwire_write_i16(b, resp->ErrorCode);          /* ErrorCode */
    kwire_write_tags(b, flex);
}

/* ---- LeaveGroup: flexible 4+ --------------------------------------------- */

int kwire_decode_LeaveGroupRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                   kwire_LeaveGroupRequest_t *req)
{
    int flex = ver >= 4;
    kwire_read_string(r, flex, &req->GroupId);
    req->MemberId = KWIRE_SLICE_NULL;
    req->Members = NULL;
    req->MembersCount = 0;
    if (ver <= 2) { /* MemberId: v0-2 */
        kwire_read_string(r, flex, &req->MemberId);
        return kg_done(r);
    }
    req->MembersCount = kg_count(r, flex); /* Members: v3+ */
    req->Members = kg_array(a, req->MembersCount, sizeof(*req->Members));
    for (int32_t i = 0; i < req->MembersCount && !r->err; i++) {
        kwire_MemberIdentity_t *m = &req->Members[i];
        kwire_read_string(r, flex, &m->MemberId);
        kwire_read_nullable_string(r, flex, &m->GroupInstanceId);
        m->Reason = KWIRE_SLICE_NULL;
        if (ver >= 5) /* Members.Reason: v5+ */
            kwire_read_nullable_string(r, flex, &m->Reason);
        kwire_read_tags(r, flex);
    }
    kwire_read_tags(r, flex);
    return kg_done(r);
}

void kwire_encode_LeaveGroupResponse(buf_t *b, int16_t ver, const kwire_LeaveGroupResponse_t *resp)
{
    int flex = ver >= 4;
    if (ver >= 1)
        kwire_write_i32(b, resp->ThrottleTimeMs); /* ThrottleTimeMs: v1+ */
    kwire_write_i16(b, resp->ErrorCode);          /* ErrorCode */
    if (ver >= 3) {                               /* Members: v3+ */
        kwire_write_count(b, flex, resp->MembersCount);
        for (int32_t i = 0; i < resp->MembersCount; i++) {
            const kwire_LeaveGroupMemberResponse_t *m = &resp->Members[i];
            kg_str(b, flex, m->MemberId);                             /* Members.MemberId */
            kwire_write_nullable_string(b, flex, m->GroupInstanceId); /* .GroupInstanceId */
            kwire_write_i16(b, m->ErrorCode);                         /* Members.ErrorCode */
            kwire_write_tags(b, flex);
        }
    }
    kwire_write_tags(b, flex);
}

/* ---- OffsetCommit: flexible 8+ ------------------------------------------- */

static void kg_commit_partition(kwire_reader_t *r, int16_t ver, int flex,
                                kwire_OffsetCommitRequestPartition_t *p)
{
    p->PartitionIndex = kwire_read_i32(r);
    p->CommittedOffset = kwire_read_i64(r);
    p->CommittedLeaderEpoch = ver >= 6 ? kwire_read_i32(r) : -1; /* v6+ */
    p->CommitTimestamp = ver == 1 ? kwire_read_i64(r) : -1;      /* v1 only */
    kwire_read_nullable_string(r, flex, &p->CommittedMetadata);
    kwire_read_tags(r, flex);
}

int kwire_decode_OffsetCommitRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                     kwire_OffsetCommitRequest_t *req)
{
    int flex = ver >= 8;
    kwire_read_string(r, flex, &req->GroupId);
    req->GenerationIdOrMemberEpoch = -1;
    req->MemberId = kwire_cstr("");
    req->GroupInstanceId = KWIRE_SLICE_NULL;
    req->RetentionTimeMs = -1;
    if (ver >= 1) { /* GenerationIdOrMemberEpoch, MemberId: v1+ */
        req->GenerationIdOrMemberEpoch = kwire_read_i32(r);
        kwire_read_string(r, flex, &req->MemberId);
    }
    if (ver >= 7) /* GroupInstanceId: v7+ */
        kwire_read_nullable_string(r, flex, &req->GroupInstanceId);
    if (ver >= 2 && ver <= 4) /* RetentionTimeMs: v2-4 */
        req->RetentionTimeMs = kwire_read_i64(r);
    req->TopicsCount = kg_count(r, flex);
    req->Topics = kg_array(a, req->TopicsCount, sizeof(*req->Topics));
    for (int32_t i = 0; i < req->TopicsCount && !r->err; i++) {
        kwire_OffsetCommitRequestTopic_t *t = &req->Topics[i];
        kwire_read_string(r, flex, &t->Name);
        t->PartitionsCount = kg_count(r, flex);
        t->Partitions = kg_array(a, t->PartitionsCount, sizeof(*t->Partitions));
        for (int32_t j = 0; j < t->PartitionsCount && !r->err; j++)
            kg_commit_partition(r, ver, flex, &t->Partitions[j]);
        kwire_read_tags(r, flex);
    }
    kwire_read_tags(r, flex);
    return kg_done(r);
}

void kwire_encode_OffsetCommitResponse(buf_t *b, int16_t ver,
                                       const kwire_OffsetCommitResponse_t *resp)
{
    int flex = ver >= 8;
    if (ver >= 3)
        kwire_write_i32(b, resp->ThrottleTimeMs); /* ThrottleTimeMs: v3+ */
    kwire_write_count(b, flex, resp->TopicsCount);
    for (int32_t i = 0; i < resp->TopicsCount; i++) {
        const kwire_OffsetCommitResponseTopic_t *t = &resp->Topics[i];
        kg_str(b, flex, t->Name); /* Topics.Name */
        kwire_write_count(b, flex, t->PartitionsCount);
        for (int32_t j = 0; j < t->PartitionsCount; j++) {
            kwire_write_i32(b, t->Partitions[j].PartitionIndex); /* Partitions.PartitionIndex */
            kwire_write_i16(b, t->Partitions[j].ErrorCode);      /* Partitions.ErrorCode */
            kwire_write_tags(b, flex);
        }
        kwire_write_tags(b, flex);
    }
    kwire_write_tags(b, flex);
}

/* ---- OffsetFetch: flexible 6+; v8+ batches groups (not served) ----------- */

int kwire_decode_OffsetFetchRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                    kwire_OffsetFetchRequest_t *req)
{
    int flex = ver >= 6;
    kwire_read_string(r, flex, &req->GroupId);
    /* Topics: nullable from v2 (null = every committed offset). */
    req->TopicsCount = ver >= 2 ? kwire_read_count(r, flex) : kg_count(r, flex);
    req->Topics = kg_array(a, req->TopicsCount, sizeof(*req->Topics));
    for (int32_t i = 0; i < req->TopicsCount && !r->err; i++) {
        kwire_OffsetFetchRequestTopic_t *t = &req->Topics[i];
        kwire_read_string(r, flex, &t->Name);
        t->PartitionIndexesCount = kg_count(r, flex);
        t->PartitionIndexes = kg_array(a, t->PartitionIndexesCount, sizeof(int32_t));
        for (int32_t j = 0; j < t->PartitionIndexesCount && !r->err; j++)
            t->PartitionIndexes[j] = kwire_read_i32(r);
        kwire_read_tags(r, flex);
    }
    req->RequireStable = ver >= 7 ? kwire_read_bool(r) : 0; /* RequireStable: v7+ */
    kwire_read_tags(r, flex);
    return kg_done(r);
}

void kwire_encode_OffsetFetchResponse(buf_t *b, int16_t ver,
                                      const kwire_OffsetFetchResponse_t *resp)
{
    int flex = ver >= 6;
    if (ver >= 3)
        kwire_write_i32(b, resp->ThrottleTimeMs); /* ThrottleTimeMs: v3+ */
    kwire_write_count(b, flex, resp->TopicsCount);
    for (int32_t i = 0; i < resp->TopicsCount; i++) {
        const kwire_OffsetFetchResponseTopic_t *t = &resp->Topics[i];
        kg_str(b, flex, t->Name); /* Topics.Name */
        kwire_write_count(b, flex, t->PartitionsCount);
        for (int32_t j = 0; j < t->PartitionsCount; j++) {
            const kwire_OffsetFetchResponsePartition_t *p = &t->Partitions[j];
            kwire_write_i32(b, p->PartitionIndex);  /* Partitions.PartitionIndex */
            kwire_write_i64(b, p->CommittedOffset); /* Partitions.CommittedOffset */
            if (ver >= 5)                           /* Partitions.CommittedLeaderEpoch: v5+ */
                kwire_write_i32(b, p->CommittedLeaderEpoch);
            kwire_write_nullable_string(b, flex, p->Metadata); /* Partitions.Metadata */
            kwire_write_i16(b, p->ErrorCode);                  /* Partitions.ErrorCode */
            kwire_write_tags(b, flex);
        }
        kwire_write_tags(b, flex);
    }
    if (ver >= 2)
        kwire_write_i16(b, resp->ErrorCode); /* ErrorCode: v2-7 */
    kwire_write_tags(b, flex);
}

/* ---- DescribeGroups: flexible 5+ ----------------------------------------- */

/* A non-nullable []string into the arena. */
static kwire_slice_t *kg_strings(kwire_reader_t *r, int flex, arena_t *a, int32_t *count)
{
    *count = kg_count(r, flex);
    kwire_slice_t *v = kg_array(a, *count, sizeof(*v));
    for (int32_t i = 0; i < *count && !r->err; i++)
        kwire_read_string(r, flex, &v[i]);
    return v;
}

int kwire_decode_DescribeGroupsRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                       kwire_DescribeGroupsRequest_t *req)
{
    int flex = ver >= 5;
    req->Groups = kg_strings(r, flex, a, &req->GroupsCount);
    /* IncludeAuthorizedOperations: v3+ */
    req->IncludeAuthorizedOperations = ver >= 3 ? kwire_read_bool(r) : 0;
    kwire_read_tags(r, flex);
    return kg_done(r);
}

static void kg_described_member(buf_t *b, int16_t ver, int flex,
                                const kwire_DescribedGroupMember_t *m)
{
    kg_str(b, flex, m->MemberId); /* Members.MemberId */
    if (ver >= 4)                 /* Members.GroupInstanceId: v4+ */
        kwire_write_nullable_string(b, flex, m->GroupInstanceId);
    kg_str(b, flex, m->ClientId);          /* Members.ClientId */
    kg_str(b, flex, m->ClientHost);        /* Members.ClientHost */
    kg_blob(b, flex, m->MemberMetadata);   /* Members.MemberMetadata */
    kg_blob(b, flex, m->MemberAssignment); /* Members.MemberAssignment */
    kwire_write_tags(b, flex);
}

void kwire_encode_DescribeGroupsResponse(buf_t *b, int16_t ver,
                                         const kwire_DescribeGroupsResponse_t *resp)
{
    int flex = ver >= 5;
    if (ver >= 1)
        kwire_write_i32(b, resp->ThrottleTimeMs); /* ThrottleTimeMs: v1+ */
    kwire_write_count(b, flex, resp->GroupsCount);
    for (int32_t i = 0; i < resp->GroupsCount; i++) {
        const kwire_DescribedGroup_t *g = &resp->Groups[i];
        kwire_write_i16(b, g->ErrorCode); /* Groups.ErrorCode */
        kg_str(b, flex, g->GroupId);      /* Groups.GroupId */
        kg_str(b, flex, g->GroupState);   /* Groups.GroupState */
        kg_str(b, flex, g->ProtocolType); /* Groups.ProtocolType */
        kg_str(b, flex, g->ProtocolData); /* Groups.ProtocolData */
        kwire_write_count(b, flex, g->MembersCount);
        for (int32_t j = 0; j < g->MembersCount; j++)
            kg_described_member(b, ver, flex, &g->Members[j]);
        if (ver >= 3)
            kwire_write_i32(b, g->AuthorizedOperations); /* Groups.AuthorizedOperations: v3+ */
        kwire_write_tags(b, flex);
    }
    kwire_write_tags(b, flex);
}

/* ---- ListGroups: flexible 3+ --------------------------------------------- */

int kwire_decode_ListGroupsRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                   kwire_ListGroupsRequest_t *req)
{
    int flex = ver >= 3;
    req->StatesFilter = req->TypesFilter = NULL;
    req->StatesFilterCount = req->TypesFilterCount = 0;
    if (ver >= 4) /* StatesFilter: v4+ */
        req->StatesFilter = kg_strings(r, flex, a, &req->StatesFilterCount);
    if (ver >= 5) /* TypesFilter: v5+ */
        req->TypesFilter = kg_strings(r, flex, a, &req->TypesFilterCount);
    kwire_read_tags(r, flex);
    return kg_done(r);
}

void kwire_encode_ListGroupsResponse(buf_t *b, int16_t ver, const kwire_ListGroupsResponse_t *resp)
{
    int flex = ver >= 3;
    if (ver >= 1)
        kwire_write_i32(b, resp->ThrottleTimeMs); /* ThrottleTimeMs: v1+ */
    kwire_write_i16(b, resp->ErrorCode);          /* ErrorCode */
    kwire_write_count(b, flex, resp->GroupsCount);
    for (int32_t i = 0; i < resp->GroupsCount; i++) {
        const kwire_ListedGroup_t *g = &resp->Groups[i];
        kg_str(b, flex, g->GroupId);      /* Groups.GroupId */
        kg_str(b, flex, g->ProtocolType); /* Groups.ProtocolType */
        if (ver >= 4)
            kg_str(b, flex, g->GroupState); /* Groups.GroupState: v4+ */
        if (ver >= 5)
            kg_str(b, flex, g->GroupType); /* Groups.GroupType: v5+ */
        kwire_write_tags(b, flex);
    }
    kwire_write_tags(b, flex);
}

/* ---- DeleteGroups: flexible 2+ ------------------------------------------- */

int kwire_decode_DeleteGroupsRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                     kwire_DeleteGroupsRequest_t *req)
{
    int flex = ver >= 2;
    req->GroupsNames = kg_strings(r, flex, a, &req->GroupsNamesCount);
    kwire_read_tags(r, flex);
    return kg_done(r);
}

void kwire_encode_DeleteGroupsResponse(buf_t *b, int16_t ver,
                                       const kwire_DeleteGroupsResponse_t *resp)
{
    int flex = ver >= 2;
    kwire_write_i32(b, resp->ThrottleTimeMs); /* ThrottleTimeMs */
    kwire_write_count(b, flex, resp->ResultsCount);
    for (int32_t i = 0; i < resp->ResultsCount; i++) {
        kg_str(b, flex, resp->Results[i].GroupId);      /* Results.GroupId */
        kwire_write_i16(b, resp->Results[i].ErrorCode); /* Results.ErrorCode */
        kwire_write_tags(b, flex);
    }
    kwire_write_tags(b, flex);
}

/* ---- OffsetDelete: version 0 only, never flexible ------------------------ */

int kwire_decode_OffsetDeleteRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                     kwire_OffsetDeleteRequest_t *req)
{
    (void)ver;
    kwire_read_str(r, &req->GroupId);
    req->TopicsCount = kg_count(r, 0);
    req->Topics = kg_array(a, req->TopicsCount, sizeof(*req->Topics));
    for (int32_t i = 0; i < req->TopicsCount && !r->err; i++) {
        kwire_OffsetDeleteRequestTopic_t *t = &req->Topics[i];
        kwire_read_str(r, &t->Name);
        t->PartitionsCount = kg_count(r, 0);
        t->PartitionIndexes = kg_array(a, t->PartitionsCount, sizeof(int32_t));
        for (int32_t j = 0; j < t->PartitionsCount && !r->err; j++)
            t->PartitionIndexes[j] = kwire_read_i32(r); /* Partitions.PartitionIndex */
    }
    return kg_done(r);
}

void kwire_encode_OffsetDeleteResponse(buf_t *b, int16_t ver,
                                       const kwire_OffsetDeleteResponse_t *resp)
{
    (void)ver;
    kwire_write_i16(b, resp->ErrorCode);      /* ErrorCode */
    kwire_write_i32(b, resp->ThrottleTimeMs); /* ThrottleTimeMs */
    kwire_write_array_len(b, resp->TopicsCount);
    for (int32_t i = 0; i < resp->TopicsCount; i++) {
        const kwire_OffsetDeleteResponseTopic_t *t = &resp->Topics[i];
        kg_str(b, 0, t->Name); /* Topics.Name */
        kwire_write_array_len(b, t->PartitionsCount);
        for (int32_t j = 0; j < t->PartitionsCount; j++) {
            kwire_write_i32(b, t->Partitions[j].PartitionIndex); /* Partitions.PartitionIndex */
            kwire_write_i16(b, t->Partitions[j].ErrorCode);      /* Partitions.ErrorCode */
        }
    }
}

/* ---- __consumer_offsets records ------------------------------------------ */

void kwire_encode_OffsetCommitKey(buf_t *b, kwire_slice_t group, kwire_slice_t topic,
                                  int32_t partition)
{
    kwire_write_i16(b, KWIRE_OFFSETS_KEY_OFFSET_V1); /* version */
    kwire_write_str(b, group);                       /* group */
    kwire_write_str(b, topic);                       /* topic */
    kwire_write_i32(b, partition);                   /* partition */
}

void kwire_encode_GroupMetadataKey(buf_t *b, kwire_slice_t group)
{
    kwire_write_i16(b, KWIRE_OFFSETS_KEY_GROUP); /* version */
    kwire_write_str(b, group);                   /* group */
}

int kwire_decode_OffsetsKey(kwire_reader_t *r, kwire_OffsetsKey_t *k)
{
    k->version = kwire_read_i16(r);
    k->topic = KWIRE_SLICE_NULL;
    k->partition = -1;
    if (r->err)
        return XDC_EMALFORMED;
    if (k->version < 0 || k->version > KWIRE_OFFSETS_KEY_GROUP)
        return XDC_EUNSUPPORTED;
    kwire_read_str(r, &k->group);
    if (k->version <= KWIRE_OFFSETS_KEY_OFFSET_V1) {
        kwire_read_str(r, &k->topic);
        k->partition = kwire_read_i32(r);
    }
    return kg_done(r);
}

void kwire_encode_OffsetCommitValue(buf_t *b, const kwire_OffsetCommitValue_t *v)
{
    kwire_write_i16(b, 3);                  /* version */
    kwire_write_i64(b, v->offset);          /* offset */
    kwire_write_i32(b, v->leaderEpoch);     /* leaderEpoch: v3+ */
    kg_str(b, 0, v->metadata);              /* metadata */
    kwire_write_i64(b, v->commitTimestamp); /* commitTimestamp */
}

int kwire_decode_OffsetCommitValue(kwire_reader_t *r, kwire_OffsetCommitValue_t *v)
{
    int16_t ver = kwire_read_i16(r);
    if (r->err)
        return XDC_EMALFORMED;
    if (ver < 0 || ver > 4)
        return XDC_EUNSUPPORTED;
    int flex = ver >= 4;
    v->offset = kwire_read_i64(r);
    v->leaderEpoch = ver >= 3 ? kwire_read_i32(r) : -1; /* leaderEpoch: v3+ */
    kwire_read_string(r, flex, &v->metadata);
    v->commitTimestamp = kwire_read_i64(r);
    v->expireTimestamp = ver == 1 ? kwire_read_i64(r) : -1; /* expireTimestamp: v1 */
    kwire_read_tags(r, flex);
    return kg_done(r);
}

void kwire_encode_GroupMetadataValue(buf_t *b, const kwire_GroupMetadataValue_t *v)
{
    kwire_write_i16(b, 3);                        /* version */
    kg_str(b, 0, v->protocolType);                /* protocolType */
    kwire_write_i32(b, v->generation);            /* generation */
    kwire_write_nullable_str(b, v->protocol);     /* protocol */
    kwire_write_nullable_str(b, v->leader);       /* leader */
    kwire_write_i64(b, v->currentStateTimestamp); /* currentStateTimestamp: v2+ */
    kwire_write_array_len(b, v->membersCount);    /* members */
    for (int32_t i = 0; i < v->membersCount; i++) {
        const kwire_GroupMetadataMember_t *m = &v->members[i];
        kg_str(b, 0, m->memberId);                       /* members.memberId */
        kwire_write_nullable_str(b, m->groupInstanceId); /* members.groupInstanceId: v3+ */
        kg_str(b, 0, m->clientId);                       /* members.clientId */
        kg_str(b, 0, m->clientHost);                     /* members.clientHost */
        kwire_write_i32(b, m->rebalanceTimeout);         /* members.rebalanceTimeout: v1+ */
        kwire_write_i32(b, m->sessionTimeout);           /* members.sessionTimeout */
        kg_blob(b, 0, m->subscription);                  /* members.subscription */
        kg_blob(b, 0, m->assignment);                    /* members.assignment */
    }
}

static void kg_group_member(kwire_reader_t *r, int16_t ver, int flex,
                            kwire_GroupMetadataMember_t *m)
{
    kwire_read_string(r, flex, &m->memberId);
    m->groupInstanceId = KWIRE_SLICE_NULL;
    if (ver >= 3) /* groupInstanceId: v3+ */
        kwire_read_nullable_string(r, flex, &m->groupInstanceId);
    kwire_read_string(r, flex, &m->clientId);
    kwire_read_string(r, flex, &m->clientHost);
    m->rebalanceTimeout = ver >= 1 ? kwire_read_i32(r) : -1; /* rebalanceTimeout: v1+ */
    m->sessionTimeout = kwire_read_i32(r);
    if (ver < 1)
        m->rebalanceTimeout = m->sessionTimeout;
    kwire_read_blob(r, flex, &m->subscription);
    kwire_read_blob(r, flex, &m->assignment);
    kwire_read_tags(r, flex);
}

int kwire_decode_GroupMetadataValue(kwire_reader_t *r, arena_t *a, kwire_GroupMetadataValue_t *v)
{
    int16_t ver = kwire_read_i16(r);
    if (r->err)
        return XDC_EMALFORMED;
    if (ver < 0 || ver > 4)
        return XDC_EUNSUPPORTED;
    int flex = ver >= 4;
    kwire_read_string(r, flex, &v->protocolType);
    v->generation = kwire_read_i32(r);
    kwire_read_nullable_string(r, flex, &v->protocol);
    kwire_read_nullable_string(r, flex, &v->leader);
    v->currentStateTimestamp = ver >= 2 ? kwire_read_i64(r) : -1; /* v2+ */
    v->membersCount = kg_count(r, flex);
    kwire_GroupMetadataMember_t *m = kg_array(a, v->membersCount, sizeof(*m));
    for (int32_t i = 0; i < v->membersCount && !r->err; i++)
        kg_group_member(r, ver, flex, &m[i]);
    v->members = m;
    kwire_read_tags(r, flex);
    return kg_done(r);
}
