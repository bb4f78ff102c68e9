/* Data-path APIs: Metadata, Produce, Fetch, ListOffsets, DeleteRecords. */
#include "broker/brk_int.h"

#include "broker/kwire_batch.h"
#include "broker/kwire_compress.h"
#include "broker/kwire_data.h"
#include "broker/kwire_err.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- Metadata ------------------------------------------------------------ */

/* The address clients should use: advertised.listeners, else the listener,
 * else (a wildcard listener) the address this client connected to. */
void brk__advertised(brk_server_t *srv, const brk_conn_t *c, kwire_MetadataResponseBroker_t *b,
                     arena_t *a)
{
    conf_listener_t l;
    const char *src =
        *srv->conf.advertised_listeners ? srv->conf.advertised_listeners : srv->conf.listeners;
    char why[128];
    memset(&l, 0, sizeof(l));
    conf_listener_parse(src, &l, why, sizeof(why)); /* validated at load */
    const char *host = l.host;
    if (!*host || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0)
        host = c->local_host;
    char *h = arena_alloc(a, strlen(host) + 1);
    strcpy(h, host);
    b->NodeId = srv->conf.node_id;
    b->Host = kwire_cstr(h);
    b->Port = l.port && *srv->conf.advertised_listeners ? l.port : srv->port;
    b->Rack = KWIRE_SLICE_NULL;
}

static void fill_topic(brk_server_t *srv, brk_topic_t *t, kwire_MetadataResponseTopic_t *rt,
                       arena_t *a)
{
    rt->ErrorCode = KWIRE_ERR_NONE;
    rt->Name = kwire_cstr(t->name);
    rt->IsInternal = t->internal;
    rt->PartitionsCount = t->nparts;
    rt->Partitions = arena_calloc(a, (size_t)t->nparts, sizeof(*rt->Partitions));
    int32_t *node = arena_alloc(a, sizeof(int32_t));
    *node = srv->conf.node_id;
    for (int32_t i = 0; i < t->nparts; i++) {
        kwire_MetadataResponsePartition_t *p = &rt->Partitions[i];
        p->PartitionIndex = i;
        p->LeaderId = srv->conf.node_id;
        p->ReplicaNodes = p->IsrNodes = node;
        p->ReplicaNodesCount = p->IsrNodesCount = 1;
        p->OfflineReplicasCount = 0;
    }
}

/* Look a requested topic up, creating it when Kafka would. */
static void metadata_topic(brk_server_t *srv, kwire_slice_t name, int allow_create,
                           kwire_MetadataResponseTopic_t *rt, arena_t *a)
{
    char why[256];
    brk_topic_t *t = brk__topic_find(srv, (const char *)name.ptr, (size_t)name.len);
    rt->Name = name;
    if (!t &&
        brk_topic_name_check((const char *)name.ptr, (size_t)name.len, why, sizeof(why)) < 0) {
        rt->ErrorCode = KWIRE_ERR_INVALID_TOPIC_EXCEPTION;
        return;
    }
    if (!t && allow_create && srv->conf.auto_create_topics_enable) {
        char *n = arena_alloc(a, (size_t)name.len + 1);
        memcpy(n, name.ptr, (size_t)name.len);
        if (brk__topic_create(srv, n, -1, NULL, NULL, 0, 0, why, sizeof(why)) == KWIRE_ERR_NONE)
            t = brk__topic_find(srv, n, (size_t)name.len);
        else
            log_warn("[%s] auto-create failed: %s", n, why);
    }
    if (!t) {
        log_debug(LOG_CTX_WIRE, "[%.*s] unknown (auto-create %s)", (int)name.len, name.ptr,
                  allow_create ? "allowed" : "not requested");
        rt->ErrorCode = KWIRE_ERR_UNKNOWN_TOPIC_OR_PARTITION;
        return;
    }
    fill_topic(srv, t, rt, a);
}

typedef struct all_topics {
    brk_server_t *srv;
    kwire_MetadataResponse_t *resp;
    arena_t *a;
} all_topics_t;

static void add_topic(brk_topic_t *t, void *arg)
{
    all_topics_t *at = arg;
    fill_topic(at->srv, t, &at->resp->Topics[at->resp->TopicsCount++], at->a);
}

int brk__serve_Metadata(brk_server_t *srv, const brk_req_t *req, brk_out_t *out)
{
    kwire_MetadataRequest_t rq;
    kwire_MetadataResponse_t resp;
    if (kwire_decode_MetadataRequest((kwire_reader_t *)&req->body, req->hdr.ApiVersion, req->arena,
                                     &rq) < 0)
        return XDC_EMALFORMED;
    memset(&resp, 0, sizeof(resp));
    resp.Brokers = arena_alloc(req->arena, sizeof(*resp.Brokers));
    resp.BrokersCount = 1;
    brk__advertised(srv, req->conn, resp.Brokers, req->arena);
    resp.ClusterId = kwire_cstr(srv->cluster_id);
    resp.ControllerId = srv->conf.node_id;
    if (rq.TopicsCount < 0) {
        all_topics_t at = {srv, &resp, req->arena};
        resp.Topics = arena_calloc(req->arena, srv->topics.count + 1, sizeof(*resp.Topics));
        brk__topics_each(srv, add_topic, &at);
    } else {
        resp.Topics = arena_calloc(req->arena, (size_t)rq.TopicsCount + 1, sizeof(*resp.Topics));
        resp.TopicsCount = rq.TopicsCount;
        for (int32_t i = 0; i < rq.TopicsCount; i++)
            metadata_topic(srv, rq.Topics[i].Name, rq.AllowAutoTopicCreation, &resp.Topics[i],
                           req->arena);
    }
    for (int32_t i = 0; i < resp.TopicsCount; i++)
        brk__out_error(out, resp.Topics[i].ErrorCode);
    kwire_encode_MetadataResponse(&out->buf, req->hdr.ApiVersion, &resp);
    return 0;
}

/* --- Produce ------------------------------------------------------------- */

brk_part_t *brk__part_find(brk_server_t *srv, kwire_slice_t topic, int32_t index)
{
    brk_topic_t *t = brk__topic_find(srv, (const char *)topic.ptr, (size_t)topic.len);
    if (!t || index < 0 || index >= t->nparts)
        return NULL;
    return &t->parts[index];
}

/* Kafka's checks of a client batch's header before append (LogValidator). */
static int16_t check_header(brk_part_t *p, uint8_t *data, size_t len, int16_t ver,
                            kwire_batch_hdr_t *h, int64_t now_wall)
{
    kwire_batch_reason_t why;
    const brk_topic_conf_t *tc = &p->topic->conf;
    if (len > (size_t)tc->max_message_bytes)
        return KWIRE_ERR_MESSAGE_TOO_LARGE;
    if (kwire_batch_validate(data, len, h, &why) < 0)
        return kwire_batch_reason_errcode(why);
    if (h->attributes & KWIRE_BATCH_CONTROL)
        return KWIRE_ERR_INVALID_RECORD; /* only the broker writes control batches */
    if (h->producerId >= 0 && h->baseSequence < 0)
        return KWIRE_ERR_INVALID_RECORD;
    if (kwire_batch_compression(h) == KWIRE_BATCH_ZSTD && ver < 7)
        return KWIRE_ERR_UNSUPPORTED_COMPRESSION_TYPE;
    if (h->attributes & KWIRE_BATCH_LOG_APPEND_TIME)
        return KWIRE_ERR_INVALID_TIMESTAMP; /* producers may not choose LogAppendTime */
    if (tc->message_timestamp_type == BRK_TS_CREATE_TIME &&
        tc->timestamp_difference_max_ms != INT64_MAX &&
        (llabs(h->maxTimestamp - now_wall) > tc->timestamp_difference_max_ms ||
         llabs(h->baseTimestamp - now_wall) > tc->timestamp_difference_max_ms))
        return KWIRE_ERR_INVALID_TIMESTAMP;
    return KWIRE_ERR_NONE;
}

/* Kafka streams a compressed batch's records and has no cap on their size;
 * we decompress a batch whole, so we cap it: 16x max.message.bytes, at
 * least 64 MiB (beyond what real records compress to; librdkafka bounds a
 * batch's uncompressed size by its message.max.bytes) and at most 1 GiB.
 * Over the cap the answer is MESSAGE_TOO_LARGE, on which the Java producer
 * splits the batch and retries (Sender.canSplit). */
static size_t decompress_cap(const brk_topic_conf_t *tc)
{
    const uint64_t cap_min = 64u << 20, cap_max = 1u << 30;
    uint64_t cap = (uint64_t)tc->max_message_bytes * 16;
    return (size_t)(cap < cap_min ? cap_min : cap > cap_max ? cap_max : cap);
}

static int is_compacted(const brk_topic_conf_t *tc)
{
    for (int i = 0; i < tc->cleanup_policy.count; i++)
        if (strcmp(tc->cleanup_policy.items[i], "compact") == 0)
            return 1;
    return 0;
}

/* Walk the records (decompressed into the server's scratch buffer when the
 * batch is compressed; it is stored as produced, never recompressed).
 * @return NULL, or why the records are refused with the code in @p rc. */
static const char *walk_records(brk_server_t *srv, brk_part_t *p, const uint8_t *data, size_t len,
                                int *rc)
{
    kwire_batch_records_t it;
    kwire_batch_record_t rec;
    int compact = is_compacted(&p->topic->conf);
    *rc = kwire_decompress_records_init(&it, data, len, decompress_cap(&p->topic->conf),
                                        &srv->scratch);
    if (*rc < 0)
        return *rc == XDC_ETOOBIG      ? "records decompress past the cap"
               : *rc == XDC_EMALFORMED ? "records do not decompress"
                                       : xdc_strerror(*rc);
    while ((*rc = kwire_batch_records_next(&it, &rec)) != 0) {
        if (*rc < 0)
            return kwire_batch_reason_str(it.why);
        if (compact && rec.key.len < 0) /* [K] LogValidator.validateKey */
            return "a record without a key on a compacted topic";
    }
    return NULL;
}

/* Header checks, then the records. */
static int16_t check_batch(brk_server_t *srv, brk_part_t *p, uint8_t *data, size_t len, int16_t ver,
                           kwire_batch_hdr_t *h, int64_t now_wall)
{
    int16_t err = check_header(p, data, len, ver, h, now_wall);
    if (err)
        return err;
    int rc;
    const char *what = walk_records(srv, p, data, len, &rc);
    /* Keep up to 16 MiB of scratch between produces; a rare larger batch
     * does not pin its memory. */
    if (srv->scratch.cap > (16u << 20))
        buf_close(&srv->scratch);
    if (!what)
        return KWIRE_ERR_NONE;
    log_debug(LOG_CTX_WIRE, "[%s/%d] batch (compression %d) refused: %s", p->topic->name, p->index,
              (int)kwire_batch_compression(h), what);
    /* A payload that does not decompress passed the CRC: the bytes are what
     * the client sent, so a retry cannot help. Kafka answers INVALID_RECORD
     * when the stream ends early and UNKNOWN_SERVER_ERROR for other codec
     * errors; we answer the non-retriable INVALID_RECORD for all, never the
     * retriable CORRUPT_MESSAGE. */
    if (rc == XDC_ETOOBIG)
        return KWIRE_ERR_MESSAGE_TOO_LARGE;
    return rc >= 0 || rc == XDC_EMALFORMED ? KWIRE_ERR_INVALID_RECORD
                                           : KWIRE_ERR_UNKNOWN_SERVER_ERROR; /* -ENOMEM */
}

static int16_t store_error(int rc)
{
    switch (rc) {
    case XDC_ETOOBIG: return KWIRE_ERR_MESSAGE_TOO_LARGE;
    case XDC_ECORRUPT: return KWIRE_ERR_CORRUPT_MESSAGE;
    case XDC_EMALFORMED: return KWIRE_ERR_INVALID_RECORD;
    default: return KWIRE_ERR_KAFKA_STORAGE_ERROR;
    }
}

/* @return the records appended (0 on an error or a duplicate). */
static int32_t produce_partition(brk_server_t *srv, brk_part_t *p, kwire_slice_t records,
                                 int16_t acks, int16_t ver, kwire_PartitionProduceResponse_t *pr)
{
    kwire_batch_hdr_t h;
    brk_store_append_info_t info;
    int64_t now_wall = xdc_wall_ms();
    pr->BaseOffset = -1;
    pr->LogAppendTimeMs = -1;
    pr->LogStartOffset = -1;
    if (records.len <= 0) {
        pr->ErrorCode = KWIRE_ERR_INVALID_RECORD;
        return 0;
    }
    uint8_t *data = (uint8_t *)records.ptr; /* the frame is ours: offsets are set in place */
    pr->ErrorCode = check_batch(srv, p, data, (size_t)records.len, ver, &h, now_wall);
    if (!pr->ErrorCode && acks == -1 && p->topic->conf.min_insync_replicas > 1)
        pr->ErrorCode = KWIRE_ERR_NOT_ENOUGH_REPLICAS; /* one node: the ISR has one replica */
    if (!pr->ErrorCode && h.producerId >= 0)
        pr->ErrorCode = brk__idem_check(srv, p, &h, pr);
    if (pr->ErrorCode || pr->BaseOffset >= 0) /* an error, or a duplicate already answered */
        return 0;
    if (p->topic->conf.message_timestamp_type == BRK_TS_LOG_APPEND_TIME) {
        kwire_batch_set_log_append_time(data, (size_t)records.len, now_wall);
        pr->LogAppendTimeMs = now_wall;
    }
    /* check_batch() verified the CRC (and set_log_append_time() rewrote it):
     * the store checks the framing again but not the CRC. */
    info.base_offset = -1;
    int rc =
        brk_store_append_validated(p->store, data, (size_t)records.len, 0, xdc_mono_ms(), &info);
    if (rc < 0 && info.base_offset < 0) {
        log_warn("[%s/%d] append failed: %s", p->topic->name, p->index, xdc_strerror(rc));
        pr->ErrorCode = store_error(rc);
        return 0;
    }
    pr->BaseOffset = info.base_offset;
    pr->LogStartOffset = info.log_start_offset;
    if (h.producerId >= 0)
        brk__idem_record(srv, p, &h, &info);
    brk__fetch_wakeup(srv);
    return h.recordsCount;
}

int brk__serve_Produce(brk_server_t *srv, const brk_req_t *req, brk_out_t *out)
{
    kwire_ProduceRequest_t rq;
    kwire_ProduceResponse_t resp;
    int16_t ver = req->hdr.ApiVersion;
    if (ver < 3 ||
        kwire_decode_ProduceRequest((kwire_reader_t *)&req->body, ver, req->arena, &rq) < 0)
        return XDC_EMALFORMED; /* v0-2 are advertised for librdkafka's sake, never sent */
    int bad_acks = rq.Acks != -1 && rq.Acks != 0 && rq.Acks != 1, failed = 0;
    memset(&resp, 0, sizeof(resp));
    resp.ResponsesCount = rq.TopicDataCount;
    resp.Responses =
        arena_calloc(req->arena, (size_t)rq.TopicDataCount + 1, sizeof(*resp.Responses));
    for (int32_t i = 0; i < rq.TopicDataCount; i++) {
        kwire_TopicProduceData_t *td = &rq.TopicData[i];
        kwire_TopicProduceResponse_t *tr = &resp.Responses[i];
        uint64_t appended = 0, bytes = 0;
        tr->Name = td->Name;
        tr->PartitionResponsesCount = td->PartitionDataCount;
        tr->PartitionResponses = arena_calloc(req->arena, (size_t)td->PartitionDataCount + 1,
                                              sizeof(*tr->PartitionResponses));
        for (int32_t j = 0; j < td->PartitionDataCount; j++) {
            kwire_PartitionProduceResponse_t *pr = &tr->PartitionResponses[j];
            brk_part_t *p = brk__part_find(srv, td->Name, td->PartitionData[j].Index);
            pr->Index = td->PartitionData[j].Index;
            if (bad_acks || !p || rq.TransactionalId.len >= 0) {
                pr->ErrorCode = bad_acks ? KWIRE_ERR_INVALID_REQUIRED_ACKS
                                : !p     ? KWIRE_ERR_UNKNOWN_TOPIC_OR_PARTITION
                                         : KWIRE_ERR_INVALID_REQUEST; /* no transactions yet */
                pr->BaseOffset = pr->LogAppendTimeMs = pr->LogStartOffset = -1;
            } else {
                kwire_slice_t records = td->PartitionData[j].Records;
                int32_t n = produce_partition(srv, p, records, rq.Acks, ver, pr);
                appended += (uint64_t)n;
                bytes += n ? (uint64_t)records.len : 0;
            }
            failed |= pr->ErrorCode != KWIRE_ERR_NONE;
            brk__out_error(out, pr->ErrorCode);
        }
        if (appended) /* once per topic: a hash lookup, two atomic adds */
            brk__metrics_produced(srv, td->Name, appended, bytes);
    }
    /* acks=0 gets no response; Kafka closes the connection on an error so
     * the producer notices (KafkaApis.handleProduceRequest). */
    if (rq.Acks == 0)
        return failed ? XDC_ESTATE : BRK_NO_RESPONSE;
    kwire_encode_ProduceResponse(&out->buf, ver, &resp);
    return 0;
}

/* --- Fetch --------------------------------------------------------------- */

static void fetch_partition(brk_server_t *srv, const kwire_FetchPartition_t *fp, brk_part_t *p,
                            int32_t *budget, int first, kwire_FetchPartitionData_t *pd,
                            brk_out_t *out)
{
    (void)srv;
    pd->PartitionIndex = fp->Partition;
    pd->AbortedTransactionsCount = -1;
    pd->PreferredReadReplica = -1;
    /* Error partitions carry empty records, as Kafka's MemoryRecords.EMPTY:
     * librdkafka refuses a null record set and would not reset its offset. */
    pd->Records = (kwire_records_t){0, NULL, -1, 0};
    pd->HighWatermark = pd->LastStableOffset = pd->LogStartOffset = -1;
    if (!p) {
        pd->ErrorCode = KWIRE_ERR_UNKNOWN_TOPIC_OR_PARTITION;
        return;
    }
    pd->HighWatermark = pd->LastStableOffset = brk_store_log_end(p->store);
    pd->LogStartOffset = brk_store_log_start(p->store);
    int32_t max = fp->PartitionMaxBytes < *budget ? fp->PartitionMaxBytes : *budget;
    brk_store_read_t rd;
    /* KIP-74: past the first partition with data, an exhausted budget
     * means no records rather than one oversized batch. */
    if (max <= 0 && !first) {
        pd->Records = (kwire_records_t){0, NULL, -1, 0};
        return;
    }
    int rc = brk_store_read(p->store, fp->FetchOffset, max > 0 ? max : 1, &rd);
    if (rc < 0) {
        pd->ErrorCode =
            rc == XDC_ENOTFOUND ? KWIRE_ERR_OFFSET_OUT_OF_RANGE : KWIRE_ERR_KAFKA_STORAGE_ERROR;
        return;
    }
    if (rd.len == 0) {
        pd->Records = (kwire_records_t){0, NULL, -1, 0};
        return;
    }
    pd->Records = (kwire_records_t){rd.len, NULL, rd.fd, rd.pos};
    brk__out_hold(out, rd.seg);
    *budget -= rd.len;
}

/* Build a whole Fetch response; @return the record bytes it carries. */
int64_t brk__fetch_fill(brk_server_t *srv, const kwire_FetchRequest_t *rq, arena_t *a,
                        kwire_FetchResponse_t *resp, brk_out_t *out)
{
    int32_t budget = rq->MaxBytes;
    int64_t total = 0;
    int first = 1;
    memset(resp, 0, sizeof(*resp));
    resp->ResponsesCount = rq->TopicsCount;
    resp->Responses = arena_calloc(a, (size_t)rq->TopicsCount + 1, sizeof(*resp->Responses));
    for (int32_t i = 0; i < rq->TopicsCount; i++) {
        const kwire_FetchTopic_t *ft = &rq->Topics[i];
        kwire_FetchableTopicResponse_t *tr = &resp->Responses[i];
        tr->Topic = ft->Topic;
        tr->PartitionsCount = ft->PartitionsCount;
        tr->Partitions = arena_calloc(a, (size_t)ft->PartitionsCount + 1, sizeof(*tr->Partitions));
        for (int32_t j = 0; j < ft->PartitionsCount; j++) {
            const kwire_FetchPartition_t *fp = &ft->Partitions[j];
            kwire_FetchPartitionData_t *pd = &tr->Partitions[j];
            fetch_partition(srv, fp, brk__part_find(srv, ft->Topic, fp->Partition), &budget, first,
                            pd, out);
            if (pd->Records.len > 0) {
                total += pd->Records.len;
                first = 0;
            }
        }
    }
    return total;
}

/* --- ListOffsets ----------------------------------------------------------- */

/* The time index finds the first batch whose newest record is at or after
 * @p ts; Kafka answers with the first record inside it that is, and that
 * record's timestamp. @return 0, or <0 when the batch cannot be read. */
static int record_for_time(brk_server_t *srv, brk_part_t *p, int64_t batch_offset, int64_t ts,
                           kwire_ListOffsetsPartitionResponse_t *r)
{
    buf_t b = BUF_INIT;
    kwire_batch_hdr_t h;
    kwire_batch_iter_t bit;
    kwire_slice_t batch;
    kwire_batch_records_t it;
    kwire_batch_record_t rec;
    int rc = brk_store_read_copy(p->store, batch_offset, 1, &b); /* the batch (KIP-74) */
    if (rc == 0) {
        kwire_batch_iter_init(&bit, b.data, b.len);
        rc = kwire_batch_iter_next(&bit, &batch, &h) == 1 ? 0 : XDC_ECORRUPT;
    }
    if (rc == 0)
        rc = kwire_decompress_records_init(&it, batch.ptr, (size_t)batch.len,
                                           decompress_cap(&p->topic->conf), &srv->scratch);
    while (rc == 0 && kwire_batch_records_next(&it, &rec) == 1) {
        int64_t rts = (h.attributes & KWIRE_BATCH_LOG_APPEND_TIME)
                          ? h.maxTimestamp
                          : h.baseTimestamp + rec.timestampDelta;
        if (rts >= ts) {
            r->Offset = h.baseOffset + rec.offsetDelta;
            r->Timestamp = rts;
            break;
        }
    }
    buf_close(&b);
    return rc;
}

static void list_offset(brk_server_t *srv, brk_part_t *p, int64_t ts,
                        kwire_ListOffsetsPartitionResponse_t *r)
{
    r->Timestamp = -1;
    r->Offset = -1;
    if (!p) {
        r->ErrorCode = KWIRE_ERR_UNKNOWN_TOPIC_OR_PARTITION;
        return;
    }
    if (ts == -1) { /* LATEST */
        r->Offset = brk_store_log_end(p->store);
    } else if (ts == -2) { /* EARLIEST */
        r->Offset = brk_store_log_start(p->store);
    } else if (ts >= 0) {
        int64_t off = -1;
        if (brk_store_offset_for_time(p->store, ts, &off) < 0 ||
            (off >= 0 && record_for_time(srv, p, off, ts, r) < 0))
            r->ErrorCode = KWIRE_ERR_KAFKA_STORAGE_ERROR;
    } else {
        r->ErrorCode = KWIRE_ERR_INVALID_REQUEST; /* -3 (max timestamp) arrived in v7 */
    }
}

int brk__serve_ListOffsets(brk_server_t *srv, const brk_req_t *req, brk_out_t *out)
{
    kwire_ListOffsetsRequest_t rq;
    kwire_ListOffsetsResponse_t resp;
    if (kwire_decode_ListOffsetsRequest((kwire_reader_t *)&req->body, req->hdr.ApiVersion,
                                        req->arena, &rq) < 0)
        return XDC_EMALFORMED;
    memset(&resp, 0, sizeof(resp));
    resp.TopicsCount = rq.TopicsCount;
    resp.Topics = arena_calloc(req->arena, (size_t)rq.TopicsCount + 1, sizeof(*resp.Topics));
    for (int32_t i = 0; i < rq.TopicsCount; i++) {
        kwire_ListOffsetsTopic_t *t = &rq.Topics[i];
        kwire_ListOffsetsTopicResponse_t *tr = &resp.Topics[i];
        tr->Name = t->Name;
        tr->PartitionsCount = t->PartitionsCount;
        tr->Partitions =
            arena_calloc(req->arena, (size_t)t->PartitionsCount + 1, sizeof(*tr->Partitions));
        for (int32_t j = 0; j < t->PartitionsCount; j++) {
            tr->Partitions[j].PartitionIndex = t->Partitions[j].PartitionIndex;
            list_offset(srv, brk__part_find(srv, t->Name, t->Partitions[j].PartitionIndex),
                        t->Partitions[j].Timestamp, &tr->Partitions[j]);
            brk__out_error(out, tr->Partitions[j].ErrorCode);
        }
    }
    kwire_encode_ListOffsetsResponse(&out->buf, req->hdr.ApiVersion, &resp);
    return 0;
}

/* --- DeleteRecords ----------------------------------------------------------- */

static void delete_records(brk_server_t *srv, brk_part_t *p, int64_t offset,
                           kwire_DeleteRecordsPartitionResult_t *r)
{
    r->LowWatermark = -1;
    if (!p) {
        r->ErrorCode = KWIRE_ERR_UNKNOWN_TOPIC_OR_PARTITION;
        return;
    }
    if (offset == -1)
        offset = brk_store_log_end(p->store); /* -1: up to the high watermark */
    int rc = brk_store_delete_records(p->store, offset);
    if (rc < 0) {
        r->ErrorCode =
            rc == XDC_ENOTFOUND ? KWIRE_ERR_OFFSET_OUT_OF_RANGE : KWIRE_ERR_KAFKA_STORAGE_ERROR;
        return;
    }
    r->LowWatermark = brk_store_log_start(p->store);
    /* The new log start must survive a restart before we confirm it. */
    brk__topics_checkpoint(srv);
}

int brk__serve_DeleteRecords(brk_server_t *srv, const brk_req_t *req, brk_out_t *out)
{
    kwire_DeleteRecordsRequest_t rq;
    kwire_DeleteRecordsResponse_t resp;
    if (kwire_decode_DeleteRecordsRequest((kwire_reader_t *)&req->body, req->hdr.ApiVersion,
                                          req->arena, &rq) < 0)
        return XDC_EMALFORMED;
    memset(&resp, 0, sizeof(resp));
    resp.TopicsCount = rq.TopicsCount;
    resp.Topics = arena_calloc(req->arena, (size_t)rq.TopicsCount + 1, sizeof(*resp.Topics));
    for (int32_t i = 0; i < rq.TopicsCount; i++) {
        kwire_DeleteRecordsTopic_t *t = &rq.Topics[i];
        kwire_DeleteRecordsTopicResult_t *tr = &resp.Topics[i];
        tr->Name = t->Name;
        tr->PartitionsCount = t->PartitionsCount;
        tr->Partitions =
            arena_calloc(req->arena, (size_t)t->PartitionsCount + 1, sizeof(*tr->Partitions));
        for (int32_t j = 0; j < t->PartitionsCount; j++) {
            tr->Partitions[j].PartitionIndex = t->Partitions[j].PartitionIndex;
            delete_records(srv, brk__part_find(srv, t->Name, t->Partitions[j].PartitionIndex),
                           t->Partitions[j].Offset, &tr->Partitions[j]);
            brk__out_error(out, tr->Partitions[j].ErrorCode);
        }
    }
    kwire_encode_DeleteRecordsResponse(&out->buf, req->hdr.ApiVersion, &resp);
    return 0;
}
