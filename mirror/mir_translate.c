/* Translating a consumer group's committed offsets from a flow's source to
 * its target, from the flow's offset syncs (`xdc translate`). */
#include "mirror/mir_int.h"

#include "common/err.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

const mir_flow_conf_t *mir_conf_flow(const mir_conf_t *conf, const char *name)
{
    for (size_t i = 0; i < conf->nflows; i++) {
        const mir_flow_conf_t *fc = &conf->flows[i];
        const char *src = conf->clusters_v[fc->source].alias;
        const char *dst = conf->clusters_v[fc->target].alias;
        size_t sl = strlen(src);
        if (strncmp(name, src, sl) == 0 && strncmp(name + sl, "->", 2) == 0 &&
            strcmp(name + sl + 2, dst) == 0)
            return fc;
    }
    return NULL;
}

void mir_translations_free(mir_translation_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].topic);
        free(v[i].remote);
    }
    free(v);
}

#define TRANSLATE_GROUP "xdc-translate" /* never joined */

static int cmp_translation(const void *a, const void *b)
{
    const mir_translation_t *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

/* Read the flow's syncs topic to its end into @p ix. */
static int read_syncs(const mir_conf_t *conf, const mir_flow_conf_t *fc, rd_kafka_t *src,
                      ckpt_index_t *ix, int timeout_ms, char *err, size_t errlen)
{
    const mir_cluster_t *s = &conf->clusters_v[fc->source], *t = &conf->clusters_v[fc->target];
    char topic[512];
    int rc = mir_policy_offset_syncs_topic(fc->offset_syncs_location, s->alias, t->alias, topic,
                                           sizeof(topic));
    if (rc < 0) {
        xdc_errbuf(err, errlen, "offset-syncs topic name: %s", xdc_strerror(rc));
        return rc;
    }
    rd_kafka_t *rk = src;
    if (fc->offset_syncs_location == MIR_SYNCS_TARGET &&
        !(rk = mir__reader_new(t, TRANSLATE_GROUP, "translate.target", err, errlen)))
        return XDC_ECONF;
    int64_t next = 0;
    size_t malformed = 0;
    rc = ckpt_syncs_read(rk, topic, &next, ix, timeout_ms, &malformed, err, errlen);
    if (rc == XDC_ETIMEDOUT)
        xdc_errbuf(err, errlen, "%s: not read to its end within %d ms", topic, timeout_ms);
    if (rk != src)
        rd_kafka_destroy(rk);
    return rc;
}

int mir_translate_group(const mir_conf_t *conf, const mir_flow_conf_t *fc, const char *group,
                        const char *topic, int timeout_ms, mir_translation_t **out, size_t *n,
                        char *err, size_t errlen)
{
    const mir_cluster_t *s = &conf->clusters_v[fc->source];
    mir_policy_t policy;
    *out = NULL;
    *n = 0;
    if (mir_policy_init(&policy, fc->policy, fc->separator) < 0) {
        xdc_errbuf(err, errlen, "replication.policy.separator '%s' is not usable", fc->separator);
        return XDC_ECONF;
    }
    rd_kafka_t *src = mir__reader_new(s, TRANSLATE_GROUP, "translate.source", err, errlen);
    if (!src)
        return XDC_ECONF;
    ckpt_index_t *ix = ckpt_index_new();
    rd_kafka_topic_partition_list_t *offs = mir__group_offsets(src, group, timeout_ms, err, errlen);
    int rc = offs ? read_syncs(conf, fc, src, ix, timeout_ms, err, errlen) : XDC_EKAFKA;
    mir_translation_t *v = offs ? xcalloc((size_t)offs->cnt + 1, sizeof(*v)) : NULL;
    size_t k = 0;
    for (int i = 0; rc == 0 && i < offs->cnt; i++) {
        const rd_kafka_topic_partition_t *tp = &offs->elems[i];
        char remote[512];
        if (tp->offset < 0 || (topic && strcmp(tp->topic, topic) != 0) ||
            mir_policy_remote_topic(&policy, s->alias, tp->topic, remote, sizeof(remote)) < 0)
            continue;
        mir_translation_t *t = &v[k++];
        int64_t lo = -1, hi = -1;
        t->topic = xstrdup(tp->topic);
        t->remote = xstrdup(remote);
        t->partition = tp->partition;
        t->committed = tp->offset;
        if (rd_kafka_query_watermark_offsets(src, tp->topic, tp->partition, &lo, &hi, timeout_ms))
            lo = -1;
        t->log_start = lo;
        ckpt_index_translate(ix, tp->topic, strlen(tp->topic), tp->partition, tp->offset, lo,
                             &t->tr);
    }
    if (rc == 0) {
        qsort(v, k, sizeof(*v), cmp_translation);
        *out = v;
        *n = k;
    } else {
        mir_translations_free(v, k);
    }
    if (offs)
        rd_kafka_topic_partition_list_destroy(offs);
    ckpt_index_free(ix);
    rd_kafka_destroy(src);
    return rc;
}
