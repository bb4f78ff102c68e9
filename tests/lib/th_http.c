#include "tests/lib/th_http.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/lib/th.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* Responses larger than this are refused: the APIs answer small JSON. */
#define TH_HTTP_MAX (64u << 20)

/* A connected socket to 127.0.0.1:@p port with send and receive timeouts.
 * @return the descriptor, or -errno. */
static int th_http_connect(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int ms = th_ms(10000);
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), e;

    if (fd < 0)
        return -errno;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
        connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        e = errno;
        close(fd);
        return e == EINPROGRESS || e == EAGAIN ? -ETIMEDOUT : -e;
    }
    return fd;
}

static int th_http_send(int fd, const char *req, size_t len)
{
    size_t off = 0;

    while (off < len) {
        ssize_t n = send(fd, req + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno == EAGAIN ? -ETIMEDOUT : -errno;
        off += (size_t)n;
    }
    return 0;
}

/* Read until the peer closes.  @param out caller-owned, NUL-terminated.
 * @return the length, or -errno. */
static long th_http_recv_all(int fd, char **out)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap), *nb;

    while (buf) {
        ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || len + (size_t)n > TH_HTTP_MAX) {
            int e = n < 0 ? (errno == EAGAIN ? ETIMEDOUT : errno) : EMSGSIZE;
            free(buf);
            return -e;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (cap - len == 1) {
            nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    if (!buf)
        return -ENOMEM;
    buf[len] = '\0';
    *out = buf;
    return (long)len;
}

/* The value of header @p name in the header block [@p hdrs, @p end), or NULL.
 * Borrowed; ends at "\r\n". */
static const char *th_http_header(const char *hdrs, const char *end, const char *name)
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
 * @return the decoded length, or -EPROTO. */
static long th_http_unchunk(char *p, const char *end)
{
    char *start = p, *w = p;

    for (;;) {
        char *after;
        unsigned long size = strtoul(p, &after, 16);
        char *eol = after < end ? strstr(after, "\r\n") : NULL;
        if (after == p || !eol || eol + 2 > end)
            return -EPROTO;
        p = eol + 2;
        if (size == 0) /* trailers, if any, are ignored */
            return (long)(w - start);
        if ((size_t)(end - p) < size + 2 || p[size] != '\r' || p[size + 1] != '\n')
            return -EPROTO;
        memmove(w, p, size);
        w += size;
        p += size + 2;
    }
}

/* Split the raw response @p raw of @p len bytes into status and body.
 * @return 0, or -EPROTO. */
static int th_http_parse(char *raw, size_t len, int *status, char **body)
{
    char *end = raw + len, *hdr_end = strstr(raw, "\r\n\r\n"), *b;
    const char *te, *cl;
    long blen;
    int minor;

    if (!hdr_end || sscanf(raw, "HTTP/1.%d %d", &minor, status) != 2)
        return -EPROTO;
    b = hdr_end + 4;
    blen = end - b;
    te = th_http_header(raw, hdr_end + 2, "Transfer-Encoding");
    cl = th_http_header(raw, hdr_end + 2, "Content-Length");
    if (te && strncasecmp(te, "chunked", 7) == 0) {
        blen = th_http_unchunk(b, end);
        if (blen < 0)
            return (int)blen;
    } else if (cl) {
        char *e;
        long want = strtol(cl, &e, 10);
        if (e == cl || want < 0 || want > blen)
            return -EPROTO;
        blen = want;
    }
    *body = malloc((size_t)blen + 1);
    if (!*body)
        return -ENOMEM;
    memcpy(*body, b, (size_t)blen);
    (*body)[blen] = '\0';
    return 0;
}

int th_http_get(int port, const char *path, int *status, char **body)
{
    char req[2048], *raw = NULL;
    int fd, n, rc;
    long len;

    *body = NULL;
    *status = 0;
    n = snprintf(req, sizeof(req),
                 "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: */*\r\n"
                 "Connection: close\r\n\r\n",
                 path, port);
    if (n < 0 || (size_t)n >= sizeof(req))
        return -ENAMETOOLONG;
    fd = th_http_connect(port);
    if (fd < 0)
        return fd;
    rc = th_http_send(fd, req, (size_t)n);
    len = rc < 0 ? rc : th_http_recv_all(fd, &raw);
    close(fd);
    if (len < 0)
        return (int)len;
    rc = th_http_parse(raw, (size_t)len, status, body);
    free(raw);
    return rc;
}

json_t *th_http_get_json(int port, const char *path)
{
    char *body = NULL, head[256];
    int status = 0, rc = th_http_get(port, path, &status, &body);
    json_error_t jerr;
    json_t *j = NULL;

    if (rc < 0)
        fail_msg("GET 127.0.0.1:%d%s: %s", port, path, strerror(-rc));
    /* Keep the start of the body for the message: it is freed before failing. */
    snprintf(head, sizeof(head), "%s", body);
    if (status == 200)
        j = json_loads(body, JSON_REJECT_DUPLICATES, &jerr);
    free(body);
    if (status != 200)
        fail_msg("GET 127.0.0.1:%d%s: status %d, want 200: %s", port, path, status, head);
    if (!j)
        fail_msg("GET 127.0.0.1:%d%s: not JSON (%s at %d:%d): %s", port, path, jerr.text, jerr.line,
                 jerr.column, head);
    return j;
}
