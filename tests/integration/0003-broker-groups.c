/* Consumer groups on xdc-broker with three real clients: kcat, librdkafka's
 * high-level consumer and kafkajs (tests/interop/kafkajs/, installed by
 * scripts/interop-deps.sh). Each client produces keyed records with headers
 * to a 4-partition topic, reads them back through a group and commits; after
 * a clean broker restart the group resumes at its committed offsets, so
 * nothing is lost and nothing is read twice. A last test hands partitions
 * from one librdkafka group member to another.
 *
 * Every producer writes record seq to partition seq % NPART with key "k<seq>"
 * and value "v<seq>", in order, so offset o of partition p holds seq
 * p + NPART * o. The checks lean on that: each record read must be the one
 * its partition and offset say. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/lib/th_broker.h"

#include <errno.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPART  4
#define N1     200 /* records before the restart */
#define N2     50  /* records after it */
#define MAXREC 512

typedef struct rec {
    int part;
    int64_t off;
    char key[32];
    char val[32];
    char hdrs[96]; /* "name=value,..." */
} rec_t;

typedef struct recs {
    rec_t v[MAXREC];
    int n;
} recs_t;

/* One client under test: produce records [first, first + count); read
 * @p count records through @p group, commit and leave; join @p group and
 * read whatever arrives within @p ms without committing. */
typedef struct client_ops {
    const char *name;
    void (*produce)(const char *topic, int first, int count);
    void (*consume)(const char *topic, const char *group, int count, recs_t *out);
    void (*idle)(const char *topic, const char *group, int ms, recs_t *out);
} client_ops_t;

static th_broker_t g_brk;

/* librdkafka handles alive, destroyed by teardown when a test fails. */
static rd_kafka_t *g_rks[8];

/* --- checks --------------------------------------------------------------- */

/** Records among seq [0, total) that live in partition @p p. */
static int64_t part_count(int p, int total)
{
    return total > p ? (total - p + NPART - 1) / NPART : 0;
}

/** The headers a record from @p client carries. */
static void expected_hdrs(const char *client, int part, int seq, char *buf, size_t len)
{
    if (!strcmp(client, "kcat")) /* kcat -H sets the same headers on a whole run */
        snprintf(buf, len, "client=kcat,part=%d", part);
    else
        snprintf(buf, len, "client=%s,seq=%d", client, seq);
}

static void check_record(const rec_t *r, const char *client)
{
    char key[32], val[32], hdrs[96];
    int seq = r->part + NPART * (int)r->off;
    snprintf(key, sizeof(key), "k%d", seq);
    snprintf(val, sizeof(val), "v%d", seq);
    expected_hdrs(client, r->part, seq, hdrs, sizeof(hdrs));
    if (strcmp(r->key, key) || strcmp(r->val, val) || strcmp(r->hdrs, hdrs))
        fail_msg("%s: partition %d offset %" PRId64 ": got %s %s %s, want %s %s %s", client,
                 r->part, r->off, r->key, r->val, r->hdrs, key, val, hdrs);
}

/* The record sets in @p sets together hold each record of seq [first, last)
 * exactly once, every set reads each partition in offset order, and every
 * record is the one produced there. */
static void check_exactly_once(const char *client, const recs_t *const *sets, int nsets, int first,
                               int last)
{
    static uint8_t seen[NPART][MAXREC];
    int total = 0;
    memset(seen, 0, sizeof(seen));
    for (int s = 0; s < nsets; s++) {
        int64_t prev[NPART] = {-1, -1, -1, -1};
        for (int i = 0; i < sets[s]->n; i++) {
            const rec_t *r = &sets[s]->v[i];
            if (r->part < 0 || r->part >= NPART)
                fail_msg("%s: record from partition %d", client, r->part);
            if (r->off < part_count(r->part, first))
                fail_msg("%s: re-read partition %d offset %" PRId64 " (committed at %" PRId64 ")",
                         client, r->part, r->off, part_count(r->part, first));
            if (r->off >= part_count(r->part, last))
                fail_msg("%s: partition %d offset %" PRId64 " was never produced", client, r->part,
                         r->off);
            if (r->off <= prev[r->part])
                fail_msg("%s: partition %d offset %" PRId64 " after %" PRId64, client, r->part,
                         r->off, prev[r->part]);
            if (seen[r->part][r->off]++)
                fail_msg("%s: partition %d offset %" PRId64 " read twice", client, r->part, r->off);
            prev[r->part] = r->off;
            check_record(r, client);
            total++;
        }
    }
    for (int p = 0; p < NPART; p++)
        for (int64_t o = part_count(p, first); o < part_count(p, last); o++)
            if (!seen[p][o])
                fail_msg("%s: partition %d offset %" PRId64 " lost", client, p, o);
    assert_int_equal(total, last - first);
}

/* Parse the "R <partition> <offset> <key> <value> <headers>" lines of
 * @p out into @p r; other lines are ignored. */
static void parse_records(const char *out, recs_t *r)
{
    r->n = 0;
    for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, "R ", 2))
            continue;
        if (r->n == MAXREC)
            fail_msg("more than %d records", MAXREC);
        rec_t *x = &r->v[r->n];
        x->hdrs[0] = '\0';
        if (sscanf(l, "R %d %" SCNd64 " %31s %31s %95[^\n]", &x->part, &x->off, x->key, x->val,
                   x->hdrs) < 4)
            fail_msg("cannot parse record line: %.80s", l);
        r->n++;
    }
}

/* --- librdkafka ----------------------------------------------------------- */

static rd_kafka_t *client_new(rd_kafka_type_t type, const char *const *kv)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", g_brk.bootstrap, err, sizeof(err));
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err));
    for (int i = 0; kv && kv[i]; i += 2)
        if (rd_kafka_conf_set(conf, kv[i], kv[i + 1], err, sizeof(err)) != RD_KAFKA_CONF_OK)
            fail_msg("%s=%s: %s", kv[i], kv[i + 1], err);
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof(err));
    if (!rk)
        fail_msg("rd_kafka_new: %s", err);
    size_t i = 0;
    while (i < sizeof(g_rks) / sizeof(g_rks[0]) && g_rks[i])
        i++;
    assert_true(i < sizeof(g_rks) / sizeof(g_rks[0])); /* a test leaks clients */
    g_rks[i] = rk;
    return rk;
}

static void client_free(rd_kafka_t *rk)
{
    for (size_t i = 0; i < sizeof(g_rks) / sizeof(g_rks[0]); i++)
        if (g_rks[i] == rk)
            g_rks[i] = NULL;
    rd_kafka_destroy(rk);
}

static rd_kafka_t *consumer_new(const char *group)
{
    const char *kv[] = {"group.id",
                        group,
                        "auto.offset.reset",
                        "earliest",
                        "enable.auto.commit",
                        "false",
                        "session.timeout.ms",
                        "6000",
                        "heartbeat.interval.ms",
                        "500",
                        NULL};
    return client_new(RD_KAFKA_CONSUMER, kv);
}

static void rk_produce(const char *topic, int first, int count)
{
    const char *kv[] = {"enable.idempotence", "true", "linger.ms", "5", NULL};
    rd_kafka_t *rk = client_new(RD_KAFKA_PRODUCER, kv);
    for (int seq = first; seq < first + count; seq++) {
        char key[16], val[16], sv[16];
        snprintf(key, sizeof(key), "k%d", seq);
        snprintf(val, sizeof(val), "v%d", seq);
        snprintf(sv, sizeof(sv), "%d", seq);
        rd_kafka_resp_err_t e = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(seq % NPART),
            RD_KAFKA_V_KEY(key, strlen(key)), RD_KAFKA_V_VALUE(val, strlen(val)),
            RD_KAFKA_V_HEADER("client", "rdkafka", -1), RD_KAFKA_V_HEADER("seq", sv, -1),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e)
            fail_msg("producev: %s", rd_kafka_err2str(e));
        rd_kafka_poll(rk, 0);
    }
    /* Flushing returns once every record has a delivery report; with
     * idempotence on, a failed one is fatal and shows here. */
    assert_int_equal(rd_kafka_flush(rk, th_ms(20000)), RD_KAFKA_RESP_ERR_NO_ERROR);
    char errstr[256];
    rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(rk, errstr, sizeof(errstr));
    if (fatal)
        fail_msg("producer: %s", errstr);
    client_free(rk);
}

static void rec_from_msg(rec_t *x, const rd_kafka_message_t *m)
{
    rd_kafka_headers_t *hdrs;
    const char *name;
    const void *v;
    size_t vlen, used = 0;
    x->part = m->partition;
    x->off = m->offset;
    snprintf(x->key, sizeof(x->key), "%.*s", (int)m->key_len, (const char *)m->key);
    snprintf(x->val, sizeof(x->val), "%.*s", (int)m->len, (const char *)m->payload);
    x->hdrs[0] = '\0';
    if (rd_kafka_message_headers(m, &hdrs))
        return;
    for (size_t i = 0; !rd_kafka_header_get_all(hdrs, i, &name, &v, &vlen); i++)
        used += snprintf(x->hdrs + used, sizeof(x->hdrs) - used, "%s%s=%.*s", i ? "," : "", name,
                         (int)vlen, (const char *)v);
}

/** Poll @p rk once; append a record to @p out and commit it synchronously.
 *  @return 1 when a record arrived, else 0. */
static int poll_one(rd_kafka_t *rk, int timeout_ms, recs_t *out, int commit)
{
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, timeout_ms);
    if (!m)
        return 0;
    if (m->err)
        fail_msg("consumer: %s", rd_kafka_message_errstr(m));
    if (out->n == MAXREC)
        fail_msg("more than %d records", MAXREC);
    rec_from_msg(&out->v[out->n++], m);
    if (commit) {
        rd_kafka_resp_err_t e = rd_kafka_commit_message(rk, m, 0);
        if (e)
            fail_msg("commit of partition %d offset %" PRId64 ": %s", m->partition, m->offset,
                     rd_kafka_err2name(e));
    }
    rd_kafka_message_destroy(m);
    return 1;
}

static void subscribe(rd_kafka_t *rk, const char *topic)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, RD_KAFKA_PARTITION_UA);
    assert_int_equal(rd_kafka_subscribe(rk, l), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(l);
}

/** @return the partitions assigned to @p rk, one bit each. */
static unsigned assignment_mask(rd_kafka_t *rk)
{
    rd_kafka_topic_partition_list_t *l = NULL;
    unsigned mask = 0;
    assert_int_equal(rd_kafka_assignment(rk, &l), RD_KAFKA_RESP_ERR_NO_ERROR);
    for (int i = 0; i < l->cnt; i++)
        mask |= 1u << l->elems[i].partition;
    rd_kafka_topic_partition_list_destroy(l);
    return mask;
}

static int assigned(rd_kafka_t *rk)
{
    return __builtin_popcount(assignment_mask(rk));
}

static void consumer_close(rd_kafka_t *rk)
{
    rd_kafka_resp_err_t e = rd_kafka_consumer_close(rk);
    if (e)
        fail_msg("consumer_close: %s", rd_kafka_err2name(e));
    client_free(rk);
}

static void rk_consume(const char *topic, const char *group, int count, recs_t *out)
{
    rd_kafka_t *rk = consumer_new(group);
    subscribe(rk, topic);
    out->n = 0;
    int waited = 0;
    while (out->n < count && waited < th_ms(30000))
        if (!poll_one(rk, 100, out, 0))
            waited += 100;
    if (out->n < count)
        fail_msg("rdkafka: %d of %d records", out->n, count);
    /* The offsets poll stored (each record's offset + 1), in one sync commit. */
    rd_kafka_resp_err_t e = rd_kafka_commit(rk, NULL, 0);
    if (e)
        fail_msg("commit: %s", rd_kafka_err2name(e));
    consumer_close(rk);
}

static void rk_idle(const char *topic, const char *group, int ms, recs_t *out)
{
    rd_kafka_t *rk = consumer_new(group);
    subscribe(rk, topic);
    out->n = 0;
    for (int waited = 0; assigned(rk) < NPART; waited += 100) {
        if (waited > th_ms(30000))
            fail_msg("rdkafka: no assignment in group %s", group);
        poll_one(rk, 100, out, 0);
    }
    for (int waited = 0; waited < ms; waited += 100)
        poll_one(rk, 100, out, 0);
    consumer_close(rk);
}

/** Committed offsets of @p group for each partition of @p topic. */
static void committed(const char *group, const char *topic, int64_t off[NPART])
{
    rd_kafka_t *rk = consumer_new(group);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(NPART);
    for (int p = 0; p < NPART; p++)
        rd_kafka_topic_partition_list_add(l, topic, p);
    rd_kafka_resp_err_t e = rd_kafka_committed(rk, l, th_ms(10000));
    if (e)
        fail_msg("committed: %s", rd_kafka_err2name(e));
    for (int p = 0; p < NPART; p++) {
        if (l->elems[p].err)
            fail_msg("committed %s/%d: %s", topic, p, rd_kafka_err2name(l->elems[p].err));
        off[p] = l->elems[p].offset;
    }
    rd_kafka_topic_partition_list_destroy(l);
    client_free(rk);
}

/* The group committed exactly past the first @p total records. */
static void check_committed(const char *group, const char *topic, int total)
{
    int64_t off[NPART];
    committed(group, topic, off);
    for (int p = 0; p < NPART; p++)
        if (off[p] != part_count(p, total))
            fail_msg("group %s: %s/%d committed at %" PRId64 ", want %" PRId64, group, topic, p,
                     off[p], part_count(p, total));
}

/* --- external clients ---------------------------------------------------- */

/** Run @p argv to completion (the harness kills it on timeout); fail unless
 *  it exits 0. @return its stdout, caller-owned. */
static char *run_tool(const char *const argv[], int timeout_ms)
{
    int status = 0;
    char *so = NULL, *se = NULL;
    int rc = th_run_split(argv, timeout_ms, &status, &so, &se);
    if (rc == -ETIMEDOUT)
        fail_msg("%s %s: still running after %d ms, killed: %s%s", argv[0], argv[1], timeout_ms,
                 so ? so : "", se ? se : "");
    if (rc < 0)
        fail_msg("%s: cannot run: %s", argv[0], strerror(-rc));
    if (status != 0)
        fail_msg("%s %s: exit status %d: %s%s", argv[0], argv[1], status, so, se);
    free(se);
    return so;
}

/* --- kcat ----------------------------------------------------------------- */

/* One kcat run per partition: kcat's -H headers hold for a whole run. */
static void kcat_produce(const char *topic, int first, int count)
{
    const char *dir = th_tmpdir();
    for (int p = 0; p < NPART; p++) {
        char path[600], hpart[32], part[16], text[4096];
        size_t used = 0;
        for (int seq = first; seq < first + count; seq++)
            if (seq % NPART == p)
                used += snprintf(text + used, sizeof(text) - used, "k%d:v%d\n", seq, seq);
        assert_true(used < sizeof(text));
        snprintf(path, sizeof(path), "%s/in-%d-%d", dir, first, p);
        assert_int_equal(th_write_file(path, text), 0);
        snprintf(hpart, sizeof(hpart), "part=%d", p);
        snprintf(part, sizeof(part), "%d", p);
        const char *argv[] = {"/usr/bin/kcat",
                              "-b",
                              g_brk.bootstrap,
                              "-P",
                              "-t",
                              topic,
                              "-p",
                              part,
                              "-K:",
                              "-H",
                              "client=kcat",
                              "-H",
                              hpart,
                              "-X",
                              "enable.idempotence=true",
                              "-l",
                              path,
                              NULL};
        free(run_tool(argv, th_ms(30000)));
    }
}

/* kcat -G commits through librdkafka's auto commit; closing the consumer at
 * the end of the partitions (-e) commits the last offsets it stored. */
static void kcat_read(const char *topic, const char *group, recs_t *out)
{
    const char *argv[] = {"/usr/bin/kcat",
                          "-b",
                          g_brk.bootstrap,
                          "-G",
                          group,
                          topic,
                          "-X",
                          "auto.offset.reset=earliest",
                          "-X",
                          "enable.auto.commit=true",
                          "-X",
                          "auto.commit.interval.ms=100",
                          "-e",
                          "-q",
                          "-f",
                          "R %p %o %k %s %h\\n",
                          NULL};
    char *so = run_tool(argv, th_ms(60000));
    parse_records(so, out);
    free(so);
}

static void kcat_consume(const char *topic, const char *group, int count, recs_t *out)
{
    (void)count; /* kcat reads to the end of every partition; the caller counts */
    kcat_read(topic, group, out);
}

static void kcat_idle(const char *topic, const char *group, int ms, recs_t *out)
{
    (void)ms; /* kcat stops at the end of every partition */
    kcat_read(topic, group, out);
}

/* --- kafkajs -------------------------------------------------------------- */

static const char *kafkajs_script(void)
{
    static char path[1024];
    char mod[1100];
    snprintf(path, sizeof(path), "%s/tests/interop/kafkajs/client.js", th_src_dir());
    snprintf(mod, sizeof(mod), "%s/tests/interop/kafkajs/node_modules/kafkajs/package.json",
             th_src_dir());
    if (!th_exists(mod))
        fail_msg("kafkajs is not installed: run scripts/interop-deps.sh");
    return path;
}

/* Run client.js; @return its stdout (caller-owned) after checking it ended
 * with "DONE". */
static char *kafkajs_run(const char *topic, const char *group, const char *mode, const char *a1,
                         const char *a2)
{
    const char *argv[] = {"/usr/bin/env",
                          "node",
                          kafkajs_script(),
                          g_brk.bootstrap,
                          topic,
                          group,
                          mode,
                          a1,
                          a2,
                          NULL};
    char *so = run_tool(argv, th_ms(60000));
    if (!strstr(so, "DONE\n"))
        fail_msg("client.js %s did not finish: %s", mode, so);
    return so;
}

static void kjs_produce(const char *topic, int first, int count)
{
    char a1[16], a2[16];
    snprintf(a1, sizeof(a1), "%d", first);
    snprintf(a2, sizeof(a2), "%d", count);
    free(kafkajs_run(topic, "-", "produce", a1, a2));
}

static void kjs_consume(const char *topic, const char *group, int count, recs_t *out)
{
    char a1[16];
    snprintf(a1, sizeof(a1), "%d", count);
    char *so = kafkajs_run(topic, group, "consume", a1, NULL);
    parse_records(so, out);
    free(so);
}

static void kjs_idle(const char *topic, const char *group, int ms, recs_t *out)
{
    char a1[16];
    snprintf(a1, sizeof(a1), "%d", ms);
    char *so = kafkajs_run(topic, group, "idle", a1, NULL);
    if (!strstr(so, "ASSIGNED 4\n")) /* else seeing nothing would prove nothing */
        fail_msg("client.js idle: not assigned all partitions: %s", so);
    parse_records(so, out);
    free(so);
}

/* --- tests ---------------------------------------------------------------- */

/* Produce N1, read them through a group and commit; restart the broker;
 * produce N2 more: the same group reads exactly those, then nothing. */
static void resume_after_restart(const client_ops_t *c)
{
    static recs_t r;
    const recs_t *sets[] = {&r};
    char topic[32], group[32];
    snprintf(topic, sizeof(topic), "grp-%s", c->name);
    snprintf(group, sizeof(group), "g-%s", c->name);

    c->produce(topic, 0, N1);
    c->consume(topic, group, N1, &r);
    check_exactly_once(c->name, sets, 1, 0, N1);
    check_committed(group, topic, N1);

    assert_int_equal(th_broker_stop(&g_brk, SIGTERM), 0);
    th_broker_restart(&g_brk);
    check_committed(group, topic, N1);

    c->produce(topic, N1, N2);
    c->consume(topic, group, N2, &r);
    check_exactly_once(c->name, sets, 1, N1, N1 + N2);
    check_committed(group, topic, N1 + N2);

    c->idle(topic, group, th_ms(1500), &r);
    if (r.n)
        fail_msg("%s: read partition %d offset %" PRId64 " again", c->name, r.v[0].part,
                 r.v[0].off);
}

static void test_groups_kcat_resumes_after_restart(void **state)
{
    (void)state;
    static const client_ops_t ops = {"kcat", kcat_produce, kcat_consume, kcat_idle};
    resume_after_restart(&ops);
}

static void test_groups_rdkafka_resumes_after_restart(void **state)
{
    (void)state;
    static const client_ops_t ops = {"rdkafka", rk_produce, rk_consume, rk_idle};
    resume_after_restart(&ops);
}

static void test_groups_kafkajs_resumes_after_restart(void **state)
{
    (void)state;
    static const client_ops_t ops = {"kafkajs", kjs_produce, kjs_consume, kjs_idle};
    resume_after_restart(&ops);
}

/* Poll @p a and @p b in turn until @p done says stop; fail after 30 s. */
static void poll_both(rd_kafka_t *a, recs_t *ra, rd_kafka_t *b, recs_t *rb,
                      int (*done)(rd_kafka_t *, const recs_t *, rd_kafka_t *, const recs_t *),
                      const char *what)
{
    for (int waited = 0; !done(a, ra, b, rb); waited += 40) {
        if (waited > th_ms(30000))
            fail_msg("rebalance: timed out waiting until %s (%d + %d records)", what, ra->n,
                     rb ? rb->n : 0);
        poll_one(a, 20, ra, 1);
        if (b)
            poll_one(b, 20, rb, 1);
    }
}

static int split_2_2(rd_kafka_t *a, const recs_t *ra, rd_kafka_t *b, const recs_t *rb)
{
    (void)ra;
    (void)rb;
    return assigned(a) == 2 && assigned(b) == 2;
}

static int g_want; /* records poll_both waits for */

static int b_has_want(rd_kafka_t *a, const recs_t *ra, rd_kafka_t *b, const recs_t *rb)
{
    (void)a;
    (void)ra;
    (void)b;
    return rb->n >= g_want;
}

static int a_has_all(rd_kafka_t *a, const recs_t *ra, rd_kafka_t *b, const recs_t *rb)
{
    (void)b;
    return assigned(a) == NPART && ra->n + rb->n >= g_want;
}

/* Two members of one group split the 4 partitions 2 and 2; one reads a
 * part of its share, commits and leaves; the other takes over all 4 and
 * reads on from the committed offsets: each record once in all.
 * The members use librdkafka's default eager assignors (range, roundrobin):
 * with cooperative-sticky, librdkafka before 2.4.0 (Debian ships 2.0.2)
 * restarts partitions it keeps across an incremental assign from a stale
 * position and delivers them twice (librdkafka issue #4686), whatever the
 * broker does. */
static void test_groups_rdkafka_rebalance_hands_over_partitions(void **state)
{
    (void)state;
    static recs_t ra, rb;
    const char *topic = "grp-rebalance", *group = "g-rebalance";
    const recs_t *sets[] = {&ra, &rb};

    rk_produce(topic, 0, NPART); /* creates the topic */
    rd_kafka_t *a = consumer_new(group), *b = consumer_new(group);
    subscribe(a, topic);
    subscribe(b, topic);
    ra.n = rb.n = 0;
    poll_both(a, &ra, b, &rb, split_2_2, "each member has 2 partitions");

    unsigned amask = assignment_mask(a), bmask = assignment_mask(b);
    assert_int_equal(amask & bmask, 0);
    rk_produce(topic, NPART, N1 - NPART);
    int a0 = ra.n, b0 = rb.n;
    g_want = b0 + 30;
    poll_both(a, &ra, b, &rb, b_has_want, "the second member read 30 more records");
    /* While both were members, each read only its own partitions. */
    for (int i = a0; i < ra.n; i++)
        assert_true(amask & (1u << ra.v[i].part));
    for (int i = b0; i < rb.n; i++)
        assert_true(bmask & (1u << rb.v[i].part));
    consumer_close(b);

    g_want = N1;
    poll_both(a, &ra, NULL, &rb, a_has_all, "the first member has all partitions");
    rk_produce(topic, N1, N2);
    g_want = N1 + N2;
    poll_both(a, &ra, NULL, &rb, a_has_all, "the first member read the rest");
    consumer_close(a);

    check_exactly_once("rdkafka", sets, 2, 0, N1 + N2);
    check_committed(group, topic, N1 + N2);
}

/* --- fixtures ------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    static const char *const ov[] = {"num.partitions=4", "group.initial.rebalance.delay.ms=0",
                                     NULL};
    th_broker_start(&g_brk, th_tmpdir(), ov);
    return 0;
}

static int teardown(void **state)
{
    /* Clients a failed test left behind; the broker is still up, but a
     * consumer close could wait on a group that is mid-rebalance. */
    for (size_t i = 0; i < sizeof(g_rks) / sizeof(g_rks[0]); i++)
        if (g_rks[i]) {
            rd_kafka_destroy_flags(g_rks[i], RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
            g_rks[i] = NULL;
        }
    if (g_brk.proc)
        th_broker_stop(&g_brk, SIGTERM);
    return th_teardown(state);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_groups_kcat_resumes_after_restart),
        T(test_groups_rdkafka_resumes_after_restart),
        T(test_groups_kafkajs_resumes_after_restart),
        T(test_groups_rdkafka_rebalance_hands_over_partitions),
    };
    return cmocka_run_group_tests_name("broker_groups", tests, NULL, NULL);
}
