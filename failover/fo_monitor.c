/* The monitor: probes the site the name points at every
 * health.interval.ms (each broker, and a canary round trip), samples the
 * mirror's lag while the primary is active (the RPO estimate of an
 * unplanned failover), and fails over on its own when
 * failover.auto.enabled and the verdict allows it. */
#include "failover/fo_int.h"

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fo_monitor {
    fo_t *fo;
    pthread_t thread;
    atomic_bool stop;
    pthread_mutex_t lock; /* guards what status reads */
    fo_health_t health;
    char active[16]; /* "primary", "dr", "unknown" */
    json_t *probes;  /* the last interval's probes */
    fo_lag_t lag;    /* the last lag sample of primary->dr */
    int64_t lag_wall_ms;
    int64_t t0_wall_ms;   /* wall time of the failure streak's first interval, for reports */
    int64_t down_wall_ms; /* and of the down verdict */
    int refused_episode;  /* an automatic failover was refused in this down episode */
    int held_fenced;      /* the held site answered and was fenced since it last went away */
    long failed_probes;   /* probes that failed, ever, for the status */
    fo_canary_t *canary;  /* on canary_site; only the monitor's thread uses it */
    char canary_site[16];
};

/* Fenced xdc-brokers refuse this client, as they refuse applications. */
#define HEALTH_CANARY_CLIENT_ID "xdc-health-canary"

static void sleep_until(fo_monitor_t *m, int64_t deadline)
{
    while (!atomic_load(&m->stop) && xdc_mono_ms() < deadline)
        xdc_sleep_ms(20);
}

/* The site server 0 answers for the name; "unknown" when it holds neither
 * site's addresses or cannot be asked. */
static const char *active_site(fo_monitor_t *m)
{
    const fo_conf_t *c = m->fo->conf;
    conf_list_t now;
    char why[256];
    if (fo_dns_server_count(m->fo->dns) == 0 ||
        fo_dns_lookup(m->fo->dns, 0, &now, why, sizeof(why)))
        return "unknown";
    const char *site = fo__addrs_equal(&now, &c->primary_addresses) ? "primary"
                       : fo__addrs_equal(&now, &c->dr_addresses)    ? "dr"
                                                                    : "unknown";
    conf_list_free(&now);
    return site;
}

/* Probe every broker of @p site. @return the failures; *total the probes. */
static int probe_site(fo_monitor_t *m, const char *site, int *total, json_t *out)
{
    const mir_cluster_t *cl = fo__site(m->fo->conf, site);
    char list[2048];
    snprintf(list, sizeof(list), "%s", cl ? cl->bootstrap_servers : "");
    int failed = 0;
    *total = 0;
    for (char *save, *b = strtok_r(list, ",", &save); b; b = strtok_r(NULL, ",", &save)) {
        while (*b == ' ')
            b++;
        char why[256] = "";
        int64_t t0 = xdc_mono_ms();
        int rc = fo__probe_broker(b, m->fo->conf->health_probe_timeout_ms, why, sizeof(why));
        json_t *o = json_pack("{s:s, s:b, s:I}", "broker", b, "ok", rc == 0, "ms",
                              (json_int_t)(xdc_mono_ms() - t0));
        if (rc)
            json_object_set_new(o, "error", json_string(why));
        json_array_append_new(out, o);
        failed += rc != 0;
        (*total)++;
    }
    return failed;
}

/* The canary round trip on @p site, one more probe in @p out. When no
 * broker of the site answered it cannot succeed: it is not tried, and fails.
 * @return 1 when it failed. */
static int probe_canary(fo_monitor_t *m, const char *site, int brokers_up, json_t *out)
{
    const fo_conf_t *c = m->fo->conf;
    if (m->canary && strcmp(m->canary_site, site) != 0) {
        fo__canary_free(m->canary);
        m->canary = NULL;
    }
    if (!m->canary) {
        m->canary = fo__canary_new(c, site, NULL, HEALTH_CANARY_CLIENT_ID);
        snprintf(m->canary_site, sizeof(m->canary_site), "%s", site);
    }
    char why[512] = "not tried: no broker of the site answered";
    int64_t t0 = xdc_mono_ms();
    int rc = brokers_up ? fo__canary_round(m->canary, c->health_probe_timeout_ms, why, sizeof(why))
                        : XDC_ESTATE;
    json_t *o = json_pack("{s:s, s:b, s:I}", "canary", c->canary_topic, "ok", rc == 0, "ms",
                          (json_int_t)(xdc_mono_ms() - t0));
    if (rc)
        json_object_set_new(o, "error", json_string(why));
    json_array_append_new(out, o);
    return rc != 0;
}

/* The RPO an unplanned failover would have now: per partition the last
 * lag sample, aged by the time since it was taken. */
static double part_rpo_seconds(const fo_part_lag_t *p, int64_t age_ms)
{
    return p->lag_records > 0 ? p->lag_seconds + (double)age_ms / 1000.0 : 0;
}

static int64_t sample_age_ms(const fo_monitor_t *m)
{
    return m->lag_wall_ms ? xdc_wall_ms() - m->lag_wall_ms : 0;
}

/* The estimate's totals: records at risk, and the oldest of them. */
static void rpo_totals(const fo_monitor_t *m, int64_t age_ms, int64_t *records, double *seconds)
{
    *records = 0;
    *seconds = 0;
    for (size_t i = 0; i < m->lag.n; i++) {
        double secs = part_rpo_seconds(&m->lag.v[i], age_ms);
        *records += m->lag.v[i].lag_records;
        *seconds = secs > *seconds ? secs : *seconds;
    }
}

static json_t *rpo_estimate(fo_monitor_t *m)
{
    int64_t age_ms = sample_age_ms(m), records;
    double worst;
    rpo_totals(m, age_ms, &records, &worst);
    json_t *parts = json_array();
    for (size_t i = 0; i < m->lag.n; i++) {
        const fo_part_lag_t *p = &m->lag.v[i];
        json_array_append_new(
            parts, json_pack("{s:s, s:i, s:I, s:I, s:f}", "topic", p->topic, "partition",
                             p->partition, "replicated_up_to", (json_int_t)p->replicated, "records",
                             (json_int_t)p->lag_records, "seconds", part_rpo_seconds(p, age_ms)));
    }
    return json_pack("{s:I, s:n, s:f, s:b, s:I, s:I, s:o}", "records", (json_int_t)records, "bytes",
                     "seconds", worst, "estimated", 1, "sample_ms", (json_int_t)m->lag_wall_ms,
                     "sample_age_ms", (json_int_t)age_ms, "partitions", parts);
}

static void sample_lag(fo_monitor_t *m)
{
    fo_lag_t lag;
    char why[256];
    if (!*m->fo->conf->mirror_url ||
        fo__mirror_lag(m->fo->conf->mirror_url, "primary->dr", &lag, why, sizeof(why)) < 0)
        return; /* keep the last sample: it is the estimate if the primary is gone */
    pthread_mutex_lock(&m->lock);
    fo__lag_free(&m->lag);
    m->lag = lag;
    m->lag_wall_ms = xdc_wall_ms();
    pthread_mutex_unlock(&m->lock);
}

/* Refused automatic failovers are reported once per down episode. */
static void refuse(fo_monitor_t *m, json_t *rpo, const char *why)
{
    if (m->refused_episode++)
        return;
    log_error("failover: automatic failover refused: %s", why);
    fo__report_refused(m->fo, "failover", why, rpo);
}

static void auto_failover(fo_monitor_t *m)
{
    const fo_conf_t *c = m->fo->conf;
    pthread_mutex_lock(&m->lock);
    json_t *rpo = rpo_estimate(m);
    pthread_mutex_unlock(&m->lock);
    double secs = json_real_value(json_object_get(rpo, "seconds"));
    char why[256];
    if (!m->lag_wall_ms) {
        refuse(m, rpo, "no lag sample of the mirror yet: the RPO is unknown");
    } else if (secs * 1000.0 > (double)c->auto_max_rpo_ms) {
        snprintf(why, sizeof(why), "estimated RPO %.1f s exceeds failover.auto.max.rpo.ms (%lld)",
                 secs, (long long)c->auto_max_rpo_ms);
        refuse(m, rpo, why);
    } else {
        fo_switch_req_t req = {.kind = "failover",
                               .planned = 0,
                               .t0_ms = m->t0_wall_ms,
                               .detect_ms = m->down_wall_ms,
                               .rpo = rpo};
        json_t *report = NULL;
        fo_switch(m->fo, &req, &report);
        json_decref(report);
    }
    json_decref(rpo);
}

/* The site an unplanned failover left is fenced the moment it answers
 * again, and the mirror's flow from it stays paused (a restarted mirror
 * runs its flows): its unreplicated tail waits for reconcile, and clients
 * that still reach it are refused. */
static void hold_watch(fo_monitor_t *m)
{
    fo_t *fo = m->fo;
    pthread_mutex_lock(&fo->lock);
    int busy = fo->busy; /* a failback unfences it on purpose */
    pthread_mutex_unlock(&fo->lock);
    json_t *hold = busy ? NULL : fo__hold_get(fo);
    const char *site = json_string_value(json_object_get(hold, "site"));
    if (!site) {
        json_decref(hold);
        return;
    }
    json_t *probes = json_array();
    int total, failed = probe_site(m, site, &total, probes);
    json_decref(probes);
    if (failed == total) {
        m->held_fenced = 0; /* fence it again when it returns */
    } else if (!m->held_fenced) {
        char why[512], flow[64];
        json_t *d = json_object(), *answer = NULL;
        if (fo__fence_site(fo->conf, site, 1, d, why, sizeof(why)) == 0) {
            m->held_fenced = 1;
            log_warn("failover: %s answers again: fenced until a failback; run "
                     "`xdc failover reconcile` to measure what it holds that never reached "
                     "the other site",
                     site);
        } else {
            log_error("failover: %s answers again but cannot be fenced: %s", site, why);
        }
        snprintf(flow, sizeof(flow), "%s->%s", site, strcmp(site, "primary") ? "primary" : "dr");
        const char *url = fo__flow_url(fo->conf, site);
        if (*url &&
            fo__mirror_pause(url, fo->mirror_token, flow, 1, 0, &answer, why, sizeof(why)) < 0)
            log_error("failover: cannot keep %s paused: %s", flow, why);
        json_decref(answer);
        json_decref(d);
    }
    json_decref(hold);
}

static void interval(fo_monitor_t *m)
{
    hold_watch(m);
    const char *site = active_site(m);
    json_t *probes = json_array();
    const char *probed = strcmp(site, "dr") == 0 ? "dr" : "primary";
    int total, failed = probe_site(m, probed, &total, probes);
    if (m->fo->conf->health_canary_enabled) {
        failed += probe_canary(m, probed, failed < total, probes);
        total++;
    }
    if (strcmp(site, "primary") == 0 && failed * 2 <= total)
        sample_lag(m);
    pthread_mutex_lock(&m->lock);
    snprintf(m->active, sizeof(m->active), "%s", site);
    json_decref(m->probes);
    m->probes = probes;
    m->failed_probes += failed;
    int64_t now = xdc_mono_ms();
    int ev = fo_health_observe(&m->health, failed, total, now);
    if (m->health.fail_streak == 1)
        m->t0_wall_ms = xdc_wall_ms();
    if (ev == FO_HEALTH_DOWN)
        m->down_wall_ms = xdc_wall_ms();
    bool go = strcmp(site, "primary") == 0 && m->fo->conf->auto_enabled &&
              fo_health_may_fail_over(&m->health, now);
    pthread_mutex_unlock(&m->lock);
    if (ev == FO_HEALTH_DOWN)
        log_error("failover: %s declared down: %d of %d probes failed, %d intervals in a row", site,
                  failed, total, m->health.fail_streak);
    if (ev == FO_HEALTH_UP) {
        log_info("failover: %s is up again", site);
        m->refused_episode = 0;
    }
    if (go)
        auto_failover(m);
}

static void *monitor_main(void *arg)
{
    fo_monitor_t *m = arg;
    while (!atomic_load(&m->stop)) {
        int64_t next = xdc_mono_ms() + m->fo->conf->health_interval_ms;
        interval(m);
        sleep_until(m, next);
    }
    return NULL;
}

fo_monitor_t *fo__monitor_start(fo_t *fo)
{
    fo_monitor_t *m = xcalloc(1, sizeof(*m));
    m->fo = fo;
    fo_health_policy_t p = {fo->conf->health_failure_threshold, fo->conf->health_success_threshold,
                            fo->conf->health_hold_down_ms};
    fo_health_init(&m->health, &p);
    snprintf(m->active, sizeof(m->active), "unknown");
    pthread_mutex_init(&m->lock, NULL);
    atomic_init(&m->stop, false);
    if (pthread_create(&m->thread, NULL, monitor_main, m) != 0) {
        pthread_mutex_destroy(&m->lock);
        free(m);
        return NULL;
    }
    return m;
}

void fo__monitor_stop(fo_monitor_t *m)
{
    if (!m)
        return;
    atomic_store(&m->stop, true);
    pthread_join(m->thread, NULL);
    json_decref(m->probes);
    fo__canary_free(m->canary);
    fo__lag_free(&m->lag);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

json_t *fo__monitor_status(fo_monitor_t *m)
{
    pthread_mutex_lock(&m->lock);
    json_t *o =
        json_pack("{s:s, s:b, s:i, s:i, s:I, s:I, s:O, s:o}", "site", m->active, "up", m->health.up,
                  "failed_intervals", m->health.fail_streak, "good_intervals", m->health.ok_streak,
                  "failed_intervals_total", (json_int_t)m->health.failed_total,
                  "failed_probes_total", (json_int_t)m->failed_probes, "probes",
                  m->probes ? m->probes : json_null(), "rpo_estimate", rpo_estimate(m));
    pthread_mutex_unlock(&m->lock);
    return o;
}

void fo__monitor_view(fo_monitor_t *m, fo_monitor_view_t *out)
{
    pthread_mutex_lock(&m->lock);
    snprintf(out->site, sizeof(out->site), "%s", m->active);
    out->up = m->health.up;
    out->failed_intervals_total = m->health.failed_total;
    out->failed_probes_total = m->failed_probes;
    rpo_totals(m, sample_age_ms(m), &out->rpo_records, &out->rpo_seconds);
    pthread_mutex_unlock(&m->lock);
}

json_t *fo__monitor_probes(fo_monitor_t *m)
{
    /* Each interval replaces the array and never changes it after. */
    pthread_mutex_lock(&m->lock);
    json_t *p = m->probes ? json_incref(m->probes) : json_array();
    pthread_mutex_unlock(&m->lock);
    return p;
}
