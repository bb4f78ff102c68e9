#ifndef XDC_COMMON_HTTPC_H
#define XDC_COMMON_HTTPC_H

#include <stddef.h>

/* A small blocking HTTP/1.1 client for xdc's own APIs (the mirror's
 * /v1/lag, the failover controller's API): `xdc lag`, `xdc status` and the
 * tests use it. One request per connection ("Connection: close"), plain
 * http:// only; the daemons bind loopback by default and TLS belongs in a
 * proxy in front of them.
 *
 * The response parser is apart from the socket code so it can be tested
 * on bytes.  @thread any; no shared state. */

/* Responses larger than this are refused: the APIs answer small JSON. */
#define HTTPC_MAX_RESPONSE (64u << 20)

typedef struct httpc_url {
    char host[256];  /* without the brackets of an IPv6 literal */
    char port[8];    /* "80" when the URL has none */
    char path[2048]; /* path and query, "/" when the URL has none */
} httpc_url_t;

typedef struct httpc_response {
    int status;
    char *body; /* owned, NUL-terminated (the body itself may hold NULs) */
    size_t body_len;
} httpc_response_t;

/** Parse "http://host[:port][/path[?query]]" (host may be "[v6]").
 *  @return 0, or XDC_ECONF with a message naming what is wrong in @p err. */
int httpc_url_parse(const char *url, httpc_url_t *out, char *err, size_t errlen);

/** Parse a complete response (everything up to the peer's close) of @p len
 *  bytes: status line, headers, then a body by Content-Length, chunked
 *  encoding, or up to the end. @p raw is modified (a chunked body is
 *  decoded in place).
 *  @param out filled on success; out->body caller-owned (httpc_response_free).
 *  @return 0, XDC_EMALFORMED (with the reason in @p err), or -ENOMEM. */
int httpc_response_parse(char *raw, size_t len, httpc_response_t *out, char *err, size_t errlen);

/** Send @p method to @p url and read the whole response, waiting at most
 *  @p timeout_ms for the connect and again for the rest.
 *  @param token if not NULL, sent as "Authorization: Bearer <token>".
 *  @param body if not NULL, sent as application/json.
 *  @return 0 (any status: check out->status), or a negative code with a
 *  message naming the URL and what failed in @p err. */
int httpc_request(const char *method, const char *url, const char *token, const char *body,
                  int timeout_ms, httpc_response_t *out, char *err, size_t errlen);

/** Free the body; safe on a zeroed response. */
void httpc_response_free(httpc_response_t *r);

#endif
