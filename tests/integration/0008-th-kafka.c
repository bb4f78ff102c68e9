/* The mirror tests' helpers against real processes: th_kafka (topics,
 * produce, consume, mirror verification) on two xdc-brokers playing the
 * primary and DR clusters, th_mirror and th_http on xdc-mirror's HTTP API,
 * and th_http's response parsing against a scripted in-test server.
 *
 * A small in-test copier stands in for the mirror: it copies what was read
 * from the primary to the DR broker, partition for partition, and adds the
 * two xdc.* headers the mirror adds. It can drop, duplicate or alter one
 * record, so the comparison is shown to catch each. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/lib/th_broker.h"
#include "tests/lib/th_http.h"
#include "tests/lib/th_kafka.h"
#include "tests/lib/th_mirror.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define NPART 4
#define NREC  2000
#define TAG   "t8"

static th_broker_t g_primary, g_dr;

/* --- the copier ----------------------------------------------------------- */

/* What the copier does wrong on purpose: indexes into the source records,
 * -1 for none. */
typedef struct faults {
    long drop;      /* not copied */
    long duplicate; /* copied twice */
    long alter;     /* value's first byte changed */
} faults_t;

static const faults_t no_faults = {-1, -1, -1};

static int g_acked, g_failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err)
        g_failed++;
    else
        g_acked++;
}

/* The headers of @p r plus xdc.origin and xdc.src.  @return owned. */
static rd_kafka_headers_t *copy_headers(const th_rec_t *r, const char *source)
{
    rd_kafka_headers_t *h = rd_kafka_headers_new(r->nhdrs + 2);
    char src[128];

    for (size_t i = 0; i < r->nhdrs; i++)
        rd_kafka_header_add(h, r->hdrs[i].name, -1, r->hdrs[i].value,
                            r->hdrs[i].value ? (ssize_t)r->hdrs[i].value_len : 0);
    snprintf(src, sizeof(src), "%s:%d:%" PRId64, source, r->partition, r->offset);
    rd_kafka_header_add(h, "xdc.origin", -1, source, -1);
    rd_kafka_header_add(h, "xdc.src", -1, src, -1);
    return h;
}

static void copy_one(rd_kafka_t *rk, const char *topic, const th_rec_t *r, const char *source,
                     int alter)
{
    char *val = r->value;
    rd_kafka_resp_err_t e;

    if (alter) {
        val = malloc(r->value_len + 1);
        memcpy(val, r->value, r->value_len);
        val[0] ^= 0x20;
    }
    rd_kafka_headers_t *h = copy_headers(r, source);
    e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(r->partition),
                          RD_KAFKA_V_KEY(r->key, r->key_len), RD_KAFKA_V_VALUE(val, r->value_len),
                          RD_KAFKA_V_TIMESTAMP(r->timestamp), RD_KAFKA_V_HEADERS(h),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (alter)
        free(val);
    if (e) {
        rd_kafka_headers_destroy(h); /* producev takes them only on success */
        fail_msg("copier: producev: %s", rd_kafka_err2name(e));
    }
    rd_kafka_poll(rk, 0);
}

/* Copy @p src to @p topic on the DR broker as the mirror would, with
 * @p f's faults. */
static void copy_records(const th_recs_t *src, const char *topic, const char *source, faults_t f)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *kv[] = {"bootstrap.servers",
                        g_dr.bootstrap,
                        "enable.idempotence",
                        "true",
                        "linger.ms",
                        "5",
                        "log_level",
                        "3",
                        NULL};
    int want = 0;

    for (int i = 0; kv[i]; i += 2)
        assert_int_equal(rd_kafka_conf_set(conf, kv[i], kv[i + 1], err, sizeof(err)),
                         RD_KAFKA_CONF_OK);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!rk)
        fail_msg("copier: rd_kafka_new: %s", err);
    g_acked = g_failed = 0;
    for (long i = 0; i < (long)src->count; i++) {
        if (i == f.drop)
            continue;
        for (int k = 0; k < (i == f.duplicate ? 2 : 1); k++, want++)
            copy_one(rk, topic, &src->v[i], source, i == f.alter);
    }
    rd_kafka_resp_err_t e = rd_kafka_flush(rk, th_ms(30000));
    rd_kafka_destroy(rk);
    assert_int_equal(e, RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(g_failed, 0);
    assert_int_equal(g_acked, want);
}

/* --- record sets ---------------------------------------------------------- */

static char *dup_bytes(const char *p, size_t n)
{
    char *c;
    if (!p)
        return NULL;
    c = malloc(n + 1);
    memcpy(c, p, n);
    c[n] = '\0';
    return c;
}

static void rec_copy(th_rec_t *d, const th_rec_t *s)
{
    *d = *s;
    d->topic = strdup(s->topic);
    d->key = dup_bytes(s->key, s->key_len);
    d->value = dup_bytes(s->value, s->value_len);
    d->hdrs = calloc(s->nhdrs + 1, sizeof(*d->hdrs));
    for (size_t i = 0; i < s->nhdrs; i++) {
        d->hdrs[i] = s->hdrs[i];
        d->hdrs[i].name = strdup(s->hdrs[i].name);
        d->hdrs[i].value = dup_bytes(s->hdrs[i].value, s->hdrs[i].value_len);
    }
}

/* A deep copy of @p s into @p d (empty); free with th_recs_free(). */
static void recs_copy(th_recs_t *d, const th_recs_t *s)
{
    d->v = calloc(s->count + 1, sizeof(*d->v));
    d->count = d->cap = s->count;
    for (size_t i = 0; i < s->count; i++)
        rec_copy(&d->v[i], &s->v[i]);
}

/* Replace the value of the first header @p name of @p r. */
static void set_header(th_rec_t *r, const char *name, const char *value)
{
    th_hdr_t *h = (th_hdr_t *)th_rec_header(r, name);
    assert_non_null(h);
    free(h->value);
    h->value = strdup(value);
    h->value_len = strlen(value);
}

static void check_clean(const th_mirror_check_t *c)
{
    if (c->missing || c->duplicates || c->mismatched || c->first_problem[0])
        fail_msg("mirror check: missing %ld, duplicates %ld, mismatched %ld: %s", c->missing,
                 c->duplicates, c->mismatched, c->first_problem);
}

static void check_counts(const th_mirror_check_t *c, long missing, long duplicates, long mismatched,
                         const char *problem)
{
    print_message("    %ld missing, %ld duplicates, %ld mismatched; first: %s\n", c->missing,
                  c->duplicates, c->mismatched, c->first_problem);
    if (c->missing != missing || c->duplicates != duplicates || c->mismatched != mismatched)
        fail_msg("mirror check: got %ld/%ld/%ld (missing/duplicates/mismatched), want "
                 "%ld/%ld/%ld: %s",
                 c->missing, c->duplicates, c->mismatched, missing, duplicates, mismatched,
                 c->first_problem);
    if (!strstr(c->first_problem, problem))
        fail_msg("mirror check: first problem \"%s\" does not mention \"%s\"", c->first_problem,
                 problem);
}

/* Records th_kafka_produce(0, NREC) wrote to NPART empty partitions, read
 * back whole: partition p offset o holds seq p + NPART * o. */
static void check_produced(const th_recs_t *rs, const char *topic)
{
    char why[512];

    assert_int_equal(rs->count, NREC);
    for (size_t i = 0; i < rs->count; i++) {
        const th_rec_t *r = &rs->v[i];
        int32_t p = (int32_t)(i / (NREC / NPART));
        int64_t o = (int64_t)(i % (NREC / NPART));
        long seq = p + NPART * (long)o;
        if (r->partition != p || r->offset != o)
            fail_msg("record %zu is %d/%" PRId64 ", want %d/%" PRId64, i, r->partition, r->offset,
                     p, o);
        assert_string_equal(r->topic, topic);
        if (th_rec_check_produced(r, TAG, seq, why, sizeof(why)) < 0)
            fail_msg("%s", why);
        /* The value's filler is 20..300 bytes and h2 holds a zero byte. */
        size_t head = (size_t)snprintf(why, sizeof(why), "%s-%ld-", TAG, seq);
        assert_in_range(r->value_len - head, 20, 300);
        assert_int_equal(th_rec_header(r, "h2")->value_len, 4);
        assert_non_null(memchr(th_rec_header(r, "h2")->value, 0, 4));
        assert_int_equal(r->timestamp, TH_KAFKA_TS_BASE + seq);
        assert_int_equal(r->tstype, RD_KAFKA_TIMESTAMP_CREATE_TIME);
    }
}

/* --- tests: th_kafka ------------------------------------------------------ */

/* Create, inspect and grow topics; produce NREC records and read them back
 * with every field checked. */
static void test_th_kafka_produce_consume_roundtrip(void **state)
{
    (void)state;
    static const char *const cfg[] = {"retention.ms=-1", "cleanup.policy=delete", NULL};
    th_recs_t rs = {0};
    int64_t ends[NPART];

    th_kafka_create_topic(g_primary.bootstrap, "orders", NPART, cfg);
    assert_int_equal(th_kafka_partitions(g_primary.bootstrap, "orders"), NPART);
    assert_int_equal(th_kafka_partitions(g_primary.bootstrap, "no-such-topic"), 0);
    assert_int_equal(th_kafka_partitions(g_dr.bootstrap, "orders"), 0);
    char *v = th_kafka_topic_config(g_primary.bootstrap, "orders", "retention.ms");
    assert_non_null(v);
    assert_string_equal(v, "-1");
    free(v);
    assert_null(th_kafka_topic_config(g_primary.bootstrap, "orders", "no.such.config"));

    th_kafka_produce(g_primary.bootstrap, "orders", NPART, 0, NREC, TAG);
    th_kafka_end_offsets(g_primary.bootstrap, "orders", ends, NPART);
    for (int p = 0; p < NPART; p++)
        assert_int_equal(ends[p], NREC / NPART);
    assert_int_equal(th_kafka_end_offset(g_primary.bootstrap, "orders", 3), NREC / NPART);

    th_kafka_consume_all(g_primary.bootstrap, "orders", &rs, th_ms(30000));
    check_produced(&rs, "orders");
    /* A second read appends a second, identical sorted run. */
    th_kafka_consume_all(g_primary.bootstrap, "orders", &rs, th_ms(30000));
    assert_int_equal(rs.count, 2 * NREC);
    for (size_t i = 0; i < NREC; i++) {
        assert_int_equal(rs.v[NREC + i].partition, rs.v[i].partition);
        assert_int_equal(rs.v[NREC + i].offset, rs.v[i].offset);
    }
    th_recs_free(&rs);
    assert_int_equal(rs.count, 0);

    /* Growing a topic; records spread over the new partitions too. */
    th_kafka_create_topic(g_primary.bootstrap, "grow", 2, NULL);
    th_kafka_add_partitions(g_primary.bootstrap, "grow", 5);
    assert_int_equal(th_kafka_partitions(g_primary.bootstrap, "grow"), 5);
    th_kafka_produce(g_primary.bootstrap, "grow", 5, 100, 10, "g");
    th_kafka_consume_all(g_primary.bootstrap, "grow", &rs, th_ms(30000));
    assert_int_equal(rs.count, 10);
    for (size_t i = 0; i < rs.count; i++) {
        long seq = rs.v[i].partition + 100 + 5 * (long)rs.v[i].offset; /* 100 % 5 == 0 */
        assert_int_equal(th_rec_check_produced(&rs.v[i], "g", seq, NULL, 0), 0);
    }
    /* A wrong tag or seq is reported. */
    char why[512];
    assert_int_equal(th_rec_check_produced(&rs.v[0], "x", 100, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "value"));
    assert_int_equal(th_rec_check_produced(&rs.v[0], "g", 105, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "key"));
    th_recs_free(&rs);
}

/* A faithful copy compares clean; a copy that drops, duplicates and alters
 * one record each is caught exactly. */
static void test_th_kafka_compare_mirrored_copies(void **state)
{
    (void)state;
    th_recs_t src = {0}, dst = {0}, bad = {0};
    th_mirror_check_t c;

    th_kafka_create_topic(g_primary.bootstrap, "orders", NPART, NULL);
    th_kafka_produce(g_primary.bootstrap, "orders", NPART, 0, NREC, TAG);
    th_kafka_consume_all(g_primary.bootstrap, "orders", &src, th_ms(30000));
    check_produced(&src, "orders");

    th_kafka_create_topic(g_dr.bootstrap, "primary.orders", NPART, NULL);
    copy_records(&src, "primary.orders", "primary", no_faults);
    th_kafka_consume_all(g_dr.bootstrap, "primary.orders", &dst, th_ms(30000));
    assert_int_equal(dst.count, NREC);
    th_recs_compare_mirrored(&src, &dst, "primary", "primary", &c);
    check_clean(&c);

    /* Index 700 is partition 1 offset 200; 1300 is partition 2 offset 300. */
    th_kafka_create_topic(g_dr.bootstrap, "primary.orders.bad", NPART, NULL);
    copy_records(&src, "primary.orders.bad", "primary", (faults_t){700, 1300, 1999});
    th_kafka_consume_all(g_dr.bootstrap, "primary.orders.bad", &bad, th_ms(30000));
    assert_int_equal(bad.count, NREC);
    th_recs_compare_mirrored(&src, &bad, "primary", "primary", &c);
    check_counts(&c, 1, 1, 1, "partition 1: src offset 200 missing");

    /* Wrong aliases: every record is off. */
    th_recs_compare_mirrored(&src, &dst, "primary", "dr", &c);
    check_counts(&c, 0, 0, NREC, "xdc.origin \"primary\", want \"dr\"");
    th_recs_compare_mirrored(&src, &dst, "dr", "primary", &c);
    check_counts(&c, NREC, 0, NREC, "xdc.src names primary:0, want dr:0");
    th_recs_free(&bad);
    th_recs_free(&src);
    th_recs_free(&dst);
}

/* One change to a copy of a faithful mirror, and what it must count as. */
typedef struct mutation {
    const char *name;
    void (*apply)(th_recs_t *dst);
    long missing, duplicates, mismatched;
    const char *problem;
} mutation_t;

static void mut_null_key(th_recs_t *d)
{
    free(d->v[5].key);
    d->v[5].key = NULL;
    d->v[5].key_len = 0;
}

static void mut_empty_key(th_recs_t *d)
{
    d->v[5].key_len = 0;
}

static void mut_swap_headers(th_recs_t *d)
{
    th_hdr_t t = d->v[7].hdrs[0];
    d->v[7].hdrs[0] = d->v[7].hdrs[1];
    d->v[7].hdrs[1] = t;
}

static void mut_header_byte(th_recs_t *d)
{
    ((th_hdr_t *)th_rec_header(&d->v[7], "h2"))->value[2] ^= 1;
}

static void mut_timestamp(th_recs_t *d)
{
    d->v[9].timestamp++;
}

static void mut_tstype(th_recs_t *d)
{
    d->v[9].tstype = RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME;
}

static void mut_value(th_recs_t *d)
{
    d->v[3].value[d->v[3].value_len - 1] ^= 1;
}

static void mut_swap_records(th_recs_t *d)
{
    th_rec_t t = d->v[10];
    d->v[10] = d->v[11];
    d->v[11] = t;
}

static void mut_origin(th_recs_t *d)
{
    set_header(&d->v[12], "xdc.origin", "dr");
}

static void mut_no_src(th_recs_t *d)
{
    th_hdr_t *h = (th_hdr_t *)th_rec_header(&d->v[12], "xdc.src");
    h->name[5] = 'x'; /* "xdc.sxc": still ignored as an xdc.* header */
}

static void mut_src_partition(th_recs_t *d)
{
    set_header(&d->v[12], "xdc.src", "primary:1:12");
}

static void mut_src_offset(th_recs_t *d)
{
    set_header(&d->v[12], "xdc.src", "primary:0:13"); /* a second copy of offset 13 */
}

static void mut_src_garbage(th_recs_t *d)
{
    set_header(&d->v[12], "xdc.src", "primary-0-12");
}

static void mut_drop_last(th_recs_t *d)
{
    th_recs_t last = {malloc(sizeof(th_rec_t)), 1, 1};
    last.v[0] = d->v[--d->count];
    th_recs_free(&last);
}

static const mutation_t mutations[] = {
    {"null key", mut_null_key, 0, 0, 1, "dst offset 5 (src offset 5): key: set vs null"},
    {"empty key", mut_empty_key, 0, 0, 1, "key: 4 vs 0 bytes"},
    {"header order", mut_swap_headers, 0, 0, 1, "header #0: name h1 vs h2"},
    {"header bytes", mut_header_byte, 0, 0, 1, "header h2: differs at byte 2"},
    {"timestamp", mut_timestamp, 0, 0, 1, "timestamp: "},
    {"timestamp type", mut_tstype, 0, 0, 1, "timestamp type: 1 vs 2"},
    {"value", mut_value, 0, 0, 1, "value: differs at byte"},
    {"order", mut_swap_records, 0, 0, 1, "out of order"},
    {"origin", mut_origin, 0, 0, 1, "xdc.origin \"dr\""},
    {"no xdc.src", mut_no_src, 1, 0, 1, "0 xdc.src headers"},
    {"xdc.src partition", mut_src_partition, 1, 0, 1, "xdc.src names primary:1, want primary:0"},
    {"xdc.src offset", mut_src_offset, 1, 1, 1, "dst offset 12 (src offset 13): key: differs"},
    {"xdc.src garbage", mut_src_garbage, 1, 0, 1, "\"primary-0-12\" is not <alias>:"},
    {"lost tail", mut_drop_last, 1, 0, 0, "partition 3: src offset 499 missing"},
};

/* Each kind of difference is counted once, as the right kind, and named. */
static void test_th_kafka_compare_names_each_difference(void **state)
{
    (void)state;
    th_recs_t src = {0}, dst = {0};
    th_mirror_check_t c;

    th_kafka_create_topic(g_primary.bootstrap, "orders", NPART, NULL);
    th_kafka_produce(g_primary.bootstrap, "orders", NPART, 0, NREC, TAG);
    th_kafka_consume_all(g_primary.bootstrap, "orders", &src, th_ms(30000));
    th_kafka_create_topic(g_dr.bootstrap, "primary.orders", NPART, NULL);
    copy_records(&src, "primary.orders", "primary", no_faults);
    th_kafka_consume_all(g_dr.bootstrap, "primary.orders", &dst, th_ms(30000));
    th_recs_compare_mirrored(&src, &dst, "primary", "primary", &c);
    check_clean(&c);

    for (size_t i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
        th_recs_t m = {0};
        print_message("  %s\n", mutations[i].name);
        recs_copy(&m, &dst);
        mutations[i].apply(&m);
        th_recs_compare_mirrored(&src, &m, "primary", "primary", &c);
        th_recs_free(&m);
        check_counts(&c, mutations[i].missing, mutations[i].duplicates, mutations[i].mismatched,
                     mutations[i].problem);
    }
    th_recs_free(&src);
    th_recs_free(&dst);
}

/* --- tests: th_mirror and th_http ----------------------------------------- */

static void check_status(const th_mirror_t *m)
{
    json_t *j = th_http_get_json(m->http_port, "/v1/status");
    assert_string_equal(json_string_value(json_object_get(j, "service")), "mirror");
    assert_int_equal(json_integer_value(json_object_get(j, "pid")), th_proc_pid(m->proc));
    assert_non_null(json_string_value(json_object_get(j, "version")));
    json_decref(j);
}

/* Start xdc-mirror, read /v1/status, stop it, restart it, read it again. */
static void test_th_mirror_status_over_http(void **state)
{
    (void)state;
    const char *dir = th_tmpdir();
    th_mirror_t m;
    char old[600], *body = NULL;
    int status = 0, port;

    th_mirror_start(&m, dir, "clusters = primary, dr");
    assert_true(m.http_port > 0);
    check_status(&m);
    assert_int_equal(th_http_get(m.http_port, "/v1/no-such-route", &status, &body), 0);
    assert_int_equal(status, 404);
    assert_non_null(strstr(body, "not found"));
    free(body);

    port = m.http_port;
    assert_int_equal(th_mirror_stop(&m, SIGTERM), 0);
    assert_null(m.proc);
    assert_non_null(strstr(th_mirror_log(&m), "mirror HTTP API on 127.0.0.1 port"));
    assert_int_equal(th_http_get(port, "/v1/status", &status, &body), -ECONNREFUSED);
    assert_null(body);

    th_mirror_restart(&m);
    check_status(&m);
    snprintf(old, sizeof(old), "%s.1", m.log_path);
    assert_true(th_exists(old));
    assert_int_equal(th_mirror_stop(&m, SIGKILL), -SIGKILL);
}

/* A scripted HTTP server: answers each connection with the next canned
 * response, after reading the request head. */
typedef struct script {
    int lfd;
    const char *const *responses;
    char first_request[1024]; /* read it after pthread_join() */
} script_t;

static void *serve(void *arg)
{
    script_t *s = arg;
    for (size_t i = 0; s->responses[i]; i++) {
        int fd = accept(s->lfd, NULL, NULL);
        char req[1024] = "";
        size_t got = 0;
        if (fd < 0)
            break;
        /* Read the whole request: closing with unread bytes would reset
         * the connection. */
        while (got < sizeof(req) - 1 && !strstr(req, "\r\n\r\n")) {
            ssize_t n = recv(fd, req + got, sizeof(req) - 1 - got, 0);
            if (n <= 0)
                break;
            got += (size_t)n;
            req[got] = '\0';
        }
        if (i == 0)
            memcpy(s->first_request, req, sizeof(req));
        ssize_t w = send(fd, s->responses[i], strlen(s->responses[i]), MSG_NOSIGNAL);
        (void)w;
        close(fd);
    }
    return NULL;
}

/* th_http_get() reads chunked, Content-Length and close-delimited bodies,
 * and refuses what does not parse. */
static void test_th_http_parses_responses(void **state)
{
    (void)state;
    static const char *const responses[] = {
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "4\r\n{\"a\"\r\n6;x=1\r\n:[1,2]\r\n1\r\n}\r\n0\r\n\r\n",
        "HTTP/1.1 201 Created\r\ncontent-length: 5\r\n\r\nhello, and more",
        "HTTP/1.0 200 OK\r\nServer: x\r\n\r\nuntil close",
        "nonsense\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\n\r\n{}",
        NULL};
    script_t s = {.responses = responses};
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t len = sizeof(sa);
    struct timeval tv = {th_ms(10000) / 1000, 0};
    pthread_t t;
    char *body = NULL;
    int status;

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s.lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s.lfd >= 0);
    setsockopt(s.lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)); /* accept() gives up */
    assert_int_equal(bind(s.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(s.lfd, 8), 0);
    assert_int_equal(getsockname(s.lfd, (struct sockaddr *)&sa, &len), 0);
    int port = ntohs(sa.sin_port);
    assert_int_equal(pthread_create(&t, NULL, serve, &s), 0);

    json_t *j = th_http_get_json(port, "/chunked");
    assert_int_equal(json_integer_value(json_array_get(json_object_get(j, "a"), 1)), 2);
    json_decref(j);

    assert_int_equal(th_http_get(port, "/len", &status, &body), 0);
    assert_int_equal(status, 201);
    assert_string_equal(body, "hello");
    free(body);
    assert_int_equal(th_http_get(port, "/close", &status, &body), 0);
    assert_int_equal(status, 200);
    assert_string_equal(body, "until close");
    free(body);
    assert_int_equal(th_http_get(port, "/bad", &status, &body), -EPROTO);
    assert_null(body);
    assert_int_equal(th_http_get(port, "/short", &status, &body), -EPROTO);
    assert_null(body);
    assert_int_equal(th_http_get(port, "/busy", &status, &body), 0);
    assert_int_equal(status, 503);
    assert_string_equal(body, "{}");
    free(body);

    assert_int_equal(pthread_join(t, NULL), 0);
    close(s.lfd);
    assert_non_null(strstr(s.first_request, "GET /chunked HTTP/1.1\r\n"));
    assert_non_null(strstr(s.first_request, "Connection: close\r\n"));
}

/* --- fixtures ------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    th_broker_start(&g_primary, th_tmpdir(), NULL);
    th_broker_start(&g_dr, th_tmpdir(), NULL);
    return 0;
}

static int teardown(void **state)
{
    if (g_primary.proc)
        th_broker_stop(&g_primary, SIGTERM);
    if (g_dr.proc)
        th_broker_stop(&g_dr, SIGTERM);
    return th_teardown(state);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_th_kafka_produce_consume_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_th_kafka_compare_mirrored_copies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_th_kafka_compare_names_each_difference, setup,
                                        teardown),
        cmocka_unit_test_teardown(test_th_mirror_status_over_http, th_teardown),
        cmocka_unit_test_teardown(test_th_http_parses_responses, th_teardown),
    };
    return cmocka_run_group_tests_name("th_kafka", tests, NULL, NULL);
}
