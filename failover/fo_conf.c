/* The failover controller's settings. */
#include "failover/failover.h"

#include "common/err.h"
#include "common/util.h"

#include <arpa/inet.h>
#include <stddef.h>
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
    CONF_LOG_ITEMS(fo_conf_t, log),
};
/* clang-format on */

const conf_table_t fo_conf_table = {
    "failover",
    "`xdc-failover FILE` reads these keys. Unknown keys are an error.",
    items,
    sizeof(items) / sizeof(items[0]),
};
