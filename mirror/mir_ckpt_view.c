/* The checkpoint thread's last run as the HTTP API and /metrics show it. */
#include "mirror/mir_int.h"

#include "common/clock.h"
#include "common/err.h"

#include <stdio.h>
#include <string.h>

static json_t *offset_or_null(int64_t v)
{
    return v >= 0 ? json_integer((json_int_t)v) : json_null();
}

static json_t *part_json(const mir_ckpt_part_t *e, int64_t now)
{
    json_t *o =
        json_pack("{s:s, s:s, s:i, s:I, s:o, s:b, s:o, s:o}", "topic", e->topic, "remote_topic",
                  e->remote, "partition", (int)e->partition, "source_offset",
                  (json_int_t)e->committed, "target_offset", offset_or_null(e->tr.offset), "exact",
                  e->tr.inexact == CKPT_EXACT, "checkpoint_source_offset", offset_or_null(e->ck_up),
                  "checkpoint_target_offset", offset_or_null(e->ck_down));
    if (e->tr.inexact != CKPT_EXACT)
        json_object_set_new(o, "reason", json_string(ckpt_inexact_str(e->tr.inexact)));
    /* Time since a run last found the checkpoint equal to the translation
     * of the group's offset: about the interval while it keeps up, growing
     * while it cannot (deferred, truncated, failing); null when never. */
    json_object_set_new(o, "age_seconds",
                        e->current_ms > 0 ? json_real((double)(now - e->current_ms) / 1000.0)
                                          : json_null());
    return o;
}

static json_t *group_json(const mir_ckpt_t *ck, const mir_ckpt_group_t *g, int64_t now)
{
    json_t *parts = json_array();
    for (size_t i = 0; i < ck->nparts; i++)
        if (strcmp(ck->parts[i].group, g->group) == 0)
            json_array_append_new(parts, part_json(&ck->parts[i], now));
    return json_pack("{s:s, s:i, s:s, s:o}", "group", g->group, "target_members", g->target_members,
                     "offset_sync", g->offset_sync, "partitions", parts);
}

static json_t *flow_json(mir_flow_t *f, const char *group, int64_t now)
{
    json_t *o = json_pack("{s:s, s:b}", "flow", f->name, "enabled", f->ck != NULL);
    mir_ckpt_t *ck = f->ck;
    if (!ck)
        return o;
    json_t *groups = json_array();
    pthread_mutex_lock(&ck->lock);
    for (size_t i = 0; i < ck->ngv; i++)
        if (!group || strcmp(ck->gv[i].group, group) == 0)
            json_array_append_new(groups, group_json(ck, &ck->gv[i], now));
    json_object_set_new(o, "checkpoints_topic", json_string(ck->topic));
    json_object_set_new(o, "last_run_ms",
                        ck->last_run_ms ? json_integer(ck->last_run_ms) : json_null());
    if (ck->last_error[0])
        json_object_set_new(o, "last_error", json_string(ck->last_error));
    pthread_mutex_unlock(&ck->lock);
    json_object_set_new(o, "groups", groups);
    return o;
}

json_t *mir__http_checkpoints(mir_flow_t *const *flows, size_t n, const char *group)
{
    json_t *arr = json_array();
    int64_t now = xdc_wall_ms();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, flow_json(flows[i], group, now));
    return json_pack("{s:o}", "flows", arr);
}

/* --- gauges ------------------------------------------------------------- */

typedef enum { GAUGE_GROUPS, GAUGE_PARTITIONS, GAUGE_INEXACT } gauge_t;

static void collect(metrics_sink_t *sink, const mir_flows_t *fl, gauge_t which)
{
    for (size_t i = 0; i < fl->n; i++) {
        mir_ckpt_t *ck = fl->v[i]->ck;
        if (!ck)
            continue;
        size_t by[CKPT_INEXACT_COUNT] = {0};
        pthread_mutex_lock(&ck->lock);
        size_t ngroups = ck->ngv, nparts = ck->nparts;
        for (size_t j = 0; j < ck->nparts; j++)
            by[ck->parts[j].tr.inexact]++;
        pthread_mutex_unlock(&ck->lock);
        if (which == GAUGE_GROUPS || which == GAUGE_PARTITIONS) {
            const char *labels[] = {fl->v[i]->name};
            metrics_sample(sink, labels, (double)(which == GAUGE_GROUPS ? ngroups : nparts));
            continue;
        }
        for (int r = CKPT_NO_SYNC; r < CKPT_INEXACT_COUNT; r++) {
            const char *labels[] = {fl->v[i]->name, ckpt_inexact_str((ckpt_inexact_t)r)};
            metrics_sample(sink, labels, (double)by[r]);
        }
    }
}

static void collect_groups(metrics_sink_t *sink, void *opaque)
{
    collect(sink, opaque, GAUGE_GROUPS);
}

static void collect_parts(metrics_sink_t *sink, void *opaque)
{
    collect(sink, opaque, GAUGE_PARTITIONS);
}

static void collect_inexact(metrics_sink_t *sink, void *opaque)
{
    collect(sink, opaque, GAUGE_INEXACT);
}

int mir__ckpt_metrics_register(metrics_registry_t *reg, const mir_flows_t *fl)
{
    static const char *const flow_l[] = {"flow"};
    static const char *const reason_l[] = {"flow", "reason"};
    if (!metrics_collector(reg, METRICS_GAUGE, "xdc_mirror_checkpoint_groups",
                           "Consumer groups checkpointed in the last run.", 1, flow_l,
                           collect_groups, (void *)fl) ||
        !metrics_collector(reg, METRICS_GAUGE, "xdc_mirror_checkpoint_partitions",
                           "Group partitions translated in the last run.", 1, flow_l, collect_parts,
                           (void *)fl) ||
        !metrics_collector(reg, METRICS_GAUGE, "xdc_mirror_checkpoint_inexact_partitions",
                           "Group partitions whose last translation was not exact, by reason.", 2,
                           reason_l, collect_inexact, (void *)fl))
        return XDC_ESTATE;
    return 0;
}
