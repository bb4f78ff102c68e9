/* Topic management of one flow: discover the source topics to mirror,
 * create their remote topics with the source's partition count and
 * configs, add partitions and keep configs in step. Runs on the flow's
 * topics thread; mir__topics_ensure_partitions() also from rebalances. */
#include "mirror/mir_int.h"

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ADMIN_TIMEOUT_MS 15000

typedef struct cfg {
    char **names;
    char **values;
    size_t n;
} cfg_t;

static void cfg_free(cfg_t *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->names[i]);
        free(c->values[i]);
    }
    free(c->names);
    free(c->values);
    memset(c, 0, sizeof(*c));
}

static void cfg_add(cfg_t *c, const char *name, const char *value)
{
    c->names = xrealloc(c->names, (c->n + 1) * sizeof(char *));
    c->values = xrealloc(c->values, (c->n + 1) * sizeof(char *));
    c->names[c->n] = xstrdup(name);
    c->values[c->n] = xstrdup(value ? value : "");
    c->n++;
}

static const char *cfg_get(const cfg_t *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->names[i], name) == 0)
            return c->values[i];
    return NULL;
}

/* One admin request: send it with r.o on r.q between admin_begin() and
 * admin_end(). */
typedef struct admin_req {
    rd_kafka_queue_t *q;
    rd_kafka_AdminOptions_t *o;
} admin_req_t;

static void admin_begin(admin_req_t *r, rd_kafka_t *rk, rd_kafka_admin_op_t op)
{
    char why[256];
    r->q = rd_kafka_queue_new(rk);
    r->o = rd_kafka_AdminOptions_new(rk, op);
    rd_kafka_AdminOptions_set_request_timeout(r->o, ADMIN_TIMEOUT_MS, why, sizeof(why));
    if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS)
        rd_kafka_AdminOptions_set_operation_timeout(r->o, ADMIN_TIMEOUT_MS, why, sizeof(why));
}

/* Wait for the request's result and release @p r.
 * @return the result event (caller destroys it), or NULL with "<what> timed
 * out" or "<what>: <error>" in @p why. */
static rd_kafka_event_t *admin_end(admin_req_t *r, const char *what, char *why, size_t whylen)
{
    rd_kafka_event_t *ev = rd_kafka_queue_poll(r->q, ADMIN_TIMEOUT_MS + 1000);
    if (!ev) {
        xdc_errbuf(why, whylen, "%s timed out", what);
    } else if (rd_kafka_event_error(ev)) {
        xdc_errbuf(why, whylen, "%s: %s", what, rd_kafka_event_error_string(ev));
        rd_kafka_event_destroy(ev);
        ev = NULL;
    }
    rd_kafka_AdminOptions_destroy(r->o);
    rd_kafka_queue_destroy(r->q);
    return ev;
}

/* The one topic result of CreateTopics or CreatePartitions.
 * @return 0 when it succeeded (*@p created) or failed with @p benign. */
static int topic_result(const rd_kafka_topic_result_t **tr, size_t n, rd_kafka_resp_err_t benign,
                        bool *created, const char *what, char *why, size_t whylen)
{
    rd_kafka_resp_err_t e = n == 1 ? rd_kafka_topic_result_error(tr[0]) : 0;
    *created = !e;
    if (!e || e == benign)
        return 0;
    xdc_errbuf(why, whylen, "%s %s: %s", what, rd_kafka_topic_result_name(tr[0]),
               rd_kafka_topic_result_error_string(tr[0]));
    return XDC_EKAFKA;
}

/* The single resource of a configs result, or NULL with its error in @p why. */
static const rd_kafka_ConfigResource_t *config_result(const rd_kafka_ConfigResource_t **rs,
                                                      size_t n, const char *what, const char *topic,
                                                      char *why, size_t whylen)
{
    if (n != 1) {
        xdc_errbuf(why, whylen, "%s %s: %zu resources in the answer", what, topic, n);
        return NULL;
    }
    if (rd_kafka_ConfigResource_error(rs[0])) {
        xdc_errbuf(why, whylen, "%s %s: %s", what, topic,
                   rd_kafka_ConfigResource_error_string(rs[0]));
        return NULL;
    }
    return rs[0];
}

/* The topic configs set on @p topic (not defaults), per DescribeConfigs.
 * @return 0 or XDC_EKAFKA. */
static int describe_dynamic(rd_kafka_t *rk, const char *topic, cfg_t *out, char *why, size_t whylen)
{
    rd_kafka_ConfigResource_t *res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic);
    admin_req_t r;
    admin_begin(&r, rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_DescribeConfigs(rk, &res, 1, r.o, r.q);
    rd_kafka_event_t *ev = admin_end(&r, "DescribeConfigs", why, whylen);
    rd_kafka_ConfigResource_destroy(res);
    if (!ev)
        return XDC_EKAFKA;
    size_t nres, n;
    const rd_kafka_ConfigResource_t **rs =
        rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &nres);
    const rd_kafka_ConfigResource_t *one =
        config_result(rs, nres, "DescribeConfigs", topic, why, whylen);
    const rd_kafka_ConfigEntry_t **es = one ? rd_kafka_ConfigResource_configs(one, &n) : NULL;
    for (size_t i = 0; es && i < n; i++)
        if (rd_kafka_ConfigEntry_source(es[i]) == RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG &&
            !rd_kafka_ConfigEntry_is_sensitive(es[i]))
            cfg_add(out, rd_kafka_ConfigEntry_name(es[i]), rd_kafka_ConfigEntry_value(es[i]));
    rd_kafka_event_destroy(ev);
    return one ? 0 : XDC_EKAFKA;
}

/* The source's topic configs the target should have: set ones minus
 * config.properties.exclude. */
static int wanted_configs(mir_flow_t *f, const char *topic, cfg_t *out, char *why, size_t whylen)
{
    cfg_t all = {0};
    int rc = describe_dynamic(f->src_admin, topic, &all, why, whylen);
    for (size_t i = 0; !rc && i < all.n; i++)
        if (!f->config_filter || !mir_filter_match(f->config_filter, all.names[i]))
            cfg_add(out, all.names[i], all.values[i]);
    cfg_free(&all);
    return rc;
}

static int create_topic(mir_flow_t *f, rd_kafka_t *rk, const char *topic, int partitions, int rf,
                        const cfg_t *configs, char *why, size_t whylen)
{
    char err[512];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, partitions, rf, err, sizeof(err));
    if (!nt) {
        xdc_errbuf(why, whylen, "%s", err);
        return XDC_EKAFKA;
    }
    for (size_t i = 0; configs && i < configs->n; i++)
        rd_kafka_NewTopic_set_config(nt, configs->names[i], configs->values[i]);
    admin_req_t r;
    admin_begin(&r, rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_CreateTopics(rk, &nt, 1, r.o, r.q);
    rd_kafka_event_t *ev = admin_end(&r, "CreateTopics", why, whylen);
    rd_kafka_NewTopic_destroy(nt);
    if (!ev)
        return XDC_EKAFKA;
    size_t n;
    bool created;
    const rd_kafka_topic_result_t **tr =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    int rc = topic_result(tr, n, RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS, &created, "CreateTopics",
                          why, whylen);
    rd_kafka_event_destroy(ev);
    if (!rc && created)
        log_info("[%s] created %s with %d partition(s), %zu config(s)", f->name, topic, partitions,
                 configs ? configs->n : 0);
    return rc;
}

static int create_partitions(mir_flow_t *f, const char *topic, int total, char *why, size_t whylen)
{
    char err[512];
    rd_kafka_NewPartitions_t *np =
        rd_kafka_NewPartitions_new(topic, (size_t)total, err, sizeof(err));
    if (!np) {
        xdc_errbuf(why, whylen, "%s", err);
        return XDC_EKAFKA;
    }
    admin_req_t r;
    admin_begin(&r, f->tgt_admin, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS);
    rd_kafka_CreatePartitions(f->tgt_admin, &np, 1, r.o, r.q);
    rd_kafka_event_t *ev = admin_end(&r, "CreatePartitions", why, whylen);
    rd_kafka_NewPartitions_destroy(np);
    if (!ev)
        return XDC_EKAFKA;
    size_t n;
    bool created;
    /* INVALID_PARTITIONS: another instance got there first. */
    const rd_kafka_topic_result_t **tr =
        rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev), &n);
    int rc = topic_result(tr, n, RD_KAFKA_RESP_ERR_INVALID_PARTITIONS, &created, "CreatePartitions",
                          why, whylen);
    rd_kafka_event_destroy(ev);
    if (!rc && created)
        log_info("[%s] %s now has %d partitions", f->name, topic, total);
    return rc;
}

static int alter_configs(mir_flow_t *f, const char *topic, const cfg_t *want, char *why,
                         size_t whylen)
{
    rd_kafka_ConfigResource_t *res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic);
    for (size_t i = 0; i < want->n; i++)
        rd_kafka_ConfigResource_set_config(res, want->names[i], want->values[i]);
    admin_req_t r;
    admin_begin(&r, f->tgt_admin, RD_KAFKA_ADMIN_OP_ALTERCONFIGS);
    rd_kafka_AlterConfigs(f->tgt_admin, &res, 1, r.o, r.q);
    rd_kafka_event_t *ev = admin_end(&r, "AlterConfigs", why, whylen);
    rd_kafka_ConfigResource_destroy(res);
    if (!ev)
        return XDC_EKAFKA;
    size_t n;
    const rd_kafka_ConfigResource_t **rs =
        rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev), &n);
    const rd_kafka_ConfigResource_t *one = config_result(rs, n, "AlterConfigs", topic, why, whylen);
    rd_kafka_event_destroy(ev);
    return one ? 0 : XDC_EKAFKA;
}

/* @return the partition count of @p topic on @p rk's cluster, 0 when it
 * does not exist, or < 0 when the cluster did not answer. */
static int partition_count(rd_kafka_t *rk, const char *topic)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, ADMIN_TIMEOUT_MS);
    rd_kafka_topic_destroy(rkt);
    if (err)
        return -1;
    int n = 0;
    if (md->topic_cnt == 1 && !md->topics[0].err)
        n = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    return n;
}

int mir__topics_ensure_partitions(mir_flow_t *f, const char *remote, int partitions)
{
    int have = partition_count(f->tgt_admin, remote);
    if (have < 0 || have >= partitions)
        return have < 0 ? XDC_EKAFKA : 0;
    char why[512];
    int rc = have == 0 ? create_topic(f, f->tgt_admin, remote, partitions,
                                      f->fc->replication_factor, NULL, why, sizeof(why))
                       : create_partitions(f, remote, partitions, why, sizeof(why));
    if (rc < 0)
        log_warn("[%s] %s", f->name, why);
    return rc;
}

int mir__topics_ensure_internal(mir_flow_t *f, rd_kafka_t *rk, const char *topic, int rf)
{
    int have = partition_count(rk, topic);
    if (have > 0)
        return 0;
    if (have < 0)
        return XDC_EKAFKA;
    cfg_t c = {0};
    cfg_add(&c, "cleanup.policy", "compact");
    char why[512];
    int rc = create_topic(f, rk, topic, 1, rf, &c, why, sizeof(why));
    cfg_free(&c);
    if (rc < 0)
        log_warn("[%s] %s", f->name, why);
    return rc;
}

/* --- discovery ---------------------------------------------------------- */

static bool should_mirror(mir_flow_t *f, const char *topic)
{
    if (mir_policy_is_internal_topic(&f->policy, topic))
        return false;
    if (mir_policy_is_cycle(&f->policy, topic, f->target->alias))
        return false;
    /* Heartbeats go through whatever the topic filter says, as in MM2
     * (heartbeats.replication.enabled), so replication latency is measured. */
    if (mir_policy_is_heartbeats_topic(&f->policy, topic))
        return true;
    return mir_filter_match(f->topic_filter, topic);
}

static bool configs_equal(const cfg_t *a, const cfg_t *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        const char *v = cfg_get(b, a->names[i]);
        if (!v || strcmp(v, a->values[i]) != 0)
            return false;
    }
    return true;
}

/* Make @p remote match source topic @p topic.  @return 0 when it exists
 * with enough partitions. Config sync is best effort, as in MM2 where it
 * is a task of its own: a remote topic with enough partitions stays
 * mirrored when its configs cannot be read or written (DescribeConfigs
 * denied, not served, timed out) rather than leaving the subscription
 * until a sync succeeds. */
static int sync_topic(mir_flow_t *f, const char *topic, int partitions, const char *remote,
                      int target_parts, bool sync_configs)
{
    char why[512] = "";
    int rc = 0;
    bool enough = target_parts >= partitions;
    cfg_t want = {0};
    bool configs = f->fc->sync_topic_configs_enabled && (target_parts == 0 || sync_configs);
    if (configs)
        rc = wanted_configs(f, topic, &want, why, sizeof(why));
    if (!rc && target_parts == 0) {
        rc = create_topic(f, f->tgt_admin, remote, partitions, f->fc->replication_factor, &want,
                          why, sizeof(why));
    } else if (!rc) {
        if (target_parts < partitions) {
            rc = create_partitions(f, remote, partitions, why, sizeof(why));
            enough = rc == 0;
        }
        if (!rc && configs) {
            cfg_t have = {0};
            rc = describe_dynamic(f->tgt_admin, remote, &have, why, sizeof(why));
            if (!rc && !configs_equal(&want, &have)) {
                rc = alter_configs(f, remote, &want, why, sizeof(why));
                if (!rc)
                    log_info("[%s] %s: topic configs synced from %s (%zu set)", f->name, remote,
                             topic, want.n);
            }
            cfg_free(&have);
        }
    }
    cfg_free(&want);
    if (rc < 0) {
        log_warn("[%s] %s -> %s: %s", f->name, topic, remote, why);
        pthread_mutex_lock(&f->lock);
        snprintf(f->last_error, sizeof(f->last_error), "%s", why);
        pthread_mutex_unlock(&f->lock);
    }
    return enough ? 0 : rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void publish_wanted(mir_flow_t *f, char **names, size_t n)
{
    qsort(names, n, sizeof(char *), cmp_str);
    pthread_mutex_lock(&f->lock);
    bool same = n == f->nwanted;
    for (size_t i = 0; same && i < n; i++)
        same = strcmp(names[i], f->wanted[i]) == 0;
    if (same) {
        pthread_mutex_unlock(&f->lock);
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        return;
    }
    for (size_t i = 0; i < f->nwanted; i++)
        free(f->wanted[i]);
    free(f->wanted);
    f->wanted = names;
    f->nwanted = n;
    f->wanted_gen++;
    pthread_mutex_unlock(&f->lock);
}

static void refresh(mir_flow_t *f, bool sync_configs)
{
    const struct rd_kafka_metadata *src, *tgt;
    if (rd_kafka_metadata(f->src_admin, 1, NULL, &src, ADMIN_TIMEOUT_MS)) {
        log_warn("[%s] source metadata unavailable; topics not refreshed", f->name);
        return;
    }
    if (rd_kafka_metadata(f->tgt_admin, 1, NULL, &tgt, ADMIN_TIMEOUT_MS)) {
        log_warn("[%s] target metadata unavailable; topics not refreshed", f->name);
        rd_kafka_metadata_destroy(src);
        return;
    }
    char **names = xcalloc((size_t)src->topic_cnt + 1, sizeof(char *));
    size_t n = 0;
    bool stopped = false;
    for (int i = 0; i < src->topic_cnt; i++) {
        const struct rd_kafka_metadata_topic *t = &src->topics[i];
        /* Each topic may wait on admin requests: a stop must not. */
        if ((stopped = atomic_load(&f->stop)))
            break;
        if (t->err || t->partition_cnt <= 0 || !should_mirror(f, t->topic))
            continue;
        char remote[256];
        if (mir_policy_remote_topic(&f->policy, f->source->alias, t->topic, remote,
                                    sizeof(remote)) < 0) {
            log_warn("[%s] %s: remote topic name too long, not mirrored", f->name, t->topic);
            continue;
        }
        int have = 0;
        for (int j = 0; j < tgt->topic_cnt; j++)
            if (!tgt->topics[j].err && strcmp(tgt->topics[j].topic, remote) == 0)
                have = tgt->topics[j].partition_cnt;
        if (sync_topic(f, t->topic, t->partition_cnt, remote, have, sync_configs) == 0)
            names[n++] = xstrdup(t->topic);
    }
    rd_kafka_metadata_destroy(src);
    rd_kafka_metadata_destroy(tgt);
    if (stopped) {
        /* A partial list would unsubscribe the topics not reached. */
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        return;
    }
    publish_wanted(f, names, n);
}

/* Source log-end offsets of the paused partitions assigned here: the
 * consumer does not fetch them, so its own watermarks (sampled by the data
 * thread for the others) go stale. */
static void sample_log_ends(mir_flow_t *f)
{
    pthread_mutex_lock(&f->lock);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
    for (size_t i = 0; i < f->ntopics; i++)
        for (int j = 0; j < f->topics[i]->nparts; j++)
            if (f->topics[i]->parts[j] && f->topics[i]->parts[j]->paused)
                rd_kafka_topic_partition_list_add(l, f->topics[i]->name, j)->offset =
                    RD_KAFKA_OFFSET_END;
    pthread_mutex_unlock(&f->lock);
    if (l->cnt > 0 && rd_kafka_offsets_for_times(f->src_admin, l, 5000) == 0) {
        pthread_mutex_lock(&f->lock);
        for (int i = 0; i < l->cnt; i++) {
            mir_topic_t *t = mir__flow_topic_find(f, l->elems[i].topic);
            int32_t pn = l->elems[i].partition;
            if (!l->elems[i].err && t && pn < t->nparts && t->parts[pn] &&
                l->elems[i].offset > t->parts[pn]->log_end)
                t->parts[pn]->log_end = l->elems[i].offset;
        }
        pthread_mutex_unlock(&f->lock);
    }
    rd_kafka_topic_partition_list_destroy(l);
}

static void ensure_internal_topics(mir_flow_t *f, bool *done)
{
    if (*done)
        return;
    int rc = 0;
    if (f->fc->emit_offset_syncs_enabled) {
        bool at_source = f->fc->offset_syncs_location == MIR_SYNCS_SOURCE;
        rc |= mir__topics_ensure_internal(f, at_source ? f->src_admin : f->tgt_admin,
                                          f->syncs_topic, f->fc->offset_syncs_rf);
    }
    if (f->fc->emit_heartbeats_enabled)
        rc |= mir__topics_ensure_internal(f, f->src_admin, "heartbeats", f->fc->heartbeats_rf);
    *done = rc == 0;
}

void *mir__topics_main(void *arg)
{
    mir_flow_t *f = arg;
    bool internal_done = false;
    int64_t next_refresh = 0, next_configs = 0;
    while (!atomic_load(&f->stop)) {
        int64_t now = xdc_mono_ms();
        ensure_internal_topics(f, &internal_done);
        if (now >= next_refresh) {
            /* A flow paused by the API leaves the configs of the target's
             * topics alone: after a failover they are the new primary's. */
            pthread_mutex_lock(&f->lock);
            bool paused = f->halt_requested;
            pthread_mutex_unlock(&f->lock);
            bool configs = now >= next_configs && !paused;
            refresh(f, configs);
            next_refresh = now + (int64_t)f->fc->refresh_topics_interval_s * 1000;
            if (configs)
                next_configs = now + (int64_t)f->fc->sync_topic_configs_interval_s * 1000;
        }
        sample_log_ends(f);
        pthread_mutex_lock(&f->lock);
        if (!atomic_load(&f->stop)) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            pthread_cond_timedwait(&f->wake, &f->lock, &ts);
        }
        pthread_mutex_unlock(&f->lock);
    }
    return NULL;
}
