/* The broker's event loop: listener, signals, start and stop. */
#include "broker/brk_int.h"

#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

static void copy_conf(brk_conf_t *dst, const brk_conf_t *src)
{
    *dst = *src;
    dst->listeners = xstrdup(src->listeners);
    dst->advertised_listeners = xstrdup(src->advertised_listeners ? src->advertised_listeners : "");
    dst->log.debug = xstrdup(src->log.debug ? src->log.debug : "");
    dst->log_dirs.count = 0;
    dst->log_dirs.items = NULL;
}

static int bind_listener(brk_server_t *srv, char *errbuf, size_t errlen)
{
    conf_listener_t l;
    struct sockaddr_storage ss;
    char why[256];
    if (conf_listener_parse(srv->conf.listeners, &l, why, sizeof(why)) < 0) {
        xdc_errbuf(errbuf, errlen, "listeners: %s", why);
        return XDC_ECONF;
    }
    const char *host = l.host[0] ? l.host : "0.0.0.0";
    int rc = strchr(host, ':') ? uv_ip6_addr(host, l.port, (struct sockaddr_in6 *)&ss)
                               : uv_ip4_addr(host, l.port, (struct sockaddr_in *)&ss);
    if (rc == 0)
        rc = uv_tcp_bind(&srv->listener, (const struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&srv->listener, 511, brk__conn_on_accept);
    if (rc < 0) {
        xdc_errbuf(errbuf, errlen, "cannot listen on %s: %s", srv->conf.listeners, uv_strerror(rc));
        return rc;
    }
    struct sockaddr_storage bound;
    int blen = sizeof(bound);
    uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&bound, &blen);
    srv->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                  : ((struct sockaddr_in *)&bound)->sin_port);
    return 0;
}

static void on_stop_async(uv_async_t *a)
{
    brk_server_t *srv = a->data;
    if (srv->stopping)
        return;
    srv->stopping = 1;
    log_info("broker node.id=%d stopping", srv->conf.node_id);
    brk__conn_close_all(srv);
    uv_close((uv_handle_t *)&srv->listener, NULL);
    uv_close((uv_handle_t *)&srv->idle, NULL);
    uv_close((uv_handle_t *)&srv->sigterm, NULL);
    uv_close((uv_handle_t *)&srv->sigint, NULL);
    uv_close((uv_handle_t *)&srv->stop_async, NULL);
}

static void on_signal(uv_signal_t *s, int signum)
{
    log_info("broker received %s", strsignal(signum));
    on_stop_async(&((brk_server_t *)s->data)->stop_async);
}

static int setup_loop(brk_server_t *srv)
{
    int rc = uv_loop_init(&srv->loop);
    if (rc < 0)
        return rc;
    srv->loop.data = srv;
    srv->loop_ready = 1;
    uv_tcp_init(&srv->loop, &srv->listener);
    uv_idle_init(&srv->loop, &srv->idle);
    uv_async_init(&srv->loop, &srv->stop_async, on_stop_async);
    uv_signal_init(&srv->loop, &srv->sigterm);
    uv_signal_init(&srv->loop, &srv->sigint);
    srv->stop_async.data = srv->sigterm.data = srv->sigint.data = srv;
    uv_signal_start(&srv->sigterm, on_signal, SIGTERM);
    uv_signal_start(&srv->sigint, on_signal, SIGINT);
    /* A client that disconnects mid-write must not kill the broker. */
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

brk_server_t *brk_server_new(const brk_conf_t *conf, char *errbuf, size_t errlen)
{
    brk_server_t *srv = xcalloc(1, sizeof(*srv));
    copy_conf(&srv->conf, conf);
    srv->data_dir = xstrdup(conf->log_dirs.items[0]);
    int rc = brk__meta_load(srv->data_dir, conf->node_id, srv->cluster_id, sizeof(srv->cluster_id),
                            errbuf, errlen);
    if (rc == 0)
        rc = setup_loop(srv);
    if (rc == 0)
        rc = bind_listener(srv, errbuf, errlen);
    if (rc < 0) {
        brk_server_free(srv);
        return NULL;
    }
    log_info("broker node.id=%d cluster.id=%s listening on %s (port %d), data in %s",
             srv->conf.node_id, srv->cluster_id, srv->conf.listeners, srv->port, srv->data_dir);
    return srv;
}

int brk_server_run(brk_server_t *srv)
{
    return uv_run(&srv->loop, UV_RUN_DEFAULT) < 0 ? XDC_ESTATE : 0;
}

void brk_server_stop(brk_server_t *srv)
{
    uv_async_send(&srv->stop_async);
}

int brk_server_port(const brk_server_t *srv)
{
    return srv->port;
}

const char *brk_server_cluster_id(const brk_server_t *srv)
{
    return srv->cluster_id;
}

void brk_server_free(brk_server_t *srv)
{
    if (!srv)
        return;
    if (srv->loop_ready) {
        /* Close whatever a failed start or a finished run left open. */
        if (!srv->stopping)
            on_stop_async(&srv->stop_async);
        uv_run(&srv->loop, UV_RUN_DEFAULT);
        int rc = uv_loop_close(&srv->loop);
        if (rc < 0)
            log_warn("broker loop closed with handles open: %s", uv_strerror(rc));
    }
    free(srv->data_dir);
    free(srv->conf.listeners);
    free(srv->conf.advertised_listeners);
    free(srv->conf.log.debug);
    free(srv);
}
