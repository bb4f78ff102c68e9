/* A broker probe: TCP connect, then ApiVersions v0, each within a
 * deadline. Hand-written on purpose: it must stay cheap every interval and
 * bounded when a broker hangs, which a librdkafka client is not. */
#include "failover/fo_int.h"

#include "common/clock.h"
#include "common/err.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROBE_CLIENT_ID "xdc-failover.probe"

static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - xdc_mono_ms();
        if (left <= 0)
            return -ETIMEDOUT;
        struct pollfd p = {fd, events, 0};
        int r = poll(&p, 1, (int)left);
        if (r > 0)
            return 0;
        if (r < 0 && errno != EINTR)
            return -errno;
    }
}

static int connect_to(const char *host, const char *port, int64_t deadline)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
    if (getaddrinfo(host, port, &hints, &ai) != 0)
        return -EHOSTUNREACH;
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int rc = fd < 0 ? -errno : 0;
    if (!rc && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS)
        rc = -errno;
    freeaddrinfo(ai);
    if (!rc && (rc = wait_fd(fd, POLLOUT, deadline)) == 0) {
        int err = 0;
        socklen_t len = sizeof(err);
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        rc = -err;
    }
    if (rc) {
        if (fd >= 0)
            close(fd);
        return rc;
    }
    return fd;
}

static int io_all(int fd, uint8_t *buf, size_t n, int writing, int64_t deadline)
{
    for (size_t done = 0; done < n;) {
        int rc = wait_fd(fd, writing ? POLLOUT : POLLIN, deadline);
        if (rc)
            return rc;
        ssize_t k = writing ? send(fd, buf + done, n - done, MSG_NOSIGNAL)
                            : recv(fd, buf + done, n - done, 0);
        if (k == 0)
            return -ECONNRESET;
        if (k < 0 && errno != EAGAIN && errno != EINTR)
            return -errno;
        if (k > 0)
            done += (size_t)k;
    }
    return 0;
}

static void put16(uint8_t *p, int v)
{
    p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, int32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
    p[3] = (uint8_t)v;
}

static int32_t get32(const uint8_t *p)
{
    return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

/* ApiVersions v0: size, ApiKey 18, ApiVersion 0, CorrelationId, ClientId;
 * the answer: size, CorrelationId, ErrorCode, ... */
static int api_versions(int fd, int64_t deadline, char *why, size_t len)
{
    uint8_t req[64];
    size_t id = strlen(PROBE_CLIENT_ID), n = 4 + 2 + 2 + 4 + 2 + id;
    put32(req, (int32_t)(n - 4));
    put16(req + 4, 18);
    put16(req + 6, 0);
    put32(req + 8, 0x78646331); /* "xdc1" */
    put16(req + 12, (int)id);
    memcpy(req + 14, PROBE_CLIENT_ID, id);
    uint8_t resp[10];
    int rc = io_all(fd, req, n, 1, deadline);
    if (!rc)
        rc = io_all(fd, resp, sizeof(resp), 0, deadline);
    if (rc) {
        xdc_errbuf(why, len, "ApiVersions: %s", strerror(-rc));
        return rc;
    }
    int32_t size = get32(resp), corr = get32(resp + 4);
    int err = resp[8] << 8 | resp[9];
    if (size < 6 || corr != 0x78646331 || err != 0) {
        xdc_errbuf(why, len, "ApiVersions: bad answer (size %d, error %d)", size, err);
        return XDC_EMALFORMED;
    }
    return 0;
}

int fo__probe_broker(const char *hostport, int timeout_ms, char *why, size_t len)
{
    char host[256], port[16];
    const char *colon = strrchr(hostport, ':');
    if (!colon) {
        xdc_errbuf(why, len, "'%s' is not host:port", hostport);
        return XDC_ECONF;
    }
    snprintf(host, sizeof(host), "%.*s", (int)(colon - hostport), hostport);
    if (host[0] == '[')
        snprintf(host, sizeof(host), "%.*s", (int)(colon - hostport) - 2, hostport + 1);
    snprintf(port, sizeof(port), "%s", colon + 1);
    int64_t deadline = xdc_mono_ms() + timeout_ms;
    int fd = connect_to(host, port, deadline);
    if (fd < 0) {
        xdc_errbuf(why, len, "connect: %s", strerror(-fd));
        return fd;
    }
    int rc = api_versions(fd, deadline, why, len);
    close(fd);
    return rc;
}
