#ifndef XDC_TESTS_LIB_TH_HTTP_H
#define XDC_TESTS_LIB_TH_HTTP_H

/* The daemons' APIs in integration tests: one GET per connection to
 * 127.0.0.1, through common/httpc.h.
 * @thread any; no shared state. */

#include <jansson.h>

/** GET @p path from 127.0.0.1:@p port with "Connection: close" and read the
 *  whole response (Content-Length, chunked, or up to the close), waiting at
 *  most 10 s (scaled by th_ms()) for the connect and again for the rest. Does not
 *  fail the test.
 *  @param path borrowed, starts with '/'.  @param status out: the status code.
 *  @param body out: the body, NUL-terminated, caller-owned (free()); NULL on error.
 *  @return 0, -errno from the socket (-ECONNREFUSED, -ETIMEDOUT, ...), or
 *  -EPROTO for a response that does not parse, or another negative code
 *  of common/httpc.h (see xdc_strerror()). */
int th_http_get(int port, const char *path, int *status, char **body);

/** th_http_get() with any @p method, a bearer @p token (NULL: none) and a
 *  JSON @p req_body (NULL: none). */
int th_http_request(const char *method, int port, const char *path, const char *token,
                    const char *req_body, int *status, char **body);

/** th_http_get() and parse the body as JSON. Fails the test on any error, a
 *  status other than 200, or a body that is not JSON.
 *  @return caller-owned (json_decref()). */
json_t *th_http_get_json(int port, const char *path);

/** Sum of the Prometheus samples in @p text whose line starts with
 *  @p prefix (a metric name with the start of its labels, or the name and a
 *  space for an unlabelled one).  @param found out: how many lines matched.
 *  Does not fail the test. */
double th_metric_sum(const char *text, const char *prefix, int *found);

#endif
