/* The broker's event loop: listener, signals, start and stop. */
#include "broker/brk_int.h"

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

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

/* Periodic work on the loop: the time-based flush policy every
 * log.flush.scheduler.interval.ms, retention every
 * log.retention.check.interval.ms, checkpoint files every
 * log.flush.offset.checkpoint.interval.ms. */
static void flush_topic(brk_topic_t *t, void *arg)
{
    int64_t now = *(int64_t *)arg;
    for (int32_t i = 0; i < t->nparts; i++)
        brk_store_maybe_flush(t->parts[i].store, now);
}

static void retain_topic(brk_topic_t *t, void *arg)
{
    int64_t now = *(int64_t *)arg;
    for (int32_t i = 0; i < t->nparts; i++) {
        int deleted = 0;
        brk_store_enforce_retention(t->parts[i].store, now, &deleted);
    }
}

static void on_housekeeping(uv_timer_t *timer)
{
    brk_server_t *srv = timer->data;
    int64_t now = xdc_mono_ms();
    brk__topics_each(srv, flush_topic, &now);
    if (now >= srv->next_retention_ms) {
        brk__topics_each(srv, retain_topic, &now);
        srv->next_retention_ms = now + srv->conf.log_retention_check_interval_ms;
    }
    if (now >= srv->next_checkpoint_ms) {
        brk__topics_checkpoint(srv);
        srv->next_checkpoint_ms = now + srv->conf.log_flush_offset_checkpoint_interval_ms;
    }
}

static void start_housekeeping(brk_server_t *srv)
{
    int64_t now = xdc_mono_ms();
    srv->next_retention_ms = now + srv->conf.log_retention_check_interval_ms;
    srv->next_checkpoint_ms = now + srv->conf.log_flush_offset_checkpoint_interval_ms;
    srv->housekeeping.data = srv;
    uint64_t every = (uint64_t)srv->conf.log_flush_scheduler_interval_ms;
    uv_timer_start(&srv->housekeeping, on_housekeeping, every, every);
}

static void on_stop_async(uv_async_t *a)
{
    brk_server_t *srv = a->data;
    if (srv->stopping)
        return;
    srv->stopping = 1;
    log_info("broker node.id=%d stopping", srv->conf.node_id);
    brk__http_stop(srv);
    brk__conn_close_all(srv);
    brk__fetch_close(srv);
    brk__coord_stop(srv);
    uv_close((uv_handle_t *)&srv->housekeeping, NULL);
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
    brk__http_init(srv);
    uv_tcp_init(&srv->loop, &srv->listener);
    uv_idle_init(&srv->loop, &srv->idle);
    uv_timer_init(&srv->loop, &srv->housekeeping);
    brk__fetch_init(srv);
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

brk_server_t *brk_server_new(brk_conf_t *conf, char *errbuf, size_t errlen)
{
    brk_server_t *srv = xcalloc(1, sizeof(*srv));
    srv->conf = *conf; /* the server owns the settings from here on */
    memset(conf, 0, sizeof(*conf));
    srv->data_dir = xstrdup(srv->conf.log_dirs.items[0]);
    int rc = brk__meta_load(srv->data_dir, srv->conf.node_id, srv->cluster_id,
                            sizeof(srv->cluster_id), errbuf, errlen);
    if (rc == 0)
        rc = setup_loop(srv);
    if (rc == 0)
        rc = brk__idem_load_pids(srv);
    if (rc == 0)
        rc = brk__topics_load(srv, errbuf, errlen);
    if (rc == 0)
        rc = brk__coord_start(srv, errbuf, errlen);
    if (rc == 0)
        rc = bind_listener(srv, errbuf, errlen);
    if (rc == 0)
        rc = brk__http_start(srv, errbuf, errlen);
    if (rc == 0 && (rc = brk__fence_load(srv)) < 0)
        xdc_errbuf(errbuf, errlen, "%s: cannot read the fenced state: %s", srv->data_dir,
                   strerror(-rc));
    if (rc == 0)
        start_housekeeping(srv);
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
    /* A clean stop leaves every store flushed and the checkpoints current,
     * so the next start rescans nothing. */
    if (srv->loop_ready) {
        brk__topics_checkpoint(srv);
        brk__topics_close(srv);
    }
    brk__http_free(srv);
    free(srv->data_dir);
    buf_close(&srv->scratch);
    conf_free(&brk_conf_table, &srv->conf);
    free(srv);
}
