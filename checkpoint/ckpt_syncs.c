/* Reading MM2's single-partition internal topics: the offset syncs into a
 * ckpt_index, and any of them record by record. */
#include "checkpoint/checkpoint.h"

#include "common/clock.h"
#include "common/err.h"
#include "common/util.h"

#include <inttypes.h>

/* One record of the syncs topic into @p ix.  @return 0 or XDC_EMALFORMED. */
static int add_record(ckpt_index_t *ix, const rd_kafka_message_t *m)
{
    ckpt_offset_sync_t s;
    rd_kafka_headers_t *h = NULL;
    const void *prev = NULL;
    size_t prev_len = 0;

    if (ckpt_offset_sync_decode(m->key, m->key_len, m->payload, m->len, &s) < 0)
        return XDC_EMALFORMED;
    if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        rd_kafka_header_get_last(h, CKPT_PREV_HEADER, &prev, &prev_len) !=
            RD_KAFKA_RESP_ERR_NO_ERROR)
        prev = NULL;
    /* A malformed link still adds the sync, unlinked: safe, only inexact. */
    ckpt_index_add(ix, &s, prev, prev ? prev_len : 0);
    return 0;
}

int ckpt_topic_read(rd_kafka_t *rk, const char *topic, int64_t *next, ckpt_record_cb cb,
                    void *opaque, int timeout_ms, size_t *malformed, char *err, size_t errlen)
{
    int64_t lo, hi, deadline = xdc_mono_ms() + timeout_ms;
    rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, topic, 0, &lo, &hi, timeout_ms);
    if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        return 0; /* nothing written yet */
    if (e) {
        xdc_errbuf(err, errlen, "%s: %s", topic, rd_kafka_err2str(e));
        return XDC_EKAFKA;
    }
    if (*next < lo)
        *next = lo; /* retention or compaction removed the oldest records */
    if (*next >= hi)
        return 0;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, 0)->offset = *next;
    e = rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e) {
        xdc_errbuf(err, errlen, "%s: assign: %s", topic, rd_kafka_err2str(e));
        return XDC_EKAFKA;
    }
    int rc = 0;
    while (*next < hi) {
        int64_t left = deadline - xdc_mono_ms();
        if (left <= 0) {
            rc = XDC_ETIMEDOUT;
            break;
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, (int)(left < 200 ? left : 200));
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (cb(m, opaque) < 0 && malformed)
                (*malformed)++;
            *next = m->offset + 1;
        } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            xdc_errbuf(err, errlen, "%s: %s", topic, rd_kafka_message_errstr(m));
            rc = XDC_EKAFKA;
        }
        rd_kafka_message_destroy(m);
        if (rc)
            break;
    }
    rd_kafka_assign(rk, NULL);
    return rc;
}

static int add_sync(const rd_kafka_message_t *m, void *opaque)
{
    return add_record(opaque, m);
}

int ckpt_syncs_read(rd_kafka_t *rk, const char *topic, int64_t *next, ckpt_index_t *ix,
                    int timeout_ms, size_t *malformed, char *err, size_t errlen)
{
    return ckpt_topic_read(rk, topic, next, add_sync, ix, timeout_ms, malformed, err, errlen);
}
