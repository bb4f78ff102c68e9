#include "common/http.h"

#include "common/err.h"
#include "common/httpc.h"
#include "common/json.h"
#include "common/log.h"
#include "common/util.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* These tests start a real server on 127.0.0.1 port 0 and talk to it over
 * TCP with a minimal HTTP/1.1 client: one request per connection
 * (Connection: close), read to EOF. */

#define TOKEN "s3cret-token"

/* --- client -------------------------------------------------------------- */

typedef struct reply {
    int status;
    char *head; /* status line and headers */
    char *body;
} reply_t;

static int timeout_ms(int ms)
{
    const char *m = getenv("TEST_TIMEOUT_MULT");
    int mult = m ? atoi(m) : 1;
    return ms * (mult > 0 ? mult : 1);
}

static int client_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    int ms = timeout_ms(5000);
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

static void client_send(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        assert_true(w > 0);
        p += w;
        n -= (size_t)w;
    }
}

/* Read until the server closes; fails the test on a timeout. */
static void client_read_reply(int fd, reply_t *r)
{
    buf_t in = BUF_INIT;
    char chunk[4096];
    for (;;) {
        ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
        if (n == 0)
            break;
        if (n < 0)
            fail_msg("recv: %s", strerror(errno));
        buf_append(&in, chunk, (size_t)n);
    }
    const char *all = buf_cstr(&in);
    const char *sep = strstr(all, "\r\n\r\n");
    if (!sep)
        fail_msg("no header terminator in reply: %s", all);
    assert_int_equal(sscanf(all, "HTTP/1.%*c %d", &r->status), 1);
    r->head = xstrndup(all, (size_t)(sep - all) + 2);
    r->body = xstrdup(sep + 4);
    buf_close(&in);
}

static void reply_free(reply_t *r)
{
    free(r->head);
    free(r->body);
}

/* Send raw request bytes on a new connection and read the reply. */
static void exchange(int port, const char *raw, size_t len, reply_t *r)
{
    int fd = client_connect(port);
    client_send(fd, raw, len);
    client_read_reply(fd, r);
    close(fd);
}

/* One request with optional extra header lines ("K: v\r\n") and body. */
static void request(int port, const char *method, const char *target, const char *headers,
                    const char *body, reply_t *r)
{
    buf_t req = BUF_INIT;
    buf_printf(&req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s", method, target,
               headers ? headers : "");
    if (body)
        buf_printf(&req, "Content-Length: %zu\r\n", strlen(body));
    buf_append_str(&req, "\r\n");
    if (body)
        buf_append_str(&req, body);
    exchange(port, (const char *)req.data, req.len, r);
    buf_close(&req);
}

/* @return the value of header @p name in @p r (caller frees), or NULL. */
static char *reply_header(const reply_t *r, const char *name)
{
    size_t nlen = strlen(name);
    for (const char *line = strstr(r->head, "\r\n"); line && line[2];
         line = strstr(line + 2, "\r\n")) {
        const char *h = line + 2;
        if (strncasecmp(h, name, nlen) == 0 && h[nlen] == ':') {
            const char *v = h + nlen + 1;
            while (*v == ' ')
                v++;
            return xstrndup(v, (size_t)(strstr(v, "\r\n") - v));
        }
    }
    return NULL;
}

static void assert_header(const reply_t *r, const char *name, const char *want)
{
    char *v = reply_header(r, name);
    if (!v)
        fail_msg("no %s header in:\n%s", name, r->head);
    assert_string_equal(v, want);
    free(v);
}

/* --- server under test --------------------------------------------------- */

typedef struct fixture {
    pthread_mutex_t lock; /* handlers run on the HTTP thread */
    int calls;
} fixture_t;

static int on_lag(const http_request_t *req, http_response_t *resp, void *opaque)
{
    fixture_t *fx = opaque;
    pthread_mutex_lock(&fx->lock);
    fx->calls++;
    pthread_mutex_unlock(&fx->lock);
    resp->body = json_pack("{s:s?, s:s?, s:b, s:i}", "topic", http_request_query(req, "topic"),
                           "partition", http_request_query(req, "partition"), "flag",
                           http_request_query(req, "flag") != NULL, "nquery", (int)req->nquery);
    return 0;
}

static int on_echo(const http_request_t *req, http_response_t *resp, void *opaque)
{
    fixture_t *fx = opaque;
    char err[256];
    json_t *in;
    const char *name;
    pthread_mutex_lock(&fx->lock);
    fx->calls++;
    pthread_mutex_unlock(&fx->lock);
    if (xjson_parse_object(req->body, req->body_len, &in, err, sizeof(err)) < 0) {
        http_response_error(resp, 400, err);
        return 0;
    }
    if (xjson_get_string(in, "name", &name, err, sizeof(err)) < 0)
        http_response_error(resp, 400, err);
    else {
        resp->status = 201;
        resp->body = json_pack("{s:s, s:s, s:I}", "method", req->method, "name_prefix",
                               strlen(name) > 8 ? "long" : name, "len", (json_int_t)req->body_len);
    }
    json_decref(in);
    return 0;
}

static int on_fail(const http_request_t *req, http_response_t *resp, void *opaque)
{
    (void)req;
    (void)opaque;
    resp->body = json_pack("{s:s}", "discarded", "yes"); /* must not leak */
    return XDC_ESTATE;
}

static int on_text(const http_request_t *req, http_response_t *resp, void *opaque)
{
    (void)req;
    (void)opaque;
    resp->text = xstrdup("hello\n");
    return 0;
}

static int on_bad_status(const http_request_t *req, http_response_t *resp, void *opaque)
{
    (void)req;
    (void)opaque;
    resp->status = 42;
    return 0;
}

static const http_route_t routes[] = {
    {"GET", "/v1/lag", on_lag},   {"POST", "/v1/echo", on_echo},
    {"PUT", "/v1/echo", on_echo}, {"GET", "/v1/fail", on_fail},
    {"GET", "/v1/text", on_text}, {"GET", "/v1/bad-status", on_bad_status},
};

static http_server_t *start(fixture_t *fx, const char *token, size_t max_body)
{
    char err[256] = "";
    http_server_conf_t conf = {
        .host = "127.0.0.1",
        .port = 0,
        .token = token,
        .routes = routes,
        .nroutes = XDC_ARRAY_SIZE(routes),
        .opaque = fx,
        .max_body_bytes = max_body,
    };
    http_server_t *srv = http_server_new(&conf, err, sizeof(err));
    if (!srv)
        fail_msg("http_server_new: %s", err);
    assert_true(http_server_port(srv) > 0);
    return srv;
}

static int calls(fixture_t *fx)
{
    pthread_mutex_lock(&fx->lock);
    int n = fx->calls;
    pthread_mutex_unlock(&fx->lock);
    return n;
}

static int setup(void **state)
{
    fixture_t *fx = xcalloc(1, sizeof(*fx));
    pthread_mutex_init(&fx->lock, NULL);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *fx = *state;
    pthread_mutex_destroy(&fx->lock);
    free(fx);
    return 0;
}

/* --- tests --------------------------------------------------------------- */

static void test_http_get_route_with_query(void **state)
{
    fixture_t *fx = *state;
    http_server_t *srv = start(fx, NULL, 0);
    reply_t r;
    request(http_server_port(srv), "GET", "/v1/lag?topic=orders%2Feu&partition=3&flag", NULL, NULL,
            &r);
    assert_int_equal(r.status, 200);
    assert_header(&r, "Content-Type", "application/json");
    assert_string_equal(r.body, "{\"topic\":\"orders/eu\",\"partition\":\"3\",\"flag\":true,"
                                "\"nquery\":3}\n");
    reply_free(&r);

    request(http_server_port(srv), "GET", "/v1/lag", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body,
                        "{\"topic\":null,\"partition\":null,\"flag\":false,\"nquery\":0}\n");
    reply_free(&r);
    assert_int_equal(calls(fx), 2);
    http_server_free(srv);
}

static void test_http_post_with_body(void **state)
{
    fixture_t *fx = *state;
    http_server_t *srv = start(fx, NULL, 0);
    reply_t r;
    request(http_server_port(srv), "POST", "/v1/echo", NULL, "{\"name\":\"dc-west\"}", &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.body, "{\"method\":\"POST\",\"name_prefix\":\"dc-west\",\"len\":18}\n");
    reply_free(&r);

    request(http_server_port(srv), "PUT", "/v1/echo", NULL, "{\"name\":\"x\"}", &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.body, "{\"method\":\"PUT\",\"name_prefix\":\"x\",\"len\":12}\n");
    reply_free(&r);
    http_server_free(srv);
}

/* A body far larger than MHD's read buffer arrives over many handler calls
 * and several writes; the handler must see it whole. */
static void test_http_post_body_accumulates_across_reads(void **state)
{
    fixture_t *fx = *state;
    http_server_t *srv = start(fx, NULL, 0);
    size_t n = 300 * 1024;
    char *body = xmalloc(n + 1);
    memset(body, 'a', n);
    memcpy(body, "{\"name\":\"", 9);
    memcpy(body + n - 2, "\"}", 2);
    body[n] = '\0';
    char *head = xasprintf("POST /v1/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                           "Content-Length: %zu\r\n\r\n",
                           n);
    int fd = client_connect(http_server_port(srv));
    client_send(fd, head, strlen(head));
    for (size_t off = 0; off < n; off += 7000)
        client_send(fd, body + off, n - off < 7000 ? n - off : 7000);
    reply_t r;
    client_read_reply(fd, &r);
    close(fd);
    assert_int_equal(r.status, 201);
    char *want = xasprintf("{\"method\":\"POST\",\"name_prefix\":\"long\",\"len\":%zu}\n", n);
    assert_string_equal(r.body, want);
    free(want);
    reply_free(&r);
    free(head);
    free(body);
    http_server_free(srv);
}

static void test_http_handler_bad_request_400(void **state)
{
    fixture_t *fx = *state;
    http_server_t *srv = start(fx, NULL, 0);
    reply_t r;
    request(http_server_port(srv), "POST", "/v1/echo", NULL, "{\"name\":", &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "{\"error\":\"json: line 1, column "));
    reply_free(&r);

    request(http_server_port(srv), "POST", "/v1/echo", NULL, "{\"name\":7}", &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(r.body, "{\"error\":\"key \\\"name\\\": expected string, got integer\"}\n");
    reply_free(&r);
    http_server_free(srv);
}

static void test_http_unknown_path_404(void **state)
{
    fixture_t *fx = *state;
    http_server_t *srv = start(fx, NULL, 0);
    reply_t r;
    request(http_server_port(srv), "GET", "/nope?x=1", NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    assert_header(&r, "Content-Type", "application/json");
    assert_string_equal(r.body, "{\"error\":\"not found\",\"path\":\"/nope\"}\n");
    reply_free(&r);

    /* A decoded path that is not UTF-8 still gives valid JSON. */
    request(http_server_port(srv), "GET", "/v1/%FF", NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body, "{\"error\":\"not found\",\"path\":\"/v1/?\"}\n");
    reply_free(&r);
    assert_int_equal(calls(fx), 0);
    http_server_free(srv);
}

static void test_http_wrong_method_405(void **state)
{
    fixture_t *fx = *state;
    http_server_t *srv = start(fx, NULL, 0);
    reply_t r;
    request(http_server_port(srv), "DELETE", "/v1/echo", NULL, NULL, &r);
    assert_int_equal(r.status, 405);
    assert_header(&r, "Allow", "POST, PUT");
    assert_string_equal(r.body, "{\"error\":\"method not allowed\",\"method\":\"DELETE\"}\n");
    reply_free(&r);

    request(http_server_port(srv), "POST", "/v1/lag", NULL, "{}", &r);
    assert_int_equal(r.status, 405);
    assert_header(&r, "Allow", "GET");
    reply_free(&r);
    assert_int_equal(calls(fx), 0);
    http_server_free(srv);
}

static void test_http_token_required(void **state)
{
    fixture_t *fx = *state;
    http_server_t *srv = start(fx, TOKEN, 0);
    int port = http_server_port(srv);
    static const char *const refused[] = {
        NULL,
        "Authorization: Bearer s3cret-toke\r\n",
        "Authorization: Bearer s3cret-tokenX\r\n",
        "Authorization: Bearer \r\n",
        "Authorization: Basic czNjcmV0LXRva2Vu\r\n",
        "Authorization: s3cret-token\r\n",
    };
    reply_t r;
    for (size_t i = 0; i < XDC_ARRAY_SIZE(refused); i++) {
        request(port, "GET", "/v1/lag", refused[i], NULL, &r);
        assert_int_equal(r.status, 401);
        assert_header(&r, "WWW-Authenticate", "Bearer realm=\"xdc\"");
        assert_string_equal(r.body, "{\"error\":\"unauthorized\"}\n");
        reply_free(&r);
    }
    /* Routes are not revealed to a client without the token. */
    request(port, "GET", "/nope", NULL, NULL, &r);
    assert_int_equal(r.status, 401);
    reply_free(&r);
    /* Nor is a body read. */
    request(port, "POST", "/v1/echo", NULL, "{\"name\":\"x\"}", &r);
    assert_int_equal(r.status, 401);
    reply_free(&r);
    assert_int_equal(calls(fx), 0);

    request(port, "GET", "/v1/lag", "Authorization: Bearer " TOKEN "\r\n", NULL, &r);
    assert_int_equal(r.status, 200);
    reply_free(&r);
    request(port, "GET", "/v1/lag", "Authorization: bearer " TOKEN "\r\n", NULL, &r);
    assert_int_equal(r.status, 200);
    reply_free(&r);
    assert_int_equal(calls(fx), 2);
    http_server_free(srv);
}

static void test_http_empty_token_means_no_auth(void **state)
{
    fixture_t *fx = *state;
    http_server_t *srv = start(fx, "", 0);
    reply_t r;
    request(http_server_port(srv), "GET", "/v1/lag", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    reply_free(&r);
    http_server_free(srv);
}

static void test_http_oversize_body_413(void **state)
{
    fixture_t *fx = *state;
    http_server_t *srv = start(fx, NULL, 32);
    int port = http_server_port(srv);
    reply_t r;
    /* Refused on the declared length, before any body is sent. */
    const char *raw = "POST /v1/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                      "Content-Length: 100000000\r\n\r\n";
    exchange(port, raw, strlen(raw), &r);
    assert_int_equal(r.status, 413);
    assert_string_equal(r.body, "{\"error\":\"request body too large\",\"limit\":32}\n");
    reply_free(&r);

    request(port, "POST", "/v1/echo", NULL, "{\"name\":\"1234567890123456789012\"}", &r);
    assert_int_equal(r.status, 413); /* 33 bytes */
    reply_free(&r);
    assert_int_equal(calls(fx), 0);

    request(port, "POST", "/v1/echo", NULL, "{\"name\":\"123456789012345678901\"}", &r);
    assert_int_equal(r.status, 201); /* exactly 32 bytes */
    reply_free(&r);
    http_server_free(srv);
}

/* A chunked body has no declared length: it is counted as it arrives. */
static void test_http_oversize_chunked_body_413(void **state)
{
    fixture_t *fx = *state;
    http_server_t *srv = start(fx, NULL, 32);
    const char *raw = "POST /v1/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n"
                      "14\r\n{\"name\":\"aaaaaaaaaaa\r\n"
                      "14\r\naaaaaaaaaaaaaaaaaa\"}\r\n"
                      "0\r\n\r\n";
    reply_t r;
    exchange(http_server_port(srv), raw, strlen(raw), &r);
    assert_int_equal(r.status, 413);
    assert_string_equal(r.body, "{\"error\":\"request body too large\",\"limit\":32}\n");
    reply_free(&r);
    assert_int_equal(calls(fx), 0);

    const char *small = "POST /v1/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n"
                        "8\r\n{\"name\":\r\n"
                        "4\r\n\"abc\r\n"
                        "2\r\n\"}\r\n"
                        "0\r\n\r\n";
    exchange(http_server_port(srv), small, strlen(small), &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.body, "{\"method\":\"POST\",\"name_prefix\":\"abc\",\"len\":14}\n");
    reply_free(&r);
    http_server_free(srv);
}

static void test_http_handler_error_500(void **state)
{
    fixture_t *fx = *state;
    http_server_t *srv = start(fx, NULL, 0);
    reply_t r;
    request(http_server_port(srv), "GET", "/v1/fail", NULL, NULL, &r);
    assert_int_equal(r.status, 500);
    assert_string_equal(r.body, "{\"error\":\"operation not valid in the current state\"}\n");
    reply_free(&r);

    request(http_server_port(srv), "GET", "/v1/bad-status", NULL, NULL, &r);
    assert_int_equal(r.status, 500);
    assert_string_equal(r.body, "{\"error\":\"invalid response status\"}\n");
    reply_free(&r);
    http_server_free(srv);
}

static void test_http_text_body(void **state)
{
    fixture_t *fx = *state;
    http_server_t *srv = start(fx, NULL, 0);
    reply_t r;
    request(http_server_port(srv), "GET", "/v1/text", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_header(&r, "Content-Type", "text/plain; charset=utf-8");
    assert_string_equal(r.body, "hello\n");
    reply_free(&r);
    http_server_free(srv);
}

static void test_http_listen_failure_names_address(void **state)
{
    fixture_t *fx = *state;
    http_server_t *first = start(fx, NULL, 0);
    int port = http_server_port(first);
    char err[256] = "";
    http_server_conf_t conf = {
        .host = "127.0.0.1", .port = port, .routes = routes, .nroutes = XDC_ARRAY_SIZE(routes)};
    assert_null(http_server_new(&conf, err, sizeof(err)));
    char *want = xasprintf("http: cannot listen on 127.0.0.1:%d: Address already in use", port);
    assert_string_equal(err, want);
    free(want);
    http_server_free(first);
}

static void test_http_rejects_bad_conf(void **state)
{
    (void)state;
    static const http_route_t no_handler[] = {{"GET", "/a", NULL}};
    static const http_route_t no_slash[] = {{"GET", "a", on_text}};
    static const http_route_t dup[] = {{"GET", "/a", on_text}, {"GET", "/a", on_lag}};
    static const struct {
        http_server_conf_t conf;
        const char *err;
    } cases[] = {
        {{.host = "localhost"},
         "http: invalid listen address \"localhost\": expected an IPv4 or IPv6 literal such as "
         "127.0.0.1 or ::1"},
        {{.host = "127.0.0.1", .port = 70000}, "http: invalid listen address 127.0.0.1:70000"},
        {{.host = NULL}, "http: invalid listen address (null):0"},
        {{.host = "127.0.0.1", .routes = no_handler, .nroutes = 1},
         "http: route 0: needs a method, a path starting with '/' and a handler"},
        {{.host = "127.0.0.1", .routes = no_slash, .nroutes = 1},
         "http: route 0: needs a method, a path starting with '/' and a handler"},
        {{.host = "127.0.0.1", .routes = dup, .nroutes = 2}, "http: route 1: duplicate GET /a"},
    };
    for (size_t i = 0; i < XDC_ARRAY_SIZE(cases); i++) {
        char err[256] = "";
        assert_null(http_server_new(&cases[i].conf, err, sizeof(err)));
        assert_string_equal(err, cases[i].err);
    }
}

/* Freeing with a client mid-request closes its connection and frees the
 * request state (valgrind and ASan check the latter). */
static void test_http_free_with_open_connection(void **state)
{
    fixture_t *fx = *state;
    http_server_t *srv = start(fx, NULL, 0);
    int fd = client_connect(http_server_port(srv));
    const char *partial = "POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"na";
    client_send(fd, partial, strlen(partial));
    /* A complete exchange on a second connection proves the first request
     * has reached the server before it is torn down. */
    reply_t r;
    request(http_server_port(srv), "GET", "/v1/lag", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    reply_free(&r);
    http_server_free(srv);
    char c;
    ssize_t n = recv(fd, &c, 1, 0);
    assert_true(n == 0 || (n < 0 && errno == ECONNRESET));
    close(fd);
    http_server_free(NULL);
}

typedef struct log_capture {
    pthread_mutex_t lock;
    buf_t lines;
} log_capture_t;

static void capture_line(int level, const char *line, void *opaque)
{
    log_capture_t *c = opaque;
    (void)level;
    pthread_mutex_lock(&c->lock);
    buf_printf(&c->lines, "%s\n", line);
    pthread_mutex_unlock(&c->lock);
}

static void test_http_logs_each_request_at_debug(void **state)
{
    fixture_t *fx = *state;
    log_capture_t cap = {.lines = BUF_INIT};
    pthread_mutex_init(&cap.lock, NULL);
    log_set_sink(capture_line, &cap);
    log_setup(LOG_DEBUG, LOG_CTX_HTTP);
    http_server_t *srv = start(fx, NULL, 0);
    int port = http_server_port(srv);
    reply_t r;
    request(port, "GET", "/v1/lag?topic=a", NULL, NULL, &r);
    reply_free(&r);
    http_server_free(srv);
    log_setup(LOG_INFO, 0);
    log_set_sink(NULL, NULL);

    const char *all = buf_cstr(&cap.lines);
    char *want = xasprintf("http 127.0.0.1:%d: listening\n", port);
    assert_non_null(strstr(all, want));
    free(want);
    want = xasprintf("http 127.0.0.1:%d GET /v1/lag 200\n", port);
    assert_non_null(strstr(all, want));
    free(want);
    buf_close(&cap.lines);
    pthread_mutex_destroy(&cap.lock);
}

static void test_http_request_query_lookup(void **state)
{
    (void)state;
    /* Handlers can be called without a socket: build the request by hand. */
    static const http_query_arg_t q[] = {{"topic", "orders"}, {"flag", ""}, {"topic", "other"}};
    http_request_t req = {.method = "GET", .path = "/v1/lag", .query = q, .nquery = 3, .body = ""};
    assert_string_equal(http_request_query(&req, "topic"), "orders");
    assert_string_equal(http_request_query(&req, "flag"), "");
    assert_null(http_request_query(&req, "missing"));

    http_response_t resp = {.status = 200, .text = xstrdup("replaced")};
    http_response_error(&resp, 409, "conflict");
    assert_int_equal(resp.status, 409);
    assert_null(resp.text);
    char *s = xjson_dump_compact(resp.body);
    assert_string_equal(s, "{\"error\":\"conflict\"}");
    free(s);
    json_decref(resp.body);
}

/* The project's own client (common/httpc.h) against the server: what
 * `xdc lag` and `xdc status` do. */
static void test_http_client_round_trip(void **state)
{
    fixture_t *fx = *state;
    http_server_t *srv = start(fx, TOKEN, 0);
    char url[128], err[256] = "";
    httpc_response_t r;

    snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/lag?topic=a%%2Fb", http_server_port(srv));
    assert_int_equal(httpc_request("GET", url, TOKEN, NULL, 5000, &r, err, sizeof(err)), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body,
                        "{\"topic\":\"a/b\",\"partition\":null,\"flag\":false,\"nquery\":1}\n");
    httpc_response_free(&r);

    snprintf(url, sizeof(url), "http://localhost:%d/v1/echo", http_server_port(srv));
    assert_int_equal(
        httpc_request("POST", url, TOKEN, "{\"name\":\"dc\"}", 5000, &r, err, sizeof(err)), 0);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.body, "{\"method\":\"POST\",\"name_prefix\":\"dc\",\"len\":13}\n");
    httpc_response_free(&r);

    assert_int_equal(httpc_request("GET", url, NULL, NULL, 5000, &r, err, sizeof(err)), 0);
    assert_int_equal(r.status, 401);
    httpc_response_free(&r);

    /* A token that would break the header block is refused before sending. */
    assert_int_equal(httpc_request("GET", url, "t\r\nX-Evil: 1", NULL, 5000, &r, err, sizeof(err)),
                     XDC_ECONF);
    assert_non_null(strstr(err, "control character"));
    assert_int_equal(calls(fx), 2);
    http_server_free(srv);

    /* Nobody listens there any more: the error names the address. */
    assert_true(httpc_request("GET", url, NULL, NULL, 5000, &r, err, sizeof(err)) < 0);
    assert_null(r.body);
    if (!strstr(err, "cannot connect to localhost port"))
        fail_msg("unexpected error: %s", err);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_http_get_route_with_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_post_with_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_post_body_accumulates_across_reads, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_http_handler_bad_request_400, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_unknown_path_404, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_wrong_method_405, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_token_required, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_client_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_empty_token_means_no_auth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_oversize_body_413, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_oversize_chunked_body_413, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_handler_error_500, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_text_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_listen_failure_names_address, setup, teardown),
        cmocka_unit_test(test_http_rejects_bad_conf),
        cmocka_unit_test_setup_teardown(test_http_free_with_open_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_logs_each_request_at_debug, setup, teardown),
        cmocka_unit_test(test_http_request_query_lookup),
    };
    return cmocka_run_group_tests_name("common/http", tests, NULL, NULL);
}
