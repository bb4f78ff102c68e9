#ifndef XDC_FAILOVER_FAILOVER_H
#define XDC_FAILOVER_FAILOVER_H

#include "conf/conf.h"
#include "mirror/mirror.h"

#include <jansson.h>

/* xdc-failover: the failover controller. */

enum fo_dns_provider_kind {
    FO_DNS_RFC2136 = 0, /* dynamic update signed with TSIG (libldns) */
    FO_DNS_EXEC = 1,    /* an operator's command (cloud DNS APIs) */
};

enum fo_tsig_algorithm {
    FO_TSIG_HMAC_SHA256 = 0,
    FO_TSIG_HMAC_SHA512 = 1,
};

typedef struct fo_dns_conf {
    int provider;           /* enum fo_dns_provider_kind */
    char *name;             /* the bootstrap name clients resolve */
    char *zone;             /* the zone that holds it */
    conf_list_t servers;    /* authoritative servers, host:port */
    int ttl_s;              /* TTL of the records written */
    char *tsig_key_name;    /* rfc2136 */
    int tsig_algorithm;     /* enum fo_tsig_algorithm */
    char *tsig_secret_file; /* base64 secret alone, never in the main file */
    int timeout_ms;         /* per request to one server */
    int retries;            /* further attempts on a network error, each signed afresh */
    char *exec_command;     /* exec */
    int exec_timeout_ms;
} fo_dns_conf_t;

enum fo_fence_mode {
    FO_FENCE_XDC_BROKER = 0, /* xdc.fenced on every broker, through the admin API */
    FO_FENCE_COMMAND = 1,    /* fence.command (other clusters: revoke ACLs, stop listeners) */
    FO_FENCE_NONE = 2,       /* nothing: clients may keep writing to the old site */
};

typedef struct fo_conf {
    char *http_listeners;
    char *http_token_file;
    conf_list_t primary_addresses; /* what the DNS name holds while primary is active */
    conf_list_t dr_addresses;
    int bootstrap_port; /* the port clients use with dns.name */
    fo_dns_conf_t dns;
    char *mirror_url;          /* the mirror running primary->dr */
    char *failback_mirror_url; /* the mirror running dr->primary */
    char *mirror_token_file;   /* bearer token of the mirrors' API */
    int drill_hold_ms;         /* a drill's stay on DR between its legs */
    int fence_mode;            /* enum fo_fence_mode */
    char *fence_command;
    int fence_timeout_ms;
    int drain_timeout_ms;
    int checkpoint_timeout_ms;
    conf_list_t groups; /* consumer groups whose offsets are applied; empty = all */
    char *canary_topic;
    int verify_timeout_ms;
    char *report_dir;
    int health_interval_ms;
    int health_probe_timeout_ms;
    bool health_canary_enabled;
    int health_failure_threshold;
    int health_success_threshold;
    int64_t health_hold_down_ms;
    bool auto_enabled;
    int64_t auto_max_rpo_ms;
    conf_log_t log;
    /* The two sites as MirrorMaker 2 clusters "primary" and "dr" with the
     * flows primary->dr and dr->primary: every key of the file that is not
     * one of the table's (primary.bootstrap.servers, primary.<librdkafka
     * property>, replication.policy.separator, ...), read as the mirror
     * reads its own file. */
    mir_conf_t sites;
} fo_conf_t;

extern const conf_table_t fo_conf_table;

/** Load a failover.properties (NULL: none) plus "key=value" overrides into
 *  @p out (zeroed).  @return 0, or XDC_ECONF with "file:line: key: reason".
 *  Release @p out with fo_conf_free() in both cases. */
int fo_conf_load(const char *path, const char *const *overrides, int noverrides, fo_conf_t *out,
                 char *errbuf, size_t errlen);

void fo_conf_free(fo_conf_t *conf);

/** Run the failover controller until SIGTERM/SIGINT.
 *  @param conf borrowed for the duration of the call.
 *  @return 0, or an error with a one-line reason in @p errbuf. */
int fo_run(const fo_conf_t *conf, char *errbuf, size_t errlen);

/* --- the controller ---------------------------------------------------- */

typedef struct fo fo_t;

/** A controller for @p conf (borrowed; must outlive it): opens the DNS
 *  provider and the report directory.
 *  @return owned (fo_free()), or NULL with a reason in @p errbuf. */
fo_t *fo_new(const fo_conf_t *conf, char *errbuf, size_t errlen);

void fo_free(fo_t *fo);

typedef struct fo_switch_req {
    const char *kind;  /* "failover" (primary -> dr) or "failback" (dr -> primary) */
    int planned;       /* 1: fence the old site and drain the mirror first (RPO 0) */
    int dry_run;       /* check every step, change nothing */
    int64_t t0_ms;     /* wall ms the incident or drill began (RTO's start); 0 = now */
    int64_t detect_ms; /* wall ms the outage was declared; 0 = none (operator's request) */
    json_t *rpo;       /* unplanned: the estimate from the last lag sample; borrowed, may be NULL */
    const char *id;    /* the report id fo_switch_begin() gave, or NULL: fo_switch() claims */
    /* Dry run only: the addresses the name is expected to hold, NULL = the
     * old site's (a drill's dry run checks the way back before the way out
     * happened). */
    const conf_list_t *dns_from;
} fo_switch_req_t;

/** Claim the controller for one switch before running it elsewhere (the
 *  HTTP API answers with the id while a thread runs fo_switch() with it).
 *  The report is visible as "running" from now on.
 *  @param id out: the report id.  @return 0, or XDC_ESTATE when a switch runs. */
int fo_switch_begin(fo_t *fo, const char *kind, char *id, size_t len);

/** Move clients from one site to the other: fence, drain, checkpoints,
 *  offsets, DNS, verification, each timed in the report. Runs in the
 *  calling thread; one switch at a time (XDC_ESTATE otherwise, unless
 *  @p req->id says the caller claimed it with fo_switch_begin()).
 *  @param report out: caller-owned JSON, also written to report.dir and
 *  appended to its history; set whenever the switch started.
 *  @return 0 when clients are on the new site (outcome "completed" or
 *  "degraded"), or a negative code when the switch stopped (outcome
 *  "failed", the reason in the report).  @thread any. */
int fo_switch(fo_t *fo, const fo_switch_req_t *req, json_t **report);

/** A drill: a planned failover to DR and the failback to the primary
 *  under a canary load through the DNS name, one report with both legs
 *  (also reports of their own), both RTOs and RPOs and the load's view.
 *  @param id from fo_switch_begin(fo, "drill", ...).
 *  @param report out: caller-owned, also written to report.dir.
 *  @return 0 when both legs ran (outcome completed, degraded or dry-run),
 *  else a negative code.  @thread any. */
int fo_drill(fo_t *fo, const char *id, int dry_run, json_t **report);

/** After an unplanned failover: fence the old site again and measure what
 *  it holds past the point the mirror had copied (the records that never
 *  reached the new site), per partition; the result is added to the
 *  failover's report as "reconcile".
 *  @param out the result, caller-owned.
 *  @return 0, XDC_ESTATE (nothing to reconcile), or an error reaching the
 *  old site or the mirror, with a reason.  @thread any. */
int fo_reconcile(fo_t *fo, json_t **out, char *errbuf, size_t errlen);

/** The report of switch @p id (the one running included), or NULL.
 *  @return a new reference. */
json_t *fo_report_get(fo_t *fo, const char *id);

/** Summaries of every report in report.dir, oldest first.  @return new reference. */
json_t *fo_report_list(fo_t *fo);

/* --- health of the active site ------------------------------------------ */

/* Whether the primary is down, from one verdict per health.interval.ms:
 * an interval fails when a majority of its probes failed; the site is
 * declared down after failure_threshold failed intervals in a row and up
 * again after success_threshold good ones. A failure streak that ends
 * before it counts (a flap), or a recovery, holds automatic failover down
 * for hold_down_ms, so a flapping site never triggers one. Pure: the
 * caller gives the time. */
typedef struct fo_health_policy {
    int failure_threshold;
    int success_threshold;
    int64_t hold_down_ms;
} fo_health_policy_t;

typedef struct fo_health {
    fo_health_policy_t policy;
    bool up;                 /* the verdict; a new monitor starts up */
    int fail_streak;         /* failed intervals in a row */
    int ok_streak;           /* good intervals in a row */
    long failed_total;       /* failed intervals ever, for the status */
    int64_t streak_start_ms; /* the first failed interval of the streak: the outage's t0 */
    int64_t down_ms;         /* when the verdict went down */
    int64_t held_until_ms;   /* no automatic failover before */
} fo_health_t;

enum fo_health_event {
    FO_HEALTH_SAME = 0, /* the verdict did not change */
    FO_HEALTH_DOWN = 1, /* the site was just declared down */
    FO_HEALTH_UP = 2,   /* the site was just declared up again */
};

void fo_health_init(fo_health_t *h, const fo_health_policy_t *policy);

/** One interval: @p failed of @p total probes failed at @p now_ms.
 *  @return enum fo_health_event. */
int fo_health_observe(fo_health_t *h, int failed, int total, int64_t now_ms);

/** @return true when the site is down and not held down at @p now_ms. */
bool fo_health_may_fail_over(const fo_health_t *h, int64_t now_ms);

/* --- DNS: the name clients bootstrap from ----------------------------- */

typedef struct fo_dns fo_dns_t;

/** A provider for @p conf (copied): reads the TSIG secret file for rfc2136.
 *  @return owned by the caller (fo_dns_free()), or NULL with a reason in
 *  @p errbuf. */
fo_dns_t *fo_dns_new(const fo_dns_conf_t *conf, char *errbuf, size_t errlen);

void fo_dns_free(fo_dns_t *dns);

/** Move the name from the addresses @p from to @p to on every server, or on
 *  none: first every server is checked (reachable, key accepted, record
 *  still holding @p from, by a prerequisite-only update for rfc2136), then
 *  each is switched by one update guarded by that prerequisite. A server
 *  that fails in the second step rolls the earlier ones back. @p dry_run
 *  stops after the check.
 *  @param from, to borrowed address lists.
 *  @param detail out: what happened per server (or the command's status
 *  and output), caller-owned JSON, set also on failure.
 *  @return 0; XDC_ECONFLICT when the record holds something else;
 *  XDC_EREMOTE (refused, bad key, unreachable, command failed); a reason
 *  in @p errbuf.  @thread any; blocks for up to the configured timeouts. */
int fo_dns_switch(fo_dns_t *dns, const conf_list_t *from, const conf_list_t *to, int dry_run,
                  json_t **detail, char *errbuf, size_t errlen);

/** The addresses server @p i of dns.servers answers for the name, asked
 *  over TCP without recursion.
 *  @param addrs out: sorted, caller-owned (conf_list_free()).
 *  @return 0, or XDC_EREMOTE with a reason.  @thread any. */
int fo_dns_lookup(fo_dns_t *dns, int i, conf_list_t *addrs, char *errbuf, size_t errlen);

/** @return the number of configured servers. */
int fo_dns_server_count(const fo_dns_t *dns);

/** @return server @p i as configured ("host:port"), borrowed. */
const char *fo_dns_server(const fo_dns_t *dns, int i);

#endif
