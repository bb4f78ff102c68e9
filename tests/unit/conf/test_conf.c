/* Table-driven loading: defaults, types, bounds, unknown and required keys,
 * overrides, the real tables and the sample files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "broker/broker.h"
#include "common/err.h"
#include "failover/failover.h"
#include "mirror/mirror.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct t_conf {
    int32_t segment_bytes;
    int64_t retention_ms;
    bool auto_create;
    double ratio;
    char *name;
    char *password;
    conf_list_t topics;
    int policy;
    char *listener;
    conf_log_t log;
} t_conf_t;

#define F(x) offsetof(t_conf_t, x)
static const conf_item_t t_items[] = {
    {"log.segment.bytes", CONF_INT, F(segment_bytes), 14, INT32_MAX, "1073741824", "Segment size.",
     NULL, 0, NULL},
    {"log.retention.ms", CONF_LONG, F(retention_ms), -1, INT64_MAX, "604800000", "Retention.", NULL,
     0, NULL},
    {"auto.create.topics.enable", CONF_BOOL, F(auto_create), 0, 0, "true", "Auto-create.", NULL, 0,
     NULL},
    {"ratio", CONF_DOUBLE, F(ratio), 0, 1, "0.5", "A ratio.", NULL, 0, NULL},
    {"cluster.name", CONF_STRING, F(name), 0, 0, NULL, "Required name.", NULL, CONF_F_REQUIRED,
     NULL},
    {"sasl.password", CONF_STRING, F(password), 0, 0, "", "Secret.", NULL, CONF_F_SECRET, NULL},
    {"topics", CONF_LIST, F(topics), 0, 0, ".*", "Topics.", NULL, 0, NULL},
    {"replication.policy", CONF_ENUM, F(policy), 0, 0, "prefix", "Policy.", "prefix|identity", 0,
     NULL},
    {"listeners", CONF_STRING, F(listener), 0, 0, "PLAINTEXT://127.0.0.1:9092", "Listener.", NULL,
     0, conf_check_listener},
    CONF_LOG_ITEMS(t_conf_t, log),
};
static const conf_table_t t_table = {"test", "Test table.", t_items,
                                     sizeof(t_items) / sizeof(t_items[0])};

static t_conf_t c;
static char err[1024];

static int setup(void **state)
{
    (void)state;
    memset(&c, 0, sizeof(c));
    err[0] = '\0';
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    conf_free(&t_table, &c);
    return 0;
}

static int load(const char *text)
{
    return conf_load_string(text, "x.properties", &t_table, &c, err, sizeof(err));
}

static void test_conf_defaults_and_types(void **state)
{
    (void)state;
    assert_int_equal(load("cluster.name=east\n"), 0);
    assert_int_equal(c.segment_bytes, 1073741824);
    assert_int_equal(c.retention_ms, 604800000);
    assert_true(c.auto_create);
    assert_true(c.ratio == 0.5);
    assert_string_equal(c.name, "east");
    assert_string_equal(c.password, "");
    assert_int_equal(c.topics.count, 1);
    assert_string_equal(c.topics.items[0], ".*");
    assert_int_equal(c.policy, 0);
    assert_int_equal(c.log.level, 2); /* info */
}

static void test_conf_values_parsed_and_trimmed(void **state)
{
    (void)state;
    assert_int_equal(load("cluster.name = east  \nlog.segment.bytes=  1024\nlog.retention.ms=-1\n"
                          "auto.create.topics.enable=FALSE\nratio=0.25\ntopics= a , b,,c \n"
                          "replication.policy=Identity\nlog.level=debug\nlog.debug=wire, store\n"),
                     0);
    assert_int_equal(c.segment_bytes, 1024);
    assert_int_equal(c.retention_ms, -1);
    assert_false(c.auto_create);
    assert_true(c.ratio == 0.25);
    assert_string_equal(c.name, "east");
    assert_int_equal(c.topics.count, 3);
    assert_string_equal(c.topics.items[2], "c");
    assert_int_equal(c.policy, 1);
    assert_int_equal(c.log.level, 3);
}

static void test_conf_unknown_key_suggests_closest(void **state)
{
    (void)state;
    assert_int_equal(load("cluster.name=e\n\nlog.segmnt.bytes=1000\n"), XDC_ECONF);
    assert_string_equal(
        err, "x.properties:3: unknown key 'log.segmnt.bytes' (did you mean 'log.segment.bytes'?)");
}

static void test_conf_unknown_key_without_close_match(void **state)
{
    (void)state;
    assert_int_equal(load("zookeeper.connect=localhost:2181\n"), XDC_ECONF);
    assert_string_equal(err,
                        "x.properties:1: unknown key 'zookeeper.connect' (not a test setting)");
}

static void test_conf_bad_integer(void **state)
{
    (void)state;
    assert_int_equal(load("cluster.name=e\nlog.segment.bytes=12x\n"), XDC_ECONF);
    assert_string_equal(err, "x.properties:2: log.segment.bytes: '12x' is not an integer");
}

static void test_conf_out_of_range(void **state)
{
    (void)state;
    assert_int_equal(load("cluster.name=e\nlog.segment.bytes=1\n"), XDC_ECONF);
    assert_string_equal(err,
                        "x.properties:2: log.segment.bytes: 1 is out of range [14, 2147483647]");
    conf_free(&t_table, &c);
    assert_int_equal(load("log.segment.bytes=99999999999999999999\n"), XDC_ECONF);
    assert_non_null(strstr(err, "out of range"));
    conf_free(&t_table, &c);
    assert_int_equal(load("ratio=1.5\n"), XDC_ECONF);
    assert_string_equal(err, "x.properties:1: ratio: 1.5 is out of range [0, 1]");
}

static void test_conf_missing_required_key(void **state)
{
    (void)state;
    assert_int_equal(load("log.segment.bytes=1024\n"), XDC_ECONF);
    assert_string_equal(err, "x.properties: missing required key 'cluster.name'");
}

static void test_conf_bad_bool_and_enum(void **state)
{
    (void)state;
    assert_int_equal(load("cluster.name=e\nauto.create.topics.enable=yes\n"), XDC_ECONF);
    assert_string_equal(
        err, "x.properties:2: auto.create.topics.enable: 'yes' is not a boolean (true or false)");
    conf_free(&t_table, &c);
    assert_int_equal(load("cluster.name=e\nreplication.policy=mirror\n"), XDC_ECONF);
    assert_string_equal(
        err, "x.properties:2: replication.policy: 'mirror' is not one of prefix,identity");
    conf_free(&t_table, &c);
    assert_int_equal(load("log.level=loud\n"), XDC_ECONF);
    assert_string_equal(err,
                        "x.properties:1: log.level: 'loud' is not one of error,warn,info,debug");
}

static void test_conf_check_callback(void **state)
{
    (void)state;
    assert_int_equal(load("cluster.name=e\nlisteners=127.0.0.1:9092\n"), XDC_ECONF);
    assert_string_equal(err, "x.properties:2: listeners: '127.0.0.1:9092' is not a listener URL "
                             "(expected NAME://host:port)");
    conf_free(&t_table, &c);
    assert_int_equal(load("cluster.name=e\nlog.debug=wire,bogus\n"), XDC_ECONF);
    assert_non_null(strstr(err, "x.properties:2: log.debug: unknown debug context 'bogus'"));
}

static void test_conf_secret_value_not_echoed(void **state)
{
    (void)state;
    static const conf_item_t items[] = {
        {"ssl.key.password", CONF_INT, 0, 0, 10, "1", "Secret int.", NULL, CONF_F_SECRET, NULL},
    };
    static const conf_table_t t = {"s", "", items, 1};
    int32_t v = 0;
    assert_int_equal(
        conf_load_string("ssl.key.password=topsecret\n", "s.properties", &t, &v, err, sizeof(err)),
        XDC_ECONF);
    assert_null(strstr(err, "topsecret"));
    assert_string_equal(err, "s.properties:1: ssl.key.password: invalid value (secret, not shown)");
}

static void test_conf_later_entries_and_overrides_win(void **state)
{
    (void)state;
    const char *ov[] = {"log.segment.bytes=4096", "cluster.name=west"};
    char path[] = "/tmp/xdc-conf-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "cluster.name=east\nlog.segment.bytes=100\nlog.segment.bytes=200\n";
    assert_int_equal(write(fd, text, sizeof(text) - 1), (int)sizeof(text) - 1);
    close(fd);
    assert_int_equal(conf_load(path, &t_table, ov, 0, &c, err, sizeof(err)), 0);
    assert_int_equal(c.segment_bytes, 200);
    conf_free(&t_table, &c);
    assert_int_equal(conf_load(path, &t_table, ov, 2, &c, err, sizeof(err)), 0);
    assert_int_equal(c.segment_bytes, 4096);
    assert_string_equal(c.name, "west");
    conf_free(&t_table, &c);
    const char *bad[] = {"log.segment.bytes=0"};
    assert_int_equal(conf_load(path, &t_table, bad, 1, &c, err, sizeof(err)), XDC_ECONF);
    assert_string_equal(err, "--override: log.segment.bytes: 0 is out of range [14, 2147483647]");
    unlink(path);
}

static void test_conf_required_satisfied_by_override(void **state)
{
    (void)state;
    const char *ov[] = {"cluster.name=x"};
    assert_int_equal(conf_load(NULL, &t_table, ov, 1, &c, err, sizeof(err)), 0);
    conf_free(&t_table, &c);
    assert_int_equal(conf_load(NULL, &t_table, NULL, 0, &c, err, sizeof(err)), XDC_ECONF);
    assert_string_equal(err, "(no properties file): missing required key 'cluster.name'");
}

static void test_conf_closest(void **state)
{
    (void)state;
    assert_string_equal(conf_closest(&t_table, "listener"), "listeners");
    assert_string_equal(conf_closest(&t_table, "log.retention.msec"), "log.retention.ms");
    assert_null(conf_closest(&t_table, "x"));
    assert_int_equal(conf_edit_distance("kitten", "sitting"), 3);
    assert_int_equal(conf_edit_distance("", "abc"), 3);
}

static void test_conf_listener_parse(void **state)
{
    (void)state;
    conf_listener_t l;
    assert_int_equal(conf_listener_parse("PLAINTEXT://127.0.0.1:9092", &l, err, sizeof(err)), 0);
    assert_string_equal(l.scheme, "PLAINTEXT");
    assert_string_equal(l.host, "127.0.0.1");
    assert_int_equal(l.port, 9092);
    assert_int_equal(conf_listener_parse("http://[::1]:0", &l, err, sizeof(err)), 0);
    assert_string_equal(l.host, "::1");
    assert_int_equal(l.port, 0);
    assert_int_equal(conf_listener_parse("PLAINTEXT://:9093", &l, err, sizeof(err)), 0);
    assert_string_equal(l.host, "");
    assert_int_equal(conf_listener_parse("PLAINTEXT://h:70000", &l, err, sizeof(err)), XDC_ECONF);
    assert_int_equal(conf_listener_parse("PLAINTEXT://h:", &l, err, sizeof(err)), XDC_ECONF);
    assert_int_equal(conf_listener_parse("PLAINTEXT://h", &l, err, sizeof(err)), XDC_ECONF);
    assert_int_equal(conf_listener_parse("http://[::1:80", &l, err, sizeof(err)), XDC_ECONF);
}

/* Every real table must load from its defaults alone (daemons run with no
 * file) and from its sample file, and document every key. */
typedef union {
    brk_conf_t b;
    mir_conf_t m;
    fo_conf_t f;
} any_conf_t;

static void check_table(const conf_table_t *t, const char *sample)
{
    any_conf_t a;
    memset(&a, 0, sizeof(a));
    assert_int_equal(conf_load(NULL, t, NULL, 0, &a, err, sizeof(err)), 0);
    conf_free(t, &a);
    char path[512];
    const char *src = getenv("XDC_SRC_DIR");
    snprintf(path, sizeof(path), "%s/conf/%s", src ? src : ".", sample);
    memset(&a, 0, sizeof(a));
    if (conf_load(path, t, NULL, 0, &a, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    conf_free(t, &a);
    for (size_t i = 0; i < t->count; i++) {
        assert_non_null(t->items[i].doc);
        assert_true(strlen(t->items[i].doc) > 10);
    }
}

static void test_conf_real_tables_load(void **state)
{
    (void)state;
    check_table(&brk_conf_table, "broker.properties");
    /* The failover file also holds the sites, read by the mirror's loader. */
    char path[1024], why[512];
    const char *src = getenv("XDC_SRC_DIR");
    snprintf(path, sizeof(path), "%s/conf/failover.properties", src ? src : ".");
    fo_conf_t fc;
    memset(&fc, 0, sizeof(fc));
    int rc = fo_conf_load(path, NULL, 0, &fc, why, sizeof(why));
    fo_conf_free(&fc);
    if (rc != 0)
        fail_msg("%s", why);
}

static void test_conf_doc_lists_every_key(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    conf_doc_markdown(&t_table, f);
    fclose(f);
    for (size_t i = 0; i < t_table.count; i++) {
        char cell[128];
        snprintf(cell, sizeof(cell), "| `%s` |", t_items[i].name);
        assert_non_null(strstr(text, cell));
    }
    assert_non_null(strstr(text, "*required*"));
    assert_non_null(strstr(text, "[14, 2147483647]"));
    free(text);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_conf_defaults_and_types),
        T(test_conf_values_parsed_and_trimmed),
        T(test_conf_unknown_key_suggests_closest),
        T(test_conf_unknown_key_without_close_match),
        T(test_conf_bad_integer),
        T(test_conf_out_of_range),
        T(test_conf_missing_required_key),
        T(test_conf_bad_bool_and_enum),
        T(test_conf_check_callback),
        T(test_conf_secret_value_not_echoed),
        T(test_conf_later_entries_and_overrides_win),
        T(test_conf_required_satisfied_by_override),
        T(test_conf_closest),
        T(test_conf_listener_parse),
        T(test_conf_real_tables_load),
        T(test_conf_doc_lists_every_key),
    };
    return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
