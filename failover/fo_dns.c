/* The DNS name clients bootstrap from: providers, lookups, shared helpers. */
#include "failover/fo_int.h"

#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* "name" and "name." are the same absolute name; ldns wants the dot. */
static char *fqdn(const char *name)
{
    size_t n = strlen(name);
    return n && name[n - 1] == '.' ? xstrdup(name) : xasprintf("%s.", name);
}

/* host:port (port 53 when absent, [v6]:port for IPv6), resolved once. */
static int server_parse(const char *text, fo_dns_server_t *s, char *errbuf, size_t errlen)
{
    char host[256], port[16] = "53";
    const char *colon = strrchr(text, ':');
    if (text[0] == '[') {
        const char *end = strchr(text, ']');
        if (!end || (end[1] && end[1] != ':')) {
            xdc_errbuf(errbuf, errlen, "dns.servers: '%s' is not host:port", text);
            return XDC_ECONF;
        }
        snprintf(host, sizeof(host), "%.*s", (int)(end - text - 1), text + 1);
        colon = end[1] ? end + 1 : NULL;
    } else {
        snprintf(host, sizeof(host), "%.*s", colon ? (int)(colon - text) : (int)strlen(text), text);
    }
    if (colon)
        snprintf(port, sizeof(port), "%s", colon + 1);
    char *end;
    long p = strtol(port, &end, 10);
    if (*end || p < 1 || p > 65535) {
        xdc_errbuf(errbuf, errlen, "dns.servers: '%s': bad port '%s'", text, port);
        return XDC_ECONF;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
    int rc = getaddrinfo(host, NULL, &hints, &ai);
    if (rc) {
        xdc_errbuf(errbuf, errlen, "dns.servers: '%s': %s", host, gai_strerror(rc));
        return XDC_ECONF;
    }
    struct sockaddr_storage ss = {0};
    memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(ai);
    s->text = xstrdup(text);
    s->addr = ldns_sockaddr_storage2rdf(&ss, NULL);
    s->port = (uint16_t)p;
    return 0;
}

static void conf_copy(fo_dns_conf_t *dst, const fo_dns_conf_t *src)
{
    *dst = *src;
    dst->name = xstrdup(src->name);
    dst->zone = xstrdup(src->zone);
    dst->tsig_key_name = xstrdup(src->tsig_key_name);
    dst->tsig_secret_file = xstrdup(src->tsig_secret_file);
    dst->exec_command = xstrdup(src->exec_command);
    dst->servers.count = 0;
    dst->servers.items = NULL;
}

static int rfc2136_prepare(fo_dns_t *dns, char *errbuf, size_t errlen)
{
    if (!*dns->conf.tsig_key_name || !*dns->conf.tsig_secret_file) {
        xdc_errbuf(errbuf, errlen,
                   "dns.provider=rfc2136 needs dns.tsig.key.name and "
                   "dns.tsig.secret.file (updates are always signed)");
        return XDC_ECONF;
    }
    if (xdc_read_secret("dns.tsig.secret.file", dns->conf.tsig_secret_file, &dns->secret, errbuf,
                        errlen) < 0)
        return XDC_ECONF;
    ldns_rdf *raw = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_B64, dns->secret);
    int ok = raw && ldns_rdf_size(raw) > 0;
    ldns_rdf_deep_free(raw);
    if (!ok) {
        xdc_errbuf(errbuf, errlen, "dns.tsig.secret.file: %s does not hold a base64 key",
                   dns->conf.tsig_secret_file);
        return XDC_ECONF;
    }
    /* The MAC covers the key name in canonical (lower case) form. */
    dns->key = fqdn(dns->conf.tsig_key_name);
    for (char *p = dns->key; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return 0;
}

fo_dns_t *fo_dns_new(const fo_dns_conf_t *conf, char *errbuf, size_t errlen)
{
    fo_dns_t *dns = xcalloc(1, sizeof(*dns));
    conf_copy(&dns->conf, conf);
    dns->ops = conf->provider == FO_DNS_EXEC ? &fo__exec_ops : &fo__rfc2136_ops;
    dns->name = fqdn(conf->name);
    dns->zone = fqdn(*conf->zone ? conf->zone : conf->name);
    dns->servers = xcalloc((size_t)conf->servers.count + 1, sizeof(*dns->servers));
    int rc = 0;
    for (int i = 0; i < conf->servers.count && !rc; i++) {
        rc = server_parse(conf->servers.items[i], &dns->servers[i], errbuf, errlen);
        if (!rc)
            dns->nservers++;
    }
    if (!rc && conf->provider == FO_DNS_RFC2136 && !dns->nservers) {
        xdc_errbuf(errbuf, errlen, "dns.provider=rfc2136 needs dns.servers");
        rc = XDC_ECONF;
    }
    if (!rc && conf->provider == FO_DNS_EXEC && !*conf->exec_command) {
        xdc_errbuf(errbuf, errlen, "dns.provider=exec needs dns.exec.command");
        rc = XDC_ECONF;
    }
    if (!rc && conf->provider == FO_DNS_RFC2136)
        rc = rfc2136_prepare(dns, errbuf, errlen);
    if (rc) {
        fo_dns_free(dns);
        return NULL;
    }
    return dns;
}

void fo_dns_free(fo_dns_t *dns)
{
    if (!dns)
        return;
    for (int i = 0; i < dns->nservers; i++) {
        free(dns->servers[i].text);
        ldns_rdf_deep_free(dns->servers[i].addr);
    }
    free(dns->servers);
    free(dns->conf.name);
    free(dns->conf.zone);
    free(dns->conf.tsig_key_name);
    free(dns->conf.tsig_secret_file);
    free(dns->conf.exec_command);
    free(dns->name);
    free(dns->zone);
    free(dns->key);
    if (dns->secret)
        memset(dns->secret, 0, strlen(dns->secret));
    free(dns->secret);
    free(dns);
}

int fo_dns_server_count(const fo_dns_t *dns)
{
    return dns->nservers;
}

const char *fo_dns_server(const fo_dns_t *dns, int i)
{
    return dns->servers[i].text;
}

ldns_resolver *fo__resolver(const fo_dns_t *dns, int i, int signed_)
{
    ldns_resolver *r = ldns_resolver_new();
    ldns_resolver_push_nameserver(r, dns->servers[i].addr);
    ldns_resolver_set_port(r, dns->servers[i].port);
    /* TCP: updates are rare, signed replies could truncate over UDP, and a
     * dead server shows as a refused or timed-out connection. */
    ldns_resolver_set_usevc(r, true);
    ldns_resolver_set_recursive(r, false);
    ldns_resolver_set_random(r, false);
    ldns_resolver_set_retry(r, 1);
    ldns_resolver_set_fail(r, true);
    int ms = dns->conf.timeout_ms;
    ldns_resolver_set_timeout(r, (struct timeval){ms / 1000, (ms % 1000) * 1000});
    if (signed_) {
        ldns_resolver_set_tsig_keyname(r, dns->key);
        ldns_resolver_set_tsig_algorithm(
            r, dns->conf.tsig_algorithm == FO_TSIG_HMAC_SHA512 ? "hmac-sha512." : "hmac-sha256.");
        ldns_resolver_set_tsig_keydata(r, dns->secret);
    }
    return r;
}

void fo__no_reply(const fo_dns_t *dns, int i, ldns_status s, char *why, size_t len)
{
    const fo_dns_server_t *srv = &dns->servers[i];
    size_t salen;
    struct sockaddr_storage *sa = ldns_rdf2native_sockaddr_storage(srv->addr, srv->port, &salen);
    int fd = sa ? socket(sa->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0) : -1;
    int ms = dns->conf.timeout_ms;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    int err = 0;
    if (fd >= 0) {
        /* Linux bounds connect() by the send timeout. */
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (connect(fd, (struct sockaddr *)sa, (socklen_t)salen) < 0)
            err = errno == EINPROGRESS || errno == EAGAIN ? ETIMEDOUT : errno;
        close(fd);
    }
    free(sa);
    if (err)
        xdc_errbuf(why, len, "dns server %s unreachable: %s", srv->text, strerror(err));
    else
        xdc_errbuf(why, len, "dns server %s: no reply over TCP within %d ms (%s)", srv->text, ms,
                   ldns_get_errorstr_by_id(s));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_add(conf_list_t *l, const char *s)
{
    l->items = xrealloc(l->items, (size_t)(l->count + 1) * sizeof(char *));
    l->items[l->count++] = xstrdup(s);
}

int fo__addrs_equal(const conf_list_t *a, const conf_list_t *b)
{
    if (a->count != b->count)
        return 0;
    for (int i = 0; i < a->count; i++) {
        int found = 0;
        for (int j = 0; j < b->count && !found; j++)
            found = !strcmp(a->items[i], b->items[j]);
        if (!found)
            return 0;
    }
    return 1;
}

const char *fo__list_str(const conf_list_t *l, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < l->count && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "," : "", l->items[i]);
    return buf;
}

json_t *fo__list_json(const conf_list_t *l)
{
    json_t *a = json_array();
    for (int i = 0; i < l->count; i++)
        json_array_append_new(a, json_string(l->items[i]));
    return a;
}

/* The A and AAAA records of the answer section, as text. */
static void answer_addrs(const ldns_pkt *p, const char *name, conf_list_t *out)
{
    ldns_rr_list *ans = ldns_pkt_answer(p);
    ldns_rdf *owner = ldns_dname_new_frm_str(name);
    for (size_t i = 0; i < ldns_rr_list_rr_count(ans); i++) {
        ldns_rr *rr = ldns_rr_list_rr(ans, i);
        ldns_rr_type t = ldns_rr_get_type(rr);
        if ((t != LDNS_RR_TYPE_A && t != LDNS_RR_TYPE_AAAA) || ldns_rr_rd_count(rr) < 1 ||
            ldns_dname_compare(ldns_rr_owner(rr), owner) != 0)
            continue;
        char *s = ldns_rdf2str(ldns_rr_rdf(rr, 0));
        if (s)
            list_add(out, s);
        free(s);
    }
    ldns_rdf_deep_free(owner);
    qsort(out->items, (size_t)out->count, sizeof(char *), cmp_str);
}

static int lookup_type(fo_dns_t *dns, int i, ldns_rr_type type, conf_list_t *addrs, char *errbuf,
                       size_t errlen)
{
    ldns_resolver *r = fo__resolver(dns, i, 0);
    ldns_pkt *q = ldns_pkt_query_new(ldns_dname_new_frm_str(dns->name), type, LDNS_RR_CLASS_IN, 0);
    ldns_pkt_set_random_id(q);
    ldns_pkt *reply = NULL;
    ldns_status s = ldns_send(&reply, r, q);
    int rc = 0;
    if (!reply) {
        fo__no_reply(dns, i, s, errbuf, errlen);
        rc = XDC_EREMOTE;
    } else if (ldns_pkt_get_rcode(reply) != LDNS_RCODE_NOERROR &&
               ldns_pkt_get_rcode(reply) != LDNS_RCODE_NXDOMAIN) {
        char *rcode = ldns_pkt_rcode2str(ldns_pkt_get_rcode(reply));
        xdc_errbuf(errbuf, errlen, "dns server %s: query for %s answered %s", dns->servers[i].text,
                   dns->name, rcode ? rcode : "?");
        free(rcode);
        rc = XDC_EREMOTE;
    } else {
        answer_addrs(reply, dns->name, addrs);
    }
    ldns_pkt_free(reply);
    ldns_pkt_free(q);
    ldns_resolver_deep_free(r);
    return rc;
}

int fo_dns_lookup(fo_dns_t *dns, int i, conf_list_t *addrs, char *errbuf, size_t errlen)
{
    memset(addrs, 0, sizeof(*addrs));
    int rc = lookup_type(dns, i, LDNS_RR_TYPE_A, addrs, errbuf, errlen);
    if (!rc)
        rc = lookup_type(dns, i, LDNS_RR_TYPE_AAAA, addrs, errbuf, errlen);
    if (rc)
        conf_list_free(addrs);
    return rc;
}

int fo_dns_switch(fo_dns_t *dns, const conf_list_t *from, const conf_list_t *to, int dry_run,
                  json_t **detail, char *errbuf, size_t errlen)
{
    *detail = json_pack("{s:s, s:s, s:o, s:o, s:b, s:i}", "provider", dns->ops->name, "name",
                        dns->conf.name, "from", fo__list_json(from), "to", fo__list_json(to),
                        "dry_run", dry_run, "ttl_s", dns->conf.ttl_s);
    int rc = dns->ops->set_record(dns, from, to, dry_run, *detail, errbuf, errlen);
    if (rc < 0) {
        json_object_set_new(*detail, "error", json_string(errbuf));
        log_warn("dns: %s: switch %s: %s", dns->conf.name, dry_run ? "check" : "refused", errbuf);
    } else {
        log_info("dns: %s: %s", dns->conf.name, dry_run ? "switch checked (dry run)" : "switched");
    }
    return rc;
}
