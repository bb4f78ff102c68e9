#ifndef XDC_BROKER_BRK_INT_H
#define XDC_BROKER_BRK_INT_H

/* Private to broker/. */

#include "broker/broker.h"

#include "broker/brk_topic.h"
#include "broker/kwire.h"
#include "broker/kwire_batch.h"
#include "broker/kwire_data.h"
#include "common/arena.h"
#include "common/buf.h"

#include <uv.h>

struct brk_server {
    brk_conf_t conf;     /* private copy of the strings we keep */
    char *data_dir;      /* log.dirs[0] */
    char cluster_id[64]; /* from meta.properties */
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_signal_t sigterm, sigint;
    uv_async_t stop_async;
    uv_idle_t idle;          /* continues connections that hit the per-wakeup cap */
    uv_timer_t housekeeping; /* flush policy, retention, checkpoints */
    uv_check_t fetch_check;  /* re-evaluates waiting Fetches after appends */
    struct brk_fetch_wait *fetch_waits;
    struct brk_group_coord *groups; /* consumer group coordinator */
    uv_timer_t group_timer;
    int64_t next_retention_ms, next_checkpoint_ms;
    brk_topics_t topics;
    int64_t pid_next, pid_block_end; /* producer ids: next, end of the reserved block */
    buf_t scratch;                   /* decompressed records of the batch being validated */
    int port;                        /* bound port */
    int loop_ready;                  /* loop and handles initialised: close them on free */
    int stopping;
    struct brk_conn *conns; /* open client connections */
    struct brk_http *http;  /* metrics and the HTTP endpoint (brk_http.c) */
    int fenced;             /* xdc.fenced: serve only fence.exempt.client.ids (brk_fence.c) */
};

/* Responses on their way out: bytes, or a range of a segment file sent with
 * sendfile(2). Items go out strictly in order. */
typedef struct brk_out_item {
    struct brk_out_item *next;
    buf_t buf;            /* bytes, when seg is NULL and fd < 0 */
    int fd;               /* a segment's .log, or -1 */
    int64_t pos;          /* next file byte to send */
    int32_t len;          /* file bytes left */
    brk_store_seg_t *seg; /* held until the range is sent */
} brk_out_item_t;

/* What serve functions produce: response bytes, file ranges to splice in
 * (Fetch), and the segment references those ranges need. */
typedef struct brk_out {
    buf_t buf;
    kwire_splices_t splices;
    brk_store_seg_t **segs; /* one reference each, handed to the connection */
    size_t nsegs, capsegs;
    int16_t error_code; /* outcome of the request being served, for metrics:
                         * see brk__out_error() */
} brk_out_t;

void brk__out_init(brk_out_t *o);
/** Release what was not handed to a connection. */
void brk__out_close(brk_out_t *o);
/** Keep @p seg (a reference the caller gives up) until the response is sent. */
void brk__out_hold(brk_out_t *o, brk_store_seg_t *seg);

/** Note @p code as the outcome of the request being served, unless an
 *  error is noted already: a request counts under its top-level ErrorCode,
 *  else the first per-partition (or per-resource) one that is not NONE. A
 *  serve function that notes nothing counts as NONE. */
static inline void brk__out_error(brk_out_t *o, int16_t code)
{
    if (!o->error_code)
        o->error_code = code;
}

/* One client connection. */
typedef struct brk_conn {
    uv_tcp_t tcp;
    brk_server_t *srv;
    struct brk_conn *next, *prev;
    char peer[64]; /* "127.0.0.1:53412", for log lines */
    uint8_t *rx;   /* bytes read, not yet framed */
    size_t rx_len, rx_cap;
    size_t write_queue_bytes; /* response bytes queued, not yet written */
    brk_out_item_t *outq, *outq_tail;
    int out_busy;    /* a uv_write is in flight, or sendfile waits for POLLOUT */
    uv_poll_t *poll; /* writability of a dup of the socket, for sendfile */
    int poll_fd;
    char local_host[64]; /* address the client connected to, for Metadata */
    int reading;         /* uv_read_start is active */
    int scheduled;       /* more frames to serve on the next iteration */
    void *waiting;       /* a request answered later (Fetch, JoinGroup, SyncGroup):
                          * the requests behind it wait, as Kafka mutes the channel */
    void (*waiting_cancel)(struct brk_conn *c); /* drops it when the connection closes */
    arena_t arena;                              /* per-request allocations */
    uint64_t deferred_ns; /* uv_hrtime() when the waiting request arrived; 0 = none */
    int16_t deferred_api; /* and its ApiKey, to count it once it is answered */
    int closing;
    int exempt; /* -1 until the first request; then 1 when its client.id is fence-exempt */
} brk_conn_t;

/* One decoded request header and its body, as a serve function sees it. */
typedef struct brk_req {
    brk_conn_t *conn;
    kwire_req_hdr_t hdr;
    int flex;            /* the body uses the flexible encoding */
    kwire_reader_t body; /* positioned after the header */
    arena_t *arena;      /* for decoded arrays and response arrays; reset per request */
    kwire_slice_t frame; /* the whole request, borrowed */
} brk_req_t;

/** Decode the body of @p req, handle it, encode the response body into
 *  @p out->buf (and file ranges into @p out->splices).
 *  @return 0, BRK_NO_RESPONSE (acks=0 Produce), or <0 to close the
 *  connection (malformed request). */
typedef int (*brk_serve_cb)(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);

#define BRK_NO_RESPONSE 1
#define BRK_DEFERRED    2 /* the serve function answers later (Fetch long poll) */

/* A response frame being written: where its size goes. */
typedef struct brk_frame {
    size_t slot;     /* offset of the 4-byte size in out->buf */
    size_t nsplices; /* splices before this frame */
} brk_frame_t;

/** Start a response frame: size slot and response header. */
brk_frame_t brk__frame_begin(brk_out_t *o, int32_t correlation_id, int flexible_header);
/** Finish it: fill in the size, counting spliced file bytes. */
void brk__frame_end(brk_out_t *o, const brk_frame_t *fr);

typedef struct brk_api {
    int16_t key;
    const char *name;
    int16_t min, max;
    int16_t flex_from; /* first flexible version; -1 = never */
    brk_serve_cb serve;
} brk_api_t;

/** @return the served API with @p key, or NULL. */
const brk_api_t *brk__api_find(int16_t key);

/** Serve one request frame, appending the whole response frame (size,
 *  header, body) to @p out.  @return 0, BRK_DEFERRED (the connection
 *  waits: serve nothing more until the pending response is sent), or <0
 *  when the connection must be closed (malformed frame, unknown API or
 *  version). */
int brk__dispatch(brk_conn_t *c, kwire_slice_t frame, brk_out_t *out);

/** Queue @p out on @p c and start sending; takes everything in @p out. */
void brk__conn_send(brk_conn_t *c, brk_out_t *out);

/** uv_listen() callback: accept and start reading. */
void brk__conn_on_accept(uv_stream_t *listener, int status);

/** Close every open connection (shutdown). */
void brk__conn_close_all(brk_server_t *srv);

/** Close every connection except @p keep whose client is not exempt from
 *  fencing (brk__fence_exempt()). */
void brk__conn_close_fenced(brk_server_t *srv, brk_conn_t *keep);

/* --- fencing (brk_fence.c) -------------------------------------------------
 * A fenced broker takes no writes and serves no consumers: during a
 * failover its clients must move to the other site. It answers only
 * ApiVersions, DescribeCluster and the config APIs, and closes the
 * connection on anything else (Metadata included), so clients go back to
 * their bootstrap name (librdkafka re-resolves it on each connection
 * attempt) and follow the switch. Clients whose
 * client.id starts with one of fence.exempt.client.ids (the mirror copying
 * data back for a failback, the failover controller) are served as usual.
 * The state survives restarts: a marker file in the data directory. */

#define BRK_FENCED_KEY "xdc.fenced"

/** Read the fenced state from the data directory.  @return 0 or -errno. */
int brk__fence_load(brk_server_t *srv);

/** Fence or unfence, durably, then close the connections fencing refuses
 *  (except @p keep, the one that asked).
 *  @return 0, or -errno when the state could not be made durable (then it
 *  is unchanged). */
int brk__fence_set(brk_server_t *srv, int on, brk_conn_t *keep);

/** Note the client.id of @p c's first request (@p client_id borrowed). */
void brk__fence_identify(brk_conn_t *c, kwire_slice_t client_id);

/** @return 1 when @p client_id (NUL-terminated) starts with one of
 *  fence.exempt.client.ids. */
int brk__fence_exempt_id(const brk_server_t *srv, const char *client_id);

/** @return 1 when @p c must not be served @p api_key now. */
int brk__fence_refuses(const brk_conn_t *c, int16_t api_key);

/* --- data path (brk_data.c, brk_fetch.c, brk_idem.c) ---------------------- */

int brk__serve_Metadata(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);
int brk__serve_Produce(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);
int brk__serve_Fetch(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);
int brk__serve_ListOffsets(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);
int brk__serve_DeleteRecords(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);
int brk__serve_InitProducerId(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);

/** @return the partition, or NULL when the topic or index is unknown. */
brk_part_t *brk__part_find(brk_server_t *srv, kwire_slice_t topic, int32_t index);

/** Fill a Fetch response from the stores, holding the segments it reads
 *  in @p out.  @return the record bytes in it. */
int64_t brk__fetch_fill(brk_server_t *srv, const kwire_FetchRequest_t *rq, arena_t *a,
                        kwire_FetchResponse_t *resp, brk_out_t *out);

/** Make @p req's connection wait up to @p max_wait_ms for data (copies
 *  the request). */
void brk__fetch_wait(brk_server_t *srv, const brk_req_t *req, int32_t max_wait_ms);

/** Data was appended: waiting Fetches are re-evaluated after this turn. */
void brk__fetch_wakeup(brk_server_t *srv);

/** Start and stop the Fetch waiting machinery with the server. */
void brk__fetch_init(brk_server_t *srv);
void brk__fetch_close(brk_server_t *srv);

/** Idempotent producers: sequence checks before an append (may answer a
 *  duplicate with its original offsets in @p pr and return NONE with
 *  pr->BaseOffset set), and the bookkeeping after it. */
int16_t brk__idem_check(brk_server_t *srv, brk_part_t *p, const kwire_batch_hdr_t *h,
                        kwire_PartitionProduceResponse_t *pr);
void brk__idem_record(brk_server_t *srv, brk_part_t *p, const kwire_batch_hdr_t *h,
                      const brk_store_append_info_t *info);

/** Producer state of a partition: load (newest snapshot, then replay of
 *  the log after it), snapshot (at the log end), free. */
void brk__idem_load(brk_part_t *p);
int brk__idem_snapshot(brk_part_t *p);
void brk__idem_free(brk_idem_t *s);
/** Read the producer id block file at startup. */
int brk__idem_load_pids(brk_server_t *srv);

/** The address clients should use for this broker (Metadata,
 *  FindCoordinator). Strings live in @p a. */
void brk__advertised(brk_server_t *srv, const brk_conn_t *c, kwire_MetadataResponseBroker_t *b,
                     arena_t *a);

/* --- metrics and the HTTP endpoint (brk_http.c) ---------------------------- */

/* The metrics are always counted; http.listen only decides whether they are
 * served. These functions run on the broker loop (brk__http_listen_parse()
 * on any thread), and every brk__metrics_* call does nothing on a server
 * without metrics (unit tests build one by hand). The HTTP thread reads
 * only atomics and a snapshot under a mutex, never the loop's structures. */

/** Create the metrics and the timer that feeds /health and the offset
 *  gauges.  @thread broker loop, once the loop is initialised. */
void brk__http_init(brk_server_t *srv);

/** Serve GET /metrics and GET /health on http.listen (nothing when it is
 *  empty) and log "broker HTTP API on <host> port <port>".
 *  @return 0, or XDC_ECONF with a reason (the port is taken). */
int brk__http_start(brk_server_t *srv, char *errbuf, size_t errlen);

/** Stop serving (waits for a running handler) and close the timer.
 *  @thread broker loop, when the server stops. */
void brk__http_stop(brk_server_t *srv);

/** Free the metrics, after the loop has closed. NULL srv->http is fine. */
void brk__http_free(brk_server_t *srv);

/** Parse an http.listen value "host:port" or "[v6]:port"; the host must be
 *  an IP literal, "" meaning all interfaces.  @param host out, at least 64
 *  bytes.  @return 0, or XDC_ECONF with a reason in @p why. */
int brk__http_listen_parse(const char *s, char *host, size_t hostlen, int *port, char *why,
                           size_t whylen);

/** Count one request of @p api_key that ended with @p error_code after
 *  @p elapsed_ns (xdc_broker_requests_total, the latency histogram). */
void brk__metrics_request(brk_server_t *srv, int16_t api_key, int16_t error_code,
                          uint64_t elapsed_ns);

/** Count @p records records in @p bytes batch bytes appended to @p topic. */
void brk__metrics_produced(brk_server_t *srv, kwire_slice_t topic, uint64_t records,
                           uint64_t bytes);

/** Count @p bytes record bytes of @p topic sent in a Fetch response. */
void brk__metrics_fetched(brk_server_t *srv, kwire_slice_t topic, uint64_t bytes);

/** A client connection was accepted (@p opened 1) or closed (0). */
void brk__metrics_conn(brk_server_t *srv, int opened);

/** Set the xdc_broker_fenced gauge. */
void brk__metrics_fenced(brk_server_t *srv, int fenced);

/* --- consumer groups (brk_coord.c) --------------------------------------- */

/** Start the coordinator: create __consumer_offsets or replay it. */
int brk__coord_start(brk_server_t *srv, char *errbuf, size_t errlen);
void brk__coord_stop(brk_server_t *srv);

/** Drop the group members of clients fencing refuses (brk_group_evict()). */
void brk__coord_evict_fenced(brk_server_t *srv);

int brk__serve_FindCoordinator(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);
int brk__serve_JoinGroup(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);
int brk__serve_SyncGroup(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);
int brk__serve_Heartbeat(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);
int brk__serve_LeaveGroup(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);
int brk__serve_OffsetCommit(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);
int brk__serve_OffsetFetch(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);
int brk__serve_OffsetDelete(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);
int brk__serve_DescribeGroups(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);
int brk__serve_ListGroups(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);
int brk__serve_DeleteGroups(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);

/* --- admin APIs (brk_admin.c) --------------------------------------------- */

/* Topic and config administration as a single-node Kafka answers it:
 * per-entry ErrorCode and ErrorMessage, nothing changed with
 * validateOnly. Each returns 0, or XDC_EMALFORMED (the request does not
 * decode: close the connection). @thread broker loop. */
int brk__serve_CreateTopics(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);
int brk__serve_DeleteTopics(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);
int brk__serve_CreatePartitions(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);
int brk__serve_DescribeConfigs(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);
int brk__serve_AlterConfigs(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);
int brk__serve_IncrementalAlterConfigs(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);
int brk__serve_DescribeCluster(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);

/** Continue serving @p c on the next loop iteration. */
void brk__conn_schedule(brk_conn_t *c);

/** Frame and serve the requests buffered in @p c->rx. */
void brk__conn_process(brk_conn_t *c);

/** Read <dir>/meta.properties, or create it with a new cluster id when the
 *  directory is new. A node.id that differs from @p node_id is an error, as
 *  in Kafka (the directory belongs to another broker).
 *  @param cluster_id out, NUL-terminated.  @return 0, XDC_ECONF or -errno. */
int brk__meta_load(const char *dir, int32_t node_id, char *cluster_id, size_t len, char *errbuf,
                   size_t errlen);

/** A new Kafka-style cluster id: 16 random bytes, URL-safe base64, no padding. */
void brk__meta_new_cluster_id(char out[23]);

#endif
