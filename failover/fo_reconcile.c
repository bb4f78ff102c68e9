/* Reconcile: after an unplanned failover, what the old site holds past the
 * point the mirror had copied when the flow was paused at the failover --
 * the records that were written there (most of them acknowledged) and
 * never reached the new site. Measured per partition, written into the
 * failover's report; the old site stays fenced. */
#include "failover/fo_int.h"

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rc_part {
    const char *topic; /* borrowed from the report */
    int partition;
    int64_t next; /* first source offset the new site does not hold */
    int64_t end;  /* the old site's log end */
    int64_t records, bytes, mirrored_back, first_ts, last_ts, read_to;
} rc_part_t;

/* Records the reverse flow copied back (first produced to @p other) are
 * not lost. */
static int from_other(const rd_kafka_message_t *m, const char *other)
{
    rd_kafka_headers_t *h = NULL;
    const void *v;
    size_t n;
    if (rd_kafka_message_headers(m, &h) || !h ||
        rd_kafka_header_get_last(h, MIR_HDR_ORIGIN, &v, &n))
        return 0;
    return v && n == strlen(other) && memcmp(v, other, n) == 0;
}

/* Read every partition from next to its log end, counting what came from
 * the old site itself. */
static int read_tails(rd_kafka_t *rk, rc_part_t *v, size_t n, const char *other, int timeout_ms,
                      char *errbuf, size_t errlen)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)n + 1);
    size_t left = 0;
    for (size_t i = 0; i < n; i++) {
        v[i].read_to = v[i].next;
        if (v[i].end > v[i].next) {
            rd_kafka_topic_partition_list_add(l, v[i].topic, v[i].partition)->offset = v[i].next;
            left++;
        }
    }
    rd_kafka_resp_err_t e = left ? rd_kafka_assign(rk, l) : 0;
    rd_kafka_topic_partition_list_destroy(l);
    if (e) {
        xdc_errbuf(errbuf, errlen, "assign: %s", rd_kafka_err2str(e));
        return XDC_EKAFKA;
    }
    int64_t deadline = xdc_mono_ms() + timeout_ms;
    while (left && xdc_mono_ms() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m)
            continue;
        rc_part_t *p = NULL;
        for (size_t i = 0; m->rkt && i < n && !p; i++)
            if (v[i].partition == m->partition && !strcmp(v[i].topic, rd_kafka_topic_name(m->rkt)))
                p = &v[i];
        if (p && !m->err && m->offset >= p->read_to && m->offset < p->end) {
            rd_kafka_timestamp_type_t tt;
            int64_t ts = rd_kafka_message_timestamp(m, &tt);
            if (from_other(m, other)) {
                p->mirrored_back++;
            } else {
                p->records++;
                p->bytes += (int64_t)(m->len + m->key_len);
                p->first_ts = p->first_ts ? p->first_ts : ts;
                p->last_ts = ts;
            }
            p->read_to = m->offset + 1;
            left -= p->read_to >= p->end;
        }
        rd_kafka_message_destroy(m);
    }
    if (left) {
        xdc_errbuf(errbuf, errlen, "%zu partition(s) not read to their log end within %d ms", left,
                   timeout_ms);
        return XDC_ETIMEDOUT;
    }
    return 0;
}

static json_t *result_json(const rc_part_t *v, size_t n, const char *report, const char *site)
{
    json_t *parts = json_array();
    int64_t records = 0, bytes = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_pack("{s:s, s:i, s:I, s:I, s:I, s:I, s:I}", "topic", v[i].topic,
                              "partition", v[i].partition, "replicated_offset",
                              (json_int_t)(v[i].next - 1), "log_end_offset", (json_int_t)v[i].end,
                              "records", (json_int_t)v[i].records, "bytes", (json_int_t)v[i].bytes,
                              "mirrored_back", (json_int_t)v[i].mirrored_back);
        if (v[i].records) {
            json_object_set_new(o, "first_timestamp_ms", json_integer(v[i].first_ts));
            json_object_set_new(o, "last_timestamp_ms", json_integer(v[i].last_ts));
        }
        json_array_append_new(parts, o);
        records += v[i].records;
        bytes += v[i].bytes;
    }
    return json_pack("{s:s, s:s, s:b, s:I, s:I, s:I, s:o}", "report", report, "site", site,
                     "fenced", 1, "records", (json_int_t)records, "bytes", (json_int_t)bytes,
                     "at_ms", (json_int_t)xdc_wall_ms(), "partitions", parts);
}

/* The replicated point the failover froze, or the paused flow's now. */
static json_t *replicated_point(fo_t *fo, json_t *report, const char *flow, const char *site,
                                char *errbuf, size_t errlen)
{
    json_t *parts = json_object_get(json_object_get(report, "replicated"), "partitions");
    if (json_is_array(parts))
        return json_incref(parts);
    json_t *answer = NULL;
    if (fo__mirror_pause(fo__flow_url(fo->conf, site), fo->mirror_token, flow, 1,
                         fo->conf->drain_timeout_ms, &answer, errbuf, errlen) < 0)
        return NULL;
    parts = json_incref(json_object_get(answer, "partitions"));
    json_decref(answer);
    return parts;
}

static int reconcile(fo_t *fo, json_t *hold, json_t **out, char *errbuf, size_t errlen)
{
    const fo_conf_t *c = fo->conf;
    const char *site = json_string_value(json_object_get(hold, "site"));
    const char *id = json_string_value(json_object_get(hold, "report"));
    const char *other = strcmp(site, "primary") == 0 ? "dr" : "primary";
    char flow[64];
    snprintf(flow, sizeof(flow), "%s->%s", site, other);
    json_t *report = fo_report_get(fo, id), *fence = json_object();
    json_t *parts = replicated_point(fo, report, flow, site, errbuf, errlen);
    int rc = parts ? 0 : XDC_EREMOTE;
    /* It stays fenced: whatever else an operator did, nothing more lands. */
    if (!rc)
        rc = fo__fence_site(c, site, 1, fence, errbuf, errlen);
    size_t n = json_array_size(parts);
    rc_part_t *v = xcalloc(n + 1, sizeof(*v));
    const char *const kv[] = {"group.id", "xdc-failover-reconcile", "enable.auto.commit", "false",
                              NULL};
    rd_kafka_t *rk = rc ? NULL : fo__client(c, site, RD_KAFKA_CONSUMER, NULL, kv, errbuf, errlen);
    if (!rc && !rk)
        rc = XDC_ECONF;
    for (size_t i = 0; !rc && i < n; i++) {
        json_t *p = json_array_get(parts, i);
        v[i].topic = json_string_value(json_object_get(p, "topic")) ?: "";
        v[i].partition = (int)json_integer_value(json_object_get(p, "partition"));
        v[i].next = json_integer_value(json_object_get(p, "replicated_offset")) + 1;
        if (fo__log_end(rk, v[i].topic, v[i].partition, c->fence_timeout_ms, &v[i].end) < 0) {
            xdc_errbuf(errbuf, errlen, "cannot read the log end of %s/%d on %s", v[i].topic,
                       v[i].partition, site);
            rc = XDC_EKAFKA;
        }
    }
    if (!rc)
        rc = read_tails(rk, v, n, other, c->verify_timeout_ms, errbuf, errlen);
    if (rk) {
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
    if (!rc) {
        *out = result_json(v, n, id, site);
        int wrc = fo__report_amend(fo, id, "reconcile", *out);
        if (wrc)
            log_error("failover: cannot add the reconciliation to report %s: %s", id,
                      wrc == XDC_ENOTFOUND ? "no such report" : strerror(-wrc));
        log_info("failover: reconcile %s: %lld record(s) on %s never reached %s", id,
                 (long long)json_integer_value(json_object_get(*out, "records")), site, other);
    }
    free(v);
    json_decref(parts);
    json_decref(report);
    json_decref(fence);
    return rc;
}

int fo_reconcile(fo_t *fo, json_t **out, char *errbuf, size_t errlen)
{
    *out = NULL;
    json_t *hold = fo__hold_get(fo);
    if (!hold) {
        xdc_errbuf(errbuf, errlen,
                   "nothing to reconcile: no unplanned failover has left a site fenced");
        return XDC_ESTATE;
    }
    /* Not while a switch moves things: a failback ends the hold. */
    pthread_mutex_lock(&fo->lock);
    int busy = fo->busy;
    fo->busy = 1;
    pthread_mutex_unlock(&fo->lock);
    if (busy) {
        json_decref(hold);
        xdc_errbuf(errbuf, errlen, "a switch is running: see GET /v1/reports");
        return XDC_ECONFLICT;
    }
    int rc = reconcile(fo, hold, out, errbuf, errlen);
    pthread_mutex_lock(&fo->lock);
    fo->busy = 0;
    pthread_mutex_unlock(&fo->lock);
    json_decref(hold);
    return rc;
}
