/* The failover controller's settings. */
#include "failover/failover.h"

#include "common/err.h"
#include "common/util.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F(field) offsetof(fo_conf_t, field)

/* Every address the name may hold is an IP literal, all of one family, so
 * the switch replaces exactly one RRset (A or AAAA). */
static int check_addresses(const void *field, char *why, size_t whylen)
{
    const conf_list_t *l = field;
    int v6 = -1;
    for (int i = 0; i < l->count; i++) {
        unsigned char buf[16];
        int is6 = inet_pton(AF_INET6, l->items[i], buf) == 1;
        if (!is6 && inet_pton(AF_INET, l->items[i], buf) != 1) {
            xdc_errbuf(why, whylen, "'%s' is not an IPv4 or IPv6 address", l->items[i]);
            return XDC_ECONF;
        }
        if (v6 >= 0 && v6 != is6) {
            xdc_errbuf(why, whylen, "mixes IPv4 and IPv6 addresses");
            return XDC_ECONF;
        }
        v6 = is6;
    }
    return 0;
}

/* clang-format off */
static const conf_item_t items[] = {
    {"http.listeners", CONF_STRING, F(http_listeners), 0, 0, "http://127.0.0.1:8084",
     "Where the controller's HTTP API listens: http://host:port. Port 0 picks a free port.", NULL,
     CONF_F_NONEMPTY, conf_check_listener},
    {"http.token.file", CONF_STRING, F(http_token_file), 0, 0, "",
     "A file holding the bearer token every API request must present. Empty disables "
     "authentication (only sensible on 127.0.0.1).",
     NULL, 0, NULL},
    {"primary.dns.addresses", CONF_LIST, F(primary_addresses), 0, 0, "",
     "The addresses dns.name holds while the primary site is active (its brokers or their "
     "load balancer): IPv4 or IPv6 literals.",
     NULL, 0, check_addresses},
    {"dr.dns.addresses", CONF_LIST, F(dr_addresses), 0, 0, "",
     "The addresses dns.name holds after a failover to the DR site.", NULL, 0, check_addresses},
    {"dns.bootstrap.port", CONF_INT, F(bootstrap_port), 1, 65535, "9092",
     "The port clients use with dns.name (their bootstrap.servers is dns.name:port). "
     "Verification connects through it to each address the DNS servers answer.",
     NULL, 0, NULL},
    {"dns.provider", CONF_ENUM, F(dns.provider), 0, 0, "rfc2136",
     "How dns.name is switched: rfc2136 (a dynamic update signed with TSIG, guarded by the "
     "prerequisite that the record still holds the old site's addresses) or exec "
     "(dns.exec.command, for cloud DNS APIs).",
     "rfc2136|exec", 0, NULL},
    {"dns.name", CONF_STRING, F(dns.name), 0, 0, "",
     "The name clients bootstrap from, e.g. kafka.example.internal.", NULL, 0, NULL},
    {"dns.zone", CONF_STRING, F(dns.zone), 0, 0, "",
     "The zone that holds dns.name (rfc2136); empty means dns.name itself.", NULL, 0, NULL},
    {"dns.servers", CONF_LIST, F(dns.servers), 0, 0, "",
     "Every authoritative server of the zone, host:port (port 53 when absent). rfc2136 updates "
     "and checks each; verification asks each for the new addresses.",
     NULL, 0, NULL},
    {"dns.ttl.seconds", CONF_INT, F(dns.ttl_s), 0, 86400, "5",
     "TTL of the records written. It bounds how long resolvers may keep the old site's "
     "addresses after a switch.", NULL, 0, NULL},
    {"dns.tsig.key.name", CONF_STRING, F(dns.tsig_key_name), 0, 0, "",
     "Name of the TSIG key that signs updates (rfc2136).", NULL, 0, NULL},
    {"dns.tsig.algorithm", CONF_ENUM, F(dns.tsig_algorithm), 0, 0, "hmac-sha256",
     "TSIG algorithm: hmac-sha256 or hmac-sha512.", "hmac-sha256|hmac-sha512", 0, NULL},
    {"dns.tsig.secret.file", CONF_STRING, F(dns.tsig_secret_file), 0, 0, "",
     "A file holding the TSIG key's base64 secret alone (as keymgr or tsig-keygen print it); "
     "the secret never goes in this file.", NULL, 0, NULL},
    {"dns.request.timeout.ms", CONF_INT, F(dns.timeout_ms), 100, 600000, "5000",
     "How long one request to one DNS server may take.", NULL, 0, NULL},
    {"dns.retries", CONF_INT, F(dns.retries), 0, 100, "2",
     "Further attempts when a server gives no reply; each is signed afresh.", NULL, 0, NULL},
    {"dns.exec.command", CONF_STRING, F(dns.exec_command), 0, 0, "",
     "Shell command for dns.provider=exec. It gets the name, the old and the new addresses "
     "(comma-separated) and the TTL as $1..$4 and as XDC_DNS_NAME, XDC_DNS_FROM, XDC_DNS_TO, "
     "XDC_DNS_TTL; XDC_DNS_DRY_RUN=1 asks it to check without changing anything. Exit 0 means "
     "done.", NULL, 0, NULL},
    {"dns.exec.timeout.ms", CONF_INT, F(dns.exec_timeout_ms), 100, 3600000, "30000",
     "How long dns.exec.command may run before it is killed and the switch counts as failed.",
     NULL, 0, NULL},
    {"mirror.url", CONF_STRING, F(mirror_url), 0, 0, "",
     "HTTP API of the xdc-mirror running the flow primary->dr (http://host:port): its lag "
     "bounds a planned failover's drain and an unplanned one's RPO estimate.",
     NULL, 0, NULL},
    {"failback.mirror.url", CONF_STRING, F(failback_mirror_url), 0, 0, "",
     "HTTP API of the xdc-mirror running dr->primary, for failback; empty means mirror.url.",
     NULL, 0, NULL},
    {"drill.hold.ms", CONF_INT, F(drill_hold_ms), 0, 3600000, "5000",
     "How long a drill keeps clients on DR before the failback: long enough for the "
     "application to write and commit there, so the way back is exercised with real data.",
     NULL, 0, NULL},
    {"mirror.token.file", CONF_STRING, F(mirror_token_file), 0, 0, "",
     "File holding the bearer token of the mirrors' HTTP API (their http.token.file), sent when "
     "the controller pauses and resumes a flow; empty means none.",
     NULL, 0, NULL},
    {"fence.mode", CONF_ENUM, F(fence_mode), 0, 0, "xdc-broker",
     "How the old site is kept from taking writes: xdc-broker (set the dynamic broker config "
     "xdc.fenced=true on each of its brokers through the Kafka admin API), command "
     "(fence.command) or none.",
     "xdc-broker|command|none", 0, NULL},
    {"fence.command", CONF_STRING, F(fence_command), 0, 0, "",
     "Shell command for fence.mode=command. It gets the site (primary or dr) and the action "
     "(fence or unfence) as $1 and $2, and XDC_FENCE_SITE, XDC_FENCE_ACTION, "
     "XDC_FENCE_BOOTSTRAP; exit 0 means done.",
     NULL, 0, NULL},
    {"fence.timeout.ms", CONF_INT, F(fence_timeout_ms), 100, 3600000, "30000",
     "How long fencing may take.", NULL, 0, NULL},
    {"failover.drain.timeout.ms", CONF_INT, F(drain_timeout_ms), 0, 86400000, "60000",
     "Planned failover: how long to wait for the mirror's lag to reach 0 on every partition "
     "after fencing. When it runs out the failover stops and the old site is unfenced again.",
     NULL, 0, NULL},
    {"failover.checkpoint.timeout.ms", CONF_INT, F(checkpoint_timeout_ms), 0, 86400000, "120000",
     "How long to wait for the mirror to finish a checkpoint pass that began after the drain "
     "(keep it above emit.checkpoints.interval.seconds).",
     NULL, 0, NULL},
    {"failover.groups", CONF_LIST, F(groups), 0, 0, "",
     "Consumer groups whose translated offsets are applied on the new site; empty means every "
     "group with checkpoints.",
     NULL, 0, NULL},
    {"canary.topic", CONF_STRING, F(canary_topic), 0, 0, "xdc.canary.internal",
     "Topic of the canary records: the health probe's round trip on the active site, the one "
     "through the DNS name that verifies a switch, and a drill's load (created when missing, "
     "one partition, an hour's retention). Its records belong to the site they probe, so it "
     "must be a topic the mirror never copies: a name ending in .internal or -internal, or "
     "starting with __.",
     NULL, CONF_F_NONEMPTY, NULL},
    {"verify.timeout.ms", CONF_INT, F(verify_timeout_ms), 100, 3600000, "30000",
     "How long verification may try: DNS answers, cluster id through the name, the canary.",
     NULL, 0, NULL},
    {"report.dir", CONF_STRING, F(report_dir), 0, 0, "/var/lib/xdc/failover",
     "Where each failover's JSON report is written and the history kept.", NULL,
     CONF_F_NONEMPTY, NULL},
    {"health.interval.ms", CONF_INT, F(health_interval_ms), 100, 3600000, "1000",
     "How often the active site is probed (each broker: TCP connect, then ApiVersions; and "
     "the canary round trip), and the mirror's lag sampled for the RPO estimate.", NULL, 0, NULL},
    {"health.probe.timeout.ms", CONF_INT, F(health_probe_timeout_ms), 10, 3600000, "800",
     "How long one probe may take; a slower broker counts as failed.", NULL, 0, NULL},
    {"health.canary.enabled", CONF_BOOL, F(health_canary_enabled), 0, 0, "true",
     "Count a canary round trip among the probes of each interval: a record produced to "
     "canary.topic on the active site and read back within health.probe.timeout.ms, as a "
     "client that fenced xdc-brokers refuse. When every broker probe failed it is not tried "
     "and counts as failed.", NULL, 0, NULL},
    {"health.failure.threshold", CONF_INT, F(health_failure_threshold), 1, 1000, "3",
     "Consecutive intervals in which a majority of the probes (the brokers and the canary) "
     "failed before the site is declared down.", NULL, 0, NULL},
    {"health.success.threshold", CONF_INT, F(health_success_threshold), 1, 1000, "3",
     "Consecutive good intervals before a down site is declared up again.", NULL, 0, NULL},
    {"health.hold.down.ms", CONF_LONG, F(health_hold_down_ms), 0, INT64_MAX, "30000",
     "After a failure streak too short to count (a flap), or a recovery, no automatic "
     "failover for this long: a flapping site never triggers one.", NULL, 0, NULL},
    {"failover.auto.enabled", CONF_BOOL, F(auto_enabled), 0, 0, "false",
     "Fail over on its own (unplanned) when the primary is declared down. Off by default: an "
     "operator decides.", NULL, 0, NULL},
    {"failover.auto.max.rpo.ms", CONF_LONG, F(auto_max_rpo_ms), 0, INT64_MAX, "30000",
     "Guard rail: no automatic failover (it is reported as refused) when the mirror's last "
     "measured lag, plus the time since that sample, exceeds this.", NULL, 0, NULL},
    CONF_LOG_ITEMS(fo_conf_t, log),
};
/* clang-format on */

const conf_table_t fo_conf_table = {
    "failover",
    "`xdc-failover FILE` reads these keys, and the two sites in the mirror's own terms: the "
    "clusters `primary` and `dr` (`primary.bootstrap.servers`, `dr.bootstrap.servers`, "
    "`<site>.<librdkafka property>`) and any key of the mirror section (a non-default "
    "`replication.policy.separator`, say), read exactly as `xdc-mirror` reads them, so the "
    "same lines can serve both files. Unknown keys in the controller's own namespaces (`dns.`, "
    "`fence.`, `failover.`, ...) are an error.",
    items,
    sizeof(items) / sizeof(items[0]),
};

/* --- loading ---------------------------------------------------------------- */

static int has_key(conf_entries_t *es, const char *key)
{
    return conf_entries_find(es, key) != NULL;
}

static int has_flow_key(conf_entries_t *es)
{
    for (size_t i = 0; i < es->count; i++)
        if (strstr(es->v[i].key, "->"))
            return 1;
    return 0;
}

/* The sites are the clusters "primary" and "dr", both flows enabled,
 * unless the file says otherwise in MirrorMaker 2's own keys. */
static int add_site_defaults(conf_entries_t *es, char *errbuf, size_t errlen)
{
    int rc = 0, flows = has_flow_key(es);
    if (!has_key(es, "clusters"))
        rc = conf_entries_add_override(es, "clusters=primary,dr", errbuf, errlen);
    if (!rc && !flows)
        rc = conf_entries_add_override(es, "primary->dr.enabled=true", errbuf, errlen);
    if (!rc && !flows)
        rc = conf_entries_add_override(es, "dr->primary.enabled=true", errbuf, errlen);
    return rc;
}

static int check_url(const char *key, const char *url, char *errbuf, size_t errlen)
{
    conf_listener_t l;
    char why[256];
    if (!*url || (conf_listener_parse(url, &l, why, sizeof(why)) == 0 && l.port > 0 &&
                  strcmp(l.scheme, "http") == 0))
        return 0;
    xdc_errbuf(errbuf, errlen, "%s: '%s' is not http://host:port", key, url);
    return XDC_ECONF;
}

/* What no single key can check: the settings that go together. */
static int check_conf(const fo_conf_t *c, char *errbuf, size_t errlen)
{
    static const char *const flows[] = {"primary->dr", "dr->primary"};
    for (size_t i = 0; i < 2; i++) {
        const mir_flow_conf_t *f = mir_conf_flow(&c->sites, flows[i]);
        if (!f) {
            xdc_errbuf(errbuf, errlen,
                       "the sites must be the clusters 'primary' and 'dr' with "
                       "the flow %s enabled (as in the mirror's file)",
                       flows[i]);
            return XDC_ECONF;
        }
    }
    for (size_t i = 0; i < c->sites.nclusters; i++)
        if (!*c->sites.clusters_v[i].bootstrap_servers) {
            xdc_errbuf(errbuf, errlen, "%s.bootstrap.servers is not set",
                       c->sites.clusters_v[i].alias);
            return XDC_ECONF;
        }
    if (!*c->dns.name || !c->primary_addresses.count || !c->dr_addresses.count) {
        xdc_errbuf(errbuf, errlen,
                   "dns.name, primary.dns.addresses and dr.dns.addresses are "
                   "required: they are what a failover switches");
        return XDC_ECONF;
    }
    for (size_t i = 0; i < 2; i++)
        if (!mir_conf_never_copies(mir_conf_flow(&c->sites, flows[i]), c->canary_topic)) {
            xdc_errbuf(errbuf, errlen,
                       "canary.topic '%s': the mirror would copy it to the other site, where "
                       "its records would count as data at risk; use a name ending in "
                       ".internal or -internal, or starting with __",
                       c->canary_topic);
            return XDC_ECONF;
        }
    if (c->fence_mode == FO_FENCE_COMMAND && !*c->fence_command) {
        xdc_errbuf(errbuf, errlen, "fence.mode=command needs fence.command");
        return XDC_ECONF;
    }
    int rc = check_url("mirror.url", c->mirror_url, errbuf, errlen);
    return rc ? rc : check_url("failback.mirror.url", c->failback_mirror_url, errbuf, errlen);
}

/* Keys in the controller's own namespaces must be the table's: a typo
 * there is an error, not a site property the mirror's loader would only
 * warn about. */
static int check_own_namespace(conf_entries_t *es, char *errbuf, size_t errlen)
{
    static const char *const ns[] = {"dns.",    "fence.",  "failover.", "canary.", "verify.",
                                     "report.", "mirror.", "failback.", "http.",   "health."};
    for (size_t i = 0; i < es->count; i++) {
        const conf_entry_t *e = &es->v[i];
        if (conf_find(&fo_conf_table, e->key))
            continue;
        for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
            if (strncmp(e->key, ns[k], strlen(ns[k])) != 0 || !strcmp(e->key, "http.listeners"))
                continue;
            const char *near = conf_closest(&fo_conf_table, e->key);
            char where[512] = "--override";
            if (e->line > 0)
                snprintf(where, sizeof(where), "%s:%d", e->file, e->line);
            xdc_errbuf(errbuf, errlen, "%s: unknown key '%s'%s%s%s", where, e->key,
                       near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
            return XDC_ECONF;
        }
    }
    return 0;
}

/* Every key that is not the controller's describes the sites: hand those
 * to the mirror's loader, then the rest to conf_apply(). */
static int load_entries(conf_entries_t *es, fo_conf_t *out, char *errbuf, size_t errlen)
{
    int rc = check_own_namespace(es, errbuf, errlen);
    if (!rc)
        rc = add_site_defaults(es, errbuf, errlen);
    bool *mine = xcalloc(es->count + 1, sizeof(bool));
    for (size_t i = 0; i < es->count; i++)
        if (!es->v[i].used && conf_find(&fo_conf_table, es->v[i].key))
            es->v[i].used = mine[i] = true;
    if (!rc)
        rc = mir_conf_load_entries(es, &out->sites, errbuf, errlen);
    for (size_t i = 0; i < es->count; i++)
        es->v[i].used = !mine[i];
    free(mine);
    if (!rc)
        rc = conf_apply(&fo_conf_table, es, out, errbuf, errlen);
    if (!rc)
        rc = check_conf(out, errbuf, errlen);
    return rc;
}

int fo_conf_load(const char *path, const char *const *overrides, int noverrides, fo_conf_t *out,
                 char *errbuf, size_t errlen)
{
    conf_entries_t es;
    conf_entries_init(&es);
    int rc = conf_entries_load(path, overrides, noverrides, &es, errbuf, errlen);
    if (rc == 0)
        rc = load_entries(&es, out, errbuf, errlen);
    conf_entries_close(&es);
    return rc;
}

void fo_conf_free(fo_conf_t *conf)
{
    if (!conf)
        return;
    conf_free(&fo_conf_table, conf);
    mir_conf_free(&conf->sites);
}
