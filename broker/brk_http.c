/* The broker's observability endpoint: GET /metrics (Prometheus text
 * format) and GET /health, on the HTTP scaffold's own thread.
 *
 * The loop counts into the metrics registry, whose updates are atomics. What
 * only the loop may read (the partition stores' offsets) it copies once a
 * second into a snapshot under a mutex, which the HTTP thread renders; the
 * same tick stamps a heartbeat that /health checks. */
#include "broker/brk_int.h"

#include "common/clock.h"
#include "common/err.h"
#include "common/http.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/util.h"

#include <arpa/inet.h>
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Offsets snapshot and heartbeat period; /health fails after missing
 * several ticks in a row. */
#define BRK_HTTP_TICK_MS           1000
#define BRK_HTTP_HEALTH_MAX_AGE_MS 5000
/* Requests are counted by ApiKey; keys at or above this are not served. */
#define BRK_HTTP_API_KEYS          128

/* Per-topic counters, found by name on the loop (brk_topic_t belongs to
 * brk_topic.c; this table keeps its own names). */
typedef struct topic_stats {
    struct topic_stats *next;
    metrics_child_t *messages_in, *bytes_in, *bytes_out;
    size_t len;
    char name[];
} topic_stats_t;

typedef struct offsets_entry {
    size_t topic; /* offset of the NUL-terminated name in names */
    int32_t partition;
    int64_t start, end;
} offsets_entry_t;

typedef struct offsets_snap {
    buf_t names;
    offsets_entry_t *v;
    size_t n, cap;
} offsets_snap_t;

typedef struct brk_http {
    metrics_registry_t *reg;
    metrics_family_t *messages_in, *bytes_in, *bytes_out, *requests, *latency;
    metrics_child_t *connections, *accepted, *fenced;
    metrics_child_t *req_ok[BRK_HTTP_API_KEYS], *req_latency[BRK_HTTP_API_KEYS]; /* loop only */
    topic_stats_t **buckets;                                                     /* loop only */
    size_t nbuckets, ntopics;
    pthread_mutex_t snap_lock;
    offsets_snap_t front; /* under snap_lock: what /metrics renders */
    offsets_snap_t back;  /* loop only: the next snapshot being built */
    _Atomic int64_t heartbeat_ms;
    uv_timer_t tick;
    http_server_t *server;
} brk_http_t;

/* --- http.listen ----------------------------------------------------------- */

static int parse_port(const char *s, int *port)
{
    long v = 0;
    if (!*s)
        return XDC_ECONF;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || (v = v * 10 + (*s - '0')) > 65535)
            return XDC_ECONF;
    }
    *port = (int)v;
    return 0;
}

int brk__http_listen_parse(const char *s, char *host, size_t hostlen, int *port, char *why,
                           size_t whylen)
{
    const char *h = s, *colon;
    size_t n;
    uint8_t addr[16];
    int v6 = *s == '[';
    if (v6) {
        const char *rb = strchr(s, ']');
        colon = rb && rb[1] == ':' ? rb + 1 : NULL;
        h = s + 1;
        n = rb ? (size_t)(rb - h) : 0;
    } else {
        colon = strrchr(s, ':');
        n = colon ? (size_t)(colon - s) : 0;
    }
    if (!colon || (!v6 && memchr(s, ':', n))) {
        xdc_errbuf(why, whylen, "'%s' is not host:port (such as 127.0.0.1:9308 or [::1]:9308)", s);
        return XDC_ECONF;
    }
    if (n >= hostlen || parse_port(colon + 1, port) < 0) {
        xdc_errbuf(why, whylen, "'%s': bad host or port (port must be 0..65535)", s);
        return XDC_ECONF;
    }
    memcpy(host, h, n);
    host[n] = '\0';
    if ((n || v6) && inet_pton(v6 ? AF_INET6 : AF_INET, host, addr) != 1) {
        xdc_errbuf(why, whylen, "'%s': the host must be an IP address (127.0.0.1, [::1])", s);
        return XDC_ECONF;
    }
    return 0;
}

/* --- offsets snapshot ------------------------------------------------------ */

static void snap_close(offsets_snap_t *s)
{
    buf_close(&s->names);
    free(s->v);
    memset(s, 0, sizeof(*s));
}

static void snap_topic(brk_topic_t *t, void *arg)
{
    offsets_snap_t *s = arg;
    size_t name = s->names.len;
    buf_append(&s->names, t->name, strlen(t->name) + 1);
    if (s->n + (size_t)t->nparts > s->cap) {
        s->cap = (s->n + (size_t)t->nparts) * 2;
        s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
    }
    for (int32_t i = 0; i < t->nparts; i++)
        s->v[s->n++] = (offsets_entry_t){name, i, brk_store_log_start(t->parts[i].store),
                                         brk_store_log_end(t->parts[i].store)};
}

/* Build the next snapshot and publish it, unless /metrics is rendering the
 * current one right now: the loop never waits for the HTTP thread, it tries
 * again on the next tick. */
static void snap_refresh(brk_server_t *srv)
{
    brk_http_t *h = srv->http;
    buf_reset(&h->back.names);
    h->back.n = 0;
    brk__topics_each(srv, snap_topic, &h->back);
    if (pthread_mutex_trylock(&h->snap_lock) != 0)
        return;
    offsets_snap_t t = h->front;
    h->front = h->back;
    h->back = t;
    pthread_mutex_unlock(&h->snap_lock);
}

static void collect_offsets(metrics_sink_t *sink, brk_http_t *h, int end)
{
    char part[16];
    pthread_mutex_lock(&h->snap_lock);
    for (size_t i = 0; i < h->front.n; i++) {
        const offsets_entry_t *e = &h->front.v[i];
        snprintf(part, sizeof(part), "%d", e->partition);
        const char *values[] = {(const char *)h->front.names.data + e->topic, part};
        metrics_sample(sink, values, (double)(end ? e->end : e->start));
    }
    pthread_mutex_unlock(&h->snap_lock);
}

static void collect_log_end(metrics_sink_t *sink, void *opaque)
{
    collect_offsets(sink, opaque, 1);
}

static void collect_log_start(metrics_sink_t *sink, void *opaque)
{
    collect_offsets(sink, opaque, 0);
}

static void on_tick(uv_timer_t *t)
{
    brk_server_t *srv = t->data;
    atomic_store(&srv->http->heartbeat_ms, xdc_mono_ms());
    snap_refresh(srv);
}

/* --- the families -------------------------------------------------------- */

static metrics_family_t *must(metrics_family_t *f)
{
    assert(f); /* names are constants: a NULL is a typo here */
    return f;
}

static void register_families(brk_server_t *srv, brk_http_t *h)
{
    static const char *const topic[] = {"topic"}, *const part[] = {"topic", "partition"};
    static const char *const api[] = {"api"}, *const api_err[] = {"api", "error_code"};
    static const char *const info[] = {"version", "cluster_id", "node_id"};
    static const double seconds[] = METRICS_SECONDS_BUCKETS;
    metrics_registry_t *r = h->reg;
    char node[16];
    snprintf(node, sizeof(node), "%d", srv->conf.node_id);
    metrics_family_t *id = must(metrics_gauge(
        r, "xdc_broker_info", "The broker's version and identity; always 1.", 3, info));
    metrics_set(metrics_child(id, (const char *const[]){XDC_VERSION, srv->cluster_id, node}), 1);
    h->messages_in = must(metrics_counter(r, "xdc_broker_messages_in_total",
                                          "Records appended by Produce (idempotent duplicates "
                                          "answered from the producer state are not).",
                                          1, topic));
    h->bytes_in = must(metrics_counter(r, "xdc_broker_bytes_in_total",
                                       "Record batch bytes appended by Produce.", 1, topic));
    h->bytes_out = must(metrics_counter(r, "xdc_broker_bytes_out_total",
                                        "Record bytes sent in Fetch responses.", 1, topic));
    h->requests = must(metrics_counter(
        r, "xdc_broker_requests_total",
        "Requests by API and outcome: the response's top-level ErrorCode, else its first "
        "per-partition ErrorCode that is not 0; 42 (INVALID_REQUEST) for a request that closed "
        "the connection undecoded.",
        2, api_err));
    h->latency = must(metrics_histogram(
        r, "xdc_broker_request_duration_seconds",
        "Time from a request's decoding to its response being queued, a long-polling Fetch's or "
        "a group join's wait included; one observation per request counted.",
        1, api, seconds, XDC_ARRAY_SIZE(seconds)));
    must(metrics_collector(r, METRICS_GAUGE, "xdc_broker_log_end_offset",
                           "Offset of the next record appended to the partition (the high "
                           "watermark); sampled every second.",
                           2, part, collect_log_end, h));
    must(metrics_collector(r, METRICS_GAUGE, "xdc_broker_log_start_offset",
                           "First offset kept in the partition; sampled every second.", 2, part,
                           collect_log_start, h));
    h->connections = metrics_child(
        must(metrics_gauge(r, "xdc_broker_connections", "Open client connections.", 0, NULL)),
        NULL);
    h->accepted = metrics_child(must(metrics_counter(r, "xdc_broker_connections_accepted_total",
                                                     "Client connections accepted.", 0, NULL)),
                                NULL);
    h->fenced = metrics_child(
        must(metrics_gauge(r, "xdc_broker_fenced",
                           "1 while the broker is fenced (xdc.fenced): it serves only "
                           "fence.exempt.client.ids.",
                           0, NULL)),
        NULL);
}

void brk__http_init(brk_server_t *srv)
{
    brk_http_t *h = xcalloc(1, sizeof(*h));
    h->reg = metrics_registry_new();
    pthread_mutex_init(&h->snap_lock, NULL);
    atomic_init(&h->heartbeat_ms, xdc_mono_ms());
    h->nbuckets = 64;
    h->buckets = xcalloc(h->nbuckets, sizeof(*h->buckets));
    uv_timer_init(&srv->loop, &h->tick);
    h->tick.data = srv;
    srv->http = h;
    register_families(srv, h);
}

/* --- counting (loop) -------------------------------------------------------- */

static uint64_t name_hash(const uint8_t *p, size_t n)
{
    uint64_t x = 1469598103934665603ULL; /* FNV-1a */
    while (n--)
        x = (x ^ *p++) * 1099511628211ULL;
    return x;
}

static void stats_grow(brk_http_t *h)
{
    size_t nb = h->nbuckets * 2;
    topic_stats_t **b = xcalloc(nb, sizeof(*b));
    for (size_t i = 0; i < h->nbuckets; i++) {
        for (topic_stats_t *t = h->buckets[i], *next; t; t = next) {
            next = t->next;
            size_t j = name_hash((const uint8_t *)t->name, t->len) & (nb - 1);
            t->next = b[j];
            b[j] = t;
        }
    }
    free(h->buckets);
    h->buckets = b;
    h->nbuckets = nb;
}

/* The counters of @p topic, made on first use; later calls cost a hash. */
static topic_stats_t *topic_stats(brk_http_t *h, kwire_slice_t topic)
{
    size_t len = topic.len > 0 ? (size_t)topic.len : 0;
    uint64_t hash = name_hash(topic.ptr, len);
    for (topic_stats_t *t = h->buckets[hash & (h->nbuckets - 1)]; t; t = t->next)
        if (t->len == len && memcmp(t->name, topic.ptr, len) == 0)
            return t;
    if (h->ntopics >= h->nbuckets)
        stats_grow(h);
    topic_stats_t *t = xcalloc(1, sizeof(*t) + len + 1);
    memcpy(t->name, topic.ptr, len);
    t->len = len;
    const char *const v[] = {t->name};
    t->messages_in = metrics_child(h->messages_in, v);
    t->bytes_in = metrics_child(h->bytes_in, v);
    t->bytes_out = metrics_child(h->bytes_out, v);
    size_t b = hash & (h->nbuckets - 1);
    t->next = h->buckets[b];
    h->buckets[b] = t;
    h->ntopics++;
    return t;
}

void brk__metrics_produced(brk_server_t *srv, kwire_slice_t topic, uint64_t records, uint64_t bytes)
{
    if (!srv || !srv->http)
        return;
    topic_stats_t *t = topic_stats(srv->http, topic);
    metrics_inc(t->messages_in, records);
    metrics_inc(t->bytes_in, bytes);
}

void brk__metrics_fetched(brk_server_t *srv, kwire_slice_t topic, uint64_t bytes)
{
    if (!srv || !srv->http)
        return;
    metrics_inc(topic_stats(srv->http, topic)->bytes_out, bytes);
}

void brk__metrics_request(brk_server_t *srv, int16_t api_key, int16_t error_code,
                          uint64_t elapsed_ns)
{
    if (!srv || !srv->http || api_key < 0 || api_key >= BRK_HTTP_API_KEYS)
        return;
    brk_http_t *h = srv->http;
    metrics_child_t **ok = &h->req_ok[api_key], **lat = &h->req_latency[api_key];
    if (!*ok) {
        const brk_api_t *api = brk__api_find(api_key);
        if (!api)
            return;
        *ok = metrics_child(h->requests, (const char *const[]){api->name, "0"});
        *lat = metrics_child(h->latency, (const char *const[]){api->name});
    }
    metrics_child_t *c = *ok;
    if (error_code) { /* rare: a list walk instead of a cache */
        char code[8];
        snprintf(code, sizeof(code), "%d", error_code);
        c = metrics_child(h->requests, (const char *const[]){brk__api_find(api_key)->name, code});
    }
    metrics_inc(c, 1);
    metrics_observe(*lat, (double)elapsed_ns / 1e9);
}

void brk__metrics_conn(brk_server_t *srv, int opened)
{
    if (!srv || !srv->http)
        return;
    if (opened)
        metrics_inc(srv->http->accepted, 1);
    metrics_add(srv->http->connections, opened ? 1 : -1);
}

void brk__metrics_fenced(brk_server_t *srv, int fenced)
{
    if (srv && srv->http)
        metrics_set(srv->http->fenced, fenced);
}

/* --- HTTP (the scaffold's thread) ---------------------------------------------- */

static int on_metrics(const http_request_t *req, http_response_t *resp, void *opaque)
{
    brk_server_t *srv = opaque;
    buf_t b = BUF_INIT;
    (void)req;
    metrics_render(srv->http->reg, &b);
    buf_cstr(&b);
    resp->text = (char *)b.data; /* the scaffold frees it */
    resp->content_type = METRICS_CONTENT_TYPE;
    return 0;
}

/* Alive when the loop stamped its heartbeat lately: a loop stuck in a
 * handler or on a disk stops stamping it. */
static int on_health(const http_request_t *req, http_response_t *resp, void *opaque)
{
    brk_server_t *srv = opaque;
    (void)req;
    int64_t age = xdc_mono_ms() - atomic_load(&srv->http->heartbeat_ms);
    if (age <= BRK_HTTP_HEALTH_MAX_AGE_MS) {
        resp->body = json_pack("{s:s}", "status", "ok");
    } else {
        resp->status = 503;
        resp->body =
            json_pack("{s:s, s:I}", "status", "stalled", "heartbeat_age_ms", (json_int_t)age);
    }
    return resp->body ? 0 : XDC_ESTATE;
}

static const http_route_t routes[] = {
    {"GET", "/metrics", on_metrics},
    {"GET", "/health", on_health},
};

int brk__http_start(brk_server_t *srv, char *errbuf, size_t errlen)
{
    brk_http_t *h = srv->http;
    char host[64], why[256];
    int port;
    if (!*srv->conf.http_listen)
        return 0;
    if (brk__http_listen_parse(srv->conf.http_listen, host, sizeof(host), &port, why, sizeof(why)) <
        0) {
        xdc_errbuf(errbuf, errlen, "http.listen: %s", why); /* validated at load */
        return XDC_ECONF;
    }
    if (!*host)
        snprintf(host, sizeof(host), "0.0.0.0");
    /* The first scrape sees current offsets, and /health a fresh beat. */
    snap_refresh(srv);
    atomic_store(&h->heartbeat_ms, xdc_mono_ms());
    http_server_conf_t hc = {.host = host,
                             .port = port,
                             .routes = routes,
                             .nroutes = XDC_ARRAY_SIZE(routes),
                             .opaque = srv};
    h->server = http_server_new(&hc, why, sizeof(why));
    if (!h->server) {
        xdc_errbuf(errbuf, errlen, "http.listen: %s", why);
        return XDC_ECONF;
    }
    uv_timer_start(&h->tick, on_tick, BRK_HTTP_TICK_MS, BRK_HTTP_TICK_MS);
    log_info("broker HTTP API on %s port %d", host, http_server_port(h->server));
    return 0;
}

void brk__http_stop(brk_server_t *srv)
{
    brk_http_t *h = srv->http;
    if (!h)
        return;
    http_server_free(h->server);
    h->server = NULL;
    uv_close((uv_handle_t *)&h->tick, NULL);
}

void brk__http_free(brk_server_t *srv)
{
    brk_http_t *h = srv->http;
    if (!h)
        return;
    http_server_free(h->server);
    for (size_t i = 0; i < h->nbuckets; i++) {
        for (topic_stats_t *t = h->buckets[i], *next; t; t = next) {
            next = t->next;
            free(t);
        }
    }
    free(h->buckets);
    snap_close(&h->front);
    snap_close(&h->back);
    pthread_mutex_destroy(&h->snap_lock);
    metrics_registry_free(h->reg);
    free(h);
    srv->http = NULL;
}

int brk_server_http_port(const brk_server_t *srv)
{
    return srv->http && srv->http->server ? http_server_port(srv->http->server) : -1;
}
