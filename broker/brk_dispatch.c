/* The request path after framing: header -> API table -> serve function
 * (decode, handle, encode) -> response frame. */
#include "broker/brk_int.h"

#include "broker/kwire_err.h"
#include "broker/kwire_msgs.h"
#include "common/err.h"
#include "common/log.h"

#include <string.h>

static int serve_ApiVersions(brk_server_t *srv, const brk_req_t *req, brk_out_t *out);

/* What we serve, by ApiKey. The versions follow the advertise column of
 * ../shared/reference/kafka-broker.md §3; an API appears here only once
 * every version in its range is implemented. */
static const brk_api_t apis[] = {
    /* Produce v0-2 are advertised so librdkafka compresses (its gate asks
     * for v0); clients with MsgVer2 never send them. */
    {0, "Produce", 0, 7, 9, brk__serve_Produce},
    {1, "Fetch", 4, 11, 12, brk__serve_Fetch},
    {2, "ListOffsets", 1, 3, 6, brk__serve_ListOffsets},
    {3, "Metadata", 1, 6, 9, brk__serve_Metadata},
    {8, "OffsetCommit", 2, 7, 8, brk__serve_OffsetCommit},
    {9, "OffsetFetch", 1, 7, 6, brk__serve_OffsetFetch},
    {10, "FindCoordinator", 0, 2, 3, brk__serve_FindCoordinator},
    {11, "JoinGroup", 0, 5, 6, brk__serve_JoinGroup},
    {12, "Heartbeat", 0, 3, 4, brk__serve_Heartbeat},
    {13, "LeaveGroup", 0, 3, 4, brk__serve_LeaveGroup},
    {14, "SyncGroup", 0, 3, 4, brk__serve_SyncGroup},
    {15, "DescribeGroups", 0, 4, 5, brk__serve_DescribeGroups},
    {16, "ListGroups", 0, 4, 3, brk__serve_ListGroups},
    {18, "ApiVersions", 0, 3, 3, serve_ApiVersions},
    {19, "CreateTopics", 0, 4, 5, brk__serve_CreateTopics},
    {20, "DeleteTopics", 0, 1, 4, brk__serve_DeleteTopics},
    {21, "DeleteRecords", 0, 1, 2, brk__serve_DeleteRecords},
    {22, "InitProducerId", 0, 4, 2, brk__serve_InitProducerId},
    {32, "DescribeConfigs", 0, 2, 4, brk__serve_DescribeConfigs},
    {33, "AlterConfigs", 0, 1, 2, brk__serve_AlterConfigs},
    {37, "CreatePartitions", 0, 1, 2, brk__serve_CreatePartitions},
    {42, "DeleteGroups", 0, 1, 2, brk__serve_DeleteGroups},
    {44, "IncrementalAlterConfigs", 0, 1, 1, brk__serve_IncrementalAlterConfigs},
    {47, "OffsetDelete", 0, 0, -1, brk__serve_OffsetDelete},
    {60, "DescribeCluster", 0, 1, 0, brk__serve_DescribeCluster},
};

const brk_api_t *brk__api_find(int16_t key)
{
    for (size_t i = 0; i < sizeof(apis) / sizeof(apis[0]); i++)
        if (apis[i].key == key)
            return &apis[i];
    return NULL;
}

static int serve_ApiVersions(brk_server_t *srv, const brk_req_t *req, brk_out_t *out)
{
    kwire_ApiVersionsRequest_t rq;
    kwire_ApiVersion_t keys[sizeof(apis) / sizeof(apis[0])];
    (void)srv;
    if (kwire_decode_ApiVersionsRequest((kwire_reader_t *)&req->body, req->hdr.ApiVersion, &rq) < 0)
        return XDC_EMALFORMED;
    for (size_t i = 0; i < sizeof(apis) / sizeof(apis[0]); i++)
        keys[i] = (kwire_ApiVersion_t){apis[i].key, apis[i].min, apis[i].max};
    kwire_ApiVersionsResponse_t resp = {KWIRE_ERR_NONE, keys,
                                        (int32_t)(sizeof(apis) / sizeof(apis[0])), 0};
    kwire_encode_ApiVersionsResponse(&out->buf, req->hdr.ApiVersion, &resp);
    return 0;
}

/* A client asking for an ApiVersions version we do not serve gets a v0
 * response with UNSUPPORTED_VERSION and our ranges, so it can retry with
 * one we do (KIP-511); librdkafka and kafkajs both rely on this. */
static void answer_unsupported_api_versions(int32_t corr, buf_t *out)
{
    kwire_ApiVersion_t keys[sizeof(apis) / sizeof(apis[0])];
    for (size_t i = 0; i < sizeof(apis) / sizeof(apis[0]); i++)
        keys[i] = (kwire_ApiVersion_t){apis[i].key, apis[i].min, apis[i].max};
    kwire_ApiVersionsResponse_t resp = {KWIRE_ERR_UNSUPPORTED_VERSION, keys,
                                        (int32_t)(sizeof(apis) / sizeof(apis[0])), 0};
    size_t slot = kwire_write_size_begin(out);
    kwire_write_resp_hdr(out, corr, 0);
    kwire_encode_ApiVersionsResponse(out, 0, &resp);
    kwire_write_size_end(out, slot);
}

/* Serve @p req with @p api, then count it: now, or for a deferred request
 * when its answer is sent (brk__conn_send()). @return as api->serve. */
static int serve_counted(brk_conn_t *c, const brk_api_t *api, brk_req_t *req, brk_out_t *o)
{
    uint64_t t0 = uv_hrtime();
    o->error_code = KWIRE_ERR_NONE;
    int rc = api->serve(c->srv, req, o);
    if (rc == BRK_DEFERRED) {
        c->deferred_ns = t0;
        c->deferred_api = api->key;
        return rc;
    }
    /* A request that closes the connection undecoded has no ErrorCode of
     * its own: it counts as INVALID_REQUEST. */
    if (rc < 0 && !o->error_code)
        o->error_code = KWIRE_ERR_INVALID_REQUEST;
    brk__metrics_request(c->srv, api->key, o->error_code, uv_hrtime() - t0);
    return rc;
}

int brk__dispatch(brk_conn_t *c, kwire_slice_t frame, brk_out_t *o)
{
    int16_t key, ver;
    if (kwire_peek_api(frame, &key, &ver) < 0)
        return XDC_EMALFORMED;
    const brk_api_t *api = brk__api_find(key);
    if (!api) {
        log_warn("conn=%s unknown ApiKey %d v%d: closing", c->peer, key, ver);
        return XDC_EUNSUPPORTED;
    }
    int supported = ver >= api->min && ver <= api->max;
    brk_req_t req = {.conn = c,
                     .flex = api->flex_from >= 0 && ver >= api->flex_from,
                     .arena = &c->arena,
                     .frame = frame};
    kwire_reader_init(&req.body, frame.ptr, (size_t)frame.len);
    /* Request headers follow the body's flexibility, ApiVersions v3 too
     * (only its response header stays v0). For a version we do not know,
     * the CorrelationId still sits where header v1 has it. */
    if (kwire_decode_req_hdr(&req.body, &req.hdr, supported && req.flex) < 0)
        return XDC_EMALFORMED;
    if (!supported) {
        log_warn("conn=%s %s v%d not supported (we serve v%d-v%d)", c->peer, api->name, ver,
                 api->min, api->max);
        brk__metrics_request(c->srv, key, KWIRE_ERR_UNSUPPORTED_VERSION, 0);
        if (key != 18)
            return XDC_EUNSUPPORTED;
        answer_unsupported_api_versions(req.hdr.CorrelationId, &o->buf);
        return 0;
    }
    log_debug(LOG_CTX_WIRE, "conn=%s %s v%d corr=%d", c->peer, api->name, ver,
              req.hdr.CorrelationId);
    brk__fence_identify(c, req.hdr.ClientId);
    if (brk__fence_refuses(c, key)) {
        /* No answer: the client retries the request after reconnecting,
         * through the DNS name, to whichever site that holds by then. */
        log_debug(LOG_CTX_WIRE, "conn=%s client.id=%.*s %s refused: broker fenced; closing",
                  c->peer, req.hdr.ClientId.len > 0 ? (int)req.hdr.ClientId.len : 0,
                  req.hdr.ClientId.ptr ? (const char *)req.hdr.ClientId.ptr : "", api->name);
        brk__metrics_request(c->srv, key, KWIRE_ERR_BROKER_NOT_AVAILABLE, 0);
        return XDC_ESTATE;
    }
    brk_frame_t fr = brk__frame_begin(o, req.hdr.CorrelationId, req.flex && key != 18);
    int rc = serve_counted(c, api, &req, o);
    arena_reset(&c->arena);
    if (rc == BRK_NO_RESPONSE || rc == BRK_DEFERRED) {
        o->buf.len = fr.slot; /* nothing now: acks=0, or a Fetch waiting for data */
        return rc == BRK_DEFERRED ? BRK_DEFERRED : 0;
    }
    if (rc < 0) {
        log_warn("conn=%s %s v%d corr=%d: %s: closing", c->peer, api->name, ver,
                 req.hdr.CorrelationId, xdc_strerror(rc));
        return rc;
    }
    brk__frame_end(o, &fr);
    return 0;
}

brk_frame_t brk__frame_begin(brk_out_t *o, int32_t correlation_id, int flexible_header)
{
    brk_frame_t fr = {kwire_write_size_begin(&o->buf), o->splices.n};
    kwire_write_resp_hdr(&o->buf, correlation_id, flexible_header);
    return fr;
}

void brk__frame_end(brk_out_t *o, const brk_frame_t *fr)
{
    /* The frame size counts the file bytes spliced in after the buffer. */
    int64_t spliced = 0;
    for (size_t i = fr->nsplices; i < o->splices.n; i++)
        spliced += o->splices.v[i].len;
    uint32_t size = (uint32_t)(o->buf.len - fr->slot - 4 + (size_t)spliced);
    uint8_t be[4] = {(uint8_t)(size >> 24), (uint8_t)(size >> 16), (uint8_t)(size >> 8),
                     (uint8_t)size};
    memcpy(o->buf.data + fr->slot, be, 4);
}
