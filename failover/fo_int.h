#ifndef XDC_FAILOVER_FO_INT_H
#define XDC_FAILOVER_FO_INT_H

/* Private to failover/. */

#include "failover/failover.h"

#include "common/metrics.h"

#include <ldns/ldns.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdint.h>

/* The controller: one switch at a time, its report visible while it runs. */
struct fo {
    const fo_conf_t *conf; /* borrowed */
    fo_dns_t *dns;
    char *mirror_token; /* mirror.token.file's token, or NULL */
    pthread_mutex_t lock;
    int busy;        /* under lock: a switch or a drill is running */
    json_t *current; /* under lock: a copy of the running switch's report */
    json_t *drill;   /* under lock: the running drill's report, its legs
                      * so far; the running leg is current */
    json_t *hold;    /* under lock: {site, report, since_ms}: the site an
                      * unplanned failover left, kept fenced until a
                      * failback (hold.json in report.dir); NULL none */
    /* set by fo__metrics_register(), NULL without /metrics */
    metrics_family_t *m_switches, *m_rto, *m_rpo;
};

/* --- /metrics (fo_metrics.c) ----------------------------------------------- */

typedef struct fo_monitor fo_monitor_t;

/** Register the controller's metrics in @p reg; @p m may be NULL (no
 *  monitor).  @return 0 or XDC_ESTATE. */
int fo__metrics_register(metrics_registry_t *reg, fo_t *fo, fo_monitor_t *m);

/** Count a report that ended. */
void fo__metrics_report(fo_t *fo, const json_t *report);

/* --- the old site after an unplanned failover (fo_report.c) -------------- */

/** Keep @p site fenced on behalf of report @p report, persisted in
 *  report.dir; NULL @p site clears it.  @return 0 or a negative errno. */
int fo__hold_set(fo_t *fo, const char *site, const char *report);

/** @return the hold, new reference, or NULL. */
json_t *fo__hold_get(fo_t *fo);

/** Replace the key @p key of the written report @p id with @p value
 *  (borrowed).  @return 0, XDC_ENOTFOUND, or a negative errno. */
int fo__report_amend(fo_t *fo, const char *id, const char *key, json_t *value);

/* --- fencing (fo_fence.c) ------------------------------------------------- */

/** Fence (@p on) or unfence @p site as fence.mode says; what was done goes
 *  into @p detail.  @return 0, or an error with a reason. */
int fo__fence_site(const fo_conf_t *c, const char *site, int on, json_t *detail, char *errbuf,
                   size_t errlen);

/** @return "xdc-broker", "command" or "none". */
const char *fo__fence_mode_name(const fo_conf_t *c);

/** The mirror URL that runs flow @p from -> the other site. */
const char *fo__flow_url(const fo_conf_t *c, const char *from);

/** Claim the controller for a switch and name its report.
 *  @return 0, or XDC_ESTATE when a switch is running. */
int fo__report_begin(fo_t *fo, const char *kind, char *id, size_t len);

/** Make the running switch's report as it stands visible to the API. */
void fo__report_publish(fo_t *fo, const json_t *report);

/** Write the finished report to report.dir and its history, and release
 *  the controller. */
void fo__report_end(fo_t *fo, const json_t *report);

/** Record a switch that was not started (an automatic failover the guard
 *  rail refused) as a report with outcome "refused".  @param rpo borrowed. */
void fo__report_refused(fo_t *fo, const char *kind, const char *why, json_t *rpo);

/* The health monitor (fo_monitor.c): a thread per daemon. */

/** @return the running monitor, or NULL when its thread cannot start. */
fo_monitor_t *fo__monitor_start(fo_t *fo);

void fo__monitor_stop(fo_monitor_t *m);

/** The monitor's view for GET /v1/status.  @return new reference. */
json_t *fo__monitor_status(fo_monitor_t *m);

/* What /metrics reads of the monitor, without building the status. */
typedef struct fo_monitor_view {
    char site[16]; /* "primary", "dr", "unknown" */
    int up;
    long failed_intervals_total, failed_probes_total;
    int64_t rpo_records; /* the RPO estimate's totals */
    double rpo_seconds;
} fo_monitor_view_t;

void fo__monitor_view(fo_monitor_t *m, fo_monitor_view_t *out);

/** The last interval's probes.  @return new reference (empty before the first). */
json_t *fo__monitor_probes(fo_monitor_t *m);

/* A DNS provider: how the name is switched. Looking a name up is the same
 * for every provider (fo_dns_lookup()). */
typedef struct fo_dns_ops {
    const char *name;
    /** As fo_dns_switch(); @p detail is an object to fill. */
    int (*set_record)(fo_dns_t *dns, const conf_list_t *from, const conf_list_t *to, int dry_run,
                      json_t *detail, char *errbuf, size_t errlen);
} fo_dns_ops_t;

typedef struct fo_dns_server {
    char *text;     /* as configured */
    ldns_rdf *addr; /* resolved once, at fo_dns_new() */
    uint16_t port;
} fo_dns_server_t;

struct fo_dns {
    const fo_dns_ops_t *ops;
    fo_dns_conf_t conf; /* a copy; strings owned */
    fo_dns_server_t *servers;
    int nservers;
    char *name;   /* conf.name, fully qualified (trailing dot) */
    char *zone;   /* conf.zone, fully qualified */
    char *key;    /* TSIG key name, lower case, fully qualified */
    char *secret; /* base64, from conf.tsig_secret_file */
};

extern const fo_dns_ops_t fo__rfc2136_ops;
extern const fo_dns_ops_t fo__exec_ops;

/** A resolver for server @p i only: TCP, no recursion, one try, the
 *  configured timeout, and the TSIG key when @p signed_. @return owned
 *  (ldns_resolver_deep_free()). */
ldns_resolver *fo__resolver(const fo_dns_t *dns, int i, int signed_);

/** Explain why server @p i gave no reply to a request that ended with
 *  @p s: connects once more to tell a refused connection from a timeout. */
void fo__no_reply(const fo_dns_t *dns, int i, ldns_status s, char *why, size_t len);

/** @return 1 when @p a and @p b hold the same addresses in any order. */
int fo__addrs_equal(const conf_list_t *a, const conf_list_t *b);

/** @return @p l's items comma-separated in @p buf (truncated to fit). */
const char *fo__list_str(const conf_list_t *l, char *buf, size_t len);

/** @return a JSON array of @p l's items, new reference. */
json_t *fo__list_json(const conf_list_t *l);

/* --- Kafka (fo_kafka.c) ------------------------------------------------- */

/** @return the site @p site ("primary", "dr") of the configuration, or NULL. */
const mir_cluster_t *fo__site(const fo_conf_t *c, const char *site);

/* A produced record's outcome: producers of fo__client() fill the one
 * passed as the record's opaque. */
typedef struct fo_delivery {
    rd_kafka_resp_err_t err;
    int64_t offset;
    int done;
} fo_delivery_t;

/** A client of @p site with its librdkafka properties, client.id
 *  xdc-failover.<site> (fenced xdc-brokers serve it) unless @p kv names
 *  another, and @p kv pairs; @p bootstrap replaces the site's
 *  bootstrap.servers when not NULL. Producers report deliveries to the
 *  fo_delivery_t * passed as each message's opaque.
 *  @return owned, or NULL with a reason. */
rd_kafka_t *fo__client(const fo_conf_t *c, const char *site, rd_kafka_type_t type,
                       const char *bootstrap, const char *const *kv, char *errbuf, size_t errlen);

/** Set xdc.fenced=@p on on every broker of @p rk's cluster; the broker ids
 *  go into @p detail.  @return 0, or XDC_EKAFKA with a reason. */
int fo__fence_brokers(rd_kafka_t *rk, int on, int timeout_ms, json_t *detail, char *errbuf,
                      size_t errlen);

/** The cluster id @p rk is connected to.  @return 0 or XDC_ETIMEDOUT. */
int fo__cluster_id(rd_kafka_t *rk, int timeout_ms, char *out, size_t len);

/** The log-end offset (high watermark) of one partition. */
int fo__log_end(rd_kafka_t *rk, const char *topic, int partition, int timeout_ms, int64_t *end);

/** Run one admin call's result off its queue.  @return the event (caller
 *  destroys), or NULL after @p timeout_ms with a reason. */
rd_kafka_event_t *fo__admin_wait(rd_kafka_queue_t *q, int timeout_ms, char *errbuf, size_t errlen);

/* --- the canary (fo_canary.c) --------------------------------------------- */

typedef struct fo_canary fo_canary_t;

/** A canary on @p site: through @p bootstrap (NULL: the site's
 *  bootstrap.servers), as client @p client_id (NULL: fo__client()'s, which
 *  fenced xdc-brokers serve).  Clients are made at the first round.
 *  @return owned (fo__canary_free()). */
fo_canary_t *fo__canary_new(const fo_conf_t *c, const char *site, const char *bootstrap,
                            const char *client_id);

/** Produce a record to canary.topic (created when missing) and read it
 *  back, both within @p timeout_ms.  @return 0, or an error with a reason. */
int fo__canary_round(fo_canary_t *k, int timeout_ms, char *errbuf, size_t errlen);

void fo__canary_free(fo_canary_t *k);

/** Fill the offsets @p group has committed on @p site for @p parts
 *  (RD_KAFKA_OFFSET_INVALID where none).  @return 0, or an error with a reason. */
int fo__group_committed(const fo_conf_t *c, const char *site, const char *group,
                        rd_kafka_topic_partition_list_t *parts, int timeout_ms, char *errbuf,
                        size_t errlen);

/** Probe one broker (host:port): TCP connect, then ApiVersions, both
 *  within @p timeout_ms.  @return 0, or a negative code with @p why. */
int fo__probe_broker(const char *hostport, int timeout_ms, char *why, size_t len);

/* --- the mirror's API (fo_mirror.c) --------------------------------------- */

typedef struct fo_part_lag {
    char topic[256];
    char remote_topic[256];
    int partition;
    int64_t log_end;    /* the source's log end, as the mirror last saw it */
    int64_t replicated; /* source offset up to which records are copied (exclusive) */
    int64_t lag_records;
    double lag_seconds;
} fo_part_lag_t;

typedef struct fo_lag {
    int64_t time_ms; /* the mirror's wall clock when it answered */
    fo_part_lag_t *v;
    size_t n;
    int64_t total_records;
} fo_lag_t;

/** GET @p url/v1/lag for flow @p flow.  @param out caller-owned (fo__lag_free()).
 *  @return 0, XDC_EREMOTE (unreachable, bad answer), XDC_ENOTFOUND (no such flow). */
int fo__mirror_lag(const char *url, const char *flow, fo_lag_t *out, char *errbuf, size_t errlen);

void fo__lag_free(fo_lag_t *l);

/** POST @p url/v1/pause (@p pause) or /v1/resume for @p flow: a paused flow
 *  copies nothing more, and the mirror answers once the records in flight
 *  landed (or @p timeout_ms passed) with the partitions' replicated offsets.
 *  @param token the mirror's bearer token, NULL or "" none.
 *  @param answer out: the mirror's answer, new reference.
 *  @return 0, XDC_EREMOTE, XDC_ENOTFOUND (no such flow). */
int fo__mirror_pause(const char *url, const char *token, const char *flow, int pause,
                     int timeout_ms, json_t **answer, char *errbuf, size_t errlen);

/** When the checkpoint thread of @p flow last read the groups (the
 *  mirror's wall ms; 0 never), and which partitions of @p groups (empty:
 *  all) have no checkpoint of their current commit yet.
 *  @param pending out: [{group, topic, partition, reason}], new reference.
 *  @return 0, XDC_EREMOTE, XDC_ENOTFOUND (no checkpoints for the flow). */
int fo__mirror_checkpoint_run(const char *url, const char *flow, const conf_list_t *groups,
                              int64_t *last_run_ms, json_t **pending, char *errbuf, size_t errlen);

#endif
