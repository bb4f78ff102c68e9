#ifndef XDC_TESTS_LIB_TH_MIRROR_H
#define XDC_TESTS_LIB_TH_MIRROR_H

/* Start, stop and restart an xdc-mirror for integration tests: its
 * configuration and its output (stdout and stderr) in files in a directory
 * of the test's, its HTTP API on 127.0.0.1 at a port the kernel picks. */

#include "tests/lib/th.h"

typedef struct th_mirror {
    th_proc_t *proc;     /* NULL while stopped */
    int http_port;       /* the HTTP API's port; changes with each (re)start */
    char conf_path[512]; /* <dir>/mirror-<n>.properties */
    char log_path[512];  /* <dir>/mirror-<n>.log: output of the current or last run */
} th_mirror_t;

/** Write @p conf_text plus "http.listeners=http://127.0.0.1:0" (last, so it
 *  wins) to @p dir/mirror-<n>.properties (n counts starts in this process),
 *  run xdc-mirror on it, wait for its log line "mirror HTTP API on <host>
 *  port <N>" and keep N in @p m->http_port. Fails the test when the mirror
 *  exits first or does not log the line within 15 s (scaled).
 *  @param dir, conf_text borrowed. */
void th_mirror_start(th_mirror_t *m, const char *dir, const char *conf_text);

/** Stop with @p sig (SIGTERM: clean; SIGKILL: crash), SIGKILL after 10 s
 *  (scaled). The log file stays.  @return the exit status (see th.h). */
int th_mirror_stop(th_mirror_t *m, int sig);

/** Start again with the same configuration file (after th_mirror_stop()).
 *  The last run's log is kept as <log_path>.1, .2, ...; the HTTP port is
 *  new. Fails the test as th_mirror_start() does. */
void th_mirror_restart(th_mirror_t *m);

/** The output of the current or last run, read from its log file.
 *  @return harness-owned, valid until the next th_mirror_log() call. */
const char *th_mirror_log(th_mirror_t *m);

#endif
