/* Client connections: accept, read, frame, close. */
#include "broker/brk_int.h"

#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

/* Frames served per connection per loop iteration, so one busy pipelining
 * client cannot starve the others (libuv's uv__read does the same). */
#define CONN_FRAMES_PER_WAKEUP 32
/* Stop reading from a client whose responses pile up unread. */
#define CONN_MAX_QUEUED_BYTES  (64u << 20)

typedef struct conn_write {
    uv_write_t req;
    brk_conn_t *conn;
} conn_write_t;

static void conn_close(brk_conn_t *c, const char *why);
static void queue_pop(brk_conn_t *c);

static void conn_unlink(brk_conn_t *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        c->srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
}

static void on_poll_close(uv_handle_t *h)
{
    free(h);
}

static void on_close(uv_handle_t *h)
{
    brk_conn_t *c = h->data;
    while (c->outq)
        queue_pop(c);
    free(c->rx);
    arena_close(&c->arena);
    free(c);
}

static void conn_close(brk_conn_t *c, const char *why)
{
    c->scheduled = 0;
    if (c->waiting_cancel)
        c->waiting_cancel(c);
    if (c->closing)
        return;
    c->closing = 1;
    log_debug(LOG_CTX_WIRE, "conn=%s closed: %s", c->peer, why);
    conn_unlink(c);
    brk__metrics_conn(c->srv, 0);
    if (c->poll) {
        uv_close((uv_handle_t *)c->poll, on_poll_close);
        close(c->poll_fd);
        c->poll = NULL;
    }
    uv_close((uv_handle_t *)&c->tcp, on_close);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    brk_conn_t *c = h->data;
    if (c->rx_cap - c->rx_len < suggested) {
        c->rx_cap = c->rx_len + suggested;
        c->rx = xrealloc(c->rx, c->rx_cap);
    }
    buf->base = (char *)c->rx + c->rx_len;
    buf->len = c->rx_cap - c->rx_len;
}

static void conn_read_start(brk_conn_t *c);
static void conn_flow_control(brk_conn_t *c);

/* --- output queue ------------------------------------------------------ */

void brk__out_init(brk_out_t *o)
{
    memset(o, 0, sizeof(*o));
    buf_init(&o->buf);
    kwire_splices_init(&o->splices);
}

void brk__out_hold(brk_out_t *o, brk_store_seg_t *seg)
{
    if (o->nsegs == o->capsegs) {
        o->capsegs = o->capsegs ? o->capsegs * 2 : 8;
        o->segs = xrealloc(o->segs, o->capsegs * sizeof(*o->segs));
    }
    o->segs[o->nsegs++] = seg;
}

void brk__out_close(brk_out_t *o)
{
    for (size_t i = 0; i < o->nsegs; i++)
        if (o->segs[i])
            brk_store_seg_release(o->segs[i]);
    free(o->segs);
    buf_close(&o->buf);
    kwire_splices_close(&o->splices);
    memset(o, 0, sizeof(*o));
}

static brk_out_item_t *item_new(void)
{
    brk_out_item_t *it = xcalloc(1, sizeof(*it));
    it->fd = -1;
    return it;
}

static void item_free(brk_out_item_t *it)
{
    buf_close(&it->buf);
    if (it->seg)
        brk_store_seg_release(it->seg);
    free(it);
}

static void queue_push(brk_conn_t *c, brk_out_item_t *it)
{
    if (c->outq_tail)
        c->outq_tail->next = it;
    else
        c->outq = it;
    c->outq_tail = it;
    c->write_queue_bytes += it->fd >= 0 ? (size_t)it->len : it->buf.len;
}

static void queue_pop(brk_conn_t *c)
{
    brk_out_item_t *it = c->outq;
    c->outq = it->next;
    if (!c->outq)
        c->outq_tail = NULL;
    c->write_queue_bytes -= it->fd >= 0 ? (size_t)it->len : it->buf.len;
    item_free(it);
}

static void queue_bytes(brk_conn_t *c, const uint8_t *p, size_t n)
{
    if (n == 0)
        return;
    brk_out_item_t *it = item_new();
    buf_append(&it->buf, p, n);
    queue_push(c, it);
}

static void conn_pump(brk_conn_t *c);

static void after_output(brk_conn_t *c)
{
    if (!c->closing && !c->reading && !c->waiting &&
        c->write_queue_bytes < CONN_MAX_QUEUED_BYTES / 2)
        brk__conn_process(c); /* frames may have waited in rx; reading resumes */
}

static void on_write(uv_write_t *w, int status)
{
    conn_write_t *cw = (conn_write_t *)w;
    brk_conn_t *c = cw->conn;
    free(cw);
    c->out_busy = 0;
    if (c->closing)
        return;
    if (status < 0) {
        conn_close(c, uv_strerror(status));
        return;
    }
    queue_pop(c);
    conn_pump(c);
    after_output(c);
}

static void on_writable(uv_poll_t *p, int status, int events)
{
    brk_conn_t *c = p->data;
    (void)events;
    uv_poll_stop(p);
    c->out_busy = 0;
    if (status < 0) {
        conn_close(c, uv_strerror(status));
        return;
    }
    conn_pump(c);
    after_output(c);
}

/* sendfile(2) needs to know when the socket drains; libuv owns the socket's
 * epoll registration, so we watch a duplicate of the descriptor. */
static int wait_writable(brk_conn_t *c, int sock)
{
    if (!c->poll) {
        c->poll_fd = dup(sock);
        if (c->poll_fd < 0)
            return -errno;
        c->poll = xcalloc(1, sizeof(*c->poll));
        uv_poll_init(&c->srv->loop, c->poll, c->poll_fd);
        c->poll->data = c;
    }
    c->out_busy = 1;
    return uv_poll_start(c->poll, UV_WRITABLE, on_writable);
}

/* Send a file range of the queue head. @return 1 when it is fully sent, 0
 * when the socket is full (a wakeup is armed), <0 on error. */
static int send_file_item(brk_conn_t *c, brk_out_item_t *it)
{
    uv_os_fd_t sock;
    if (uv_fileno((uv_handle_t *)&c->tcp, &sock) < 0)
        return UV_EBADF;
    while (it->len > 0) {
        off_t pos = it->pos;
        ssize_t n = sendfile(sock, it->fd, &pos, (size_t)it->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return wait_writable(c, sock);
        if (n <= 0)
            return n < 0 ? -errno : UV_EOF; /* a segment shorter than its index said */
        it->pos += n;
        it->len -= (int32_t)n;
        c->write_queue_bytes -= (size_t)n;
    }
    return 1;
}

static void conn_pump(brk_conn_t *c)
{
    while (c->outq && !c->out_busy && !c->closing) {
        brk_out_item_t *it = c->outq;
        if (it->fd < 0) {
            conn_write_t *cw = xcalloc(1, sizeof(*cw));
            cw->conn = c;
            uv_buf_t ub = uv_buf_init((char *)it->buf.data, (unsigned)it->buf.len);
            int rc = uv_write(&cw->req, (uv_stream_t *)&c->tcp, &ub, 1, on_write);
            if (rc < 0) {
                free(cw);
                conn_close(c, uv_strerror(rc));
                return;
            }
            c->out_busy = 1;
            return;
        }
        int rc = send_file_item(c, it);
        if (rc < 0) {
            log_warn("conn=%s sendfile failed: %s", c->peer, uv_strerror(rc));
            conn_close(c, "sendfile failed");
            return;
        }
        if (rc == 0)
            return;
        queue_pop(c);
    }
}

void brk__conn_send(brk_conn_t *c, brk_out_t *o)
{
    size_t at = 0;
    /* The answer to a deferred request (it stopped waiting): count it now,
     * its wait included. */
    if (c->deferred_ns && !c->waiting) {
        brk__metrics_request(c->srv, c->deferred_api, o->error_code, uv_hrtime() - c->deferred_ns);
        c->deferred_ns = 0;
    }
    for (size_t i = 0; i < o->splices.n; i++) {
        const kwire_splice_t *sp = &o->splices.v[i];
        queue_bytes(c, o->buf.data + at, sp->at - at);
        brk_out_item_t *it = item_new();
        it->fd = sp->fd;
        it->pos = sp->pos;
        it->len = sp->len;
        /* Serve functions hold one segment per file range, in the order
         * the encoder emits the ranges: each item keeps its own open. */
        if (i < o->nsegs) {
            it->seg = o->segs[i];
            o->segs[i] = NULL;
        }
        queue_push(c, it);
        at = sp->at;
    }
    queue_bytes(c, o->buf.data + at, o->buf.len - at);
    for (size_t i = o->splices.n; i < o->nsegs; i++)
        brk_store_seg_release(o->segs[i]);
    o->nsegs = 0;
    brk__out_close(o);
    brk__out_init(o);
    conn_pump(c);
}

/* Read only while it makes sense: not while a request waits for its answer
 * (Kafka mutes the channel; the frames behind it would only pile up), and
 * not while the client leaves its responses unread. */
static void conn_flow_control(brk_conn_t *c)
{
    int stop = c->waiting || c->write_queue_bytes >= CONN_MAX_QUEUED_BYTES;
    if (c->reading && stop) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = 0;
    } else if (!c->reading && !stop && c->write_queue_bytes < CONN_MAX_QUEUED_BYTES / 2) {
        conn_read_start(c);
    }
}

/* Serve the complete frames buffered in rx, answering in request order. */
void brk__conn_process(brk_conn_t *c)
{
    size_t off = 0;
    int frames = 0;
    brk_out_t out;
    brk__out_init(&out);
    while (!c->closing && !c->waiting && frames < CONN_FRAMES_PER_WAKEUP) {
        kwire_slice_t frame;
        size_t consumed;
        int rc = kwire_frame_next(c->rx + off, c->rx_len - off,
                                  c->srv->conf.socket_request_max_bytes, &frame, &consumed);
        if (rc == 0)
            break;
        if (rc < 0) {
            log_warn("conn=%s bad request frame: %s (socket.request.max.bytes=%d)", c->peer,
                     xdc_strerror(rc), c->srv->conf.socket_request_max_bytes);
            conn_close(c, "bad frame");
            break;
        }
        if (brk__dispatch(c, frame, &out) < 0) {
            conn_close(c, "request not served");
            break;
        }
        off += consumed;
        frames++;
    }
    if (!c->closing) {
        memmove(c->rx, c->rx + off, c->rx_len - off);
        c->rx_len -= off;
        if (out.buf.len)
            brk__conn_send(c, &out);
        if (frames == CONN_FRAMES_PER_WAKEUP && !c->waiting)
            brk__conn_schedule(c);
        conn_flow_control(c);
    }
    brk__out_close(&out);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    brk_conn_t *c = s->data;
    (void)buf;
    if (n < 0) {
        conn_close(c, n == UV_EOF ? "peer closed" : uv_strerror((int)n));
        return;
    }
    c->rx_len += (size_t)n;
    brk__conn_process(c);
}

/* The address this client reached us on: Metadata advertises it when the
 * listener is a wildcard. */
static void local_name(brk_conn_t *c)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    snprintf(c->local_host, sizeof(c->local_host), "127.0.0.1");
    if (uv_tcp_getsockname(&c->tcp, (struct sockaddr *)&ss, &len) < 0)
        return;
    if (ss.ss_family == AF_INET6)
        uv_ip6_name((struct sockaddr_in6 *)&ss, c->local_host, sizeof(c->local_host));
    else
        uv_ip4_name((struct sockaddr_in *)&ss, c->local_host, sizeof(c->local_host));
}

static void peer_name(brk_conn_t *c)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    char host[48] = "?";
    int port = 0;
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET6) {
            uv_ip6_name((struct sockaddr_in6 *)&ss, host, sizeof(host));
            port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        } else {
            uv_ip4_name((struct sockaddr_in *)&ss, host, sizeof(host));
            port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        }
    }
    snprintf(c->peer, sizeof(c->peer), "%s:%d", host, port);
}

void brk__conn_on_accept(uv_stream_t *listener, int status)
{
    brk_server_t *srv = listener->loop->data;
    if (status < 0) {
        log_warn("broker accept failed: %s", uv_strerror(status));
        return;
    }
    brk_conn_t *c = xcalloc(1, sizeof(*c));
    c->srv = srv;
    c->exempt = -1;
    uv_tcp_init(&srv->loop, &c->tcp);
    c->tcp.data = c;
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) < 0) {
        uv_close((uv_handle_t *)&c->tcp, on_close);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    peer_name(c);
    local_name(c);
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    brk__metrics_conn(srv, 1);
    log_debug(LOG_CTX_WIRE, "conn=%s accepted", c->peer);
    conn_read_start(c);
}

static void conn_read_start(brk_conn_t *c)
{
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
        c->reading = 1;
}

/* Connections that hit the per-wakeup cap continue on the next loop
 * iteration, from an idle handle, after other clients had their turn. */
static void on_idle(uv_idle_t *idle)
{
    brk_server_t *srv = idle->data;
    for (brk_conn_t *c = srv->conns; c; c = c->next) {
        if (!c->scheduled)
            continue;
        c->scheduled = 0;
        brk__conn_process(c);
    }
    /* Serving one connection can schedule another (a rebalance answers
     * every member): stop only when none is left. */
    for (brk_conn_t *c = srv->conns; c; c = c->next)
        if (c->scheduled)
            return;
    uv_idle_stop(idle);
}

void brk__conn_schedule(brk_conn_t *c)
{
    c->scheduled = 1;
    c->srv->idle.data = c->srv;
    uv_idle_start(&c->srv->idle, on_idle);
}

void brk__conn_close_all(brk_server_t *srv)
{
    while (srv->conns)
        conn_close(srv->conns, "broker stopping");
}

void brk__conn_close_fenced(brk_server_t *srv, brk_conn_t *keep)
{
    for (brk_conn_t *c = srv->conns, *next; c; c = next) {
        next = c->next;
        if (c != keep && c->exempt != 1)
            conn_close(c, "broker fenced");
    }
}
