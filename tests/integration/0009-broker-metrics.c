/* xdc-broker's HTTP endpoint: GET /metrics after librdkafka produces and
 * fetches (messages and bytes in and out, requests by API and error code,
 * the latency histogram, per-partition log end offsets, connections),
 * GET /health, a 404, and http.listen turned off or refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/lib/th_broker.h"
#include "tests/lib/th_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NPART     3
#define NMSG      600
#define TOPIC     "metrics"
#define HTTP_LINE "broker HTTP API on 127.0.0.1 port "

static th_broker_t g_brk;
static int g_http_port;
static int delivered;

/* --- a tiny HTTP client ------------------------------------------------------ */

typedef struct http_reply {
    int status;
    char *head; /* status line and headers */
    char *body;
} http_reply_t;

static void reply_free(http_reply_t *r)
{
    free(r->head);
    memset(r, 0, sizeof(*r));
}

static int connect_port(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        fail_msg("connect 127.0.0.1:%d: %s", port, strerror(errno));
    return fd;
}

/* One request with "Connection: close"; the reply is read to EOF. */
static http_reply_t http_request(const char *method, const char *path)
{
    char req[256];
    int n =
        snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                 method, path);
    int fd = connect_port(g_http_port);
    if (write(fd, req, (size_t)n) != n)
        fail_msg("write: %s", strerror(errno));
    size_t len = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    struct pollfd pfd = {fd, POLLIN, 0};
    for (;;) {
        if (poll(&pfd, 1, th_ms(10000)) <= 0)
            fail_msg("GET %s: no reply", path);
        if (len + 1 >= cap)
            buf = realloc(buf, cap *= 2);
        ssize_t r = read(fd, buf + len, cap - len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            fail_msg("read: %s", strerror(errno));
        if (r == 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    http_reply_t rep = {0, buf, NULL};
    char *sep = strstr(buf, "\r\n\r\n");
    if (sscanf(buf, "HTTP/1.%*d %d", &rep.status) != 1 || !sep)
        fail_msg("%s %s: not an HTTP reply: %s", method, path, buf);
    *sep = '\0';
    rep.body = sep + 4;
    return rep;
}

/* --- reading the exposition text --------------------------------------------- */

/* The value of the one sample @p series (exact name and labels). */
static double metric(const char *text, const char *series)
{
    char prefix[256];
    int found;
    snprintf(prefix, sizeof(prefix), "%s ", series);
    double v = th_metric_sum(text, prefix, &found);
    if (found != 1)
        fail_msg("%d samples of %s in:\n%s", found, series, text);
    return v;
}

static char *get_metrics(void)
{
    http_reply_t r = http_request("GET", "/metrics");
    assert_int_equal(r.status, 200);
    if (!strstr(r.head, "Content-Type: text/plain; version=0.0.4"))
        fail_msg("/metrics content type: %s", r.head);
    char *text = strdup(r.body);
    reply_free(&r);
    return text;
}

/* --- clients -------------------------------------------------------------------- */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err)
        print_error("delivery failed: %s\n", rd_kafka_err2str(m->err));
    else
        delivered++;
}

static rd_kafka_t *client(rd_kafka_type_t type)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", g_brk.bootstrap, err, sizeof(err));
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err));
    if (type == RD_KAFKA_PRODUCER) {
        rd_kafka_conf_set(conf, "linger.ms", "5", err, sizeof(err));
        rd_kafka_conf_set(conf, "compression.codec", "none", err, sizeof(err));
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    }
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof(err));
    if (!rk)
        fail_msg("rd_kafka_new: %s", err);
    return rk;
}

/* @return the payload bytes produced. */
static size_t produce_all(void)
{
    rd_kafka_t *rk = client(RD_KAFKA_PRODUCER);
    size_t payload = 0;
    delivered = 0;
    for (int i = 0; i < NMSG; i++) {
        char val[64];
        int n = snprintf(val, sizeof(val), "metrics-record-%d", i);
        rd_kafka_resp_err_t e =
            rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(TOPIC), RD_KAFKA_V_PARTITION(i % NPART),
                              RD_KAFKA_V_VALUE(val, (size_t)n),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e)
            fail_msg("producev: %s", rd_kafka_err2str(e));
        payload += (size_t)n;
        rd_kafka_poll(rk, 0);
    }
    rd_kafka_flush(rk, th_ms(20000));
    rd_kafka_destroy(rk);
    assert_int_equal(delivered, NMSG);
    return payload;
}

/* Read every partition to its end; the consumer stays connected. */
static void consume_all(rd_kafka_t *rk)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, TOPIC, NULL);
    int total = 0;
    for (int p = 0; p < NPART; p++) {
        assert_int_equal(rd_kafka_consume_start(rkt, p, RD_KAFKA_OFFSET_BEGINNING), 0);
        for (int got = 0; got < NMSG / NPART;) {
            rd_kafka_message_t *m = rd_kafka_consume(rkt, p, th_ms(10000));
            if (!m)
                fail_msg("%s/%d: no record after %d", TOPIC, p, got);
            if (!m->err)
                got++;
            else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                fail_msg("%s/%d: %s", TOPIC, p, rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
        }
        rd_kafka_consume_stop(rkt, p);
        total += NMSG / NPART;
    }
    rd_kafka_topic_destroy(rkt);
    assert_int_equal(total, NMSG);
}

/* Metadata v1 for a topic name Kafka refuses: INVALID_TOPIC_EXCEPTION (17). */
static void metadata_invalid_topic(void)
{
    static const uint8_t req[] = {0, 0, 0, 26, 0, 3, 0,   1,   0,   0,   0,   9,   0,   1,   't',
                                  0, 0, 0, 1,  0, 9, 'b', 'a', 'd', ' ', 'n', 'a', 'm', 'e', '!'};
    uint8_t resp[512];
    int fd = connect_port(g_brk.port);
    assert_int_equal(write(fd, req, sizeof(req)), (ssize_t)sizeof(req));
    struct pollfd pfd = {fd, POLLIN, 0};
    assert_int_equal(poll(&pfd, 1, th_ms(10000)), 1);
    assert_true(read(fd, resp, sizeof(resp)) > 8);
    close(fd);
}

/* --- setup ------------------------------------------------------------------------ */

static int http_port_of(th_broker_t *b)
{
    if (th_proc_wait_output(b->proc, HTTP_LINE, th_ms(10000)) != 0)
        fail_msg("no \"%s\" line: %s", HTTP_LINE, th_broker_log(b));
    const char *at = strstr(th_broker_log(b), HTTP_LINE);
    int port = atoi(at + strlen(HTTP_LINE));
    assert_true(port > 0 && port < 65536);
    return port;
}

static int setup(void **state)
{
    (void)state;
    static const char *const ov[] = {"num.partitions=3", "http.listen=127.0.0.1:0", NULL};
    th_broker_start(&g_brk, th_tmpdir(), ov);
    g_http_port = http_port_of(&g_brk);
    return 0;
}

static int teardown(void **state)
{
    if (g_brk.proc)
        assert_int_equal(th_broker_stop(&g_brk, SIGTERM), 0);
    return th_teardown(state);
}

/* --- tests ------------------------------------------------------------------------ */

static void test_metrics_count_produce_and_fetch(void **state)
{
    (void)state;
    size_t payload = produce_all();
    rd_kafka_t *consumer = client(RD_KAFKA_CONSUMER);
    consume_all(consumer);
    metadata_invalid_topic();

    /* The offsets are sampled once a second: wait for the produced ones. */
    char *text = NULL;
    int found = 0;
    double leo = 0;
    for (int waited = 0; waited <= th_ms(5000); waited += 100) {
        free(text);
        text = get_metrics();
        leo = th_metric_sum(text, "xdc_broker_log_end_offset{topic=\"" TOPIC "\",", &found);
        if (leo == NMSG)
            break;
        usleep(100 * 1000);
    }
    if (found != NPART || leo != NMSG)
        fail_msg("log end offsets of %s: %d partitions summing to %.0f, want %d and %d:\n%s", TOPIC,
                 found, leo, NPART, NMSG, text);
    assert_int_equal((int)metric(text, "xdc_broker_messages_in_total{topic=\"" TOPIC "\"}"), NMSG);
    assert_true(metric(text, "xdc_broker_bytes_in_total{topic=\"" TOPIC "\"}") >= (double)payload);
    assert_true(metric(text, "xdc_broker_bytes_out_total{topic=\"" TOPIC "\"}") >= (double)payload);
    th_metric_sum(text, "xdc_broker_log_start_offset{topic=\"" TOPIC "\",", &found);
    assert_int_equal(found, NPART);

    double produce_ok = metric(text, "xdc_broker_requests_total{api=\"Produce\",error_code=\"0\"}");
    double fetch_ok = metric(text, "xdc_broker_requests_total{api=\"Fetch\",error_code=\"0\"}");
    assert_true(produce_ok > 0);
    assert_true(fetch_ok > 0);
    assert_int_equal(
        (int)metric(text, "xdc_broker_requests_total{api=\"Metadata\",error_code=\"17\"}"), 1);
    /* One latency observation per request counted, whatever its outcome. */
    double produce_all_codes =
        th_metric_sum(text, "xdc_broker_requests_total{api=\"Produce\",", &found);
    assert_true(produce_all_codes == produce_ok);
    assert_true(metric(text, "xdc_broker_request_duration_seconds_count{api=\"Produce\"}") ==
                produce_all_codes);
    assert_true(metric(text, "xdc_broker_request_duration_seconds_bucket{api=\"Produce\",le=\"+"
                             "Inf\"}") == produce_all_codes);
    assert_true(metric(text, "xdc_broker_request_duration_seconds_count{api=\"Fetch\"}") ==
                th_metric_sum(text, "xdc_broker_requests_total{api=\"Fetch\",", &found));

    /* The consumer is still connected. */
    assert_true(metric(text, "xdc_broker_connections") >= 1);
    assert_true(metric(text, "xdc_broker_connections_accepted_total") >= 3);
    free(text);

    rd_kafka_destroy(consumer);
    double open = -1;
    for (int waited = 0; waited <= th_ms(5000) && open != 0; waited += 50) {
        text = get_metrics();
        open = metric(text, "xdc_broker_connections");
        free(text);
        usleep(50 * 1000);
    }
    assert_true(open == 0);
}

static void test_metrics_health_and_unknown_path(void **state)
{
    (void)state;
    http_reply_t r = http_request("GET", "/health");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "{\"status\":\"ok\"}"));
    reply_free(&r);
    r = http_request("GET", "/nope");
    assert_int_equal(r.status, 404);
    reply_free(&r);
    r = http_request("POST", "/metrics");
    assert_int_equal(r.status, 405);
    reply_free(&r);
}

static void test_metrics_endpoint_off_when_listen_empty(void **state)
{
    (void)state;
    th_broker_t b;
    static const char *const ov[] = {"http.listen=", NULL};
    th_broker_start(&b, th_tmpdir(), ov);
    /* The listener line comes after the HTTP endpoint would have started. */
    assert_int_equal(th_proc_wait_output(b.proc, "listening on", th_ms(10000)), 0);
    assert_null(strstr(th_broker_log(&b), "HTTP API"));
    assert_int_equal(th_broker_stop(&b, SIGTERM), 0);
}

static void test_metrics_listen_needs_ip_and_port(void **state)
{
    (void)state;
    static const char *const bad[] = {"http.listen=localhost:9308", "http.listen=127.0.0.1",
                                      "http.listen=::1:9308", "http.listen=127.0.0.1:65536"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *argv[] = {th_bin("xdc-broker"), "--override", bad[i], NULL};
        int status;
        char *out = NULL;
        assert_int_equal(th_run(argv, th_ms(10000), &status, &out), 0);
        if (status != 2 || !strstr(out, "http.listen"))
            fail_msg("%s: status %d: %s", bad[i], status, out);
        free(out);
    }
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_metrics_count_produce_and_fetch),
        T(test_metrics_health_and_unknown_path),
        cmocka_unit_test_teardown(test_metrics_endpoint_off_when_listen_empty, th_teardown),
        cmocka_unit_test_teardown(test_metrics_listen_needs_ip_and_port, th_teardown),
    };
    return cmocka_run_group_tests_name("broker_metrics", tests, NULL, NULL);
}
