#include "bench/bench_util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CHILD 8

static const char *bench_name = "bench";
static pid_t children[MAX_CHILD];

void bench_set_name(const char *name)
{
    bench_name = name;
}

void bench_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", bench_name);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void bench_sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

pid_t bench_spawn(const char *const argv[], const char *log, int in_fd, int out_fd)
{
    pid_t pid = fork();
    if (pid < 0)
        bench_die("fork: %s", strerror(errno));
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        int in = in_fd >= 0 ? in_fd : open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || in < 0 || dup2(in, 0) < 0 || dup2(out_fd >= 0 ? out_fd : fd, 1) < 0 ||
            dup2(fd, 2) < 0)
            _exit(127);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; i < MAX_CHILD; i++)
        if (children[i] == 0) {
            children[i] = pid;
            return pid;
        }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    bench_die("more than %d child processes", MAX_CHILD);
}

void bench_forget(pid_t pid)
{
    for (int i = 0; i < MAX_CHILD; i++)
        if (children[i] == pid)
            children[i] = 0;
}

void bench_stop(pid_t pid)
{
    int status;
    kill(pid, SIGTERM);
    for (int i = 0; i < 1000; i++) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            goto reaped;
        bench_sleep_us(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
reaped:
    bench_forget(pid);
}

void bench_kill_children(void)
{
    for (int i = 0; i < MAX_CHILD; i++)
        if (children[i] > 0) {
            kill(children[i], SIGKILL);
            waitpid(children[i], NULL, 0);
            children[i] = 0;
        }
}

double bench_stat_cpu_s(const char *path)
{
    char buf[2048];
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* Fields after the command name, which may hold spaces: state is
     * field 3, utime field 14, stime field 15. */
    const char *p = strrchr(buf, ')');
    unsigned long long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

double bench_proc_cpu_s(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    double s = bench_stat_cpu_s(path);
    if (s < 0)
        bench_die("cannot read %s", path);
    return s;
}

double bench_proc_rss_mb(pid_t pid)
{
    char path[64], line[256];
    double kb = -1;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "VmHWM: %lf kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb < 0 ? -1 : kb * 1024 / 1e6;
}

void bench_conf_set(rd_kafka_conf_t *conf, const char *k, const char *v)
{
    char err[512];
    if (rd_kafka_conf_set(conf, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK)
        bench_die("%s=%s: %s", k, v, err);
}

void bench_warm_page_cache(const char *dir, const void *payload, int mb)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/warm", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        bench_die("%s: %s", path, strerror(errno));
    double t0 = bench_now_s();
    for (int i = 0; i < mb; i++)
        if (write(fd, payload, 1000000) != 1000000)
            bench_die("%s: %s", path, strerror(errno));
    close(fd);
    unlink(path);
    fprintf(stderr, "bench: warmed %d MB of page cache at %.0f MB/s\n", mb,
            mb / (bench_now_s() - t0));
}
