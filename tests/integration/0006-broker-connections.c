/* xdc-broker under many connections and bad input: 1,000 clients are all
 * answered while one pipelines thousands of requests, and a client sending
 * malformed or oversized frames is disconnected (with a log line naming
 * it) while the others keep working. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/lib/th_broker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define NCONN 1000

static th_broker_t g_brk;

/* ApiVersions v0 with CorrelationId @p corr: size, key 18, version 0,
 * correlation id, client id "t". */
static size_t api_versions_v0(uint8_t *out, int32_t corr)
{
    static const uint8_t tmpl[] = {0, 0, 0, 11, 0, 18, 0, 0, 0, 0, 0, 0, 0, 1, 't'};
    memcpy(out, tmpl, sizeof(tmpl));
    out[8] = (uint8_t)(corr >> 24), out[9] = (uint8_t)(corr >> 16);
    out[10] = (uint8_t)(corr >> 8), out[11] = (uint8_t)corr;
    return sizeof(tmpl);
}

static int connect_broker(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_brk.port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        fail_msg("connect: %s", strerror(errno));
    return fd;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Read one response frame; @return its CorrelationId, or -1 on EOF/timeout. */
static int32_t read_response(int fd, int timeout_ms)
{
    uint8_t hdr[8];
    size_t got = 0;
    struct pollfd pfd = {fd, POLLIN, 0};
    while (got < sizeof(hdr)) {
        if (poll(&pfd, 1, timeout_ms) <= 0)
            return -1;
        ssize_t r = read(fd, hdr + got, sizeof(hdr) - got);
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    uint32_t size = (uint32_t)hdr[0] << 24 | hdr[1] << 16 | hdr[2] << 8 | hdr[3];
    int32_t corr = (int32_t)((uint32_t)hdr[4] << 24 | hdr[5] << 16 | hdr[6] << 8 | hdr[7]);
    for (size_t left = size - 4; left > 0;) {
        uint8_t buf[4096];
        if (poll(&pfd, 1, timeout_ms) <= 0)
            return -1;
        ssize_t r = read(fd, buf, left < sizeof(buf) ? left : sizeof(buf));
        if (r <= 0)
            return -1;
        left -= (size_t)r;
    }
    return corr;
}

/* @return 1 when the broker closed @p fd (EOF), 0 if it is still open. */
static int closed_by_peer(int fd, int timeout_ms)
{
    struct pollfd pfd = {fd, POLLIN, 0};
    uint8_t b;
    return poll(&pfd, 1, timeout_ms) == 1 && read(fd, &b, 1) == 0;
}

static int setup(void **state)
{
    (void)state;
    /* The test holds NCONN sockets besides its own descriptors. */
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_max < NCONN + 100)
        fail_msg("need %d open files, the hard limit is %ld", NCONN + 100, (long)rl.rlim_max);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    static const char *const ov[] = {"socket.request.max.bytes=1048576", NULL};
    th_broker_start(&g_brk, th_tmpdir(), ov);
    return 0;
}

static int teardown(void **state)
{
    if (g_brk.proc)
        th_broker_stop(&g_brk, SIGTERM);
    return th_teardown(state);
}

static void test_connections_thousand_clients_all_answered(void **state)
{
    (void)state;
    int *fds = calloc(NCONN, sizeof(int));
    uint8_t req[16];
    /* One client pipelines 5,000 requests in one burst... */
    int heavy = connect_broker();
    uint8_t *burst = malloc(5000 * sizeof(req));
    size_t blen = 0;
    for (int i = 0; i < 5000; i++)
        blen += api_versions_v0(burst + blen, i);
    assert_int_equal(write_all(heavy, burst, blen), 0);
    /* ...while 1,000 others each send one. */
    for (int i = 0; i < NCONN; i++) {
        fds[i] = connect_broker();
        size_t n = api_versions_v0(req, 100000 + i);
        assert_int_equal(write_all(fds[i], req, n), 0);
    }
    for (int i = 0; i < NCONN; i++) {
        assert_int_equal(read_response(fds[i], th_ms(10000)), 100000 + i);
        close(fds[i]);
    }
    /* The pipelined answers come back complete and in order. */
    for (int i = 0; i < 5000; i++)
        assert_int_equal(read_response(heavy, th_ms(10000)), i);
    close(heavy);
    free(burst);
    free(fds);
}

static void check_bad_frame(const uint8_t *bytes, size_t n, const char *log_needle)
{
    int good = connect_broker(), bad = connect_broker();
    uint8_t req[16];
    assert_int_equal(write_all(bad, bytes, n), 0);
    assert_true(closed_by_peer(bad, th_ms(5000)));
    close(bad);
    size_t len = api_versions_v0(req, 7);
    assert_int_equal(write_all(good, req, len), 0);
    assert_int_equal(read_response(good, th_ms(5000)), 7);
    close(good);
    if (!strstr(th_broker_log(&g_brk), log_needle))
        fail_msg("broker log lacks '%s':\n%s", log_needle, th_broker_log(&g_brk));
}

static void test_connections_oversized_frame_closes_only_that_client(void **state)
{
    (void)state;
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff, 0, 18, 0, 0};
    check_bad_frame(huge, sizeof(huge), "socket.request.max.bytes=1048576");
}

static void test_connections_negative_frame_size_closes_only_that_client(void **state)
{
    (void)state;
    static const uint8_t neg[] = {0xff, 0xff, 0xff, 0xf0, 0, 18, 0, 0, 0, 0, 0, 1};
    check_bad_frame(neg, sizeof(neg), "bad request frame");
}

static void test_connections_unknown_api_closes_only_that_client(void **state)
{
    (void)state;
    static const uint8_t unk[] = {0, 0, 0, 10, 0x7f, 0x00, 0, 0, 0, 0, 0, 9, 0, 0};
    check_bad_frame(unk, sizeof(unk), "unknown ApiKey 32512");
}

static void test_connections_truncated_body_closes_only_that_client(void **state)
{
    (void)state;
    /* Metadata v4 whose topic array claims more entries than bytes follow. */
    static const uint8_t md[] = {0, 0, 0, 16, 0,   3,    0,    4,    0,    0,
                                 0, 5, 0, 1,  't', 0x00, 0x10, 0x00, 0x00, 0x00};
    check_bad_frame(md, sizeof(md), "Metadata v4 corr=5: malformed input");
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_connections_thousand_clients_all_answered),
        T(test_connections_oversized_frame_closes_only_that_client),
        T(test_connections_negative_frame_size_closes_only_that_client),
        T(test_connections_unknown_api_closes_only_that_client),
        T(test_connections_truncated_body_closes_only_that_client),
    };
    return cmocka_run_group_tests_name("broker_connections", tests, NULL, NULL);
}
