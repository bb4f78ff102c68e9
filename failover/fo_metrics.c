/* The controller's /metrics: switches by kind and outcome, the last RTO
 * and RPO, and the monitor's view of the active site. */
#include "failover/fo_int.h"

#include "common/err.h"

#include <string.h>

static fo_monitor_view_t view_of(void *opaque)
{
    fo_monitor_view_t v;
    fo__monitor_view(opaque, &v);
    return v;
}

static void collect_up(metrics_sink_t *sink, void *opaque)
{
    metrics_sample(sink, NULL, view_of(opaque).up);
}

static void collect_failed(metrics_sink_t *sink, void *opaque)
{
    metrics_sample(sink, NULL, (double)view_of(opaque).failed_intervals_total);
}

static void collect_failed_probes(metrics_sink_t *sink, void *opaque)
{
    metrics_sample(sink, NULL, (double)view_of(opaque).failed_probes_total);
}

static void collect_rpo_records(metrics_sink_t *sink, void *opaque)
{
    metrics_sample(sink, NULL, (double)view_of(opaque).rpo_records);
}

static void collect_rpo_seconds(metrics_sink_t *sink, void *opaque)
{
    metrics_sample(sink, NULL, view_of(opaque).rpo_seconds);
}

/* 1 for @p site, 0 for the other. */
static void sample_sites(metrics_sink_t *sink, const char *site)
{
    static const char *const sites[] = {"primary", "dr"};
    for (int i = 0; i < 2; i++) {
        const char *l[] = {sites[i]};
        metrics_sample(sink, l, site && strcmp(site, sites[i]) == 0);
    }
}

static void collect_active(metrics_sink_t *sink, void *opaque)
{
    fo_monitor_view_t v = view_of(opaque);
    sample_sites(sink, v.site);
}

/* The last interval's probes: a broker's host:port, or "canary". */
static void collect_probes(metrics_sink_t *sink, void *opaque, int seconds)
{
    json_t *probes = fo__monitor_probes(opaque), *p;
    size_t i;
    json_array_foreach(probes, i, p)
    {
        const char *l[] = {json_string_value(json_object_get(p, "broker"))};
        if (!l[0])
            l[0] = "canary";
        if (seconds)
            metrics_sample(sink, l, (double)json_integer_value(json_object_get(p, "ms")) / 1000.0);
        else
            metrics_sample(sink, l, json_is_true(json_object_get(p, "ok")));
    }
    json_decref(probes);
}

static void collect_probe_ok(metrics_sink_t *sink, void *opaque)
{
    collect_probes(sink, opaque, 0);
}

static void collect_probe_seconds(metrics_sink_t *sink, void *opaque)
{
    collect_probes(sink, opaque, 1);
}

static void collect_hold(metrics_sink_t *sink, void *opaque)
{
    json_t *h = fo__hold_get(opaque);
    sample_sites(sink, json_string_value(json_object_get(h, "site")));
    json_decref(h);
}

int fo__metrics_register(metrics_registry_t *reg, fo_t *fo, fo_monitor_t *m)
{
    static const char *const kind_outcome[] = {"kind", "outcome"};
    static const char *const kind[] = {"kind"};
    static const char *const site[] = {"site"};
    static const char *const probe[] = {"probe"};
    fo->m_switches =
        metrics_counter(reg, "xdc_failover_switches_total",
                        "Failovers, failbacks and drills that ended, by outcome.", 2, kind_outcome);
    fo->m_rto = metrics_gauge(reg, "xdc_failover_last_rto_seconds",
                              "RTO of the last switch of each kind that reached clients.", 1, kind);
    fo->m_rpo = metrics_gauge(reg, "xdc_failover_last_rpo_records",
                              "RPO in records of the last switch of each kind.", 1, kind);
    if (!fo->m_switches || !fo->m_rto || !fo->m_rpo ||
        !metrics_collector(reg, METRICS_GAUGE, "xdc_failover_fenced_until_failback",
                           "1 for the site an unplanned failover left: kept fenced until a "
                           "failback.",
                           1, site, collect_hold, fo))
        return XDC_ESTATE;
    if (!m)
        return 0;
    if (!metrics_collector(reg, METRICS_GAUGE, "xdc_failover_active_site",
                           "1 for the site the DNS name points at (first DNS server).", 1, site,
                           collect_active, m) ||
        !metrics_collector(reg, METRICS_GAUGE, "xdc_failover_site_up",
                           "Health verdict of the active site: 1 up, 0 declared down.", 0, NULL,
                           collect_up, m) ||
        !metrics_collector(reg, METRICS_GAUGE, "xdc_failover_probe_ok",
                           "Last interval's probes of the active site: 1 passed, 0 failed; "
                           "probe is a broker's host:port or canary (the round trip).",
                           1, probe, collect_probe_ok, m) ||
        !metrics_collector(reg, METRICS_GAUGE, "xdc_failover_probe_seconds",
                           "How long each of the last interval's probes took.", 1, probe,
                           collect_probe_seconds, m) ||
        !metrics_collector(reg, METRICS_COUNTER, "xdc_failover_failed_intervals_total",
                           "Health intervals in which a majority of the probes failed.", 0, NULL,
                           collect_failed, m) ||
        !metrics_collector(reg, METRICS_COUNTER, "xdc_failover_failed_probes_total",
                           "Probes of the active site that failed (brokers and the canary).", 0,
                           NULL, collect_failed_probes, m) ||
        !metrics_collector(reg, METRICS_GAUGE, "xdc_failover_rpo_estimate_records",
                           "Records an unplanned failover would lose now (last lag sample).", 0,
                           NULL, collect_rpo_records, m) ||
        !metrics_collector(reg, METRICS_GAUGE, "xdc_failover_rpo_estimate_seconds",
                           "Age of the oldest record an unplanned failover would lose now.", 0,
                           NULL, collect_rpo_seconds, m))
        return XDC_ESTATE;
    return 0;
}

void fo__metrics_report(fo_t *fo, const json_t *report)
{
    const char *kind = json_string_value(json_object_get(report, "kind"));
    const char *outcome = json_string_value(json_object_get(report, "outcome"));
    if (!fo->m_switches || !kind || !outcome)
        return;
    const char *ko[] = {kind, outcome};
    metrics_inc(metrics_child(fo->m_switches, ko), 1);
    const char *k[] = {kind};
    json_t *rto = json_object_get(report, "rto_ms");
    if (json_is_integer(rto))
        metrics_set(metrics_child(fo->m_rto, k), (double)json_integer_value(rto) / 1000.0);
    json_t *rpo = json_object_get(json_object_get(report, "rpo"), "records");
    if (json_is_integer(rpo))
        metrics_set(metrics_child(fo->m_rpo, k), (double)json_integer_value(rpo));
}
