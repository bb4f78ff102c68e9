#include "common/httpc.h"

#include "common/clock.h"
#include "common/err.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

int httpc_url_parse(const char *url, httpc_url_t *out, char *err, size_t errlen)
{
    const char *p, *host_end, *path;
    size_t hl;

    memset(out, 0, sizeof(*out));
    if (strncasecmp(url, "http://", 7) != 0) {
        xdc_errbuf(err, errlen, "URL '%s': only http:// is supported", url);
        return XDC_ECONF;
    }
    p = url + 7;
    path = p + strcspn(p, "/?#");
    if (*p == '[') {
        host_end = memchr(p, ']', (size_t)(path - p));
        if (!host_end) {
            xdc_errbuf(err, errlen, "URL '%s': '[' without ']'", url);
            return XDC_ECONF;
        }
        hl = (size_t)(host_end - p - 1);
        p++;
        host_end++;
    } else {
        host_end = memchr(p, ':', (size_t)(path - p));
        if (!host_end)
            host_end = path;
        hl = (size_t)(host_end - p);
    }
    if (hl == 0 || hl >= sizeof(out->host)) {
        xdc_errbuf(err, errlen, "URL '%s': %s host", url, hl ? "too long a" : "no");
        return XDC_ECONF;
    }
    memcpy(out->host, p, hl);
    if (*host_end == ':') {
        char *e;
        long port = strtol(host_end + 1, &e, 10);
        if (e != path || port < 1 || port > 65535) {
            xdc_errbuf(err, errlen, "URL '%s': port must be 1..65535", url);
            return XDC_ECONF;
        }
        snprintf(out->port, sizeof(out->port), "%ld", port);
    } else if (host_end != path) {
        xdc_errbuf(err, errlen, "URL '%s': unexpected characters after the host", url);
        return XDC_ECONF;
    } else {
        strcpy(out->port, "80");
    }
    if (*path == '#')
        path = "";
    if (strlen(path) + 1 >= sizeof(out->path)) {
        xdc_errbuf(err, errlen, "URL '%s': path too long", url);
        return XDC_ECONF;
    }
    snprintf(out->path, sizeof(out->path), "%s%.*s", *path == '/' ? "" : "/",
             (int)strcspn(path, "#"), path);
    return 0;
}

/* The value of header @p name in the header block [@p hdrs, @p end), or NULL.
 * Borrowed; ends at "\r\n". */
static const char *header_value(const char *hdrs, const char *end, const char *name)
{
    size_t nl = strlen(name);

    for (const char *l = hdrs; l < end;) {
        const char *eol = strstr(l, "\r\n");
        if (!eol || eol > end)
            eol = end;
        if ((size_t)(eol - l) > nl && strncasecmp(l, name, nl) == 0 && l[nl] == ':') {
            const char *v = l + nl + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            return v;
        }
        l = eol + 2;
    }
    return NULL;
}

/* Decode a chunked body in place: [@p p, @p end) becomes the plain bytes.
 * @return the decoded length, or -1. */
static long unchunk(char *p, const char *end)
{
    char *start = p, *w = p;

    for (;;) {
        char *after;
        unsigned long size = strtoul(p, &after, 16);
        char *eol = after < end ? strstr(after, "\r\n") : NULL;
        if (after == p || !eol || eol + 2 > end)
            return -1;
        p = eol + 2;
        if (size == 0) /* trailers, if any, are ignored */
            return (long)(w - start);
        if ((size_t)(end - p) < size + 2 || p[size] != '\r' || p[size + 1] != '\n')
            return -1;
        memmove(w, p, size);
        w += size;
        p += size + 2;
    }
}

int httpc_response_parse(char *raw, size_t len, httpc_response_t *out, char *err, size_t errlen)
{
    char *end = raw + len, *hdr_end, *b;
    const char *te, *cl;
    long blen;
    int minor, n = 0;

    memset(out, 0, sizeof(*out));
    /* The caller's buffer is NUL-terminated past len (see recv_all), so the
     * string functions stop there at worst. */
    hdr_end = strstr(raw, "\r\n\r\n");
    if (!hdr_end || sscanf(raw, "HTTP/1.%d %3d%n", &minor, &out->status, &n) != 2 || n != 12 ||
        out->status < 100 || (raw[12] != ' ' && raw[12] != '\r')) {
        xdc_errbuf(err, errlen, "not an HTTP/1.x response: '%.40s'", raw);
        return XDC_EMALFORMED;
    }
    b = hdr_end + 4;
    blen = end - b;
    te = header_value(raw, hdr_end + 2, "Transfer-Encoding");
    cl = header_value(raw, hdr_end + 2, "Content-Length");
    if (te && strncasecmp(te, "chunked", 7) == 0) {
        blen = unchunk(b, end);
        if (blen < 0) {
            xdc_errbuf(err, errlen, "malformed or truncated chunked body");
            return XDC_EMALFORMED;
        }
    } else if (cl) {
        char *e;
        long want = strtol(cl, &e, 10);
        if (e == cl || want < 0 || want > blen) {
            xdc_errbuf(err, errlen, "Content-Length %.*s but %ld body bytes",
                       (int)strcspn(cl, "\r\n"), cl, blen);
            return XDC_EMALFORMED;
        }
        blen = want;
    }
    out->body = malloc((size_t)blen + 1);
    if (!out->body)
        return -ENOMEM;
    memcpy(out->body, b, (size_t)blen);
    out->body[blen] = '\0';
    out->body_len = (size_t)blen;
    return 0;
}

void httpc_response_free(httpc_response_t *r)
{
    free(r->body);
    r->body = NULL;
    r->body_len = 0;
}

/* Wait until @p fd is ready for @p events or @p deadline_ms (xdc_mono_ms)
 * passes.  @return 0 or -ETIMEDOUT / -errno. */
static int wait_fd(int fd, short events, int64_t deadline_ms)
{
    for (;;) {
        int64_t left = deadline_ms - xdc_mono_ms();
        struct pollfd pfd = {.fd = fd, .events = events};
        if (left <= 0)
            return -ETIMEDOUT;
        int n = poll(&pfd, 1, (int)(left > 60000 ? 60000 : left));
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return -errno;
    }
}

/* Connect to the first address of @p u that answers before the deadline.
 * @return the non-blocking descriptor, or a negative code. */
static int connect_url(const httpc_url_t *u, int64_t deadline_ms)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res, *ai;
    int rc = getaddrinfo(u->host, u->port, &hints, &res), fd = -1;

    if (rc != 0)
        return rc == EAI_SYSTEM ? -errno : XDC_ENOTFOUND;
    rc = -ECONNREFUSED;
    for (ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
            rc = -errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            int soerr = errno;
            socklen_t sl = sizeof(soerr);
            if (soerr == EINPROGRESS && (rc = wait_fd(fd, POLLOUT, deadline_ms)) == 0 &&
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
                break;
            if (soerr != EINPROGRESS)
                rc = -soerr;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd >= 0 ? fd : rc;
}

static int send_all(int fd, const char *p, size_t len, int64_t deadline_ms)
{
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            int rc = wait_fd(fd, POLLOUT, deadline_ms);
            if (rc < 0)
                return rc;
            continue;
        }
        if (n < 0)
            return -errno;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Read until the peer closes.  @param out caller-owned, NUL-terminated.
 * @return the length, or a negative code. */
static long recv_all(int fd, char **out, int64_t deadline_ms)
{
    size_t len = 0, cap = 4096;
    char *buf = xmalloc(cap);

    for (;;) {
        ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
        int rc = 0;
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            rc = wait_fd(fd, POLLIN, deadline_ms);
        else if (n < 0)
            rc = -errno;
        else if (len + (size_t)n > HTTPC_MAX_RESPONSE)
            rc = XDC_ETOOBIG;
        if (rc < 0) {
            free(buf);
            return rc;
        }
        if (n == 0)
            break;
        if (n < 0)
            continue;
        len += (size_t)n;
        if (cap - len == 1)
            buf = xrealloc(buf, cap *= 2);
    }
    buf[len] = '\0';
    *out = buf;
    return (long)len;
}

/* The request bytes.  @return caller-owned. */
static char *build_request(const char *method, const httpc_url_t *u, const char *token,
                           const char *body)
{
    int v6 = strchr(u->host, ':') != NULL;
    char *auth = token ? xasprintf("Authorization: Bearer %s\r\n", token) : xstrdup("");
    char *req = xasprintf("%s %s HTTP/1.1\r\nHost: %s%s%s:%s\r\nAccept: application/json\r\n"
                          "Connection: close\r\n%s%sContent-Length: %zu\r\n\r\n%s",
                          method, u->path, v6 ? "[" : "", u->host, v6 ? "]" : "", u->port, auth,
                          body ? "Content-Type: application/json\r\n" : "", body ? strlen(body) : 0,
                          body ? body : "");
    free(auth);
    return req;
}

int httpc_request(const char *method, const char *url, const char *token, const char *body,
                  int timeout_ms, httpc_response_t *out, char *err, size_t errlen)
{
    httpc_url_t u;
    int64_t deadline = xdc_mono_ms() + timeout_ms;
    int rc, fd;
    char *req, *raw = NULL, perr[256];
    long len;

    memset(out, 0, sizeof(*out));
    rc = httpc_url_parse(url, &u, err, errlen);
    if (rc < 0)
        return rc;
    /* A token with a line break would smuggle headers into the request. */
    for (const char *t = token; t && *t; t++)
        if ((unsigned char)*t < 0x20 || *t == 0x7f) {
            xdc_errbuf(err, errlen, "%s: the bearer token contains a control character", url);
            return XDC_ECONF;
        }
    fd = connect_url(&u, deadline);
    if (fd < 0) {
        xdc_errbuf(err, errlen, "%s: cannot connect to %s port %s: %s", url, u.host, u.port,
                   fd == XDC_ENOTFOUND ? "host not found" : xdc_strerror(fd));
        return fd;
    }
    req = build_request(method, &u, token, body);
    /* The deadline is per phase: connecting may take most of it on a busy
     * host, the exchange gets the full timeout again. */
    deadline = xdc_mono_ms() + timeout_ms;
    rc = send_all(fd, req, strlen(req), deadline);
    len = rc < 0 ? rc : recv_all(fd, &raw, deadline);
    free(req);
    close(fd);
    if (len < 0) {
        xdc_errbuf(err, errlen, "%s: %s", url, xdc_strerror((int)len));
        return (int)len;
    }
    rc = httpc_response_parse(raw, (size_t)len, out, perr, sizeof(perr));
    free(raw);
    if (rc < 0)
        xdc_errbuf(err, errlen, "%s: %s", url, rc == -ENOMEM ? "out of memory" : perr);
    return rc;
}
