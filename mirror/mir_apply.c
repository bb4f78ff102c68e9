/* Applying a flow's latest checkpoints to the consumer groups on its
 * target (`xdc checkpoints apply`, and the failover controller before it
 * moves clients). */
#include "mirror/mir_int.h"

#include "common/err.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mir_applied_free(mir_applied_group_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < v[i].nparts; j++)
            free(v[i].parts[j].topic);
        free(v[i].parts);
        free(v[i].group);
    }
    free(v);
}

/* Read the flow's checkpoints topic on the target to its end into @p s. */
static int read_checkpoints(rd_kafka_t *tgt, const char *topic, ckpt_store_t *s, int timeout_ms,
                            char *err, size_t errlen)
{
    int64_t next = 0;
    size_t bad = 0;
    int rc = ckpt_topic_read(tgt, topic, &next, ckpt_store_add_message, s, timeout_ms, &bad, err,
                             errlen);
    if (rc == XDC_ETIMEDOUT)
        xdc_errbuf(err, errlen, "%s: not read to its end within %d ms", topic, timeout_ms);
    return rc;
}

/* The groups to apply: @p names, or every group with a checkpoint. */
static mir_applied_group_t *groups_of(const ckpt_store_t *s, const char *const *names,
                                      size_t nnames, size_t *n)
{
    mir_applied_group_t *v = xcalloc(nnames + s->n + 1, sizeof(*v));
    *n = 0;
    for (size_t i = 0; i < nnames; i++)
        v[(*n)++].group = xstrdup(names[i]);
    for (size_t i = 0; nnames == 0 && i < s->n; i++)
        if (*n == 0 || strcmp(v[*n - 1].group, s->v[i].group) != 0)
            v[(*n)++].group = xstrdup(s->v[i].group); /* the store is sorted by group */
    return v;
}

/* The checkpoints of @p g->group into g->parts, with the target group's
 * offsets before (@p have, may be NULL). */
static void collect(const ckpt_store_t *s, mir_applied_group_t *g,
                    const rd_kafka_topic_partition_list_t *have)
{
    for (size_t i = 0; i < s->n; i++) {
        const ckpt_stored_t *c = &s->v[i];
        if (strcmp(c->group, g->group) != 0 || c->downstream < 0)
            continue;
        const rd_kafka_topic_partition_t *h =
            have ? rd_kafka_topic_partition_list_find(have, c->topic, c->partition) : NULL;
        g->parts = xrealloc(g->parts, (g->nparts + 1) * sizeof(*g->parts));
        g->parts[g->nparts++] = (mir_applied_part_t){
            .topic = xstrdup(c->topic),
            .partition = c->partition,
            .source_offset = c->upstream,
            .target_offset = c->downstream,
            .previous = h && h->offset >= 0 ? h->offset : -1,
            .inexact = c->inexact,
        };
    }
}

static void apply_group(rd_kafka_t *tgt, const ckpt_store_t *s, mir_applied_group_t *g,
                        bool dry_run, int timeout_ms)
{
    if (g->members > 0) {
        snprintf(g->error, sizeof(g->error),
                 "%d active member(s) on the target: stop the group's consumers first", g->members);
        return;
    }
    if (g->members < 0)
        return; /* the error is set */
    rd_kafka_topic_partition_list_t *have =
        mir__group_offsets(tgt, g->group, timeout_ms, g->error, sizeof(g->error));
    if (!have)
        return;
    collect(s, g, have);
    rd_kafka_topic_partition_list_destroy(have);
    if (g->nparts == 0) {
        snprintf(g->error, sizeof(g->error), "no checkpoints for group %s", g->group);
        return;
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)g->nparts);
    for (size_t i = 0; i < g->nparts; i++)
        rd_kafka_topic_partition_list_add(l, g->parts[i].topic, g->parts[i].partition)->offset =
            g->parts[i].target_offset;
    g->applied = dry_run || mir__alter_group_offsets(tgt, g->group, l, timeout_ms, g->error,
                                                     sizeof(g->error)) == 0;
    rd_kafka_topic_partition_list_destroy(l);
}

int mir_checkpoints_apply(const mir_conf_t *conf, const mir_flow_conf_t *fc,
                          const char *const *groups, size_t ngroups, bool dry_run, int timeout_ms,
                          mir_applied_group_t **out, size_t *n, char *err, size_t errlen)
{
    const mir_cluster_t *s = &conf->clusters_v[fc->source], *t = &conf->clusters_v[fc->target];
    char topic[256];
    *out = NULL;
    *n = 0;
    if (mir_policy_checkpoints_topic(s->alias, topic, sizeof(topic)) < 0) {
        xdc_errbuf(err, errlen, "source alias '%s' too long for a topic name", s->alias);
        return XDC_ECONF;
    }
    rd_kafka_t *tgt = mir__reader_new(t, "xdc-checkpoints-apply", "checkpoints.apply", err, errlen);
    if (!tgt)
        return XDC_ECONF;
    ckpt_store_t store = {0};
    int rc = read_checkpoints(tgt, topic, &store, timeout_ms, err, errlen);
    mir_applied_group_t *v = NULL;
    size_t k = 0;
    if (rc == 0) {
        v = groups_of(&store, groups, ngroups, &k);
        const char **names = xcalloc(k + 1, sizeof(*names));
        int *members = xcalloc(k + 1, sizeof(*members));
        for (size_t i = 0; i < k; i++)
            names[i] = v[i].group;
        char why[512] = "the target did not describe the group";
        int mrc = mir__group_members(tgt, names, k, members, timeout_ms, why, sizeof(why));
        for (size_t i = 0; i < k; i++) {
            v[i].members = mrc < 0 ? -1 : members[i];
            if (v[i].members < 0)
                snprintf(v[i].error, sizeof(v[i].error), "%s", why);
            apply_group(tgt, &store, &v[i], dry_run, timeout_ms);
        }
        free(names);
        free(members);
    }
    ckpt_store_close(&store);
    rd_kafka_destroy(tgt);
    *out = v;
    *n = k;
    return rc;
}
