/* A switch of clients from one site to the other, phase by phase, each
 * timed in the report (RTO/RPO model: docs/operations.md).
 *
 * Planned (what drills use): preflight (DNS prerequisite-only update) ->
 * fence the old site -> drain (the mirror has copied every partition up
 * to the log end read after fencing: RPO 0 by construction) -> wait for a
 * checkpoint pass that began after the drain -> apply the checkpoints to
 * the groups on the new site -> unfence the new site -> switch DNS ->
 * verify as a client would.
 * Unplanned: the old site is down, so no fence and no drain; the RPO is
 * estimated from the mirror's last lag sample. */
#include "failover/fo_int.h"

#include "checkpoint/checkpoint.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/exec.h"
#include "common/json.h"
#include "common/log.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POLL_MS 200

typedef struct sw {
    fo_t *fo;
    const fo_conf_t *c;
    const fo_switch_req_t *req;
    const char *from, *to;
    char flow[64];
    const char *mirror_url;
    const conf_list_t *from_addrs, *to_addrs;
    json_t *report, *phases, *stamps;
    int degraded;
    int64_t drained_ms; /* the mirror's clock when it showed the drain complete */
    int paused;         /* this switch paused the flow from -> to */
    char err[1024];
} sw_t;

static json_t *phase_begin(sw_t *s, const char *name)
{
    json_t *ph = json_pack("{s:s, s:I}", "name", name, "start_ms", (json_int_t)xdc_wall_ms());
    json_array_append_new(s->phases, ph);
    fo__report_publish(s->fo, s->report);
    log_info("failover: %s %s->%s: %s%s", s->req->kind, s->from, s->to, name,
             s->req->dry_run ? " (dry run)" : "");
    return ph;
}

/* Close a phase; its end is also the timestamp of @p stamp (may be NULL). */
static int phase_end(sw_t *s, json_t *ph, const char *stamp, int rc)
{
    int64_t now = xdc_wall_ms();
    json_object_set_new(ph, "end_ms", json_integer(now));
    json_object_set_new(ph, "duration_ms",
                        json_integer(now - json_integer_value(json_object_get(ph, "start_ms"))));
    json_object_set_new(ph, "ok", json_boolean(rc == 0));
    if (rc)
        json_object_set_new(ph, "error", json_string(s->err));
    if (stamp && !rc)
        json_object_set_new(s->stamps, stamp, json_integer(now));
    fo__report_publish(s->fo, s->report);
    return rc;
}

/* --- preflight ---------------------------------------------------------------- */

static int preflight(sw_t *s)
{
    json_t *ph = phase_begin(s, "preflight"), *dns = NULL;
    const conf_list_t *expect = s->req->dns_from ? s->req->dns_from : s->from_addrs;
    int rc = fo_dns_switch(s->fo->dns, expect, s->to_addrs, 1, &dns, s->err, sizeof(s->err));
    json_object_set_new(ph, "dns", dns);
    if (!rc && s->req->planned && !*s->mirror_url) {
        xdc_errbuf(s->err, sizeof(s->err), "a planned %s needs the mirror's URL (%s)", s->req->kind,
                   strcmp(s->to, "dr") == 0 ? "mirror.url" : "failback.mirror.url");
        rc = XDC_ECONF;
    }
    return phase_end(s, ph, "decide", rc);
}

/* --- fencing -------------------------------------------------------------------- */

/* Fence (@p on) or unfence @p site; nothing in a dry run. */
static int fence_site(sw_t *s, const char *site, int on, json_t *ph)
{
    if (s->req->dry_run) {
        json_object_set_new(ph, "mode", json_string(fo__fence_mode_name(s->c)));
        return 0;
    }
    return fo__fence_site(s->c, site, on, ph, s->err, sizeof(s->err));
}

static int fence(sw_t *s)
{
    json_t *ph = phase_begin(s, "fence");
    json_object_set_new(ph, "site", json_string(s->from));
    return phase_end(s, ph, "fence", fence_site(s, s->from, 1, ph));
}

/* --- drain -------------------------------------------------------------------- */

/* The log end of every mirrored partition, read from the fenced site
 * itself: nothing can be appended any more, so this is the final RPO
 * reference. */
static int read_log_ends(sw_t *s, const fo_lag_t *lag, int64_t *ends)
{
    rd_kafka_t *rk =
        fo__client(s->c, s->from, RD_KAFKA_PRODUCER, NULL, NULL, s->err, sizeof(s->err));
    if (!rk)
        return XDC_ECONF;
    int rc = 0;
    for (size_t i = 0; i < lag->n && !rc; i++) {
        rc =
            fo__log_end(rk, lag->v[i].topic, lag->v[i].partition, s->c->fence_timeout_ms, &ends[i]);
        if (rc)
            xdc_errbuf(s->err, sizeof(s->err), "cannot read the log end of %s/%d on %s",
                       lag->v[i].topic, lag->v[i].partition, s->from);
    }
    rd_kafka_destroy(rk);
    return rc;
}

static json_t *rpo_partitions(const fo_lag_t *lag, const int64_t *ends)
{
    json_t *a = json_array();
    for (size_t i = 0; i < lag->n; i++) {
        int64_t lost = ends[i] > lag->v[i].replicated ? ends[i] - lag->v[i].replicated : 0;
        json_array_append_new(a, json_pack("{s:s, s:i, s:I, s:I, s:I}", "topic", lag->v[i].topic,
                                           "partition", lag->v[i].partition, "log_end_offset",
                                           (json_int_t)ends[i], "replicated_up_to",
                                           (json_int_t)lag->v[i].replicated, "records",
                                           (json_int_t)lost));
    }
    return a;
}

/* Until the mirror has copied every partition up to the log end read
 * after fencing. */
static int drain_wait(sw_t *s, json_t *ph)
{
    fo_lag_t lag;
    int rc = fo__mirror_lag(s->mirror_url, s->flow, &lag, s->err, sizeof(s->err));
    if (!rc && lag.n == 0) {
        /* Nothing to prove RPO 0 with: the mirror has no partition yet. */
        xdc_errbuf(s->err, sizeof(s->err), "the mirror at %s copies no partition of %s",
                   s->mirror_url, s->flow);
        fo__lag_free(&lag);
        rc = XDC_ESTATE;
    }
    int64_t *ends = rc ? NULL : xcalloc(lag.n + 1, sizeof(int64_t));
    if (!rc)
        rc = read_log_ends(s, &lag, ends);
    int64_t deadline = xdc_mono_ms() + s->c->drain_timeout_ms;
    for (int behind = 1; !rc && behind;) {
        behind = 0;
        for (size_t i = 0; i < lag.n; i++)
            behind += lag.v[i].replicated < ends[i];
        if (!behind) {
            s->drained_ms = lag.time_ms;
            break;
        }
        if (xdc_mono_ms() >= deadline) {
            xdc_errbuf(s->err, sizeof(s->err),
                       "the mirror has not caught up within failover.drain.timeout.ms (%d ms): "
                       "%d partition(s) behind",
                       s->c->drain_timeout_ms, behind);
            rc = XDC_ETIMEDOUT;
            break;
        }
        xdc_sleep_ms(POLL_MS);
        /* Re-read the mirror; the log ends are final. */
        fo_lag_t next;
        rc = fo__mirror_lag(s->mirror_url, s->flow, &next, s->err, sizeof(s->err));
        if (!rc && next.n != lag.n) {
            xdc_errbuf(s->err, sizeof(s->err), "the mirror's partitions changed during the drain");
            rc = XDC_ESTATE;
        }
        if (!rc) {
            fo__lag_free(&lag);
            lag = next;
        } else if (next.v) {
            fo__lag_free(&next);
        }
    }
    if (ends) {
        json_object_set_new(ph, "partitions", json_integer((json_int_t)lag.n));
        json_t *rpo =
            json_pack("{s:I, s:I, s:f, s:b, s:o}", "records", (json_int_t)0, "bytes", (json_int_t)0,
                      "seconds", 0.0, "estimated", 0, "partitions", rpo_partitions(&lag, ends));
        if (rc) /* what would be lost if the operator gave up now */
            json_object_set_new(rpo, "records", json_integer(lag.total_records));
        json_object_set_new(s->report, "rpo", rpo);
        fo__lag_free(&lag);
    }
    free(ends);
    return rc;
}

static int drain(sw_t *s)
{
    json_t *ph = phase_begin(s, "drain");
    int rc;
    if (s->req->dry_run) {
        fo_lag_t lag;
        rc = fo__mirror_lag(s->mirror_url, s->flow, &lag, s->err, sizeof(s->err));
        if (!rc) {
            json_object_set_new(ph, "lag_records", json_integer(lag.total_records));
            fo__lag_free(&lag);
        }
    } else {
        rc = drain_wait(s, ph);
    }
    return phase_end(s, ph, "drain", rc);
}

/* --- checkpoints and offsets ------------------------------------------------------ */

/* Final checkpoints: a pass that read the groups after the drain (the
 * consumers could not commit on the fenced site since), and a checkpoint of
 * every group-partition's current commit. Both times are the mirror's
 * clock, which need not agree with ours. */
static int checkpoints(sw_t *s)
{
    json_t *ph = phase_begin(s, "checkpoints"), *pending = NULL;
    int64_t last = 0, deadline = xdc_mono_ms() + s->c->checkpoint_timeout_ms;
    int rc;
    for (;;) {
        json_decref(pending);
        rc = fo__mirror_checkpoint_run(s->mirror_url, s->flow, &s->c->groups, &last, &pending,
                                       s->err, sizeof(s->err));
        if (rc || s->req->dry_run || (last > s->drained_ms && !json_array_size(pending)))
            break;
        if (xdc_mono_ms() >= deadline) {
            xdc_errbuf(s->err, sizeof(s->err),
                       "%zu group partition(s) without a final checkpoint after "
                       "failover.checkpoint.timeout.ms (%d ms): see pending",
                       json_array_size(pending), s->c->checkpoint_timeout_ms);
            rc = XDC_ETIMEDOUT;
            break;
        }
        xdc_sleep_ms(POLL_MS);
    }
    json_object_set_new(ph, "pass_ms", json_integer(last));
    if (pending && json_array_size(pending))
        json_object_set(ph, "pending", pending);
    json_decref(pending);
    return phase_end(s, ph, NULL, rc);
}

static json_t *applied_json(const mir_applied_group_t *g)
{
    json_t *parts = json_array();
    for (size_t k = 0; k < g->nparts; k++) {
        const mir_applied_part_t *p = &g->parts[k];
        json_t *o =
            json_pack("{s:s, s:i, s:I, s:I, s:I}", "topic", p->topic, "partition", p->partition,
                      "source_offset", (json_int_t)p->source_offset, "target_offset",
                      (json_int_t)p->target_offset, "previous", (json_int_t)p->previous);
        if (p->inexact)
            json_object_set_new(o, "inexact", json_string(ckpt_inexact_str(p->inexact)));
        json_array_append_new(parts, o);
    }
    json_t *o = json_pack("{s:s, s:b, s:i, s:o}", "group", g->group, "applied", g->applied,
                          "members", g->members, "partitions", parts);
    if (!g->applied)
        json_object_set_new(o, "error", json_string(g->error));
    return o;
}

static int offsets(sw_t *s)
{
    json_t *ph = phase_begin(s, "offsets");
    const mir_flow_conf_t *fc = mir_conf_flow(&s->c->sites, s->flow);
    json_object_set_new(ph, "source", json_string(s->c->sites.clusters_v[fc->source].alias));
    json_object_set_new(ph, "target", json_string(s->c->sites.clusters_v[fc->target].alias));
    json_object_set_new(ph, "target_bootstrap",
                        json_string(s->c->sites.clusters_v[fc->target].bootstrap_servers));
    mir_applied_group_t *v = NULL;
    size_t n = 0;
    int rc = mir_checkpoints_apply(&s->c->sites, fc, (const char *const *)s->c->groups.items,
                                   (size_t)s->c->groups.count, s->req->dry_run,
                                   s->c->checkpoint_timeout_ms, &v, &n, s->err, sizeof(s->err));
    json_t *groups = json_array();
    int refused = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        json_array_append_new(groups, applied_json(&v[i]));
        refused += !v[i].applied;
    }
    json_object_set_new(s->report, "offsets", groups);
    mir_applied_free(v, n);
    if (refused) {
        /* Those groups keep whatever they had on the new site: degraded,
         * not stopped, since the other groups and every client move on. */
        s->degraded = 1;
        json_object_set_new(ph, "groups_refused", json_integer(refused));
    }
    return phase_end(s, ph, "offsets", rc);
}

/* --- the mirror's flows ---------------------------------------------------------- */

/* Stop the old direction once it has nothing left to copy (planned) or
 * nothing it may copy (unplanned: when the old site returns, its tail
 * past this point is what reconcile reports, not DR's data). The mirror's
 * answer holds the replicated offsets, frozen from now on. */
static int flow_pause(sw_t *s)
{
    json_t *ph = phase_begin(s, "pause"), *answer = NULL;
    json_object_set_new(ph, "flow", json_string(s->flow));
    int rc;
    if (s->req->dry_run) {
        fo_lag_t lag;
        rc = fo__mirror_lag(s->mirror_url, s->flow, &lag, s->err, sizeof(s->err));
        if (!rc)
            fo__lag_free(&lag);
    } else {
        rc = fo__mirror_pause(s->mirror_url, s->fo->mirror_token, s->flow, 1,
                              s->c->drain_timeout_ms, &answer, s->err, sizeof(s->err));
    }
    if (answer) {
        s->paused = 1;
        json_object_set(ph, "drained", json_object_get(answer, "drained"));
        json_t *rep = json_pack("{s:s, s:O}", "flow", s->flow, "partitions",
                                json_object_get(answer, "partitions") ?: json_null());
        json_object_set_new(s->report, "replicated", rep);
        json_decref(answer);
    }
    if (rc && !s->req->planned) {
        /* The old site is gone: clients must move on regardless; reconcile
         * will lack the frozen point. */
        s->degraded = 1;
        phase_end(s, ph, NULL, rc);
        return 0;
    }
    return phase_end(s, ph, NULL, rc);
}

/* Start the new direction (new site -> old site) if it was paused, so the
 * old site catches up for the failback. Clients are on the new site by
 * now: a failure degrades the switch, it does not stop it. */
static void flow_resume(sw_t *s)
{
    const char *url = fo__flow_url(s->c, s->to);
    if (s->req->dry_run || !*url)
        return;
    char flow[64];
    snprintf(flow, sizeof(flow), "%s->%s", s->to, s->from);
    json_t *ph = phase_begin(s, "resume"), *answer = NULL;
    json_object_set_new(ph, "flow", json_string(flow));
    int rc =
        fo__mirror_pause(url, s->fo->mirror_token, flow, 0, 0, &answer, s->err, sizeof(s->err));
    json_decref(answer);
    if (rc == XDC_ENOTFOUND)
        rc = 0; /* that mirror does not run the reverse flow */
    s->degraded |= rc != 0;
    char keep[sizeof(s->err)];
    snprintf(keep, sizeof(keep), "%s", s->err);
    phase_end(s, ph, NULL, rc);
    snprintf(s->err, sizeof(s->err), "%s", keep);
}

/* A planned switch that stopped: the old direction runs again. */
static void flow_unpause(sw_t *s)
{
    json_t *answer = NULL;
    char why[512];
    if (fo__mirror_pause(s->mirror_url, s->fo->mirror_token, s->flow, 0, 0, &answer, why,
                         sizeof(why)) < 0)
        log_error("failover: cannot resume %s after the rollback: %s", s->flow, why);
    json_decref(answer);
}

/* --- DNS and verification -------------------------------------------------------- */

static int dns(sw_t *s)
{
    json_t *ph = phase_begin(s, "dns"), *detail = NULL;
    int rc = fo_dns_switch(s->fo->dns, s->from_addrs, s->to_addrs, s->req->dry_run, &detail, s->err,
                           sizeof(s->err));
    json_object_set_new(s->report, "dns", detail);
    return phase_end(s, ph, "dns", rc);
}

/* Restore the status quo after a planned switch stopped before DNS moved:
 * the old site takes writes again. */
static void unfence_old(sw_t *s)
{
    json_t *ph = phase_begin(s, "rollback");
    char keep[sizeof(s->err)];
    snprintf(keep, sizeof(keep), "%s", s->err);
    int rc = fence_site(s, s->from, 0, ph);
    phase_end(s, ph, NULL, rc);
    snprintf(s->err, sizeof(s->err), "%s", keep);
}

static int verify_dns(sw_t *s, json_t *v)
{
    json_t *servers = json_array();
    int bad = 0;
    for (int i = 0; i < fo_dns_server_count(s->fo->dns); i++) {
        conf_list_t now;
        char why[512];
        json_t *o = json_pack("{s:s}", "server", fo_dns_server(s->fo->dns, i));
        if (fo_dns_lookup(s->fo->dns, i, &now, why, sizeof(why)) < 0) {
            json_object_set_new(o, "error", json_string(why));
            bad++;
        } else {
            json_object_set_new(o, "answer", fo__list_json(&now));
            bad += !fo__addrs_equal(&now, s->to_addrs);
            conf_list_free(&now);
        }
        json_array_append_new(servers, o);
    }
    json_object_set_new(v, "dns_servers", servers);
    json_object_set_new(v, "dns_ok", json_boolean(!bad));
    return bad;
}

/* Every address the name now holds leads to the new site's cluster. */
static int verify_cluster_id(sw_t *s, json_t *v)
{
    char want[128] = "", got[128], why[512];
    rd_kafka_t *rk = fo__client(s->c, s->to, RD_KAFKA_PRODUCER, NULL, NULL, why, sizeof(why));
    if (rk && fo__cluster_id(rk, s->c->verify_timeout_ms, want, sizeof(want)) < 0)
        want[0] = '\0';
    if (rk)
        rd_kafka_destroy(rk);
    json_t *via = json_array();
    int bad = !want[0];
    for (int i = 0; i < s->to_addrs->count; i++) {
        char bootstrap[300];
        snprintf(bootstrap, sizeof(bootstrap), "%s%s%s:%d",
                 strchr(s->to_addrs->items[i], ':') ? "[" : "", s->to_addrs->items[i],
                 strchr(s->to_addrs->items[i], ':') ? "]" : "", s->c->bootstrap_port);
        rk = fo__client(s->c, s->to, RD_KAFKA_PRODUCER, bootstrap, NULL, why, sizeof(why));
        int ok = rk && fo__cluster_id(rk, s->c->verify_timeout_ms, got, sizeof(got)) == 0;
        if (rk)
            rd_kafka_destroy(rk);
        json_array_append_new(
            via, json_pack("{s:s, s:s}", "bootstrap", bootstrap, "cluster_id", ok ? got : ""));
        bad += !ok || strcmp(got, want) != 0;
    }
    json_object_set_new(v, "cluster_id", json_string(want));
    json_object_set_new(v, "via_name", via);
    json_object_set_new(v, "cluster_id_ok", json_boolean(!bad));
    return bad;
}

/* The first canary through the name that comes back ends the outage. */
static int verify_canary(sw_t *s, json_t *v)
{
    char bootstrap[300], why[512] = "";
    snprintf(bootstrap, sizeof(bootstrap), "%s%s%s:%d",
             strchr(s->to_addrs->items[0], ':') ? "[" : "", s->to_addrs->items[0],
             strchr(s->to_addrs->items[0], ':') ? "]" : "", s->c->bootstrap_port);
    int64_t deadline = xdc_mono_ms() + s->c->verify_timeout_ms, left;
    fo_canary_t *k = fo__canary_new(s->c, s->to, bootstrap, NULL);
    int rc;
    do {
        left = deadline - xdc_mono_ms();
        rc = fo__canary_round(k, left > 0 ? (int)left : 1, why, sizeof(why));
    } while (rc && xdc_mono_ms() < deadline && (xdc_sleep_ms(POLL_MS), 1));
    fo__canary_free(k);
    json_object_set_new(v, "canary_ok", json_boolean(rc == 0));
    if (rc)
        json_object_set_new(v, "canary_error", json_string(why));
    else
        json_object_set_new(s->stamps, "first_canary", json_integer(xdc_wall_ms()));
    return rc != 0;
}

/* The groups' offsets on the new site are the checkpoints just applied. */
static int verify_offsets(sw_t *s, json_t *v)
{
    json_t *groups = json_object_get(s->report, "offsets"), *g;
    size_t i;
    int bad = 0;
    json_array_foreach(groups, i, g)
    {
        if (!json_is_true(json_object_get(g, "applied")))
            continue;
        json_t *parts = json_object_get(g, "partitions"), *p;
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
        size_t k;
        json_array_foreach(parts, k, p) rd_kafka_topic_partition_list_add(
            l, json_string_value(json_object_get(p, "topic")),
            (int32_t)json_integer_value(json_object_get(p, "partition")));
        char why[512];
        const char *group = json_string_value(json_object_get(g, "group"));
        if (fo__group_committed(s->c, s->to, group, l, s->c->verify_timeout_ms, why, sizeof(why)) <
            0) {
            bad++;
        } else {
            json_array_foreach(parts, k, p) bad +=
                l->elems[k].offset != json_integer_value(json_object_get(p, "target_offset"));
        }
        rd_kafka_topic_partition_list_destroy(l);
    }
    json_object_set_new(v, "offsets_ok", json_boolean(!bad));
    return bad;
}

static int verify(sw_t *s)
{
    json_t *ph = phase_begin(s, "verify"), *v = json_object();
    json_object_set_new(s->report, "verification", v);
    if (s->req->dry_run)
        return phase_end(s, ph, NULL, 0);
    int bad = verify_dns(s, v);
    bad += verify_cluster_id(s, v);
    bad += verify_canary(s, v);
    bad += verify_offsets(s, v);
    if (bad)
        s->degraded = 1;
    phase_end(s, ph, "verify", 0);
    return 0;
}

/* --- the whole ------------------------------------------------------------------- */

static void report_init(sw_t *s, const char *id)
{
    int64_t now = xdc_wall_ms();
    s->phases = json_array();
    s->stamps = json_pack("{s:I}", "t0", (json_int_t)(s->req->t0_ms ? s->req->t0_ms : now));
    if (s->req->detect_ms)
        json_object_set_new(s->stamps, "detect", json_integer(s->req->detect_ms));
    s->report = json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:I, s:i, s:o, s:o}", "id", id,
                          "kind", s->req->kind, "mode", s->req->planned ? "planned" : "unplanned",
                          "dry_run", s->req->dry_run, "from", s->from, "to", s->to, "outcome",
                          "running", "started_ms", (json_int_t)now, "dns_ttl_s", s->c->dns.ttl_s,
                          "timestamps", s->stamps, "phases", s->phases);
    if (s->req->rpo)
        json_object_set(s->report, "rpo", s->req->rpo);
}

static void report_finish(sw_t *s, int rc)
{
    const char *outcome = rc                ? "failed"
                          : s->req->dry_run ? "dry-run"
                          : s->degraded     ? "degraded"
                                            : "completed";
    json_object_set_new(s->report, "outcome", json_string(outcome));
    json_object_set_new(s->report, "finished_ms", json_integer(xdc_wall_ms()));
    if (rc)
        json_object_set_new(s->report, "error", json_string(s->err));
    json_t *first = json_object_get(s->stamps, "first_canary");
    if (first)
        json_object_set_new(s->report, "rto_ms",
                            json_integer(json_integer_value(first) -
                                         json_integer_value(json_object_get(s->stamps, "t0"))));
    log_info("failover: %s %s->%s: %s%s%s", s->req->kind, s->from, s->to, outcome, rc ? ": " : "",
             rc ? s->err : "");
}

/* An unplanned failover leaves the old site to be fenced when it returns
 * and reconciled; a failback to it ends that. */
static void hold_update(sw_t *s)
{
    json_t *hold = fo__hold_get(s->fo);
    const char *held = json_string_value(json_object_get(hold, "site"));
    int rc = 0;
    if (!s->req->planned)
        rc = fo__hold_set(s->fo, s->from, json_string_value(json_object_get(s->report, "id")));
    else if (held && strcmp(held, s->to) == 0)
        rc = fo__hold_set(s->fo, NULL, NULL);
    if (rc)
        log_error("failover: cannot record the fenced site in %s: %s", s->c->report_dir,
                  strerror(-rc));
    json_decref(hold);
}

static int run_phases(sw_t *s)
{
    int rc = preflight(s);
    if (!rc && s->req->planned)
        rc = fence(s);
    if (!rc && s->req->planned)
        rc = drain(s);
    /* Unplanned: the old site is gone, its groups cannot be read; the last
     * checkpoints are what there is. */
    if (!rc && s->req->planned)
        rc = checkpoints(s);
    if (!rc && *s->mirror_url)
        rc = flow_pause(s);
    if (!rc)
        rc = offsets(s);
    if (!rc) {
        json_t *ph = phase_begin(s, "unfence");
        json_object_set_new(ph, "site", json_string(s->to));
        rc = phase_end(s, ph, NULL, fence_site(s, s->to, 0, ph));
    }
    if (!rc)
        rc = dns(s);
    if (rc && s->req->planned && !s->req->dry_run && json_object_get(s->stamps, "fence"))
        unfence_old(s);
    if (rc && s->paused && s->req->planned)
        flow_unpause(s);
    if (!rc)
        rc = verify(s);
    if (!rc)
        flow_resume(s);
    return rc;
}

int fo_switch(fo_t *fo, const fo_switch_req_t *req, json_t **report)
{
    *report = NULL;
    int failback = strcmp(req->kind, "failback") == 0;
    sw_t s = {.fo = fo, .c = fo->conf, .req = req};
    s.from = failback ? "dr" : "primary";
    s.to = failback ? "primary" : "dr";
    s.from_addrs = failback ? &fo->conf->dr_addresses : &fo->conf->primary_addresses;
    s.to_addrs = failback ? &fo->conf->primary_addresses : &fo->conf->dr_addresses;
    s.mirror_url = fo__flow_url(fo->conf, s.from);
    snprintf(s.flow, sizeof(s.flow), "%s->%s", s.from, s.to);
    char id[128];
    if (req->id)
        snprintf(id, sizeof(id), "%s", req->id);
    else if (fo__report_begin(fo, req->kind, id, sizeof(id)) < 0)
        return XDC_ESTATE;
    report_init(&s, id);
    int rc = run_phases(&s);
    report_finish(&s, rc);
    if (!rc && !req->dry_run)
        hold_update(&s);
    fo__report_end(fo, s.report);
    *report = s.report;
    return rc;
}

int fo_switch_begin(fo_t *fo, const char *kind, char *id, size_t len)
{
    return fo__report_begin(fo, kind, id, len);
}
