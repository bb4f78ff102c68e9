#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/kwire.h"
#include "broker/kwire_group.h"
#include "common/arena.h"
#include "common/buf.h"
#include "common/err.h"
#include "tests/unit/broker/kwire_capture.h"

/* Request frames (size prefix included), captured from librdkafka 2.0.2
 * (Debian bookworm) with client.id "xdc-cap":
 *  - consumer frames: a throwaway program ran two consumers (group g1,
 *    dynamic; group g2 with group.instance.id "inst-1") against librdkafka's
 *    in-process mock cluster under "strace -f -e sendmsg,write"; a second run
 *    raised the mock's OffsetFetch range to 1-7 (rd_kafka_mock_set_apiversion)
 *    to get the flexible v7 frame;
 *  - admin frames (ListConsumerGroups with and without a state filter,
 *    DescribeConsumerGroups, DeleteConsumerGroupOffsets, DeleteGroups): the
 *    rdkafka admin API against a throwaway listener that advertised our
 *    ApiVersions table (reference §3) and logged each frame.
 * Frames marked "hand" were built by hand (client.id "hand") for versions
 * librdkafka 2.0.2 never sends: LeaveGroup v3, OffsetCommit v2, OffsetFetch v2
 * with null Topics, JoinGroup v0, FindCoordinator v0, ListGroups v0 and v3.
 *
 * librdkafka 2.0.2 ends its ListGroups v4 requests with one byte more than
 * the schema has (a second empty tag section). Kafka ignores bytes left
 * after the last field, and so do our decoders: those frames say so in
 * "trailing". */
static const capture_t captures[] = {
    {"FindCoordinator v2", "00000016000a00020000000400077864632d6361700002673100", 10, 2, 0, NULL,
     0},
    {"JoinGroup v5 dynamic",
     "0000006e000b00050000000400077864632d636170000267310000afc8000493e00000ffff0008636f6e73756d65"
     "7200000002000572616e676500000012000100000001000274310000000000000000000a726f756e64726f62696e"
     "00000012000100000001000274310000000000000000",
     11, 5, 0, NULL, 0},
    {"JoinGroup v5 static",
     "00000074000b00050000000400077864632d636170000267320000afc8000493e000000006696e73742d31000863"
     "6f6e73756d657200000002000572616e676500000012000100000001000274310000000000000000000a726f756e"
     "64726f62696e00000012000100000001000274310000000000000000",
     11, 5, 0, NULL, 0},
    {"SyncGroup v3 leader",
     "0000005d000e00030000000600077864632d6361700002673100000002000e3078376664646530303032633430ff"
     "ff00000001000e30783766646465303030326334300000001a0000000000010002743100000002000000000000000"
     "1"
     "00000000",
     14, 3, 0, NULL, 0},
    {"SyncGroup v3 static",
     "00000063000e00030000000600077864632d6361700002673200000002000e307837666464653030303334613000"
     "06696e73742d3100000001000e30783766646465303030333461300000001a0000000000010002743100000002000"
     "000000000000100000000",
     14, 3, 0, NULL, 0},
    {"Heartbeat v3",
     "0000002b000c00030000000800077864632d6361700002673100000002000e3078376664646530303032633430ff"
     "ff",
     12, 3, 0, NULL, 0},
    {"Heartbeat v3 static",
     "00000031000c00030000000800077864632d6361700002673200000002000e307837666464653030303334613000"
     "06696e73742d31",
     12, 3, 0, NULL, 0},
    {"OffsetFetch v5",
     "00000029000900050000000700077864632d636170000267310000000100027431000000020000000000000001",
     9, 5, 0, NULL, 0},
    {"OffsetFetch v7 flexible",
     "00000025000900070000000700077864632d6361700003673102037431030000000000000001000100", 9, 7, 1,
     NULL, 0},
    {"OffsetCommit v7",
     "0000004d000800070000000b00077864632d6361700002673100000002000e3078376664646530303032633430ff"
     "ff000000010002743100000001000000000000000000000005ffffffff00046d657461",
     8, 7, 0, NULL, 0},
    {"OffsetCommit v7 static",
     "00000053000800070000000b00077864632d6361700002673200000002000e307837666464653030303334613000"
     "06696e73742d31000000010002743100000001000000000000000000000005ffffffff00046d657461",
     8, 7, 0, NULL, 0},
    {"LeaveGroup v1",
     "00000025000d00010000000d00077864632d63617000026731000e3078376664646530303032633430", 13, 1, 0,
     NULL, 0},
    {"ListGroups v4 StatesFilter",
     "00000022001000040000000300077864632d636170000307537461626c6506456d7074790000", 16, 4, 1, NULL,
     1},
    {"ListGroups v4", "00000015001000040000000600077864632d63617000010000", 16, 4, 1, NULL, 1},
    {"DescribeGroups v4", "0000001a000f00040000000b00077864632d636170000000010002673100", 15, 4, 0,
     NULL, 0},
    {"OffsetDelete v0",
     "00000029002f00000000000f00077864632d636170000267310000000100027431000000020000000000000001",
     47, 0, 0, NULL, 0},
    {"DeleteGroups v1", "00000019002a00010000001200077864632d6361700000000100026731", 42, 1, 0,
     NULL, 0},
    {"hand LeaveGroup v3",
     "00000026000d000300000001000468616e64000267310000000200026d31ffff00000006696e73742d31", 13, 3,
     0, NULL, 0},
    {"hand OffsetCommit v2",
     "0000003c0008000200000001000468616e64000267310000000300026d310000000005265c0000000001000274310"
     "0"
     "00000100000000000000000000002affff",
     8, 2, 0, NULL, 0},
    {"hand OffsetFetch v2 null Topics", "000000160009000200000001000468616e6400026731ffffffff", 9,
     2, 0, NULL, 0},
    {"hand JoinGroup v0",
     "00000033000b000000000001000468616e64000267310000271000000008636f6e73756d65720000000100057261"
     "6e6765000000020001",
     11, 0, 0, NULL, 0},
    {"hand FindCoordinator v0", "00000012000a000000000001000468616e6400026731", 10, 0, 0, NULL, 0},
    {"hand ListGroups v0", "0000000e0010000000000001000468616e64", 16, 0, 0, NULL, 0},
    {"hand ListGroups v3", "000000100010000300000001000468616e640000", 16, 3, 1, NULL, 0},
};

typedef union any_req {
    kwire_FindCoordinatorRequest_t fc;
    kwire_JoinGroupRequest_t jg;
    kwire_SyncGroupRequest_t sg;
    kwire_HeartbeatRequest_t hb;
    kwire_LeaveGroupRequest_t lg;
    kwire_OffsetCommitRequest_t oc;
    kwire_OffsetFetchRequest_t of;
    kwire_DescribeGroupsRequest_t dg;
    kwire_ListGroupsRequest_t ls;
    kwire_DeleteGroupsRequest_t dl;
    kwire_OffsetDeleteRequest_t od;
} any_req_t;

static int decode_any(int16_t key, int16_t ver, kwire_reader_t *r, arena_t *a, any_req_t *u)
{
    switch (key) {
    case 8: return kwire_decode_OffsetCommitRequest(r, ver, a, &u->oc);
    case 9: return kwire_decode_OffsetFetchRequest(r, ver, a, &u->of);
    case 10: return kwire_decode_FindCoordinatorRequest(r, ver, a, &u->fc);
    case 11: return kwire_decode_JoinGroupRequest(r, ver, a, &u->jg);
    case 12: return kwire_decode_HeartbeatRequest(r, ver, a, &u->hb);
    case 13: return kwire_decode_LeaveGroupRequest(r, ver, a, &u->lg);
    case 14: return kwire_decode_SyncGroupRequest(r, ver, a, &u->sg);
    case 15: return kwire_decode_DescribeGroupsRequest(r, ver, a, &u->dg);
    case 16: return kwire_decode_ListGroupsRequest(r, ver, a, &u->ls);
    case 42: return kwire_decode_DeleteGroupsRequest(r, ver, a, &u->dl);
    case 47: return kwire_decode_OffsetDeleteRequest(r, ver, a, &u->od);
    }
    fail();
    return -1;
}

/* The frame's body: header parsed and checked. */
typedef struct body {
    uint8_t *frame; /* owned */
    const uint8_t *p;
    size_t len;
} body_t;

static body_t test_body(const capture_t *c)
{
    body_t b;
    size_t n;
    b.frame = test_hex(c->hex, &n);
    kwire_reader_t r;
    kwire_reader_init(&r, b.frame + 4, n - 4);
    kwire_req_hdr_t h;
    assert_int_equal(kwire_decode_req_hdr(&r, &h, c->flex_hdr), 0);
    assert_int_equal(h.ApiKey, c->ApiKey);
    assert_int_equal(h.ApiVersion, c->ApiVersion);
    b.p = r.p;
    b.len = kwire_reader_left(&r);
    return b;
}

static const capture_t *find_capture(const char *name)
{
    for (size_t i = 0; i < sizeof(captures) / sizeof(captures[0]); i++)
        if (strcmp(captures[i].name, name) == 0)
            return &captures[i];
    fail_msg("no capture %s", name);
    return NULL;
}

/* Decode capture @p name into @p u; the caller frees @p b->frame and @p a. */
static void decode_capture(const char *name, body_t *b, arena_t *a, any_req_t *u)
{
    const capture_t *c = find_capture(name);
    *b = test_body(c);
    kwire_reader_t r;
    kwire_reader_init(&r, b->p, b->len);
    assert_int_equal(decode_any(c->ApiKey, c->ApiVersion, &r, a, u), 0);
    assert_int_equal(kwire_reader_left(&r), (size_t)c->trailing);
}

static void test_kwire_group_decodes_captures(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
        arena_t a = ARENA_INIT;
        any_req_t u;
        body_t b;
        decode_capture(captures[i].name, &b, &a, &u);
        free(b.frame);
        arena_close(&a);
    }
}

static void test_kwire_group_truncated_is_malformed(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
        const capture_t *c = &captures[i];
        body_t b = test_body(c);
        for (size_t cut = 0; cut < b.len - (size_t)c->trailing; cut++) {
            uint8_t *copy = malloc(cut ? cut : 1);
            assert_non_null(copy);
            memcpy(copy, b.p, cut);
            arena_t a = ARENA_INIT;
            any_req_t u;
            kwire_reader_t r;
            kwire_reader_init(&r, copy, cut);
            int rc = decode_any(c->ApiKey, c->ApiVersion, &r, &a, &u);
            if (rc != XDC_EMALFORMED)
                fail_msg("%s cut at %zu of %zu: rc %d", c->name, cut, b.len, rc);
            arena_close(&a);
            free(copy);
        }
        free(b.frame);
    }
}

static void test_kwire_group_join_fields(void **state)
{
    (void)state;
    arena_t a = ARENA_INIT;
    any_req_t u;
    body_t b;
    decode_capture("JoinGroup v5 dynamic", &b, &a, &u);
    assert_true(kwire_slice_eq(u.jg.GroupId, "g1"));
    assert_int_equal(u.jg.SessionTimeoutMs, 45000);
    assert_int_equal(u.jg.RebalanceTimeoutMs, 300000);
    assert_int_equal(u.jg.MemberId.len, 0);
    assert_int_equal(u.jg.GroupInstanceId.len, -1);
    assert_true(kwire_slice_eq(u.jg.ProtocolType, "consumer"));
    assert_int_equal(u.jg.ProtocolsCount, 2);
    assert_true(kwire_slice_eq(u.jg.Protocols[0].Name, "range"));
    assert_true(kwire_slice_eq(u.jg.Protocols[1].Name, "roundrobin"));
    assert_int_equal(u.jg.Protocols[0].Metadata.len, 18);
    free(b.frame);
    decode_capture("JoinGroup v5 static", &b, &a, &u);
    assert_true(kwire_slice_eq(u.jg.GroupInstanceId, "inst-1"));
    free(b.frame);
    decode_capture("hand JoinGroup v0", &b, &a, &u);
    assert_int_equal(u.jg.RebalanceTimeoutMs, -1);
    assert_int_equal(u.jg.SessionTimeoutMs, 10000);
    assert_int_equal(u.jg.GroupInstanceId.len, -1);
    assert_int_equal(u.jg.Protocols[0].Metadata.len, 2);
    free(b.frame);
    arena_close(&a);
}

static void test_kwire_group_sync_heartbeat_leave_fields(void **state)
{
    (void)state;
    arena_t a = ARENA_INIT;
    any_req_t u;
    body_t b;
    decode_capture("SyncGroup v3 static", &b, &a, &u);
    assert_int_equal(u.sg.GenerationId, 2);
    assert_true(kwire_slice_eq(u.sg.MemberId, "0x7fdde00034a0"));
    assert_true(kwire_slice_eq(u.sg.GroupInstanceId, "inst-1"));
    assert_int_equal(u.sg.AssignmentsCount, 1);
    assert_true(kwire_slice_eq(u.sg.Assignments[0].MemberId, "0x7fdde00034a0"));
    assert_int_equal(u.sg.Assignments[0].Assignment.len, 26);
    free(b.frame);
    decode_capture("Heartbeat v3", &b, &a, &u);
    assert_int_equal(u.hb.GenerationId, 2);
    assert_int_equal(u.hb.GroupInstanceId.len, -1);
    free(b.frame);
    decode_capture("LeaveGroup v1", &b, &a, &u);
    assert_true(kwire_slice_eq(u.lg.MemberId, "0x7fdde0002c40"));
    assert_int_equal(u.lg.MembersCount, 0);
    free(b.frame);
    decode_capture("hand LeaveGroup v3", &b, &a, &u);
    assert_int_equal(u.lg.MembersCount, 2);
    assert_true(kwire_slice_eq(u.lg.Members[0].MemberId, "m1"));
    assert_int_equal(u.lg.Members[0].GroupInstanceId.len, -1);
    assert_true(kwire_slice_eq(u.lg.Members[1].GroupInstanceId, "inst-1"));
    free(b.frame);
    arena_close(&a);
}

static void test_kwire_group_offset_fields(void **state)
{
    (void)state;
    arena_t a = ARENA_INIT;
    any_req_t u;
    body_t b;
    decode_capture("OffsetCommit v7", &b, &a, &u);
    assert_int_equal(u.oc.GenerationIdOrMemberEpoch, 2);
    assert_int_equal(u.oc.RetentionTimeMs, -1);
    assert_int_equal(u.oc.Topics[0].Partitions[0].CommittedOffset, 5);
    assert_int_equal(u.oc.Topics[0].Partitions[0].CommittedLeaderEpoch, -1);
    assert_true(kwire_slice_eq(u.oc.Topics[0].Partitions[0].CommittedMetadata, "meta"));
    free(b.frame);
    decode_capture("hand OffsetCommit v2", &b, &a, &u);
    assert_int_equal(u.oc.RetentionTimeMs, 86400000);
    assert_int_equal(u.oc.Topics[0].Partitions[0].CommittedOffset, 42);
    assert_int_equal(u.oc.Topics[0].Partitions[0].CommittedMetadata.len, -1);
    free(b.frame);
    decode_capture("OffsetFetch v7 flexible", &b, &a, &u);
    assert_true(kwire_slice_eq(u.of.GroupId, "g1"));
    assert_int_equal(u.of.TopicsCount, 1);
    assert_int_equal(u.of.Topics[0].PartitionIndexesCount, 2);
    assert_int_equal(u.of.Topics[0].PartitionIndexes[1], 1);
    assert_int_equal(u.of.RequireStable, 1);
    free(b.frame);
    decode_capture("hand OffsetFetch v2 null Topics", &b, &a, &u);
    assert_int_equal(u.of.TopicsCount, -1);
    free(b.frame);
    decode_capture("OffsetDelete v0", &b, &a, &u);
    assert_int_equal(u.od.TopicsCount, 1);
    assert_int_equal(u.od.Topics[0].PartitionsCount, 2);
    free(b.frame);
    arena_close(&a);
}

static void test_kwire_group_admin_fields(void **state)
{
    (void)state;
    arena_t a = ARENA_INIT;
    any_req_t u;
    body_t b;
    decode_capture("ListGroups v4 StatesFilter", &b, &a, &u);
    assert_int_equal(u.ls.StatesFilterCount, 2);
    assert_true(kwire_slice_eq(u.ls.StatesFilter[0], "Stable"));
    assert_true(kwire_slice_eq(u.ls.StatesFilter[1], "Empty"));
    free(b.frame);
    decode_capture("DescribeGroups v4", &b, &a, &u);
    assert_int_equal(u.dg.GroupsCount, 1);
    assert_int_equal(u.dg.IncludeAuthorizedOperations, 0);
    free(b.frame);
    decode_capture("DeleteGroups v1", &b, &a, &u);
    assert_true(kwire_slice_eq(u.dl.GroupsNames[0], "g1"));
    free(b.frame);
    decode_capture("FindCoordinator v2", &b, &a, &u);
    assert_true(kwire_slice_eq(u.fc.Key, "g1"));
    assert_int_equal(u.fc.KeyType, 0);
    free(b.frame);
    arena_close(&a);
}

/* Decode a hand-made body: null where the schema does not allow it, and a
 * count larger than the bytes left, are malformed. */
static int decode_hex_body(int16_t key, int16_t ver, const char *hex)
{
    size_t n;
    uint8_t *p = test_hex(hex, &n);
    arena_t a = ARENA_INIT;
    any_req_t u;
    kwire_reader_t r;
    kwire_reader_init(&r, p, n);
    int rc = decode_any(key, ver, &r, &a, &u);
    arena_close(&a);
    free(p);
    return rc;
}

static void test_kwire_group_rejects_null_and_huge_arrays(void **state)
{
    (void)state;
    /* DescribeGroups v0 with Groups = null. */
    assert_int_equal(decode_hex_body(15, 0, "ffffffff"), XDC_EMALFORMED);
    /* OffsetFetch v1: Topics not nullable before v2. */
    assert_int_equal(decode_hex_body(9, 1, "00026731ffffffff"), XDC_EMALFORMED);
    /* JoinGroup v0 with Protocols = null. */
    assert_int_equal(decode_hex_body(11, 0, "000267310000271000000008636f6e73756d6572ffffffff"),
                     XDC_EMALFORMED);
    /* DeleteGroups v0 claiming 2^31-1 names in 4 bytes. */
    assert_int_equal(decode_hex_body(42, 0, "7fffffff0000"), XDC_EMALFORMED);
    /* ListGroups v4 StatesFilter as a compact null (0). */
    assert_int_equal(decode_hex_body(16, 4, "0000"), XDC_EMALFORMED);
}

/* ---- responses ------------------------------------------------------------ */

#define B(p, n) ((kwire_slice_t){(const uint8_t *)(p), (n)})

static void test_kwire_group_encode_find_join_sync(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    kwire_FindCoordinatorResponse_t fc = {0, 0, S("ignored"), 1, S("localhost"), 9092};
    kwire_encode_FindCoordinatorResponse(&b, 0, &fc);
    test_expect_hex(&b, "00000000000100096c6f63616c686f737400002384");
    buf_reset(&b);
    kwire_FindCoordinatorResponse_t fc2 = {0, 15, KWIRE_SLICE_NULL, -1, S(""), -1};
    kwire_encode_FindCoordinatorResponse(&b, 2, &fc2);
    test_expect_hex(&b, "00000000000fffffffffffff0000ffffffff");

    kwire_JoinGroupResponseMember_t m[2] = {{S("m1"), S("i1"), B("\x00\x01", 2)},
                                            {S("m2"), KWIRE_SLICE_NULL, S("")}};
    kwire_JoinGroupResponse_t jg = {0};
    jg.GenerationId = 1;
    jg.ProtocolName = S("range");
    jg.Leader = jg.MemberId = S("m1");
    jg.Members = m;
    jg.MembersCount = 1;
    buf_reset(&b);
    kwire_encode_JoinGroupResponse(&b, 0, &jg);
    test_expect_hex(&b, "000000000001000572616e676500026d3100026d310000000100026d31000000020001");
    jg.MembersCount = 2;
    buf_reset(&b);
    kwire_encode_JoinGroupResponse(&b, 5, &jg);
    test_expect_hex(
        &b, "00000000000000000001000572616e676500026d3100026d310000000200026d3100026931000000"
            "02000100026d32ffff00000000");
    kwire_JoinGroupResponse_t req_id = {0};
    req_id.ErrorCode = 79;
    req_id.GenerationId = -1;
    req_id.ProtocolName = req_id.Leader = S("");
    req_id.MemberId = S("c-1");
    buf_reset(&b);
    kwire_encode_JoinGroupResponse(&b, 4, &req_id);
    test_expect_hex(&b, "00000000004fffffffff000000000003632d3100000000");

    kwire_SyncGroupResponse_t sg = {0, 0, KWIRE_SLICE_NULL, KWIRE_SLICE_NULL, B("\0\1\2\3", 4)};
    buf_reset(&b);
    kwire_encode_SyncGroupResponse(&b, 0, &sg);
    test_expect_hex(&b, "00000000000400010203");
    kwire_SyncGroupResponse_t sg3 = {0, 27, KWIRE_SLICE_NULL, KWIRE_SLICE_NULL, KWIRE_SLICE_NULL};
    buf_reset(&b);
    kwire_encode_SyncGroupResponse(&b, 3, &sg3);
    test_expect_hex(&b, "00000000001b00000000");
    buf_close(&b);
}

static void test_kwire_group_encode_heartbeat_leave(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    kwire_HeartbeatResponse_t hb = {0, 25};
    kwire_encode_HeartbeatResponse(&b, 0, &hb);
    test_expect_hex(&b, "0019");
    hb.ErrorCode = 0;
    buf_reset(&b);
    kwire_encode_HeartbeatResponse(&b, 3, &hb);
    test_expect_hex(&b, "000000000000");

    kwire_LeaveGroupMemberResponse_t m[2] = {{S("m1"), KWIRE_SLICE_NULL, 0},
                                             {S(""), S("inst-1"), 82}};
    kwire_LeaveGroupResponse_t lg = {0, 0, m, 2};
    buf_reset(&b);
    kwire_encode_LeaveGroupResponse(&b, 0, &lg);
    test_expect_hex(&b, "0000");
    buf_reset(&b);
    kwire_encode_LeaveGroupResponse(&b, 3, &lg);
    test_expect_hex(&b, "0000000000000000000200026d31ffff000000000006696e73742d310052");
    buf_close(&b);
}

static void test_kwire_group_encode_offsets(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    kwire_OffsetCommitResponsePartition_t cp[2] = {{0, 0}, {1, 22}};
    kwire_OffsetCommitResponseTopic_t ct = {S("t1"), cp, 2};
    kwire_OffsetCommitResponse_t oc = {0, &ct, 1};
    kwire_encode_OffsetCommitResponse(&b, 2, &oc);
    test_expect_hex(&b, "000000010002743100000002000000000000000000010016");
    buf_reset(&b);
    kwire_encode_OffsetCommitResponse(&b, 7, &oc);
    test_expect_hex(&b, "00000000000000010002743100000002000000000000000000010016");

    kwire_OffsetFetchResponsePartition_t fp = {0, 5, -1, S("meta"), 0};
    kwire_OffsetFetchResponseTopic_t ft = {S("t1"), &fp, 1};
    kwire_OffsetFetchResponse_t of = {0, &ft, 1, 0};
    buf_reset(&b);
    kwire_encode_OffsetFetchResponse(&b, 1, &of);
    test_expect_hex(&b, "00000001000274310000000100000000000000000000000500046d6574610000");
    buf_reset(&b);
    kwire_encode_OffsetFetchResponse(&b, 5, &of);
    test_expect_hex(
        &b, "00000000000000010002743100000001000000000000000000000005ffffffff00046d657461000000"
            "00");
    buf_reset(&b);
    kwire_encode_OffsetFetchResponse(&b, 7, &of);
    test_expect_hex(&b,
                    "000000000203743102000000000000000000000005ffffffff056d65746100000000000000");

    kwire_OffsetDeleteResponsePartition_t dp = {0, 86};
    kwire_OffsetDeleteResponseTopic_t dt = {S("t1"), &dp, 1};
    kwire_OffsetDeleteResponse_t od = {0, 0, &dt, 1};
    buf_reset(&b);
    kwire_encode_OffsetDeleteResponse(&b, 0, &od);
    test_expect_hex(&b, "000000000000000000010002743100000001000000000056");
    buf_close(&b);
}

static void test_kwire_group_encode_admin(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    kwire_DescribedGroupMember_t dm = {S("m1"),         S("i1"),    S("rdkafka"),
                                       S("/127.0.0.1"), B("\1", 1), B("\2", 1)};
    kwire_DescribedGroup_t dg = {0,          S("g1"), S("Stable"), S("consumer"),
                                 S("range"), &dm,     1,           INT32_MIN};
    kwire_DescribeGroupsResponse_t d = {0, &dg, 1};
    kwire_encode_DescribeGroupsResponse(&b, 0, &d);
    test_expect_hex(
        &b, "000000010000000267310006537461626c650008636f6e73756d6572000572616e67650000000100"
            "026d31000772646b61666b61000a2f3132372e302e302e3100000001010000000102");
    buf_reset(&b);
    kwire_encode_DescribeGroupsResponse(&b, 4, &d);
    test_expect_hex(
        &b, "00000000000000010000000267310006537461626c650008636f6e73756d6572000572616e676500"
            "00000100026d3100026931000772646b61666b61000a2f3132372e302e302e310000000101000000"
            "010280000000");

    kwire_ListedGroup_t lgp = {S("g1"), S("consumer"), S("Stable"), S("classic")};
    kwire_ListGroupsResponse_t lg = {0, 0, &lgp, 1};
    buf_reset(&b);
    kwire_encode_ListGroupsResponse(&b, 0, &lg);
    test_expect_hex(&b, "000000000001000267310008636f6e73756d6572");
    buf_reset(&b);
    kwire_encode_ListGroupsResponse(&b, 3, &lg);
    test_expect_hex(&b, "0000000000000203673109636f6e73756d65720000");
    buf_reset(&b);
    kwire_encode_ListGroupsResponse(&b, 4, &lg);
    test_expect_hex(&b, "0000000000000203673109636f6e73756d657207537461626c650000");

    kwire_DeletableGroupResult_t r[2] = {{S("g1"), 0}, {S("g2"), 69}};
    kwire_DeleteGroupsResponse_t dl = {0, r, 2};
    buf_reset(&b);
    kwire_encode_DeleteGroupsResponse(&b, 1, &dl);
    test_expect_hex(&b, "0000000000000002000267310000000267320045");
    buf_close(&b);
}

/* ---- __consumer_offsets records -------------------------------------------- */

static void test_kwire_group_offset_records(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    kwire_encode_OffsetCommitKey(&b, S("g1"), S("t1"), 0);
    test_expect_hex(&b, "0001000267310002743100000000");
    kwire_reader_t r;
    kwire_OffsetsKey_t k;
    kwire_reader_init(&r, b.data, b.len);
    assert_int_equal(kwire_decode_OffsetsKey(&r, &k), 0);
    assert_int_equal(k.version, 1);
    assert_true(kwire_slice_eq(k.group, "g1") && kwire_slice_eq(k.topic, "t1"));
    assert_int_equal(k.partition, 0);

    buf_reset(&b);
    kwire_OffsetCommitValue_t v = {5, -1, S("meta"), 1700000000000LL, -1};
    kwire_encode_OffsetCommitValue(&b, &v);
    test_expect_hex(&b, "00030000000000000005ffffffff00046d6574610000018bcfe56800");
    kwire_OffsetCommitValue_t v2;
    kwire_reader_init(&r, b.data, b.len);
    assert_int_equal(kwire_decode_OffsetCommitValue(&r, &v2), 0);
    assert_int_equal(v2.offset, 5);
    assert_int_equal(v2.commitTimestamp, 1700000000000LL);
    assert_true(kwire_slice_eq(v2.metadata, "meta"));
    for (size_t cut = 0; cut < b.len; cut++) {
        kwire_reader_init(&r, b.data, cut);
        assert_int_equal(kwire_decode_OffsetCommitValue(&r, &v2), XDC_EMALFORMED);
    }

    /* Version 1 (Kafka 2.0) carries an expireTimestamp and no leaderEpoch. */
    size_t n;
    uint8_t *v1 = test_hex("0001"              /* version */
                           "0000000000000007"  /* offset */
                           "0000"              /* metadata "" */
                           "0000000000000001"  /* commitTimestamp */
                           "0000000000000002", /* expireTimestamp */
                           &n);
    kwire_reader_init(&r, v1, n);
    assert_int_equal(kwire_decode_OffsetCommitValue(&r, &v2), 0);
    assert_int_equal(v2.offset, 7);
    assert_int_equal(v2.leaderEpoch, -1);
    assert_int_equal(v2.commitTimestamp, 1);
    assert_int_equal(v2.expireTimestamp, 2);
    free(v1);

    /* Key version 3+ belongs to the new consumer protocol: not ours. */
    uint8_t k3[] = {0, 3, 0, 0};
    kwire_reader_init(&r, k3, sizeof(k3));
    assert_int_equal(kwire_decode_OffsetsKey(&r, &k), XDC_EUNSUPPORTED);
    buf_close(&b);
}

static void test_kwire_group_group_records(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    kwire_encode_GroupMetadataKey(&b, S("g1"));
    test_expect_hex(&b, "000200026731");

    buf_reset(&b);
    kwire_GroupMetadataMember_t m = {S("m1"), S("i1"), S("rdkafka"), S("/127.0.0.1"),
                                     30000,   10000,   B("\1", 1),   B("\2", 1)};
    kwire_GroupMetadataValue_t v = {S("consumer"), 1, S("range"), S("m1"), 1000, &m, 1};
    kwire_encode_GroupMetadataValue(&b, &v);
    test_expect_hex(&b,
                    "00030008636f6e73756d657200000001000572616e676500026d3100000000000003e800000001"
                    "00026d3100026931000772646b61666b61000a2f3132372e302e302e3100007530000027100000"
                    "0001010000000102");
    arena_t a = ARENA_INIT;
    kwire_GroupMetadataValue_t d;
    kwire_reader_t r;
    kwire_reader_init(&r, b.data, b.len);
    assert_int_equal(kwire_decode_GroupMetadataValue(&r, &a, &d), 0);
    assert_int_equal(d.generation, 1);
    assert_int_equal(d.currentStateTimestamp, 1000);
    assert_int_equal(d.membersCount, 1);
    assert_true(kwire_slice_eq(d.members[0].groupInstanceId, "i1"));
    assert_int_equal(d.members[0].rebalanceTimeout, 30000);
    assert_int_equal(d.members[0].assignment.len, 1);
    for (size_t cut = 0; cut < b.len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, b.data, cut);
        kwire_reader_init(&r, copy, cut);
        assert_int_equal(kwire_decode_GroupMetadataValue(&r, &a, &d), XDC_EMALFORMED);
        free(copy);
    }
    arena_close(&a);
    buf_close(&b);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kwire_group_decodes_captures),
        cmocka_unit_test(test_kwire_group_truncated_is_malformed),
        cmocka_unit_test(test_kwire_group_join_fields),
        cmocka_unit_test(test_kwire_group_sync_heartbeat_leave_fields),
        cmocka_unit_test(test_kwire_group_offset_fields),
        cmocka_unit_test(test_kwire_group_admin_fields),
        cmocka_unit_test(test_kwire_group_rejects_null_and_huge_arrays),
        cmocka_unit_test(test_kwire_group_encode_find_join_sync),
        cmocka_unit_test(test_kwire_group_encode_heartbeat_leave),
        cmocka_unit_test(test_kwire_group_encode_offsets),
        cmocka_unit_test(test_kwire_group_encode_admin),
        cmocka_unit_test(test_kwire_group_offset_records),
        cmocka_unit_test(test_kwire_group_group_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
