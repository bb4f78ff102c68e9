#include "broker/kwire_admin.h"

#include "broker/kwire_data.h"
#include "common/err.h"

/* Each API computes `flex` from its schema's "flexibleVersions" even where
 * our served range never reaches it, so that widening a range later only
 * needs the new fields. */

static int kwire_admin_done(kwire_reader_t *r)
{
    return r->err ? XDC_EMALFORMED : 0;
}

/* ---- CreateTopics -------------------------------------------------------- */

static void kwire_decode_creatable_topic(kwire_reader_t *r, int flex, arena_t *a,
                                         kwire_CreatableTopic_t *t)
{
    kwire_read_string(r, flex, &t->Name);     /* Topics.Name */
    t->NumPartitions = kwire_read_i32(r);     /* Topics.NumPartitions */
    t->ReplicationFactor = kwire_read_i16(r); /* Topics.ReplicationFactor */
    t->Assignments =
        kwire__read_array(r, flex, 0, a, sizeof(*t->Assignments), &t->AssignmentsCount);
    for (int32_t j = 0; t->Assignments && j < t->AssignmentsCount; j++) {
        kwire_CreatableReplicaAssignment_t *as = &t->Assignments[j];
        as->PartitionIndex = kwire_read_i32(r); /* Assignments.PartitionIndex */
        as->BrokerIds = kwire__read_i32_array(r, flex, a, &as->BrokerIdsCount); /* .BrokerIds */
        kwire_read_tags(r, flex);
    }
    t->Configs = kwire__read_array(r, flex, 0, a, sizeof(*t->Configs), &t->ConfigsCount);
    for (int32_t j = 0; t->Configs && j < t->ConfigsCount; j++) {
        kwire_read_string(r, flex, &t->Configs[j].Name);           /* Configs.Name */
        kwire_read_nullable_string(r, flex, &t->Configs[j].Value); /* Configs.Value */
        kwire_read_tags(r, flex);
    }
    kwire_read_tags(r, flex);
}

int kwire_decode_CreateTopicsRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                     kwire_CreateTopicsRequest_t *req)
{
    int flex = ver >= 5; /* "flexibleVersions": "5+" */
    req->Topics = kwire__read_array(r, flex, 0, a, sizeof(*req->Topics), &req->TopicsCount);
    for (int32_t i = 0; req->Topics && i < req->TopicsCount; i++)
        kwire_decode_creatable_topic(r, flex, a, &req->Topics[i]);
    req->timeoutMs = kwire_read_i32(r); /* timeoutMs */
    req->validateOnly = 0;
    if (ver >= 1)
        req->validateOnly = kwire_read_bool(r); /* validateOnly */
    kwire_read_tags(r, flex);
    return kwire_admin_done(r);
}

void kwire_encode_CreateTopicsResponse(buf_t *b, int16_t ver,
                                       const kwire_CreateTopicsResponse_t *resp)
{
    int flex = ver >= 5;
    if (ver >= 2)
        kwire_write_i32(b, resp->ThrottleTimeMs); /* ThrottleTimeMs */
    kwire_write_count(b, flex, resp->TopicsCount);
    for (int32_t i = 0; i < resp->TopicsCount; i++) {
        const kwire_CreatableTopicResult_t *t = &resp->Topics[i];
        kwire_write_string(b, flex, t->Name); /* Topics.Name */
        kwire_write_i16(b, t->ErrorCode);     /* Topics.ErrorCode */
        if (ver >= 1)
            kwire_write_nullable_string(b, flex, t->ErrorMessage); /* Topics.ErrorMessage */
        kwire_write_tags(b, flex);
    }
    kwire_write_tags(b, flex);
}

/* ---- DeleteTopics -------------------------------------------------------- */

int kwire_decode_DeleteTopicsRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                     kwire_DeleteTopicsRequest_t *req)
{
    int flex = ver >= 4; /* "flexibleVersions": "4+"; TopicNames is "0-5" */
    req->TopicNames = kwire__read_str_array(r, flex, 0, a, &req->TopicNamesCount); /* TopicNames */
    req->TimeoutMs = kwire_read_i32(r);                                            /* TimeoutMs */
    kwire_read_tags(r, flex);
    return kwire_admin_done(r);
}

void kwire_encode_DeleteTopicsResponse(buf_t *b, int16_t ver,
                                       const kwire_DeleteTopicsResponse_t *resp)
{
    int flex = ver >= 4;
    if (ver >= 1)
        kwire_write_i32(b, resp->ThrottleTimeMs); /* ThrottleTimeMs */
    kwire_write_count(b, flex, resp->ResponsesCount);
    for (int32_t i = 0; i < resp->ResponsesCount; i++) {
        kwire_write_string(b, flex, resp->Responses[i].Name); /* Responses.Name */
        kwire_write_i16(b, resp->Responses[i].ErrorCode);     /* Responses.ErrorCode */
        kwire_write_tags(b, flex);
    }
    kwire_write_tags(b, flex);
}

/* ---- CreatePartitions ---------------------------------------------------- */

static void kwire_decode_create_partitions_topic(kwire_reader_t *r, int flex, arena_t *a,
                                                 kwire_CreatePartitionsTopic_t *t)
{
    kwire_read_string(r, flex, &t->Name); /* Topics.Name */
    t->Count = kwire_read_i32(r);         /* Topics.Count */
    t->Assignments =                      /* Topics.Assignments, nullable */
        kwire__read_array(r, flex, 1, a, sizeof(*t->Assignments), &t->AssignmentsCount);
    for (int32_t j = 0; t->Assignments && j < t->AssignmentsCount; j++) {
        kwire_CreatePartitionsAssignment_t *as = &t->Assignments[j];
        as->BrokerIds = kwire__read_i32_array(r, flex, a, &as->BrokerIdsCount); /* .BrokerIds */
        kwire_read_tags(r, flex);
    }
    kwire_read_tags(r, flex);
}

int kwire_decode_CreatePartitionsRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                         kwire_CreatePartitionsRequest_t *req)
{
    int flex = ver >= 2; /* "flexibleVersions": "2+" */
    req->Topics = kwire__read_array(r, flex, 0, a, sizeof(*req->Topics), &req->TopicsCount);
    for (int32_t i = 0; req->Topics && i < req->TopicsCount; i++)
        kwire_decode_create_partitions_topic(r, flex, a, &req->Topics[i]);
    req->TimeoutMs = kwire_read_i32(r);     /* TimeoutMs */
    req->ValidateOnly = kwire_read_bool(r); /* ValidateOnly */
    kwire_read_tags(r, flex);
    return kwire_admin_done(r);
}

void kwire_encode_CreatePartitionsResponse(buf_t *b, int16_t ver,
                                           const kwire_CreatePartitionsResponse_t *resp)
{
    int flex = ver >= 2;
    kwire_write_i32(b, resp->ThrottleTimeMs); /* ThrottleTimeMs */
    kwire_write_count(b, flex, resp->ResultsCount);
    for (int32_t i = 0; i < resp->ResultsCount; i++) {
        const kwire_CreatePartitionsTopicResult_t *t = &resp->Results[i];
        kwire_write_string(b, flex, t->Name);                  /* Results.Name */
        kwire_write_i16(b, t->ErrorCode);                      /* Results.ErrorCode */
        kwire_write_nullable_string(b, flex, t->ErrorMessage); /* Results.ErrorMessage */
        kwire_write_tags(b, flex);
    }
    kwire_write_tags(b, flex);
}

/* ---- DescribeConfigs ----------------------------------------------------- */

int kwire_decode_DescribeConfigsRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                        kwire_DescribeConfigsRequest_t *req)
{
    int flex = ver >= 4; /* "flexibleVersions": "4+" */
    req->Resources =
        kwire__read_array(r, flex, 0, a, sizeof(*req->Resources), &req->ResourcesCount);
    for (int32_t i = 0; req->Resources && i < req->ResourcesCount; i++) {
        kwire_DescribeConfigsResource_t *res = &req->Resources[i];
        res->ResourceType = kwire_read_i8(r);           /* Resources.ResourceType */
        kwire_read_string(r, flex, &res->ResourceName); /* Resources.ResourceName */
        res->ConfigurationKeys =                        /* Resources.ConfigurationKeys */
            kwire__read_str_array(r, flex, 1, a, &res->ConfigurationKeysCount);
        kwire_read_tags(r, flex);
    }
    req->IncludeSynonyms = 0;
    if (ver >= 1)
        req->IncludeSynonyms = kwire_read_bool(r); /* IncludeSynonyms */
    kwire_read_tags(r, flex);
    return kwire_admin_done(r);
}

static void kwire_encode_describe_config(buf_t *b, int16_t ver, int flex,
                                         const kwire_DescribeConfigsResourceResult_t *c)
{
    kwire_write_string(b, flex, c->Name);           /* Configs.Name */
    kwire_write_nullable_string(b, flex, c->Value); /* Configs.Value */
    kwire_write_bool(b, c->ReadOnly);               /* Configs.ReadOnly */
    if (ver == 0)
        kwire_write_bool(b, c->IsDefault); /* Configs.IsDefault ("versions": "0") */
    else
        kwire_write_i8(b, c->ConfigSource); /* Configs.ConfigSource */
    kwire_write_bool(b, c->IsSensitive);    /* Configs.IsSensitive */
    if (ver >= 1) {
        kwire_write_count(b, flex, c->SynonymsCount); /* Configs.Synonyms */
        for (int32_t k = 0; k < c->SynonymsCount; k++) {
            kwire_write_string(b, flex, c->Synonyms[k].Name);           /* Synonyms.Name */
            kwire_write_nullable_string(b, flex, c->Synonyms[k].Value); /* Synonyms.Value */
            kwire_write_i8(b, c->Synonyms[k].Source);                   /* Synonyms.Source */
            kwire_write_tags(b, flex);
        }
    }
    kwire_write_tags(b, flex);
}

void kwire_encode_DescribeConfigsResponse(buf_t *b, int16_t ver,
                                          const kwire_DescribeConfigsResponse_t *resp)
{
    int flex = ver >= 4;
    kwire_write_i32(b, resp->ThrottleTimeMs); /* ThrottleTimeMs */
    kwire_write_count(b, flex, resp->ResultsCount);
    for (int32_t i = 0; i < resp->ResultsCount; i++) {
        const kwire_DescribeConfigsResult_t *res = &resp->Results[i];
        kwire_write_i16(b, res->ErrorCode);                      /* Results.ErrorCode */
        kwire_write_nullable_string(b, flex, res->ErrorMessage); /* Results.ErrorMessage */
        kwire_write_i8(b, res->ResourceType);                    /* Results.ResourceType */
        kwire_write_string(b, flex, res->ResourceName);          /* Results.ResourceName */
        kwire_write_count(b, flex, res->ConfigsCount);           /* Results.Configs */
        for (int32_t j = 0; j < res->ConfigsCount; j++)
            kwire_encode_describe_config(b, ver, flex, &res->Configs[j]);
        kwire_write_tags(b, flex);
    }
    kwire_write_tags(b, flex);
}

/* ---- AlterConfigs and IncrementalAlterConfigs ---------------------------- */

static void kwire_decode_alter_resource(kwire_reader_t *r, int flex, arena_t *a,
                                        kwire_AlterConfigsResource_t *res)
{
    res->ResourceType = kwire_read_i8(r);           /* Resources.ResourceType */
    kwire_read_string(r, flex, &res->ResourceName); /* Resources.ResourceName */
    res->Configs = kwire__read_array(r, flex, 0, a, sizeof(*res->Configs), &res->ConfigsCount);
    for (int32_t j = 0; res->Configs && j < res->ConfigsCount; j++) {
        kwire_read_string(r, flex, &res->Configs[j].Name);           /* Configs.Name */
        kwire_read_nullable_string(r, flex, &res->Configs[j].Value); /* Configs.Value */
        kwire_read_tags(r, flex);
    }
    kwire_read_tags(r, flex);
}

int kwire_decode_AlterConfigsRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                     kwire_AlterConfigsRequest_t *req)
{
    int flex = ver >= 2; /* "flexibleVersions": "2+" */
    req->Resources =
        kwire__read_array(r, flex, 0, a, sizeof(*req->Resources), &req->ResourcesCount);
    for (int32_t i = 0; req->Resources && i < req->ResourcesCount; i++)
        kwire_decode_alter_resource(r, flex, a, &req->Resources[i]);
    req->ValidateOnly = kwire_read_bool(r); /* ValidateOnly */
    kwire_read_tags(r, flex);
    return kwire_admin_done(r);
}

static void kwire_decode_incremental_resource(kwire_reader_t *r, int flex, arena_t *a,
                                              kwire_IncrementalAlterConfigsResource_t *res)
{
    res->ResourceType = kwire_read_i8(r);           /* Resources.ResourceType */
    kwire_read_string(r, flex, &res->ResourceName); /* Resources.ResourceName */
    res->Configs = kwire__read_array(r, flex, 0, a, sizeof(*res->Configs), &res->ConfigsCount);
    for (int32_t j = 0; res->Configs && j < res->ConfigsCount; j++) {
        kwire_IncrementalAlterableConfig_t *c = &res->Configs[j];
        kwire_read_string(r, flex, &c->Name);           /* Configs.Name */
        c->ConfigOperation = kwire_read_i8(r);          /* Configs.ConfigOperation */
        kwire_read_nullable_string(r, flex, &c->Value); /* Configs.Value */
        kwire_read_tags(r, flex);
    }
    kwire_read_tags(r, flex);
}

int kwire_decode_IncrementalAlterConfigsRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                                kwire_IncrementalAlterConfigsRequest_t *req)
{
    int flex = ver >= 1; /* "flexibleVersions": "1+" */
    req->Resources =
        kwire__read_array(r, flex, 0, a, sizeof(*req->Resources), &req->ResourcesCount);
    for (int32_t i = 0; req->Resources && i < req->ResourcesCount; i++)
        kwire_decode_incremental_resource(r, flex, a, &req->Resources[i]);
    req->ValidateOnly = kwire_read_bool(r); /* ValidateOnly */
    kwire_read_tags(r, flex);
    return kwire_admin_done(r);
}

/* AlterConfigsResponse.json and IncrementalAlterConfigsResponse.json have
 * the same fields; only where flexible versions start differs. */
static void kwire_encode_alter_configs_body(buf_t *b, int flex,
                                            const kwire_AlterConfigsResponse_t *resp)
{
    kwire_write_i32(b, resp->ThrottleTimeMs); /* ThrottleTimeMs */
    kwire_write_count(b, flex, resp->ResponsesCount);
    for (int32_t i = 0; i < resp->ResponsesCount; i++) {
        const kwire_AlterConfigsResourceResponse_t *res = &resp->Responses[i];
        kwire_write_i16(b, res->ErrorCode);                      /* Responses.ErrorCode */
        kwire_write_nullable_string(b, flex, res->ErrorMessage); /* Responses.ErrorMessage */
        kwire_write_i8(b, res->ResourceType);                    /* Responses.ResourceType */
        kwire_write_string(b, flex, res->ResourceName);          /* Responses.ResourceName */
        kwire_write_tags(b, flex);
    }
    kwire_write_tags(b, flex);
}

void kwire_encode_AlterConfigsResponse(buf_t *b, int16_t ver,
                                       const kwire_AlterConfigsResponse_t *resp)
{
    kwire_encode_alter_configs_body(b, ver >= 2, resp);
}

void kwire_encode_IncrementalAlterConfigsResponse(
    buf_t *b, int16_t ver, const kwire_IncrementalAlterConfigsResponse_t *resp)
{
    kwire_encode_alter_configs_body(b, ver >= 1, resp);
}

/* ---- DescribeCluster ----------------------------------------------------- */

int kwire_decode_DescribeClusterRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                        kwire_DescribeClusterRequest_t *req)
{
    (void)a;
    /* "flexibleVersions": "0+" */
    req->IncludeClusterAuthorizedOperations = kwire_read_bool(r); /* IncludeClusterAuthorized.. */
    req->EndpointType = 1;
    if (ver >= 1)
        req->EndpointType = kwire_read_i8(r); /* EndpointType */
    kwire_skip_tags(r);
    return kwire_admin_done(r);
}

void kwire_encode_DescribeClusterResponse(buf_t *b, int16_t ver,
                                          const kwire_DescribeClusterResponse_t *resp)
{
    kwire_write_i32(b, resp->ThrottleTimeMs);                /* ThrottleTimeMs */
    kwire_write_i16(b, resp->ErrorCode);                     /* ErrorCode */
    kwire_write_compact_nullable_str(b, resp->ErrorMessage); /* ErrorMessage */
    if (ver >= 1)
        kwire_write_i8(b, resp->EndpointType);   /* EndpointType */
    kwire_write_compact_str(b, resp->ClusterId); /* ClusterId */
    kwire_write_i32(b, resp->ControllerId);      /* ControllerId */
    kwire_write_compact_array_len(b, resp->BrokersCount);
    for (int32_t i = 0; i < resp->BrokersCount; i++) {
        const kwire_DescribeClusterBroker_t *br = &resp->Brokers[i];
        kwire_write_i32(b, br->BrokerId);              /* Brokers.BrokerId */
        kwire_write_compact_str(b, br->Host);          /* Brokers.Host */
        kwire_write_i32(b, br->Port);                  /* Brokers.Port */
        kwire_write_compact_nullable_str(b, br->Rack); /* Brokers.Rack */
        kwire_write_empty_tags(b);
    }
    kwire_write_i32(b, resp->ClusterAuthorizedOperations); /* ClusterAuthorizedOperations */
    kwire_write_empty_tags(b);
}
