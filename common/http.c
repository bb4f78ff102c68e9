#include "common/http.h"

#include "common/buf.h"
#include "common/err.h"
#include "common/json.h"
#include "common/log.h"
#include "common/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* Idle keep-alive connections are closed after this, so a client that
 * opens sockets and goes quiet cannot hold the server's slots forever. */
#define HTTP_IDLE_TIMEOUT_S 30u

struct http_server {
    struct MHD_Daemon *mhd;
    http_route_t *routes; /* deep copy of conf->routes */
    size_t nroutes;
    char *token; /* NULL when auth is off */
    bool token_writes_only;
    void *opaque;
    size_t max_body;
    int port;
    char label[INET6_ADDRSTRLEN + 16]; /* "127.0.0.1:8080", "[::1]:8080": log subject */
};

/* One request in flight: MHD's per-request pointer (*con_cls), created on
 * the first access-handler call and freed by http_on_completed(). */
typedef struct http_exchange {
    const http_route_t *route;
    buf_t body;
    bool too_big; /* a chunked body overran max_body; answer 413 at the end */
    http_query_arg_t *query;
    size_t nquery;
} http_exchange_t;

typedef struct http_addr {
    struct sockaddr_storage ss;
    socklen_t len;
} http_addr_t;

/* --- responses ----------------------------------------------------------- */

/* Queue @p data (taken, free()d by MHD) as the answer and log the exchange. */
static enum MHD_Result http_queue(const http_server_t *srv, struct MHD_Connection *conn,
                                  const char *method, const char *url, int status, char *data,
                                  size_t len, const char *ctype, const char *hname,
                                  const char *hvalue)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(data);
        return MHD_NO;
    }
    if (ctype)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    if (hname)
        MHD_add_response_header(r, hname, hvalue);
    enum MHD_Result ok = MHD_queue_response(conn, (unsigned)status, r);
    MHD_destroy_response(r);
    log_debug(LOG_CTX_HTTP, "http %s %s %s %d", srv->label, method, url, status);
    return ok;
}

/* Queue @p body (reference taken) compact + "\n" with one optional header. */
static enum MHD_Result http_queue_json(const http_server_t *srv, struct MHD_Connection *conn,
                                       const char *method, const char *url, int status,
                                       json_t *body, const char *hname, const char *hvalue)
{
    buf_t data = BUF_INIT;
    if (xjson_dump_append(body, &data) < 0) {
        /* Only a handler's value can fail here (a cycle, say): ours are built
         * from lossy strings. */
        log_warn("http %s %s %s: response body cannot be encoded as JSON", srv->label, method, url);
        buf_reset(&data);
        buf_append_str(&data, "{\"error\":\"response body cannot be encoded\"}");
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        hname = NULL;
    }
    json_decref(body);
    buf_append(&data, "\n", 1);
    return http_queue(srv, conn, method, url, status, (char *)data.data, data.len,
                      "application/json", hname, hvalue);
}

static enum MHD_Result http_queue_unauthorized(const http_server_t *srv,
                                               struct MHD_Connection *conn, const char *method,
                                               const char *url)
{
    return http_queue_json(srv, conn, method, url, MHD_HTTP_UNAUTHORIZED,
                           xjson_error_body("unauthorized"), MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                           "Bearer realm=\"xdc\"");
}

static enum MHD_Result http_queue_not_found(const http_server_t *srv, struct MHD_Connection *conn,
                                            const char *method, const char *url)
{
    json_t *body = xjson_error_body("not found");
    json_object_set_new(body, "path", xjson_string_lossy(url));
    return http_queue_json(srv, conn, method, url, MHD_HTTP_NOT_FOUND, body, NULL, NULL);
}

static enum MHD_Result http_queue_bad_method(const http_server_t *srv, struct MHD_Connection *conn,
                                             const char *method, const char *url)
{
    buf_t allow = BUF_INIT;
    for (size_t i = 0; i < srv->nroutes; i++) {
        if (strcmp(srv->routes[i].path, url) != 0)
            continue;
        if (allow.len)
            buf_append_str(&allow, ", ");
        buf_append_str(&allow, srv->routes[i].method);
    }
    json_t *body = xjson_error_body("method not allowed");
    json_object_set_new(body, "method", xjson_string_lossy(method));
    enum MHD_Result ok = http_queue_json(srv, conn, method, url, MHD_HTTP_METHOD_NOT_ALLOWED, body,
                                         MHD_HTTP_HEADER_ALLOW, buf_cstr(&allow));
    buf_close(&allow);
    return ok;
}

static enum MHD_Result http_queue_too_big(const http_server_t *srv, struct MHD_Connection *conn,
                                          const char *method, const char *url)
{
    json_t *body = xjson_error_body("request body too large");
    json_object_set_new(body, "limit", json_integer((json_int_t)srv->max_body));
    return http_queue_json(srv, conn, method, url, MHD_HTTP_CONTENT_TOO_LARGE, body, NULL, NULL);
}

/* Send what a handler left in @p resp; takes its body and text. */
static enum MHD_Result http_queue_handler_response(const http_server_t *srv,
                                                   struct MHD_Connection *conn, const char *method,
                                                   const char *url, http_response_t *resp)
{
    if (resp->body)
        return http_queue_json(srv, conn, method, url, resp->status, resp->body, NULL, NULL);
    if (resp->text) {
        const char *ctype = resp->content_type ? resp->content_type : "text/plain; charset=utf-8";
        return http_queue(srv, conn, method, url, resp->status, resp->text, strlen(resp->text),
                          ctype, NULL, NULL);
    }
    return http_queue_json(srv, conn, method, url, resp->status, json_object(), NULL, NULL);
}

void http_response_error(http_response_t *resp, int status, const char *msg)
{
    json_decref(resp->body);
    free(resp->text);
    resp->text = NULL;
    resp->status = status;
    resp->body = xjson_error_body(msg);
}

/* --- requests ------------------------------------------------------------ */

/* Compare in time that depends only on the length of @p want, so response
 * timing does not tell a client how much of its guess was right. */
static bool http_token_equal(const char *got, const char *want)
{
    size_t glen = strlen(got);
    size_t wlen = strlen(want);
    volatile unsigned diff = glen != wlen;
    for (size_t i = 0; i < wlen; i++)
        diff |= (unsigned char)want[i] ^ (unsigned char)(i < glen ? got[i] : 0);
    return diff == 0;
}

static bool http_authorized(const http_server_t *srv, struct MHD_Connection *conn,
                            const char *method)
{
    static const char scheme[] = "Bearer ";
    if (!srv->token)
        return true;
    if (srv->token_writes_only && (!strcmp(method, "GET") || !strcmp(method, "HEAD")))
        return true;
    const char *h =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || strncasecmp(h, scheme, sizeof(scheme) - 1) != 0) /* scheme is case-insensitive */
        return false;
    return http_token_equal(h + sizeof(scheme) - 1, srv->token);
}

/* @return the route for @p method and @p path, or NULL; then *path_known
 * tells a wrong method (405) from an unknown path (404). */
static const http_route_t *http_route_find(const http_server_t *srv, const char *method,
                                           const char *path, bool *path_known)
{
    *path_known = false;
    for (size_t i = 0; i < srv->nroutes; i++) {
        const char *rp = srv->routes[i].path;
        size_t n = strlen(rp);
        if (n && rp[n - 1] == '*' ? strncmp(rp, path, n - 1) != 0 : strcmp(rp, path) != 0)
            continue;
        *path_known = true;
        if (strcmp(srv->routes[i].method, method) == 0)
            return &srv->routes[i];
    }
    return NULL;
}

static bool http_declared_too_big(const http_server_t *srv, struct MHD_Connection *conn)
{
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (!cl)
        return false;
    /* MHD has already rejected a malformed Content-Length with 400. */
    errno = 0;
    unsigned long long n = strtoull(cl, NULL, 10);
    return errno == ERANGE || n > srv->max_body;
}

/* The first call for a request has the headers but no body yet. Refuse
 * what we can now, before reading a body nobody will use; MHD then closes
 * the connection instead of draining it, and makes no further calls for the
 * request, so every later call finds x->route set. */
static enum MHD_Result http_begin(const http_server_t *srv, struct MHD_Connection *conn,
                                  http_exchange_t *x, const char *method, const char *url)
{
    if (!http_authorized(srv, conn, method))
        return http_queue_unauthorized(srv, conn, method, url);
    bool path_known;
    x->route = http_route_find(srv, method, url, &path_known);
    if (!x->route && path_known)
        return http_queue_bad_method(srv, conn, method, url);
    if (!x->route)
        return http_queue_not_found(srv, conn, method, url);
    if (http_declared_too_big(srv, conn))
        return http_queue_too_big(srv, conn, method, url);
    return MHD_YES;
}

/* Chunked bodies announce no length, so count as they arrive; past the cap
 * keep reading and dropping, and answer 413 after the last chunk. */
static void http_body_append(const http_server_t *srv, http_exchange_t *x, const char *data,
                             size_t n)
{
    if (x->too_big || n > srv->max_body - x->body.len) {
        x->too_big = true;
        buf_close(&x->body);
        return;
    }
    buf_append(&x->body, data, n);
}

static enum MHD_Result http_collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                          const char *value)
{
    http_exchange_t *x = cls;
    (void)kind;
    /* The count is bounded by MHD's per-connection memory pool. */
    x->query = xrealloc(x->query, (x->nquery + 1) * sizeof(*x->query));
    x->query[x->nquery].key = key;
    x->query[x->nquery].value = value ? value : "";
    x->nquery++;
    return MHD_YES;
}

static enum MHD_Result http_run_handler(const http_server_t *srv, struct MHD_Connection *conn,
                                        http_exchange_t *x, const char *method, const char *url)
{
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, http_collect_query, x);
    http_request_t req = {
        .method = method,
        .path = url,
        .query = x->query,
        .nquery = x->nquery,
        .body = x->body.len ? buf_cstr(&x->body) : "",
        .body_len = x->body.len,
    };
    http_response_t resp = {.status = MHD_HTTP_OK};
    int rc = x->route->handler(&req, &resp, srv->opaque);
    if (rc < 0) {
        log_warn("http %s %s %s: %s", srv->label, method, url, xdc_strerror(rc));
        http_response_error(&resp, MHD_HTTP_INTERNAL_SERVER_ERROR, xdc_strerror(rc));
    } else if (resp.status < 100 || resp.status > 599) {
        log_warn("http %s %s %s: handler set status %d", srv->label, method, url, resp.status);
        http_response_error(&resp, MHD_HTTP_INTERNAL_SERVER_ERROR, "invalid response status");
    }
    return http_queue_handler_response(srv, conn, method, url, &resp);
}

/* MHD calls this several times per request: once with the headers, once per
 * piece of body, and once more with *upload_data_size == 0 at the end. */
static enum MHD_Result http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                       const char *method, const char *version,
                                       const char *upload_data, size_t *upload_data_size,
                                       void **con_cls)
{
    const http_server_t *srv = cls;
    http_exchange_t *x = *con_cls;
    (void)version;
    if (!x) {
        x = xcalloc(1, sizeof(*x));
        *con_cls = x;
        return http_begin(srv, conn, x, method, url);
    }
    if (*upload_data_size) {
        http_body_append(srv, x, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (x->too_big)
        return http_queue_too_big(srv, conn, method, url);
    return http_run_handler(srv, conn, x, method, url);
}

static void http_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    http_exchange_t *x = *con_cls;
    (void)cls;
    (void)conn;
    (void)toe;
    if (!x)
        return;
    buf_close(&x->body);
    free(x->query);
    free(x);
    *con_cls = NULL;
}

static void http_on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    const http_server_t *srv = cls;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    log_warn("http %s: %s", srv->label, msg);
}

/* --- setup --------------------------------------------------------------- */

static int http_addr_parse(const char *host, int port, http_addr_t *a)
{
    struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;
    memset(a, 0, sizeof(*a));
    if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        a->len = sizeof(*s4);
        return 0;
    }
    if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        a->len = sizeof(*s6);
        return 0;
    }
    return XDC_ECONF;
}

/* We bind the socket ourselves rather than let MHD do it, so a failure
 * comes back as an errno for the caller's error line instead of only as a
 * log message. @return 0 with the descriptor in *fd and the bound port in
 * *port, or a negated errno. */
static int http_listen(const http_addr_t *a, int *fd, int *port)
{
    int one = 1;
    struct sockaddr_storage bound;
    socklen_t blen = sizeof(bound);
    int s = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -errno;
    /* SO_REUSEADDR lets a restarted daemon rebind while its old connections
     * sit in TIME_WAIT; a port another socket listens on still fails. */
    if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        (a->ss.ss_family == AF_INET6 &&
         setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
        bind(s, (const struct sockaddr *)&a->ss, a->len) < 0 || listen(s, SOMAXCONN) < 0 ||
        getsockname(s, (struct sockaddr *)&bound, &blen) < 0) {
        int err = -errno;
        close(s);
        return err;
    }
    if (bound.ss_family == AF_INET6)
        *port = ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
    else
        *port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
    *fd = s;
    return 0;
}

static void http_set_label(http_server_t *srv, const char *host, int port)
{
    bool v6 = strchr(host, ':') != NULL;
    snprintf(srv->label, sizeof(srv->label), "%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

static int http_copy_routes(http_server_t *srv, const http_server_conf_t *conf, char *errbuf,
                            size_t errlen)
{
    srv->routes = xcalloc(conf->nroutes, sizeof(*srv->routes));
    for (size_t i = 0; i < conf->nroutes; i++) {
        const http_route_t *r = &conf->routes[i];
        if (!r->method || !r->path || r->path[0] != '/' || !r->handler) {
            xdc_errbuf(errbuf, errlen,
                       "http: route %zu: needs a method, a path starting "
                       "with '/' and a handler",
                       i);
            return XDC_ECONF;
        }
        bool known;
        if (http_route_find(srv, r->method, r->path, &known)) {
            xdc_errbuf(errbuf, errlen, "http: route %zu: duplicate %s %s", i, r->method, r->path);
            return XDC_ECONF;
        }
        srv->routes[i].method = xstrdup(r->method);
        srv->routes[i].path = xstrdup(r->path);
        srv->routes[i].handler = r->handler;
        srv->nroutes = i + 1;
    }
    return 0;
}

/* Check and copy @p conf into @p srv (everything but the listen socket). */
static int http_apply_conf(http_server_t *srv, const http_server_conf_t *conf, http_addr_t *addr,
                           char *errbuf, size_t errlen)
{
    if (!conf->host || conf->port < 0 || conf->port > 65535) {
        xdc_errbuf(errbuf, errlen, "http: invalid listen address %s:%d",
                   conf->host ? conf->host : "(null)", conf->port);
        return XDC_ECONF;
    }
    if (http_addr_parse(conf->host, conf->port, addr) < 0) {
        xdc_errbuf(errbuf, errlen,
                   "http: invalid listen address \"%s\": expected an IPv4 or "
                   "IPv6 literal such as 127.0.0.1 or ::1",
                   conf->host);
        return XDC_ECONF;
    }
    http_set_label(srv, conf->host, conf->port);
    srv->token = conf->token && conf->token[0] ? xstrdup(conf->token) : NULL;
    srv->token_writes_only = conf->token_writes_only;
    srv->opaque = conf->opaque;
    srv->max_body = conf->max_body_bytes ? conf->max_body_bytes : HTTP_DEFAULT_MAX_BODY_BYTES;
    return http_copy_routes(srv, conf, errbuf, errlen);
}

static int http_start(http_server_t *srv, const http_addr_t *addr, int fd, char *errbuf,
                      size_t errlen)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
    if (addr->ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* One option and its arguments per line; the logger goes first so that
     * MHD's own startup messages reach log.h too. */
    /* clang-format off */
    srv->mhd = MHD_start_daemon(flags, 0, NULL, NULL, http_on_request, srv,
                                MHD_OPTION_EXTERNAL_LOGGER, http_on_mhd_log, srv,
                                MHD_OPTION_LISTEN_SOCKET, fd,
                                MHD_OPTION_NOTIFY_COMPLETED, http_on_completed, srv,
                                MHD_OPTION_CONNECTION_TIMEOUT, HTTP_IDLE_TIMEOUT_S,
                                MHD_OPTION_END);
    /* clang-format on */
    if (!srv->mhd) {
        /* MHD closes the socket on some of its failure paths and not on
         * others, so leave it alone rather than risk closing a descriptor
         * number another thread has reused. The daemon exits on this error. */
        xdc_errbuf(errbuf, errlen, "http: cannot start the HTTP server on %s (see log)",
                   srv->label);
        return XDC_ESTATE;
    }
    return 0;
}

void http_server_free(http_server_t *srv)
{
    if (!srv)
        return;
    if (srv->mhd)
        MHD_stop_daemon(srv->mhd); /* joins the thread, closes every socket */
    for (size_t i = 0; i < srv->nroutes; i++) {
        free((char *)srv->routes[i].method);
        free((char *)srv->routes[i].path);
    }
    free(srv->routes);
    free(srv->token);
    free(srv);
}

http_server_t *http_server_new(const http_server_conf_t *conf, char *errbuf, size_t errlen)
{
    http_server_t *srv = xcalloc(1, sizeof(*srv));
    http_addr_t addr;
    int fd = -1;
    int rc = http_apply_conf(srv, conf, &addr, errbuf, errlen);
    if (rc < 0)
        goto fail;
    rc = http_listen(&addr, &fd, &srv->port);
    if (rc < 0) {
        xdc_errbuf(errbuf, errlen, "http: cannot listen on %s: %s", srv->label, strerror(-rc));
        goto fail;
    }
    /* Name the bound port before the HTTP thread can first log the label. */
    http_set_label(srv, conf->host, srv->port);
    rc = http_start(srv, &addr, fd, errbuf, errlen);
    if (rc < 0)
        goto fail;
    log_info("http %s: listening%s", srv->label, srv->token ? " (bearer token required)" : "");
    return srv;
fail:
    http_server_free(srv);
    return NULL;
}

int http_server_port(const http_server_t *srv)
{
    return srv->port;
}

const char *http_request_query(const http_request_t *req, const char *key)
{
    for (size_t i = 0; i < req->nquery; i++)
        if (strcmp(req->query[i].key, key) == 0)
            return req->query[i].value;
    return NULL;
}
