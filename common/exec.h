#ifndef XDC_COMMON_EXEC_H
#define XDC_COMMON_EXEC_H

#include <stddef.h>

/* Operators' hook commands (DNS updates through a cloud API, fencing):
 * run through /bin/sh with a deadline, output captured. */

typedef struct xdc_exec_result {
    int status;        /* exit code 0..255, or -signum when killed by a signal */
    int timed_out;     /* 1 when the deadline passed and the command was killed */
    char output[4096]; /* stdout and stderr, the first 4095 bytes */
    size_t output_len;
    int truncated; /* 1 when the command printed more than fits */
} xdc_exec_result_t;

/** Run @p command with /bin/sh -c in its own process group, with @p args as
 *  "$1".. and the "KEY=value" strings of @p env added to this process's
 *  environment. After @p timeout_ms the whole group is killed (SIGKILL).
 *  Safe in a threaded process (posix_spawn).
 *  @param command, args, env borrowed; args and env NULL-terminated (either may be NULL).
 *  @return 0 when the command ran (its status is in @p res, even non-zero),
 *  or -errno when it could not be started.  @thread any. */
int xdc_exec(const char *command, const char *const *args, const char *const *env, int timeout_ms,
             xdc_exec_result_t *res);

#endif
