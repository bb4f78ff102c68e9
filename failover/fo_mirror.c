/* What the controller asks a mirror over its HTTP API: lag per partition
 * of a flow, and when its checkpoint thread last ran. */
#include "failover/fo_int.h"

#include "common/err.h"
#include "common/httpc.h"
#include "common/json.h"
#include "common/util.h"

#include <stdio.h>
#include <string.h>

#define MIRROR_TIMEOUT_MS 5000

static json_t *get_json(const char *base, const char *path, char *errbuf, size_t errlen)
{
    char url[1024];
    snprintf(url, sizeof(url), "%s%s", base, path);
    httpc_response_t r = {0};
    char why[512];
    if (httpc_request("GET", url, NULL, NULL, MIRROR_TIMEOUT_MS, &r, why, sizeof(why)) < 0) {
        xdc_errbuf(errbuf, errlen, "mirror %s: %s", base, why);
        return NULL;
    }
    json_t *j = NULL;
    if (r.status != 200)
        xdc_errbuf(errbuf, errlen, "mirror %s: GET %s answered %d", base, path, r.status);
    else if (xjson_parse_object(r.body, r.body_len, &j, why, sizeof(why)) < 0)
        xdc_errbuf(errbuf, errlen, "mirror %s: GET %s: %s", base, path, why);
    httpc_response_free(&r);
    return j;
}

static json_t *find_flow(json_t *doc, const char *flow)
{
    json_t *flows = json_object_get(doc, "flows"), *f;
    size_t i;
    json_array_foreach(flows, i, f)
    {
        const char *name = json_string_value(json_object_get(f, "flow"));
        if (name && strcmp(name, flow) == 0)
            return f;
    }
    return NULL;
}

int fo__mirror_lag(const char *url, const char *flow, fo_lag_t *out, char *errbuf, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    json_t *doc = get_json(url, "/v1/lag", errbuf, errlen);
    if (!doc)
        return XDC_EREMOTE;
    json_t *f = find_flow(doc, flow);
    json_t *parts = json_object_get(f, "partitions");
    if (!f || !json_is_array(parts)) {
        xdc_errbuf(errbuf, errlen, "mirror %s does not run the flow %s", url, flow);
        json_decref(doc);
        return XDC_ENOTFOUND;
    }
    out->time_ms = json_integer_value(json_object_get(doc, "time_ms"));
    out->n = json_array_size(parts);
    out->v = xcalloc(out->n + 1, sizeof(*out->v));
    for (size_t i = 0; i < out->n; i++) {
        json_t *p = json_array_get(parts, i);
        fo_part_lag_t *l = &out->v[i];
        snprintf(l->topic, sizeof(l->topic), "%s",
                 json_string_value(json_object_get(p, "topic")) ?: "");
        snprintf(l->remote_topic, sizeof(l->remote_topic), "%s",
                 json_string_value(json_object_get(p, "remote_topic")) ?: "");
        l->partition = (int)json_integer_value(json_object_get(p, "partition"));
        l->log_end = json_integer_value(json_object_get(p, "log_end_offset"));
        /* The API gives the last source offset the target holds (-1 none);
         * the controller compares the next one with log ends. */
        l->replicated = json_integer_value(json_object_get(p, "replicated_offset")) + 1;
        l->lag_records = json_integer_value(json_object_get(p, "lag_records"));
        l->lag_seconds = json_number_value(json_object_get(p, "lag_seconds"));
        out->total_records += l->lag_records;
    }
    json_decref(doc);
    return 0;
}

void fo__lag_free(fo_lag_t *l)
{
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* A group-partition whose latest checkpoint is the translation of its
 * current commit; one the mirror will never write (source truncated) does
 * not wait. */
static int part_current(json_t *p)
{
    json_t *cs = json_object_get(p, "checkpoint_source_offset");
    json_t *ct = json_object_get(p, "checkpoint_target_offset");
    const char *reason = json_string_value(json_object_get(p, "reason"));
    if (reason && strcmp(reason, "source truncated") == 0)
        return 1;
    return json_is_integer(cs) && json_is_integer(ct) &&
           json_integer_value(cs) == json_integer_value(json_object_get(p, "source_offset")) &&
           json_equal(ct, json_object_get(p, "target_offset"));
}

static int group_wanted(const char *group, const conf_list_t *groups)
{
    for (int i = 0; i < groups->count; i++)
        if (strcmp(groups->items[i], group) == 0)
            return 1;
    return groups->count == 0;
}

int fo__mirror_checkpoint_run(const char *url, const char *flow, const conf_list_t *groups,
                              int64_t *last_run_ms, json_t **pending, char *errbuf, size_t errlen)
{
    *pending = json_array();
    json_t *doc = get_json(url, "/v1/checkpoints", errbuf, errlen);
    if (!doc)
        return XDC_EREMOTE;
    json_t *f = find_flow(doc, flow);
    int rc = 0;
    if (!f || !json_is_true(json_object_get(f, "enabled"))) {
        xdc_errbuf(errbuf, errlen,
                   "mirror %s does not emit checkpoints for %s "
                   "(emit.checkpoints.enabled)",
                   url, flow);
        rc = XDC_ENOTFOUND;
    } else {
        *last_run_ms = json_integer_value(json_object_get(f, "last_run_ms"));
        json_t *g, *p;
        size_t i, k;
        json_array_foreach(json_object_get(f, "groups"), i, g)
        {
            const char *name = json_string_value(json_object_get(g, "group"));
            if (!name || !group_wanted(name, groups))
                continue;
            json_array_foreach(json_object_get(g, "partitions"), k, p) if (!part_current(p))
                json_array_append_new(*pending,
                                      json_pack("{s:s, s:O, s:O, s:O}", "group", name, "topic",
                                                json_object_get(p, "topic"), "partition",
                                                json_object_get(p, "partition"), "reason",
                                                json_object_get(p, "reason") ?: json_null()));
        }
    }
    json_decref(doc);
    return rc;
}

int fo__mirror_pause(const char *url, const char *token, const char *flow, int pause,
                     int timeout_ms, json_t **answer, char *errbuf, size_t errlen)
{
    *answer = NULL;
    char target[1024], why[512];
    snprintf(target, sizeof(target), "%s/v1/%s", url, pause ? "pause" : "resume");
    json_t *req = pause ? json_pack("{s:s, s:i}", "flow", flow, "timeout_ms", timeout_ms)
                        : json_pack("{s:s}", "flow", flow);
    char *body = xjson_dump_compact(req);
    json_decref(req);
    httpc_response_t r = {0};
    /* The mirror waits up to timeout_ms for records in flight to land. */
    int rc = httpc_request("POST", target, token && *token ? token : NULL, body,
                           timeout_ms + MIRROR_TIMEOUT_MS, &r, why, sizeof(why));
    free(body);
    if (rc < 0) {
        xdc_errbuf(errbuf, errlen, "mirror %s: %s", url, why);
        return XDC_EREMOTE;
    }
    json_t *j = NULL;
    if (xjson_parse_object(r.body, r.body_len, &j, why, sizeof(why)) < 0) {
        xdc_errbuf(errbuf, errlen, "mirror %s: POST /v1/%s answered %d: %s", url,
                   pause ? "pause" : "resume", r.status, why);
        rc = XDC_EREMOTE;
    } else if (r.status != 200) {
        xdc_errbuf(errbuf, errlen, "mirror %s: POST /v1/%s %s answered %d: %s", url,
                   pause ? "pause" : "resume", flow, r.status,
                   json_string_value(json_object_get(j, "error")) ?: "");
        rc = r.status == 404 ? XDC_ENOTFOUND : XDC_EREMOTE;
        json_decref(j);
    } else {
        *answer = j;
    }
    httpc_response_free(&r);
    return rc;
}
