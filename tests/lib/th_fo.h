#ifndef XDC_TESTS_LIB_TH_FO_H
#define XDC_TESTS_LIB_TH_FO_H

/* A primary/DR pair as the failover tests run it: two xdc-brokers on the
 * same port at TH_FO_PRIMARY_IP and TH_FO_DR_IP (that port is the DNS
 * name's), two Knot DNS servers serving TH_KNOT_NAME with TTL 1 s, an
 * xdc-mirror running both flows with IdentityReplicationPolicy and
 * checkpoints every second, and xdc-failover over all of them. */

#include "tests/lib/th_broker.h"
#include "tests/lib/th_knot.h"
#include "tests/lib/th_mirror.h"

#include <jansson.h>

#define TH_FO_PRIMARY_IP "127.0.0.2"
#define TH_FO_DR_IP      "127.0.0.3"
#define TH_FO_IDENTITY                                                                             \
    "replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy\n"

typedef struct th_fo_opts {
    const char *primary_ip, *dr_ip; /* NULL: TH_FO_PRIMARY_IP, TH_FO_DR_IP */
    const char *dns_ip; /* NULL: two Knot servers on 127.0.0.1; else one on dns_ip, port 53 */
    const char *controller_extra; /* more lines for failover.properties; may be NULL */
    const char *mirror_extra;     /* more lines for the mirror's file; may be NULL */
} th_fo_opts_t;

typedef struct th_fo {
    const char *dir;
    char primary_ip[64], dr_ip[64];
    th_broker_t primary, dr;
    int nknots;
    int port; /* both brokers', and dns.bootstrap.port */
    th_knot_t knot[2];
    th_mirror_t mirror;
    th_proc_t *proc; /* xdc-failover; NULL while stopped */
    int http_port;
} th_fo_t;

/** Start everything in @p dir: the brokers with @p topic (@p nparts
 *  partitions) on the primary, the DNS servers holding the primary's
 *  address, the mirror, and the controller with @p controller_extra lines
 *  (may be NULL) after its base configuration. Fails the test on error. */
void th_fo_start(th_fo_t *f, const char *dir, const char *topic, int nparts,
                 const char *controller_extra);

/** th_fo_start() with other addresses (@p o borrowed). */
void th_fo_start_opts(th_fo_t *f, const char *dir, const char *topic, int nparts,
                      const th_fo_opts_t *o);

/** (Re)start xdc-failover with @p extra lines (may be NULL); stops a
 *  running one first (SIGTERM). */
void th_fo_controller_start(th_fo_t *f, const char *extra);

/** Stop the controller with SIGTERM (a clean exit, so tools that check it
 *  at exit see one); teardowns call it before th_teardown(). */
void th_fo_controller_stop(th_fo_t *f);

/** POST @p path with @p body to the controller, expect 202, and wait for
 *  the switch to finish.  @return its report, caller-owned. */
json_t *th_fo_switch(th_fo_t *f, const char *path, const char *body);

/** Wait until report @p id is no longer running.  @return it, caller-owned. */
json_t *th_fo_wait_report(th_fo_t *f, const char *id, int timeout_ms);

/** GET /v1/reports.  @return the "reports" array, caller-owned. */
json_t *th_fo_reports(th_fo_t *f);

/** Every DNS server answers @p want for the name (dig). */
void th_fo_expect_dns(th_fo_t *f, const char *want);

#endif
