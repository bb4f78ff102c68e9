/* DNS provider rfc2136: one dynamic update (RFC 2136) per server, signed
 * with TSIG (RFC 8945), guarded by the prerequisite that the RRset still
 * equals the old site's addresses, so two controllers can never flip-flop
 * the record: the second one's update fails with NXRRSET. */
#include "failover/fo_int.h"

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TSIG_FUDGE_S 300

enum server_state { S_UNCHECKED, S_READY, S_ALREADY, S_SWITCHED, S_ROLLED_BACK, S_FAILED };

static const char *state_name[] = {"not reached", "checked",     "already switched",
                                   "switched",    "rolled back", "failed"};

static int is_v6(const char *addr)
{
    return strchr(addr, ':') != NULL;
}

static ldns_rr *rr_new(const char *name, ldns_rr_type type, ldns_rr_class cls, uint32_t ttl)
{
    ldns_rr *rr = ldns_rr_new();
    ldns_rr_set_owner(rr, ldns_dname_new_frm_str(name));
    ldns_rr_set_type(rr, type);
    ldns_rr_set_class(rr, cls);
    ldns_rr_set_ttl(rr, ttl);
    return rr;
}

static ldns_rr *addr_rr(const char *name, const char *addr, ldns_rr_class cls, uint32_t ttl)
{
    int v6 = is_v6(addr);
    ldns_rdf *rd = ldns_rdf_new_frm_str(v6 ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, addr);
    if (!rd)
        return NULL;
    ldns_rr *rr = rr_new(name, v6 ? LDNS_RR_TYPE_AAAA : LDNS_RR_TYPE_A, cls, ttl);
    ldns_rr_push_rdf(rr, rd);
    return rr;
}

/* Prerequisite "RRset equals @p from" (RFC 2136 §2.4.2: class IN, TTL 0,
 * every RR of the set); with @p to, the updates "delete the RRset, add
 * @p to" in the same message, which the server applies atomically. */
static ldns_pkt *update_new(const fo_dns_t *dns, const conf_list_t *from, const conf_list_t *to)
{
    ldns_rr_list *pr = ldns_rr_list_new(), *up = ldns_rr_list_new();
    int bad = 0;
    for (int i = 0; i < from->count; i++) {
        ldns_rr *rr = addr_rr(dns->name, from->items[i], LDNS_RR_CLASS_IN, 0);
        bad |= !rr || !ldns_rr_list_push_rr(pr, rr);
    }
    for (int i = 0; to && i < to->count; i++) {
        /* Delete each type once, before the first add of that type. */
        if (i == 0 || is_v6(to->items[i]) != is_v6(to->items[0]))
            ldns_rr_list_push_rr(
                up, rr_new(dns->name, is_v6(to->items[i]) ? LDNS_RR_TYPE_AAAA : LDNS_RR_TYPE_A,
                           LDNS_RR_CLASS_ANY, 0));
        ldns_rr *rr = addr_rr(dns->name, to->items[i], LDNS_RR_CLASS_IN, (uint32_t)dns->conf.ttl_s);
        bad |= !rr || !ldns_rr_list_push_rr(up, rr);
    }
    ldns_pkt *p = bad ? NULL
                      : ldns_update_pkt_new(ldns_dname_new_frm_str(dns->zone), LDNS_RR_CLASS_IN, pr,
                                            up, NULL);
    ldns_rr_list_deep_free(pr);
    ldns_rr_list_deep_free(up);
    if (!p)
        return NULL;
    /* ldns builds updates from a query with RD set; RFC 2136 wants it clear. */
    ldns_pkt_set_rd(p, false);
    ldns_pkt_set_random_id(p);
    return p;
}

static uint16_t rdf_u16(const ldns_rdf *rd)
{
    return rd && ldns_rdf_size(rd) >= 2 ? ldns_read_uint16(ldns_rdf_data(rd)) : 0;
}

static const char *tsig_error_name(uint16_t e)
{
    switch (e) {
    case 16: return "BADSIG (wrong secret?)";
    case 17:
        return "BADKEY (the server does not know this key name or algorithm, or its ACL denies "
               "this update to the key)";
    case 18: return "BADTIME (the clocks differ by more than the fudge)";
    case 22: return "BADTRUNC";
    default: return "TSIG error";
    }
}

/* A signed reply whose Time Signed is outside the fudge is not trusted:
 * ldns checks only the MAC. */
static int reply_time_ok(const ldns_pkt *reply)
{
    ldns_rr *t = ldns_pkt_tsig(reply);
    if (!t || ldns_rr_rd_count(t) < 3 || ldns_rdf_size(ldns_rr_rdf(t, 1)) != 6)
        return 0;
    const uint8_t *b = ldns_rdf_data(ldns_rr_rdf(t, 1));
    int64_t signed_s = 0;
    for (int i = 0; i < 6; i++)
        signed_s = (signed_s << 8) | b[i];
    int64_t skew = (int64_t)time(NULL) - signed_s;
    return skew <= rdf_u16(ldns_rr_rdf(t, 2)) && -skew <= rdf_u16(ldns_rr_rdf(t, 2));
}

/* Classify one exchange. @return 0, XDC_ECONFLICT (NXRRSET: the
 * prerequisite failed), XDC_EREMOTE; *lost = 1 when no reply came. */
static int classify(const fo_dns_t *dns, int i, ldns_status s, const ldns_pkt *reply, int *lost,
                    char *why, size_t len)
{
    const char *srv = dns->servers[i].text;
    *lost = 0;
    if (!reply) {
        *lost = 1;
        fo__no_reply(dns, i, s, why, len);
        return XDC_EREMOTE;
    }
    ldns_pkt_rcode rcode = ldns_pkt_get_rcode(reply);
    ldns_rr *t = ldns_pkt_tsig(reply);
    uint16_t terr = t && ldns_rr_rd_count(t) >= 6 ? rdf_u16(ldns_rr_rdf(t, 5)) : 0;
    if (rcode == LDNS_RCODE_NOTAUTH && terr) {
        xdc_errbuf(why, len, "dns server %s rejected TSIG key '%s': %s", srv, dns->key,
                   tsig_error_name(terr));
        return XDC_EREMOTE;
    }
    if (s == LDNS_STATUS_CRYPTO_TSIG_BOGUS || (s == LDNS_STATUS_OK && !reply_time_ok(reply))) {
        xdc_errbuf(why, len, "dns server %s: the reply's TSIG signature does not verify", srv);
        return XDC_EREMOTE;
    }
    if (rcode == LDNS_RCODE_NXRRSET)
        return XDC_ECONFLICT;
    if (s != LDNS_STATUS_OK || rcode != LDNS_RCODE_NOERROR) {
        char *name = ldns_pkt_rcode2str(rcode);
        xdc_errbuf(why, len, "dns server %s refused the update of %s in zone %s: %s%s", srv,
                   dns->name, dns->zone, name ? name : "?",
                   rcode == LDNS_RCODE_NOTAUTH   ? " (not authoritative for the zone)"
                   : rcode == LDNS_RCODE_REFUSED ? " (update policy or ACL)"
                   : rcode == LDNS_RCODE_NOTZONE ? " (the name is outside the zone)"
                                                 : "");
        free(name);
        return XDC_EREMOTE;
    }
    return 0;
}

/* One signed update to server @p i; on a lost reply it is rebuilt and
 * signed afresh for each retry (reusing a signed message appends a second
 * TSIG, which servers reject as FORMERR). @p to NULL: prerequisite only. */
static int update(fo_dns_t *dns, int i, const conf_list_t *from, const conf_list_t *to, char *why,
                  size_t len)
{
    int rc = XDC_EREMOTE, lost = 1;
    for (int attempt = 0; lost && attempt <= dns->conf.retries; attempt++) {
        ldns_pkt *p = update_new(dns, from, to);
        if (!p) {
            xdc_errbuf(why, len, "cannot build the update: bad address in dns addresses");
            return XDC_ECONF;
        }
        ldns_resolver *r = fo__resolver(dns, i, 1);
        ldns_pkt *reply = NULL;
        ldns_status s = ldns_pkt_tsig_sign(p, dns->key, dns->secret, TSIG_FUDGE_S,
                                           ldns_resolver_tsig_algorithm(r), NULL);
        if (s != LDNS_STATUS_OK) {
            xdc_errbuf(why, len, "cannot sign the update with key '%s': %s", dns->key,
                       ldns_get_errorstr_by_id(s));
            lost = 0;
        } else {
            /* ldns_send(), not ldns_resolver_send_pkt(): the latter drops
             * unsigned error replies, and with them BADSIG/BADKEY. */
            s = ldns_send(&reply, r, p);
            rc = classify(dns, i, s, reply, &lost, why, len);
        }
        ldns_pkt_free(reply);
        ldns_pkt_free(p);
        ldns_resolver_deep_free(r);
        if (lost && attempt < dns->conf.retries) {
            log_info("dns: %s; retrying", why);
            /* A restarting server needs a moment; don't spend the retries at once. */
            xdc_sleep_ms(100L << (attempt < 4 ? attempt : 4));
        }
    }
    return rc;
}

static json_t *server_json(json_t *detail, int i)
{
    return json_array_get(json_object_get(detail, "servers"), (size_t)i);
}

/* The prerequisite failed: either someone already made the switch (a lost
 * reply, or a retry of this switch) or the record holds something else. */
static int explain_conflict(fo_dns_t *dns, int i, const conf_list_t *from, const conf_list_t *to,
                            char *why, size_t len)
{
    conf_list_t now;
    char err[256];
    if (fo_dns_lookup(dns, i, &now, err, sizeof(err)) < 0) {
        xdc_errbuf(why, len, "%s", err);
        return XDC_EREMOTE;
    }
    int already = fo__addrs_equal(&now, to);
    if (!already) {
        char have[256], want[256];
        xdc_errbuf(why, len,
                   "record changed behind the controller's back: dns server %s answers [%s] for "
                   "%s, expected [%s]",
                   dns->servers[i].text, fo__list_str(&now, have, sizeof(have)), dns->name,
                   fo__list_str(from, want, sizeof(want)));
    }
    conf_list_free(&now);
    return already ? 0 : XDC_ECONFLICT;
}

/* Step 1: every server reachable, the key accepted, the record as expected. */
static int check_all(fo_dns_t *dns, const conf_list_t *from, const conf_list_t *to, int *state,
                     json_t *detail, char *why, size_t len)
{
    for (int i = 0; i < dns->nservers; i++) {
        conf_list_t before;
        char err[256];
        json_t *sj = server_json(detail, i);
        if (fo_dns_lookup(dns, i, &before, err, sizeof(err)) == 0) {
            json_object_set_new(sj, "before", fo__list_json(&before));
            conf_list_free(&before);
        }
        int rc = update(dns, i, from, NULL, why, len);
        if (rc == XDC_ECONFLICT) {
            rc = explain_conflict(dns, i, from, to, why, len);
            state[i] = rc ? S_FAILED : S_ALREADY;
        } else {
            state[i] = rc ? S_FAILED : S_READY;
        }
        if (rc)
            return rc;
    }
    return 0;
}

/* Undo step 2 on the servers switched so far: the same guarded update
 * back. @return the number that could not be rolled back. */
static int roll_back(fo_dns_t *dns, const conf_list_t *from, const conf_list_t *to, int *state,
                     int upto)
{
    int left = 0;
    for (int i = 0; i < upto; i++) {
        char why[512];
        if (state[i] != S_SWITCHED)
            continue;
        if (update(dns, i, to, from, why, sizeof(why)) == 0) {
            state[i] = S_ROLLED_BACK;
        } else {
            log_error("dns: %s: cannot roll back: %s", dns->servers[i].text, why);
            left++;
        }
    }
    return left;
}

static int switch_all(fo_dns_t *dns, const conf_list_t *from, const conf_list_t *to, int *state,
                      char *why, size_t len)
{
    for (int i = 0; i < dns->nservers; i++) {
        if (state[i] != S_READY)
            continue;
        int rc = update(dns, i, from, to, why, len);
        if (rc == XDC_ECONFLICT)
            rc = explain_conflict(dns, i, from, to, why, len);
        if (!rc) {
            state[i] = S_SWITCHED;
            continue;
        }
        state[i] = S_FAILED;
        int left = roll_back(dns, from, to, state, i);
        size_t n = strlen(why);
        if (left)
            snprintf(why + n, len - n,
                     "; %d server(s) switched and could not be rolled back: "
                     "the servers disagree until fixed by hand",
                     left);
        return rc;
    }
    return 0;
}

static int set_record(fo_dns_t *dns, const conf_list_t *from, const conf_list_t *to, int dry_run,
                      json_t *detail, char *errbuf, size_t errlen)
{
    int *state = calloc((size_t)dns->nservers + 1, sizeof(int));
    json_t *servers = json_array();
    for (int i = 0; i < dns->nservers; i++)
        json_array_append_new(servers, json_pack("{s:s}", "server", dns->servers[i].text));
    json_object_set_new(detail, "servers", servers);
    int rc = check_all(dns, from, to, state, detail, errbuf, errlen);
    if (!rc && !dry_run)
        rc = switch_all(dns, from, to, state, errbuf, errlen);
    for (int i = 0; i < dns->nservers; i++)
        json_object_set_new(server_json(detail, i), "outcome", json_string(state_name[state[i]]));
    free(state);
    return rc;
}

const fo_dns_ops_t fo__rfc2136_ops = {"rfc2136", set_record};
