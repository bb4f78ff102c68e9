#ifndef XDC_BROKER_KWIRE_DATA_H
#define XDC_BROKER_KWIRE_DATA_H

/* Data-path APIs: Metadata, Produce, Fetch, ListOffsets, DeleteRecords and
 * InitProducerId. One request decoder and one response encoder per API, field
 * for field as in ../shared/kafka-protocol/messages/<Name>.json; struct
 * fields keep the schema's names. Pure: no I/O, no logging.
 *
 * Ownership, for every decoder here and in kwire_admin.h:
 *  - decoded strings and bytes are slices borrowed from the request frame;
 *  - decoded arrays are allocated from the per-request arena @p a;
 *  both stay valid until the frame is dropped and the arena reset.
 * Each array is a pointer plus a `<Field>Count`; a count of -1 is a null
 * array (only where the schema allows null) and the pointer is then NULL.
 * Decoders return 0 or XDC_EMALFORMED (truncated input, a null where the
 * schema forbids one, an array count larger than the bytes left); on error
 * the request struct is partly filled and must not be used.
 *
 * Response structs are filled by the handlers, arrays from the same arena;
 * encoders only read them and append the body (no header) to a buf_t.
 * Fields outside a version are ignored by the encoder. Encoders may be
 * called from any thread. */

#include "broker/kwire.h"
#include "common/arena.h"
#include "common/buf.h"

#include <stddef.h>
#include <stdint.h>

/* ---- Metadata (key 3), v1-6, not flexible ------------------------------- */

typedef struct kwire_MetadataRequestTopic {
    kwire_slice_t Name;
} kwire_MetadataRequestTopic_t;

typedef struct kwire_MetadataRequest {
    kwire_MetadataRequestTopic_t *Topics;
    int32_t TopicsCount;        /* -1 (null): all topics; 0: none */
    int AllowAutoTopicCreation; /* v4+; 1 below v4, as the schema's default */
} kwire_MetadataRequest_t;

typedef struct kwire_MetadataResponseBroker {
    int32_t NodeId;
    kwire_slice_t Host;
    int32_t Port;
    kwire_slice_t Rack; /* v1+, nullable */
} kwire_MetadataResponseBroker_t;

typedef struct kwire_MetadataResponsePartition {
    int16_t ErrorCode;
    int32_t PartitionIndex;
    int32_t LeaderId;
    int32_t *ReplicaNodes;
    int32_t ReplicaNodesCount;
    int32_t *IsrNodes;
    int32_t IsrNodesCount;
    int32_t *OfflineReplicas; /* v5+ */
    int32_t OfflineReplicasCount;
} kwire_MetadataResponsePartition_t;

typedef struct kwire_MetadataResponseTopic {
    int16_t ErrorCode;
    kwire_slice_t Name;
    int IsInternal; /* v1+ */
    kwire_MetadataResponsePartition_t *Partitions;
    int32_t PartitionsCount;
} kwire_MetadataResponseTopic_t;

typedef struct kwire_MetadataResponse {
    int32_t ThrottleTimeMs; /* v3+ */
    kwire_MetadataResponseBroker_t *Brokers;
    int32_t BrokersCount;
    kwire_slice_t ClusterId; /* v2+, nullable */
    int32_t ControllerId;    /* v1+ */
    kwire_MetadataResponseTopic_t *Topics;
    int32_t TopicsCount;
} kwire_MetadataResponse_t;

/** Decode a MetadataRequest body (v1-6; v0's non-nullable Topics also
 *  decodes).  @return 0, XDC_EMALFORMED.  @thread any. */
int kwire_decode_MetadataRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                 kwire_MetadataRequest_t *req);
/** Append a MetadataResponse body (v1-6).  @thread any. */
void kwire_encode_MetadataResponse(buf_t *b, int16_t ver, const kwire_MetadataResponse_t *resp);

/* ---- Produce (key 0), v3-7 (v0-2 gated too), not flexible ------------ */

typedef struct kwire_PartitionProduceData {
    int32_t Index;
    kwire_slice_t Records; /* nullable; borrowed from the frame, not validated */
} kwire_PartitionProduceData_t;

typedef struct kwire_TopicProduceData {
    kwire_slice_t Name;
    kwire_PartitionProduceData_t *PartitionData;
    int32_t PartitionDataCount;
} kwire_TopicProduceData_t;

typedef struct kwire_ProduceRequest {
    kwire_slice_t TransactionalId; /* v3+, nullable; null below v3 */
    int16_t Acks;
    int32_t TimeoutMs;
    kwire_TopicProduceData_t *TopicData;
    int32_t TopicDataCount;
} kwire_ProduceRequest_t;

typedef struct kwire_PartitionProduceResponse {
    int32_t Index;
    int16_t ErrorCode;
    int64_t BaseOffset;
    int64_t LogAppendTimeMs; /* v2+; -1 unless the topic uses LogAppendTime */
    int64_t LogStartOffset;  /* v5+ */
} kwire_PartitionProduceResponse_t;

typedef struct kwire_TopicProduceResponse {
    kwire_slice_t Name;
    kwire_PartitionProduceResponse_t *PartitionResponses;
    int32_t PartitionResponsesCount;
} kwire_TopicProduceResponse_t;

typedef struct kwire_ProduceResponse {
    kwire_TopicProduceResponse_t *Responses;
    int32_t ResponsesCount;
    int32_t ThrottleTimeMs; /* v1+ */
} kwire_ProduceResponse_t;

/** Decode a ProduceRequest body. Records slices borrow the frame.
 *  @return 0, XDC_EMALFORMED.  @thread any. */
int kwire_decode_ProduceRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                kwire_ProduceRequest_t *req);
/** Append a ProduceResponse body.  @thread any. */
void kwire_encode_ProduceResponse(buf_t *b, int16_t ver, const kwire_ProduceResponse_t *resp);

/* ---- Fetch (key 1), v4-11, not flexible ---------------------------------- */

typedef struct kwire_FetchPartition {
    int32_t Partition;
    int32_t CurrentLeaderEpoch; /* v9+; -1 below */
    int64_t FetchOffset;
    int64_t LogStartOffset; /* v5+; -1 below */
    int32_t PartitionMaxBytes;
} kwire_FetchPartition_t;

typedef struct kwire_FetchTopic {
    kwire_slice_t Topic;
    kwire_FetchPartition_t *Partitions;
    int32_t PartitionsCount;
} kwire_FetchTopic_t;

typedef struct kwire_ForgottenTopic {
    kwire_slice_t Topic;
    int32_t *Partitions;
    int32_t PartitionsCount;
} kwire_ForgottenTopic_t;

typedef struct kwire_FetchRequest {
    int32_t ReplicaId;
    int32_t MaxWaitMs;
    int32_t MinBytes;
    int32_t MaxBytes;      /* v3+; INT32_MAX below */
    int8_t IsolationLevel; /* v4+; 0 READ_UNCOMMITTED, 1 READ_COMMITTED */
    int32_t SessionId;     /* v7+; 0 below */
    int32_t SessionEpoch;  /* v7+; -1 below */
    kwire_FetchTopic_t *Topics;
    int32_t TopicsCount;
    kwire_ForgottenTopic_t *ForgottenTopicsData; /* v7+ */
    int32_t ForgottenTopicsDataCount;
    kwire_slice_t RackId; /* v11+; "" below */
} kwire_FetchRequest_t;

/* A partition's records in a FetchResponse. Exactly one form applies, tried
 * in this order:
 *  - ptr != NULL: len bytes at ptr are copied into the buffer;
 *  - len <= 0: encoded inline, -1 as null records, 0 as empty;
 *  - fd >= 0: len bytes of file fd from file_pos are sent with sendfile():
 *    the encoder writes only the int32 length and records a splice.
 * Set fd to -1 when it is unused: 0 is a valid descriptor. */
typedef struct kwire_records {
    int32_t len;
    const uint8_t *ptr; /* borrowed until the response is sent */
    int fd;             /* borrowed; the caller keeps the file open until sent */
    int64_t file_pos;
} kwire_records_t;

#define KWIRE_RECORDS_NULL ((kwire_records_t){-1, NULL, -1, 0})

/* Bytes that belong at offset @p at of the encoded buffer but stay in a
 * file. The connection layer writes buf[prev..at), sendfile()s len bytes of
 * fd from pos, then continues with buf[at..). */
typedef struct kwire_splice {
    size_t at;   /* offset in the buffer where the file bytes belong */
    int fd;      /* borrowed */
    int64_t pos; /* file offset */
    int32_t len; /* > 0 */
} kwire_splice_t;

/* A growable list of splices, in buffer order. Embed it and use
 * kwire_splices_init()/_close(). */
typedef struct kwire_splices {
    kwire_splice_t *v; /* read-only: entries */
    size_t n;          /* read-only: entries in use */
    size_t cap;        /* private */
} kwire_splices_t;

/** Start an empty list (no allocation).  @thread any. */
void kwire_splices_init(kwire_splices_t *s);
/** Free the entries; @p s may be reused after kwire_splices_init(). */
void kwire_splices_close(kwire_splices_t *s);
/** Forget all entries, keeping the storage for the next response. */
void kwire_splices_reset(kwire_splices_t *s);
/** Append one entry (aborts on out-of-memory, like buf_t). */
void kwire_splices_add(kwire_splices_t *s, size_t at, int fd, int64_t pos, int32_t len);
/** @return the sum of the entries' lengths: the bytes the frame holds beyond
 *  the buffer. */
int64_t kwire_splices_total(const kwire_splices_t *s);

typedef struct kwire_AbortedTransaction {
    int64_t ProducerId;
    int64_t FirstOffset;
} kwire_AbortedTransaction_t;

typedef struct kwire_FetchPartitionData {
    int32_t PartitionIndex;
    int16_t ErrorCode;
    int64_t HighWatermark;
    int64_t LastStableOffset;                        /* v4+ */
    int64_t LogStartOffset;                          /* v5+ */
    kwire_AbortedTransaction_t *AbortedTransactions; /* v4+ */
    int32_t AbortedTransactionsCount;                /* -1 = null */
    int32_t PreferredReadReplica;                    /* v11+; -1 = none */
    kwire_records_t Records;
} kwire_FetchPartitionData_t;

typedef struct kwire_FetchableTopicResponse {
    kwire_slice_t Topic;
    kwire_FetchPartitionData_t *Partitions;
    int32_t PartitionsCount;
} kwire_FetchableTopicResponse_t;

typedef struct kwire_FetchResponse {
    int32_t ThrottleTimeMs; /* v1+ */
    int16_t ErrorCode;      /* v7+ */
    int32_t SessionId;      /* v7+ */
    kwire_FetchableTopicResponse_t *Responses;
    int32_t ResponsesCount;
} kwire_FetchResponse_t;

/** Decode a FetchRequest body (v4-11).  @return 0, XDC_EMALFORMED.
 *  @thread any. */
int kwire_decode_FetchRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                              kwire_FetchRequest_t *req);

/** Append a FetchResponse body (v4-11). Records given by file descriptor
 *  are not copied: for each, the int32 length goes into @p b and an entry
 *  {at = b->len, fd, pos, len} is appended to @p splices, which must be
 *  initialised and is normally empty. @p splices may be NULL only if no
 *  Records use fd.
 *  NOTE: the frame is longer than @p b: the caller's size prefix must add
 *  kwire_splices_total(splices) to what kwire_write_size_end() wrote.
 *  @thread any. */
void kwire_encode_FetchResponse(buf_t *b, int16_t ver, const kwire_FetchResponse_t *resp,
                                kwire_splices_t *splices);

/* ---- ListOffsets (key 2), v1-3, not flexible ----------------------------- */

typedef struct kwire_ListOffsetsPartition {
    int32_t PartitionIndex;
    int64_t Timestamp; /* -1 latest, -2 earliest, else a time in ms */
} kwire_ListOffsetsPartition_t;

typedef struct kwire_ListOffsetsTopic {
    kwire_slice_t Name;
    kwire_ListOffsetsPartition_t *Partitions;
    int32_t PartitionsCount;
} kwire_ListOffsetsTopic_t;

typedef struct kwire_ListOffsetsRequest {
    int32_t ReplicaId;
    int8_t IsolationLevel; /* v2+; 0 below */
    kwire_ListOffsetsTopic_t *Topics;
    int32_t TopicsCount;
} kwire_ListOffsetsRequest_t;

typedef struct kwire_ListOffsetsPartitionResponse {
    int32_t PartitionIndex;
    int16_t ErrorCode;
    int64_t Timestamp;
    int64_t Offset;
} kwire_ListOffsetsPartitionResponse_t;

typedef struct kwire_ListOffsetsTopicResponse {
    kwire_slice_t Name;
    kwire_ListOffsetsPartitionResponse_t *Partitions;
    int32_t PartitionsCount;
} kwire_ListOffsetsTopicResponse_t;

typedef struct kwire_ListOffsetsResponse {
    int32_t ThrottleTimeMs; /* v2+ */
    kwire_ListOffsetsTopicResponse_t *Topics;
    int32_t TopicsCount;
} kwire_ListOffsetsResponse_t;

/** Decode a ListOffsetsRequest body (v1-3; v0 is not served).
 *  @return 0, XDC_EMALFORMED.  @thread any. */
int kwire_decode_ListOffsetsRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                    kwire_ListOffsetsRequest_t *req);
/** Append a ListOffsetsResponse body (v1-3).  @thread any. */
void kwire_encode_ListOffsetsResponse(buf_t *b, int16_t ver,
                                      const kwire_ListOffsetsResponse_t *resp);

/* ---- DeleteRecords (key 21), v0-1, not flexible -------------------------- */

typedef struct kwire_DeleteRecordsPartition {
    int32_t PartitionIndex;
    int64_t Offset; /* -1: the high watermark */
} kwire_DeleteRecordsPartition_t;

typedef struct kwire_DeleteRecordsTopic {
    kwire_slice_t Name;
    kwire_DeleteRecordsPartition_t *Partitions;
    int32_t PartitionsCount;
} kwire_DeleteRecordsTopic_t;

typedef struct kwire_DeleteRecordsRequest {
    kwire_DeleteRecordsTopic_t *Topics;
    int32_t TopicsCount;
    int32_t TimeoutMs;
} kwire_DeleteRecordsRequest_t;

typedef struct kwire_DeleteRecordsPartitionResult {
    int32_t PartitionIndex;
    int64_t LowWatermark;
    int16_t ErrorCode;
} kwire_DeleteRecordsPartitionResult_t;

typedef struct kwire_DeleteRecordsTopicResult {
    kwire_slice_t Name;
    kwire_DeleteRecordsPartitionResult_t *Partitions;
    int32_t PartitionsCount;
} kwire_DeleteRecordsTopicResult_t;

typedef struct kwire_DeleteRecordsResponse {
    int32_t ThrottleTimeMs;
    kwire_DeleteRecordsTopicResult_t *Topics;
    int32_t TopicsCount;
} kwire_DeleteRecordsResponse_t;

/** @return 0, XDC_EMALFORMED.  @thread any. */
int kwire_decode_DeleteRecordsRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                      kwire_DeleteRecordsRequest_t *req);
/** Append a DeleteRecordsResponse body (v0-1).  @thread any. */
void kwire_encode_DeleteRecordsResponse(buf_t *b, int16_t ver,
                                        const kwire_DeleteRecordsResponse_t *resp);

/* ---- InitProducerId (key 22), v0-4, flexible from v2 --------------------- */

typedef struct kwire_InitProducerIdRequest {
    kwire_slice_t TransactionalId; /* nullable: null for idempotent producers */
    int32_t TransactionTimeoutMs;
    int64_t ProducerId;    /* v3+; -1 below */
    int16_t ProducerEpoch; /* v3+; -1 below */
} kwire_InitProducerIdRequest_t;

typedef struct kwire_InitProducerIdResponse {
    int32_t ThrottleTimeMs;
    int16_t ErrorCode;
    int64_t ProducerId;
    int16_t ProducerEpoch;
} kwire_InitProducerIdResponse_t;

/** @p a is unused (no arrays); kept for a uniform decoder signature.
 *  @return 0, XDC_EMALFORMED.  @thread any. */
int kwire_decode_InitProducerIdRequest(kwire_reader_t *r, int16_t ver, arena_t *a,
                                       kwire_InitProducerIdRequest_t *req);
/** Append an InitProducerIdResponse body (v0-4).  @thread any. */
void kwire_encode_InitProducerIdResponse(buf_t *b, int16_t ver,
                                         const kwire_InitProducerIdResponse_t *resp);

/* ---- helpers shared with kwire_admin.c (broker/ only) -------------------- */

/** Read an array count and allocate that many zeroed elements of @p size
 *  from @p a. A null array (-1) is malformed unless @p nullable.
 *  @return the elements, or NULL for a count <= 0 or on error. */
void *kwire__read_array(kwire_reader_t *r, int flex, int nullable, arena_t *a, size_t size,
                        int32_t *count);
/** Read a non-nullable []int32 into the arena. */
int32_t *kwire__read_i32_array(kwire_reader_t *r, int flex, arena_t *a, int32_t *count);
/** Read a []string (@p nullable: the array may be null) into the arena. */
kwire_slice_t *kwire__read_str_array(kwire_reader_t *r, int flex, int nullable, arena_t *a,
                                     int32_t *count);
/** Write a []int32 of @p n values (-1: null). */
void kwire__write_i32_array(buf_t *b, int flex, const int32_t *v, int32_t n);

#endif
