#ifndef XDC_BENCH_BENCH_UTIL_H
#define XDC_BENCH_BENCH_UTIL_H

/* What the benchmark programs share: a clock, child processes tracked so
 * that every one is killed by its PID however the benchmark ends, CPU and
 * memory of a process from /proc, and a failure exit. */

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <sys/types.h>

/** The prefix of bench_die()'s messages, e.g. "bench_mirror". */
void bench_set_name(const char *name);

/** Print "<name>: <message>" to stderr and exit(1); atexit handlers (such
 *  as bench_kill_children) run. */
void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/** Monotonic seconds. */
double bench_now_s(void);

void bench_sleep_us(long us);

/** Run @p argv as a tracked child: stderr (and stdout unless @p out_fd >= 0)
 *  to @p log, stdin from @p in_fd or /dev/null, killed when we die
 *  (PR_SET_PDEATHSIG). Pipe ends must be O_CLOEXEC.  @return its pid. */
pid_t bench_spawn(const char *const argv[], const char *log, int in_fd, int out_fd);

/** Stop tracking @p pid (the caller reaped it). */
void bench_forget(pid_t pid);

/** SIGTERM, up to 10 s to exit, then SIGKILL; reaped and forgotten. */
void bench_stop(pid_t pid);

/** SIGKILL and reap every tracked child. Async-signal-safe: atexit and
 *  signal handlers call it. */
void bench_kill_children(void);

/** CPU seconds (utime + stime) in a /proc/.../stat file, or -1. */
double bench_stat_cpu_s(const char *path);

/** CPU seconds @p pid has used so far; dies when it cannot be read. */
double bench_proc_cpu_s(pid_t pid);

/** Peak resident set of @p pid in MB (VmHWM), or -1. */
double bench_proc_rss_mb(pid_t pid);

/** rd_kafka_conf_set() or die. */
void bench_conf_set(rd_kafka_conf_t *conf, const char *k, const char *v);

/** Write and delete @p mb MB (copies of the first MB of @p payload) in
 *  @p dir: on a fresh VM the first write to each guest page is slow (see
 *  docs/performance.md, "Cold memory"), and the benchmarks write new page
 *  cache; pages freed by the delete come back warm. */
void bench_warm_page_cache(const char *dir, const void *payload, int mb);

#endif
