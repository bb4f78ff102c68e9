#ifndef XDC_TESTS_LIB_TH_KNOT_H
#define XDC_TESTS_LIB_TH_KNOT_H

/* A throwaway Knot DNS (Debian's knotd) on 127.0.0.1 for integration tests:
 * zone TH_KNOT_ZONE with one A RRset for the bootstrap name, dynamic
 * updates allowed only with the TSIG key TH_KNOT_KEY_NAME, every path
 * (config, run, journal, zone files) inside a directory of the test's, and
 * stopped by PID. */

#include "tests/lib/th.h"

#define TH_KNOT_ZONE       "example.internal"
#define TH_KNOT_NAME       "kafka.example.internal"
#define TH_KNOT_KEY_NAME   "xdc-test-key"
/* TEST ONLY: base64 of a fixed string, never a real key. */
#define TH_KNOT_KEY_SECRET "eGRjLXRlc3QtdHNpZy1zZWNyZXQtbm90LWZvci11c2U="

typedef struct th_knot {
    th_proc_t *proc; /* NULL while stopped */
    int port;
    char dir[512];
    char server[96];       /* "<ip>:<port>" */
    char secret_file[600]; /* TH_KNOT_KEY_SECRET alone, for dns.tsig.secret.file */
    char acl_extra[256];   /* more lines for the update ACL, indented 4 */
    char ip[64];           /* the address it listens on, 127.0.0.1 by default */
} th_knot_t;

/** Start knotd serving TH_KNOT_NAME with the A records @p addrs (a
 *  comma-separated list) and TTL @p ttl_s, and wait until it answers SOA
 *  queries. Uses a new directory under @p dir. Retries on a taken port;
 *  fails the test when knotd cannot start. */
void th_knot_start(th_knot_t *k, const char *dir, const char *addrs, int ttl_s);

/** th_knot_start() with @p acl_extra added to the update ACL, e.g.
 *  "    update-type: [AAAA]\n" to refuse A updates. */
void th_knot_start_acl(th_knot_t *k, const char *dir, const char *addrs, int ttl_s,
                       const char *acl_extra);

/** th_knot_start() listening on @p ip and @p port (53 for a resolver that
 *  cannot be told a port); updates are accepted from 127.0.0.1 and @p ip. */
void th_knot_start_at(th_knot_t *k, const char *dir, const char *addrs, int ttl_s, const char *ip,
                      int port);

/** Stop with SIGTERM (then SIGKILL). @return exit status. */
int th_knot_stop(th_knot_t *k);

/** Start again on the same port and directory; the zone keeps its updates. */
void th_knot_restart(th_knot_t *k);

/** Ask @p server ("127.0.0.1:<port>") with dig over TCP for @p type records
 *  of @p name. Fails the test when dig cannot run.
 *  @return the answers sorted and comma-separated ("" for none), caller-owned. */
char *th_dig(const char *server, const char *name, const char *type);

/** Change the name's A records on @p server to @p addr alone with
 *  nsupdate (TCP, the test key), as someone other than the controller
 *  would. Fails the test when nsupdate does not succeed. */
void th_nsupdate_a(const th_knot_t *k, const char *addr);

/** The zone's SOA serial on @p server, or -1. */
long th_dig_serial(const char *server);

#endif
