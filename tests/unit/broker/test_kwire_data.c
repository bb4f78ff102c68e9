#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker/kwire.h"
#include "broker/kwire_data.h"
#include "common/arena.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/util.h"
#include "tests/unit/broker/kwire_capture.h"

/* ---- captured and hand-built request frames ------------------------------ */

static int test_metadata_v4(kwire_reader_t *r, int16_t ver, arena_t *a, int check)
{
    kwire_MetadataRequest_t req;
    int rc = kwire_decode_MetadataRequest(r, ver, a, &req);
    if (rc == 0 && check) {
        assert_int_equal(req.TopicsCount, 1);
        assert_true(kwire_slice_eq(req.Topics[0].Name, "cap"));
        assert_int_equal(req.AllowAutoTopicCreation, 1);
    }
    return rc;
}

static int test_metadata_null(kwire_reader_t *r, int16_t ver, arena_t *a, int check)
{
    kwire_MetadataRequest_t req;
    int rc = kwire_decode_MetadataRequest(r, ver, a, &req);
    if (rc == 0 && check) {
        assert_int_equal(req.TopicsCount, -1); /* all topics */
        assert_null(req.Topics);
        assert_int_equal(req.AllowAutoTopicCreation, 1);
    }
    return rc;
}

static int test_produce_v7(kwire_reader_t *r, int16_t ver, arena_t *a, int check)
{
    kwire_ProduceRequest_t req;
    int rc = kwire_decode_ProduceRequest(r, ver, a, &req);
    if (rc == 0 && check) {
        assert_int_equal(req.TransactionalId.len, -1);
        assert_int_equal(req.Acks, -1);
        assert_int_equal(req.TimeoutMs, 30000);
        assert_int_equal(req.TopicDataCount, 1);
        assert_true(kwire_slice_eq(req.TopicData[0].Name, "cap"));
        assert_int_equal(req.TopicData[0].PartitionDataCount, 1);
        const kwire_PartitionProduceData_t *p = &req.TopicData[0].PartitionData[0];
        assert_int_equal(p->Index, 0);
        assert_int_equal(p->Records.len, 75);
        assert_int_equal(p->Records.ptr[16], 2); /* batch magic */
        /* Borrowed: the slice ends exactly at the end of the frame. */
        assert_ptr_equal(p->Records.ptr + p->Records.len, r->end);
    }
    return rc;
}

static void test_check_fetch_v11(const kwire_FetchRequest_t *req)
{
    assert_int_equal(req->ReplicaId, -1);
    assert_int_equal(req->MaxWaitMs, 500);
    assert_int_equal(req->MinBytes, 1);
    assert_int_equal(req->MaxBytes, 52428800);
    assert_int_equal(req->IsolationLevel, 1);
    assert_int_equal(req->SessionId, 0);
    assert_int_equal(req->SessionEpoch, -1);
    assert_int_equal(req->TopicsCount, 1);
    assert_true(kwire_slice_eq(req->Topics[0].Topic, "cap"));
    assert_int_equal(req->Topics[0].PartitionsCount, 1);
    const kwire_FetchPartition_t *p = &req->Topics[0].Partitions[0];
    assert_int_equal(p->Partition, 0);
    assert_int_equal(p->CurrentLeaderEpoch, -1);
    assert_int_equal(p->FetchOffset, 1);
    assert_int_equal(p->LogStartOffset, -1);
    assert_int_equal(p->PartitionMaxBytes, 1048576);
    assert_int_equal(req->ForgottenTopicsDataCount, 0);
    assert_true(kwire_slice_eq(req->RackId, ""));
}

static int test_fetch_v11(kwire_reader_t *r, int16_t ver, arena_t *a, int check)
{
    kwire_FetchRequest_t req;
    int rc = kwire_decode_FetchRequest(r, ver, a, &req);
    if (rc == 0 && check)
        test_check_fetch_v11(&req);
    return rc;
}

static int test_fetch_v4(kwire_reader_t *r, int16_t ver, arena_t *a, int check)
{
    kwire_FetchRequest_t req;
    int rc = kwire_decode_FetchRequest(r, ver, a, &req);
    if (rc == 0 && check) {
        assert_int_equal(req.MaxWaitMs, 100);
        assert_int_equal(req.MaxBytes, 1 << 20);
        assert_int_equal(req.IsolationLevel, 0);
        assert_int_equal(req.SessionEpoch, -1); /* defaults below v7 */
        assert_int_equal(req.TopicsCount, 1);
        assert_true(kwire_slice_eq(req.Topics[0].Topic, "t"));
        assert_int_equal(req.Topics[0].Partitions[0].Partition, 1);
        assert_int_equal(req.Topics[0].Partitions[0].CurrentLeaderEpoch, -1);
        assert_int_equal(req.Topics[0].Partitions[0].FetchOffset, 42);
        assert_int_equal(req.Topics[0].Partitions[0].LogStartOffset, -1);
        assert_int_equal(req.Topics[0].Partitions[0].PartitionMaxBytes, 65536);
        assert_true(kwire_slice_eq(req.RackId, ""));
    }
    return rc;
}

static int test_fetch_v7(kwire_reader_t *r, int16_t ver, arena_t *a, int check)
{
    kwire_FetchRequest_t req;
    int rc = kwire_decode_FetchRequest(r, ver, a, &req);
    if (rc == 0 && check) {
        assert_int_equal(req.IsolationLevel, 1);
        assert_int_equal(req.SessionId, 9);
        assert_int_equal(req.SessionEpoch, 2);
        assert_int_equal(req.TopicsCount, 0);
        assert_int_equal(req.ForgottenTopicsDataCount, 1);
        assert_true(kwire_slice_eq(req.ForgottenTopicsData[0].Topic, "gone"));
        assert_int_equal(req.ForgottenTopicsData[0].PartitionsCount, 2);
        assert_int_equal(req.ForgottenTopicsData[0].Partitions[1], 3);
    }
    return rc;
}

static int test_list_offsets(kwire_reader_t *r, int16_t ver, arena_t *a, int check)
{
    kwire_ListOffsetsRequest_t req;
    int rc = kwire_decode_ListOffsetsRequest(r, ver, a, &req);
    if (rc == 0 && check) {
        assert_int_equal(req.ReplicaId, -1);
        assert_int_equal(req.IsolationLevel, ver >= 2 ? 1 : 0);
        assert_int_equal(req.TopicsCount, 1);
        assert_true(kwire_slice_eq(req.Topics[0].Name, "cap"));
        assert_int_equal(req.Topics[0].PartitionsCount, 1);
        assert_int_equal(req.Topics[0].Partitions[0].PartitionIndex, 0);
        assert_int_equal(req.Topics[0].Partitions[0].Timestamp, ver >= 2 ? -2 : -1);
    }
    return rc;
}

static int test_delete_records(kwire_reader_t *r, int16_t ver, arena_t *a, int check)
{
    kwire_DeleteRecordsRequest_t req;
    int rc = kwire_decode_DeleteRecordsRequest(r, ver, a, &req);
    if (rc == 0 && check) {
        assert_int_equal(req.TopicsCount, 1);
        assert_true(kwire_slice_eq(req.Topics[0].Name, "cap"));
        assert_int_equal(req.Topics[0].Partitions[0].PartitionIndex, 0);
        assert_int_equal(req.Topics[0].Partitions[0].Offset, 5);
        assert_int_equal(req.TimeoutMs, 2500);
    }
    return rc;
}

static int test_init_pid_v4(kwire_reader_t *r, int16_t ver, arena_t *a, int check)
{
    kwire_InitProducerIdRequest_t req;
    int rc = kwire_decode_InitProducerIdRequest(r, ver, a, &req);
    if (rc == 0 && check) {
        assert_int_equal(req.TransactionalId.len, -1);
        assert_int_equal(req.TransactionTimeoutMs, -1);
        assert_int_equal(req.ProducerId, -1);
        assert_int_equal(req.ProducerEpoch, -1);
    }
    return rc;
}

static int test_init_pid_v0(kwire_reader_t *r, int16_t ver, arena_t *a, int check)
{
    kwire_InitProducerIdRequest_t req;
    int rc = kwire_decode_InitProducerIdRequest(r, ver, a, &req);
    if (rc == 0 && check) {
        assert_true(kwire_slice_eq(req.TransactionalId, "txn-1"));
        assert_int_equal(req.TransactionTimeoutMs, 60000);
        assert_int_equal(req.ProducerId, -1);
        assert_int_equal(req.ProducerEpoch, -1);
    }
    return rc;
}

/* Captured with librdkafka 2.0.2 (Debian bookworm, client.id "rdkafka")
 * through a logging TCP proxy in front of librdkafka's mock cluster
 * (rd_kafka_mock_cluster_new, one broker, topic "cap"): an idempotent
 * producer sending "k1:hello" (InitProducerId v4, Produce v7), then a
 * consumer assigned cap/0 at BEGINNING with rd_kafka_query_watermark_offsets
 * (ListOffsets v2, Fetch v11). Metadata v4 was captured with the proxy
 * advertising Metadata 0-6; DeleteRecords v0/v1 with rd_kafka_DeleteRecords
 * (cap/0 before offset 5, operation timeout 2500 ms) and the proxy
 * advertising DeleteRecords 0-0 / 0-1. Frames marked "hand-built" were
 * written from the schemas (client.id "xdc-hand"). */
static const capture_t captures[] = {
    {"Metadata v4", "0000001b0003000400000003000772646b61666b6100000001000363617001", 3, 4, 0,
     test_metadata_v4, 0},
    {"Metadata v2", "0000001a0003000200000003000772646b61666b61000000010003636170", 3, 2, 0,
     test_metadata_v4, 0},
    {"Metadata v1 null Topics (hand-built)", "00000016000300010000000100087864632d68616e64ffffffff",
     3, 1, 0, test_metadata_null, 0},
    {"Produce v7 idempotent",
     "000000790000000700000005000772646b61666b61ffffffff00007530000000010003636170000000010000000"
     "00000004b00000000000000000000003f0000000002408277ba000000000000000001a1fc870b15000001a1fc87"
     "0b15000000000024f108000000000000000000011a000000046b310a68656c6c6f00",
     0, 7, 0, test_produce_v7, 0},
    {"Fetch v11",
     "000000590001000b0000000a000772646b61666b61ffffffff000001f4000000010320000001000"
     "00000ffffffff0000000100036361700000000100000000ffffffff0000000000000001ffffffff"
     "ffffffff00100000000000000000",
     1, 11, 0, test_fetch_v11, 0},
    {"Fetch v4 (hand-built)",
     "0000003e000100040000000200087864632d68616e64ffffffff0000006400000001001000000000000001000174"
     "0000000100000001000000000000002a00010000",
     1, 4, 0, test_fetch_v4, 0},
    {"Fetch v7 session + ForgottenTopicsData (hand-built)",
     "00000045000100070000000300087864632d68616e64ffffffff0000006400000001001000000100000009000000"
     "0200000000000000010004676f6e65000000020000000000000003",
     1, 7, 0, test_fetch_v7, 0},
    {"ListOffsets v2",
     "0000002f0002000200000005000772646b61666b61ffffffff0100000001000363617000000"
     "00100000000fffffffffffffffe",
     2, 2, 0, test_list_offsets, 0},
    {"ListOffsets v1 (hand-built)",
     "0000002f000200010000000c00087864632d68616e64ffffffff0000000100036361700000000100000000ffff"
     "ffffffffffff",
     2, 1, 0, test_list_offsets, 0},
    {"DeleteRecords v1",
     "0000002e0015000100000018000772646b61666b6100000001000363617000000001000"
     "000000000000000000005000009c4",
     21, 1, 0, test_delete_records, 0},
    {"DeleteRecords v0",
     "0000002e0015000000000018000772646b61666b6100000001000363617000000001000"
     "000000000000000000005000009c4",
     21, 0, 0, test_delete_records, 0},
    {"InitProducerId v4",
     "000000220016000400000004000772646b61666b610000ffffffffffffffffffffffffffff00", 22, 4, 1,
     test_init_pid_v4, 0},
    {"InitProducerId v0 transactional (hand-built)",
     "0000001d001600000000000b00087864632d68616e64000574786e2d310000ea60", 22, 0, 0,
     test_init_pid_v0, 0},
};

static void test_kwire_data_decodes_captures(void **state)
{
    (void)state;
    test_decode_captures(captures, XDC_ARRAY_SIZE(captures));
}

/* Every proper prefix of every frame body must be malformed; each prefix
 * sits in its own exactly-sized allocation, so an overread is caught. */
static void test_kwire_data_rejects_truncations(void **state)
{
    (void)state;
    test_reject_truncations(captures, XDC_ARRAY_SIZE(captures));
}

static void test_kwire_data_rejects_bad_arrays(void **state)
{
    (void)state;
    /* Produce v7: TopicData null (the schema has no nullableVersions). */
    assert_int_equal(test_decode_hex("ffffffff00007530ffffffff", 7, test_produce_v7),
                     XDC_EMALFORMED);
    /* Metadata v1: a count far beyond the bytes left. */
    assert_int_equal(test_decode_hex("7fffffff0003636170", 1, test_metadata_v4), XDC_EMALFORMED);
    /* Metadata v0 has a non-nullable Topics. */
    assert_int_equal(test_decode_hex("ffffffff", 0, test_metadata_null), XDC_EMALFORMED);
    /* Fetch v7: ForgottenTopicsData null. */
    assert_int_equal(test_decode_hex("ffffffff0000006400000001001000000100000009000000020000000"
                                     "0ffffffff",
                                     7, test_fetch_v7),
                     XDC_EMALFORMED);
    /* InitProducerId v4: an unknown request tag is skipped. */
    assert_int_equal(
        test_decode_hex("00ffffffffffffffffffffffffffff010903aabbcc", 4, test_init_pid_v4), 0);
}

/* ---- response encoders --------------------------------------------------- */

static void test_kwire_metadata_encodes_v1_and_v6(void **state)
{
    (void)state;
    int32_t one = 1;
    kwire_MetadataResponseBroker_t br = {1, S("h"), 9092, KWIRE_SLICE_NULL};
    kwire_MetadataResponsePartition_t p = {0, 0, 1, &one, 1, &one, 1, NULL, 0};
    kwire_MetadataResponseTopic_t t = {0, S("t"), 0, &p, 1};
    kwire_MetadataResponse_t m = {7, &br, 1, S("c"), 1, &t, 1};
    buf_t b = BUF_INIT;

    kwire_encode_MetadataResponse(&b, 1, &m);
    test_expect_hex(&b, "00000001"
                        "00000001"
                        "000168"
                        "00002384"
                        "ffff"     /* Brokers */
                        "00000001" /* ControllerId */
                        "00000001"
                        "0000"
                        "000174"
                        "00" /* Topics */
                        "00000001"
                        "0000"
                        "00000000"
                        "00000001"
                        "0000000100000001"
                        "0000000100000001");
    buf_reset(&b);
    kwire_encode_MetadataResponse(&b, 6, &m);
    test_expect_hex(&b, "00000007" /* ThrottleTimeMs */
                        "00000001"
                        "00000001"
                        "000168"
                        "00002384"
                        "ffff"     /* Brokers */
                        "000163"   /* ClusterId */
                        "00000001" /* ControllerId */
                        "00000001"
                        "0000"
                        "000174"
                        "00" /* Topics */
                        "00000001"
                        "0000"
                        "00000000"
                        "00000001"
                        "0000000100000001"
                        "0000000100000001"
                        "00000000"); /* OfflineReplicas */
    buf_close(&b);
}

static void test_kwire_produce_encodes_v2_and_v7(void **state)
{
    (void)state;
    kwire_PartitionProduceResponse_t p = {0, 0, 5, -1, 0};
    kwire_TopicProduceResponse_t t = {S("t"), &p, 1};
    kwire_ProduceResponse_t resp = {&t, 1, 0};
    buf_t b = BUF_INIT;

    kwire_encode_ProduceResponse(&b, 7, &resp);
    test_expect_hex(&b, "00000001"
                        "000174"
                        "00000001"
                        "00000000"
                        "0000"
                        "0000000000000005" /* BaseOffset */
                        "ffffffffffffffff" /* LogAppendTimeMs */
                        "0000000000000000" /* LogStartOffset (v5+) */
                        "00000000");       /* ThrottleTimeMs */
    buf_reset(&b);
    kwire_encode_ProduceResponse(&b, 2, &resp);
    test_expect_hex(&b, "00000001"
                        "000174"
                        "00000001"
                        "00000000"
                        "0000"
                        "0000000000000005"
                        "ffffffffffffffff"
                        "00000000");
    buf_close(&b);
}

static void test_kwire_fetch_encodes_v4_and_v11(void **state)
{
    (void)state;
    kwire_FetchPartitionData_t p = {
        0, 0, 3, 3, 0, NULL, -1, -1, {3, (const uint8_t *)"abc", -1, 0}};
    kwire_FetchableTopicResponse_t t = {S("t"), &p, 1};
    kwire_FetchResponse_t resp = {0, 0, 0, &t, 1};
    kwire_splices_t sp;
    buf_t b = BUF_INIT;

    kwire_splices_init(&sp);
    kwire_encode_FetchResponse(&b, 4, &resp, &sp);
    test_expect_hex(&b, "00000000"
                        "00000001"
                        "000174"
                        "00000001"
                        "00000000"
                        "0000"
                        "0000000000000003" /* HighWatermark */
                        "0000000000000003" /* LastStableOffset */
                        "ffffffff"         /* AbortedTransactions: null */
                        "00000003616263"); /* Records */
    assert_int_equal(sp.n, 0);

    kwire_AbortedTransaction_t at = {7, 2};
    p.AbortedTransactions = &at;
    p.AbortedTransactionsCount = 1;
    p.Records = KWIRE_RECORDS_NULL;
    resp.SessionId = 0;
    buf_reset(&b);
    kwire_encode_FetchResponse(&b, 11, &resp, &sp);
    test_expect_hex(&b, "00000000"
                        "0000"
                        "00000000" /* Throttle, ErrorCode, SessionId */
                        "00000001"
                        "000174"
                        "00000001"
                        "00000000"
                        "0000"
                        "0000000000000003"
                        "0000000000000003"
                        "0000000000000000" /* LogStartOffset */
                        "00000001"
                        "0000000000000007"
                        "0000000000000002" /* Aborted */
                        "ffffffff"         /* PreferredRead */
                        "ffffffff");       /* Records: null */
    assert_int_equal(sp.n, 0);
    kwire_splices_close(&sp);
    buf_close(&b);
}

/* Records given by file descriptor: the buffer holds only their lengths,
 * and buffer + spliced file ranges must equal the inline encoding. */
static void test_kwire_fetch_splices_file_records(void **state)
{
    (void)state;
    static const char data[] = "xxHELLOWORLD";
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, 12, f), 12);
    fflush(f);
    int fd = fileno(f);

    kwire_FetchPartitionData_t p[3] = {
        {0, 0, 9, 9, 0, NULL, 0, -1, {5, NULL, fd, 2}},
        {1, 0, 9, 9, 0, NULL, 0, -1, {0, NULL, -1, 0}}, /* empty: inline */
        {2, 0, 9, 9, 0, NULL, 0, -1, {5, NULL, fd, 7}},
    };
    kwire_FetchableTopicResponse_t t = {S("t"), p, 3};
    kwire_FetchResponse_t resp = {0, 0, 0, &t, 1};
    kwire_splices_t sp;
    buf_t b = BUF_INIT, inl = BUF_INIT;

    kwire_splices_init(&sp);
    size_t slot = kwire_write_size_begin(&b);
    kwire_encode_FetchResponse(&b, 11, &resp, &sp);
    kwire_write_size_end(&b, slot);
    assert_int_equal(sp.n, 2);
    assert_int_equal(kwire_splices_total(&sp), 10);
    assert_int_equal(sp.v[0].fd, fd);
    assert_int_equal(sp.v[0].pos, 2);
    assert_int_equal(sp.v[0].len, 5);
    assert_int_equal(sp.v[1].pos, 7);
    assert_true(sp.v[0].at < sp.v[1].at && sp.v[1].at == b.len);
    /* The length prefix sits just before each splice point. */
    assert_memory_equal(b.data + sp.v[0].at - 4, "\x00\x00\x00\x05", 4);

    /* Assemble what the connection layer would send. */
    buf_t wire = BUF_INIT;
    size_t prev = 0;
    for (size_t i = 0; i < sp.n; i++) {
        char chunk[16];
        buf_append(&wire, b.data + prev, sp.v[i].at - prev);
        assert_int_equal(pread(sp.v[i].fd, chunk, (size_t)sp.v[i].len, sp.v[i].pos), sp.v[i].len);
        buf_append(&wire, chunk, (size_t)sp.v[i].len);
        prev = sp.v[i].at;
    }
    buf_append(&wire, b.data + prev, b.len - prev);

    /* The same response with the bytes inline. */
    p[0].Records = (kwire_records_t){5, (const uint8_t *)data + 2, -1, 0};
    p[2].Records = (kwire_records_t){5, (const uint8_t *)data + 7, -1, 0};
    slot = kwire_write_size_begin(&inl);
    kwire_encode_FetchResponse(&inl, 11, &resp, NULL);
    kwire_write_size_end(&inl, slot);
    assert_int_equal(wire.len, inl.len);
    /* The size prefix differs by exactly the spliced bytes: the caller adds
     * kwire_splices_total() to it. */
    uint32_t sz = (uint32_t)b.data[0] << 24 | b.data[1] << 16 | b.data[2] << 8 | b.data[3];
    uint32_t isz = (uint32_t)inl.data[0] << 24 | inl.data[1] << 16 | inl.data[2] << 8 | inl.data[3];
    assert_int_equal((int64_t)sz + kwire_splices_total(&sp), isz);
    assert_memory_equal(wire.data + 4, inl.data + 4, inl.len - 4);

    kwire_splices_reset(&sp);
    assert_int_equal(kwire_splices_total(&sp), 0);
    kwire_splices_close(&sp);
    buf_close(&wire);
    buf_close(&inl);
    buf_close(&b);
    fclose(f);
}

static void test_kwire_list_offsets_encodes_v1_and_v2(void **state)
{
    (void)state;
    kwire_ListOffsetsPartitionResponse_t p = {0, 0, -1, 10};
    kwire_ListOffsetsTopicResponse_t t = {S("t"), &p, 1};
    kwire_ListOffsetsResponse_t resp = {0, &t, 1};
    buf_t b = BUF_INIT;

    kwire_encode_ListOffsetsResponse(&b, 1, &resp);
    test_expect_hex(&b, "00000001"
                        "000174"
                        "00000001"
                        "00000000"
                        "0000"
                        "ffffffffffffffff"
                        "000000000000000a");
    buf_reset(&b);
    kwire_encode_ListOffsetsResponse(&b, 2, &resp);
    test_expect_hex(&b, "00000000"
                        "00000001"
                        "000174"
                        "00000001"
                        "00000000"
                        "0000"
                        "ffffffffffffffff"
                        "000000000000000a");
    buf_close(&b);
}

static void test_kwire_delete_records_encodes_v1(void **state)
{
    (void)state;
    kwire_DeleteRecordsPartitionResult_t p = {0, 5, 0};
    kwire_DeleteRecordsTopicResult_t t = {S("t"), &p, 1};
    kwire_DeleteRecordsResponse_t resp = {0, &t, 1};
    buf_t b = BUF_INIT;

    kwire_encode_DeleteRecordsResponse(&b, 1, &resp);
    test_expect_hex(&b, "00000000"
                        "00000001"
                        "000174"
                        "00000001"
                        "00000000"
                        "0000000000000005"
                        "0000");
    buf_close(&b);
}

static void test_kwire_init_producer_id_encodes_v1_and_v4(void **state)
{
    (void)state;
    kwire_InitProducerIdResponse_t resp = {0, 0, 1, 0};
    buf_t b = BUF_INIT;

    kwire_encode_InitProducerIdResponse(&b, 1, &resp);
    test_expect_hex(&b, "00000000"
                        "0000"
                        "0000000000000001"
                        "0000");
    buf_reset(&b);
    kwire_encode_InitProducerIdResponse(&b, 4, &resp);
    test_expect_hex(&b, "00000000"
                        "0000"
                        "0000000000000001"
                        "0000"
                        "00"); /* tag buffer */
    buf_close(&b);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kwire_data_decodes_captures),
        cmocka_unit_test(test_kwire_data_rejects_truncations),
        cmocka_unit_test(test_kwire_data_rejects_bad_arrays),
        cmocka_unit_test(test_kwire_metadata_encodes_v1_and_v6),
        cmocka_unit_test(test_kwire_produce_encodes_v2_and_v7),
        cmocka_unit_test(test_kwire_fetch_encodes_v4_and_v11),
        cmocka_unit_test(test_kwire_fetch_splices_file_records),
        cmocka_unit_test(test_kwire_list_offsets_encodes_v1_and_v2),
        cmocka_unit_test(test_kwire_delete_records_encodes_v1),
        cmocka_unit_test(test_kwire_init_producer_id_encodes_v1_and_v4),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
