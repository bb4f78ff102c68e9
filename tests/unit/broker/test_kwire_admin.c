#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/kwire.h"
#include "broker/kwire_admin.h"
#include "common/arena.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/util.h"
#include "tests/unit/broker/kwire_capture.h"

/* ---- request decoders on captured and hand-built frames ------------------ */

static void test_check_create_topics(const kwire_CreateTopicsRequest_t *req)
{
    assert_int_equal(req->TopicsCount, 2);
    const kwire_CreatableTopic_t *t1 = &req->Topics[0], *t2 = &req->Topics[1];
    assert_true(kwire_slice_eq(t1->Name, "t1"));
    assert_int_equal(t1->NumPartitions, 3);
    assert_int_equal(t1->ReplicationFactor, 1);
    assert_int_equal(t1->AssignmentsCount, 0);
    assert_int_equal(t1->ConfigsCount, 1);
    assert_true(kwire_slice_eq(t1->Configs[0].Name, "cleanup.policy"));
    assert_true(kwire_slice_eq(t1->Configs[0].Value, "compact"));
    assert_true(kwire_slice_eq(t2->Name, "t2"));
    assert_int_equal(t2->NumPartitions, -1);
    assert_int_equal(t2->ReplicationFactor, -1);
    assert_int_equal(t2->AssignmentsCount, 2);
    assert_int_equal(t2->Assignments[1].PartitionIndex, 1);
    assert_int_equal(t2->Assignments[1].BrokerIdsCount, 1);
    assert_int_equal(t2->Assignments[1].BrokerIds[0], 1);
    assert_int_equal(t2->ConfigsCount, 0);
    assert_int_equal(req->timeoutMs, 2500);
    assert_int_equal(req->validateOnly, 0);
}

static int test_create_topics(kwire_reader_t *r, int16_t ver, arena_t *a, int check)
{
    kwire_CreateTopicsRequest_t req;
    int rc = kwire_decode_CreateTopicsRequest(r, ver, a, &req);
    if (rc == 0 && check)
        test_check_create_topics(&req);
    return rc;
}

static int test_delete_topics(kwire_reader_t *r, int16_t ver, arena_t *a, int check)
{
    kwire_DeleteTopicsRequest_t req;
    int rc = kwire_decode_DeleteTopicsRequest(r, ver, a, &req);
    if (rc == 0 && check) {
        assert_int_equal(req.TopicNamesCount, 1);
        assert_true(kwire_slice_eq(req.TopicNames[0], "t1"));
        assert_int_equal(req.TimeoutMs, 2500);
    }
    return rc;
}

static int test_create_partitions(kwire_reader_t *r, int16_t ver, arena_t *a, int check)
{
    kwire_CreatePartitionsRequest_t req;
    int rc = kwire_decode_CreatePartitionsRequest(r, ver, a, &req);
    if (rc == 0 && check) {
        assert_int_equal(req.TopicsCount, 1);
        assert_true(kwire_slice_eq(req.Topics[0].Name, "cap"));
        if (ver == 0) { /* librdkafka: cap to 2 partitions, new one on broker 1 */
            assert_int_equal(req.Topics[0].Count, 2);
            assert_int_equal(req.Topics[0].AssignmentsCount, 1);
            assert_int_equal(req.Topics[0].Assignments[0].BrokerIdsCount, 1);
            assert_int_equal(req.Topics[0].Assignments[0].BrokerIds[0], 1);
            assert_int_equal(req.TimeoutMs, 2500);
            assert_int_equal(req.ValidateOnly, 0);
        } else { /* hand-built: null Assignments */
            assert_int_equal(req.Topics[0].Count, 4);
            assert_int_equal(req.Topics[0].AssignmentsCount, -1);
            assert_null(req.Topics[0].Assignments);
            assert_int_equal(req.TimeoutMs, 1000);
            assert_int_equal(req.ValidateOnly, 1);
        }
    }
    return rc;
}

static int test_describe_configs(kwire_reader_t *r, int16_t ver, arena_t *a, int check)
{
    kwire_DescribeConfigsRequest_t req;
    int rc = kwire_decode_DescribeConfigsRequest(r, ver, a, &req);
    if (rc == 0 && check) {
        assert_int_equal(req.ResourcesCount, 1);
        assert_int_equal(req.Resources[0].ResourceType, KWIRE_RESOURCE_TOPIC);
        assert_true(kwire_slice_eq(req.Resources[0].ResourceName, "cap"));
        if (ver < 2) {
            assert_int_equal(req.Resources[0].ConfigurationKeysCount, -1); /* all */
            assert_int_equal(req.IncludeSynonyms, ver == 1);
        } else {
            assert_int_equal(req.Resources[0].ConfigurationKeysCount, 2);
            assert_true(kwire_slice_eq(req.Resources[0].ConfigurationKeys[1], "cleanup.policy"));
            assert_int_equal(req.IncludeSynonyms, 0);
        }
    }
    return rc;
}

static int test_alter_configs(kwire_reader_t *r, int16_t ver, arena_t *a, int check)
{
    kwire_AlterConfigsRequest_t req;
    int rc = kwire_decode_AlterConfigsRequest(r, ver, a, &req);
    if (rc == 0 && check) {
        const kwire_AlterConfigsResource_t *res = &req.Resources[0];
        assert_int_equal(req.ResourcesCount, 1);
        assert_int_equal(res->ConfigsCount, 1);
        if (ver == 0) {
            assert_int_equal(res->ResourceType, KWIRE_RESOURCE_TOPIC);
            assert_true(kwire_slice_eq(res->ResourceName, "cap"));
            assert_true(kwire_slice_eq(res->Configs[0].Name, "retention.ms"));
            assert_true(kwire_slice_eq(res->Configs[0].Value, "1000"));
            assert_int_equal(req.ValidateOnly, 0);
        } else {
            assert_int_equal(res->ResourceType, KWIRE_RESOURCE_BROKER);
            assert_true(kwire_slice_eq(res->ResourceName, "1"));
            assert_int_equal(res->Configs[0].Value.len, -1);
            assert_int_equal(req.ValidateOnly, 1);
        }
    }
    return rc;
}

static int test_incremental_alter(kwire_reader_t *r, int16_t ver, arena_t *a, int check)
{
    kwire_IncrementalAlterConfigsRequest_t req;
    int rc = kwire_decode_IncrementalAlterConfigsRequest(r, ver, a, &req);
    if (rc == 0 && check) {
        const kwire_IncrementalAlterConfigsResource_t *res = &req.Resources[0];
        assert_int_equal(req.ResourcesCount, 1);
        assert_int_equal(res->ResourceType, KWIRE_RESOURCE_TOPIC);
        assert_true(kwire_slice_eq(res->ResourceName, "cap"));
        assert_int_equal(res->ConfigsCount, 2);
        assert_true(kwire_slice_eq(res->Configs[0].Name, "retention.ms"));
        assert_int_equal(res->Configs[0].ConfigOperation, KWIRE_CONFIG_OP_SET);
        assert_true(kwire_slice_eq(res->Configs[0].Value, "1000"));
        assert_true(kwire_slice_eq(res->Configs[1].Name, "cleanup.policy"));
        assert_int_equal(res->Configs[1].ConfigOperation, KWIRE_CONFIG_OP_DELETE);
        assert_int_equal(res->Configs[1].Value.len, -1);
        assert_int_equal(req.ValidateOnly, ver == 1);
    }
    return rc;
}

static int test_describe_cluster(kwire_reader_t *r, int16_t ver, arena_t *a, int check)
{
    kwire_DescribeClusterRequest_t req;
    int rc = kwire_decode_DescribeClusterRequest(r, ver, a, &req);
    if (rc == 0 && check) {
        assert_int_equal(req.IncludeClusterAuthorizedOperations, ver == 0);
        assert_int_equal(req.EndpointType, ver == 0 ? 1 : 2);
    }
    return rc;
}

/* Captured from librdkafka 2.0.2's admin API (client.id "rdkafka") through
 * a logging TCP proxy in front of librdkafka's mock cluster; the proxy
 * rewrote the mock's ApiVersions v0 reply to advertise the admin APIs (the
 * mock then drops the connection, after the request is recorded). First run
 * with CreateTopics 0-4, DeleteTopics 0-1, CreatePartitions 0-1,
 * DescribeConfigs 0-2, AlterConfigs 0-1 (the client sends its own maxima:
 * 4, 1, 0, 1, 0), second run with every range capped at 0. Calls:
 * CreateTopics(t1: 3 partitions, RF 1, cleanup.policy=compact; t2: replica
 * assignment {0:[1], 1:[1]}), DeleteTopics(t1), CreatePartitions(cap -> 2,
 * [1]), DescribeConfigs(topic cap), AlterConfigs(topic cap,
 * retention.ms=1000), operation timeout 2500 ms. librdkafka 2.0.2 has no
 * IncrementalAlterConfigs or DescribeCluster and sends CreatePartitions and
 * AlterConfigs only at v0, so those frames are hand-built from the schemas
 * (client.id "xdc-hand"). */
static const capture_t captures[] = {
    {"CreateTopics v4",
     "0000006f0013000400000004000772646b61666b6100000002000274310000000300010000000000000001000e63"
     "6c65616e75702e706f6c6963790007636f6d7061637400027432ffffffffffff000000020000000000000001000"
     "0000100000001000000010000000100000000000009c400",
     19, 4, 0, test_create_topics, 0},
    {"CreateTopics v0",
     "0000006e0013000000000004000772646b61666b6100000002000274310000000300010000000000000001000e63"
     "6c65616e75702e706f6c6963790007636f6d7061637400027432ffffffffffff000000020000000000000001000"
     "0000100000001000000010000000100000000000009c4",
     19, 0, 0, test_create_topics, 0},
    {"DeleteTopics v1", "0000001d0014000100000008000772646b61666b610000000100027431000009c4", 20, 1,
     0, test_delete_topics, 0},
    {"DeleteTopics v0", "0000001d0014000000000008000772646b61666b610000000100027431000009c4", 20, 0,
     0, test_delete_topics, 0},
    {"CreatePartitions v0",
     "0000002f002500000000000c000772646b61666b610000000100036361700000000200000001000000010000000"
     "1000009c400",
     37, 0, 0, test_create_partitions, 0},
    {"CreatePartitions v1 null Assignments (hand-built)",
     "00000028002500010000000a00087864632d68616e6400000001000363617000000004ffffffff000003e801", 37,
     1, 0, test_create_partitions, 0},
    {"DescribeConfigs v1",
     "000000200020000100000010000772646b61666b6100000001020003636170ffffffff01", 32, 1, 0,
     test_describe_configs, 0},
    {"DescribeConfigs v0", "0000001f0020000000000010000772646b61666b6100000001020003636170ffffffff",
     32, 0, 0, test_describe_configs, 0},
    {"DescribeConfigs v2 with keys (hand-built)",
     "0000003f002000020000000900087864632d68616e640000000102000363617000000002000c726574656e74696f"
     "6e2e6d73000e636c65616e75702e706f6c69637900",
     32, 2, 0, test_describe_configs, 0},
    {"AlterConfigs v0",
     "000000340021000000000014000772646b61666b610000000102000363617000000001000c726574656e74696f6e"
     "2e6d7300043130303000",
     33, 0, 0, test_alter_configs, 0},
    {"AlterConfigs v1 null Value (hand-built)",
     "00000033002100010000000800087864632d68616e6400000001040001310000000100106c6f672e726574656e74"
     "696f6e2e6d73ffff01",
     33, 1, 0, test_alter_configs, 0},
    {"IncrementalAlterConfigs v0 (hand-built)",
     "00000049002c00000000000400087864632d68616e640000000102000363617000000002000c726574656e74696f"
     "6e2e6d7300000431303030000e636c65616e75702e706f6c69637901ffff00",
     44, 0, 0, test_incremental_alter, 0},
    {"IncrementalAlterConfigs v1 + unknown tag (hand-built)",
     "00000047002c00010000000500087864632d68616e6400020204636170030d726574656e74696f6e2e6d730005313"
     "0"
     "3030000f636c65616e75702e706f6c6963790100000001010502abcd",
     44, 1, 1, test_incremental_alter, 0},
    {"DescribeCluster v0 (hand-built)", "00000015003c00000000000600087864632d68616e64000100", 60, 0,
     1, test_describe_cluster, 0},
    {"DescribeCluster v1 + unknown tag (hand-built)",
     "00000019003c00010000000700087864632d68616e64000002010701ff", 60, 1, 1, test_describe_cluster,
     0},
};

static void test_kwire_admin_decodes_captures(void **state)
{
    (void)state;
    test_decode_captures(captures, XDC_ARRAY_SIZE(captures));
}

/* Every proper prefix of every body is malformed, read from an exactly
 * sized allocation. */
static void test_kwire_admin_rejects_truncations(void **state)
{
    (void)state;
    test_reject_truncations(captures, XDC_ARRAY_SIZE(captures));
}

static void test_kwire_admin_rejects_bad_arrays(void **state)
{
    (void)state;
    /* CreateTopics v0: Assignments null (not nullable). */
    assert_int_equal(test_decode_hex("0000000100027431000000030001ffffffff00000000000009c4", 0,
                                     test_create_topics),
                     XDC_EMALFORMED);
    /* DeleteTopics v1: TopicNames null. */
    assert_int_equal(test_decode_hex("ffffffff000009c4", 1, test_delete_topics), XDC_EMALFORMED);
    /* DescribeConfigs v1: more resources than bytes. */
    assert_int_equal(test_decode_hex("0000100002000174ffffffff01", 1, test_describe_configs),
                     XDC_EMALFORMED);
}

/* ---- response encoders --------------------------------------------------- */

static void test_kwire_create_topics_encodes_v0_v1_v4(void **state)
{
    (void)state;
    kwire_CreatableTopicResult_t t[2] = {{S("t"), 0, KWIRE_SLICE_NULL}, {S("u"), 36, S("exist")}};
    kwire_CreateTopicsResponse_t resp = {5, t, 2};
    buf_t b = BUF_INIT;

    kwire_encode_CreateTopicsResponse(&b, 0, &resp);
    test_expect_hex(&b, "00000002"
                        "000174"
                        "0000"
                        "000175"
                        "0024");
    buf_reset(&b);
    kwire_encode_CreateTopicsResponse(&b, 1, &resp);
    test_expect_hex(&b, "00000002"
                        "000174"
                        "0000"
                        "ffff" /* ErrorMessage: null */
                        "000175"
                        "0024"
                        "00056578697374");
    buf_reset(&b);
    kwire_encode_CreateTopicsResponse(&b, 4, &resp);
    test_expect_hex(&b, "00000005" /* ThrottleTimeMs (v2+) */
                        "00000002"
                        "000174"
                        "0000"
                        "ffff"
                        "000175"
                        "0024"
                        "00056578697374");
    buf_close(&b);
}

static void test_kwire_delete_topics_encodes_v0_and_v1(void **state)
{
    (void)state;
    kwire_DeletableTopicResult_t t = {S("t"), 3};
    kwire_DeleteTopicsResponse_t resp = {0, &t, 1};
    buf_t b = BUF_INIT;

    kwire_encode_DeleteTopicsResponse(&b, 0, &resp);
    test_expect_hex(&b, "00000001"
                        "000174"
                        "0003");
    buf_reset(&b);
    kwire_encode_DeleteTopicsResponse(&b, 1, &resp);
    test_expect_hex(&b, "00000000"
                        "00000001"
                        "000174"
                        "0003");
    buf_close(&b);
}

static void test_kwire_create_partitions_encodes_v0(void **state)
{
    (void)state;
    kwire_CreatePartitionsTopicResult_t t = {S("t"), 37, S("no")};
    kwire_CreatePartitionsResponse_t resp = {0, &t, 1};
    buf_t b = BUF_INIT;

    kwire_encode_CreatePartitionsResponse(&b, 0, &resp);
    test_expect_hex(&b, "00000000"
                        "00000001"
                        "000174"
                        "0025"
                        "00026e6f");
    buf_close(&b);
}

static void test_kwire_describe_configs_encodes_v0_and_v1(void **state)
{
    (void)state;
    kwire_DescribeConfigsSynonym_t syn = {S("a"), S("1"), KWIRE_CONFIG_SOURCE_DEFAULT};
    kwire_DescribeConfigsResourceResult_t c = {S("a"), S("1"), 0, 1, KWIRE_CONFIG_SOURCE_DEFAULT,
                                               0,      &syn,   1};
    kwire_DescribeConfigsResult_t res = {0, KWIRE_SLICE_NULL, KWIRE_RESOURCE_TOPIC, S("t"), &c, 1};
    kwire_DescribeConfigsResponse_t resp = {0, &res, 1};
    buf_t b = BUF_INIT;

    kwire_encode_DescribeConfigsResponse(&b, 0, &resp);
    test_expect_hex(&b, "00000000"
                        "00000001"
                        "0000"
                        "ffff"
                        "02"
                        "000174"
                        "00000001"
                        "000161" /* Name */
                        "000131" /* Value */
                        "00"     /* ReadOnly */
                        "01"     /* IsDefault (v0) */
                        "00");   /* IsSensitive */
    buf_reset(&b);
    kwire_encode_DescribeConfigsResponse(&b, 1, &resp);
    test_expect_hex(&b, "00000000"
                        "00000001"
                        "0000"
                        "ffff"
                        "02"
                        "000174"
                        "00000001"
                        "000161"
                        "000131"
                        "00"
                        "05" /* ConfigSource (v1+) */
                        "00"
                        "00000001"
                        "000161"
                        "000131"
                        "05"); /* Synonyms */
    buf_close(&b);
}

static void test_kwire_alter_configs_encodes_v0_and_incremental_v1(void **state)
{
    (void)state;
    kwire_AlterConfigsResourceResponse_t res = {0, KWIRE_SLICE_NULL, KWIRE_RESOURCE_TOPIC, S("t")};
    kwire_AlterConfigsResponse_t resp = {0, &res, 1};
    buf_t b = BUF_INIT;

    kwire_encode_AlterConfigsResponse(&b, 0, &resp);
    test_expect_hex(&b, "00000000"
                        "00000001"
                        "0000"
                        "ffff"
                        "02"
                        "000174");
    buf_reset(&b);
    kwire_encode_IncrementalAlterConfigsResponse(&b, 0, &resp);
    test_expect_hex(&b, "00000000"
                        "00000001"
                        "0000"
                        "ffff"
                        "02"
                        "000174");
    buf_reset(&b);
    kwire_encode_IncrementalAlterConfigsResponse(&b, 1, &resp);
    test_expect_hex(&b, "00000000"
                        "02" /* compact count 1 */
                        "0000"
                        "00" /* ErrorMessage: compact null */
                        "02"
                        "0274" /* compact "t" */
                        "00"   /* Responses tags */
                        "00"); /* top-level tags */
    buf_close(&b);
}

static void test_kwire_describe_cluster_encodes_v0_and_v1(void **state)
{
    (void)state;
    kwire_DescribeClusterBroker_t br = {1, S("h"), 9092, KWIRE_SLICE_NULL};
    kwire_DescribeClusterResponse_t resp = {0,   0, KWIRE_SLICE_NULL, 1, S("c"), 1,
                                            &br, 1, INT32_MIN};
    buf_t b = BUF_INIT;

    kwire_encode_DescribeClusterResponse(&b, 0, &resp);
    test_expect_hex(&b, "00000000"
                        "0000"
                        "00"   /* ErrorMessage: null */
                        "0263" /* ClusterId */
                        "00000001"
                        "02" /* Brokers */
                        "00000001"
                        "0268"
                        "00002384"
                        "00" /* Rack: null */
                        "00" /* broker tags */
                        "80000000"
                        "00");
    buf_reset(&b);
    kwire_encode_DescribeClusterResponse(&b, 1, &resp);
    test_expect_hex(&b, "00000000"
                        "0000"
                        "00"
                        "01" /* EndpointType (v1+) */
                        "0263"
                        "00000001"
                        "02"
                        "00000001"
                        "0268"
                        "00002384"
                        "00"
                        "00"
                        "80000000"
                        "00");
    buf_close(&b);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kwire_admin_decodes_captures),
        cmocka_unit_test(test_kwire_admin_rejects_truncations),
        cmocka_unit_test(test_kwire_admin_rejects_bad_arrays),
        cmocka_unit_test(test_kwire_create_topics_encodes_v0_v1_v4),
        cmocka_unit_test(test_kwire_delete_topics_encodes_v0_and_v1),
        cmocka_unit_test(test_kwire_create_partitions_encodes_v0),
        cmocka_unit_test(test_kwire_describe_configs_encodes_v0_and_v1),
        cmocka_unit_test(test_kwire_alter_configs_encodes_v0_and_incremental_v1),
        cmocka_unit_test(test_kwire_describe_cluster_encodes_v0_and_v1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
