/* xdc-broker's admin APIs driven by librdkafka's Admin API (CreateTopics,
 * DeleteTopics, CreatePartitions, DescribeConfigs, AlterConfigs), and by
 * raw requests built with the kwire writer for what librdkafka 2.0.2
 * cannot send: IncrementalAlterConfigs, DescribeCluster, duplicate names
 * in one CreateTopics. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "broker/broker.h"
#include "broker/kwire.h"
#include "common/buf.h"
#include "tests/lib/th_broker.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* Every test's broker: a static topic default (the file sets
 * log.retention.ms) and three partitions per new topic. */
#define STATIC_RETENTION "86400000"

static th_broker_t g_brk;

static const char *const g_overrides[] = {"num.partitions=3", "log.retention.ms=" STATIC_RETENTION,
                                          NULL};

static int setup(void **state)
{
    (void)state;
    th_broker_start(&g_brk, th_tmpdir(), g_overrides);
    return 0;
}

static int teardown(void **state)
{
    if (g_brk.proc)
        th_broker_stop(&g_brk, SIGTERM);
    return th_teardown(state);
}

/* --- librdkafka -------------------------------------------------------- */

static int g_delivered, g_failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err)
        g_failed++;
    else
        g_delivered++;
}

/* A producer handle, also used as the admin client.  @return owned. */
static rd_kafka_t *client(void)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", g_brk.bootstrap, err, sizeof(err));
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err));
    rd_kafka_conf_set(conf, "linger.ms", "0", err, sizeof(err));
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!rk)
        fail_msg("rd_kafka_new: %s", err);
    return rk;
}

static rd_kafka_AdminOptions_t *options(rd_kafka_t *rk, int validate_only)
{
    char err[256];
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_ANY);
    rd_kafka_AdminOptions_set_request_timeout(o, th_ms(10000), err, sizeof(err));
    if (validate_only && rd_kafka_AdminOptions_set_validate_only(o, 1, err, sizeof(err)) !=
                             RD_KAFKA_RESP_ERR_NO_ERROR)
        fail_msg("validate_only: %s", err);
    return o;
}

/* Wait for the result event on @p q.  @return owned event, request-level
 * errors already failed. */
static rd_kafka_event_t *wait_event(rd_kafka_queue_t *q)
{
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, th_ms(20000));
    if (!ev)
        fail_msg("no admin result");
    if (rd_kafka_event_error(ev))
        fail_msg("admin request failed: %s", rd_kafka_event_error_string(ev));
    return ev;
}

/* Copy a topic result out of @p ev.  @return its error code. */
static rd_kafka_resp_err_t topic_result(const rd_kafka_topic_result_t **tr, size_t n, char *msg,
                                        size_t len)
{
    assert_int_equal(n, 1);
    const char *s = rd_kafka_topic_result_error_string(tr[0]);
    snprintf(msg, len, "%s", s ? s : "");
    return rd_kafka_topic_result_error(tr[0]);
}

/* Create @p name with "key", "value" pairs @p cfg (NULL-terminated, may be
 * NULL) and, when @p replica >= 0, a one-partition manual assignment on
 * broker @p replica.  @return the topic's error, its message in @p msg. */
static rd_kafka_resp_err_t create_topic_ex(const char *name, int nparts, int rf,
                                           const char *const *cfg, int validate_only,
                                           int32_t replica, char *msg, size_t len)
{
    char err[256];
    rd_kafka_t *rk = client();
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(name, nparts, rf, err, sizeof(err));
    if (!nt)
        fail_msg("NewTopic %s: %s", name, err);
    for (int i = 0; cfg && cfg[i]; i += 2)
        rd_kafka_NewTopic_set_config(nt, cfg[i], cfg[i + 1]);
    if (replica >= 0 &&
        rd_kafka_NewTopic_set_replica_assignment(nt, 0, &replica, 1, err, sizeof(err)))
        fail_msg("replica assignment: %s", err);
    rd_kafka_AdminOptions_t *o = options(rk, validate_only);
    rd_kafka_CreateTopics(rk, &nt, 1, o, q);
    rd_kafka_event_t *ev = wait_event(q);
    size_t n;
    const rd_kafka_topic_result_t **tr =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    rd_kafka_resp_err_t e = topic_result(tr, n, msg, len);
    rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return e;
}

static rd_kafka_resp_err_t create_topic(const char *name, int nparts, int rf,
                                        const char *const *cfg, int validate_only, char *msg,
                                        size_t len)
{
    return create_topic_ex(name, nparts, rf, cfg, validate_only, -1, msg, len);
}

static void must_create(const char *name, int nparts, const char *const *cfg)
{
    char msg[512];
    rd_kafka_resp_err_t e = create_topic(name, nparts, 1, cfg, 0, msg, sizeof(msg));
    if (e)
        fail_msg("create %s: %s: %s", name, rd_kafka_err2name(e), msg);
}

static rd_kafka_resp_err_t delete_topic(const char *name)
{
    rd_kafka_t *rk = client();
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_DeleteTopic_t *dt = rd_kafka_DeleteTopic_new(name);
    rd_kafka_AdminOptions_t *o = options(rk, 0);
    rd_kafka_DeleteTopics(rk, &dt, 1, o, q);
    rd_kafka_event_t *ev = wait_event(q);
    size_t n;
    char msg[256];
    const rd_kafka_topic_result_t **tr =
        rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
    rd_kafka_resp_err_t e = topic_result(tr, n, msg, sizeof(msg));
    rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_DeleteTopic_destroy(dt);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return e;
}

static rd_kafka_resp_err_t create_partitions(const char *name, int total, int validate_only,
                                             char *msg, size_t len)
{
    char err[256];
    rd_kafka_t *rk = client();
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_NewPartitions_t *np =
        rd_kafka_NewPartitions_new(name, (size_t)total, err, sizeof(err));
    rd_kafka_AdminOptions_t *o = options(rk, validate_only);
    rd_kafka_CreatePartitions(rk, &np, 1, o, q);
    rd_kafka_event_t *ev = wait_event(q);
    size_t n;
    const rd_kafka_topic_result_t **tr =
        rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev), &n);
    rd_kafka_resp_err_t e = topic_result(tr, n, msg, len);
    rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_NewPartitions_destroy(np);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return e;
}

/* AlterConfigs (replace the whole override set) of topic @p name.
 * @return the resource's error. */
static rd_kafka_resp_err_t alter_topic(const char *name, const char *const *cfg, char *msg,
                                       size_t len)
{
    rd_kafka_t *rk = client();
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_ConfigResource_t *cr = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name);
    for (int i = 0; cfg && cfg[i]; i += 2)
        rd_kafka_ConfigResource_set_config(cr, cfg[i], cfg[i + 1]);
    rd_kafka_AdminOptions_t *o = options(rk, 0);
    rd_kafka_AlterConfigs(rk, &cr, 1, o, q);
    rd_kafka_event_t *ev = wait_event(q);
    size_t n;
    const rd_kafka_ConfigResource_t **res =
        rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev), &n);
    assert_int_equal(n, 1);
    rd_kafka_resp_err_t e = rd_kafka_ConfigResource_error(res[0]);
    const char *s = rd_kafka_ConfigResource_error_string(res[0]);
    snprintf(msg, len, "%s", s ? s : "");
    rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_ConfigResource_destroy(cr);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return e;
}

/* A DescribeConfigs answer kept for inspection. */
typedef struct described {
    rd_kafka_t *rk;
    rd_kafka_queue_t *q;
    rd_kafka_event_t *ev;
    const rd_kafka_ConfigResource_t *res;
} described_t;

static void describe(rd_kafka_ResourceType_t type, const char *name, described_t *d)
{
    d->rk = client();
    d->q = rd_kafka_queue_new(d->rk);
    rd_kafka_ConfigResource_t *cr = rd_kafka_ConfigResource_new(type, name);
    rd_kafka_AdminOptions_t *o = options(d->rk, 0);
    rd_kafka_DescribeConfigs(d->rk, &cr, 1, o, d->q);
    d->ev = wait_event(d->q);
    size_t n;
    const rd_kafka_ConfigResource_t **res =
        rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(d->ev), &n);
    assert_int_equal(n, 1);
    d->res = res[0];
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_ConfigResource_destroy(cr);
}

static void described_close(described_t *d)
{
    rd_kafka_event_destroy(d->ev);
    rd_kafka_queue_destroy(d->q);
    rd_kafka_destroy(d->rk);
}

static const rd_kafka_ConfigEntry_t *entry(const described_t *d, const char *name)
{
    size_t n;
    const rd_kafka_ConfigEntry_t **es = rd_kafka_ConfigResource_configs(d->res, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(rd_kafka_ConfigEntry_name(es[i]), name) == 0)
            return es[i];
    fail_msg("config %s not described", name);
    return NULL;
}

static void assert_entry(const described_t *d, const char *name, const char *value,
                         rd_kafka_ConfigSource_t source)
{
    const rd_kafka_ConfigEntry_t *e = entry(d, name);
    assert_string_equal(rd_kafka_ConfigEntry_value(e), value);
    assert_int_equal(rd_kafka_ConfigEntry_source(e), source);
}

/* @return the partition count Metadata reports for @p topic, or -1 when
 * the topic is not listed. Asks for all topics, which never auto-creates. */
static int metadata_partitions(const char *topic)
{
    rd_kafka_t *rk = client();
    const rd_kafka_metadata_t *md;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, th_ms(10000));
    if (e)
        fail_msg("metadata: %s", rd_kafka_err2name(e));
    int n = -1;
    for (int i = 0; i < md->topic_cnt; i++)
        if (strcmp(md->topics[i].topic, topic) == 0)
            n = md->topics[i].partition_cnt;
    rd_kafka_metadata_destroy(md);
    rd_kafka_destroy(rk);
    return n;
}

/* Produce @p n records of @p size bytes to @p topic / @p part, one batch
 * each.  @return records delivered. */
static int produce(const char *topic, int part, int n, size_t size)
{
    rd_kafka_t *rk = client();
    char *val = calloc(1, size + 1);
    memset(val, 'v', size);
    g_delivered = g_failed = 0;
    for (int i = 0; i < n; i++) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(part), RD_KAFKA_V_VALUE(val, size),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e)
            fail_msg("producev: %s", rd_kafka_err2str(e));
        rd_kafka_flush(rk, th_ms(10000));
    }
    free(val);
    rd_kafka_destroy(rk);
    assert_int_equal(g_failed, 0);
    return g_delivered;
}

static char *part_dir(const char *topic, int part)
{
    static char path[800];
    snprintf(path, sizeof(path), "%s/data/%s-%d", g_brk.dir, topic, part);
    return path;
}

static int count_files(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    if (!d)
        fail_msg("cannot open %s", dir);
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name), s = strlen(suffix);
        n += l > s && strcmp(de->d_name + l - s, suffix) == 0;
    }
    closedir(d);
    return n;
}

/* --- raw requests -------------------------------------------------------- */

/* A response, after its header. */
typedef struct raw_resp {
    uint8_t *data; /* owned */
    kwire_reader_t r;
} raw_resp_t;

static void read_full(int fd, void *p, size_t n)
{
    for (size_t got = 0; got < n;) {
        ssize_t k = read(fd, (uint8_t *)p + got, n - got);
        if (k <= 0)
            fail_msg("broker closed the connection or timed out");
        got += (size_t)k;
    }
}

static int connect_broker(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_brk.port)};
    struct timeval tv = {th_ms(10000) / 1000, 0};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        fail_msg("connect to %s failed", g_brk.bootstrap);
    return fd;
}

/* Send @p body as request @p key v@p ver (@p flex: header v2 and a
 * flexible response header) and read the answer. */
static void raw_call(int16_t key, int16_t ver, int flex, const buf_t *body, raw_resp_t *out)
{
    buf_t f = BUF_INIT;
    size_t slot = kwire_write_size_begin(&f);
    kwire_write_i16(&f, key);
    kwire_write_i16(&f, ver);
    kwire_write_i32(&f, 4242); /* CorrelationId */
    kwire_write_nullable_str(&f, kwire_cstr("admin-test"));
    if (flex)
        kwire_write_empty_tags(&f);
    buf_append(&f, body->data, body->len);
    kwire_write_size_end(&f, slot);
    int fd = connect_broker();
    assert_int_equal(write(fd, f.data, f.len), (ssize_t)f.len);
    buf_close(&f);
    uint8_t be[4];
    read_full(fd, be, 4);
    size_t size = (size_t)be[0] << 24 | (size_t)be[1] << 16 | (size_t)be[2] << 8 | be[3];
    out->data = malloc(size + 1);
    read_full(fd, out->data, size);
    close(fd);
    kwire_reader_init(&out->r, out->data, size);
    assert_int_equal(kwire_read_i32(&out->r), 4242);
    if (flex)
        kwire_skip_tags(&out->r);
}

/* Check the whole response was read, then free it. */
static void raw_done(raw_resp_t *resp)
{
    assert_int_equal(resp->r.err, 0);
    assert_int_equal(kwire_reader_left(&resp->r), 0);
    free(resp->data);
}

/* One IncrementalAlterConfigs operation. */
typedef struct inc_op {
    const char *name;
    int8_t op; /* 0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT */
    const char *value;
} inc_op_t;

/* IncrementalAlterConfigs v1 (flexible) on one resource.
 * @return its ErrorCode, the ErrorMessage in @p msg. */
static int16_t incremental_alter(int8_t type, const char *name, const inc_op_t *ops, int n,
                                 int validate_only, char *msg, size_t len)
{
    buf_t b = BUF_INIT;
    raw_resp_t resp;
    kwire_slice_t m, rname;
    kwire_write_count(&b, 1, 1);                 /* Resources */
    kwire_write_i8(&b, type);                    /* ResourceType */
    kwire_write_string(&b, 1, kwire_cstr(name)); /* ResourceName */
    kwire_write_count(&b, 1, n);                 /* Configs */
    for (int i = 0; i < n; i++) {
        kwire_write_string(&b, 1, kwire_cstr(ops[i].name));           /* Name */
        kwire_write_i8(&b, ops[i].op);                                /* ConfigOperation */
        kwire_write_nullable_string(&b, 1, kwire_cstr(ops[i].value)); /* Value */
        kwire_write_tags(&b, 1);
    }
    kwire_write_tags(&b, 1);
    kwire_write_bool(&b, validate_only); /* ValidateOnly */
    kwire_write_tags(&b, 1);
    raw_call(44, 1, 1, &b, &resp);
    buf_close(&b);
    kwire_read_i32(&resp.r);                           /* ThrottleTimeMs */
    assert_int_equal(kwire_read_count(&resp.r, 1), 1); /* Responses */
    int16_t err = kwire_read_i16(&resp.r);             /* ErrorCode */
    kwire_read_nullable_string(&resp.r, 1, &m);        /* ErrorMessage */
    assert_int_equal(kwire_read_i8(&resp.r), type);    /* ResourceType */
    kwire_read_string(&resp.r, 1, &rname);             /* ResourceName */
    assert_true(kwire_slice_eq(rname, name));
    kwire_read_tags(&resp.r, 1);
    kwire_read_tags(&resp.r, 1);
    snprintf(msg, len, "%.*s", m.len > 0 ? (int)m.len : 0, m.len > 0 ? (const char *)m.ptr : "");
    raw_done(&resp);
    return err;
}

/* Check an admin call's error code, showing the broker's message (in the
 * caller's `msg`) when it differs. */
#define assert_err(call, want)                                                                     \
    do {                                                                                           \
        int e_ = (int)(call);                                                                      \
        if (e_ != (int)(want))                                                                     \
            fail_msg("%s: error %d, want %d: %s", #call, e_, (int)(want), msg);                    \
    } while (0)

/* --- CreateTopics -------------------------------------------------------- */

static void test_admin_create_topic_with_configs(void **state)
{
    (void)state;
    static const char *const cfg[] = {"retention.ms", "3600000", "cleanup.policy", "compact", NULL};
    must_create("orders", 2, cfg);
    assert_int_equal(metadata_partitions("orders"), 2);
    assert_true(th_exists(part_dir("orders", 1)));
    described_t d;
    describe(RD_KAFKA_RESOURCE_TOPIC, "orders", &d);
    assert_entry(&d, "retention.ms", "3600000", RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);
    assert_entry(&d, "cleanup.policy", "compact", RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);
    described_close(&d);
    /* NumPartitions -1 takes num.partitions. */
    char msg[512];
    assert_int_equal(create_topic("defaults", -1, -1, NULL, 0, msg, sizeof(msg)), 0);
    assert_int_equal(metadata_partitions("defaults"), 3);
}

static void test_admin_create_validate_only_creates_nothing(void **state)
{
    (void)state;
    char msg[512];
    assert_int_equal(create_topic("dry", 4, 1, NULL, 1, msg, sizeof(msg)), 0);
    assert_int_equal(metadata_partitions("dry"), -1);
    assert_false(th_exists(part_dir("dry", 0)));
    /* Validation still runs. */
    static const char *const bad[] = {"segment.bytes", "1", NULL};
    assert_int_equal(create_topic("dry", 4, 1, bad, 1, msg, sizeof(msg)),
                     RD_KAFKA_RESP_ERR_INVALID_CONFIG);
}

static void test_admin_create_rejects_bad_config(void **state)
{
    (void)state;
    char msg[512];
    static const char *const bad_value[] = {"retention.ms", "soon", NULL};
    assert_int_equal(create_topic("badcfg", 1, 1, bad_value, 0, msg, sizeof(msg)),
                     RD_KAFKA_RESP_ERR_INVALID_CONFIG);
    assert_non_null(strstr(msg, "retention.ms"));
    static const char *const typo[] = {"retention.mss", "1000", NULL};
    assert_int_equal(create_topic("badcfg", 1, 1, typo, 0, msg, sizeof(msg)),
                     RD_KAFKA_RESP_ERR_INVALID_CONFIG);
    assert_non_null(strstr(msg, "retention.mss"));
    assert_non_null(strstr(msg, "did you mean 'retention.ms'"));
    assert_int_equal(metadata_partitions("badcfg"), -1);
}

static void test_admin_create_rejects_replication_factor_3(void **state)
{
    (void)state;
    char msg[512];
    assert_int_equal(create_topic("rf3", 1, 3, NULL, 0, msg, sizeof(msg)),
                     RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR);
    assert_non_null(strstr(msg, "single broker"));
    assert_non_null(strstr(msg, "node.id=1"));
    assert_int_equal(create_topic_ex("elsewhere", 1, -1, NULL, 0, 2, msg, sizeof(msg)),
                     RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT);
    assert_non_null(strstr(msg, "broker 2"));
    assert_int_equal(create_topic_ex("here", 1, -1, NULL, 0, 1, msg, sizeof(msg)), 0);
    assert_int_equal(metadata_partitions("here"), 1);
    assert_int_equal(metadata_partitions("rf3"), -1);
}

static void test_admin_create_rejects_bad_name_and_existing(void **state)
{
    (void)state;
    char msg[512];
    assert_int_equal(create_topic("bad name!", 1, 1, NULL, 0, msg, sizeof(msg)),
                     RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION);
    assert_non_null(strstr(msg, "illegal character"));
    must_create("twice", 1, NULL);
    assert_int_equal(create_topic("twice", 1, 1, NULL, 0, msg, sizeof(msg)),
                     RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS);
    /* '.' and '_' collide in Kafka's metric names. */
    must_create("a.b", 1, NULL);
    assert_int_equal(create_topic("a_b", 1, 1, NULL, 0, msg, sizeof(msg)),
                     RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION);
    assert_non_null(strstr(msg, "collides"));
}

/* librdkafka refuses duplicates before sending, so ask by hand:
 * CreateTopics v4 with "dup", "dup", "single". */
static void test_admin_create_duplicate_names_in_one_request(void **state)
{
    (void)state;
    static const char *const names[] = {"dup", "dup", "single"};
    buf_t b = BUF_INIT;
    raw_resp_t resp;
    kwire_write_array_len(&b, 3); /* Topics */
    for (int i = 0; i < 3; i++) {
        kwire_write_str(&b, kwire_cstr(names[i])); /* Name */
        kwire_write_i32(&b, 1);                    /* NumPartitions */
        kwire_write_i16(&b, 1);                    /* ReplicationFactor */
        kwire_write_array_len(&b, 0);              /* Assignments */
        kwire_write_array_len(&b, 0);              /* Configs */
    }
    kwire_write_i32(&b, 5000); /* timeoutMs */
    kwire_write_bool(&b, 0);   /* validateOnly */
    raw_call(19, 4, 0, &b, &resp);
    buf_close(&b);
    kwire_read_i32(&resp.r); /* ThrottleTimeMs */
    assert_int_equal(kwire_read_array_len(&resp.r), 3);
    for (int i = 0; i < 3; i++) {
        kwire_slice_t name, msg;
        kwire_read_str(&resp.r, &name);
        int16_t err = kwire_read_i16(&resp.r);
        kwire_read_nullable_str(&resp.r, &msg);
        assert_true(kwire_slice_eq(name, names[i]));
        assert_int_equal(err, i < 2 ? 42 : 0); /* INVALID_REQUEST */
        assert_int_equal(msg.len < 0, i == 2); /* a message for errors only */
    }
    raw_done(&resp);
    assert_int_equal(metadata_partitions("dup"), -1);
    assert_int_equal(metadata_partitions("single"), 1);
}

/* --- DescribeConfigs ----------------------------------------------------- */

static void test_admin_describe_topic_configs_with_sources(void **state)
{
    (void)state;
    static const char *const cfg[] = {"retention.ms", "1234567", NULL};
    must_create("described", 1, cfg);
    must_create("plain", 1, NULL);
    described_t d;
    describe(RD_KAFKA_RESOURCE_TOPIC, "described", &d);
    assert_int_equal(rd_kafka_ConfigResource_error(d.res), 0);
    size_t n;
    rd_kafka_ConfigResource_configs(d.res, &n);
    assert_int_equal(n, brk_topic_conf_table.count); /* every config, defaults too */
    assert_entry(&d, "retention.ms", "1234567", RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);
    assert_entry(&d, "segment.bytes", "1073741824", RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG);
    assert_entry(&d, "cleanup.policy", "delete", RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG);
    const rd_kafka_ConfigEntry_t *e = entry(&d, "retention.ms");
    assert_false(rd_kafka_ConfigEntry_is_read_only(e));
    assert_false(rd_kafka_ConfigEntry_is_sensitive(e));
    /* Synonyms in precedence order: the override, the broker file, the
     * built-in default. */
    size_t ns;
    const rd_kafka_ConfigEntry_t **syn = rd_kafka_ConfigEntry_synonyms(e, &ns);
    assert_int_equal(ns, 3);
    assert_string_equal(rd_kafka_ConfigEntry_name(syn[0]), "retention.ms");
    assert_int_equal(rd_kafka_ConfigEntry_source(syn[0]),
                     RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);
    assert_string_equal(rd_kafka_ConfigEntry_name(syn[1]), "log.retention.ms");
    assert_string_equal(rd_kafka_ConfigEntry_value(syn[1]), STATIC_RETENTION);
    assert_int_equal(rd_kafka_ConfigEntry_source(syn[1]),
                     RD_KAFKA_CONFIG_SOURCE_STATIC_BROKER_CONFIG);
    assert_string_equal(rd_kafka_ConfigEntry_value(syn[2]), "604800000");
    assert_int_equal(rd_kafka_ConfigEntry_source(syn[2]), RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG);
    described_close(&d);
    /* Without an override the broker file's value shows, as static. */
    describe(RD_KAFKA_RESOURCE_TOPIC, "plain", &d);
    assert_entry(&d, "retention.ms", STATIC_RETENTION, RD_KAFKA_CONFIG_SOURCE_STATIC_BROKER_CONFIG);
    assert_entry(&d, "max.message.bytes", "1048588", RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG);
    described_close(&d);
    describe(RD_KAFKA_RESOURCE_TOPIC, "missing", &d);
    assert_int_equal(rd_kafka_ConfigResource_error(d.res), RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
    described_close(&d);
}

static void test_admin_describe_broker_configs(void **state)
{
    (void)state;
    described_t d;
    describe(RD_KAFKA_RESOURCE_BROKER, "1", &d);
    assert_int_equal(rd_kafka_ConfigResource_error(d.res), 0);
    size_t n;
    rd_kafka_ConfigResource_configs(d.res, &n);
    assert_int_equal(n, brk_conf_table.count + 1); /* + xdc.fenced, the dynamic one */
    assert_entry(&d, "num.partitions", "3", RD_KAFKA_CONFIG_SOURCE_STATIC_BROKER_CONFIG);
    assert_entry(&d, "xdc.fenced", "false", RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG);
    assert_false(rd_kafka_ConfigEntry_is_read_only(entry(&d, "xdc.fenced")));
    assert_entry(&d, "log.retention.ms", STATIC_RETENTION,
                 RD_KAFKA_CONFIG_SOURCE_STATIC_BROKER_CONFIG);
    assert_entry(&d, "node.id", "1", RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG);
    assert_entry(&d, "delete.topic.enable", "true", RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG);
    assert_true(rd_kafka_ConfigEntry_is_read_only(entry(&d, "node.id")));
    described_close(&d);
}

/* DescribeConfigs v0 by hand: IsDefault, a broker id that is not ours,
 * and an unsupported resource type. */
static void test_admin_describe_configs_v0_and_bad_resources(void **state)
{
    (void)state;
    static const char *const cfg[] = {"segment.ms", "60000", NULL};
    must_create("v0topic", 1, cfg);
    buf_t b = BUF_INIT;
    raw_resp_t resp;
    kwire_write_array_len(&b, 3);               /* Resources */
    kwire_write_i8(&b, 2);                      /* ResourceType TOPIC */
    kwire_write_str(&b, kwire_cstr("v0topic")); /* ResourceName */
    kwire_write_array_len(&b, 2);               /* ConfigurationKeys */
    kwire_write_str(&b, kwire_cstr("segment.ms"));
    kwire_write_str(&b, kwire_cstr("segment.bytes"));
    kwire_write_i8(&b, 4); /* BROKER */
    kwire_write_str(&b, kwire_cstr("7"));
    kwire_write_array_len(&b, -1);
    kwire_write_i8(&b, 8); /* BROKER_LOGGER */
    kwire_write_str(&b, kwire_cstr("1"));
    kwire_write_array_len(&b, -1);
    raw_call(32, 0, 0, &b, &resp);
    buf_close(&b);
    kwire_read_i32(&resp.r); /* ThrottleTimeMs */
    assert_int_equal(kwire_read_array_len(&resp.r), 3);
    static const int16_t want_err[] = {0, 42, 42};
    for (int i = 0; i < 3; i++) {
        kwire_slice_t s;
        assert_int_equal(kwire_read_i16(&resp.r), want_err[i]); /* ErrorCode */
        kwire_read_nullable_str(&resp.r, &s);                   /* ErrorMessage */
        assert_int_equal(s.len < 0, i == 0);
        kwire_read_i8(&resp.r);                    /* ResourceType */
        kwire_read_str(&resp.r, &s);               /* ResourceName */
        int32_t n = kwire_read_array_len(&resp.r); /* Configs */
        assert_int_equal(n, i == 0 ? 2 : 0);
        for (int32_t j = 0; j < n; j++) {
            kwire_slice_t name, value;
            kwire_read_str(&resp.r, &name);
            kwire_read_nullable_str(&resp.r, &value);
            int read_only = kwire_read_bool(&resp.r);
            int is_default = kwire_read_bool(&resp.r);
            int sensitive = kwire_read_bool(&resp.r);
            assert_false(read_only);
            assert_false(sensitive);
            if (kwire_slice_eq(name, "segment.ms")) {
                assert_true(kwire_slice_eq(value, "60000"));
                assert_false(is_default);
            } else {
                assert_true(kwire_slice_eq(name, "segment.bytes"));
                assert_true(is_default);
            }
        }
    }
    raw_done(&resp);
}

/* --- AlterConfigs and IncrementalAlterConfigs ---------------------------- */

static void test_admin_alter_configs_persist_across_restart(void **state)
{
    (void)state;
    char msg[512];
    static const char *const cfg[] = {"retention.ms", "1234567", "segment.ms", "600000", NULL};
    must_create("altered", 1, cfg);
    /* AlterConfigs replaces the whole set: segment.ms goes back to its
     * default. A small segment.bytes must reach the store at once. */
    static const char *const alt[] = {"retention.ms", "7200000", "segment.bytes", "4096", NULL};
    assert_int_equal(alter_topic("altered", alt, msg, sizeof(msg)), 0);
    assert_int_equal(produce("altered", 0, 12, 1000), 12);
    assert_true(count_files(part_dir("altered", 0), ".log") >= 3);
    static const char *const bad[] = {"segment.bytes", "twelve", NULL};
    assert_int_equal(alter_topic("altered", bad, msg, sizeof(msg)),
                     RD_KAFKA_RESP_ERR_INVALID_CONFIG);
    assert_non_null(strstr(msg, "segment.bytes"));
    assert_int_equal(alter_topic("nope", alt, msg, sizeof(msg)),
                     RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);

    assert_int_equal(th_broker_stop(&g_brk, SIGTERM), 0);
    th_broker_restart(&g_brk);
    described_t d;
    describe(RD_KAFKA_RESOURCE_TOPIC, "altered", &d);
    assert_entry(&d, "retention.ms", "7200000", RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);
    assert_entry(&d, "segment.bytes", "4096", RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);
    assert_entry(&d, "segment.ms", "604800000", RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG);
    described_close(&d);
}

static void test_admin_incremental_alter_configs(void **state)
{
    (void)state;
    char msg[512];
    static const char *const cfg[] = {"retention.ms", "1234567", "segment.ms", "600000", NULL};
    must_create("inc", 1, cfg);
    const inc_op_t ops[] = {{"max.message.bytes", 0, "2000000"},
                            {"segment.ms", 1, NULL},
                            {"cleanup.policy", 2, "compact"}};
    assert_err(incremental_alter(2, "inc", ops, 3, 0, msg, sizeof(msg)), 0);
    /* validateOnly changes nothing; errors name the key. */
    const inc_op_t dry[] = {{"retention.ms", 0, "1"}};
    assert_err(incremental_alter(2, "inc", dry, 1, 1, msg, sizeof(msg)), 0);
    const inc_op_t append_long[] = {{"retention.ms", 2, "5"}};
    assert_err(incremental_alter(2, "inc", append_long, 1, 0, msg, sizeof(msg)), 40);
    assert_non_null(strstr(msg, "retention.ms"));
    const inc_op_t dup[] = {{"retention.ms", 0, "1"}, {"retention.ms", 1, NULL}};
    assert_err(incremental_alter(2, "inc", dup, 2, 0, msg, sizeof(msg)), 42);
    assert_err(incremental_alter(4, "1", ops, 1, 0, msg, sizeof(msg)), 42);
    assert_non_null(strstr(msg, "properties file"));
    assert_err(incremental_alter(2, "gone", ops, 1, 0, msg, sizeof(msg)), 3);

    described_t d;
    describe(RD_KAFKA_RESOURCE_TOPIC, "inc", &d);
    assert_entry(&d, "retention.ms", "1234567", RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);
    assert_entry(&d, "max.message.bytes", "2000000", RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);
    assert_entry(&d, "segment.ms", "604800000", RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG);
    assert_entry(&d, "cleanup.policy", "delete,compact",
                 RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);
    described_close(&d);
    const inc_op_t sub[] = {{"cleanup.policy", 3, "delete"}};
    assert_err(incremental_alter(2, "inc", sub, 1, 0, msg, sizeof(msg)), 0);
    describe(RD_KAFKA_RESOURCE_TOPIC, "inc", &d);
    assert_entry(&d, "cleanup.policy", "compact", RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);
    described_close(&d);
}

/* --- CreatePartitions ---------------------------------------------------- */

static void test_admin_create_partitions_3_to_5(void **state)
{
    (void)state;
    char msg[512];
    must_create("grow", 3, NULL);
    assert_int_equal(create_partitions("grow", 7, 1, msg, sizeof(msg)), 0);
    assert_int_equal(metadata_partitions("grow"), 3);
    assert_int_equal(create_partitions("grow", 5, 0, msg, sizeof(msg)), 0);
    assert_int_equal(metadata_partitions("grow"), 5);
    assert_int_equal(produce("grow", 4, 3, 100), 3);
    assert_int_equal(create_partitions("grow", 4, 0, msg, sizeof(msg)),
                     RD_KAFKA_RESP_ERR_INVALID_PARTITIONS);
    assert_non_null(strstr(msg, "increase"));
    assert_int_equal(create_partitions("nope", 4, 0, msg, sizeof(msg)),
                     RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
}

/* --- DeleteTopics -------------------------------------------------------- */

static void test_admin_delete_topic_removes_data(void **state)
{
    (void)state;
    must_create("doomed", 2, NULL);
    assert_int_equal(produce("doomed", 1, 5, 100), 5);
    assert_true(th_exists(part_dir("doomed", 1)));
    assert_int_equal(delete_topic("doomed"), 0);
    assert_int_equal(metadata_partitions("doomed"), -1);
    assert_false(th_exists(part_dir("doomed", 0)));
    assert_false(th_exists(part_dir("doomed", 1)));
    assert_int_equal(delete_topic("doomed"), RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
    /* Still gone after a restart, and the name can be used again. */
    assert_int_equal(th_broker_stop(&g_brk, SIGTERM), 0);
    th_broker_restart(&g_brk);
    assert_int_equal(metadata_partitions("doomed"), -1);
    must_create("doomed", 1, NULL);
    assert_int_equal(metadata_partitions("doomed"), 1);
}

static void test_admin_delete_consumer_offsets_refused(void **state)
{
    (void)state;
    assert_int_equal(delete_topic("__consumer_offsets"), RD_KAFKA_RESP_ERR_INVALID_REQUEST);
    assert_true(metadata_partitions("__consumer_offsets") > 0);
    assert_non_null(strstr(th_broker_log(&g_brk), "internal topic"));
}

static void test_admin_delete_disabled(void **state)
{
    (void)state;
    static const char *const ov[] = {"delete.topic.enable=false", NULL};
    th_broker_stop(&g_brk, SIGTERM);
    th_broker_start(&g_brk, th_tmpdir(), ov);
    must_create("kept", 1, NULL);
    assert_int_equal(delete_topic("kept"), RD_KAFKA_RESP_ERR_TOPIC_DELETION_DISABLED);
    assert_int_equal(metadata_partitions("kept"), 1);
}

/* --- DescribeCluster ------------------------------------------------------ */

static void describe_cluster(int16_t ver, int8_t endpoint_type, raw_resp_t *resp)
{
    buf_t b = BUF_INIT;
    kwire_write_bool(&b, 0); /* IncludeClusterAuthorizedOperations */
    if (ver >= 1)
        kwire_write_i8(&b, endpoint_type); /* EndpointType */
    kwire_write_tags(&b, 1);
    raw_call(60, ver, 1, &b, resp);
    buf_close(&b);
}

static void test_admin_describe_cluster(void **state)
{
    (void)state;
    rd_kafka_t *rk = client();
    char *cluster_id = rd_kafka_clusterid(rk, th_ms(10000));
    rd_kafka_destroy(rk);
    assert_non_null(cluster_id);
    for (int16_t ver = 0; ver <= 1; ver++) {
        raw_resp_t resp;
        kwire_slice_t s;
        describe_cluster(ver, 1, &resp);
        kwire_read_i32(&resp.r);                      /* ThrottleTimeMs */
        assert_int_equal(kwire_read_i16(&resp.r), 0); /* ErrorCode */
        kwire_read_compact_nullable_str(&resp.r, &s); /* ErrorMessage */
        assert_int_equal(s.len, -1);
        if (ver >= 1)
            assert_int_equal(kwire_read_i8(&resp.r), 1); /* EndpointType */
        kwire_read_compact_str(&resp.r, &s);             /* ClusterId */
        assert_true(kwire_slice_eq(s, cluster_id));
        assert_int_equal(kwire_read_i32(&resp.r), 1);               /* ControllerId */
        assert_int_equal(kwire_read_compact_array_len(&resp.r), 1); /* Brokers */
        assert_int_equal(kwire_read_i32(&resp.r), 1);               /* BrokerId */
        kwire_read_compact_str(&resp.r, &s);                        /* Host */
        assert_true(kwire_slice_eq(s, "127.0.0.1"));
        assert_int_equal(kwire_read_i32(&resp.r), g_brk.port); /* Port */
        kwire_read_compact_nullable_str(&resp.r, &s);          /* Rack */
        kwire_skip_tags(&resp.r);
        assert_int_equal(kwire_read_i32(&resp.r), INT32_MIN); /* ClusterAuthorizedOperations */
        kwire_skip_tags(&resp.r);
        raw_done(&resp);
    }
    free(cluster_id);
    /* A client looking for a controller endpoint is told this is a broker. */
    raw_resp_t resp;
    describe_cluster(1, 2, &resp);
    kwire_read_i32(&resp.r);
    assert_int_equal(kwire_read_i16(&resp.r), 114); /* MISMATCHED_ENDPOINT_TYPE */
    free(resp.data);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_admin_create_topic_with_configs),
        T(test_admin_create_validate_only_creates_nothing),
        T(test_admin_create_rejects_bad_config),
        T(test_admin_create_rejects_replication_factor_3),
        T(test_admin_create_rejects_bad_name_and_existing),
        T(test_admin_create_duplicate_names_in_one_request),
        T(test_admin_describe_topic_configs_with_sources),
        T(test_admin_describe_broker_configs),
        T(test_admin_describe_configs_v0_and_bad_resources),
        T(test_admin_alter_configs_persist_across_restart),
        T(test_admin_incremental_alter_configs),
        T(test_admin_create_partitions_3_to_5),
        T(test_admin_delete_topic_removes_data),
        T(test_admin_delete_consumer_offsets_refused),
        T(test_admin_delete_disabled),
        T(test_admin_describe_cluster),
    };
    return cmocka_run_group_tests_name("broker_admin", tests, NULL, NULL);
}
