/* The latest checkpoint of each (group, topic, partition), as read from a
 * checkpoints topic or as written by the emitter. */
#include "checkpoint/checkpoint.h"

#include "common/err.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

ckpt_inexact_t ckpt_inexact_parse(const char *s, size_t len)
{
    for (int i = CKPT_NO_SYNC; i < CKPT_INEXACT_COUNT; i++) {
        const char *name = ckpt_inexact_str((ckpt_inexact_t)i);
        if (strlen(name) == len && memcmp(name, s, len) == 0)
            return (ckpt_inexact_t)i;
    }
    return CKPT_INEXACT_COUNT;
}

static int key_cmp(const ckpt_stored_t *e, const char *group, size_t glen, const char *topic,
                   size_t tlen, int32_t partition)
{
    size_t el = strlen(e->group);
    int c = memcmp(e->group, group, el < glen ? el : glen);
    if (c || el != glen)
        return c ? c : (el < glen ? -1 : 1);
    el = strlen(e->topic);
    c = memcmp(e->topic, topic, el < tlen ? el : tlen);
    if (c || el != tlen)
        return c ? c : (el < tlen ? -1 : 1);
    return (e->partition > partition) - (e->partition < partition);
}

/* The index of the key, or of where it would go; *found says which. */
static size_t lower_bound(const ckpt_store_t *s, const char *group, size_t glen, const char *topic,
                          size_t tlen, int32_t partition, bool *found)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (key_cmp(&s->v[mid], group, glen, topic, tlen, partition) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < s->n && key_cmp(&s->v[lo], group, glen, topic, tlen, partition) == 0;
    return lo;
}

const ckpt_stored_t *ckpt_store_find(const ckpt_store_t *s, const char *group, const char *topic,
                                     int32_t partition)
{
    bool found;
    size_t i = lower_bound(s, group, strlen(group), topic, strlen(topic), partition, &found);
    return found ? &s->v[i] : NULL;
}

static ckpt_stored_t *put(ckpt_store_t *s, const char *group, size_t glen, const char *topic,
                          size_t tlen, int32_t partition)
{
    bool found;
    size_t i = lower_bound(s, group, glen, topic, tlen, partition, &found);
    if (found)
        return &s->v[i];
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
    }
    memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
    s->n++;
    s->v[i] = (ckpt_stored_t){
        .group = xstrndup(group, glen),
        .topic = xstrndup(topic, tlen),
        .partition = partition,
        .upstream = -1,
        .downstream = -1,
    };
    return &s->v[i];
}

ckpt_stored_t *ckpt_store_put(ckpt_store_t *s, const char *group, const char *topic,
                              int32_t partition)
{
    return put(s, group, strlen(group), topic, strlen(topic), partition);
}

int ckpt_store_add(ckpt_store_t *s, const void *key, size_t klen, const void *value, size_t vlen,
                   const char *inexact, size_t inexact_len)
{
    ckpt_checkpoint_t c;
    if (ckpt_checkpoint_decode(key, klen, value, vlen, &c) < 0)
        return XDC_EMALFORMED;
    ckpt_stored_t *e = put(s, c.group, c.group_len, c.topic, c.topic_len, c.partition);
    e->upstream = c.upstream_offset;
    e->downstream = c.downstream_offset;
    e->inexact = inexact ? ckpt_inexact_parse(inexact, inexact_len) : CKPT_EXACT;
    return 0;
}

int ckpt_store_add_message(const rd_kafka_message_t *m, void *store)
{
    rd_kafka_headers_t *h = NULL;
    const void *why = NULL;
    size_t why_len = 0;
    if (rd_kafka_message_headers(m, &h) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        rd_kafka_header_get_last(h, CKPT_INEXACT_HEADER, &why, &why_len) !=
            RD_KAFKA_RESP_ERR_NO_ERROR)
        why = NULL;
    return ckpt_store_add(store, m->key, m->key_len, m->payload, m->len, why, why ? why_len : 0);
}

void ckpt_store_close(ckpt_store_t *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].group);
        free(s->v[i].topic);
    }
    free(s->v);
    *s = (ckpt_store_t){0};
}
