/* Fetch, with the long poll of MaxWaitMs/MinBytes: a Fetch that finds too
 * few bytes waits, holding its connection's later requests behind it (as
 * Kafka mutes the channel), until appends give it enough or its time runs
 * out. */
#include "broker/brk_int.h"

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

typedef struct brk_fetch_wait {
    brk_conn_t *conn;
    uint8_t *frame; /* owned copy: the connection's buffer moves on */
    size_t len;
    int16_t ver;
    int32_t corr;
    uv_timer_t *timer; /* freed in its close callback */
    struct brk_fetch_wait *next;
} brk_fetch_wait_t;

static int decode(brk_fetch_wait_t *w, arena_t *a, kwire_FetchRequest_t *rq)
{
    kwire_reader_t r;
    kwire_req_hdr_t hdr;
    kwire_reader_init(&r, w->frame, w->len);
    if (kwire_decode_req_hdr(&r, &hdr, 0) < 0)
        return XDC_EMALFORMED;
    return kwire_decode_FetchRequest(&r, w->ver, a, rq);
}

/* Count what a Fetch response carries as it is encoded: record bytes per
 * topic, and its first error as the request's outcome. */
static void fetch_account(brk_server_t *srv, const kwire_FetchResponse_t *resp, brk_out_t *out)
{
    brk__out_error(out, resp->ErrorCode);
    for (int32_t i = 0; i < resp->ResponsesCount; i++) {
        const kwire_FetchableTopicResponse_t *tr = &resp->Responses[i];
        uint64_t bytes = 0;
        for (int32_t j = 0; j < tr->PartitionsCount; j++) {
            brk__out_error(out, tr->Partitions[j].ErrorCode);
            if (tr->Partitions[j].Records.len > 0)
                bytes += (uint64_t)tr->Partitions[j].Records.len;
        }
        if (bytes)
            brk__metrics_fetched(srv, tr->Topic, bytes);
    }
}

static void encode(brk_out_t *out, int16_t ver, int32_t corr, const kwire_FetchResponse_t *resp)
{
    brk_frame_t fr = brk__frame_begin(out, corr, 0); /* Fetch v4-11 is not flexible */
    kwire_encode_FetchResponse(&out->buf, ver, resp, &out->splices);
    brk__frame_end(out, &fr);
}

int brk__serve_Fetch(brk_server_t *srv, const brk_req_t *req, brk_out_t *out)
{
    kwire_FetchRequest_t rq;
    kwire_FetchResponse_t resp;
    if (kwire_decode_FetchRequest((kwire_reader_t *)&req->body, req->hdr.ApiVersion, req->arena,
                                  &rq) < 0)
        return XDC_EMALFORMED;
    size_t held = out->nsegs;
    int64_t got = brk__fetch_fill(srv, &rq, req->arena, &resp, out);
    if (got >= rq.MinBytes || rq.MaxWaitMs <= 0 || srv->stopping) {
        resp.SessionId = 0; /* sessionless, as both clients are */
        fetch_account(srv, &resp, out);
        kwire_encode_FetchResponse(&out->buf, req->hdr.ApiVersion, &resp, &out->splices);
        return 0;
    }
    /* Too little yet: drop the segments this request held, and wait. */
    while (out->nsegs > held)
        brk_store_seg_release(out->segs[--out->nsegs]);
    brk__fetch_wait(srv, req, rq.MaxWaitMs);
    return BRK_DEFERRED;
}

static void on_timer_close(uv_handle_t *h)
{
    free(h);
}

static void wait_free(brk_server_t *srv, brk_fetch_wait_t *w)
{
    brk_fetch_wait_t **pp = &srv->fetch_waits;
    while (*pp && *pp != w)
        pp = &(*pp)->next;
    if (*pp)
        *pp = w->next;
    w->conn->waiting = NULL;
    w->conn->waiting_cancel = NULL;
    uv_close((uv_handle_t *)w->timer, on_timer_close);
    free(w->frame);
    free(w);
}

/* Answer @p w now (enough data, or its time is up) and let its connection
 * go on with the requests queued behind it. */
static void answer(brk_server_t *srv, brk_fetch_wait_t *w, int force)
{
    arena_t a = ARENA_INIT;
    brk_out_t out;
    kwire_FetchRequest_t rq;
    kwire_FetchResponse_t resp;
    brk__out_init(&out);
    if (decode(w, &a, &rq) == 0) {
        int64_t got = brk__fetch_fill(srv, &rq, &a, &resp, &out);
        if (got < rq.MinBytes && !force) {
            brk__out_close(&out);
            arena_close(&a);
            return;
        }
        fetch_account(srv, &resp, &out);
        encode(&out, w->ver, w->corr, &resp);
    }
    brk_conn_t *c = w->conn;
    wait_free(srv, w);
    brk__conn_send(c, &out);
    brk__out_close(&out);
    arena_close(&a);
    brk__conn_process(c);
}

static void fetch_cancel(brk_conn_t *c)
{
    wait_free(c->srv, c->waiting);
}

static void on_timeout(uv_timer_t *t)
{
    brk_fetch_wait_t *w = t->data;
    answer(w->conn->srv, w, 1);
}

void brk__fetch_wait(brk_server_t *srv, const brk_req_t *req, int32_t max_wait_ms)
{
    brk_fetch_wait_t *w = xcalloc(1, sizeof(*w));
    w->conn = req->conn;
    w->len = (size_t)req->frame.len;
    w->frame = xmalloc(w->len);
    memcpy(w->frame, req->frame.ptr, w->len);
    w->ver = req->hdr.ApiVersion;
    w->corr = req->hdr.CorrelationId;
    w->timer = xcalloc(1, sizeof(*w->timer));
    uv_timer_init(&srv->loop, w->timer);
    w->timer->data = w;
    uv_timer_start(w->timer, on_timeout, (uint64_t)max_wait_ms, 0);
    w->next = srv->fetch_waits;
    srv->fetch_waits = w;
    req->conn->waiting = w;
    req->conn->waiting_cancel = fetch_cancel;
}

static void on_check(uv_check_t *chk)
{
    brk_server_t *srv = chk->data;
    uv_check_stop(chk);
    for (brk_fetch_wait_t *w = srv->fetch_waits, *next; w; w = next) {
        next = w->next;
        answer(srv, w, 0);
    }
}

void brk__fetch_wakeup(brk_server_t *srv)
{
    if (srv->fetch_waits)
        uv_check_start(&srv->fetch_check, on_check);
}

void brk__fetch_init(brk_server_t *srv)
{
    uv_check_init(&srv->loop, &srv->fetch_check);
    srv->fetch_check.data = srv;
}

void brk__fetch_close(brk_server_t *srv)
{
    while (srv->fetch_waits)
        wait_free(srv, srv->fetch_waits);
    uv_close((uv_handle_t *)&srv->fetch_check, NULL);
}
