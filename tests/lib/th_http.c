#include "tests/lib/th_http.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/err.h"
#include "common/httpc.h"
#include "tests/lib/th.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int th_http_request(const char *method, int port, const char *path, const char *token,
                    const char *req_body, int *status, char **body)
{
    char url[2048], err[512];
    httpc_response_t r;
    int rc;

    *body = NULL;
    *status = 0;
    if ((size_t)snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path) >= sizeof(url))
        return -ENAMETOOLONG;
    rc = httpc_request(method, url, token, req_body, th_ms(10000), &r, err, sizeof(err));
    if (rc < 0)
        return rc == XDC_EMALFORMED ? -EPROTO : rc;
    *status = r.status;
    *body = r.body;
    return 0;
}

int th_http_get(int port, const char *path, int *status, char **body)
{
    return th_http_request("GET", port, path, NULL, NULL, status, body);
}

json_t *th_http_get_json(int port, const char *path)
{
    char *body = NULL, head[256];
    int status = 0, rc = th_http_get(port, path, &status, &body);
    json_error_t jerr;
    json_t *j = NULL;

    if (rc < 0)
        fail_msg("GET 127.0.0.1:%d%s: %s", port, path, xdc_strerror(rc));
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

double th_metric_sum(const char *text, const char *prefix, int *found)
{
    double sum = 0;
    size_t plen = strlen(prefix);
    *found = 0;
    for (const char *line = text; *line;) {
        const char *eol = strchrnul(line, '\n');
        const char *sp = memrchr(line, ' ', (size_t)(eol - line));
        if (strncmp(line, prefix, plen) == 0 && sp) {
            sum += strtod(sp + 1, NULL);
            (*found)++;
        }
        line = *eol ? eol + 1 : eol;
    }
    return sum;
}
