#ifndef XDC_TESTS_LIB_TH_H
#define XDC_TESTS_LIB_TH_H

#include <limits.h>

/* Integration-test harness: run the xdc binaries as child processes, capture
 * their output in files, wait for their listeners, and clean up everything a
 * test created, also when the test fails or the test process is killed.
 *
 * Cleanup has three layers, so a failing test never leaves a daemon behind:
 *  - th_cleanup() (or th_teardown() as a cmocka teardown) stops and frees
 *    every process still registered and removes every th_tmpdir();
 *  - an atexit() handler and handlers for SIGINT, SIGTERM, SIGABRT, SIGSEGV,
 *    SIGBUS, SIGFPE and SIGILL SIGKILL every live child by PID;
 *  - each child has PR_SET_PDEATHSIG = SIGKILL, so it dies with the test
 *    process even on SIGKILL.
 *
 * Exit statuses: a process that exited reports its exit code (0..255); one
 * killed by a signal reports -signum (e.g. -SIGKILL). TH_STATUS_LOST means the
 * process could not be reaped (a harness bug).
 *
 * Every timeout argument is in milliseconds and is NOT scaled; wrap literal
 * timeouts in th_ms() so that TEST_TIMEOUT_MULT stretches them.
 *
 * Strings the harness returns as `const char *` are owned by the harness and
 * stay valid until th_cleanup() unless their comment says otherwise; `char *`
 * results are owned by the caller.
 * @thread all functions: the test's main thread only (PR_SET_PDEATHSIG
 * follows the thread that spawned the child). */

/* Fail the current cmocka test with a printf-style message unless @p cond
 * (use where <cmocka.h> is included). */
#define TH_CHECK(cond, ...)                                                                        \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fail_msg(__VA_ARGS__);                                                                 \
    } while (0)

#define TH_STATUS_LOST INT_MIN

typedef struct th_proc th_proc_t;

/* --- time and environment --------------------------------------------- */

/** @return @p ms multiplied by env TEST_TIMEOUT_MULT (integer >= 1, default 1). */
int th_ms(int ms);

/** Sleep @p ms milliseconds (not scaled: a pace, not a timeout). */
void th_sleep_ms(int ms);

/** Path of binary @p name ("xdc-broker") in env XDC_BIN_DIR. Fails the
 *  current cmocka test with a clear message when XDC_BIN_DIR is unset or the
 *  binary is not executable.  @return harness-owned path. */
const char *th_bin(const char *name);

/** The source tree: env XDC_SRC_DIR, else XDC_BIN_DIR/../.. made absolute.
 *  Fails the current test when neither resolves.  @return harness-owned path. */
const char *th_src_dir(void);

/* --- files and directories -------------------------------------------- */

/** Create a fresh directory with mkdtemp() under $TMPDIR (or /tmp). It is
 *  removed recursively by th_cleanup() unless env TH_KEEP_TMP is set (then
 *  its path is printed instead). Fails the current test on error.
 *  @return harness-owned absolute path; do not free. */
const char *th_tmpdir(void);

/** Remove @p path and everything under it, without following symlinks.
 *  @return 0 (also when @p path does not exist), or -errno. */
int th_rmtree(const char *path);

/** Create or truncate @p path and write @p text to it.
 *  @param path, text borrowed.  @return 0, or -errno. */
int th_write_file(const char *path, const char *text);

/** Read a whole file into a NUL-terminated string.
 *  @return caller-owned string (free()), or NULL with errno set. */
char *th_read_file(const char *path);

/** @return 1 when @p path exists (lstat succeeds), else 0. */
int th_exists(const char *path);

/* --- network ---------------------------------------------------------- */

/** A TCP port on 127.0.0.1 that was free a moment ago: binds port 0, reads
 *  the port the kernel chose and closes the socket. Another process may take
 *  the port before the caller binds it, so callers that start a listener on
 *  it retry with a new port when the listener fails with EADDRINUSE.
 *  @return the port, or -errno. */
int th_free_port(void);

/** Connect to @p host:@p port repeatedly until a listener accepts, at least
 *  once even when @p timeout_ms is 0.  @param host borrowed, numeric or name.
 *  @return 0 when a connection succeeded, -ETIMEDOUT, or -EINVAL (bad host). */
int th_wait_tcp(const char *host, int port, int timeout_ms);

/* --- processes -------------------------------------------------------- */

/** Start argv[0] (a path; no PATH search) with argv as its arguments, stdin
 *  from /dev/null, and stdout and stderr both appended to @p log_path (created
 *  or truncated), or to a temporary file when @p log_path is NULL (unlinked at
 *  once, so it never outlives the test; read it with th_proc_output()). A
 *  given @p log_path is kept (put it in a th_tmpdir()). The child is registered for cleanup and
 * gets PR_SET_PDEATHSIG = SIGKILL.
 *  @param argv borrowed, NULL-terminated.  @param log_path borrowed, or NULL.
 *  @return a handle owned by the harness until th_proc_free() or
 *  th_cleanup(), or NULL with errno set (including the exec() errno when the
 *  program could not be executed, e.g. ENOENT). */
th_proc_t *th_spawn(const char *const argv[], const char *log_path);

/** Like th_spawn(), but stderr goes to its own file @p err_path (NULL: a
 *  temporary file), read back with th_proc_errput(). */
th_proc_t *th_spawn_split(const char *const argv[], const char *log_path, const char *err_path);

/** Wait up to @p timeout_ms for @p p to exit and reap it; returns at once when
 *  it was already reaped. @param exit_status out, may be NULL.
 *  @return 0 (exited; *exit_status set), or -ETIMEDOUT (still running). */
int th_proc_wait(th_proc_t *p, int timeout_ms, int *exit_status);

/** Send @p sig to @p p, wait up to @p timeout_ms, then SIGKILL it if it is
 *  still running. Does nothing to a process already reaped.
 *  @return its exit status (see the top of this file): -SIGKILL when the
 *  escalation was needed, TH_STATUS_LOST if it could not be reaped. */
int th_proc_stop(th_proc_t *p, int sig, int timeout_ms);

/** @return 1 while @p p has not been reaped, else 0. Reaps it if it exited. */
int th_proc_running(th_proc_t *p);

/** @return the PID of @p p (still valid after exit, for messages only). */
int th_proc_pid(const th_proc_t *p);

/** The output captured so far (stdout and stderr, or stdout only for
 *  th_spawn_split()). @return harness-owned string ("" when nothing could be
 *  read), valid until the next th_proc_output() call on @p p or
 *  th_proc_free(). */
const char *th_proc_output(th_proc_t *p);

/** stderr captured by a th_spawn_split() process; "" for th_spawn() ones.
 *  @return as th_proc_output(). */
const char *th_proc_errput(th_proc_t *p);

/** Wait until th_proc_output() contains @p needle.
 *  @return 0, -ETIMEDOUT, or -ECHILD when @p p exited without printing it. */
int th_proc_wait_output(th_proc_t *p, const char *needle, int timeout_ms);

/** Stop @p p with SIGKILL if it still runs, unregister it, remove its
 *  temporary output files and free it. NULL does nothing. */
void th_proc_free(th_proc_t *p);

/** Run argv to completion with th_spawn(); on timeout SIGKILL it.
 *  @param exit_status out, may be NULL.  @param output out, may be NULL: the
 *  combined stdout and stderr, caller-owned (free()), set also on timeout.
 *  @return 0, -ETIMEDOUT, or -errno when it could not be started. */
int th_run(const char *const argv[], int timeout_ms, int *exit_status, char **output);

/** th_run() with stdout and stderr captured apart.
 *  @param out, err out, may be NULL; caller-owned. */
int th_run_split(const char *const argv[], int timeout_ms, int *exit_status, char **out,
                 char **err);

/* A finished command: its exit status and its stdout and stderr apart. */
typedef struct th_result {
    int status;
    char *out, *err;
} th_result_t;

/** Free @p r's output and zero it. */
void th_result_clear(th_result_t *r);

/** th_result_clear(@p r), then th_run_split() into it. Fails the test when
 *  argv cannot be started, is still running after @p timeout_ms, or left
 *  no output.  @return @p r. */
const th_result_t *th_run_result(th_result_t *r, const char *const argv[], int timeout_ms);

/* --- cleanup ---------------------------------------------------------- */

/** Stop (SIGKILL) and free every process, remove every th_tmpdir() and free
 *  everything the harness owns. The harness stays usable afterwards. */
void th_cleanup(void);

/** th_cleanup() with cmocka's setup/teardown signature.  @return 0. */
int th_teardown(void **state);

#endif
