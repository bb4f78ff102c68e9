/* Hook commands with a deadline. */
#include "common/exec.h"

#include "common/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MAX_ARGS 32

static char **build_env(const char *const *extra)
{
    size_t n = 0, k = 0;
    while (environ[n])
        n++;
    while (extra && extra[k])
        k++;
    char **env = calloc(n + k + 1, sizeof(char *));
    if (!env)
        return NULL;
    /* Extra entries go first: getenv() and the shell take the first match. */
    for (size_t i = 0; i < k; i++)
        env[i] = (char *)extra[i];
    for (size_t i = 0; i < n; i++)
        env[k + i] = environ[i];
    return env;
}

static int spawn(const char *command, const char *const *args, const char *const *extra, int out,
                 pid_t *pid)
{
    const char *argv[MAX_ARGS + 4] = {"/bin/sh", "-c", command, "xdc-hook"};
    int n = 4;
    for (int i = 0; args && args[i]; i++) {
        if (n >= MAX_ARGS + 3)
            return -E2BIG;
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    char **env = build_env(extra);
    if (!env)
        return -ENOMEM;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out, 1);
    posix_spawn_file_actions_adddup2(&fa, out, 2);
    posix_spawnattr_init(&at);
    /* Its own group, so a timeout kills whatever the shell started too. */
    posix_spawnattr_setpgroup(&at, 0);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
    int rc = posix_spawn(pid, "/bin/sh", &fa, &at, (char *const *)argv, env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    free(env);
    return -rc;
}

static void take_output(xdc_exec_result_t *res, const char *buf, ssize_t n)
{
    size_t room = sizeof(res->output) - 1 - res->output_len;
    size_t take = (size_t)n < room ? (size_t)n : room;
    memcpy(res->output + res->output_len, buf, take);
    res->output_len += take;
    res->output[res->output_len] = '\0';
    if (take < (size_t)n)
        res->truncated = 1;
}

/* Read until EOF (every writer gone) or the deadline. @return 1 on timeout. */
static int drain(int fd, int64_t deadline_ms, xdc_exec_result_t *res)
{
    char buf[1024];
    for (;;) {
        int64_t now = xdc_mono_ms();
        if (now >= deadline_ms)
            return 1;
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, (int)(deadline_ms - now));
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            return 1;
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        take_output(res, buf, n);
    }
}

int xdc_exec(const char *command, const char *const *args, const char *const *env, int timeout_ms,
             xdc_exec_result_t *res)
{
    memset(res, 0, sizeof(*res));
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -errno;
    pid_t pid;
    int rc = spawn(command, args, env, fds[1], &pid);
    close(fds[1]);
    if (rc < 0) {
        close(fds[0]);
        return rc;
    }
    res->timed_out = drain(fds[0], xdc_mono_ms() + timeout_ms, res);
    close(fds[0]);
    if (res->timed_out)
        kill(-pid, SIGKILL);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    res->status = WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
    return 0;
}
