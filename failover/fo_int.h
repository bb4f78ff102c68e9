#ifndef XDC_FAILOVER_FO_INT_H
#define XDC_FAILOVER_FO_INT_H

/* Private to failover/. */

#include "failover/failover.h"

#include <ldns/ldns.h>

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

/** Read a one-line secret from @p path for setting @p key; surrounding
 *  whitespace is not part of it.  @param out caller-owned.
 *  @return 0, or XDC_ECONF naming @p key and the problem. */
int fo__read_secret(const char *key, const char *path, char **out, char *errbuf, size_t errlen);

#endif
