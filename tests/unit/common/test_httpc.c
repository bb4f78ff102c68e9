#include "common/httpc.h"

#include "common/err.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

/* The server-facing half (connect, send, read to the close) is exercised
 * against the real server in test_http.c; these cases cover the parsers. */

static void url_ok(const char *url, const char *host, const char *port, const char *path)
{
    httpc_url_t u;
    char err[256] = "";
    if (httpc_url_parse(url, &u, err, sizeof(err)) != 0)
        fail_msg("%s: %s", url, err);
    assert_string_equal(u.host, host);
    assert_string_equal(u.port, port);
    assert_string_equal(u.path, path);
}

static void url_bad(const char *url, const char *want)
{
    httpc_url_t u;
    char err[256] = "";
    assert_int_equal(httpc_url_parse(url, &u, err, sizeof(err)), XDC_ECONF);
    if (!strstr(err, want))
        fail_msg("%s: error '%s' does not name '%s'", url, err, want);
}

static void test_httpc_url_forms(void **state)
{
    (void)state;
    url_ok("http://127.0.0.1:9309/v1/lag", "127.0.0.1", "9309", "/v1/lag");
    url_ok("http://mirror.dc1", "mirror.dc1", "80", "/");
    url_ok("HTTP://localhost:8080", "localhost", "8080", "/");
    url_ok("http://[::1]:9309/v1/lag?flow=a-%3Eb", "::1", "9309", "/v1/lag?flow=a-%3Eb");
    url_ok("http://[::1]", "::1", "80", "/");
    url_ok("http://h?x=1#frag", "h", "80", "/?x=1");
}

static void test_httpc_url_errors_name_the_problem(void **state)
{
    (void)state;
    url_bad("https://h/v1/lag", "only http://");
    url_bad("127.0.0.1:9309", "only http://");
    url_bad("http://:9309/", "no host");
    url_bad("http://h:0/", "port must be 1..65535");
    url_bad("http://h:65536/", "port must be 1..65535");
    url_bad("http://h:80x/", "port must be 1..65535");
    url_bad("http://[::1/", "without ']'");
    url_bad("http://[::1]x/", "after the host");
}

/* Parse @p text (copied: the parser writes into its buffer). */
static int parse(const char *text, httpc_response_t *r, char *err, size_t errlen)
{
    size_t n = strlen(text);
    char *raw = malloc(n + 1);
    memcpy(raw, text, n + 1);
    int rc = httpc_response_parse(raw, n, r, err, errlen);
    free(raw);
    return rc;
}

static void test_httpc_response_bodies(void **state)
{
    (void)state;
    httpc_response_t r;
    char err[256] = "";

    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", &r, err, 256), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 5);
    assert_string_equal(r.body, "hello");
    httpc_response_free(&r);

    /* Bytes past Content-Length are not body. */
    assert_int_equal(
        parse("HTTP/1.1 404 Not Found\r\ncontent-length:2\r\n\r\n{}junk", &r, err, 256), 0);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body, "{}");
    httpc_response_free(&r);

    assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "4\r\n{\"a\"\r\na;ext=1\r\n:[1,2,3]}\n\r\n0\r\n\r\n",
                           &r, err, 256),
                     0);
    assert_string_equal(r.body, "{\"a\":[1,2,3]}\n");
    httpc_response_free(&r);

    /* Neither header: the body runs to the close. */
    assert_int_equal(parse("HTTP/1.0 503 Service Unavailable\r\n\r\ndown", &r, err, 256), 0);
    assert_int_equal(r.status, 503);
    assert_string_equal(r.body, "down");
    httpc_response_free(&r);
}

static void bad_response(const char *text, const char *want)
{
    httpc_response_t r;
    char err[256] = "";
    assert_int_equal(parse(text, &r, err, sizeof(err)), XDC_EMALFORMED);
    assert_null(r.body);
    if (!strstr(err, want))
        fail_msg("error '%s' does not name '%s'", err, want);
}

static void test_httpc_response_malformed(void **state)
{
    (void)state;
    bad_response("", "not an HTTP/1.x response");
    bad_response("SSH-2.0-OpenSSH_9.2\r\n\r\n", "not an HTTP/1.x response");
    bad_response("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", "not an HTTP/1.x response");
    bad_response("HTTP/1.1 20 OK\r\n\r\n", "not an HTTP/1.x response");
    bad_response("HTTP/1.1 2000 OK\r\n\r\n", "not an HTTP/1.x response");
    bad_response("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort", "Content-Length 9 but 5");
    bad_response("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "Content-Length -1");
    bad_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nshort\r\n",
                 "chunked body");
    bad_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "chunked body");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_httpc_url_forms),
        cmocka_unit_test(test_httpc_url_errors_name_the_problem),
        cmocka_unit_test(test_httpc_response_bodies),
        cmocka_unit_test(test_httpc_response_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
