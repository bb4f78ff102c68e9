/* The broker side of consumer groups: the group APIs served by the
 * coordinator state machine (brk_group.c), JoinGroup/SyncGroup answered
 * when their rebalance phase completes, and group state kept in the
 * internal __consumer_offsets topic as Kafka keeps it, replayed at start. */
#include "broker/brk_int.h"

#include "broker/brk_group.h"
#include "broker/kwire_batch.h"
#include "broker/kwire_err.h"
#include "broker/kwire_group.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

#define OFFSETS_TOPIC "__consumer_offsets"

/* A JoinGroup or SyncGroup waiting for its rebalance phase. */
typedef struct coord_wait {
    brk_conn_t *conn;
    int16_t key, ver;
    int32_t corr;
    int flex;
    brk_out_t *inline_out; /* set while the request is being served */
    int answered;
} coord_wait_t;

static int64_t now_wall(void)
{
    return xdc_wall_ms(); /* the coordinator stores wall-clock timestamps */
}

/* --- __consumer_offsets ------------------------------------------------- */

/* Kafka places a group by Utils.abs(groupId.hashCode()) % partitions. */
static int32_t java_hash(kwire_slice_t s)
{
    uint32_t h = 0;
    for (int32_t i = 0; i < s.len; i++)
        h = 31 * h + s.ptr[i]; /* ASCII group ids: UTF-16 units equal bytes */
    return (int32_t)h;
}

static brk_part_t *offsets_part(brk_server_t *srv, kwire_slice_t group)
{
    brk_topic_t *t = brk__topic_find(srv, OFFSETS_TOPIC, strlen(OFFSETS_TOPIC));
    int32_t h = java_hash(group);
    return t ? &t->parts[(h == INT32_MIN ? 0 : abs(h)) % t->nparts] : NULL;
}

/* The coordinator's persistence hook: one record per change. */
static void on_record(void *ctx, kwire_slice_t key, kwire_slice_t value)
{
    brk_server_t *srv = ctx;
    kwire_reader_t r;
    kwire_OffsetsKey_t k;
    kwire_reader_init(&r, key.ptr, (size_t)key.len);
    brk_part_t *p = kwire_decode_OffsetsKey(&r, &k) == 0 ? offsets_part(srv, k.group) : NULL;
    buf_t b = BUF_INIT;
    kwire_batch_msg_t m = {key, value, NULL, 0, now_wall()};
    brk_store_append_info_t info;
    if (!p || kwire_batch_build(&b, NULL, &m, 1) < 0 ||
        brk_store_append(p->store, b.data, b.len, 0, xdc_mono_ms(), &info) < 0)
        log_error("group=%.*s state change not persisted", k.group.len, k.group.ptr);
    buf_close(&b);
}

/* Replay __consumer_offsets into the coordinator, record by record. */
static void replay_batch(void *arg, kwire_slice_t batch, const kwire_batch_hdr_t *h)
{
    brk_server_t *srv = arg;
    kwire_batch_records_t rit;
    kwire_batch_record_t rec;
    (void)h;
    if (kwire_batch_records_init(&rit, batch.ptr, (size_t)batch.len) == 0)
        while (kwire_batch_records_next(&rit, &rec) == 1)
            brk_group_load_record(srv->groups, now_wall(), rec.key, rec.value);
}

static void coord_arm(brk_server_t *srv);

static void on_group_timer(uv_timer_t *t)
{
    brk_server_t *srv = t->data;
    brk_group_tick(srv->groups, now_wall());
    coord_arm(srv);
}

/* Wake up at the coordinator's next deadline (session expiry, rebalance
 * timeout, initial delay). */
static void coord_arm(brk_server_t *srv)
{
    int64_t next = brk_group_next_deadline(srv->groups);
    if (next == INT64_MAX) {
        uv_timer_stop(&srv->group_timer);
        return;
    }
    int64_t wait = next - now_wall();
    uv_timer_start(&srv->group_timer, on_group_timer, wait > 0 ? (uint64_t)wait : 0, 0);
}

static int keep_exempt(const char *client_id, void *arg)
{
    return brk__fence_exempt_id((brk_server_t *)arg, client_id);
}

void brk__coord_evict_fenced(brk_server_t *srv)
{
    brk_group_evict(srv->groups, now_wall(), keep_exempt, srv);
    coord_arm(srv);
}

int brk__coord_start(brk_server_t *srv, char *errbuf, size_t errlen)
{
    brk_group_conf_t gc;
    brk_group_conf_init(&gc);
    gc.group_initial_rebalance_delay_ms = srv->conf.group_initial_rebalance_delay_ms;
    gc.group_min_session_timeout_ms = srv->conf.group_min_session_timeout_ms;
    gc.group_max_session_timeout_ms = srv->conf.group_max_session_timeout_ms;
    gc.offsets_retention_ms = srv->conf.offsets_retention_minutes * 60000;
    gc.offset_metadata_max_bytes = srv->conf.offset_metadata_max_bytes;
    srv->groups = brk_group_new(&gc, on_record, srv);
    uv_timer_init(&srv->loop, &srv->group_timer);
    srv->group_timer.data = srv;
    brk_topic_t *t = brk__topic_find(srv, OFFSETS_TOPIC, strlen(OFFSETS_TOPIC));
    if (!t) {
        char msg[256];
        const char *k[] = {"cleanup.policy"}, *v[] = {"compact"};
        if (brk__topic_create(srv, OFFSETS_TOPIC, srv->conf.offsets_topic_num_partitions, k, v, 1,
                              0, msg, sizeof(msg)) != KWIRE_ERR_NONE) {
            xdc_errbuf(errbuf, errlen, "cannot create %s: %s", OFFSETS_TOPIC, msg);
            return XDC_ESTATE;
        }
        return 0;
    }
    for (int32_t i = 0; i < t->nparts; i++)
        brk__part_scan(&t->parts[i], 0, replay_batch, srv);
    coord_arm(srv);
    return 0;
}

void brk__coord_stop(brk_server_t *srv)
{
    if (!srv->groups)
        return;
    uv_close((uv_handle_t *)&srv->group_timer, NULL);
    brk_group_free(srv->groups);
    srv->groups = NULL;
}

/* --- deferred JoinGroup and SyncGroup ------------------------------------ */

static void wait_cancel(brk_conn_t *c)
{
    coord_wait_t *w = c->waiting;
    brk_group_cancel(c->srv->groups, w);
    free(w);
    c->waiting = NULL;
    c->waiting_cancel = NULL;
}

/* Encode the answer: into the response being built when the request
 * completed its own phase, else as a frame of its own, after which the
 * connection goes on with its queued requests on the next loop turn (never
 * from inside the coordinator). */
static void wait_answer(coord_wait_t *w, void (*encode)(buf_t *, int16_t, const void *),
                        const void *resp)
{
    w->answered = 1;
    if (w->inline_out) {
        encode(&w->inline_out->buf, w->ver, resp);
        return;
    }
    brk_out_t out;
    brk__out_init(&out);
    brk_frame_t fr = brk__frame_begin(&out, w->corr, w->flex);
    encode(&out.buf, w->ver, resp);
    brk__frame_end(&out, &fr);
    brk_conn_t *c = w->conn;
    c->waiting = NULL;
    c->waiting_cancel = NULL;
    free(w);
    brk__conn_send(c, &out);
    brk__out_close(&out);
    brk__conn_schedule(c);
}

static void encode_join(buf_t *b, int16_t ver, const void *resp)
{
    kwire_encode_JoinGroupResponse(b, ver, resp);
}

static void encode_sync(buf_t *b, int16_t ver, const void *resp)
{
    kwire_encode_SyncGroupResponse(b, ver, resp);
}

static void on_join(void *ctx, const kwire_JoinGroupResponse_t *resp)
{
    wait_answer(ctx, encode_join, resp);
}

static void on_sync(void *ctx, const kwire_SyncGroupResponse_t *resp)
{
    wait_answer(ctx, encode_sync, resp);
}

static coord_wait_t *wait_new(const brk_req_t *req, brk_out_t *out)
{
    coord_wait_t *w = xcalloc(1, sizeof(*w));
    w->conn = req->conn;
    w->key = req->hdr.ApiKey;
    w->ver = req->hdr.ApiVersion;
    w->corr = req->hdr.CorrelationId;
    w->flex = req->flex;
    w->inline_out = out;
    return w;
}

/* After the coordinator call: answered already (inline), or wait. */
static int wait_finish(brk_server_t *srv, const brk_req_t *req, coord_wait_t *w, int result)
{
    coord_arm(srv);
    if (result == BRK_GROUP_PENDING && !w->answered) {
        w->inline_out = NULL;
        req->conn->waiting = w;
        req->conn->waiting_cancel = wait_cancel;
        return BRK_DEFERRED;
    }
    free(w);
    return 0;
}

int brk__serve_JoinGroup(brk_server_t *srv, const brk_req_t *req, brk_out_t *out)
{
    kwire_JoinGroupRequest_t rq;
    kwire_JoinGroupResponse_t resp;
    int16_t ver = req->hdr.ApiVersion;
    if (kwire_decode_JoinGroupRequest((kwire_reader_t *)&req->body, ver, req->arena, &rq) < 0)
        return XDC_EMALFORMED;
    coord_wait_t *w = wait_new(req, out);
    kwire_slice_t host = kwire_cstr(req->conn->peer);
    int rc = brk_group_join(srv->groups, now_wall(), ver, &rq, req->hdr.ClientId, host, on_join, w,
                            &resp);
    if (rc == BRK_GROUP_DONE)
        kwire_encode_JoinGroupResponse(&out->buf, ver, &resp);
    return wait_finish(srv, req, w, rc);
}

int brk__serve_SyncGroup(brk_server_t *srv, const brk_req_t *req, brk_out_t *out)
{
    kwire_SyncGroupRequest_t rq;
    kwire_SyncGroupResponse_t resp;
    int16_t ver = req->hdr.ApiVersion;
    if (kwire_decode_SyncGroupRequest((kwire_reader_t *)&req->body, ver, req->arena, &rq) < 0)
        return XDC_EMALFORMED;
    coord_wait_t *w = wait_new(req, out);
    int rc = brk_group_sync(srv->groups, now_wall(), &rq, on_sync, w, &resp);
    if (rc == BRK_GROUP_DONE)
        kwire_encode_SyncGroupResponse(&out->buf, ver, &resp);
    return wait_finish(srv, req, w, rc);
}

/* --- the immediate group APIs --------------------------------------------- */

int brk__serve_FindCoordinator(brk_server_t *srv, const brk_req_t *req, brk_out_t *out)
{
    kwire_FindCoordinatorRequest_t rq;
    kwire_FindCoordinatorResponse_t resp;
    kwire_MetadataResponseBroker_t self;
    if (kwire_decode_FindCoordinatorRequest((kwire_reader_t *)&req->body, req->hdr.ApiVersion,
                                            req->arena, &rq) < 0)
        return XDC_EMALFORMED;
    memset(&resp, 0, sizeof(resp));
    resp.ErrorMessage = KWIRE_SLICE_NULL;
    brk__advertised(srv, req->conn, &self, req->arena);
    if (rq.KeyType != 0) { /* transaction coordinators: no transactions yet */
        resp.ErrorCode = KWIRE_ERR_COORDINATOR_NOT_AVAILABLE;
        resp.ErrorMessage = kwire_cstr("transactions are not supported");
        resp.NodeId = -1;
        resp.Host = kwire_cstr("");
        resp.Port = -1;
    } else {
        resp.NodeId = self.NodeId;
        resp.Host = self.Host;
        resp.Port = self.Port;
    }
    kwire_encode_FindCoordinatorResponse(&out->buf, req->hdr.ApiVersion, &resp);
    return 0;
}

/* decode, one coordinator call, encode: the shape of every other group API. */
#define SERVE_SIMPLE(Api, call)                                                                    \
    int brk__serve_##Api(brk_server_t *srv, const brk_req_t *req, brk_out_t *out)                  \
    {                                                                                              \
        kwire_##Api##Request_t rq;                                                                 \
        kwire_##Api##Response_t resp;                                                              \
        int16_t ver = req->hdr.ApiVersion;                                                         \
        (void)ver;                                                                                 \
        if (kwire_decode_##Api##Request((kwire_reader_t *)&req->body, req->hdr.ApiVersion,         \
                                        req->arena, &rq) < 0)                                      \
            return XDC_EMALFORMED;                                                                 \
        memset(&resp, 0, sizeof(resp));                                                            \
        call;                                                                                      \
        coord_arm(srv);                                                                            \
        kwire_encode_##Api##Response(&out->buf, req->hdr.ApiVersion, &resp);                       \
        return 0;                                                                                  \
    }

SERVE_SIMPLE(Heartbeat, brk_group_heartbeat(srv->groups, now_wall(), &rq, &resp))
SERVE_SIMPLE(LeaveGroup, brk_group_leave(srv->groups, now_wall(), ver, &rq, &resp))
SERVE_SIMPLE(OffsetFetch, brk_group_offset_fetch(srv->groups, &rq, &resp))
SERVE_SIMPLE(OffsetDelete, brk_group_offset_delete(srv->groups, &rq, &resp))
SERVE_SIMPLE(DescribeGroups, brk_group_describe(srv->groups, &rq, &resp))
SERVE_SIMPLE(ListGroups, brk_group_list(srv->groups, &rq, &resp))
SERVE_SIMPLE(DeleteGroups, brk_group_delete(srv->groups, &rq, &resp))

/* The partitions of @p rq that exist, as a request of their own: Kafka
 * answers UNKNOWN_TOPIC_OR_PARTITION for the others and stores nothing
 * for them. */
static void known_partitions(brk_server_t *srv, const kwire_OffsetCommitRequest_t *rq, arena_t *a,
                             kwire_OffsetCommitRequest_t *known)
{
    *known = *rq;
    known->Topics = arena_calloc(a, (size_t)rq->TopicsCount + 1, sizeof(*known->Topics));
    known->TopicsCount = 0;
    for (int32_t i = 0; i < rq->TopicsCount; i++) {
        const kwire_OffsetCommitRequestTopic_t *t = &rq->Topics[i];
        kwire_OffsetCommitRequestTopic_t *kt = &known->Topics[known->TopicsCount];
        *kt = *t;
        kt->Partitions = arena_calloc(a, (size_t)t->PartitionsCount + 1, sizeof(*kt->Partitions));
        kt->PartitionsCount = 0;
        for (int32_t j = 0; j < t->PartitionsCount; j++)
            if (brk__part_find(srv, t->Name, t->Partitions[j].PartitionIndex))
                kt->Partitions[kt->PartitionsCount++] = t->Partitions[j];
        if (kt->PartitionsCount)
            known->TopicsCount++;
    }
}

static int16_t commit_error(const kwire_OffsetCommitResponse_t *kr, kwire_slice_t topic,
                            int32_t part)
{
    for (int32_t i = 0; i < kr->TopicsCount; i++) {
        if (kr->Topics[i].Name.len != topic.len ||
            memcmp(kr->Topics[i].Name.ptr, topic.ptr, (size_t)topic.len) != 0)
            continue;
        for (int32_t j = 0; j < kr->Topics[i].PartitionsCount; j++)
            if (kr->Topics[i].Partitions[j].PartitionIndex == part)
                return kr->Topics[i].Partitions[j].ErrorCode;
    }
    return KWIRE_ERR_UNKNOWN_TOPIC_OR_PARTITION;
}

int brk__serve_OffsetCommit(brk_server_t *srv, const brk_req_t *req, brk_out_t *out)
{
    kwire_OffsetCommitRequest_t rq, known;
    kwire_OffsetCommitResponse_t kresp, resp;
    if (kwire_decode_OffsetCommitRequest((kwire_reader_t *)&req->body, req->hdr.ApiVersion,
                                         req->arena, &rq) < 0)
        return XDC_EMALFORMED;
    known_partitions(srv, &rq, req->arena, &known);
    memset(&kresp, 0, sizeof(kresp));
    if (known.TopicsCount)
        brk_group_offset_commit(srv->groups, now_wall(), &known, &kresp);
    coord_arm(srv);
    /* Answer in the request's order, unknown partitions included. */
    memset(&resp, 0, sizeof(resp));
    kwire_OffsetCommitResponseTopic_t *topics =
        arena_calloc(req->arena, (size_t)rq.TopicsCount + 1, sizeof(*topics));
    for (int32_t i = 0; i < rq.TopicsCount; i++) {
        const kwire_OffsetCommitRequestTopic_t *t = &rq.Topics[i];
        kwire_OffsetCommitResponsePartition_t *parts =
            arena_calloc(req->arena, (size_t)t->PartitionsCount + 1, sizeof(*parts));
        for (int32_t j = 0; j < t->PartitionsCount; j++) {
            parts[j].PartitionIndex = t->Partitions[j].PartitionIndex;
            parts[j].ErrorCode = commit_error(&kresp, t->Name, parts[j].PartitionIndex);
        }
        topics[i] = (kwire_OffsetCommitResponseTopic_t){t->Name, parts, t->PartitionsCount};
    }
    resp.Topics = topics;
    resp.TopicsCount = rq.TopicsCount;
    kwire_encode_OffsetCommitResponse(&out->buf, req->hdr.ApiVersion, &resp);
    return 0;
}
