#ifndef XDC_TESTS_LIB_TH_BROKER_H
#define XDC_TESTS_LIB_TH_BROKER_H

/* Start, stop and restart an xdc-broker for integration tests: a free
 * port, data in a directory of the test's, its output kept in a log file. */

#include "tests/lib/th.h"

typedef struct th_broker {
    th_proc_t *proc; /* NULL while stopped */
    int port;
    char bootstrap[64]; /* "127.0.0.1:<port>" */
    char dir[512];      /* holds data/ and broker.log */
    const char *overrides[16];
    int noverrides;
} th_broker_t;

/** Start a broker with data in @p dir/data and extra "key=value"
 *  @p overrides (NULL-terminated, may be NULL). Retries when another
 *  process takes the port first. Fails the test when it cannot start. */
void th_broker_start(th_broker_t *b, const char *dir, const char *const *overrides);

/** Stop with @p sig (SIGTERM: clean; SIGKILL: crash). @return exit status. */
int th_broker_stop(th_broker_t *b, int sig);

/** Start again on the same port and directory (after th_broker_stop). */
void th_broker_restart(th_broker_t *b);

/** The broker's output so far. */
const char *th_broker_log(th_broker_t *b);

#endif
