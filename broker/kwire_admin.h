#ifndef XDC_BROKER_KWIRE_ADMIN_H
#define XDC_BROKER_KWIRE_ADMIN_H

/* Admin APIs: CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs,
 * AlterConfigs, IncrementalAlterConfigs and DescribeCluster. Same rules as
 * kwire_data.h: fields keep the schema's names (including CreateTopics's
 * lower-case `timeoutMs` and `validateOnly`), decoded slices borrow the
 * frame, decoded arrays live in the arena @p a, `<Field>Count` -1 is a null
 * array, decoders return 0 or XDC_EMALFORMED, encoders only read the
 * handler-filled response and append its body. Pure, any thread. */

#include "broker/kwire.h"
#include "common/arena.h"
#include "common/buf.h"

#include <stdint.h>

/* ConfigResource.Type values used in DescribeConfigs/AlterConfigs. */
enum kwire_resource_type {
    KWIRE_RESOURCE_UNKNOWN = 0,
    KWIRE_RESOURCE_TOPIC = 2,
    KWIRE_RESOURCE_BROKER = 4,
    KWIRE_RESOURCE_BROKER_LOGGER = 8,
};

/* DescribeConfigs ConfigSource / Synonyms.Source values (v1+). */
enum kwire_config_source {
    KWIRE_CONFIG_SOURCE_UNKNOWN = 0,
    KWIRE_CONFIG_SOURCE_TOPIC = 1,
    KWIRE_CONFIG_SOURCE_DYNAMIC_BROKER = 2,
    KWIRE_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER = 3,
    KWIRE_CONFIG_SOURCE_STATIC_BROKER = 4,
    KWIRE_CONFIG_SOURCE_DEFAULT = 5,
    KWIRE_CONFIG_SOURCE_DYNAMIC_BROKER_LOGGER = 6,
};

/* IncrementalAlterConfigs ConfigOperation values. */
enum kwire_config_op {
    KWIRE_CONFIG_OP_SET = 0,
    KWIRE_CONFIG_OP_DELETE = 1,
    KWIRE_CONFIG_OP_APPEND = 2,
    KWIRE_CONFIG_OP_SUBTRACT = 3,
};

/* ---- CreateTopics (key 19), v0-4, not flexible --------------------------- */

typedef struct kwire_CreatableReplicaAssignment {
    int32_t PartitionIndex;
    int32_t *BrokerIds;
    int32_t BrokerIdsCount;
} kwire_CreatableReplicaAssignment_t;

typedef struct kwire_CreatableTopicConfig {
    kwire_slice_t Name;
    kwire_slice_t Value; /* nullable */
} kwire_CreatableTopicConfig_t;

typedef struct kwire_CreatableTopic {
    kwire_slice_t Name;
    int32_t NumPartitions;     /* -1: broker default (then Assignments may be set) */
    int16_t ReplicationFactor; /* -1: broker default */
    kwire_CreatableReplicaAssignment_t *Assignments;
    int32_t AssignmentsCount;
    kwire_CreatableTopicConfig_t *Configs;
    int32_t ConfigsCount;
} kwire_CreatableTopic_t;

typedef struct kwire_CreateTopicsRequest {
    kwire_CreatableTopic_t *Topics;
    int32_t TopicsCount;
    int32_t timeoutMs;
    int validateOnly; /* v1+; 0 below */
} kwire_CreateTopicsRequest_t;

typedef struct kwire_CreatableTopicResult {
    kwire_slice_t Name;
    int16_t ErrorCode;
    kwire_slice_t ErrorMessage; /* v1+, nullable */
} kwire_CreatableTopicResult_t;

typedef struct kwire_CreateTopicsResponse {
    int32_t ThrottleTimeMs; /* v2+ */
    kwire_CreatableTopicResult_t *Topics;
    int32_t TopicsCount;
} kwire_CreateTopicsResponse_t;

/** @return 0, XDC_EMALFORMED.  @thread any. */
int kwire_decode_CreateTopicsRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                     kwire_CreateTopicsRequest_t *req);
/** Append a CreateTopicsResponse body (v0-4).  @thread any. */
void kwire_encode_CreateTopicsResponse(buf_t *b, int16_t ver,
                                       const kwire_CreateTopicsResponse_t *resp);

/* ---- DeleteTopics (key 20), v0-1, not flexible --------------------------- */

typedef struct kwire_DeleteTopicsRequest {
    kwire_slice_t *TopicNames;
    int32_t TopicNamesCount;
    int32_t TimeoutMs;
} kwire_DeleteTopicsRequest_t;

typedef struct kwire_DeletableTopicResult {
    kwire_slice_t Name;
    int16_t ErrorCode;
} kwire_DeletableTopicResult_t;

typedef struct kwire_DeleteTopicsResponse {
    int32_t ThrottleTimeMs; /* v1+ */
    kwire_DeletableTopicResult_t *Responses;
    int32_t ResponsesCount;
} kwire_DeleteTopicsResponse_t;

/** @return 0, XDC_EMALFORMED.  @thread any. */
int kwire_decode_DeleteTopicsRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                     kwire_DeleteTopicsRequest_t *req);
/** Append a DeleteTopicsResponse body (v0-1).  @thread any. */
void kwire_encode_DeleteTopicsResponse(buf_t *b, int16_t ver,
                                       const kwire_DeleteTopicsResponse_t *resp);

/* ---- CreatePartitions (key 37), v0-1, not flexible ----------------------- */

typedef struct kwire_CreatePartitionsAssignment {
    int32_t *BrokerIds;
    int32_t BrokerIdsCount;
} kwire_CreatePartitionsAssignment_t;

typedef struct kwire_CreatePartitionsTopic {
    kwire_slice_t Name;
    int32_t Count; /* the new total number of partitions */
    kwire_CreatePartitionsAssignment_t *Assignments;
    int32_t AssignmentsCount; /* -1 = null: the broker assigns */
} kwire_CreatePartitionsTopic_t;

typedef struct kwire_CreatePartitionsRequest {
    kwire_CreatePartitionsTopic_t *Topics;
    int32_t TopicsCount;
    int32_t TimeoutMs;
    int ValidateOnly;
} kwire_CreatePartitionsRequest_t;

typedef struct kwire_CreatePartitionsTopicResult {
    kwire_slice_t Name;
    int16_t ErrorCode;
    kwire_slice_t ErrorMessage; /* nullable */
} kwire_CreatePartitionsTopicResult_t;

typedef struct kwire_CreatePartitionsResponse {
    int32_t ThrottleTimeMs;
    kwire_CreatePartitionsTopicResult_t *Results;
    int32_t ResultsCount;
} kwire_CreatePartitionsResponse_t;

/** @return 0, XDC_EMALFORMED.  @thread any. */
int kwire_decode_CreatePartitionsRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                         kwire_CreatePartitionsRequest_t *req);
/** Append a CreatePartitionsResponse body (v0-1).  @thread any. */
void kwire_encode_CreatePartitionsResponse(buf_t *b, int16_t ver,
                                           const kwire_CreatePartitionsResponse_t *resp);

/* ---- DescribeConfigs (key 32), v0-2, not flexible ------------------------ */

typedef struct kwire_DescribeConfigsResource {
    int8_t ResourceType; /* enum kwire_resource_type */
    kwire_slice_t ResourceName;
    kwire_slice_t *ConfigurationKeys;
    int32_t ConfigurationKeysCount; /* -1 = null: all configs */
} kwire_DescribeConfigsResource_t;

typedef struct kwire_DescribeConfigsRequest {
    kwire_DescribeConfigsResource_t *Resources;
    int32_t ResourcesCount;
    int IncludeSynonyms; /* v1+; 0 below */
} kwire_DescribeConfigsRequest_t;

typedef struct kwire_DescribeConfigsSynonym {
    kwire_slice_t Name;
    kwire_slice_t Value; /* nullable */
    int8_t Source;       /* enum kwire_config_source */
} kwire_DescribeConfigsSynonym_t;

typedef struct kwire_DescribeConfigsResourceResult {
    kwire_slice_t Name;
    kwire_slice_t Value; /* nullable */
    int ReadOnly;
    int IsDefault;       /* v0 only */
    int8_t ConfigSource; /* v1+, enum kwire_config_source */
    int IsSensitive;
    kwire_DescribeConfigsSynonym_t *Synonyms; /* v1+ */
    int32_t SynonymsCount;
} kwire_DescribeConfigsResourceResult_t;

typedef struct kwire_DescribeConfigsResult {
    int16_t ErrorCode;
    kwire_slice_t ErrorMessage; /* nullable */
    int8_t ResourceType;
    kwire_slice_t ResourceName;
    kwire_DescribeConfigsResourceResult_t *Configs;
    int32_t ConfigsCount;
} kwire_DescribeConfigsResult_t;

typedef struct kwire_DescribeConfigsResponse {
    int32_t ThrottleTimeMs;
    kwire_DescribeConfigsResult_t *Results;
    int32_t ResultsCount;
} kwire_DescribeConfigsResponse_t;

/** @return 0, XDC_EMALFORMED.  @thread any. */
int kwire_decode_DescribeConfigsRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                        kwire_DescribeConfigsRequest_t *req);
/** Append a DescribeConfigsResponse body (v0-2): IsDefault at v0,
 *  ConfigSource and Synonyms from v1.  @thread any. */
void kwire_encode_DescribeConfigsResponse(buf_t *b, int16_t ver,
                                          const kwire_DescribeConfigsResponse_t *resp);

/* ---- AlterConfigs (key 33) v0-1 and IncrementalAlterConfigs (key 44) v0-1 */

typedef struct kwire_AlterableConfig {
    kwire_slice_t Name;
    kwire_slice_t Value; /* nullable */
} kwire_AlterableConfig_t;

typedef struct kwire_AlterConfigsResource {
    int8_t ResourceType;
    kwire_slice_t ResourceName;
    kwire_AlterableConfig_t *Configs;
    int32_t ConfigsCount;
} kwire_AlterConfigsResource_t;

typedef struct kwire_AlterConfigsRequest {
    kwire_AlterConfigsResource_t *Resources;
    int32_t ResourcesCount;
    int ValidateOnly;
} kwire_AlterConfigsRequest_t;

/* IncrementalAlterConfigsRequest.json reuses the schema names
 * AlterConfigsResource and AlterableConfig; C needs distinct types. */
typedef struct kwire_IncrementalAlterableConfig {
    kwire_slice_t Name;
    int8_t ConfigOperation; /* enum kwire_config_op */
    kwire_slice_t Value;    /* nullable */
} kwire_IncrementalAlterableConfig_t;

typedef struct kwire_IncrementalAlterConfigsResource {
    int8_t ResourceType;
    kwire_slice_t ResourceName;
    kwire_IncrementalAlterableConfig_t *Configs;
    int32_t ConfigsCount;
} kwire_IncrementalAlterConfigsResource_t;

typedef struct kwire_IncrementalAlterConfigsRequest {
    kwire_IncrementalAlterConfigsResource_t *Resources;
    int32_t ResourcesCount;
    int ValidateOnly;
} kwire_IncrementalAlterConfigsRequest_t;

/* One response shape serves both APIs. */
typedef struct kwire_AlterConfigsResourceResponse {
    int16_t ErrorCode;
    kwire_slice_t ErrorMessage; /* nullable */
    int8_t ResourceType;
    kwire_slice_t ResourceName;
} kwire_AlterConfigsResourceResponse_t;

typedef struct kwire_AlterConfigsResponse {
    int32_t ThrottleTimeMs;
    kwire_AlterConfigsResourceResponse_t *Responses;
    int32_t ResponsesCount;
} kwire_AlterConfigsResponse_t;

typedef kwire_AlterConfigsResponse_t kwire_IncrementalAlterConfigsResponse_t;

/** AlterConfigs, flexible from v2.  @return 0, XDC_EMALFORMED.  @thread any. */
int kwire_decode_AlterConfigsRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                     kwire_AlterConfigsRequest_t *req);
/** Append an AlterConfigsResponse body (v0-1).  @thread any. */
void kwire_encode_AlterConfigsResponse(buf_t *b, int16_t ver,
                                       const kwire_AlterConfigsResponse_t *resp);
/** IncrementalAlterConfigs, flexible from v1.  @return 0, XDC_EMALFORMED. */
int kwire_decode_IncrementalAlterConfigsRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                                kwire_IncrementalAlterConfigsRequest_t *req);
/** Append an IncrementalAlterConfigsResponse body (v0-1; v1 compact with
 *  tag sections).  @thread any. */
void kwire_encode_IncrementalAlterConfigsResponse(
    buf_t *b, int16_t ver, const kwire_IncrementalAlterConfigsResponse_t *resp);

/* ---- DescribeCluster (key 60), v0-1, always flexible --------------------- */

typedef struct kwire_DescribeClusterRequest {
    int IncludeClusterAuthorizedOperations;
    int8_t EndpointType; /* v1+; 1 (brokers) below */
} kwire_DescribeClusterRequest_t;

typedef struct kwire_DescribeClusterBroker {
    int32_t BrokerId;
    kwire_slice_t Host;
    int32_t Port;
    kwire_slice_t Rack; /* nullable */
} kwire_DescribeClusterBroker_t;

typedef struct kwire_DescribeClusterResponse {
    int32_t ThrottleTimeMs;
    int16_t ErrorCode;
    kwire_slice_t ErrorMessage; /* nullable */
    int8_t EndpointType;        /* v1+ */
    kwire_slice_t ClusterId;
    int32_t ControllerId;
    kwire_DescribeClusterBroker_t *Brokers;
    int32_t BrokersCount;
    int32_t ClusterAuthorizedOperations; /* INT32_MIN: not requested */
} kwire_DescribeClusterResponse_t;

/** @p a is unused (no arrays).  @return 0, XDC_EMALFORMED.  @thread any. */
int kwire_decode_DescribeClusterRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                        kwire_DescribeClusterRequest_t *req);
/** Append a DescribeClusterResponse body (v0-1, compact).  @thread any. */
void kwire_encode_DescribeClusterResponse(buf_t *b, int16_t ver,
                                          const kwire_DescribeClusterResponse_t *resp);

#endif
