/* bench/bench_mirror: xdc-mirror against a `kcat -C | kcat -P` pipe, on
 * the same data in the same run (`make bench-mirror`).
 *
 * Two xdc-broker processes play the source and the target cluster, each
 * on a port the kernel picks, with data in a fresh directory. The source
 * topic `bench` (8 partitions) is preloaded with --mb MB of 1024-byte
 * records (null keys, printable values without '\n', no headers, no
 * compression), then copied twice to the target:
 *   kcat-pipe   kcat -C -b SRC -t bench -o beginning -e -q -f '%s\n' |
 *               kcat -P -b DST -t kcat-copy
 *               wall time until both processes exit; CPU time of both
 *               from wait4(); the target must then hold every record;
 *   xdc-mirror  an mm2-style file with one flow src->dst for `bench`
 *               (default naming: the copy is `src.bench`); the clock runs
 *               from the mirror's start until the target's high
 *               watermarks add up to the source's (polled every 100 ms);
 *               the mirror's CPU time (utime + stime from /proc/<pid>/stat)
 *               and peak RSS (VmHWM) are read at that moment;
 *               --mirror-prop adds lines to that file (experiments).
 * Both clocks start at the first process's start. first_record_s is when
 * the target first holds a record (same 100 ms polling), and
 * steady_mb_per_s leaves out that start-up (for the mirror: its consumer
 * group's first join, which the broker delays by
 * group.initial.rebalance.delay.ms, 3 s by default).
 * Units: MB = 10^6 bytes of record values.
 *
 * Output: one JSON object per line: the configuration (with the preload
 * rate), one per target, then the mirror/kcat ratios and the issue's
 * targets. Progress goes to stderr. Every child is stopped by its PID,
 * also when the benchmark fails (atexit and signal handlers), each child
 * has PR_SET_PDEATHSIG, and the scratch directory is removed. */
#include "bench/bench_util.h"

#include <librdkafka/rdkafka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TOPIC       "bench"
#define KCAT_TOPIC  "kcat-copy"
#define SRC_ALIAS   "src"
#define REMOTE      SRC_ALIAS "." TOPIC /* DefaultReplicationPolicy's name */
#define NPART       8
#define REC_SZ      1024
#define MAX_THREADS 64
#define MAX_PROPS   16
#define PAYLOAD_SZ  (4u << 20)

typedef struct opts {
    const char *broker_bin, *mirror_bin, *kcat_bin, *targets;
    const char *props[MAX_PROPS]; /* --mirror-prop: extra lines of the mirror's file */
    int nprops, mb, warm_mb, stall_s;
} opts_t;

typedef struct broker {
    const char *name; /* "source" or "target": the scratch subdirectory */
    pid_t pid;
    char bootstrap[64];
    char dir[600];
    char log[700];
} broker_t;

/* One copy of the topic, as the JSON line reports it. */
typedef struct result {
    double seconds, first_s, cpu_s, brokers_cpu_s;
    int64_t records;
    char extra[1024]; /* target-specific JSON members, each starting with ',' */
} result_t;

static opts_t o = {.targets = "kcat,mirror", .mb = 1024, .stall_s = 120};
static char base[512];                 /* the scratch directory; removed by cleanup() */
static volatile sig_atomic_t stopping; /* set by cleanup(): the brokers are going away */
static uint8_t *payload;

/* --- small helpers ------------------------------------------------------ */

/* Kill and reap every child, then remove the scratch directory. Only
 * async-signal-safe calls (kill, waitpid, fork, execv), so the signal
 * handlers can run it too. */
static void cleanup(void)
{
    stopping = 1;
    bench_kill_children();
    if (!base[0])
        return;
    pid_t pid = fork();
    if (pid == 0) {
        char *const argv[] = {"rm", "-rf", base, NULL};
        execv("/bin/rm", argv);
        _exit(127);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
    base[0] = '\0';
}

/* Copy the last 4 KB of a child's output to stderr: the scratch
 * directory holding it is removed on the way out. */
static void show_tail(const char *path)
{
    char buf[4096];
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    if (fseek(f, -(long)sizeof(buf), SEEK_END) != 0)
        rewind(f);
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    fprintf(stderr, "bench_mirror: --- end of %s ---\n%.*s\n", path, (int)n, buf);
}

static void on_fatal_signal(int sig)
{
    cleanup();
    signal(sig, SIG_DFL);
    raise(sig);
}

typedef struct thread_cpu {
    char name[20];
    double cpu_s;
} thread_cpu_t;

static int cmp_thread_cpu(const void *a, const void *b)
{
    double x = ((const thread_cpu_t *)a)->cpu_s, y = ((const thread_cpu_t *)b)->cpu_s;
    return (x < y) - (x > y);
}

/* The CPU seconds of @p pid's live threads, summed per thread name
 * (librdkafka names its threads rdk:main, rdk:brokerN, ...), busiest
 * first, as a JSON object in @p out. */
static void thread_cpu_json(pid_t pid, char *out, size_t outlen)
{
    thread_cpu_t t[MAX_THREADS];
    size_t n = 0, len = 0;
    char path[320];
    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    for (struct dirent *e; d && (e = readdir(d));) {
        char name[20] = "?";
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/proc/%d/task/%s/comm", (int)pid, e->d_name);
        FILE *f = fopen(path, "r");
        if (f && fgets(name, sizeof(name), f))
            name[strcspn(name, "\n\"\\")] = '\0';
        if (f)
            fclose(f);
        snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", (int)pid, e->d_name);
        double s = bench_stat_cpu_s(path);
        size_t i = 0;
        while (i < n && strcmp(t[i].name, name) != 0)
            i++;
        if (s < 0 || (i == n && n == MAX_THREADS))
            continue;
        if (i == n)
            t[n++] = (thread_cpu_t){.cpu_s = 0};
        snprintf(t[i].name, sizeof(t[i].name), "%s", name);
        t[i].cpu_s += s;
    }
    if (d)
        closedir(d);
    qsort(t, n, sizeof(t[0]), cmp_thread_cpu);
    len += (size_t)snprintf(out, outlen, "{");
    for (size_t i = 0; i < n && len < outlen; i++)
        len += (size_t)snprintf(out + len, outlen - len, "%s\"%s\":%.2f", i ? "," : "", t[i].name,
                                t[i].cpu_s);
    if (len < outlen)
        snprintf(out + len, outlen - len, "}");
}

static double rusage_s(const struct rusage *ru)
{
    return (double)ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6 + (double)ru->ru_stime.tv_sec +
           ru->ru_stime.tv_usec / 1e6;
}

/* --- child processes ---------------------------------------------------- */

/* Wait up to 20 s until the broker's log holds "(port N" and take N. */
static void wait_port(broker_t *b)
{
    for (int waited = 0; waited < 20000; waited += 20) {
        FILE *f = fopen(b->log, "r");
        char line[1024];
        while (f && fgets(line, sizeof(line), f)) {
            char *p = strstr(line, "(port ");
            if (!p)
                continue;
            snprintf(b->bootstrap, sizeof(b->bootstrap), "127.0.0.1:%d", atoi(p + 6));
            fclose(f);
            return;
        }
        if (f)
            fclose(f);
        if (waitpid(b->pid, NULL, WNOHANG) == b->pid) {
            show_tail(b->log);
            bench_die("%s broker exited during start", b->name);
        }
        bench_sleep_us(20000);
    }
    show_tail(b->log);
    bench_die("%s broker did not start within 20 s", b->name);
}

/* Default configuration, but on a free port and with the HTTP endpoint
 * off (its default port is fixed and there are two brokers). */
static void broker_start(broker_t *b)
{
    char logdirs[700];
    snprintf(b->dir, sizeof(b->dir), "%s/%s", base, b->name);
    mkdir(b->dir, 0755);
    snprintf(b->log, sizeof(b->log), "%s/broker.log", b->dir);
    snprintf(logdirs, sizeof(logdirs), "log.dirs=%s/data", b->dir);
    /* No 3 s wait before the mirror's first consumer group rebalance
     * (Kafka's sample server.properties sets 0 too): it would count as
     * replication time, and kcat uses no group. */
    const char *argv[] = {o.broker_bin,
                          "--override",
                          "listeners=PLAINTEXT://127.0.0.1:0",
                          "--override",
                          logdirs,
                          "--override",
                          "http.listen=",
                          "--override",
                          "group.initial.rebalance.delay.ms=0",
                          NULL};
    b->pid = bench_spawn(argv, b->log, -1, -1);
    wait_port(b);
    fprintf(stderr, "bench: %s broker pid %d at %s\n", b->name, (int)b->pid, b->bootstrap);
}

/* --- clients ------------------------------------------------------------ */

/* librdkafka's warnings and errors, except those about the brokers
 * cleanup() has just stopped. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    if (!stopping)
        fprintf(stderr, "bench: %s: %d %s: %s\n", rd_kafka_name(rk), level, fac, buf);
}

/* A client of @p b; @p kv: more properties, NULL-terminated pairs. */
static rd_kafka_t *client_new(rd_kafka_type_t type, const broker_t *b, const char *const *kv,
                              rd_kafka_conf_t *conf)
{
    char err[512];
    if (!conf)
        conf = rd_kafka_conf_new();
    bench_conf_set(conf, "bootstrap.servers", b->bootstrap);
    bench_conf_set(conf, "log_level", "4");
    rd_kafka_conf_set_log_cb(conf, on_log);
    for (; kv && kv[0]; kv += 2)
        bench_conf_set(conf, kv[0], kv[1]);
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof(err));
    if (!rk)
        bench_die("rd_kafka_new: %s", err);
    return rk;
}

static void create_topic(const broker_t *b, const char *topic)
{
    char err[512];
    rd_kafka_t *rk = client_new(RD_KAFKA_PRODUCER, b, NULL, NULL);
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, NPART, 1, err, sizeof(err));
    if (!nt)
        bench_die("NewTopic %s: %s", topic, err);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
    const rd_kafka_CreateTopics_result_t *res = ev ? rd_kafka_event_CreateTopics_result(ev) : NULL;
    size_t n = 0;
    const rd_kafka_topic_result_t **tr = res ? rd_kafka_CreateTopics_result_topics(res, &n) : NULL;
    if (!res || rd_kafka_event_error(ev) || n != 1 || rd_kafka_topic_result_error(tr[0]))
        bench_die("CreateTopics %s on the %s broker: %s", topic, b->name,
                  !res                       ? "no answer in 30 s"
                  : rd_kafka_event_error(ev) ? rd_kafka_event_error_string(ev)
                  : n != 1                   ? "no result"
                                             : rd_kafka_topic_result_error_string(tr[0]));
    rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_destroy(rk);
}

/* The sum of @p topic's high watermarks; 0 while the topic does not
 * exist. A consumer handle asks with AllowAutoTopicCreation=false, so
 * asking does not create the topic. With @p strict, any error is fatal. */
static int64_t end_sum(rd_kafka_t *rk, const char *topic, int strict)
{
    int64_t sum = 0;
    for (int p = 0; p < NPART; p++) {
        int64_t lo, hi;
        rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 5000);
        if (e && strict)
            bench_die("watermarks of %s/%d: %s", topic, p, rd_kafka_err2str(e));
        sum += e ? 0 : hi;
    }
    return sum;
}

/* --- preload ------------------------------------------------------------ */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    int64_t *failed = opaque;
    (void)rk;
    if (m->err && (*failed)++ == 0)
        fprintf(stderr, "bench: preload delivery failed: %s\n", rd_kafka_err2str(m->err));
}

/* Write @p nrec records to the source, partitions round robin, values
 * slices of the payload buffer (not copied: it outlives the producer).
 * @return the seconds it took. */
static double preload(const broker_t *src, int64_t nrec)
{
    static const char *const kv[] = {
        "acks",       "all",     "compression.codec",  "none",   "linger.ms", "20",
        "batch.size", "1000000", "batch.num.messages", "100000", NULL};
    int64_t failed = 0;
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, &failed);
    rd_kafka_t *rk = client_new(RD_KAFKA_PRODUCER, src, kv, conf);
    double t0 = bench_now_s();
    for (int64_t i = 0; i < nrec; i++) {
        size_t off = (size_t)((i * 4099) % (int64_t)(PAYLOAD_SZ - REC_SZ));
        rd_kafka_resp_err_t e;
        while ((e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(TOPIC),
                                      RD_KAFKA_V_PARTITION((int32_t)(i % NPART)),
                                      RD_KAFKA_V_VALUE(payload + off, REC_SZ), RD_KAFKA_V_END)) ==
               RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(rk, 1);
        if (e)
            bench_die("producev: %s", rd_kafka_err2str(e));
        if (i % 1024 == 0)
            rd_kafka_poll(rk, 0);
    }
    rd_kafka_resp_err_t e = rd_kafka_flush(rk, 300000);
    double secs = bench_now_s() - t0;
    if (e || failed)
        bench_die("preload: %s, %" PRId64 " failed", rd_kafka_err2str(e), failed);
    rd_kafka_destroy(rk);
    return secs;
}

/* --- the kcat pipe ------------------------------------------------------ */

/* Both kcat processes as children, the consumer's stdout into the
 * producer's stdin; the target's watermarks polled for the first record. */
static void run_kcat(const broker_t *src, const broker_t *dst, rd_kafka_t *probe, int64_t want,
                     result_t *r)
{
    char log_c[700], log_p[700];
    int fds[2];
    create_topic(dst, KCAT_TOPIC);
    snprintf(log_c, sizeof(log_c), "%s/kcat-consumer.log", base);
    snprintf(log_p, sizeof(log_p), "%s/kcat-producer.log", base);
    const char *argv_c[] = {o.kcat_bin,  "-C", "-b", src->bootstrap, "-t",   TOPIC, "-o",
                            "beginning", "-e", "-q", "-f",           "%s\n", NULL};
    const char *argv_p[] = {o.kcat_bin, "-P", "-b", dst->bootstrap, "-t", KCAT_TOPIC, NULL};
    if (pipe2(fds, O_CLOEXEC) < 0)
        bench_die("pipe: %s", strerror(errno));
    double bcpu0 = bench_proc_cpu_s(src->pid) + bench_proc_cpu_s(dst->pid), t0 = bench_now_s(),
           t1 = t0;
    pid_t pids[2] = {bench_spawn(argv_c, log_c, -1, fds[1]),
                     bench_spawn(argv_p, log_p, fds[0], -1)};
    close(fds[0]);
    close(fds[1]);
    fprintf(stderr, "bench: kcat-pipe: consumer pid %d, producer pid %d\n", (int)pids[0],
            (int)pids[1]);
    double cpu[2] = {0, 0};
    r->first_s = -1;
    for (int left = 2; left > 0;) {
        for (int i = 0; i < 2; i++) {
            struct rusage ru;
            int st;
            if (pids[i] <= 0 || wait4(pids[i], &st, WNOHANG, &ru) != pids[i])
                continue;
            t1 = bench_now_s();
            bench_forget(pids[i]);
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                show_tail(i ? log_p : log_c);
                bench_die("kcat %s failed (wait status %d)", i ? "-P" : "-C", st);
            }
            cpu[i] = rusage_s(&ru);
            pids[i] = 0;
            left--;
        }
        if (r->first_s < 0 && end_sum(probe, KCAT_TOPIC, 0) > 0)
            r->first_s = bench_now_s() - t0;
        if (bench_now_s() - t0 > o.stall_s + want / 1e4)
            bench_die("kcat-pipe did not finish in %.0f s", bench_now_s() - t0);
        if (left > 0)
            bench_sleep_us(100000);
    }
    r->seconds = t1 - t0;
    r->cpu_s = cpu[0] + cpu[1];
    r->brokers_cpu_s = bench_proc_cpu_s(src->pid) + bench_proc_cpu_s(dst->pid) - bcpu0;
    r->records = end_sum(probe, KCAT_TOPIC, 1);
    if (r->records != want)
        bench_die("kcat-pipe: the target holds %" PRId64 " records, the source %" PRId64,
                  r->records, want);
    snprintf(r->extra, sizeof(r->extra), ",\"consumer_cpu_s\":%.2f,\"producer_cpu_s\":%.2f", cpu[0],
             cpu[1]);
}

/* --- xdc-mirror --------------------------------------------------------- */

static void write_mirror_conf(const char *path, const broker_t *src, const broker_t *dst)
{
    FILE *f = fopen(path, "w");
    if (!f)
        bench_die("%s: %s", path, strerror(errno));
    fprintf(f,
            "clusters = " SRC_ALIAS ", dst\n" SRC_ALIAS ".bootstrap.servers = %s\n"
            "dst.bootstrap.servers = %s\n" SRC_ALIAS "->dst.enabled = true\n" SRC_ALIAS
            "->dst.topics = " TOPIC "\n"
            "http.listeners = http://127.0.0.1:0\n",
            src->bootstrap, dst->bootstrap);
    for (int i = 0; i < o.nprops; i++)
        fprintf(f, "%s\n", o.props[i]);
    if (fclose(f) != 0)
        bench_die("%s: %s", path, strerror(errno));
}

/* Start the mirror, poll the target until it holds @p want records of
 * the remote topic, read the mirror's CPU and memory, stop it. */
static void run_mirror(const broker_t *src, const broker_t *dst, rd_kafka_t *probe, int64_t want,
                       result_t *r)
{
    char conf[600], log[600], threads[700];
    snprintf(conf, sizeof(conf), "%s/mirror.properties", base);
    snprintf(log, sizeof(log), "%s/mirror.log", base);
    write_mirror_conf(conf, src, dst);
    const char *argv[] = {o.mirror_bin, conf, NULL};
    double bcpu0 = bench_proc_cpu_s(src->pid) + bench_proc_cpu_s(dst->pid), t0 = bench_now_s();
    double last_move = t0, last_report = t0;
    pid_t pid = bench_spawn(argv, log, -1, -1);
    fprintf(stderr, "bench: xdc-mirror pid %d, log %s\n", (int)pid, log);
    int64_t have = 0, prev = 0;
    r->first_s = -1;
    while (have < want) {
        bench_sleep_us(100000);
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            show_tail(log);
            bench_die("xdc-mirror exited");
        }
        have = end_sum(probe, REMOTE, 0);
        double now = bench_now_s();
        if (have > 0 && r->first_s < 0)
            r->first_s = now - t0;
        if (have > prev)
            last_move = now;
        if (now - last_move > o.stall_s) {
            show_tail(log);
            bench_die("xdc-mirror: no progress for %d s at %" PRId64 " of %" PRId64 " records",
                      o.stall_s, have, want);
        }
        if (now - last_report >= 2.0) {
            fprintf(stderr, "bench: xdc-mirror: %" PRId64 " of %" PRId64 " records\n", have, want);
            last_report = now;
        }
        prev = have;
    }
    r->seconds = bench_now_s() - t0;
    r->cpu_s = bench_proc_cpu_s(pid);
    r->brokers_cpu_s = bench_proc_cpu_s(src->pid) + bench_proc_cpu_s(dst->pid) - bcpu0;
    double rss = bench_proc_rss_mb(pid);
    thread_cpu_json(pid, threads, sizeof(threads));
    bench_stop(pid);
    r->records = end_sum(probe, REMOTE, 1);
    if (r->records != want)
        bench_die("xdc-mirror: the target holds %" PRId64 " records, the source %" PRId64,
                  r->records, want);
    snprintf(r->extra, sizeof(r->extra), ",\"peak_rss_mb\":%.0f,\"thread_cpu_s\":%s", rss, threads);
}

/* --- output ------------------------------------------------------------- */

static double mb_of(const result_t *r)
{
    return (double)r->records * REC_SZ / 1e6;
}

static void print_target(const char *name, const char *how, const result_t *r)
{
    double mb = mb_of(r);
    printf("{\"target\":\"%s\",\"how\":\"%s\",\"records\":%" PRId64 ",\"mb\":%.1f,"
           "\"seconds\":%.2f,\"first_record_s\":%.2f,\"mb_per_s\":%.1f,\"records_per_s\":%.0f,"
           "\"steady_mb_per_s\":%.1f,\"cpu_s\":%.2f,\"mb_per_cpu_s\":%.1f,\"brokers_cpu_s\":%.2f"
           "%s}\n",
           name, how, r->records, mb, r->seconds, r->first_s, mb / r->seconds,
           (double)r->records / r->seconds, mb / (r->seconds - r->first_s), r->cpu_s, mb / r->cpu_s,
           r->brokers_cpu_s, r->extra);
    fflush(stdout);
}

static void print_ratios(const result_t *k, const result_t *m)
{
    double tput = k->seconds / m->seconds; /* same bytes: the inverse ratio of times */
    double eff = (mb_of(m) / m->cpu_s) / (mb_of(k) / k->cpu_s);
    printf("{\"ratios_mirror_over_kcat\":{\"mb_per_s\":%.3f,\"mb_per_cpu_s\":%.3f},"
           "\"targets_met\":{\"throughput_3x_kcat\":%s,\"mb_per_cpu_s_300\":%s}}\n",
           tput, eff, tput >= 3.0 ? "true" : "false",
           mb_of(m) / m->cpu_s >= 300.0 ? "true" : "false");
}

/* The first line of `kcat -V` that names the version, for the config line. */
static void kcat_version(char *out, size_t outlen)
{
    char cmd[600], line[512];
    snprintf(out, outlen, "unknown");
    snprintf(cmd, sizeof(cmd), "'%s' -V 2>&1", o.kcat_bin);
    FILE *p = popen(cmd, "r");
    while (p && fgets(line, sizeof(line), p))
        if (strncmp(line, "Version ", 8) == 0) {
            line[8 + strcspn(line + 8, " \n")] = '\0';
            snprintf(out, outlen, "%.40s", line + 8);
        }
    if (p)
        pclose(p);
}

/* The configuration line, with the preload's rate. */
static void print_config(int64_t want, double pre_s)
{
    char kver[64];
    double mb = (double)want * REC_SZ / 1e6;
    kcat_version(kver, sizeof(kver));
    printf("{\"bench\":\"mirror\",\"cpus\":%d,\"librdkafka\":\"%s\",\"kcat\":\"%s\","
           "\"records\":%" PRId64 ",\"record_size\":%d,\"mb\":%.1f,\"partitions\":%d,"
           "\"codec\":\"none\",\"warm_page_cache_mb\":%d,\"mirror_props\":[",
           (int)sysconf(_SC_NPROCESSORS_ONLN), rd_kafka_version_str(), kver, want, REC_SZ, mb,
           NPART, o.warm_mb);
    for (int i = 0; i < o.nprops; i++)
        printf("%s\"%s\"", i ? "," : "", o.props[i]);
    printf("],\"units\":\"MB=1e6 B of record values\",\"preload\":{\"seconds\":%.2f,"
           "\"mb_per_s\":%.1f,\"records_per_s\":%.0f}}\n",
           pre_s, mb / pre_s, (double)want / pre_s);
    fflush(stdout);
}

/* --- setup -------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr, "usage: bench_mirror --broker PATH --mirror PATH --kcat PATH [--mb N]\n"
                    "       [--targets kcat,mirror] [--dir DIR] [--warm-page-cache-mb N]\n"
                    "       [--stall-seconds N] [--mirror-prop KEY=VALUE]...\n");
    exit(2);
}

static const char *parse_args(int argc, char **argv)
{
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        i++;
        if (!strcmp(a, "--broker"))
            o.broker_bin = v;
        else if (!strcmp(a, "--mirror"))
            o.mirror_bin = v;
        else if (!strcmp(a, "--kcat"))
            o.kcat_bin = v;
        else if (!strcmp(a, "--mb"))
            o.mb = atoi(v);
        else if (!strcmp(a, "--targets"))
            o.targets = v;
        else if (!strcmp(a, "--dir"))
            dir = v;
        else if (!strcmp(a, "--warm-page-cache-mb"))
            o.warm_mb = atoi(v);
        else if (!strcmp(a, "--stall-seconds"))
            o.stall_s = atoi(v);
        else if (!strcmp(a, "--mirror-prop") && o.nprops < MAX_PROPS && !strpbrk(v, "\"\\\n"))
            o.props[o.nprops++] = v;
        else
            usage();
    }
    if (!o.broker_bin || !o.mirror_bin || !o.kcat_bin || !o.kcat_bin[0] || o.mb < 1 ||
        o.stall_s < 1)
        usage();
    return dir;
}

/* Printable values without '\n', so kcat's line-delimited pipe carries
 * them intact: 32 bytes of text, 32 of random printable ASCII, ... */
static void payload_init(void)
{
    static const char text[] = "xdc cross-datacenter replication benchmark record ";
    uint64_t s = 88172645463325252ULL;
    payload = malloc(PAYLOAD_SZ);
    if (!payload)
        bench_die("out of memory");
    for (size_t i = 0; i < PAYLOAD_SZ; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        payload[i] = (i / 32) % 2 ? (uint8_t)('!' + s % 94) : (uint8_t)text[i % (sizeof(text) - 1)];
    }
}

static void scratch_init(const char *dir)
{
    const char *tmp = dir ? dir : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(base, sizeof(base), "%s/xdc-bench-mirror-XXXXXX", tmp);
    if (!mkdtemp(base)) {
        int e = errno;
        base[0] = '\0';
        bench_die("mkdtemp in %s: %s", tmp, strerror(e));
    }
    atexit(cleanup);
    signal(SIGINT, on_fatal_signal);
    signal(SIGTERM, on_fatal_signal);
    signal(SIGHUP, on_fatal_signal);
    signal(SIGSEGV, on_fatal_signal);
    signal(SIGABRT, on_fatal_signal);
}

int main(int argc, char **argv)
{
    bench_set_name("bench_mirror");
    scratch_init(parse_args(argc, argv));
    payload_init();
    if (o.warm_mb > 0)
        bench_warm_page_cache(base, payload, o.warm_mb);
    int64_t want = (int64_t)o.mb * 1000000 / REC_SZ;
    broker_t src = {.name = "source"}, dst = {.name = "target"};
    broker_start(&src);
    broker_start(&dst);
    create_topic(&src, TOPIC);
    fprintf(stderr, "bench: preloading %" PRId64 " records of %d B into %s (%d partitions)\n", want,
            REC_SZ, TOPIC, NPART);
    double pre_s = preload(&src, want);
    rd_kafka_t *sprobe = client_new(RD_KAFKA_CONSUMER, &src, NULL, NULL);
    rd_kafka_t *dprobe = client_new(RD_KAFKA_CONSUMER, &dst, NULL, NULL);
    if (end_sum(sprobe, TOPIC, 1) != want)
        bench_die("the source holds %" PRId64 " records, not %" PRId64, end_sum(sprobe, TOPIC, 1),
                  want);
    print_config(want, pre_s);
    result_t k = {0}, m = {0};
    int run_k = strstr(o.targets, "kcat") != NULL, run_m = strstr(o.targets, "mirror") != NULL;
    if (run_k) {
        fprintf(stderr, "bench: kcat-pipe\n");
        run_kcat(&src, &dst, dprobe, want, &k);
        print_target("kcat-pipe",
                     "kcat -C -b SRC -t " TOPIC " -o beginning -e -q -f '%s\\\\n' | kcat -P -b DST "
                     "-t " KCAT_TOPIC,
                     &k);
    }
    if (run_m) {
        fprintf(stderr, "bench: xdc-mirror\n");
        run_mirror(&src, &dst, dprobe, want, &m);
        print_target("xdc-mirror", "xdc-mirror, one flow " SRC_ALIAS "->dst, topic " REMOTE, &m);
    }
    if (run_k && run_m)
        print_ratios(&k, &m);
    rd_kafka_destroy(sprobe);
    rd_kafka_destroy(dprobe);
    bench_stop(src.pid);
    bench_stop(dst.pid);
    free(payload);
    return 0; /* cleanup() removes the scratch directory */
}
