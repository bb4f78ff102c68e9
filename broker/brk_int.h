#ifndef XDC_BROKER_BRK_INT_H
#define XDC_BROKER_BRK_INT_H

/* Private to broker/. */

#include "broker/broker.h"

#include "broker/kwire.h"
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
    uv_idle_t idle; /* continues connections that hit the per-wakeup cap */
    int port;       /* bound port */
    int loop_ready; /* loop and handles initialised: close them on free */
    int stopping;
    struct brk_conn *conns; /* open client connections */
};

/* One client connection. */
typedef struct brk_conn {
    uv_tcp_t tcp;
    brk_server_t *srv;
    struct brk_conn *next, *prev;
    char peer[64]; /* "127.0.0.1:53412", for log lines */
    uint8_t *rx;   /* bytes read, not yet framed */
    size_t rx_len, rx_cap;
    size_t write_queue_bytes; /* responses handed to uv_write, not yet written */
    int reading;              /* uv_read_start is active */
    int scheduled;            /* more frames to serve on the next iteration */
    int closing;
} brk_conn_t;

/* One decoded request header and its body, as a serve function sees it. */
typedef struct brk_req {
    brk_conn_t *conn;
    kwire_req_hdr_t hdr;
    int flex;            /* the body uses the flexible encoding */
    kwire_reader_t body; /* positioned after the header */
} brk_req_t;

/** Decode the body of @p req, handle it, encode the response body into
 *  @p out.  @return 0, or <0 to close the connection (malformed request). */
typedef int (*brk_serve_cb)(brk_server_t *srv, const brk_req_t *req, buf_t *out);

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
 *  header, body) to @p out.  @return 0, or <0 when the connection must be
 *  closed (malformed frame, unknown API or version). */
int brk__dispatch(brk_conn_t *c, kwire_slice_t frame, buf_t *out);

/** uv_listen() callback: accept and start reading. */
void brk__conn_on_accept(uv_stream_t *listener, int status);

/** Close every open connection (shutdown). */
void brk__conn_close_all(brk_server_t *srv);

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
