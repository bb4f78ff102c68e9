#include "tests/lib/th_mcheck.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "checkpoint/checkpoint.h"
#include "tests/lib/th.h"
#include "tests/lib/th_http.h"

#include <inttypes.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <errno.h>

/* The most partitions a check handles; the tests use 8. */
#define MC_MAXPART 64

th_pair_t th_pair_start(th_broker_t *primary, th_broker_t *dr, const char *dir,
                        const char *const *overrides)
{
    char d1[600], d2[600];
    snprintf(d1, sizeof(d1), "%s/primary", dir);
    snprintf(d2, sizeof(d2), "%s/dr", dir);
    if (mkdir(d1, 0700) != 0 || mkdir(d2, 0700) != 0)
        fail_msg("mkdir %s: %s", d1, strerror(errno));
    th_broker_start(primary, d1, overrides);
    th_broker_start(dr, d2, overrides);
    return (th_pair_t){primary->bootstrap, dr->bootstrap};
}

const char *th_mc_conf(const th_pair_t *p, const char *extra)
{
    static char conf[4096];
    int n = snprintf(conf, sizeof(conf),
                     "clusters = primary, dr\n"
                     "primary.bootstrap.servers = %s\n"
                     "dr.bootstrap.servers = %s\n"
                     "primary->dr.enabled = true\n"
                     "refresh.topics.interval.seconds = 1\n"
                     "offset.flush.interval.ms = 500\n"
                     "primary.consumer.session.timeout.ms = 6000\n"
                     "%s",
                     p->primary, p->dr, extra ? extra : "");
    if (n < 0 || (size_t)n >= sizeof(conf))
        fail_msg("th_mc_conf: %d bytes do not fit", n);
    return conf;
}

void th_mc_stop(th_kafka_load_t **load, th_mirror_t *const *mirrors, size_t n)
{
    if (load && *load) {
        th_kafka_load_t *l = *load;
        *load = NULL; /* a failure inside must not stop it twice */
        th_kafka_load_stop(l);
    }
    for (size_t i = 0; i < n; i++)
        if (mirrors[i]->proc)
            th_mirror_stop(mirrors[i], SIGTERM);
}

int64_t th_mc_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void mc_nparts(int nparts)
{
    TH_CHECK(nparts > 0 && nparts <= MC_MAXPART, "th_mcheck: %d partitions", nparts);
}

void th_mc_wait_count(const char *bootstrap, const char *topic, int nparts, int64_t want,
                      int timeout_ms, th_mirror_t *m)
{
    int64_t have;
    TH_CHECK(th_kafka_wait_count(bootstrap, topic, nparts, want, timeout_ms, &have) == 0,
             "%s holds %" PRId64 " of %" PRId64 " records after %d ms; mirror log:\n%s", topic,
             have, want, timeout_ms, m && m->proc ? th_mirror_log(m) : "(not running)");
}

void th_mc_compare(const th_pair_t *p, const char *topic, const char *remote, th_mirror_check_t *c)
{
    th_recs_t src = {0}, dst = {0};
    th_kafka_consume_all(p->primary, topic, &src, th_ms(60000));
    th_kafka_consume_all(p->dr, remote, &dst, th_ms(60000));
    th_recs_compare_mirrored(&src, &dst, "primary", "primary", c);
    size_t nsrc = src.count, ndst = dst.count;
    th_recs_free(&src);
    th_recs_free(&dst);
    TH_CHECK(c->missing == 0 && c->mismatched == 0,
             "%s -> %s: %zu source, %zu target records: missing %ld, mismatched %ld: %s", topic,
             remote, nsrc, ndst, c->missing, c->mismatched, c->first_problem);
}

void th_mc_expect_identical(const th_pair_t *p, const char *topic, const char *remote)
{
    th_mirror_check_t c;
    th_mc_compare(p, topic, remote, &c);
    TH_CHECK(c.duplicates == 0, "%s -> %s: %ld duplicates", topic, remote, c.duplicates);
}

json_t *th_mc_flow0(json_t *j)
{
    return json_array_get(json_object_get(j, "flows"), 0);
}

static bool mc_is(json_t *o, const char *key, const char *want)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v && strcmp(v, want) == 0;
}

void th_mc_wait_lag_zero(const th_pair_t *p, th_mirror_t *m, const char *topic, const char *remote,
                         int nparts)
{
    int64_t src[MC_MAXPART], dst[MC_MAXPART];
    mc_nparts(nparts);
    for (int tries = 0;; tries++) {
        th_kafka_end_offsets(p->primary, topic, src, nparts);
        th_kafka_end_offsets(p->dr, remote, dst, nparts);
        json_t *j = th_http_get_json(m->http_port, "/v1/lag"), *part;
        int ok = 0;
        size_t i;
        json_array_foreach(json_object_get(th_mc_flow0(j), "partitions"), i, part)
        {
            if (!mc_is(part, "topic", topic))
                continue;
            int pn = (int)json_integer_value(json_object_get(part, "partition"));
            int64_t lag = json_integer_value(json_object_get(part, "lag_records"));
            int64_t leo = json_integer_value(json_object_get(part, "log_end_offset"));
            if (pn >= 0 && pn < nparts && lag == 0 && leo == src[pn] && dst[pn] == src[pn])
                ok++;
        }
        json_decref(j);
        if (ok == nparts)
            return;
        TH_CHECK(tries < 100, "lag of %s did not reach 0 matching the log ends", topic);
        usleep(200 * 1000);
    }
}

void th_mc_wait_assigned(th_mirror_t *m, const char *topic, int n)
{
    for (int tries = 0;; tries++) {
        int have = th_mc_assigned(m, topic);
        if (have == n)
            return;
        TH_CHECK(tries < 150, "%s: %d of %d partitions assigned after 30 s", topic, have, n);
        usleep(200 * 1000);
    }
}

/* One /v1/lag sample of @p topic (the "partitions" array @p parts) taken
 * between two readings of the log ends, s1/t1 before and s2/t2 after
 * (source/target): what the mirror reports must lie between them, its view
 * of the source's log end trailing by at most slack[partition].
 * @return the partitions that pass; checking stops at the first that does
 * not, described in @p why. */
static int mc_check_lag_sample(json_t *parts, const char *topic, int nparts, const int64_t *s1,
                               const int64_t *s2, const int64_t *t1, const int64_t *t2,
                               const int64_t *slack, char *why, size_t len)
{
    int n = 0;
    size_t k;
    json_t *p;
    json_array_foreach(parts, k, p)
    {
        if (!mc_is(p, "topic", topic))
            continue;
        int pn = (int)json_integer_value(json_object_get(p, "partition"));
        int64_t leo = json_integer_value(json_object_get(p, "log_end_offset"));
        int64_t next = json_integer_value(json_object_get(p, "replicated_offset")) + 1;
        int64_t lag = json_integer_value(json_object_get(p, "lag_records"));
        if (why[0])
            break;
        if (pn < 0 || pn >= nparts)
            snprintf(why, len, "%s/%d: no such partition", topic, pn);
        else if (next > t2[pn])
            snprintf(why, len, "%s/%d: replicated %" PRId64 " but target ends at %" PRId64, topic,
                     pn, next, t2[pn]);
        else if (leo > s2[pn] || leo < s1[pn] - slack[pn])
            snprintf(why, len, "%s/%d: log end %" PRId64 " outside [%" PRId64 ", %" PRId64 "]",
                     topic, pn, leo, s1[pn] - slack[pn], s2[pn]);
        else if (lag != (leo > next ? leo - next : 0))
            snprintf(why, len, "%s/%d: lag %" PRId64 " != %" PRId64 " - %" PRId64, topic, pn, lag,
                     leo, next);
        else if (lag < s1[pn] - t2[pn] - slack[pn] || lag > s2[pn] - t1[pn] + slack[pn])
            snprintf(why, len,
                     "%s/%d: lag %" PRId64 " vs log ends source %" PRId64 "..%" PRId64
                     " target %" PRId64 "..%" PRId64,
                     topic, pn, lag, s1[pn], s2[pn], t1[pn], t2[pn]);
        else
            n++;
    }
    return n;
}

void th_mc_expect_identity_copy(const th_pair_t *p, th_mirror_t *m, const char *topic, int nparts,
                                int64_t nrec, int timeout_ms)
{
    th_mc_wait_count(p->dr, topic, nparts, nrec, timeout_ms, m);
    th_mc_expect_identical(p, topic, topic);
    th_mc_wait_lag_zero(p, m, topic, topic, nparts);
    th_mc_expect_offset_syncs(p->primary, p->dr, "mm2-offset-syncs.primary.internal", topic,
                              nparts);
    TH_CHECK(th_kafka_partitions(p->primary, "mm2-offset-syncs.dr.internal") == 0,
             "offset syncs written to the source too");
}

/* Reads @p syncs_topic once and checks that the last sync of every
 * partition of @p topic maps the source's last record (@p ends - 1) to the
 * same offset.  @return 0 when it does, else -1 with the reason in @p why. */
static int mc_read_offset_syncs(const char *syncs_bootstrap, const char *syncs_topic,
                                const char *topic, int nparts, const int64_t *ends, char *why,
                                size_t len)
{
    th_recs_t syncs = {0};
    int64_t last_up[MC_MAXPART], last_down[MC_MAXPART];
    th_kafka_consume_all(syncs_bootstrap, syncs_topic, &syncs, th_ms(30000));
    for (int i = 0; i < nparts; i++)
        last_up[i] = last_down[i] = -1;
    for (size_t i = 0; i < syncs.count; i++) {
        const th_rec_t *r = &syncs.v[i];
        ckpt_offset_sync_t s;
        TH_CHECK(ckpt_offset_sync_decode(r->key, r->key_len, r->value, r->value_len, &s) == 0,
                 "offset sync %zu does not decode", i);
        if (s.topic_len == strlen(topic) && memcmp(s.topic, topic, s.topic_len) == 0 &&
            s.partition >= 0 && s.partition < nparts) {
            last_up[s.partition] = s.upstream_offset;
            last_down[s.partition] = s.downstream_offset;
        }
    }
    size_t count = syncs.count;
    th_recs_free(&syncs);
    if (count == 0) {
        snprintf(why, len, "no offset syncs in %s", syncs_topic);
        return -1;
    }
    for (int p = 0; p < nparts; p++) {
        if (last_up[p] != ends[p] - 1 || last_down[p] != ends[p] - 1) {
            snprintf(why, len, "%s/%d: last sync %" PRId64 " -> %" PRId64 ", log end %" PRId64,
                     topic, p, last_up[p], last_down[p], ends[p]);
            return -1;
        }
    }
    return 0;
}

void th_mc_expect_offset_syncs(const char *source_bootstrap, const char *syncs_bootstrap,
                               const char *syncs_topic, const char *topic, int nparts)
{
    int64_t ends[MC_MAXPART];
    mc_nparts(nparts);
    th_kafka_end_offsets(source_bootstrap, topic, ends, nparts);
    th_mc_expect_offset_syncs_at(syncs_bootstrap, syncs_topic, topic, nparts, ends);
}

void th_mc_expect_offset_syncs_at(const char *syncs_bootstrap, const char *syncs_topic,
                                  const char *topic, int nparts, const int64_t *ends)
{
    char why[256] = "";
    mc_nparts(nparts);
    /* A sync is produced once the record it maps is acknowledged by the
     * target and the last one at the next offset flush, so lag 0 comes first:
     * wait for the syncs to catch up. */
    for (int tries = 0; mc_read_offset_syncs(syncs_bootstrap, syncs_topic, topic, nparts, ends, why,
                                             sizeof(why)) != 0;
         tries++) {
        TH_CHECK(tries < 60, "after 30 s: %s", why);
        usleep(500 * 1000);
    }
}

/* The value of the /metrics sample starting with @p prefix (name and
 * labels); fails the test when there is none. */
static double mc_metric(const char *text, const char *prefix)
{
    const char *p = strstr(text, prefix);
    TH_CHECK(p, "no sample %s in /metrics:\n%s", prefix, text);
    return strtod(p + strlen(prefix), NULL);
}

void th_mc_expect_metrics(th_mirror_t *m, const char *topic, int nparts, long min_records)
{
    int status = 0;
    char *body = NULL;
    TH_CHECK(th_http_get(m->http_port, "/metrics", &status, &body) == 0 && status == 200,
             "GET /metrics: %d", status);
    double records = mc_metric(body, "xdc_mirror_records_total{flow=\"primary->dr\"} ");
    double count =
        mc_metric(body, "xdc_mirror_replication_latency_seconds_count{flow=\"primary->dr\"} ");
    TH_CHECK(records >= (double)min_records && count == records,
             "records_total %.0f, latency count %.0f", records, count);
    TH_CHECK(mc_metric(body, "xdc_mirror_duplicates_total{flow=\"primary->dr\"} ") == 0,
             "duplicates reported");
    for (int p = 0; p < nparts; p++) {
        char prefix[256];
        snprintf(prefix, sizeof(prefix),
                 "xdc_mirror_lag_records{flow=\"primary->dr\",topic=\"%s\",partition=\"%d\"} ",
                 topic, p);
        TH_CHECK(mc_metric(body, prefix) == 0, "%s/%d: lag in /metrics is not 0", topic, p);
    }
    free(body);
}

void th_mc_expect_heartbeats(const th_pair_t *p, th_mirror_t *m)
{
    for (int tries = 0;; tries++) {
        json_t *j = th_http_get_json(m->http_port, "/v1/lag");
        json_t *hb = json_object_get(th_mc_flow0(j), "heartbeat");
        int64_t ms =
            json_is_object(hb) ? json_integer_value(json_object_get(hb, "latency_ms")) : -1;
        json_decref(j);
        if (ms >= 0 && th_kafka_end_sum(p->dr, "primary.heartbeats", 1) > 0)
            break;
        TH_CHECK(tries < 50, "no heartbeat latency after 10 s");
        usleep(200 * 1000);
    }
    th_recs_t hbs = {0};
    th_kafka_consume_all(p->dr, "primary.heartbeats", &hbs, th_ms(30000));
    TH_CHECK(hbs.count > 0, "no heartbeat replicated");
    ckpt_heartbeat_t hb;
    int rc = ckpt_heartbeat_decode(hbs.v[0].key, hbs.v[0].key_len, hbs.v[0].value,
                                   hbs.v[0].value_len, &hb);
    th_recs_free(&hbs);
    TH_CHECK(rc == 0, "replicated heartbeat does not decode");
}

int64_t th_mc_status_counter(th_mirror_t *m, const char *name)
{
    json_t *j = th_http_get_json(m->http_port, "/v1/status");
    int64_t v =
        json_integer_value(json_object_get(json_object_get(th_mc_flow0(j), "counters"), name));
    json_decref(j);
    return v;
}

int th_mc_assigned(th_mirror_t *m, const char *topic)
{
    json_t *j = th_http_get_json(m->http_port, "/v1/status"), *a;
    int n = 0;
    size_t i;
    json_array_foreach(json_object_get(th_mc_flow0(j), "assigned"), i, a)
    {
        n += mc_is(a, "topic", topic);
    }
    json_decref(j);
    return n;
}

/* --- scenarios --------------------------------------------------------- */

void th_mc_lag_tracks_log_ends(const th_pair_t *p, th_mirror_t *m, const char *topic,
                               const char *remote, int nparts, th_kafka_load_t **load)
{
    enum { NSAMPLES = 10 };
    int64_t at[NSAMPLES], hist[NSAMPLES][MC_MAXPART];
    int samples = 0;
    mc_nparts(nparts);
    *load = th_kafka_load_start(p->primary, topic, nparts, 200, 40);
    /* The mirror's view of the source's log end may trail by one sampling
     * period (500 ms) and a fetch: by what the source gained in the last
     * second, and at least 400 records (~ records per partition in 0.8 s);
     * the load's rate varies on a busy host. */
    for (int i = 0; i < NSAMPLES; i++) {
        usleep(300 * 1000);
        int64_t s1[MC_MAXPART], t1[MC_MAXPART], s2[MC_MAXPART], t2[MC_MAXPART], slack[MC_MAXPART];
        at[i] = th_mc_now_ms();
        th_kafka_end_offsets(p->primary, topic, s1, nparts);
        th_kafka_end_offsets(p->dr, remote, t1, nparts);
        json_t *j = th_http_get_json(m->http_port, "/v1/lag");
        th_kafka_end_offsets(p->dr, remote, t2, nparts);
        th_kafka_end_offsets(p->primary, topic, s2, nparts);
        int k = i - 1; /* the last sample a second old or older */
        while (k >= 0 && at[k] > at[i] - 1000)
            k--;
        for (int pn = 0; pn < nparts; pn++) {
            hist[i][pn] = s1[pn];
            int64_t gained = s1[pn] - (k >= 0 ? hist[k][pn] : 0);
            slack[pn] = gained > 400 ? gained : 400;
        }
        char why[512] = "";
        samples += mc_check_lag_sample(json_object_get(th_mc_flow0(j), "partitions"), topic, nparts,
                                       s1, s2, t1, t2, slack, why, sizeof(why));
        json_decref(j);
        TH_CHECK(!why[0], "sample %d: %s", i, why);
    }
    long produced = th_kafka_load_stop(*load);
    *load = NULL;
    TH_CHECK(samples >= nparts * 5, "only %d partition samples", samples);
    TH_CHECK(produced > 1000, "load produced only %ld records", produced);
    th_mc_wait_lag_zero(p, m, topic, remote, nparts);
}

void th_mc_kill9(const th_pair_t *p, th_mirror_t *m, const char *topic, const char *remote,
                 int nparts, size_t value_len, th_kafka_load_t **load)
{
    *load = th_kafka_load_start(p->primary, topic, nparts, value_len, 20);
    usleep(4000 * 1000);
    int64_t before = th_kafka_end_sum(p->dr, remote, nparts);
    TH_CHECK(th_mirror_stop(m, SIGKILL) == -SIGKILL, "mirror was not killed");
    usleep(1000 * 1000);
    th_mirror_restart(m);
    usleep(3000 * 1000);
    long total = th_kafka_load_stop(*load);
    *load = NULL;
    th_mc_wait_count(p->dr, remote, nparts, total, th_ms(60000), m);
    usleep(1000 * 1000); /* anything written twice would land by now */
    th_mirror_check_t c;
    th_mc_compare(p, topic, remote, &c);
    int64_t dups = th_mc_status_counter(m, "duplicates");
    int64_t avoided = th_mc_status_counter(m, "duplicates_avoided");
    print_message("killed with %" PRId64 " of %ld records on the target; duplicates on the "
                  "target %ld, counted %" PRId64 ", not written again %" PRId64 "\n",
                  before, total, c.duplicates, dups, avoided);
    TH_CHECK(before > 0 && before < total, "the kill was not mid-stream (%" PRId64 ")", before);
    TH_CHECK(c.duplicates == dups, "target holds %ld duplicates, the mirror counted %" PRId64,
             c.duplicates, dups);
    TH_CHECK(avoided > 0, "the restart found nothing acknowledged but uncommitted");
}

void th_mc_scale_out(const th_pair_t *p, th_mirror_t *m1, th_mirror_t *m2, const char *dir,
                     const char *conf_text, const char *topic, const char *remote, int nparts,
                     long n)
{
    th_mirror_start(m1, dir, conf_text);
    th_mirror_start(m2, dir, conf_text);
    int64_t deadline = th_mc_now_ms() + th_ms(30000);
    int a1 = 0, a2 = 0;
    while (th_mc_now_ms() < deadline) {
        a1 = th_mc_assigned(m1, topic);
        a2 = th_mc_assigned(m2, topic);
        if (a1 > 0 && a2 > 0 && a1 + a2 == nparts)
            break;
        usleep(200 * 1000);
    }
    TH_CHECK(a1 > 0 && a2 > 0 && a1 + a2 == nparts, "partitions not shared: %d + %d", a1, a2);
    th_kafka_produce(p->primary, topic, nparts, 0, n, topic);
    th_mc_wait_count(p->dr, remote, nparts, n, th_ms(60000), m2);
    th_mirror_stop(m1, SIGKILL);
    int64_t t0 = th_mc_now_ms();
    while (th_mc_assigned(m2, topic) < nparts) {
        TH_CHECK(th_mc_now_ms() - t0 < th_ms(30000), "the survivor holds %d partitions after 30 s",
                 th_mc_assigned(m2, topic));
        usleep(200 * 1000);
    }
    print_message("the survivor took over all %d partitions %" PRId64 " ms after the kill\n",
                  nparts, th_mc_now_ms() - t0);
    th_kafka_produce(p->primary, topic, nparts, n, n, topic);
    th_mc_wait_count(p->dr, remote, nparts, 2 * n, th_ms(60000), m2);
    th_mirror_check_t c;
    th_mc_compare(p, topic, remote, &c);
}

/* Records of @p rs whose xdc.origin is @p origin (NULL: without one). */
static long mc_count_origin(const th_recs_t *rs, const char *origin)
{
    long n = 0;
    for (size_t i = 0; i < rs->count; i++) {
        const th_hdr_t *h = th_rec_header(&rs->v[i], "xdc.origin");
        if (origin ? (h && h->value_len == strlen(origin) &&
                      memcmp(h->value, origin, h->value_len) == 0)
                   : h == NULL)
            n++;
    }
    return n;
}

void th_mc_active_active(const th_pair_t *p, th_mirror_t *m, const char *topic, int nparts, long n)
{
    th_kafka_produce(p->primary, topic, nparts, 0, n, "from-primary");
    th_kafka_produce(p->dr, topic, nparts, 0, n, "from-dr");
    th_mc_wait_count(p->primary, topic, nparts, 2 * n, th_ms(60000), m);
    th_mc_wait_count(p->dr, topic, nparts, 2 * n, th_ms(60000), m);
    usleep(4000 * 1000); /* a loop would show up as growth by now */
    int64_t pn = th_kafka_end_sum(p->primary, topic, nparts);
    int64_t dn = th_kafka_end_sum(p->dr, topic, nparts);
    TH_CHECK(pn == 2 * n && dn == 2 * n, "records looped: primary %" PRId64 ", dr %" PRId64, pn,
             dn);
    th_recs_t rp = {0}, rd = {0};
    th_kafka_consume_all(p->primary, topic, &rp, th_ms(30000));
    th_kafka_consume_all(p->dr, topic, &rd, th_ms(30000));
    long p_local = mc_count_origin(&rp, NULL), p_dr = mc_count_origin(&rp, "dr");
    long d_local = mc_count_origin(&rd, NULL), d_primary = mc_count_origin(&rd, "primary");
    th_recs_free(&rp);
    th_recs_free(&rd);
    TH_CHECK(p_local == n && p_dr == n, "primary: %ld local, %ld from dr", p_local, p_dr);
    TH_CHECK(d_local == n && d_primary == n, "dr: %ld local, %ld from primary", d_local, d_primary);
    TH_CHECK(th_kafka_end_sum(p->primary, "dr.heartbeats", 1) > 0 &&
                 th_kafka_end_sum(p->dr, "primary.heartbeats", 1) > 0,
             "heartbeats not mirrored both ways");
    TH_CHECK(th_kafka_partitions(p->primary, "primary.heartbeats") == 0 &&
                 th_kafka_partitions(p->dr, "dr.heartbeats") == 0,
             "heartbeats went back where they came from");
}
