#ifndef XDC_TESTS_LIB_TH_BROKER_H
#define XDC_TESTS_LIB_TH_BROKER_H

/* Start, stop and restart an xdc-broker for integration tests: a free
 * port, data in a directory of the test's, its output kept in a log file. */

#include "tests/lib/th.h"

typedef struct th_broker {
    th_proc_t *proc; /* NULL while stopped */
    char host[64];   /* the loopback address it listens on, 127.0.0.1 by default */
    int port;
    char bootstrap[96]; /* "<host>:<port>" */
    char dir[512];      /* holds data/ and broker.log */
    const char *overrides[16];
    int noverrides;
} th_broker_t;

/** Start a broker with data in @p dir/data and extra "key=value"
 *  @p overrides (NULL-terminated, may be NULL). Retries when another
 *  process takes the port first. Fails the test when it cannot start. */
void th_broker_start(th_broker_t *b, const char *dir, const char *const *overrides);

/** th_broker_start() on @p host (a loopback address such as 127.0.0.2) and
 *  @p port. @return 1 when it listens, 0 when the port was taken (the
 *  broker is then stopped and @p b can start again); fails the test on any
 *  other failure. */
int th_broker_start_at(th_broker_t *b, const char *dir, const char *host, int port,
                       const char *const *overrides);

/** Stop with @p sig (SIGTERM: clean; SIGKILL: crash). @return exit status. */
int th_broker_stop(th_broker_t *b, int sig);

/** Start again on the same port and directory (after th_broker_stop). */
void th_broker_restart(th_broker_t *b);

/** The broker's output so far. */
const char *th_broker_log(th_broker_t *b);

#endif
