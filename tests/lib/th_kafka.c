#include "tests/lib/th_kafka.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/util.h"
#include "tests/lib/th.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Every helper that opens a client collects its first error in a buffer,
 * releases the client and only then fails the test: cmocka's failure jumps
 * out of the function, and a client left behind would keep its threads
 * polling a broker the test is about to stop. */

/* --- small things --------------------------------------------------------- */

static int64_t tk_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void tk_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* printf into @p buf unless it already holds an error: the first one wins. */
static void tk_err(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void tk_err(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    if (buf[0])
        return;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

/* A copy of @p n bytes plus a NUL, or NULL for NULL. */
static char *tk_memdup(const void *p, size_t n)
{
    char *c;
    if (!p)
        return NULL;
    c = xmalloc(n + 1);
    memcpy(c, p, n);
    c[n] = '\0';
    return c;
}

/* splitmix64: the filler of a value depends on its seq alone. */
static uint64_t tk_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* --- clients -------------------------------------------------------------- */

static char tk_client_id[64]; /* "" = librdkafka's default */

void th_kafka_set_client_id(const char *id)
{
    snprintf(tk_client_id, sizeof(tk_client_id), "%s", id ? id : "");
}

typedef void tk_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque);

/* A client of @p type for @p bootstrap with extra "key", "value" pairs @p kv
 * (NULL-terminated, may be NULL) and, for a producer, delivery reports to
 * @p dr_cb (may be NULL) with @p opaque. Fails the test when it cannot be
 * made; nothing else is open then.  @return owned. */
static rd_kafka_t *tk_client_ex(rd_kafka_type_t type, const char *bootstrap, const char *const *kv,
                                tk_dr_cb *dr_cb, void *opaque)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *const base[] = {
        "bootstrap.servers", bootstrap, "log_level", "3", tk_client_id[0] ? "client.id" : NULL,
        tk_client_id,        NULL};

    for (int pass = 0; pass < 2; pass++) {
        const char *const *v = pass ? kv : base;
        for (int i = 0; v && v[i]; i += 2) {
            if (rd_kafka_conf_set(conf, v[i], v[i + 1], err, sizeof(err)) != RD_KAFKA_CONF_OK) {
                rd_kafka_conf_destroy(conf);
                fail_msg("th_kafka: %s=%s: %s", v[i], v[i + 1], err);
            }
        }
    }
    if (dr_cb)
        rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_conf_set_opaque(conf, opaque);
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof(err));
    if (!rk) {
        rd_kafka_conf_destroy(conf); /* rd_kafka_new() took it only on success */
        fail_msg("th_kafka: rd_kafka_new: %s", err);
    }
    return rk;
}

static rd_kafka_t *tk_client(rd_kafka_type_t type, const char *bootstrap, const char *const *kv)
{
    return tk_client_ex(type, bootstrap, kv, NULL, NULL);
}

static void tk_client_free(rd_kafka_t *rk)
{
    if (rk)
        rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
}

/* An admin request in flight: the client, its result queue and options. */
typedef struct tk_admin {
    rd_kafka_t *rk;
    rd_kafka_queue_t *q;
    rd_kafka_AdminOptions_t *opts;
    rd_kafka_event_t *ev; /* the result, once tk_admin_wait() got it */
} tk_admin_t;

static void tk_admin_open(tk_admin_t *a, const char *bootstrap)
{
    char err[256];
    memset(a, 0, sizeof(*a));
    a->rk = tk_client(RD_KAFKA_PRODUCER, bootstrap, NULL);
    a->q = rd_kafka_queue_new(a->rk);
    a->opts = rd_kafka_AdminOptions_new(a->rk, RD_KAFKA_ADMIN_OP_ANY);
    rd_kafka_AdminOptions_set_request_timeout(a->opts, th_ms(20000), err, sizeof(err));
    rd_kafka_AdminOptions_set_operation_timeout(a->opts, th_ms(20000), err, sizeof(err));
}

/* Wait for the result of the request just sent.  @return 0, or -1 with the
 * reason in @p err. */
static int tk_admin_wait(tk_admin_t *a, char *err, size_t len)
{
    a->ev = rd_kafka_queue_poll(a->q, th_ms(30000));
    if (!a->ev) {
        tk_err(err, len, "no admin result within %d ms", th_ms(30000));
        return -1;
    }
    if (rd_kafka_event_error(a->ev)) {
        tk_err(err, len, "%s: %s", rd_kafka_err2name(rd_kafka_event_error(a->ev)),
               rd_kafka_event_error_string(a->ev));
        return -1;
    }
    return 0;
}

static void tk_admin_close(tk_admin_t *a)
{
    if (a->ev)
        rd_kafka_event_destroy(a->ev);
    rd_kafka_AdminOptions_destroy(a->opts);
    rd_kafka_queue_destroy(a->q);
    tk_client_free(a->rk);
    memset(a, 0, sizeof(*a));
}

/* The single topic result of CreateTopics or CreatePartitions into @p err. */
static void tk_topic_result(const rd_kafka_topic_result_t **tr, size_t n, char *err, size_t len)
{
    if (n != 1) {
        tk_err(err, len, "%zu topic results, want 1", n);
        return;
    }
    if (rd_kafka_topic_result_error(tr[0])) {
        const char *s = rd_kafka_topic_result_error_string(tr[0]);
        tk_err(err, len, "%s: %s", rd_kafka_err2name(rd_kafka_topic_result_error(tr[0])),
               s ? s : "");
    }
}

/* --- metadata ------------------------------------------------------------- */

/* @return @p topic's partition count, 0 when it is not listed, -1 with the
 * reason in @p err when Metadata failed. */
static int tk_partitions(rd_kafka_t *rk, const char *topic, char *err, size_t len)
{
    const rd_kafka_metadata_t *md;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, th_ms(10000));
    int n = 0;

    if (e) {
        tk_err(err, len, "metadata: %s", rd_kafka_err2name(e));
        return -1;
    }
    for (int i = 0; i < md->topic_cnt; i++) {
        if (strcmp(md->topics[i].topic, topic) == 0 && !md->topics[i].err)
            n = md->topics[i].partition_cnt;
    }
    rd_kafka_metadata_destroy(md);
    return n;
}

/* Wait until Metadata lists @p want partitions of @p topic. */
static void tk_wait_partitions(rd_kafka_t *rk, const char *topic, int want, char *err, size_t len)
{
    int64_t deadline = tk_now_ms() + th_ms(10000);
    int n;

    while ((n = tk_partitions(rk, topic, err, len)) != want) {
        if (n < 0)
            return;
        if (tk_now_ms() > deadline) {
            tk_err(err, len, "Metadata still lists %d partitions, want %d", n, want);
            return;
        }
        tk_sleep_ms(50);
    }
}

int th_kafka_partitions(const char *bootstrap, const char *topic)
{
    char err[512] = "";
    rd_kafka_t *rk = tk_client(RD_KAFKA_PRODUCER, bootstrap, NULL);
    int n = tk_partitions(rk, topic, err, sizeof(err));

    tk_client_free(rk);
    if (n < 0)
        fail_msg("th_kafka_partitions %s on %s: %s", topic, bootstrap, err);
    return n;
}

/* --- topics --------------------------------------------------------------- */

/* A NewTopic with @p configs ("k=v") set.  @return owned, or NULL with the
 * reason in @p err. */
static rd_kafka_NewTopic_t *tk_new_topic(const char *topic, int partitions,
                                         const char *const *configs, char *err, size_t len)
{
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, partitions, 1, err, len);

    for (int i = 0; nt && configs && configs[i]; i++) {
        const char *eq = strchr(configs[i], '=');
        char *key = eq ? xstrndup(configs[i], (size_t)(eq - configs[i])) : NULL;
        rd_kafka_resp_err_t e =
            key ? rd_kafka_NewTopic_set_config(nt, key, eq + 1) : RD_KAFKA_RESP_ERR__INVALID_ARG;
        free(key);
        if (e) {
            snprintf(err, len, "config \"%s\": %s", configs[i],
                     eq ? rd_kafka_err2name(e) : "not key=value");
            rd_kafka_NewTopic_destroy(nt);
            nt = NULL;
        }
    }
    return nt;
}

void th_kafka_create_topic(const char *bootstrap, const char *topic, int partitions,
                           const char *const *configs)
{
    char err[512] = "";
    tk_admin_t a;
    rd_kafka_NewTopic_t *nt = tk_new_topic(topic, partitions, configs, err, sizeof(err));
    size_t n;

    if (!nt)
        fail_msg("create topic %s: %s", topic, err);
    tk_admin_open(&a, bootstrap);
    rd_kafka_CreateTopics(a.rk, &nt, 1, a.opts, a.q);
    if (tk_admin_wait(&a, err, sizeof(err)) == 0) {
        const rd_kafka_topic_result_t **tr =
            rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(a.ev), &n);
        tk_topic_result(tr, n, err, sizeof(err));
    }
    if (!err[0])
        tk_wait_partitions(a.rk, topic, partitions, err, sizeof(err));
    rd_kafka_NewTopic_destroy(nt);
    tk_admin_close(&a);
    if (err[0])
        fail_msg("create topic %s (%d partitions) on %s: %s", topic, partitions, bootstrap, err);
}

void th_kafka_add_partitions(const char *bootstrap, const char *topic, int total)
{
    char err[512] = "";
    tk_admin_t a;
    rd_kafka_NewPartitions_t *np =
        rd_kafka_NewPartitions_new(topic, (size_t)total, err, sizeof(err));
    size_t n;

    if (!np)
        fail_msg("add partitions to %s: %s", topic, err);
    tk_admin_open(&a, bootstrap);
    rd_kafka_CreatePartitions(a.rk, &np, 1, a.opts, a.q);
    if (tk_admin_wait(&a, err, sizeof(err)) == 0) {
        const rd_kafka_topic_result_t **tr = rd_kafka_CreatePartitions_result_topics(
            rd_kafka_event_CreatePartitions_result(a.ev), &n);
        tk_topic_result(tr, n, err, sizeof(err));
    }
    if (!err[0])
        tk_wait_partitions(a.rk, topic, total, err, sizeof(err));
    rd_kafka_NewPartitions_destroy(np);
    tk_admin_close(&a);
    if (err[0])
        fail_msg("grow %s to %d partitions on %s: %s", topic, total, bootstrap, err);
}

/* The value of config @p name in a DescribeConfigs resource.
 * @return caller-owned, or NULL. */
static char *tk_config_value(const rd_kafka_ConfigResource_t *res, const char *name, int *source)
{
    size_t n;
    const rd_kafka_ConfigEntry_t **es = rd_kafka_ConfigResource_configs(res, &n);

    for (size_t i = 0; i < n; i++) {
        if (strcmp(rd_kafka_ConfigEntry_name(es[i]), name) == 0) {
            const char *v = rd_kafka_ConfigEntry_value(es[i]);
            if (source)
                *source = (int)rd_kafka_ConfigEntry_source(es[i]);
            return v ? xstrdup(v) : NULL;
        }
    }
    return NULL;
}

/* DescribeConfigs of one resource: config @p name's value and source. */
static char *tk_describe(const char *bootstrap, rd_kafka_ResourceType_t type, const char *resname,
                         const char *name, int *source)
{
    char err[512] = "", *value = NULL;
    tk_admin_t a;
    rd_kafka_ConfigResource_t *cr = rd_kafka_ConfigResource_new(type, resname);
    size_t n;

    tk_admin_open(&a, bootstrap);
    rd_kafka_DescribeConfigs(a.rk, &cr, 1, a.opts, a.q);
    if (tk_admin_wait(&a, err, sizeof(err)) == 0) {
        const rd_kafka_ConfigResource_t **res = rd_kafka_DescribeConfigs_result_resources(
            rd_kafka_event_DescribeConfigs_result(a.ev), &n);
        if (n != 1)
            tk_err(err, sizeof(err), "%zu resources, want 1", n);
        else if (rd_kafka_ConfigResource_error(res[0]))
            tk_err(err, sizeof(err), "%s: %s",
                   rd_kafka_err2name(rd_kafka_ConfigResource_error(res[0])),
                   rd_kafka_ConfigResource_error_string(res[0])
                       ? rd_kafka_ConfigResource_error_string(res[0])
                       : "");
        else
            value = tk_config_value(res[0], name, source);
    }
    rd_kafka_ConfigResource_destroy(cr);
    tk_admin_close(&a);
    if (err[0])
        fail_msg("describe configs of %s on %s: %s", resname, bootstrap, err);
    return value;
}

char *th_kafka_topic_config(const char *bootstrap, const char *topic, const char *name)
{
    return tk_describe(bootstrap, RD_KAFKA_RESOURCE_TOPIC, topic, name, NULL);
}

char *th_kafka_broker_config(const char *bootstrap, const char *broker, const char *name,
                             int *source)
{
    return tk_describe(bootstrap, RD_KAFKA_RESOURCE_BROKER, broker, name, source);
}

/* AlterConfigs of one resource. @return 0, or the resource's error with
 * its message in @p err. */
static int tk_alter(const char *bootstrap, rd_kafka_ResourceType_t type, const char *resname,
                    const char *name, const char *value, char *err, size_t errlen)
{
    tk_admin_t a;
    rd_kafka_ConfigResource_t *cr = rd_kafka_ConfigResource_new(type, resname);
    size_t n;
    int rc = 0;

    err[0] = '\0';
    rd_kafka_ConfigResource_set_config(cr, name, value);
    tk_admin_open(&a, bootstrap);
    rd_kafka_AlterConfigs(a.rk, &cr, 1, a.opts, a.q);
    if (tk_admin_wait(&a, err, errlen) == 0) {
        const rd_kafka_ConfigResource_t **res =
            rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(a.ev), &n);
        if (n != 1) {
            tk_err(err, errlen, "%zu resources, want 1", n);
        } else if ((rc = rd_kafka_ConfigResource_error(res[0])) != 0) {
            const char *msg = rd_kafka_ConfigResource_error_string(res[0]);
            tk_err(err, errlen, "%s: %s", rd_kafka_err2name(rc), msg ? msg : "");
        }
    }
    rd_kafka_ConfigResource_destroy(cr);
    tk_admin_close(&a);
    if (err[0] && !rc)
        fail_msg("alter config %s=%s of %s on %s: %s", name, value, resname, bootstrap, err);
    return rc;
}

void th_kafka_alter_topic_config(const char *bootstrap, const char *topic, const char *name,
                                 const char *value)
{
    char err[512];
    if (tk_alter(bootstrap, RD_KAFKA_RESOURCE_TOPIC, topic, name, value, err, sizeof(err)))
        fail_msg("alter config %s=%s of %s on %s: %s", name, value, topic, bootstrap, err);
}

int th_kafka_alter_broker_config(const char *bootstrap, const char *broker, const char *name,
                                 const char *value, char *err, size_t errlen)
{
    return tk_alter(bootstrap, RD_KAFKA_RESOURCE_BROKER, broker, name, value, err, errlen);
}

int th_kafka_group_members(const char *bootstrap, const char *group)
{
    char err[512] = "";
    tk_admin_t a;
    int members = -1;
    tk_admin_open(&a, bootstrap);
    rd_kafka_DescribeConsumerGroups(a.rk, &group, 1, a.opts, a.q);
    if (tk_admin_wait(&a, err, sizeof(err)) == 0) {
        size_t n;
        const rd_kafka_ConsumerGroupDescription_t **d =
            rd_kafka_DescribeConsumerGroups_result_groups(
                rd_kafka_event_DescribeConsumerGroups_result(a.ev), &n);
        const rd_kafka_error_t *e = n == 1 ? rd_kafka_ConsumerGroupDescription_error(d[0]) : NULL;
        if (n != 1)
            tk_err(err, sizeof(err), "%zu groups described, want 1", n);
        else if (e)
            tk_err(err, sizeof(err), "%s", rd_kafka_error_string(e));
        else
            members = (int)rd_kafka_ConsumerGroupDescription_member_count(d[0]);
    }
    tk_admin_close(&a);
    if (err[0])
        fail_msg("describe group %s on %s: %s", group, bootstrap, err);
    return members;
}

void th_kafka_commit(const char *bootstrap, const char *group, const char *topic,
                     const int64_t *offsets, int n)
{
    const char *const kv[] = {"group.id", group, "enable.auto.commit", "false", NULL};
    rd_kafka_t *rk = tk_client(RD_KAFKA_CONSUMER, bootstrap, kv);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n);
    for (int i = 0; i < n; i++)
        if (offsets[i] >= 0)
            rd_kafka_topic_partition_list_add(l, topic, i)->offset = offsets[i];
    rd_kafka_resp_err_t e = rd_kafka_commit(rk, l, 0);
    for (int i = 0; !e && i < l->cnt; i++)
        e = l->elems[i].err;
    rd_kafka_topic_partition_list_destroy(l);
    tk_client_free(rk);
    if (e)
        fail_msg("commit %s offsets of %s on %s: %s", group, topic, bootstrap,
                 rd_kafka_err2name(e));
}

/* --- offsets -------------------------------------------------------------- */

void th_kafka_end_offsets(const char *bootstrap, const char *topic, int64_t *out, int n)
{
    char err[512] = "";
    rd_kafka_t *rk = tk_client(RD_KAFKA_PRODUCER, bootstrap, NULL);

    for (int p = 0; p < n && !err[0]; p++) {
        int64_t lo, hi;
        rd_kafka_resp_err_t e =
            rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, th_ms(10000));
        if (e)
            tk_err(err, sizeof(err), "partition %d: %s", p, rd_kafka_err2name(e));
        out[p] = hi;
    }
    tk_client_free(rk);
    if (err[0])
        fail_msg("end offsets of %s on %s: %s", topic, bootstrap, err);
}

/* Both watermarks of @p topic / @p partition; fails the test naming @p what. */
static void tk_watermarks(const char *bootstrap, const char *topic, int32_t partition,
                          const char *what, int64_t *lo, int64_t *hi)
{
    char err[512] = "";
    rd_kafka_t *rk = tk_client(RD_KAFKA_PRODUCER, bootstrap, NULL);
    rd_kafka_resp_err_t e =
        rd_kafka_query_watermark_offsets(rk, topic, partition, lo, hi, th_ms(10000));

    if (e)
        tk_err(err, sizeof(err), "%s", rd_kafka_err2name(e));
    tk_client_free(rk);
    if (err[0])
        fail_msg("%s of %s/%d on %s: %s", what, topic, partition, bootstrap, err);
}

int64_t th_kafka_end_offset(const char *bootstrap, const char *topic, int32_t partition)
{
    int64_t lo = -1, hi = -1;
    tk_watermarks(bootstrap, topic, partition, "end offset", &lo, &hi);
    return hi;
}

int64_t th_kafka_log_start(const char *bootstrap, const char *topic, int32_t partition)
{
    int64_t lo = -1, hi = -1;
    tk_watermarks(bootstrap, topic, partition, "log start", &lo, &hi);
    return lo;
}

void th_kafka_delete_records(const char *bootstrap, const char *topic, int32_t partition,
                             int64_t before)
{
    char err[512] = "";
    tk_admin_t a;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_DeleteRecords_t *del;

    rd_kafka_topic_partition_list_add(l, topic, partition)->offset = before;
    del = rd_kafka_DeleteRecords_new(l);
    tk_admin_open(&a, bootstrap);
    rd_kafka_DeleteRecords(a.rk, &del, 1, a.opts, a.q);
    if (tk_admin_wait(&a, err, sizeof(err)) == 0) {
        const rd_kafka_topic_partition_list_t *res =
            rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(a.ev));
        if (!res || res->cnt != 1)
            tk_err(err, sizeof(err), "%d partition results, want 1", res ? res->cnt : 0);
        else if (res->elems[0].err)
            tk_err(err, sizeof(err), "%s", rd_kafka_err2name(res->elems[0].err));
        else if (res->elems[0].offset != before)
            tk_err(err, sizeof(err), "the log start is now %" PRId64 ", want %" PRId64,
                   res->elems[0].offset, before);
    }
    rd_kafka_DeleteRecords_destroy(del);
    rd_kafka_topic_partition_list_destroy(l);
    tk_admin_close(&a);
    if (err[0])
        fail_msg("delete records of %s/%d before %" PRId64 " on %s: %s", topic, partition, before,
                 bootstrap, err);
}

/* Copy the committed offsets of @p topic in the one group result of a
 * ListConsumerGroupOffsets answer into @p out (left -1 where none). */
static void tk_group_result(const rd_kafka_group_result_t **gr, size_t n, const char *topic,
                            int64_t *out, int nparts, char *err, size_t len)
{
    const rd_kafka_topic_partition_list_t *l;

    if (n != 1) {
        tk_err(err, len, "%zu group results, want 1", n);
        return;
    }
    if (rd_kafka_group_result_error(gr[0])) {
        tk_err(err, len, "%s", rd_kafka_error_string(rd_kafka_group_result_error(gr[0])));
        return;
    }
    l = rd_kafka_group_result_partitions(gr[0]);
    for (int i = 0; l && i < l->cnt; i++) {
        const rd_kafka_topic_partition_t *tp = &l->elems[i];
        if (strcmp(tp->topic, topic) != 0 || tp->partition < 0 || tp->partition >= nparts)
            continue;
        if (tp->err)
            tk_err(err, len, "partition %d: %s", tp->partition, rd_kafka_err2name(tp->err));
        out[tp->partition] = tp->offset >= 0 ? tp->offset : -1;
    }
}

void th_kafka_group_offsets(const char *bootstrap, const char *group, const char *topic,
                            int64_t *out, int n)
{
    char err[512] = "";
    tk_admin_t a;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n);
    rd_kafka_ListConsumerGroupOffsets_t *req;
    size_t ng = 0;

    for (int p = 0; p < n; p++) {
        out[p] = -1;
        rd_kafka_topic_partition_list_add(l, topic, p);
    }
    req = rd_kafka_ListConsumerGroupOffsets_new(group, l);
    tk_admin_open(&a, bootstrap);
    rd_kafka_ListConsumerGroupOffsets(a.rk, &req, 1, a.opts, a.q);
    if (tk_admin_wait(&a, err, sizeof(err)) == 0) {
        const rd_kafka_group_result_t **gr = rd_kafka_ListConsumerGroupOffsets_result_groups(
            rd_kafka_event_ListConsumerGroupOffsets_result(a.ev), &ng);
        tk_group_result(gr, ng, topic, out, n, err, sizeof(err));
    }
    rd_kafka_ListConsumerGroupOffsets_destroy(req);
    rd_kafka_topic_partition_list_destroy(l);
    tk_admin_close(&a);
    if (err[0])
        fail_msg("committed offsets of group %s for %s on %s: %s", group, topic, bootstrap, err);
}

/* --- producing ------------------------------------------------------------ */

char *th_kafka_value(const char *tag, long seq, size_t *len)
{
    uint64_t r = tk_mix((uint64_t)seq);
    size_t fill = 20 + (size_t)(r % 281), head;
    char *v = xasprintf("%s-%ld-", tag, seq);

    head = strlen(v);
    v = xrealloc(v, head + fill + 1);
    for (size_t i = 0; i < fill; i++) {
        if (i % 8 == 0)
            r = tk_mix(r);
        v[head + i] = (char)(' ' + (r >> (8 * (i % 8))) % 95); /* ' ' .. '~' */
    }
    v[head + fill] = '\0';
    *len = head + fill;
    return v;
}

void th_kafka_h2(long seq, uint8_t out[4])
{
    out[0] = 0x00;
    out[1] = 0xff;
    out[2] = (uint8_t)((unsigned long)seq >> 8);
    out[3] = (uint8_t)seq;
}

typedef struct tk_acks {
    long acked;
    long failed;
    char first[256]; /* first delivery error */
} tk_acks_t;

/* Delivery reports run inside rd_kafka_poll()/flush() on this thread. */
static void tk_on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    tk_acks_t *acks = opaque;
    (void)rk;
    if (!m->err) {
        acks->acked++;
        return;
    }
    acks->failed++;
    tk_err(acks->first, sizeof(acks->first), "partition %d: %s", m->partition,
           rd_kafka_err2name(m->err));
}

/* Flush until every queued record has a delivery report; give up when
 * none arrives for 30 s (scaled), however long the whole takes. */
static void tk_flush(rd_kafka_t *rk, tk_acks_t *acks, char *err, size_t len)
{
    long last = -1;
    int64_t idle_since = tk_now_ms();

    while (rd_kafka_outq_len(rk) > 0) {
        rd_kafka_flush(rk, 200);
        if (acks->acked + acks->failed != last) {
            last = acks->acked + acks->failed;
            idle_since = tk_now_ms();
        } else if (tk_now_ms() - idle_since > th_ms(30000)) {
            tk_err(err, len, "no delivery report for %d ms, %d still queued", th_ms(30000),
                   rd_kafka_outq_len(rk));
            return;
        }
    }
}

void th_kafka_produce(const char *bootstrap, const char *topic, int partitions, long first, long n,
                      const char *tag)
{
    th_kafka_produce_opts(bootstrap, topic, partitions, first, n, tag, NULL);
}

int th_kafka_produce_is_gap(const th_kafka_produce_opts_t *o, long seq)
{
    return o && o->gap_mod > 0 && seq % o->gap_mod == o->gap_rem;
}

/* Queue record @p seq (see th_kafka_produce()), waiting while the local
 * queue is full; when @p origin is set, with a third header "xdc.origin" =
 * @p origin.  @return 0 or a producev() error. */
static rd_kafka_resp_err_t tk_produce_marked(rd_kafka_t *rk, const char *topic, int partitions,
                                             long seq, const char *tag, const char *origin)
{
    char key[32], h1[32];
    uint8_t h2[4];
    size_t vlen;
    char *val = th_kafka_value(tag, seq, &vlen);
    rd_kafka_headers_t *h = rd_kafka_headers_new(3);
    rd_kafka_resp_err_t e;

    snprintf(key, sizeof(key), "k-%ld", seq);
    snprintf(h1, sizeof(h1), "%ld", seq);
    th_kafka_h2(seq, h2);
    rd_kafka_header_add(h, "h1", -1, h1, (ssize_t)strlen(h1));
    rd_kafka_header_add(h, "h2", -1, h2, (ssize_t)sizeof(h2));
    if (origin)
        rd_kafka_header_add(h, "xdc.origin", -1, origin, (ssize_t)strlen(origin));
    do {
        /* RD_KAFKA_V_HEADERS takes @p h only on success. */
        e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
                              RD_KAFKA_V_PARTITION((int32_t)(seq % partitions)),
                              RD_KAFKA_V_KEY(key, strlen(key)), RD_KAFKA_V_VALUE(val, vlen),
                              RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_TIMESTAMP(TH_KAFKA_TS_BASE + seq),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(rk, 50);
    } while (e == RD_KAFKA_RESP_ERR__QUEUE_FULL);
    if (e)
        rd_kafka_headers_destroy(h);
    free(val);
    rd_kafka_poll(rk, 0);
    return e;
}

void th_kafka_produce_opts(const char *bootstrap, const char *topic, int partitions, long first,
                           long n, const char *tag, const th_kafka_produce_opts_t *o)
{
    char err[512] = "", mto[32], fatal[256];
    const char *kv[64];
    int nkv = 0;
    tk_acks_t acks = {0};
    rd_kafka_t *rk;

    if (partitions < 1)
        fail_msg("th_kafka_produce_opts %s: %d partitions", topic, partitions);
    snprintf(mto, sizeof(mto), "%d", th_ms(60000));
    const char *const base[] = {"enable.idempotence", "true", "acks", "all", "linger.ms", "5",
                                "message.timeout.ms", mto,    NULL};
    for (int i = 0; base[i]; i++)
        kv[nkv++] = base[i];
    for (int i = 0; o && o->conf && o->conf[i]; i++) {
        if (nkv >= (int)(sizeof(kv) / sizeof(kv[0])) - 2)
            fail_msg("th_kafka_produce_opts %s: too many settings", topic);
        kv[nkv++] = o->conf[i];
    }
    kv[nkv] = NULL;
    if (nkv % 2)
        fail_msg("th_kafka_produce_opts %s: settings are not name, value pairs", topic);
    rk = tk_client_ex(RD_KAFKA_PRODUCER, bootstrap, kv, tk_on_delivery, &acks);

    for (long seq = first; seq < first + n && !err[0]; seq++) {
        const char *origin = th_kafka_produce_is_gap(o, seq) ? o->gap_origin : NULL;
        rd_kafka_resp_err_t e = tk_produce_marked(rk, topic, partitions, seq, tag, origin);
        if (e)
            tk_err(err, sizeof(err), "producev seq %ld: %s", seq, rd_kafka_err2name(e));
    }
    tk_flush(rk, &acks, err, sizeof(err));
    if (rd_kafka_fatal_error(rk, fatal, sizeof(fatal)))
        tk_err(err, sizeof(err), "fatal producer error: %s", fatal);
    if (acks.failed)
        tk_err(err, sizeof(err), "%ld records failed, first: %s", acks.failed, acks.first);
    if (acks.acked != n)
        tk_err(err, sizeof(err), "%ld of %ld records acknowledged", acks.acked, n);
    tk_client_free(rk);
    if (err[0])
        fail_msg("produce %ld records (seq %ld..) to %s on %s: %s", n, first, topic, bootstrap,
                 err);
}

/* --- record checks -------------------------------------------------------- */

const th_hdr_t *th_rec_header(const th_rec_t *r, const char *name)
{
    for (size_t i = 0; i < r->nhdrs; i++) {
        if (strcmp(r->hdrs[i].name, name) == 0)
            return &r->hdrs[i];
    }
    return NULL;
}

static bool tk_is_xdc(const th_hdr_t *h)
{
    return strncmp(h->name, "xdc.", 4) == 0;
}

/* Index of the @p k-th header of @p r not named "xdc.*", or r->nhdrs. */
static size_t tk_user_hdr(const th_rec_t *r, size_t k)
{
    for (size_t i = 0; i < r->nhdrs; i++) {
        if (!tk_is_xdc(&r->hdrs[i]) && k-- == 0)
            return i;
    }
    return r->nhdrs;
}

/* Compare two byte fields, a NULL pointer being a null field.
 * @return 0 when equal, else -1 with the difference in @p why. */
static int tk_bytes_diff(const char *what, const char *a, size_t alen, const char *b, size_t blen,
                         char *why, size_t len)
{
    size_t i = 0;

    if (!a != !b) {
        snprintf(why, len, "%s: %s vs %s", what, a ? "set" : "null", b ? "set" : "null");
        return -1;
    }
    if (!a)
        return 0;
    if (alen != blen) {
        snprintf(why, len, "%s: %zu vs %zu bytes", what, alen, blen);
        return -1;
    }
    if (alen && memcmp(a, b, alen) == 0)
        return 0;
    while (i < alen && a[i] == b[i])
        i++;
    if (i == alen)
        return 0;
    snprintf(why, len, "%s: differs at byte %zu of %zu", what, i, alen);
    return -1;
}

/* Compare the non-"xdc.*" headers of @p a and @p b: names, order, bytes. */
static int tk_hdrs_diff(const th_rec_t *a, const th_rec_t *b, char *why, size_t len)
{
    for (size_t k = 0;; k++) {
        size_t ia = tk_user_hdr(a, k), ib = tk_user_hdr(b, k);
        char what[96];
        if (ia == a->nhdrs && ib == b->nhdrs)
            return 0;
        if (ia == a->nhdrs || ib == b->nhdrs) {
            snprintf(why, len, "header #%zu: %s vs %s", k,
                     ia == a->nhdrs ? "(none)" : a->hdrs[ia].name,
                     ib == b->nhdrs ? "(none)" : b->hdrs[ib].name);
            return -1;
        }
        if (strcmp(a->hdrs[ia].name, b->hdrs[ib].name) != 0) {
            snprintf(why, len, "header #%zu: name %.40s vs %.40s", k, a->hdrs[ia].name,
                     b->hdrs[ib].name);
            return -1;
        }
        snprintf(what, sizeof(what), "header %.60s", a->hdrs[ia].name);
        if (tk_bytes_diff(what, a->hdrs[ia].value, a->hdrs[ia].value_len, b->hdrs[ib].value,
                          b->hdrs[ib].value_len, why, len) < 0)
            return -1;
    }
}

/* Compare everything a mirror must keep: key, value, non-xdc headers,
 * timestamp and its type. */
static int tk_rec_diff(const th_rec_t *a, const th_rec_t *b, char *why, size_t len)
{
    if (tk_bytes_diff("key", a->key, a->key_len, b->key, b->key_len, why, len) < 0 ||
        tk_bytes_diff("value", a->value, a->value_len, b->value, b->value_len, why, len) < 0 ||
        tk_hdrs_diff(a, b, why, len) < 0)
        return -1;
    if (a->timestamp != b->timestamp) {
        snprintf(why, len, "timestamp: %" PRId64 " vs %" PRId64, a->timestamp, b->timestamp);
        return -1;
    }
    if (a->tstype != b->tstype) {
        snprintf(why, len, "timestamp type: %d vs %d", a->tstype, b->tstype);
        return -1;
    }
    return 0;
}

int th_rec_check_produced(const th_rec_t *r, const char *tag, long seq, char *why, size_t len)
{
    char key[32], h1[32], buf[256];
    uint8_t h2[4];
    th_hdr_t hdrs[2] = {{"h1", h1, 0}, {"h2", (char *)h2, sizeof(h2)}};
    th_rec_t want = {.timestamp = TH_KAFKA_TS_BASE + seq,
                     .tstype = RD_KAFKA_TIMESTAMP_CREATE_TIME,
                     .key = key,
                     .hdrs = hdrs,
                     .nhdrs = 2};
    int rc;

    snprintf(key, sizeof(key), "k-%ld", seq);
    snprintf(h1, sizeof(h1), "%ld", seq);
    th_kafka_h2(seq, h2);
    want.key_len = strlen(key);
    hdrs[0].value_len = strlen(h1);
    want.value = th_kafka_value(tag, seq, &want.value_len);
    rc = tk_rec_diff(&want, r, buf, sizeof(buf));
    free(want.value);
    if (rc < 0 && why)
        snprintf(why, len, "%s/%d offset %" PRId64 " is not seq %ld of \"%s\": %s (want vs got)",
                 r->topic ? r->topic : "?", r->partition, r->offset, seq, tag, buf);
    return rc;
}

/* --- consuming ------------------------------------------------------------ */

static th_rec_t *tk_recs_push(th_recs_t *rs)
{
    if (rs->count == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 256;
        rs->v = xrealloc(rs->v, rs->cap * sizeof(*rs->v));
    }
    memset(&rs->v[rs->count], 0, sizeof(rs->v[0]));
    return &rs->v[rs->count++];
}

static void tk_rec_fill(th_rec_t *r, const rd_kafka_message_t *m)
{
    rd_kafka_timestamp_type_t tt;
    rd_kafka_headers_t *h;
    const char *name;
    const void *val;
    size_t vlen;

    r->topic = xstrdup(rd_kafka_topic_name(m->rkt));
    r->partition = m->partition;
    r->offset = m->offset;
    r->timestamp = rd_kafka_message_timestamp(m, &tt);
    r->tstype = (int)tt;
    r->key = tk_memdup(m->key, m->key_len);
    r->key_len = m->key ? m->key_len : 0;
    r->value = tk_memdup(m->payload, m->len);
    r->value_len = m->payload ? m->len : 0;
    if (rd_kafka_message_headers(m, &h) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return;
    r->hdrs = xcalloc(rd_kafka_header_cnt(h) + 1, sizeof(*r->hdrs));
    for (size_t i = 0; !rd_kafka_header_get_all(h, i, &name, &val, &vlen); i++) {
        r->hdrs[i].name = xstrdup(name);
        r->hdrs[i].value = tk_memdup(val, vlen);
        r->hdrs[i].value_len = val ? vlen : 0;
        r->nhdrs = i + 1;
    }
}

static int tk_rec_cmp(const void *a, const void *b)
{
    const th_rec_t *x = a, *y = b;
    if (x->partition != y->partition)
        return x->partition < y->partition ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Reading one topic whole: where each partition must get to. */
typedef struct tk_read {
    int nparts;
    int64_t *hw;   /* high watermark at the start */
    int64_t *next; /* next offset expected */
    int left;      /* partitions with next < hw */
    char last_err[256];
} tk_read_t;

/* Read the watermarks and assign every partition from the beginning. */
static void tk_read_start(rd_kafka_t *rk, const char *topic, tk_read_t *rd, char *err, size_t len)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(rd->nparts);
    rd_kafka_resp_err_t e;

    for (int p = 0; p < rd->nparts && !err[0]; p++) {
        int64_t lo = 0, hi = 0;
        e = rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, th_ms(10000));
        if (e)
            tk_err(err, len, "watermarks of partition %d: %s", p, rd_kafka_err2name(e));
        rd->hw[p] = hi;
        rd->next[p] = lo;
        rd->left += lo < hi;
        rd_kafka_topic_partition_list_add(l, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    if (!err[0] && (e = rd_kafka_assign(rk, l)) != RD_KAFKA_RESP_ERR_NO_ERROR)
        tk_err(err, len, "assign: %s", rd_kafka_err2name(e));
    rd_kafka_topic_partition_list_destroy(l);
}

/* Mark partition @p p as read up to @p next (exclusive). */
static void tk_read_advance(tk_read_t *rd, int32_t p, int64_t next)
{
    if (p < 0 || p >= rd->nparts || rd->next[p] >= rd->hw[p] || next <= rd->next[p])
        return;
    rd->next[p] = next;
    if (next >= rd->hw[p])
        rd->left--;
}

/* Handle one consumer event: keep a record below the start's high
 * watermark, note how far each partition got. */
static void tk_read_msg(tk_read_t *rd, const rd_kafka_message_t *m, th_recs_t *out)
{
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        /* The end of a partition also moves past trailing control records,
         * which are never delivered. */
        tk_read_advance(rd, m->partition, m->offset);
    } else if (m->err) {
        snprintf(rd->last_err, sizeof(rd->last_err), "%s", rd_kafka_message_errstr(m));
    } else if (m->partition >= 0 && m->partition < rd->nparts &&
               m->offset >= rd->next[m->partition] && m->offset < rd->hw[m->partition]) {
        /* Never twice: librdkafka may fetch a range again after an error. */
        tk_rec_fill(tk_recs_push(out), m);
        tk_read_advance(rd, m->partition, m->offset + 1);
    }
}

/* Describe the partitions still short of their target into @p err. */
static void tk_read_short(const tk_read_t *rd, int timeout_ms, char *err, size_t len)
{
    size_t n = (size_t)snprintf(err, len, "after %d ms:", timeout_ms);

    for (int p = 0; p < rd->nparts && n < len; p++) {
        if (rd->next[p] < rd->hw[p])
            n += (size_t)snprintf(err + n, len - n, " partition %d at %" PRId64 " of %" PRId64 ";",
                                  p, rd->next[p], rd->hw[p]);
    }
    if (n < len && rd->last_err[0])
        snprintf(err + n, len - n, " last error: %s", rd->last_err);
}

void th_kafka_consume_all(const char *bootstrap, const char *topic, th_recs_t *out, int timeout_ms)
{
    /* A group.id is needed for rd_kafka_assign(), but the consumer never
     * joins the group and never commits. */
    static const char *const kv[] = {"group.id",
                                     "xdc-th-consume-all",
                                     "enable.auto.commit",
                                     "false",
                                     "enable.auto.offset.store",
                                     "false",
                                     "enable.partition.eof",
                                     "true",
                                     "auto.offset.reset",
                                     "earliest",
                                     NULL};
    char err[512] = "";
    tk_read_t rd = {0};
    size_t start = out->count;
    rd_kafka_t *rk = tk_client(RD_KAFKA_CONSUMER, bootstrap, kv);
    int64_t deadline = tk_now_ms() + timeout_ms;

    rd.nparts = tk_partitions(rk, topic, err, sizeof(err));
    if (rd.nparts == 0)
        tk_err(err, sizeof(err), "topic does not exist");
    if (rd.nparts > 0) {
        rd.hw = xcalloc((size_t)rd.nparts, sizeof(*rd.hw));
        rd.next = xcalloc((size_t)rd.nparts, sizeof(*rd.next));
        tk_read_start(rk, topic, &rd, err, sizeof(err));
    }
    while (!err[0] && rd.left > 0) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (m) {
            tk_read_msg(&rd, m, out);
            rd_kafka_message_destroy(m);
        }
        if (rd.left > 0 && tk_now_ms() > deadline)
            tk_read_short(&rd, timeout_ms, err, sizeof(err));
    }
    tk_client_free(rk);
    free(rd.hw);
    free(rd.next);
    if (err[0])
        fail_msg("consume %s on %s: %s", topic, bootstrap, err);
    qsort(out->v + start, out->count - start, sizeof(*out->v), tk_rec_cmp);
}

void th_recs_free(th_recs_t *rs)
{
    if (!rs)
        return;
    for (size_t i = 0; i < rs->count; i++) {
        th_rec_t *r = &rs->v[i];
        for (size_t h = 0; h < r->nhdrs; h++) {
            free(r->hdrs[h].name);
            free(r->hdrs[h].value);
        }
        free(r->hdrs);
        free(r->topic);
        free(r->key);
        free(r->value);
    }
    free(rs->v);
    memset(rs, 0, sizeof(*rs));
}

void th_kafka_group_first(const char *bootstrap, const char *group, const char *topic, int nparts,
                          th_recs_t *out, int timeout_ms)
{
    /* auto.offset.reset=error: a partition without a committed offset, or
     * with one outside the log, is an error instead of a silent start at
     * either end. */
    const char *const kv[] = {"group.id",
                              group,
                              "enable.auto.commit",
                              "false",
                              "auto.offset.reset",
                              "error",
                              "enable.partition.eof",
                              "false",
                              NULL};
    char err[512] = "";
    size_t start = out->count;
    int left = nparts;
    bool *seen = xcalloc((size_t)nparts + 1, sizeof(*seen));
    rd_kafka_t *rk = tk_client(RD_KAFKA_CONSUMER, bootstrap, kv);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    int64_t deadline = tk_now_ms() + timeout_ms;
    rd_kafka_resp_err_t e;

    rd_kafka_topic_partition_list_add(l, topic, RD_KAFKA_PARTITION_UA);
    if ((e = rd_kafka_subscribe(rk, l)) != RD_KAFKA_RESP_ERR_NO_ERROR)
        tk_err(err, sizeof(err), "subscribe: %s", rd_kafka_err2name(e));
    rd_kafka_topic_partition_list_destroy(l);
    while (!err[0] && left > 0) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (m && m->err) {
            tk_err(err, sizeof(err), "partition %d: %s", m->partition, rd_kafka_message_errstr(m));
        } else if (m && m->partition >= 0 && m->partition < nparts && !seen[m->partition]) {
            seen[m->partition] = true;
            left--;
            tk_rec_fill(tk_recs_push(out), m);
        }
        if (m)
            rd_kafka_message_destroy(m);
        if (!err[0] && left > 0 && tk_now_ms() > deadline) {
            size_t n =
                (size_t)snprintf(err, sizeof(err), "after %d ms nothing read from", timeout_ms);
            for (int p = 0; p < nparts && n < sizeof(err); p++)
                if (!seen[p])
                    n += (size_t)snprintf(err + n, sizeof(err) - n, " partition %d", p);
        }
    }
    /* Leave the group now, so that its offsets can be altered at once. */
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    free(seen);
    if (err[0])
        fail_msg("group %s on %s reading %s: %s", group, bootstrap, topic, err);
    qsort(out->v + start, out->count - start, sizeof(*out->v), tk_rec_cmp);
}

/* --- mirror verification -------------------------------------------------- */

/* Record the first problem found. */
static void tk_problem(th_mirror_check_t *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void tk_problem(th_mirror_check_t *c, const char *fmt, ...)
{
    va_list ap;
    if (c->first_problem[0])
        return;
    va_start(ap, fmt);
    vsnprintf(c->first_problem, sizeof(c->first_problem), fmt, ap);
    va_end(ap);
}

/* The single header @p name of @p r as a C string in @p buf.
 * @return 0, or -1 with the reason in @p why. */
static int tk_one_header(const th_rec_t *r, const char *name, char *buf, size_t cap, char *why,
                         size_t len)
{
    const th_hdr_t *h = NULL;
    int n = 0;

    for (size_t i = 0; i < r->nhdrs; i++) {
        if (strcmp(r->hdrs[i].name, name) == 0 && n++ == 0)
            h = &r->hdrs[i];
    }
    if (n != 1) {
        snprintf(why, len, "%d %s headers, want 1", n, name);
        return -1;
    }
    if (!h->value || h->value_len >= cap || memchr(h->value, '\0', h->value_len)) {
        snprintf(why, len, "%s is null, too long or binary", name);
        return -1;
    }
    memcpy(buf, h->value, h->value_len);
    buf[h->value_len] = '\0';
    return 0;
}

/* Parse "<alias>:<partition>:<offset>" (the alias may hold ':').
 * @return 0, or -1. */
static int tk_parse_src(char *s, char **alias, int32_t *part, int64_t *off)
{
    char *c2 = strrchr(s, ':'), *c1, *end;
    long p;

    if (!c2 || c2 == s)
        return -1;
    *c2 = '\0';
    c1 = strrchr(s, ':');
    if (!c1)
        return -1;
    *c1 = '\0';
    errno = 0;
    p = strtol(c1 + 1, &end, 10);
    if (errno || end == c1 + 1 || *end || p < 0 || p > INT32_MAX)
        return -1;
    *off = strtoll(c2 + 1, &end, 10);
    if (errno || end == c2 + 1 || *end || *off < 0)
        return -1;
    *part = (int32_t)p;
    *alias = s;
    return 0;
}

/* One partition's records on both sides, as indexes into the arrays. */
typedef struct tk_side {
    const th_recs_t *rs;
    size_t *idx; /* sorted: src by offset, dst in array order */
    size_t n;
} tk_side_t;

typedef struct tk_cmp {
    const char *source_alias;
    const char *origin_alias;
    th_mirror_check_t *out;
} tk_cmp_t;

/* The position in @p src of the record at @p off, or -1. */
static long tk_find_offset(const tk_side_t *src, int64_t off)
{
    size_t lo = 0, hi = src->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t o = src->rs->v[src->idx[mid]].offset;
        if (o == off)
            return (long)mid;
        if (o < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Find the src record that the xdc.src header of @p d (a record of
 * partition d->partition) names.  @return its position in @p src, or -1
 * with the reason in @p why. */
static long tk_locate(const tk_cmp_t *c, const th_rec_t *d, const tk_side_t *src, char *why,
                      size_t len)
{
    char hv[256], *alias;
    int32_t part;
    int64_t off;
    long j;

    if (tk_one_header(d, "xdc.src", hv, sizeof(hv), why, len) < 0)
        return -1;
    if (tk_parse_src(hv, &alias, &part, &off) < 0) {
        snprintf(why, len, "xdc.src \"%.100s\" is not <alias>:<partition>:<offset>", hv);
        return -1;
    }
    if (strcmp(alias, c->source_alias) != 0 || part != d->partition) {
        snprintf(why, len, "xdc.src names %.100s:%d, want %.100s:%d", alias, part, c->source_alias,
                 d->partition);
        return -1;
    }
    j = tk_find_offset(src, off);
    if (j < 0)
        snprintf(why, len, "xdc.src names offset %" PRId64 ", not in the source", off);
    return j;
}

/* @return 0 when @p d has exactly one xdc.origin and it is the expected
 * alias, else -1 with the reason in @p why. */
static int tk_origin_diff(const tk_cmp_t *c, const th_rec_t *d, char *why, size_t len)
{
    char hv[256];

    if (tk_one_header(d, "xdc.origin", hv, sizeof(hv), why, len) < 0)
        return -1;
    if (strcmp(hv, c->origin_alias) != 0) {
        snprintf(why, len, "xdc.origin \"%.100s\", want \"%.100s\"", hv, c->origin_alias);
        return -1;
    }
    return 0;
}

/* Compare @p d with @p s, the src record its xdc.src names. */
static void tk_check_copy(const tk_cmp_t *c, const th_rec_t *s, const th_rec_t *d)
{
    char why[384] = "";

    if (tk_rec_diff(s, d, why, sizeof(why)) < 0)
        strncat(why, " (src vs dst)", sizeof(why) - strlen(why) - 1);
    else
        tk_origin_diff(c, d, why, sizeof(why));
    if (why[0]) {
        c->out->mismatched++;
        tk_problem(c->out, "partition %d: dst offset %" PRId64 " (src offset %" PRId64 "): %s",
                   d->partition, d->offset, s->offset, why);
    }
}

static void tk_compare_part(const tk_cmp_t *c, int32_t p, const tk_side_t *src,
                            const tk_side_t *dst)
{
    int64_t *seen_at = xmalloc((src->n + 1) * sizeof(*seen_at)); /* dst offset, or -1 */
    size_t next = 0; /* position in src of the record expected next */
    char why[384];

    for (size_t j = 0; j < src->n; j++)
        seen_at[j] = -1;
    for (size_t k = 0; k < dst->n; k++) {
        const th_rec_t *d = &dst->rs->v[dst->idx[k]];
        long j = tk_locate(c, d, src, why, sizeof(why));
        if (j < 0) {
            c->out->mismatched++;
            tk_problem(c->out, "partition %d: dst offset %" PRId64 ": %s", p, d->offset, why);
            continue;
        }
        const th_rec_t *s = &src->rs->v[src->idx[j]];
        if (seen_at[j] >= 0) {
            c->out->duplicates++;
            tk_problem(c->out,
                       "partition %d: dst offset %" PRId64 " duplicates src offset %" PRId64
                       " (first copied to dst offset %" PRId64 ")",
                       p, d->offset, s->offset, seen_at[j]);
            continue;
        }
        seen_at[j] = d->offset;
        if ((size_t)j < next) {
            c->out->mismatched++;
            tk_problem(c->out,
                       "partition %d: dst offset %" PRId64 " (src offset %" PRId64
                       ") comes after src offset %" PRId64 ": out of order",
                       p, d->offset, s->offset, src->rs->v[src->idx[next - 1]].offset);
            continue;
        }
        next = (size_t)j + 1;
        tk_check_copy(c, s, d);
    }
    for (size_t j = 0; j < src->n; j++) {
        if (seen_at[j] < 0) {
            c->out->missing++;
            tk_problem(c->out, "partition %d: src offset %" PRId64 " missing in dst", p,
                       src->rs->v[src->idx[j]].offset);
        }
    }
    free(seen_at);
}

/* qsort_r() comparators over indexes into a th_recs_t. */
static int tk_idx_by_offset(const void *a, const void *b, void *arg)
{
    const th_rec_t *v = ((const th_recs_t *)arg)->v;
    const th_rec_t *x = &v[*(const size_t *)a], *y = &v[*(const size_t *)b];
    int c = tk_rec_cmp(x, y);
    if (c)
        return c;
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static int tk_idx_by_partition(const void *a, const void *b, void *arg)
{
    const th_rec_t *v = ((const th_recs_t *)arg)->v;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    if (v[i].partition != v[j].partition)
        return v[i].partition < v[j].partition ? -1 : 1;
    return i < j ? -1 : i > j; /* keep array order within a partition */
}

static size_t *tk_index(const th_recs_t *rs, int (*cmp)(const void *, const void *, void *))
{
    size_t *idx = xmalloc((rs->count + 1) * sizeof(*idx));
    for (size_t i = 0; i < rs->count; i++)
        idx[i] = i;
    qsort_r(idx, rs->count, sizeof(*idx), cmp, (void *)rs);
    return idx;
}

/* Length of the run of records of partition @p p at @p idx[from]. */
static size_t tk_run(const th_recs_t *rs, const size_t *idx, size_t from, int32_t p)
{
    size_t n = 0;
    while (from + n < rs->count && rs->v[idx[from + n]].partition == p)
        n++;
    return n;
}

void th_recs_compare_mirrored(const th_recs_t *src, const th_recs_t *dst, const char *source_alias,
                              const char *origin_alias, th_mirror_check_t *out)
{
    tk_cmp_t c = {source_alias, origin_alias, out};
    size_t *si = tk_index(src, tk_idx_by_offset), *di = tk_index(dst, tk_idx_by_partition);
    size_t a = 0, b = 0;

    memset(out, 0, sizeof(*out));
    /* Walk both sides partition by partition, in partition order. */
    while (a < src->count || b < dst->count) {
        int32_t pa = a < src->count ? src->v[si[a]].partition : INT32_MAX;
        int32_t pb = b < dst->count ? dst->v[di[b]].partition : INT32_MAX;
        int32_t p = pa < pb ? pa : pb;
        tk_side_t s = {src, si + a, tk_run(src, si, a, p)};
        tk_side_t d = {dst, di + b, tk_run(dst, di, b, p)};
        tk_compare_part(&c, p, &s, &d);
        a += s.n;
        b += d.n;
    }
    free(si);
    free(di);
}

/* --- load and waiting ------------------------------------------------ */

int64_t th_kafka_end_sum(const char *bootstrap, const char *topic, int n)
{
    int64_t *ends = xcalloc((size_t)n, sizeof(*ends)), sum = 0;
    th_kafka_end_offsets(bootstrap, topic, ends, n);
    for (int i = 0; i < n; i++)
        sum += ends[i];
    free(ends);
    return sum;
}

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int th_kafka_wait_count(const char *bootstrap, const char *topic, int nparts, int64_t want,
                        int timeout_ms, int64_t *have)
{
    int64_t deadline = mono_ms() + timeout_ms, n = 0;
    for (;;) {
        if (th_kafka_partitions(bootstrap, topic) >= nparts) {
            n = th_kafka_end_sum(bootstrap, topic, nparts);
            if (n >= want)
                break;
        }
        if (mono_ms() > deadline)
            break;
        usleep(200 * 1000);
    }
    if (have)
        *have = n;
    return n >= want ? 0 : -ETIMEDOUT;
}

struct th_kafka_load {
    char bootstrap[256];
    char topic[256];
    int partitions;
    size_t value_len;
    int per_10ms;
    pthread_t thread;
    atomic_bool stop;
    atomic_long produced;
    char error[512]; /* set by the thread; read after the join */
};

static void *load_main(void *arg)
{
    th_kafka_load_t *l = arg;
    char why[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "bootstrap.servers", l->bootstrap, why, sizeof(why));
    rd_kafka_conf_set(c, "linger.ms", "10", why, sizeof(why));
    rd_kafka_conf_set(c, "enable.idempotence", "true", why, sizeof(why));
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, why, sizeof(why));
    if (!rk) {
        snprintf(l->error, sizeof(l->error), "load producer: %.400s", why);
        return NULL;
    }
    char *val = xmalloc(l->value_len);
    for (size_t i = 0; i < l->value_len; i++)
        val[i] = (char)('a' + i % 26);
    while (!atomic_load(&l->stop)) {
        for (int i = 0; i < l->per_10ms; i++) {
            long seq = atomic_load(&l->produced);
            char key[32];
            int klen = snprintf(key, sizeof(key), "k-%ld", seq);
            if (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(l->topic),
                                  RD_KAFKA_V_PARTITION((int32_t)(seq % l->partitions)),
                                  RD_KAFKA_V_KEY(key, (size_t)klen),
                                  RD_KAFKA_V_VALUE(val, l->value_len),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) == 0)
                atomic_fetch_add(&l->produced, 1);
        }
        rd_kafka_poll(rk, 10);
    }
    if (rd_kafka_flush(rk, th_ms(30000)) != RD_KAFKA_RESP_ERR_NO_ERROR)
        snprintf(l->error, sizeof(l->error), "load producer: records left unacknowledged");
    free(val);
    rd_kafka_destroy(rk);
    return NULL;
}

th_kafka_load_t *th_kafka_load_start(const char *bootstrap, const char *topic, int partitions,
                                     size_t value_len, int per_10ms)
{
    th_kafka_load_t *l = xcalloc(1, sizeof(*l));
    snprintf(l->bootstrap, sizeof(l->bootstrap), "%s", bootstrap);
    snprintf(l->topic, sizeof(l->topic), "%s", topic);
    l->partitions = partitions;
    l->value_len = value_len;
    l->per_10ms = per_10ms;
    atomic_init(&l->stop, false);
    atomic_init(&l->produced, 0);
    if (pthread_create(&l->thread, NULL, load_main, l) != 0) {
        free(l);
        fail_msg("cannot start the load thread");
    }
    return l;
}

long th_kafka_load_produced(th_kafka_load_t *l)
{
    return atomic_load(&l->produced);
}

long th_kafka_load_stop(th_kafka_load_t *l)
{
    atomic_store(&l->stop, true);
    pthread_join(l->thread, NULL);
    long n = atomic_load(&l->produced);
    char error[512];
    snprintf(error, sizeof(error), "%s", l->error);
    free(l);
    if (error[0])
        fail_msg("%s", error);
    return n;
}

struct th_kafka_member {
    rd_kafka_t *rk;
    pthread_t thread;
    atomic_bool stop;
    atomic_int assigned;
};

/* Poll until stopped: the member keeps its place in the group and reads
 * (and drops) whatever it is given. */
static void *member_main(void *arg)
{
    th_kafka_member_t *m = arg;
    while (!atomic_load(&m->stop)) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(m->rk, 100);
        rd_kafka_topic_partition_list_t *l = NULL;
        if (msg)
            rd_kafka_message_destroy(msg);
        if (rd_kafka_assignment(m->rk, &l) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            atomic_store(&m->assigned, l->cnt);
            rd_kafka_topic_partition_list_destroy(l);
        }
    }
    return NULL;
}

th_kafka_member_t *th_kafka_member_start(const char *bootstrap, const char *group,
                                         const char *topic)
{
    /* An application's consumer: never one of th_kafka_set_client_id()'s. */
    const char *const kv[] = {"group.id", group, "enable.auto.commit", "false", "client.id",
                              "rdkafka",  NULL};
    th_kafka_member_t *m = xcalloc(1, sizeof(*m));
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_resp_err_t e;

    m->rk = tk_client(RD_KAFKA_CONSUMER, bootstrap, kv);
    atomic_init(&m->stop, false);
    atomic_init(&m->assigned, 0);
    rd_kafka_topic_partition_list_add(l, topic, RD_KAFKA_PARTITION_UA);
    e = rd_kafka_subscribe(m->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e || pthread_create(&m->thread, NULL, member_main, m) != 0) {
        tk_client_free(m->rk);
        free(m);
        fail_msg("group %s on %s: cannot start a member: %s", group, bootstrap,
                 e ? rd_kafka_err2name(e) : "pthread_create failed");
    }
    return m;
}

int th_kafka_member_assigned(th_kafka_member_t *m)
{
    return atomic_load(&m->assigned);
}

void th_kafka_member_stop(th_kafka_member_t *m)
{
    if (!m)
        return;
    atomic_store(&m->stop, true);
    pthread_join(m->thread, NULL);
    rd_kafka_consumer_close(m->rk);
    rd_kafka_destroy(m->rk);
    free(m);
}
