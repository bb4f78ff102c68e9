/* The request path after framing: header -> API table -> serve function
 * (decode, handle, encode) -> response frame. */
#include "broker/brk_int.h"

#include "broker/kwire_err.h"
#include "broker/kwire_msgs.h"
#include "common/err.h"
#include "common/log.h"

#include <string.h>

static int serve_ApiVersions(brk_server_t *srv, const brk_req_t *req, buf_t *out);

/* What we serve, by ApiKey. The versions follow the advertise column of
 * ../shared/reference/kafka-broker.md §3; an API appears here only once
 * every version in its range is implemented. */
static const brk_api_t apis[] = {
    {18, "ApiVersions", 0, 3, 3, serve_ApiVersions},
};

const brk_api_t *brk__api_find(int16_t key)
{
    for (size_t i = 0; i < sizeof(apis) / sizeof(apis[0]); i++)
        if (apis[i].key == key)
            return &apis[i];
    return NULL;
}

static int serve_ApiVersions(brk_server_t *srv, const brk_req_t *req, buf_t *out)
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
    kwire_encode_ApiVersionsResponse(out, req->hdr.ApiVersion, &resp);
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

int brk__dispatch(brk_conn_t *c, kwire_slice_t frame, buf_t *out)
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
    brk_req_t req = {.conn = c, .flex = api->flex_from >= 0 && ver >= api->flex_from};
    kwire_reader_init(&req.body, frame.ptr, (size_t)frame.len);
    /* Request headers follow the body's flexibility, ApiVersions v3 too
     * (only its response header stays v0). For a version we do not know,
     * the CorrelationId still sits where header v1 has it. */
    if (kwire_decode_req_hdr(&req.body, &req.hdr, supported && req.flex) < 0)
        return XDC_EMALFORMED;
    if (!supported) {
        log_warn("conn=%s %s v%d not supported (we serve v%d-v%d)", c->peer, api->name, ver,
                 api->min, api->max);
        if (key != 18)
            return XDC_EUNSUPPORTED;
        answer_unsupported_api_versions(req.hdr.CorrelationId, out);
        return 0;
    }
    log_debug(LOG_CTX_WIRE, "conn=%s %s v%d corr=%d", c->peer, api->name, ver,
              req.hdr.CorrelationId);
    size_t slot = kwire_write_size_begin(out);
    /* The ApiVersions response header is v0 at every version (KIP-511). */
    kwire_write_resp_hdr(out, req.hdr.CorrelationId, req.flex && key != 18);
    int rc = api->serve(c->srv, &req, out);
    if (rc < 0) {
        log_warn("conn=%s %s v%d corr=%d: %s: closing", c->peer, api->name, ver,
                 req.hdr.CorrelationId, xdc_strerror(rc));
        return rc;
    }
    kwire_write_size_end(out, slot);
    return 0;
}
