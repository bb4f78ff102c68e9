/* Fuzz target: request framing, header decoding and every request decoder
 * the broker serves, over an arbitrary byte stream as a connection sees it.
 * Decoders must reject bad input with XDC_EMALFORMED and never read out of
 * bounds or allocate from an unchecked count. */
#include "broker/kwire.h"
#include "broker/kwire_admin.h"
#include "broker/kwire_data.h"
#include "broker/kwire_group.h"
#include "broker/kwire_msgs.h"
#include "common/arena.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One decoder per ApiKey; the request struct is large enough for any. */
typedef union any_request {
    kwire_ApiVersionsRequest_t api_versions;
    kwire_MetadataRequest_t metadata;
    kwire_ProduceRequest_t produce;
    kwire_FetchRequest_t fetch;
    kwire_ListOffsetsRequest_t list_offsets;
    kwire_DeleteRecordsRequest_t delete_records;
    kwire_InitProducerIdRequest_t init_pid;
    kwire_CreateTopicsRequest_t create_topics;
    kwire_DeleteTopicsRequest_t delete_topics;
    kwire_CreatePartitionsRequest_t create_partitions;
    kwire_DescribeConfigsRequest_t describe_configs;
    kwire_AlterConfigsRequest_t alter_configs;
    kwire_IncrementalAlterConfigsRequest_t incremental_alter_configs;
    kwire_DescribeClusterRequest_t describe_cluster;
    kwire_FindCoordinatorRequest_t find_coordinator;
    kwire_JoinGroupRequest_t join_group;
    kwire_SyncGroupRequest_t sync_group;
    kwire_HeartbeatRequest_t heartbeat;
    kwire_LeaveGroupRequest_t leave_group;
    kwire_OffsetCommitRequest_t offset_commit;
    kwire_OffsetFetchRequest_t offset_fetch;
    kwire_DescribeGroupsRequest_t describe_groups;
    kwire_ListGroupsRequest_t list_groups;
    kwire_DeleteGroupsRequest_t delete_groups;
    kwire_OffsetDeleteRequest_t offset_delete;
} any_request_t;

typedef int (*decode_fn)(kwire_reader_t *, int16_t, arena_t *, void *);

/* Typed wrappers: calling the decoders through a cast pointer would be
 * undefined behaviour. */
#define DEFINE_DECODER(Api)                                                                        \
    static int dec_##Api(kwire_reader_t *r, int16_t ver, arena_t *a, void *out)                    \
    {                                                                                              \
        return kwire_decode_##Api##Request(r, ver, a, out);                                        \
    }
DEFINE_DECODER(Produce)
DEFINE_DECODER(Fetch)
DEFINE_DECODER(ListOffsets)
DEFINE_DECODER(Metadata)
DEFINE_DECODER(OffsetCommit)
DEFINE_DECODER(OffsetFetch)
DEFINE_DECODER(FindCoordinator)
DEFINE_DECODER(JoinGroup)
DEFINE_DECODER(Heartbeat)
DEFINE_DECODER(LeaveGroup)
DEFINE_DECODER(SyncGroup)
DEFINE_DECODER(DescribeGroups)
DEFINE_DECODER(ListGroups)
DEFINE_DECODER(CreateTopics)
DEFINE_DECODER(DeleteTopics)
DEFINE_DECODER(DeleteRecords)
DEFINE_DECODER(InitProducerId)
DEFINE_DECODER(DescribeConfigs)
DEFINE_DECODER(AlterConfigs)
DEFINE_DECODER(CreatePartitions)
DEFINE_DECODER(DeleteGroups)
DEFINE_DECODER(IncrementalAlterConfigs)
DEFINE_DECODER(OffsetDelete)
DEFINE_DECODER(DescribeCluster)

#define DECODER(key, Api, first_flex)                                                              \
    {                                                                                              \
        key, first_flex, dec_##Api                                                                 \
    }

static int decode_api_versions(kwire_reader_t *r, int16_t ver, arena_t *a, void *out)
{
    (void)a;
    return kwire_decode_ApiVersionsRequest(r, ver, out);
}

static const struct {
    int16_t key, flex_from;
    decode_fn decode;
} decoders[] = {
    DECODER(0, Produce, 9),
    DECODER(1, Fetch, 12),
    DECODER(2, ListOffsets, 6),
    DECODER(3, Metadata, 9),
    DECODER(8, OffsetCommit, 8),
    DECODER(9, OffsetFetch, 6),
    DECODER(10, FindCoordinator, 3),
    DECODER(11, JoinGroup, 6),
    DECODER(12, Heartbeat, 4),
    DECODER(13, LeaveGroup, 4),
    DECODER(14, SyncGroup, 4),
    DECODER(15, DescribeGroups, 5),
    DECODER(16, ListGroups, 3),
    {18, 3, decode_api_versions},
    DECODER(19, CreateTopics, 5),
    DECODER(20, DeleteTopics, 4),
    DECODER(21, DeleteRecords, 2),
    DECODER(22, InitProducerId, 2),
    DECODER(32, DescribeConfigs, 4),
    DECODER(33, AlterConfigs, 2),
    DECODER(37, CreatePartitions, 2),
    DECODER(42, DeleteGroups, 2),
    DECODER(44, IncrementalAlterConfigs, 1),
    DECODER(47, OffsetDelete, 99),
    DECODER(60, DescribeCluster, 0),
};

static void decode_frame(kwire_slice_t frame, arena_t *a)
{
    int16_t key, ver;
    if (kwire_peek_api(frame, &key, &ver) < 0 || ver < 0 || ver > 20)
        return;
    for (size_t i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++) {
        if (decoders[i].key != key)
            continue;
        kwire_reader_t r;
        kwire_req_hdr_t hdr;
        any_request_t req;
        kwire_reader_init(&r, frame.ptr, (size_t)frame.len);
        if (kwire_decode_req_hdr(&r, &hdr, ver >= decoders[i].flex_from) == 0)
            decoders[i].decode(&r, ver, a, &req);
        arena_reset(a);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena_t a = ARENA_INIT;
    size_t off = 0;
    for (;;) {
        kwire_slice_t frame;
        size_t consumed;
        if (kwire_frame_next(data + off, size - off, 1 << 20, &frame, &consumed) != 1)
            break;
        decode_frame(frame, &a);
        off += consumed;
    }
    arena_close(&a);
    return 0;
}
