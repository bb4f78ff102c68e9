#include "broker/kwire_data.h"

#include "common/err.h"
#include "common/util.h"

#include <assert.h>
#include <stdlib.h>

/* ---- shared helpers ------------------------------------------------------ */

void *kwire__read_array(kwire_reader_t *r, int flex, int nullable, arena_t *a, size_t size,
                        int32_t *count)
{
    int32_t n = kwire_read_count(r, flex);
    *count = n;
    if (n < 0 && !nullable)
        kwire_reader_fail(r);
    /* The count is capped by the bytes left (kwire_read_array_len), so the
     * allocation is bounded by the frame size. */
    if (n <= 0 || r->err)
        return NULL;
    return arena_calloc(a, (size_t)n, size);
}

int32_t *kwire__read_i32_array(kwire_reader_t *r, int flex, arena_t *a, int32_t *count)
{
    int32_t *v = kwire__read_array(r, flex, 0, a, sizeof(*v), count);
    for (int32_t i = 0; v && i < *count; i++)
        v[i] = kwire_read_i32(r);
    return v;
}

kwire_slice_t *kwire__read_str_array(kwire_reader_t *r, int flex, int nullable, arena_t *a,
                                     int32_t *count)
{
    kwire_slice_t *v = kwire__read_array(r, flex, nullable, a, sizeof(*v), count);
    for (int32_t i = 0; v && i < *count; i++)
        kwire_read_string(r, flex, &v[i]);
    return v;
}

void kwire__write_i32_array(buf_t *b, int flex, const int32_t *v, int32_t n)
{
    kwire_write_count(b, flex, n);
    for (int32_t i = 0; i < n; i++)
        kwire_write_i32(b, v[i]);
}

static int kwire_decode_done(kwire_reader_t *r)
{
    return r->err ? XDC_EMALFORMED : 0;
}

/* ---- Metadata ------------------------------------------------------------ */

int kwire_decode_MetadataRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                 kwire_MetadataRequest_t *req)
{
    /* "nullableVersions": "1+": a null Topics asks for every topic. */
    req->Topics = kwire__read_array(r, 0, ver >= 1, a, sizeof(*req->Topics), &req->TopicsCount);
    for (int32_t i = 0; req->Topics && i < req->TopicsCount; i++)
        kwire_read_str(r, &req->Topics[i].Name); /* Topics.Name */
    req->AllowAutoTopicCreation = 1;
    if (ver >= 4)
        req->AllowAutoTopicCreation = kwire_read_bool(r); /* AllowAutoTopicCreation */
    return kwire_decode_done(r);
}

static void kwire_encode_metadata_brokers(buf_t *b, int16_t ver, const kwire_MetadataResponse_t *m)
{
    kwire_write_array_len(b, m->BrokersCount);
    for (int32_t i = 0; i < m->BrokersCount; i++) {
        const kwire_MetadataResponseBroker_t *br = &m->Brokers[i];
        kwire_write_i32(b, br->NodeId); /* Brokers.NodeId */
        kwire_write_str(b, br->Host);   /* Brokers.Host */
        kwire_write_i32(b, br->Port);   /* Brokers.Port */
        if (ver >= 1)
            kwire_write_nullable_str(b, br->Rack); /* Brokers.Rack */
    }
}

static void kwire_encode_metadata_partition(buf_t *b, int16_t ver,
                                            const kwire_MetadataResponsePartition_t *p)
{
    kwire_write_i16(b, p->ErrorCode);                                    /* Partitions.ErrorCode */
    kwire_write_i32(b, p->PartitionIndex);                               /* .PartitionIndex */
    kwire_write_i32(b, p->LeaderId);                                     /* .LeaderId */
    kwire__write_i32_array(b, 0, p->ReplicaNodes, p->ReplicaNodesCount); /* .ReplicaNodes */
    kwire__write_i32_array(b, 0, p->IsrNodes, p->IsrNodesCount);         /* .IsrNodes */
    if (ver >= 5)
        kwire__write_i32_array(b, 0, p->OfflineReplicas, p->OfflineReplicasCount);
}

void kwire_encode_MetadataResponse(buf_t *b, int16_t ver, const kwire_MetadataResponse_t *resp)
{
    if (ver >= 3)
        kwire_write_i32(b, resp->ThrottleTimeMs); /* ThrottleTimeMs */
    kwire_encode_metadata_brokers(b, ver, resp);
    if (ver >= 2)
        kwire_write_nullable_str(b, resp->ClusterId); /* ClusterId */
    if (ver >= 1)
        kwire_write_i32(b, resp->ControllerId); /* ControllerId */
    kwire_write_array_len(b, resp->TopicsCount);
    for (int32_t i = 0; i < resp->TopicsCount; i++) {
        const kwire_MetadataResponseTopic_t *t = &resp->Topics[i];
        kwire_write_i16(b, t->ErrorCode); /* Topics.ErrorCode */
        kwire_write_str(b, t->Name);      /* Topics.Name */
        if (ver >= 1)
            kwire_write_bool(b, t->IsInternal); /* Topics.IsInternal */
        kwire_write_array_len(b, t->PartitionsCount);
        for (int32_t j = 0; j < t->PartitionsCount; j++)
            kwire_encode_metadata_partition(b, ver, &t->Partitions[j]);
    }
}

/* ---- Produce ------------------------------------------------------------- */

static void kwire_decode_produce_topic(kwire_reader_t *r, arena_t *a, kwire_TopicProduceData_t *t)
{
    kwire_read_str(r, &t->Name); /* TopicData.Name */
    t->PartitionData =
        kwire__read_array(r, 0, 0, a, sizeof(*t->PartitionData), &t->PartitionDataCount);
    for (int32_t j = 0; t->PartitionData && j < t->PartitionDataCount; j++) {
        kwire_PartitionProduceData_t *p = &t->PartitionData[j];
        p->Index = kwire_read_i32(r);              /* PartitionData.Index */
        kwire_read_nullable_bytes(r, &p->Records); /* PartitionData.Records */
    }
}

int kwire_decode_ProduceRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                kwire_ProduceRequest_t *req)
{
    req->TransactionalId = KWIRE_SLICE_NULL;
    if (ver >= 3)
        kwire_read_nullable_str(r, &req->TransactionalId); /* TransactionalId */
    req->Acks = kwire_read_i16(r);                         /* Acks */
    req->TimeoutMs = kwire_read_i32(r);                    /* TimeoutMs */
    req->TopicData = kwire__read_array(r, 0, 0, a, sizeof(*req->TopicData), &req->TopicDataCount);
    for (int32_t i = 0; req->TopicData && i < req->TopicDataCount; i++)
        kwire_decode_produce_topic(r, a, &req->TopicData[i]);
    return kwire_decode_done(r);
}

void kwire_encode_ProduceResponse(buf_t *b, int16_t ver, const kwire_ProduceResponse_t *resp)
{
    kwire_write_array_len(b, resp->ResponsesCount);
    for (int32_t i = 0; i < resp->ResponsesCount; i++) {
        const kwire_TopicProduceResponse_t *t = &resp->Responses[i];
        kwire_write_str(b, t->Name); /* Responses.Name */
        kwire_write_array_len(b, t->PartitionResponsesCount);
        for (int32_t j = 0; j < t->PartitionResponsesCount; j++) {
            const kwire_PartitionProduceResponse_t *p = &t->PartitionResponses[j];
            kwire_write_i32(b, p->Index);      /* PartitionResponses.Index */
            kwire_write_i16(b, p->ErrorCode);  /* PartitionResponses.ErrorCode */
            kwire_write_i64(b, p->BaseOffset); /* PartitionResponses.BaseOffset */
            if (ver >= 2)
                kwire_write_i64(b, p->LogAppendTimeMs); /* PartitionResponses.LogAppendTimeMs */
            if (ver >= 5)
                kwire_write_i64(b, p->LogStartOffset); /* PartitionResponses.LogStartOffset */
        }
    }
    if (ver >= 1)
        kwire_write_i32(b, resp->ThrottleTimeMs); /* ThrottleTimeMs */
}

/* ---- Fetch --------------------------------------------------------------- */

void kwire_splices_init(kwire_splices_t *s)
{
    s->v = NULL;
    s->n = 0;
    s->cap = 0;
}

void kwire_splices_close(kwire_splices_t *s)
{
    free(s->v);
    kwire_splices_init(s);
}

void kwire_splices_reset(kwire_splices_t *s)
{
    s->n = 0;
}

void kwire_splices_add(kwire_splices_t *s, size_t at, int fd, int64_t pos, int32_t len)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 8;
        s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
    }
    s->v[s->n++] = (kwire_splice_t){at, fd, pos, len};
}

int64_t kwire_splices_total(const kwire_splices_t *s)
{
    int64_t total = 0;
    for (size_t i = 0; i < s->n; i++)
        total += s->v[i].len;
    return total;
}

static void kwire_decode_fetch_partition(kwire_reader_t *r, int16_t ver, kwire_FetchPartition_t *p)
{
    p->Partition = kwire_read_i32(r); /* Partitions.Partition */
    p->CurrentLeaderEpoch = -1;
    if (ver >= 9)
        p->CurrentLeaderEpoch = kwire_read_i32(r); /* Partitions.CurrentLeaderEpoch */
    p->FetchOffset = kwire_read_i64(r);            /* Partitions.FetchOffset */
    p->LogStartOffset = -1;
    if (ver >= 5)
        p->LogStartOffset = kwire_read_i64(r); /* Partitions.LogStartOffset */
    p->PartitionMaxBytes = kwire_read_i32(r);  /* Partitions.PartitionMaxBytes */
}

static void kwire_decode_fetch_topics(kwire_reader_t *r, int16_t ver, arena_t *a,
                                      kwire_FetchRequest_t *req)
{
    req->Topics = kwire__read_array(r, 0, 0, a, sizeof(*req->Topics), &req->TopicsCount);
    for (int32_t i = 0; req->Topics && i < req->TopicsCount; i++) {
        kwire_FetchTopic_t *t = &req->Topics[i];
        kwire_read_str(r, &t->Topic); /* Topics.Topic */
        t->Partitions = kwire__read_array(r, 0, 0, a, sizeof(*t->Partitions), &t->PartitionsCount);
        for (int32_t j = 0; t->Partitions && j < t->PartitionsCount; j++)
            kwire_decode_fetch_partition(r, ver, &t->Partitions[j]);
    }
}

static void kwire_decode_fetch_forgotten(kwire_reader_t *r, arena_t *a, kwire_FetchRequest_t *req)
{
    req->ForgottenTopicsData = kwire__read_array(r, 0, 0, a, sizeof(*req->ForgottenTopicsData),
                                                 &req->ForgottenTopicsDataCount);
    for (int32_t i = 0; req->ForgottenTopicsData && i < req->ForgottenTopicsDataCount; i++) {
        kwire_ForgottenTopic_t *t = &req->ForgottenTopicsData[i];
        kwire_read_str(r, &t->Topic); /* ForgottenTopicsData.Topic */
        t->Partitions = kwire__read_i32_array(r, 0, a, &t->PartitionsCount); /* .Partitions */
    }
}

int kwire_decode_FetchRequest(kwire_reader_t *r, int16_t ver, arena_t *a, kwire_FetchRequest_t *req)
{
    req->ReplicaId = kwire_read_i32(r); /* ReplicaId */
    req->MaxWaitMs = kwire_read_i32(r); /* MaxWaitMs */
    req->MinBytes = kwire_read_i32(r);  /* MinBytes */
    req->MaxBytes = INT32_MAX;
    if (ver >= 3)
        req->MaxBytes = kwire_read_i32(r); /* MaxBytes */
    req->IsolationLevel = 0;
    if (ver >= 4)
        req->IsolationLevel = kwire_read_i8(r); /* IsolationLevel */
    req->SessionId = 0;
    req->SessionEpoch = -1;
    if (ver >= 7) {
        req->SessionId = kwire_read_i32(r);    /* SessionId */
        req->SessionEpoch = kwire_read_i32(r); /* SessionEpoch */
    }
    kwire_decode_fetch_topics(r, ver, a, req);
    req->ForgottenTopicsData = NULL;
    req->ForgottenTopicsDataCount = 0;
    if (ver >= 7)
        kwire_decode_fetch_forgotten(r, a, req);
    req->RackId = (kwire_slice_t){(const uint8_t *)"", 0};
    if (ver >= 11)
        kwire_read_str(r, &req->RackId); /* RackId */
    return kwire_decode_done(r);
}

/* Records: inline bytes are copied; file bytes leave only their length in
 * @p b and a splice entry that points at where they belong. */
static void kwire_encode_records(buf_t *b, const kwire_records_t *rec, kwire_splices_t *splices)
{
    if (rec->ptr || rec->len <= 0) {
        kwire_write_nullable_bytes(b, (kwire_slice_t){rec->ptr, rec->len < 0 ? -1 : rec->len});
        return;
    }
    assert(rec->fd >= 0 && splices);
    kwire_write_i32(b, rec->len);
    kwire_splices_add(splices, b->len, rec->fd, rec->file_pos, rec->len);
}

static void kwire_encode_fetch_partition(buf_t *b, int16_t ver, const kwire_FetchPartitionData_t *p,
                                         kwire_splices_t *splices)
{
    kwire_write_i32(b, p->PartitionIndex); /* Partitions.PartitionIndex */
    kwire_write_i16(b, p->ErrorCode);      /* Partitions.ErrorCode */
    kwire_write_i64(b, p->HighWatermark);  /* Partitions.HighWatermark */
    if (ver >= 4)
        kwire_write_i64(b, p->LastStableOffset); /* Partitions.LastStableOffset */
    if (ver >= 5)
        kwire_write_i64(b, p->LogStartOffset); /* Partitions.LogStartOffset */
    if (ver >= 4) {
        kwire_write_array_len(b, p->AbortedTransactionsCount); /* Partitions.AbortedTransactions */
        for (int32_t k = 0; k < p->AbortedTransactionsCount; k++) {
            kwire_write_i64(b, p->AbortedTransactions[k].ProducerId);  /* .ProducerId */
            kwire_write_i64(b, p->AbortedTransactions[k].FirstOffset); /* .FirstOffset */
        }
    }
    if (ver >= 11)
        kwire_write_i32(b, p->PreferredReadReplica); /* Partitions.PreferredReadReplica */
    kwire_encode_records(b, &p->Records, splices);   /* Partitions.Records */
}

void kwire_encode_FetchResponse(buf_t *b, int16_t ver, const kwire_FetchResponse_t *resp,
                                kwire_splices_t *splices)
{
    if (ver >= 1)
        kwire_write_i32(b, resp->ThrottleTimeMs); /* ThrottleTimeMs */
    if (ver >= 7) {
        kwire_write_i16(b, resp->ErrorCode); /* ErrorCode */
        kwire_write_i32(b, resp->SessionId); /* SessionId */
    }
    kwire_write_array_len(b, resp->ResponsesCount);
    for (int32_t i = 0; i < resp->ResponsesCount; i++) {
        const kwire_FetchableTopicResponse_t *t = &resp->Responses[i];
        kwire_write_str(b, t->Topic); /* Responses.Topic */
        kwire_write_array_len(b, t->PartitionsCount);
        for (int32_t j = 0; j < t->PartitionsCount; j++)
            kwire_encode_fetch_partition(b, ver, &t->Partitions[j], splices);
    }
}

/* ---- ListOffsets --------------------------------------------------------- */

int kwire_decode_ListOffsetsRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                    kwire_ListOffsetsRequest_t *req)
{
    req->ReplicaId = kwire_read_i32(r); /* ReplicaId */
    req->IsolationLevel = 0;
    if (ver >= 2)
        req->IsolationLevel = kwire_read_i8(r); /* IsolationLevel */
    req->Topics = kwire__read_array(r, 0, 0, a, sizeof(*req->Topics), &req->TopicsCount);
    for (int32_t i = 0; req->Topics && i < req->TopicsCount; i++) {
        kwire_ListOffsetsTopic_t *t = &req->Topics[i];
        kwire_read_str(r, &t->Name); /* Topics.Name */
        t->Partitions = kwire__read_array(r, 0, 0, a, sizeof(*t->Partitions), &t->PartitionsCount);
        for (int32_t j = 0; t->Partitions && j < t->PartitionsCount; j++) {
            t->Partitions[j].PartitionIndex = kwire_read_i32(r); /* Partitions.PartitionIndex */
            t->Partitions[j].Timestamp = kwire_read_i64(r);      /* Partitions.Timestamp */
        }
    }
    return kwire_decode_done(r);
}

void kwire_encode_ListOffsetsResponse(buf_t *b, int16_t ver,
                                      const kwire_ListOffsetsResponse_t *resp)
{
    if (ver >= 2)
        kwire_write_i32(b, resp->ThrottleTimeMs); /* ThrottleTimeMs */
    kwire_write_array_len(b, resp->TopicsCount);
    for (int32_t i = 0; i < resp->TopicsCount; i++) {
        const kwire_ListOffsetsTopicResponse_t *t = &resp->Topics[i];
        kwire_write_str(b, t->Name); /* Topics.Name */
        kwire_write_array_len(b, t->PartitionsCount);
        for (int32_t j = 0; j < t->PartitionsCount; j++) {
            const kwire_ListOffsetsPartitionResponse_t *p = &t->Partitions[j];
            kwire_write_i32(b, p->PartitionIndex); /* Partitions.PartitionIndex */
            kwire_write_i16(b, p->ErrorCode);      /* Partitions.ErrorCode */
            kwire_write_i64(b, p->Timestamp);      /* Partitions.Timestamp (v1+) */
            kwire_write_i64(b, p->Offset);         /* Partitions.Offset (v1+) */
        }
    }
}

/* ---- DeleteRecords ------------------------------------------------------- */

int kwire_decode_DeleteRecordsRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                      kwire_DeleteRecordsRequest_t *req)
{
    int flex = ver >= 2; /* "flexibleVersions": "2+" */
    req->Topics = kwire__read_array(r, flex, 0, a, sizeof(*req->Topics), &req->TopicsCount);
    for (int32_t i = 0; req->Topics && i < req->TopicsCount; i++) {
        kwire_DeleteRecordsTopic_t *t = &req->Topics[i];
        kwire_read_string(r, flex, &t->Name); /* Topics.Name */
        t->Partitions =
            kwire__read_array(r, flex, 0, a, sizeof(*t->Partitions), &t->PartitionsCount);
        for (int32_t j = 0; t->Partitions && j < t->PartitionsCount; j++) {
            t->Partitions[j].PartitionIndex = kwire_read_i32(r); /* Partitions.PartitionIndex */
            t->Partitions[j].Offset = kwire_read_i64(r);         /* Partitions.Offset */
            kwire_read_tags(r, flex);
        }
        kwire_read_tags(r, flex);
    }
    req->TimeoutMs = kwire_read_i32(r); /* TimeoutMs */
    kwire_read_tags(r, flex);
    return kwire_decode_done(r);
}

void kwire_encode_DeleteRecordsResponse(buf_t *b, int16_t ver,
                                        const kwire_DeleteRecordsResponse_t *resp)
{
    int flex = ver >= 2;
    kwire_write_i32(b, resp->ThrottleTimeMs); /* ThrottleTimeMs */
    kwire_write_count(b, flex, resp->TopicsCount);
    for (int32_t i = 0; i < resp->TopicsCount; i++) {
        const kwire_DeleteRecordsTopicResult_t *t = &resp->Topics[i];
        kwire_write_string(b, flex, t->Name); /* Topics.Name */
        kwire_write_count(b, flex, t->PartitionsCount);
        for (int32_t j = 0; j < t->PartitionsCount; j++) {
            const kwire_DeleteRecordsPartitionResult_t *p = &t->Partitions[j];
            kwire_write_i32(b, p->PartitionIndex); /* Partitions.PartitionIndex */
            kwire_write_i64(b, p->LowWatermark);   /* Partitions.LowWatermark */
            kwire_write_i16(b, p->ErrorCode);      /* Partitions.ErrorCode */
            kwire_write_tags(b, flex);
        }
        kwire_write_tags(b, flex);
    }
    kwire_write_tags(b, flex);
}

/* ---- InitProducerId ------------------------------------------------------ */

int kwire_decode_InitProducerIdRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                       kwire_InitProducerIdRequest_t *req)
{
    int flex = ver >= 2; /* "flexibleVersions": "2+" */
    (void)a;
    kwire_read_nullable_string(r, flex, &req->TransactionalId); /* TransactionalId */
    req->TransactionTimeoutMs = kwire_read_i32(r);              /* TransactionTimeoutMs */
    req->ProducerId = -1;
    req->ProducerEpoch = -1;
    if (ver >= 3) {
        req->ProducerId = kwire_read_i64(r);    /* ProducerId */
        req->ProducerEpoch = kwire_read_i16(r); /* ProducerEpoch */
    }
    kwire_read_tags(r, flex);
    return kwire_decode_done(r);
}

void kwire_encode_InitProducerIdResponse(buf_t *b, int16_t ver,
                                         const kwire_InitProducerIdResponse_t *resp)
{
    int flex = ver >= 2;
    kwire_write_i32(b, resp->ThrottleTimeMs); /* ThrottleTimeMs */
    kwire_write_i16(b, resp->ErrorCode);      /* ErrorCode */
    kwire_write_i64(b, resp->ProducerId);     /* ProducerId */
    kwire_write_i16(b, resp->ProducerEpoch);  /* ProducerEpoch */
    kwire_write_tags(b, flex);
}
