#include "tests/lib/th.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

/* One captured stream of a child: a read descriptor on its file, and the
 * text last read from it. A temporary capture file is unlinked as soon as
 * both ends are open, so nothing is left behind however the test ends. */
typedef struct th_out {
    int rfd;    /* O_RDONLY on the capture file; -1 when the stream is not captured */
    char *text; /* owned; last read, NULL before the first */
} th_out_t;

struct th_proc {
    pid_t pid;
    int slot;    /* index in th_pids[] while registered, else -1 */
    bool reaped; /* waitpid() returned it; status is final */
    int status;  /* exit code, or -signum */
    char *name;  /* owned copy of argv[0], for messages */
    th_out_t out;
    th_out_t err; /* rfd -1 when stderr goes to out */
    struct th_proc *next;
};

/* PIDs of live children, read by the signal handlers: plain ints in a
 * static array, so killing them is async-signal-safe. 0 marks a free slot. */
#define TH_MAX_PIDS 256
static volatile sig_atomic_t th_pids[TH_MAX_PIDS];
static volatile sig_atomic_t th_owner; /* the test process; forked children skip cleanup */

static const int th_fatal_sigs[] = {SIGINT, SIGTERM, SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};
#define TH_NSIGS ((int)(sizeof(th_fatal_sigs) / sizeof(th_fatal_sigs[0])))
static struct sigaction th_old_actions[TH_NSIGS];
static bool th_inited;

/* Everything else the harness owns, released by th_cleanup(). */
static th_proc_t *th_procs;
static char **th_dirs;
static size_t th_ndirs;
static char **th_strs;
static size_t th_nstrs;

/* --- time ------------------------------------------------------------- */

static int64_t th__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void th__sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

void th_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

int th_ms(int ms)
{
    const char *s = getenv("TEST_TIMEOUT_MULT");
    long mult = 1;

    if (s && *s) {
        char *end;
        mult = strtol(s, &end, 10);
        if (*end != '\0' || mult < 1)
            mult = 1;
    }
    if (ms > 0 && mult > INT_MAX / ms)
        return INT_MAX;
    return (int)(ms * mult);
}

/* --- cleanup on exit and on fatal signals ------------------------------ */

/* SIGKILL every registered child. Async-signal-safe: only getpid() and
 * kill() on a static array. Does nothing in a forked child that has not yet
 * called exec(), so a child never kills its siblings. */
static void th__kill_all(void)
{
    if (getpid() != (pid_t)th_owner)
        return;
    for (int i = 0; i < TH_MAX_PIDS; i++) {
        pid_t pid = (pid_t)th_pids[i];
        if (pid > 0)
            kill(pid, SIGKILL);
    }
}

/* Kill the children, then hand the signal to whoever handled it before us
 * (the default action, or a sanitizer's report): restore that action and
 * raise the signal again; it is delivered once this handler returns. */
static void th__on_fatal(int sig)
{
    int saved = errno;

    th__kill_all();
    for (int i = 0; i < TH_NSIGS; i++) {
        if (th_fatal_sigs[i] == sig)
            sigaction(sig, &th_old_actions[i], NULL);
    }
    raise(sig);
    errno = saved;
}

static void th__atexit(void)
{
    if (getpid() != (pid_t)th_owner)
        return;
    th_cleanup();
}

/* Runs before main(), so cmocka saves our handlers as the ones to restore
 * after each test case (during a case its own handlers take over and
 * th_teardown() cleans up). Idempotent. */
__attribute__((constructor)) static void th__init(void)
{
    struct sigaction sa;

    if (th_inited)
        return;
    th_inited = true;
    th_owner = (sig_atomic_t)getpid();
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = th__on_fatal;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < TH_NSIGS; i++) {
        sigaction(th_fatal_sigs[i], &sa, &th_old_actions[i]);
        /* A signal ignored by whoever started us (nohup, "cmd &") stays ignored. */
        if (th_old_actions[i].sa_handler == SIG_IGN)
            sigaction(th_fatal_sigs[i], &th_old_actions[i], NULL);
    }
    atexit(th__atexit);
}

/* --- harness-owned memory ---------------------------------------------- */

/* Append @p s to the array *@p v of *@p n strings. Takes ownership of @p s;
 * frees it when the array cannot grow.  @return s, or NULL. */
static char *th__push(char ***v, size_t *n, char *s)
{
    char **nv;

    if (!s)
        return NULL;
    nv = realloc(*v, (*n + 1) * sizeof(**v));
    if (!nv) {
        free(s);
        return NULL;
    }
    nv[(*n)++] = s;
    *v = nv;
    return s;
}

/* Fail the current cmocka test with a message. cmocka's _fail() jumps back
 * into the test runner (or exits outside a test); abort() only satisfies
 * the compiler and never runs. */
static void th__fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void th__fatal(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    print_error("ERROR: %s\n", msg);
    _fail(__FILE__, __LINE__);
    abort();
}

/* printf into a string the harness keeps until th_cleanup(); fails the
 * test on out-of-memory.  @return harness-owned string. */
static const char *th__keepf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *th__keepf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0 || !th__push(&th_strs, &th_nstrs, s))
        th__fatal("th: out of memory");
    return s;
}

/* --- environment ------------------------------------------------------- */

const char *th_bin(const char *name)
{
    const char *dir = getenv("XDC_BIN_DIR");
    const char *path;

    if (!dir || !*dir)
        th__fatal("XDC_BIN_DIR is not set: run 'make check-integration', or set it to the "
                  "absolute path of build/bin");
    path = th__keepf("%s/%s", dir, name);
    if (access(path, X_OK) < 0)
        th__fatal("%s: %s (is it built?)", path, strerror(errno));
    return path;
}

const char *th_src_dir(void)
{
    const char *src = getenv("XDC_SRC_DIR");
    const char *bin = getenv("XDC_BIN_DIR");
    const char *guess = NULL;
    char *real;

    if (src && *src)
        guess = src;
    else if (bin && *bin)
        guess = th__keepf("%s/../..", bin);
    else
        th__fatal("neither XDC_SRC_DIR nor XDC_BIN_DIR is set: cannot find the source tree");
    real = realpath(guess, NULL);
    if (!real)
        th__fatal("source tree %s: %s", guess, strerror(errno));
    if (!th__push(&th_strs, &th_nstrs, real))
        th__fatal("th: out of memory");
    return real;
}

/* --- files and directories ---------------------------------------------- */

static const char *th__tmpbase(void)
{
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

const char *th_tmpdir(void)
{
    char *tmpl = NULL;
    char *real;

    if (asprintf(&tmpl, "%s/xdc-th-XXXXXX", th__tmpbase()) < 0)
        th__fatal("th: out of memory");
    if (!mkdtemp(tmpl)) {
        int e = errno;
        free(tmpl);
        th__fatal("mkdtemp under %s: %s", th__tmpbase(), strerror(e));
    }
    /* Absolute, so it can be passed to daemons with another cwd. */
    real = realpath(tmpl, NULL);
    if (!real) {
        int e = errno;
        rmdir(tmpl);
        free(tmpl);
        th__fatal("realpath: %s", strerror(e));
    }
    free(tmpl);
    if (!th__push(&th_dirs, &th_ndirs, real))
        th__fatal("th: out of memory");
    return real;
}

static int th__rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type == FTW_DP)
        return rmdir(path) < 0 ? -1 : 0;
    return unlink(path) < 0 ? -1 : 0;
}

int th_rmtree(const char *path)
{
    struct stat st;

    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : -errno;
    if (!S_ISDIR(st.st_mode))
        return unlink(path) < 0 ? -errno : 0;
    if (nftw(path, th__rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return errno ? -errno : -EIO;
    return 0;
}

int th_write_file(const char *path, const char *text)
{
    size_t len = strlen(text), off = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

    if (fd < 0)
        return -errno;
    while (off < len) {
        ssize_t n = write(fd, text + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            return -e;
        }
        off += (size_t)n;
    }
    return close(fd) < 0 ? -errno : 0;
}

/* Read everything in @p fd from offset 0 (pread: the offset is left alone).
 * @return caller-owned NUL-terminated string, or NULL with errno set. */
static char *th__read_fd(int fd)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap), *nb;

    while (buf) {
        ssize_t n = pread(fd, buf + len, cap - len - 1, (off_t)len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(buf);
            return NULL;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (cap - len == 1) {
            nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    if (buf)
        buf[len] = '\0';
    return buf;
}

char *th_read_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char *text;
    int e;

    if (fd < 0)
        return NULL;
    text = th__read_fd(fd);
    e = errno;
    close(fd);
    errno = e;
    return text;
}

int th_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* --- network ----------------------------------------------------------- */

int th_free_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int port = -EIO;

    if (fd < 0)
        return -errno;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
        port = -errno;
    else
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

/* One connection attempt to each address of @p ai.  @return 1 if one was
 * accepted. */
static int th__try_connect(const struct addrinfo *ai)
{
    for (; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        int ok;
        if (fd < 0)
            continue;
        ok = connect(fd, ai->ai_addr, ai->ai_addrlen) == 0;
        close(fd);
        if (ok)
            return 1;
    }
    return 0;
}

int th_wait_tcp(const char *host, int port, int timeout_ms)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    char portstr[16];
    int64_t deadline = th__now_ms() + timeout_ms;
    int rc = -ETIMEDOUT;

    snprintf(portstr, sizeof(portstr), "%d", port);
    if (port <= 0 || port > 65535 || getaddrinfo(host, portstr, &hints, &ai) != 0)
        return -EINVAL;
    for (;;) {
        if (th__try_connect(ai)) {
            rc = 0;
            break;
        }
        if (th__now_ms() >= deadline)
            break;
        th__sleep_ms(20);
    }
    freeaddrinfo(ai);
    return rc;
}

/* --- processes: registry ------------------------------------------------ */

static int th__slot_find_free(void)
{
    for (int i = 0; i < TH_MAX_PIDS; i++) {
        if (th_pids[i] == 0)
            return i;
    }
    return -1;
}

static void th__unregister(th_proc_t *p)
{
    if (p->slot >= 0)
        th_pids[p->slot] = 0;
    p->slot = -1;
}

/* Collect @p p's exit status if it has exited.  @param flags 0 (block) or
 * WNOHANG.  @return 1 when reaped (now or before), else 0. */
static int th__reap(th_proc_t *p, int flags)
{
    int ws;
    pid_t r;

    if (p->reaped)
        return 1;
    r = waitpid(p->pid, &ws, flags);
    if (r == 0 || (r < 0 && errno == EINTR))
        return 0;
    if (r < 0)
        p->status = TH_STATUS_LOST;
    else if (WIFEXITED(ws))
        p->status = WEXITSTATUS(ws);
    else if (WIFSIGNALED(ws))
        p->status = -WTERMSIG(ws);
    else
        return 0; /* stopped or continued: still alive */
    p->reaped = true;
    th__unregister(p);
    return 1;
}

/* --- processes: spawning ------------------------------------------------ */

/* Open the capture file for one stream: @p path, or a new temporary file.
 * @return an O_CLOEXEC descriptor to write to, or -1 with errno set. */
static int th__out_open(th_out_t *o, const char *path)
{
    char *tmp = NULL;
    int fd, e;

    if (path) {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
        if (fd >= 0)
            o->rfd = open(path, O_RDONLY | O_CLOEXEC);
    } else {
        if (asprintf(&tmp, "%s/xdc-th-out-XXXXXX", th__tmpbase()) < 0)
            return -1;
        fd = mkostemp(tmp, O_APPEND | O_CLOEXEC);
        if (fd >= 0) {
            o->rfd = open(tmp, O_RDONLY | O_CLOEXEC);
            unlink(tmp);
        }
        free(tmp);
    }
    if (fd >= 0 && o->rfd < 0) {
        e = errno;
        close(fd);
        errno = e;
        fd = -1;
    }
    return fd;
}

static void th__out_close(th_out_t *o)
{
    if (o->rfd >= 0)
        close(o->rfd);
    free(o->text);
    o->rfd = -1;
    o->text = NULL;
}

/* In the forked child: restore default signal handling, die with the
 * parent, wire up stdio and exec. On failure, report errno through @p
 * errpipe (closed by a successful exec). Only async-signal-safe calls. */
__attribute__((noreturn)) static void th__child(const char *const argv[], int in, int out, int err,
                                                int errpipe, pid_t parent)
{
    struct sigaction dfl;
    sigset_t none;
    int e;

    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    for (int i = 0; i < TH_NSIGS; i++)
        sigaction(th_fatal_sigs[i], &dfl, NULL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* PDEATHSIG: a test killed by SIGKILL must not leave a daemon behind.
     * If the parent died before prctl(), we were reparented: give up. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
        _exit(127);
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err >= 0 ? err : out, 2) < 0)
        goto fail;
    execv(argv[0], (char *const *)argv);
fail:
    e = errno;
    while (write(errpipe, &e, sizeof(e)) < 0 && errno == EINTR)
        ;
    _exit(127);
}

/* Fork with the fatal signals blocked, so that no handler runs between
 * fork() and the PID's registration in @p slot.  @return pid, or -1. */
static pid_t th__fork_registered(int slot, const char *const argv[], int in, int out, int err,
                                 int errpipe)
{
    sigset_t block, old;
    pid_t parent = getpid(), pid;

    sigemptyset(&block);
    for (int i = 0; i < TH_NSIGS; i++)
        sigaddset(&block, th_fatal_sigs[i]);
    sigprocmask(SIG_BLOCK, &block, &old);
    pid = fork();
    if (pid == 0)
        th__child(argv, in, out, err, errpipe, parent);
    if (pid > 0)
        th_pids[slot] = (sig_atomic_t)pid;
    sigprocmask(SIG_SETMASK, &old, NULL);
    return pid;
}

/* Read the exec() outcome from the child's error pipe.
 * @return 0 when exec succeeded (EOF), else the child's errno. */
static int th__exec_result(int fd)
{
    int e = 0;
    ssize_t n;

    do
        n = read(fd, &e, sizeof(e));
    while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof(e) ? e : 0;
}

/* Start the child once its files are open; on failure set errno.
 * @return 0 or -1. */
static int th__start(th_proc_t *p, const char *const argv[], int out, int err)
{
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int pipefd[2] = {-1, -1};
    int e = 0;

    p->slot = th__slot_find_free();
    if (p->slot < 0)
        e = EAGAIN;
    else if (in < 0 || pipe2(pipefd, O_CLOEXEC) < 0)
        e = errno;
    else if ((p->pid = th__fork_registered(p->slot, argv, in, out, err, pipefd[1])) < 0)
        e = errno;
    if (pipefd[1] >= 0)
        close(pipefd[1]);
    if (!e && (e = th__exec_result(pipefd[0])) != 0)
        th__reap(p, 0); /* the child exits 127 */
    if (pipefd[0] >= 0)
        close(pipefd[0]);
    if (in >= 0)
        close(in);
    errno = e;
    return e ? -1 : 0;
}

static th_proc_t *th__spawn(const char *const argv[], const char *out_path, const char *err_path,
                            bool split)
{
    th_proc_t *p;
    int out = -1, err = -1, rc = -1, e;

    th__init();
    if (!argv || !argv[0]) {
        errno = EINVAL;
        return NULL;
    }
    p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->slot = -1;
    p->out.rfd = p->err.rfd = -1;
    p->reaped = true; /* until a child exists */
    p->name = strdup(argv[0]);
    out = th__out_open(&p->out, out_path);
    if (split && out >= 0)
        err = th__out_open(&p->err, err_path);
    if (p->name && out >= 0 && (!split || err >= 0)) {
        p->reaped = false;
        rc = th__start(p, argv, out, err);
        if (rc < 0 && p->pid <= 0)
            p->reaped = true;
    }
    e = errno;
    if (out >= 0)
        close(out);
    if (err >= 0)
        close(err);
    if (rc < 0) {
        th__unregister(p);
        th__out_close(&p->out);
        th__out_close(&p->err);
        free(p->name);
        free(p);
        errno = e ? e : ENOMEM;
        return NULL;
    }
    p->next = th_procs;
    th_procs = p;
    return p;
}

th_proc_t *th_spawn(const char *const argv[], const char *log_path)
{
    return th__spawn(argv, log_path, NULL, false);
}

th_proc_t *th_spawn_split(const char *const argv[], const char *log_path, const char *err_path)
{
    return th__spawn(argv, log_path, err_path, true);
}

/* --- processes: waiting, stopping, output ------------------------------- */

int th_proc_wait(th_proc_t *p, int timeout_ms, int *exit_status)
{
    int64_t deadline = th__now_ms() + timeout_ms;

    while (!th__reap(p, WNOHANG)) {
        int64_t left = deadline - th__now_ms();
        if (left <= 0)
            return -ETIMEDOUT;
        th__sleep_ms(left < 5 ? (int)left : 5);
    }
    if (exit_status)
        *exit_status = p->status;
    return 0;
}

int th_proc_stop(th_proc_t *p, int sig, int timeout_ms)
{
    int status;

    if (p->reaped)
        return p->status;
    kill(p->pid, sig);
    if (th_proc_wait(p, timeout_ms, &status) == 0)
        return status;
    kill(p->pid, SIGKILL);
    while (!th__reap(p, 0))
        ;
    return p->status;
}

int th_proc_running(th_proc_t *p)
{
    return !th__reap(p, WNOHANG);
}

int th_proc_pid(const th_proc_t *p)
{
    return (int)p->pid;
}

static const char *th__out_read(th_out_t *o)
{
    if (o->rfd < 0)
        return "";
    free(o->text);
    o->text = th__read_fd(o->rfd);
    return o->text ? o->text : "";
}

const char *th_proc_output(th_proc_t *p)
{
    return th__out_read(&p->out);
}

const char *th_proc_errput(th_proc_t *p)
{
    return th__out_read(&p->err);
}

int th_proc_wait_output(th_proc_t *p, const char *needle, int timeout_ms)
{
    int64_t deadline = th__now_ms() + timeout_ms;

    for (;;) {
        /* Check liveness first: output written before the exit is in the
         * file by the time the exit is seen. */
        int alive = th_proc_running(p);
        if (strstr(th_proc_output(p), needle))
            return 0;
        if (!alive)
            return -ECHILD;
        if (th__now_ms() >= deadline)
            return -ETIMEDOUT;
        th__sleep_ms(10);
    }
}

void th_proc_free(th_proc_t *p)
{
    th_proc_t **pp;

    if (!p)
        return;
    if (!p->reaped)
        th_proc_stop(p, SIGKILL, th_ms(5000));
    th__unregister(p);
    for (pp = &th_procs; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    }
    th__out_close(&p->out);
    th__out_close(&p->err);
    free(p->name);
    free(p);
}

/* Duplicate a captured stream for the caller.  @return 0 or -ENOMEM. */
static int th__dup_out(const char *s, char **dst)
{
    if (!dst)
        return 0;
    *dst = strdup(s);
    return *dst ? 0 : -ENOMEM;
}

static int th__run(const char *const argv[], bool split, int timeout_ms, int *exit_status,
                   char **out, char **err)
{
    th_proc_t *p;
    int status, rc;

    if (out)
        *out = NULL;
    if (err)
        *err = NULL;
    p = th__spawn(argv, NULL, NULL, split);
    if (!p)
        return -errno;
    rc = th_proc_wait(p, timeout_ms, &status);
    if (rc < 0)
        status = th_proc_stop(p, SIGKILL, th_ms(5000));
    if (exit_status)
        *exit_status = status;
    if (th__dup_out(th_proc_output(p), out) < 0 || th__dup_out(th_proc_errput(p), err) < 0)
        rc = -ENOMEM;
    th_proc_free(p);
    return rc;
}

int th_run(const char *const argv[], int timeout_ms, int *exit_status, char **output)
{
    return th__run(argv, false, timeout_ms, exit_status, output, NULL);
}

int th_run_split(const char *const argv[], int timeout_ms, int *exit_status, char **out, char **err)
{
    return th__run(argv, true, timeout_ms, exit_status, out, err);
}

void th_result_clear(th_result_t *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof(*r));
}

const th_result_t *th_run_result(th_result_t *r, const char *const argv[], int timeout_ms)
{
    th_result_clear(r);
    int rc = th_run_split(argv, timeout_ms, &r->status, &r->out, &r->err);
    if (rc == -ETIMEDOUT)
        th__fatal("%s %s: still running after %d ms (stderr: %s)", argv[0], argv[1] ? argv[1] : "",
                  timeout_ms, r->err ? r->err : "");
    if (rc)
        th__fatal("%s: cannot run: %s", argv[0], strerror(-rc));
    if (!r->out || !r->err)
        th__fatal("%s: no output captured", argv[0]);
    return r;
}

/* --- cleanup ------------------------------------------------------------ */

static void th__free_strs(char ***v, size_t *n, bool rmtree)
{
    bool keep = getenv("TH_KEEP_TMP") != NULL;

    for (size_t i = 0; i < *n; i++) {
        if (rmtree && keep)
            fprintf(stderr, "th: kept %s\n", (*v)[i]);
        else if (rmtree && th_rmtree((*v)[i]) < 0)
            fprintf(stderr, "th: cannot remove %s: %s\n", (*v)[i], strerror(errno));
        free((*v)[i]);
    }
    free(*v);
    *v = NULL;
    *n = 0;
}

void th_cleanup(void)
{
    while (th_procs)
        th_proc_free(th_procs);
    th__free_strs(&th_dirs, &th_ndirs, true);
    th__free_strs(&th_strs, &th_nstrs, false);
}

int th_teardown(void **state)
{
    (void)state;
    th_cleanup();
    return 0;
}
