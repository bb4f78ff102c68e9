/* bench/bench_broker: xdc-broker against librdkafka's mock cluster, in
 * the same run, with the same librdkafka clients (`make bench-broker`).
 *
 * For each target it starts the server as a child process (xdc-broker on
 * a port the kernel picks, data in a fresh directory; bench/mock_cluster
 * for the mock), then runs three bounded phases against one topic:
 *   produce  as fast as possible for --seconds (after a 1 s warm-up);
 *   latency  a fixed rate (--rate-mb MB/s) for --seconds; the first second
 *            is warm-up and is left out of the percentiles;
 *   consume  everything produced, from the beginning, for at most
 *            2 x --seconds.
 * The server's CPU time (utime + stime from /proc/<pid>/stat) is read
 * before and after each phase. Units: MB = 10^6 and GB = 10^9 bytes of
 * message values (keys are null, no headers). Latency is librdkafka's own
 * rd_kafka_message_latency(): from rd_kafka_producev() to the arrival of
 * the Produce response, so the application's poll loop adds nothing.
 *
 * Output: one JSON object per line: one per target, then one with the
 * xdc/mock ratios and the targets. Progress goes to stderr.
 * Every child is stopped by its PID (SIGTERM, then SIGKILL), also when
 * the benchmark fails; each child also has PR_SET_PDEATHSIG. */
#include "bench/bench_util.h"

#include <librdkafka/rdkafka.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TOPIC      "bench"
#define PAYLOAD_SZ (4u << 20)

typedef struct opts {
    const char *broker_bin, *mock_bin, *codec, *targets;
    int seconds, msg_size, partitions, idempotence, linger_ms, lat_linger_ms, warm_mb;
    double rate_mb;
} opts_t;

typedef struct target {
    const char *name; /* "xdc-broker" or "librdkafka-mock" */
    const char *storage;
    pid_t pid;
    char bootstrap[256];
    char dir[768]; /* scratch: data and the child's output */
    char log[800];
} target_t;

/* What delivery reports add up to in one phase. */
typedef struct phase {
    int64_t delivered, failed, bytes;
    int64_t *lat_us; /* latencies of measured messages, or NULL */
    size_t nlat, caplat;
} phase_t;

typedef struct produce_res {
    double seconds, mb_s, msgs_s, cpu_s, cpu_s_per_gb, client_cpu_s;
    int64_t msgs, bytes, failed;
} produce_res_t;

typedef struct latency_res {
    double achieved_mb_s, p50, p90, p99, p999, max, cpu_s_per_gb;
    int64_t msgs, failed;
} latency_res_t;

typedef struct consume_res {
    double seconds, mb_s, msgs_s, cpu_s_per_gb;
    int64_t msgs, bytes, retained;
} consume_res_t;

typedef struct result {
    produce_res_t prod;
    latency_res_t lat;
    consume_res_t cons;
    double rss_mb;
} result_t;

static opts_t o = {NULL, NULL, "none", "xdc,mock", 10, 1024, 6, 1, 5, 0, 0, 50.0};
static uint8_t *payload;

/* --- small helpers ------------------------------------------------------ */

static void on_fatal_signal(int sig)
{
    bench_kill_children();
    signal(sig, SIG_DFL);
    raise(sig);
}

static double self_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

/* --- child processes ---------------------------------------------------- */

/* Wait up to 20 s until @p log holds a line starting with @p needle;
 * copy the rest of that line into @p out. */
static void wait_line(const target_t *t, const char *needle, char *out, size_t outlen)
{
    for (int waited = 0; waited < 20000; waited += 20) {
        FILE *f = fopen(t->log, "r");
        char line[1024];
        while (f && fgets(line, sizeof(line), f)) {
            char *p = strstr(line, needle);
            if (!p)
                continue;
            p += strlen(needle);
            p[strcspn(p, "\r\n")] = '\0';
            snprintf(out, outlen, "%s", p);
            fclose(f);
            return;
        }
        if (f)
            fclose(f);
        if (waitpid(t->pid, NULL, WNOHANG) == t->pid)
            bench_die("%s exited during start; see %s", t->name, t->log);
        bench_sleep_us(20000);
    }
    bench_die("%s did not start within 20 s; see %s", t->name, t->log);
}

static void target_start(target_t *t, const char *base)
{
    snprintf(t->dir, sizeof(t->dir), "%s/%s", base, t->name);
    mkdir(t->dir, 0755);
    snprintf(t->log, sizeof(t->log), "%s/output.log", t->dir);
    char parts[32], logdirs[800], port[32];
    snprintf(parts, sizeof(parts), "%d", o.partitions);
    if (strcmp(t->name, "xdc-broker") == 0) {
        /* The topic is auto-created with num.partitions on the producer's
         * first Metadata request; the mock creates it at start. */
        char np[64];
        snprintf(logdirs, sizeof(logdirs), "log.dirs=%s/data", t->dir);
        snprintf(np, sizeof(np), "num.partitions=%d", o.partitions);
        const char *argv[] = {o.broker_bin, "--override", "listeners=PLAINTEXT://127.0.0.1:0",
                              "--override", logdirs,      "--override",
                              np,           NULL};
        t->pid = bench_spawn(argv, t->log, -1, -1);
        wait_line(t, "(port ", port, sizeof(port));
        snprintf(t->bootstrap, sizeof(t->bootstrap), "127.0.0.1:%d", atoi(port));
    } else {
        const char *argv[] = {o.mock_bin, "--topic", TOPIC, "--partitions", parts, NULL};
        t->pid = bench_spawn(argv, t->log, -1, -1);
        wait_line(t, "BOOTSTRAP ", t->bootstrap, sizeof(t->bootstrap));
    }
    fprintf(stderr, "bench: %s pid %d at %s\n", t->name, (int)t->pid, t->bootstrap);
}

/* --- clients ------------------------------------------------------------ */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    phase_t *ph = opaque;
    (void)rk;
    if (m->err) {
        if (ph->failed++ == 0)
            fprintf(stderr, "bench: delivery failed: %s\n", rd_kafka_err2str(m->err));
        return;
    }
    ph->delivered++;
    ph->bytes += (int64_t)m->len;
    if (ph->lat_us && m->_private && ph->nlat < ph->caplat)
        ph->lat_us[ph->nlat++] = rd_kafka_message_latency(m);
}

static rd_kafka_t *producer_new(const target_t *t, phase_t *ph, int linger_ms)
{
    char err[512], v[32];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    bench_conf_set(conf, "bootstrap.servers", t->bootstrap);
    bench_conf_set(conf, "acks", "all");
    bench_conf_set(conf, "enable.idempotence", o.idempotence ? "true" : "false");
    bench_conf_set(conf, "compression.codec", o.codec);
    snprintf(v, sizeof(v), "%d", linger_ms);
    bench_conf_set(conf, "linger.ms", v);
    bench_conf_set(conf, "queue.buffering.max.messages", "500000");
    bench_conf_set(conf, "log_level", "3");
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, ph);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!rk)
        bench_die("rd_kafka_new: %s", err);
    return rk;
}

/* Enqueue message @p i: partitions round-robin, the value a slice of the
 * payload buffer (not copied: it lives as long as the process). */
static void produce_one(rd_kafka_t *rk, int64_t i, int measured)
{
    size_t off = (size_t)((i * 4099) % (int64_t)(PAYLOAD_SZ - (size_t)o.msg_size));
    for (;;) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(TOPIC), RD_KAFKA_V_PARTITION((int32_t)(i % o.partitions)),
            RD_KAFKA_V_VALUE(payload + off, (size_t)o.msg_size),
            RD_KAFKA_V_OPAQUE((void *)(intptr_t)measured), RD_KAFKA_V_END);
        if (!e)
            return;
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            bench_die("producev: %s", rd_kafka_err2str(e));
        rd_kafka_poll(rk, 1);
    }
}

static void flush_all(rd_kafka_t *rk)
{
    rd_kafka_resp_err_t e = rd_kafka_flush(rk, 120000);
    if (e)
        bench_die("flush: %s (%d messages left)", rd_kafka_err2str(e), rd_kafka_outq_len(rk));
}

/* --- phases ------------------------------------------------------------- */

/* Produce as fast as the queue allows for @p seconds. @return messages. */
static int64_t produce_for(rd_kafka_t *rk, double seconds, int64_t first)
{
    double end = bench_now_s() + seconds;
    int64_t i = first;
    while (bench_now_s() < end) {
        for (int k = 0; k < 256; k++)
            produce_one(rk, i++, 0);
        rd_kafka_poll(rk, 0);
    }
    return i - first;
}

static void phase_produce(const target_t *t, produce_res_t *r, int64_t *total_msgs)
{
    phase_t ph = {0};
    rd_kafka_t *rk = producer_new(t, &ph, o.linger_ms);
    produce_for(rk, 1.0, 0); /* warm-up: connections, metadata, producer id */
    flush_all(rk);
    *total_msgs += ph.delivered;
    memset(&ph, 0, sizeof(ph));
    double cpu0 = bench_proc_cpu_s(t->pid), me0 = self_cpu_s(), t0 = bench_now_s();
    produce_for(rk, o.seconds, 0);
    flush_all(rk);
    double t1 = bench_now_s(), cpu1 = bench_proc_cpu_s(t->pid), me1 = self_cpu_s();
    rd_kafka_destroy(rk);
    *total_msgs += ph.delivered;
    r->seconds = t1 - t0;
    r->msgs = ph.delivered;
    r->bytes = ph.bytes;
    r->failed = ph.failed;
    r->mb_s = (double)ph.bytes / 1e6 / r->seconds;
    r->msgs_s = (double)ph.delivered / r->seconds;
    r->cpu_s = cpu1 - cpu0;
    r->cpu_s_per_gb = r->cpu_s / ((double)ph.bytes / 1e9);
    r->client_cpu_s = me1 - me0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static double pct_ms(const int64_t *v, size_t n, double p)
{
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return n ? (double)v[i] / 1000.0 : -1;
}

/* Send at o.rate_mb for o.seconds: enqueue whatever the schedule says is
 * due, then sleep 100 us. */
static void phase_latency(const target_t *t, latency_res_t *r, int64_t *total_msgs)
{
    double rate = o.rate_mb * 1e6 / o.msg_size; /* messages per second */
    phase_t ph = {0};
    ph.caplat = (size_t)(rate * o.seconds * 1.1) + 1024;
    ph.lat_us = malloc(ph.caplat * sizeof(*ph.lat_us));
    rd_kafka_t *rk = producer_new(t, &ph, o.lat_linger_ms);
    produce_for(rk, 0.2, 0); /* connect before the clock starts */
    flush_all(rk);
    *total_msgs += ph.delivered;
    ph.delivered = ph.bytes = 0;
    ph.nlat = 0;
    double cpu0 = bench_proc_cpu_s(t->pid), t0 = bench_now_s(), now;
    int64_t sent = 0;
    while ((now = bench_now_s()) < t0 + o.seconds) {
        int64_t due = (int64_t)((now - t0) * rate);
        for (int measured = now - t0 >= 1.0; sent < due; sent++)
            produce_one(rk, sent, measured);
        rd_kafka_poll(rk, 0);
        bench_sleep_us(100);
    }
    double t1 = bench_now_s();
    flush_all(rk);
    double cpu1 = bench_proc_cpu_s(t->pid);
    rd_kafka_destroy(rk);
    *total_msgs += ph.delivered;
    qsort(ph.lat_us, ph.nlat, sizeof(*ph.lat_us), cmp_i64);
    r->msgs = ph.delivered;
    r->failed = ph.failed;
    r->achieved_mb_s = (double)ph.bytes / 1e6 / (t1 - t0);
    r->p50 = pct_ms(ph.lat_us, ph.nlat, 0.50);
    r->p90 = pct_ms(ph.lat_us, ph.nlat, 0.90);
    r->p99 = pct_ms(ph.lat_us, ph.nlat, 0.99);
    r->p999 = pct_ms(ph.lat_us, ph.nlat, 0.999);
    r->max = pct_ms(ph.lat_us, ph.nlat, 1.0);
    r->cpu_s_per_gb = (cpu1 - cpu0) / ((double)ph.bytes / 1e9);
    free(ph.lat_us);
}

/* The partitions from their log start (low watermark) to their end, as
 * an assignment list; sets @p msgs to the messages it covers. The mock
 * keeps only the newest 5 MiB of each partition, xdc-broker everything. */
static rd_kafka_topic_partition_list_t *retained(rd_kafka_t *rk, int64_t *hi, int64_t *msgs)
{
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(o.partitions);
    *msgs = 0;
    for (int p = 0; p < o.partitions; p++) {
        int64_t lo;
        rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, TOPIC, p, &lo, &hi[p], 10000);
        if (e)
            bench_die("watermarks of %s/%d: %s", TOPIC, p, rd_kafka_err2str(e));
        rd_kafka_topic_partition_list_add(parts, TOPIC, p)->offset = lo;
        *msgs += hi[p] - lo;
    }
    return parts;
}

/* Read every retained record, pass after pass, until o.seconds have
 * passed (a pass in progress stops at 2 x o.seconds). One pass covers all
 * of xdc-broker's data; the mock's small window is read many times. */
static void phase_consume(const target_t *t, consume_res_t *r)
{
    char err[512], group[64];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    snprintf(group, sizeof(group), "bench-%d", (int)getpid());
    bench_conf_set(conf, "bootstrap.servers", t->bootstrap);
    bench_conf_set(conf, "group.id", group);
    bench_conf_set(conf, "enable.auto.commit", "false");
    bench_conf_set(conf, "log_level", "3");
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    if (!rk)
        bench_die("rd_kafka_new: %s", err);
    int64_t hi[o.partitions], per_pass, left = 0;
    rd_kafka_topic_partition_list_t *parts = retained(rk, hi, &per_pass);
    memset(r, 0, sizeof(*r));
    double cpu0 = bench_proc_cpu_s(t->pid), t0 = bench_now_s(), now = t0;
    while (now < t0 + 2.0 * o.seconds && (left > 0 || now < t0 + o.seconds)) {
        if (left == 0) {
            rd_kafka_assign(rk, parts); /* (re)start every partition at its log start */
            left = per_pass;
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        now = bench_now_s();
        if (!m)
            continue;
        if (!m->err) {
            r->msgs++;
            r->bytes += (int64_t)m->len;
            left--;
        } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            fprintf(stderr, "bench: consume: %s\n", rd_kafka_message_errstr(m));
        }
        rd_kafka_message_destroy(m);
    }
    double cpu1 = bench_proc_cpu_s(t->pid);
    rd_kafka_topic_partition_list_destroy(parts);
    rd_kafka_destroy(rk);
    r->retained = per_pass;
    r->seconds = now - t0;
    r->mb_s = (double)r->bytes / 1e6 / r->seconds;
    r->msgs_s = (double)r->msgs / r->seconds;
    r->cpu_s_per_gb = (cpu1 - cpu0) / ((double)r->bytes / 1e9);
}

/* --- output ------------------------------------------------------------- */

static void print_target(const target_t *t, const result_t *r)
{
    printf("{\"target\":\"%s\",\"storage\":\"%s\",\"produce\":{\"seconds\":%.2f,\"msgs\":%" PRId64
           ",\"failed\":%" PRId64 ",\"mb_per_s\":%.1f,\"msgs_per_s\":%.0f,\"broker_cpu_s\":%.2f,"
           "\"broker_cpu_s_per_gb\":%.3f,\"client_cpu_s\":%.2f},",
           t->name, t->storage, r->prod.seconds, r->prod.msgs, r->prod.failed, r->prod.mb_s,
           r->prod.msgs_s, r->prod.cpu_s, r->prod.cpu_s_per_gb, r->prod.client_cpu_s);
    printf("\"latency\":{\"rate_mb_per_s\":%.1f,\"achieved_mb_per_s\":%.1f,\"msgs\":%" PRId64
           ",\"failed\":%" PRId64 ",\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,"
           "\"p999_ms\":%.3f,\"max_ms\":%.3f,\"broker_cpu_s_per_gb\":%.3f},",
           o.rate_mb, r->lat.achieved_mb_s, r->lat.msgs, r->lat.failed, r->lat.p50, r->lat.p90,
           r->lat.p99, r->lat.p999, r->lat.max, r->lat.cpu_s_per_gb);
    printf("\"consume\":{\"retained_msgs\":%" PRId64 ",\"seconds\":%.2f,\"msgs\":%" PRId64
           ",\"mb_per_s\":%.1f,\"msgs_per_s\":%.0f,\"broker_cpu_s_per_gb\":%.3f},"
           "\"broker_peak_rss_mb\":%.0f}\n",
           r->cons.retained, r->cons.seconds, r->cons.msgs, r->cons.mb_s, r->cons.msgs_s,
           r->cons.cpu_s_per_gb, r->rss_mb);
    fflush(stdout);
}

static void print_ratios(const result_t *x, const result_t *m)
{
    double tput = x->prod.mb_s / m->prod.mb_s, cpu = x->prod.cpu_s_per_gb / m->prod.cpu_s_per_gb;
    printf("{\"ratios_xdc_over_mock\":{\"produce_mb_per_s\":%.3f,\"produce_broker_cpu_s_per_gb\":"
           "%.3f,\"latency_p50\":%.3f,\"latency_p99\":%.3f,\"latency_broker_cpu_s_per_gb\":%.3f,"
           "\"consume_mb_per_s\":%.3f,\"consume_broker_cpu_s_per_gb\":%.3f},",
           tput, cpu, x->lat.p50 / m->lat.p50, x->lat.p99 / m->lat.p99,
           x->lat.cpu_s_per_gb / m->lat.cpu_s_per_gb, x->cons.mb_s / m->cons.mb_s,
           x->cons.cpu_s_per_gb / m->cons.cpu_s_per_gb);
    printf("\"targets_met\":{\"broker_cpu_per_gb_at_most_mock\":%s,"
           "\"produce_throughput_within_10pct_of_mock\":%s,\"p99_under_5ms_at_%.0f_mb_per_s\":%s}}"
           "\n",
           cpu <= 1.0 ? "true" : "false", tput >= 0.9 ? "true" : "false", o.rate_mb,
           x->lat.p99 < 5.0 && x->lat.achieved_mb_s >= 0.95 * o.rate_mb ? "true" : "false");
}

static void run_target(target_t *t, const char *base, result_t *r)
{
    int64_t total = 0;
    target_start(t, base);
    fprintf(stderr, "bench: %s: produce, %d s\n", t->name, o.seconds);
    phase_produce(t, &r->prod, &total);
    fprintf(stderr, "bench: %s: latency at %.0f MB/s, %d s\n", t->name, o.rate_mb, o.seconds);
    phase_latency(t, &r->lat, &total);
    fprintf(stderr, "bench: %s: consume (%" PRId64 " messages produced)\n", t->name, total);
    phase_consume(t, &r->cons);
    r->rss_mb = bench_proc_rss_mb(t->pid);
    bench_stop(t->pid);
    print_target(t, r);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_broker --broker PATH --mock PATH [--seconds N] [--msg-size BYTES]\n"
            "       [--codec none|lz4|...] [--partitions N] [--rate-mb MB/s] [--linger-ms N]\n"
            "       [--latency-linger-ms N] [--idempotence 0|1] [--targets xdc,mock] [--dir DIR]\n"
            "       [--warm-page-cache-mb N]\n");
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
        else if (!strcmp(a, "--mock"))
            o.mock_bin = v;
        else if (!strcmp(a, "--seconds"))
            o.seconds = atoi(v);
        else if (!strcmp(a, "--msg-size"))
            o.msg_size = atoi(v);
        else if (!strcmp(a, "--codec"))
            o.codec = v;
        else if (!strcmp(a, "--partitions"))
            o.partitions = atoi(v);
        else if (!strcmp(a, "--rate-mb"))
            o.rate_mb = atof(v);
        else if (!strcmp(a, "--linger-ms"))
            o.linger_ms = atoi(v);
        else if (!strcmp(a, "--latency-linger-ms"))
            o.lat_linger_ms = atoi(v);
        else if (!strcmp(a, "--idempotence"))
            o.idempotence = atoi(v);
        else if (!strcmp(a, "--targets"))
            o.targets = v;
        else if (!strcmp(a, "--dir"))
            dir = v;
        else if (!strcmp(a, "--warm-page-cache-mb"))
            o.warm_mb = atoi(v);
        else
            usage();
    }
    if (!o.broker_bin || !o.mock_bin || o.seconds < 2 || o.msg_size < 1 ||
        (size_t)o.msg_size > PAYLOAD_SZ / 2 || o.partitions < 1 || o.rate_mb <= 0)
        usage();
    return dir;
}

/* Half text, half noise: lz4 finds something to do, but not everything. */
static void payload_init(void)
{
    static const char text[] = "xdc cross-datacenter replication benchmark record ";
    uint64_t s = 88172645463325252ULL;
    payload = malloc(PAYLOAD_SZ);
    for (size_t i = 0; i < PAYLOAD_SZ; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        payload[i] = (i / 32) % 2 ? (uint8_t)s : (uint8_t)text[i % (sizeof(text) - 1)];
    }
}

int main(int argc, char **argv)
{
    bench_set_name("bench_broker");
    const char *dir = parse_args(argc, argv);
    char base[512];
    snprintf(base, sizeof(base), "%s/xdc-bench-XXXXXX",
             dir                ? dir
             : getenv("TMPDIR") ? getenv("TMPDIR")
                                : "/tmp");
    if (!mkdtemp(base))
        bench_die("mkdtemp %s: %s", base, strerror(errno));
    atexit(bench_kill_children);
    signal(SIGINT, on_fatal_signal);
    signal(SIGTERM, on_fatal_signal);
    signal(SIGSEGV, on_fatal_signal);
    signal(SIGABRT, on_fatal_signal);
    payload_init();
    if (o.warm_mb > 0)
        bench_warm_page_cache(base, payload, o.warm_mb);
    fprintf(stderr,
            "bench: %d cpus, %d B messages, codec %s, acks=all, idempotence %s, %d "
            "partitions, scratch %s\n",
            (int)sysconf(_SC_NPROCESSORS_ONLN), o.msg_size, o.codec, o.idempotence ? "on" : "off",
            o.partitions, base);
    printf("{\"bench\":\"broker\",\"cpus\":%d,\"librdkafka\":\"%s\",\"msg_size\":%d,\"codec\":"
           "\"%s\",\"acks\":\"all\",\"idempotence\":%s,\"partitions\":%d,\"linger_ms\":%d,"
           "\"latency_linger_ms\":%d,\"phase_seconds\":%d,\"warm_page_cache_mb\":%d,\"units\":\"MB="
           "1e6 B, GB=1e9 B of "
           "message values\"}\n",
           (int)sysconf(_SC_NPROCESSORS_ONLN), rd_kafka_version_str(), o.msg_size, o.codec,
           o.idempotence ? "true" : "false", o.partitions, o.linger_ms, o.lat_linger_ms, o.seconds,
           o.warm_mb);
    target_t targets[2] = {
        {"xdc-broker", "disk: segment files written with pwrite, no fsync (Kafka's default)", 0, "",
         "", ""},
        {"librdkafka-mock", "memory", 0, "", "", ""},
    };
    result_t res[2];
    memset(res, 0, sizeof(res));
    int ran[2] = {strstr(o.targets, "xdc") != NULL, strstr(o.targets, "mock") != NULL};
    for (int i = 0; i < 2; i++)
        if (ran[i])
            run_target(&targets[i], base, &res[i]);
    if (ran[0] && ran[1])
        print_ratios(&res[0], &res[1]);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
    if (system(cmd) != 0)
        fprintf(stderr, "bench: could not remove %s\n", base);
    free(payload);
    return 0;
}
