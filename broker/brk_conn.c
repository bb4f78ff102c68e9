/* Client connections: accept, read, frame, close. */
#include "broker/brk_int.h"

#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

/* Frames served per connection per loop iteration, so one busy pipelining
 * client cannot starve the others (libuv's uv__read does the same). */
#define CONN_FRAMES_PER_WAKEUP 32
/* Stop reading from a client whose responses pile up unread. */
#define CONN_MAX_QUEUED_BYTES  (64u << 20)

typedef struct conn_write {
    uv_write_t req;
    buf_t buf;
    brk_conn_t *conn;
} conn_write_t;

static void conn_close(brk_conn_t *c, const char *why);

static void conn_unlink(brk_conn_t *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        c->srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
}

static void on_close(uv_handle_t *h)
{
    brk_conn_t *c = h->data;
    free(c->rx);
    free(c);
}

static void conn_close(brk_conn_t *c, const char *why)
{
    c->scheduled = 0;
    if (c->closing)
        return;
    c->closing = 1;
    log_debug(LOG_CTX_WIRE, "conn=%s closed: %s", c->peer, why);
    conn_unlink(c);
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

static void on_write(uv_write_t *w, int status)
{
    conn_write_t *cw = (conn_write_t *)w;
    brk_conn_t *c = cw->conn;
    c->write_queue_bytes -= cw->buf.len;
    buf_close(&cw->buf);
    free(cw);
    if (status < 0) {
        conn_close(c, uv_strerror(status));
        return;
    }
    if (!c->closing && !c->reading && c->write_queue_bytes < CONN_MAX_QUEUED_BYTES / 2) {
        conn_read_start(c);
        brk__conn_process(c); /* frames may have waited in rx */
    }
}

/* Hand the response frames in @p out to libuv; takes the buffer's storage. */
static void conn_send(brk_conn_t *c, buf_t *out)
{
    conn_write_t *cw = xcalloc(1, sizeof(*cw));
    cw->buf = *out;
    cw->conn = c;
    buf_init(out);
    uv_buf_t ub = uv_buf_init((char *)cw->buf.data, (unsigned)cw->buf.len);
    c->write_queue_bytes += cw->buf.len;
    int rc = uv_write(&cw->req, (uv_stream_t *)&c->tcp, &ub, 1, on_write);
    if (rc < 0) {
        c->write_queue_bytes -= cw->buf.len;
        buf_close(&cw->buf);
        free(cw);
        conn_close(c, uv_strerror(rc));
    }
}

/* Serve the complete frames buffered in rx, answering in request order. */
void brk__conn_process(brk_conn_t *c)
{
    size_t off = 0;
    int frames = 0;
    buf_t out = BUF_INIT;
    while (!c->closing && frames < CONN_FRAMES_PER_WAKEUP) {
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
        if (out.len)
            conn_send(c, &out);
        if (frames == CONN_FRAMES_PER_WAKEUP)
            brk__conn_schedule(c);
        if (c->reading && c->write_queue_bytes >= CONN_MAX_QUEUED_BYTES) {
            uv_read_stop((uv_stream_t *)&c->tcp);
            c->reading = 0;
        }
    }
    buf_close(&out);
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
    uv_tcp_init(&srv->loop, &c->tcp);
    c->tcp.data = c;
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) < 0) {
        uv_close((uv_handle_t *)&c->tcp, on_close);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    peer_name(c);
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
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
    int more = 0;
    for (brk_conn_t *c = srv->conns; c; c = c->next) {
        if (!c->scheduled)
            continue;
        c->scheduled = 0;
        brk__conn_process(c);
        more |= c->scheduled;
    }
    if (!more)
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
