/* Loading MirrorMaker 2's mm2.properties: flow resolution, cluster keys
 * checked by librdkafka, Java client names, warnings for what xdc ignores,
 * errors for malformed values, and the sample file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/err.h"
#include "mirror/mirror.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static mir_conf_t c;
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
    mir_conf_free(&c);
    return 0;
}

static int load(const char *text)
{
    mir_conf_free(&c);
    memset(&c, 0, sizeof(c));
    err[0] = '\0';
    return mir_conf_load_string(text, "mm2.properties", &c, err, sizeof(err));
}

static void load_ok(const char *text)
{
    if (load(text) != 0)
        fail_msg("load failed: %s", err);
}

static const char *prop(const mir_props_t *p, const char *key)
{
    for (size_t i = 0; i < p->count; i++)
        if (strcmp(p->v[i].key, key) == 0)
            return p->v[i].value;
    return NULL;
}

/* @return the index of the first warning containing @p needle, or -1. */
static int warning_with(const char *needle)
{
    for (size_t i = 0; i < c.nwarnings; i++)
        if (strstr(c.warnings[i], needle))
            return (int)i;
    return -1;
}

static void assert_no_text_anywhere(const char *secret)
{
    for (size_t i = 0; i < c.nwarnings; i++)
        if (strstr(c.warnings[i], secret))
            fail_msg("secret in warning: %s", c.warnings[i]);
    assert_null(strstr(err, secret));
}

static void dump_warnings(void)
{
    for (size_t i = 0; i < c.nwarnings; i++)
        print_message("warning %zu: %s\n", i, c.warnings[i]);
}

#define TWO "clusters = a, b\na.bootstrap.servers = a1:9092\nb.bootstrap.servers = b1:9092\n"

/* A MirrorMaker 2 one-way DR file as operators write them. */
static const char mm2_one_way[] =
    "# MirrorMaker 2: primary -> backup\n"           /* 1 */
    "clusters = primary, backup\n"                   /* 2 */
    "primary.bootstrap.servers = p1:9092, p2:9092\n" /* 3 */
    "backup.bootstrap.servers = b1:9092\n"           /* 4 */
    "primary.security.protocol = SASL_SSL\n"         /* 5 */
    "primary.sasl.mechanism = SCRAM-SHA-512\n"       /* 6 */
    "primary.sasl.jaas.config = org.apache.kafka.common.security.scram.ScramLoginModule "
    "required username=\"mm2\" password=\"s3cr3t-pw\";\n"                        /* 7 */
    "primary->backup.enabled = true\n"                                           /* 8 */
    "primary->backup.topics = orders.*, payments\n"                              /* 9 */
    "primary->backup.emit.checkpoints.interval.seconds = 10\n"                   /* 10 */
    "backup->primary.enabled = false\n"                                          /* 11 */
    "tasks.max = 4\n"                                                            /* 12 */
    "replication.factor = 3\n"                                                   /* 13 */
    "checkpoints.topic.replication.factor = 1\n"                                 /* 14 */
    "heartbeats.topic.replication.factor = 1\n"                                  /* 15 */
    "offset-syncs.topic.replication.factor = 1\n"                                /* 16 */
    "sync.group.offsets.enabled = true\n"                                        /* 17 */
    "key.converter = org.apache.kafka.connect.converters.ByteArrayConverter\n"   /* 18 */
    "value.converter = org.apache.kafka.connect.converters.ByteArrayConverter\n" /* 19 */
    "refresh.topics.interval.seconds = 30\n"                                     /* 20 */
    "backup.producer.compression.type = zstd\n"                                  /* 21 */
    "primary.consumer.auto.offset.reset = earliest\n";                           /* 22 */

static void test_mir_conf_mm2_one_way_file(void **state)
{
    (void)state;
    load_ok(mm2_one_way);
    assert_int_equal(c.nclusters, 2);
    assert_string_equal(c.clusters_v[0].alias, "primary");
    assert_string_equal(c.clusters_v[0].bootstrap_servers, "p1:9092, p2:9092");
    assert_string_equal(c.clusters_v[1].bootstrap_servers, "b1:9092");
    assert_int_equal(c.nflows, 1);
    const mir_flow_conf_t *f = &c.flows[0];
    assert_int_equal(f->source, 0);
    assert_int_equal(f->target, 1);
    assert_true(f->enabled);
    assert_int_equal(f->topics.count, 2);
    assert_string_equal(f->topics.items[0], "orders.*");
    assert_string_equal(f->topics.items[1], "payments");
    assert_int_equal(f->emit_checkpoints_interval_s, 10);
    assert_int_equal(f->replication_factor, 3);
    assert_int_equal(f->checkpoints_rf, 1);
    assert_int_equal(f->heartbeats_rf, 1);
    assert_int_equal(f->offset_syncs_rf, 1);
    assert_true(f->sync_group_offsets_enabled);
    assert_int_equal(f->refresh_topics_interval_s, 30);
    assert_int_equal(f->policy, MIR_POLICY_DEFAULT);
    /* Java's JAAS line became librdkafka's username and password. */
    const mir_props_t *pc = &c.clusters_v[0].common;
    assert_string_equal(prop(pc, "security.protocol"), "SASL_SSL");
    assert_string_equal(prop(pc, "sasl.mechanism"), "SCRAM-SHA-512");
    assert_string_equal(prop(pc, "sasl.username"), "mm2");
    assert_string_equal(prop(pc, "sasl.password"), "s3cr3t-pw");
    assert_null(prop(pc, "sasl.jaas.config"));
    assert_string_equal(prop(&c.clusters_v[0].consumer, "auto.offset.reset"), "earliest");
    assert_string_equal(prop(&c.clusters_v[1].producer, "compression.type"), "zstd");
    assert_int_equal(c.clusters_v[1].common.count, 0);
    /* One warning per ignored key, in file order. */
    if (c.nwarnings != 3)
        dump_warnings();
    assert_int_equal(c.nwarnings, 3);
    assert_string_equal(c.warnings[0],
                        "mm2.properties:12: 'tasks.max' is a MirrorMaker 2 setting xdc does not "
                        "implement: ignored (xdc scales out by running more xdc-mirror processes "
                        "with the same file)");
    assert_string_equal(c.warnings[1],
                        "mm2.properties:18: 'key.converter' is a MirrorMaker 2 setting xdc does "
                        "not implement: ignored (xdc copies keys, values and headers as bytes)");
    assert_non_null(strstr(c.warnings[2], "mm2.properties:19: 'value.converter'"));
    assert_no_text_anywhere("s3cr3t");
}

static void test_mir_conf_defaults(void **state)
{
    (void)state;
    load_ok(TWO "a->b.enabled = true\n");
    assert_int_equal(c.nwarnings, 0);
    assert_int_equal(c.nflows, 1);
    const mir_flow_conf_t *f = &c.flows[0];
    assert_int_equal(f->topics.count, 1);
    assert_string_equal(f->topics.items[0], ".*");
    assert_int_equal(f->topics_exclude.count, 3);
    assert_string_equal(f->topics_exclude.items[0], ".*[\\-\\.]internal");
    assert_string_equal(f->topics_exclude.items[2], "__.*");
    assert_int_equal(f->groups_exclude.count, 3);
    assert_string_equal(f->groups_exclude.items[0], "console-consumer-.*");
    assert_string_equal(f->replication_policy_class,
                        "org.apache.kafka.connect.mirror.DefaultReplicationPolicy");
    assert_int_equal(f->policy, MIR_POLICY_DEFAULT);
    assert_string_equal(f->separator, ".");
    assert_int_equal(f->replication_factor, -1);
    assert_true(f->sync_topic_configs_enabled);
    assert_int_equal(f->sync_topic_configs_interval_s, 60);
    assert_int_equal(f->config_properties_exclude.count, 6);
    assert_string_equal(f->config_properties_exclude.items[5], "min\\.insync\\.replicas");
    assert_int_equal(f->refresh_topics_interval_s, 5);
    assert_int_equal(f->refresh_groups_interval_s, 5);
    assert_true(f->emit_heartbeats_enabled);
    assert_int_equal(f->emit_heartbeats_interval_s, 1);
    assert_int_equal(f->heartbeats_rf, -1);
    assert_true(f->emit_checkpoints_enabled);
    assert_int_equal(f->emit_checkpoints_interval_s, 5);
    assert_int_equal(f->checkpoints_rf, -1);
    assert_false(f->sync_group_offsets_enabled);
    assert_int_equal(f->sync_group_offsets_interval_s, 5);
    assert_true(f->emit_offset_syncs_enabled);
    assert_int_equal(f->offset_syncs_location, MIR_SYNCS_SOURCE);
    assert_int_equal(f->offset_syncs_rf, -1);
    assert_int_equal(f->offset_lag_max, 100);
    assert_int_equal(f->buffer_memory, 67108864);
    assert_int_equal(f->offset_flush_interval_ms, 1000);
    assert_string_equal(f->group_id, "");
    assert_string_equal(c.http_listeners, "http://127.0.0.1:8083");
}

static void test_mir_conf_resolution_flow_beats_global_beats_default(void **state)
{
    (void)state;
    load_ok("clusters = a, b, c\n"
            "a.bootstrap.servers = a1:9092\nb.bootstrap.servers = b1:9092\n"
            "c.bootstrap.servers = c1:9092\n"
            "a->b.offset.lag.max = 7\n" /* the flow's key wins even before the global one */
            "enabled = true\n"          /* every flow ... */
            "b->a.enabled = false\n"    /* ... but this one */
            "offset.lag.max = 50\n"
            "c->b.group.id = dr-copy\n");
    assert_int_equal(c.nflows, 5);
    /* Clusters order: source major, target minor. */
    const int want[5][2] = {{0, 1}, {0, 2}, {1, 2}, {2, 0}, {2, 1}};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(c.flows[i].source, want[i][0]);
        assert_int_equal(c.flows[i].target, want[i][1]);
    }
    assert_int_equal(c.flows[0].offset_lag_max, 7);       /* flow */
    assert_int_equal(c.flows[1].offset_lag_max, 50);      /* global */
    assert_int_equal(c.flows[0].buffer_memory, 67108864); /* default */
    assert_string_equal(c.flows[4].group_id, "dr-copy");
    assert_string_equal(c.flows[3].group_id, "");
}

static void test_mir_conf_later_lines_and_overrides_win(void **state)
{
    (void)state;
    char path[] = "/tmp/xdc-mir-conf-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = TWO "a->b.enabled = true\n"
                            "a->b.offset.lag.max = 5\na->b.offset.lag.max = 6\n"
                            "emit.heartbeats.interval.seconds = 2\n";
    assert_int_equal(write(fd, text, sizeof(text) - 1), (int)sizeof(text) - 1);
    close(fd);
    assert_int_equal(mir_conf_load(path, NULL, 0, &c, err, sizeof(err)), 0);
    assert_int_equal(c.flows[0].offset_lag_max, 6);
    mir_conf_free(&c);
    /* A global override does not beat the flow's own key; a flow override does. */
    const char *ov[] = {"offset.lag.max=1", "emit.heartbeats.interval.seconds=3",
                        "a->b.offset.lag.max=9"};
    assert_int_equal(mir_conf_load(path, ov, 1, &c, err, sizeof(err)), 0);
    assert_int_equal(c.flows[0].offset_lag_max, 6);
    mir_conf_free(&c);
    assert_int_equal(mir_conf_load(path, ov, 3, &c, err, sizeof(err)), 0);
    assert_int_equal(c.flows[0].offset_lag_max, 9);
    assert_int_equal(c.flows[0].emit_heartbeats_interval_s, 3);
    mir_conf_free(&c);
    const char *bad[] = {"a->b.offset.lag.max=0"};
    assert_int_equal(mir_conf_load(path, bad, 1, &c, err, sizeof(err)), XDC_ECONF);
    assert_string_equal(err, "--override: a->b.offset.lag.max: 0 is out of range [1, "
                             "9223372036854775807]");
    mir_conf_free(&c);
    const char *off[] = {"a->b.enabled=false", "tasks.max=2"};
    assert_int_equal(mir_conf_load(path, off, 2, &c, err, sizeof(err)), 0);
    assert_int_equal(c.nflows, 0);
    assert_true(warning_with("--override: 'tasks.max' is a MirrorMaker 2 setting") >= 0);
    unlink(path);
}

static void test_mir_conf_missing_bootstrap(void **state)
{
    (void)state;
    assert_int_equal(load("clusters = a, b\na.bootstrap.servers = a1:9092\na->b.enabled = true\n"),
                     XDC_ECONF);
    assert_string_equal(err, "mm2.properties: missing required key 'b.bootstrap.servers' (b is "
                             "the target of the enabled flow a->b)");
    assert_int_equal(load("clusters = a, b\na.bootstrap.servers =\nb.bootstrap.servers = b:1\n"
                          "a->b.enabled = true\n"),
                     XDC_ECONF);
    assert_string_equal(err, "mm2.properties:2: a.bootstrap.servers: may not be empty (a is the "
                             "source of a->b)");
    /* Only clusters of enabled flows need one. */
    load_ok("clusters = a, b, c\na.bootstrap.servers = a1:9092\nb.bootstrap.servers = b:1\n"
            "a->b.enabled = true\n");
    assert_int_equal(c.nwarnings, 0);
    assert_string_equal(c.clusters_v[2].bootstrap_servers, "");
}

static void test_mir_conf_no_flow_enabled_is_a_warning(void **state)
{
    (void)state;
    load_ok("clusters = primary, dr\n");
    assert_int_equal(c.nflows, 0);
    assert_int_equal(c.nwarnings, 1);
    assert_string_equal(c.warnings[0],
                        "mm2.properties: no flow is enabled: set primary->dr.enabled=true");
    load_ok("clusters = solo\n");
    assert_string_equal(
        c.warnings[0], "mm2.properties: no flow is enabled: a flow needs two clusters in clusters");
}

static void test_mir_conf_clusters_required_and_unique(void **state)
{
    (void)state;
    assert_int_equal(load("a->b.enabled = true\n"), XDC_ECONF);
    assert_string_equal(err, "mm2.properties: missing required key 'clusters'");
    assert_int_equal(load("clusters =\n"), XDC_ECONF);
    assert_string_equal(err, "mm2.properties:1: clusters: may not be empty");
    assert_int_equal(load("\nclusters = a, b, a\n"), XDC_ECONF);
    assert_string_equal(err, "mm2.properties:2: clusters: alias 'a' is listed twice");
    assert_int_equal(mir_conf_load(NULL, NULL, 0, &c, err, sizeof(err)), XDC_ECONF);
    assert_string_equal(err, "(no properties file): missing required key 'clusters'");
}

static void test_mir_conf_bad_regex(void **state)
{
    (void)state;
    assert_int_equal(load(TWO "a->b.topics.exclude = ok, bad[x\n"), XDC_ECONF);
    assert_string_equal(err, "mm2.properties:4: a->b.topics.exclude: regex 'bad[x': missing "
                             "terminating ] for character class at offset 5");
    /* Global keys are checked even when no flow uses them. */
    assert_int_equal(load("clusters = a\ngroups = (\n"), XDC_ECONF);
    assert_string_equal(err, "mm2.properties:2: groups: regex '(': missing closing parenthesis "
                             "at offset 1");
    assert_int_equal(load(TWO "config.properties.exclude = *x\n"), XDC_ECONF);
    assert_non_null(strstr(err, "mm2.properties:4: config.properties.exclude: regex '*x': "));
}

static void test_mir_conf_replication_policy(void **state)
{
    (void)state;
    assert_int_equal(load(TWO "replication.policy.class = com.acme.MyPolicy\n"), XDC_ECONF);
    assert_string_equal(
        err, "mm2.properties:4: replication.policy.class: 'com.acme.MyPolicy' is not a "
             "replication policy xdc implements (it loads no Java classes): use "
             "org.apache.kafka.connect.mirror.DefaultReplicationPolicy (or prefix, default) or "
             "org.apache.kafka.connect.mirror.IdentityReplicationPolicy (or identity)");
    static const struct {
        const char *v;
        int kind;
    } ok[] = {
        {"identity", MIR_POLICY_IDENTITY},
        {"Identity", MIR_POLICY_IDENTITY},
        {"org.apache.kafka.connect.mirror.IdentityReplicationPolicy", MIR_POLICY_IDENTITY},
        {"prefix", MIR_POLICY_DEFAULT},
        {"default", MIR_POLICY_DEFAULT},
        {"org.apache.kafka.connect.mirror.DefaultReplicationPolicy", MIR_POLICY_DEFAULT},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        char text[512];
        snprintf(text, sizeof(text),
                 TWO "a->b.enabled=true\nb->a.enabled=true\na->b.replication.policy.class=%s\n",
                 ok[i].v);
        load_ok(text);
        assert_int_equal(c.flows[0].policy, ok[i].kind);
        assert_string_equal(c.flows[0].replication_policy_class, ok[i].v);
        assert_int_equal(c.flows[1].policy, MIR_POLICY_DEFAULT);
    }
    /* Java class names are case-sensitive. */
    assert_int_equal(
        load(
            TWO
            "replication.policy.class=org.apache.kafka.connect.mirror.identityReplicationPolicy\n"),
        XDC_ECONF);
}

static void test_mir_conf_bounds_are_errors(void **state)
{
    (void)state;
    static const struct {
        const char *line, *err;
    } cases[] = {
        {"offset.lag.max = 0", "mm2.properties:4: offset.lag.max: 0 is out of range [1, "
                               "9223372036854775807]"},
        {"a->b.buffer.memory = 1024", "mm2.properties:4: a->b.buffer.memory: 1024 is out of "
                                      "range [1048576, 17179869184]"},
        {"replication.factor = 0", "mm2.properties:4: replication.factor: 0 is not a "
                                   "replication factor (-1 means the target cluster's default)"},
        {"emit.heartbeats.interval.seconds = 0", "mm2.properties:4: "
                                                 "emit.heartbeats.interval.seconds: 0 is out of "
                                                 "range [1, 86400]"},
        {"offset.flush.interval.ms = 99", "mm2.properties:4: offset.flush.interval.ms: 99 is "
                                          "out of range [100, 600000]"},
        {"offset-syncs.topic.location = middle", "mm2.properties:4: offset-syncs.topic.location: "
                                                 "'middle' is not one of source,target"},
        {"b->a.enabled = yes", "mm2.properties:4: b->a.enabled: 'yes' is not a boolean (true or "
                               "false)"},
        {"refresh.topics.interval.seconds = 5s", "mm2.properties:4: "
                                                 "refresh.topics.interval.seconds: '5s' is not an "
                                                 "integer"},
        {"replication.policy.separator =", "mm2.properties:4: replication.policy.separator: may "
                                           "not be empty"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[512];
        snprintf(text, sizeof(text), TWO "%s\n", cases[i].line);
        assert_int_equal(load(text), XDC_ECONF);
        assert_string_equal(err, cases[i].err);
    }
    load_ok(TWO "a->b.enabled=true\noffset-syncs.topic.location = TARGET\n"
                "buffer.memory = 17179869184\nreplication.factor = 1\n");
    assert_int_equal(c.flows[0].offset_syncs_location, MIR_SYNCS_TARGET);
    assert_int_equal(c.flows[0].buffer_memory, 17179869184);
}

static void test_mir_conf_java_mapping(void **state)
{
    (void)state;
    load_ok(TWO "a->b.enabled = true\n"
                "a.sasl.jaas.config = org.apache.kafka.common.security.plain.PlainLoginModule "
                "required username=\"al\\\\\"ice\" password=\"pw-PLAIN-1\";\n" /* 5 */
                "a.ssl.truststore.type = PEM\n"                                /* 6 */
                "a.ssl.truststore.location = /etc/ca.pem\n"                    /* 7 */
                "a.ssl.truststore.password = pw-TRUST-2\n"                     /* 8 */
                "b.ssl.truststore.location = /etc/truststore.jks\n"            /* 9 */
                "b.ssl.truststore.password = pw-TRUST-3\n"                     /* 10 */
                "b.ssl.keystore.type = PKCS12\n"                               /* 11 */
                "b.ssl.keystore.location = /etc/ks.p12\n"                      /* 12 */
                "b.ssl.keystore.password = pw-KS-4\n"                          /* 13 */
                "b.consumer.sasl.jaas.config = org.apache.kafka.common.security.oauthbearer."
                "OAuthBearerLoginModule required clientSecret=\"pw-OAUTH-5\";\n" /* 14 */
                "b.admin.sasl.jaas.config = PlainLoginModule required username=\"x\" "
                "password=\"pw-BROKEN-6;\n"); /* 15: unterminated */
    const mir_props_t *a = &c.clusters_v[0].common, *b = &c.clusters_v[1].common;
    assert_string_equal(prop(a, "sasl.username"), "al\"ice");
    assert_string_equal(prop(a, "sasl.password"), "pw-PLAIN-1");
    assert_string_equal(prop(a, "ssl.ca.location"), "/etc/ca.pem");
    assert_int_equal(a->count, 3);
    assert_string_equal(prop(b, "ssl.keystore.location"), "/etc/ks.p12");
    assert_string_equal(prop(b, "ssl.keystore.password"), "pw-KS-4");
    assert_int_equal(b->count, 2);
    assert_int_equal(c.clusters_v[1].consumer.count, 0);
    assert_int_equal(c.clusters_v[1].admin.count, 0);
    if (c.nwarnings != 3)
        dump_warnings();
    assert_int_equal(c.nwarnings, 3);
    assert_string_equal(c.warnings[0],
                        "mm2.properties:9: 'b.ssl.truststore.location': librdkafka cannot read "
                        "JKS truststores: ignored (convert it to PEM, e.g. with keytool "
                        "-exportcert -rfc, and set b.ssl.ca.location)");
    assert_string_equal(c.warnings[1],
                        "mm2.properties:14: 'b.consumer.sasl.jaas.config': login module "
                        "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule has "
                        "no librdkafka equivalent: ignored (xdc maps PlainLoginModule and "
                        "ScramLoginModule to sasl.username and sasl.password; for OAUTHBEARER set "
                        "sasl.oauthbearer.*, for GSSAPI sasl.kerberos.*)");
    assert_string_equal(c.warnings[2], "mm2.properties:15: 'b.admin.sasl.jaas.config' does not "
                                       "parse as a JAAS login module line: ignored");
    assert_no_text_anywhere("pw-");
}

static void test_mir_conf_java_mapping_keystores_and_values(void **state)
{
    (void)state;
    load_ok(TWO "a->b.enabled = true\n"
                "a.ssl.keystore.type = PEM\n"                                   /* 5 */
                "a.ssl.keystore.location = /etc/client.pem\n"                   /* 6 */
                "a.ssl.keystore.password = pw-1\n"                              /* 7 */
                "a.ssl.endpoint.identification.algorithm =\n"                   /* 8 */
                "a.consumer.auto.offset.reset = none\n"                         /* 9 */
                "a.ssl.truststore.certificates = -----BEGIN CERTIFICATE-----\n" /* 10 */
                "b.ssl.keystore.type = JKS\n"                                   /* 11 */
                "b.ssl.keystore.location = /etc/ks.jks\n"                       /* 12 */
                "b.ssl.keystore.password = pw-2\n"                              /* 13 */
                "b.ssl.truststore.type = JKS\n" /* 14: no location */
                "b.producer.key.serializer = org.apache.kafka.common.serialization."
                "ByteArraySerializer\n" /* 15 */);
    const mir_props_t *a = &c.clusters_v[0].common, *b = &c.clusters_v[1].common;
    assert_string_equal(prop(a, "ssl.certificate.location"), "/etc/client.pem");
    assert_string_equal(prop(a, "ssl.key.location"), "/etc/client.pem");
    assert_null(prop(a, "ssl.keystore.location"));
    assert_null(prop(a, "ssl.keystore.password"));
    assert_string_equal(prop(a, "ssl.endpoint.identification.algorithm"), "none");
    assert_string_equal(prop(a, "ssl.ca.pem"), "-----BEGIN CERTIFICATE-----");
    assert_string_equal(prop(&c.clusters_v[0].consumer, "auto.offset.reset"), "error");
    assert_int_equal(b->count, 0);
    if (c.nwarnings != 3)
        dump_warnings();
    assert_int_equal(c.nwarnings, 3);
    assert_non_null(strstr(c.warnings[0], "mm2.properties:12: 'b.ssl.keystore.location': "
                                          "librdkafka reads PKCS12 keystores, not JKS: ignored"));
    assert_string_equal(c.warnings[1], "mm2.properties:14: 'b.ssl.truststore.type' is not a "
                                       "librdkafka property: ignored");
    assert_string_equal(c.warnings[2], "mm2.properties:15: 'b.producer.key.serializer' is not a "
                                       "librdkafka property: ignored");
    assert_no_text_anywhere("pw-");
}

static void test_mir_conf_librdkafka_rejects_value(void **state)
{
    (void)state;
    assert_int_equal(load(TWO "a.consumer.fetch.max.bytes = lots\n"), XDC_ECONF);
    assert_string_equal(err, "mm2.properties:4: a.consumer.fetch.max.bytes: librdkafka says: "
                             "Invalid value for configuration property \"fetch.max.bytes\"");
    assert_int_equal(load(TWO "security.protocol = SASL_PLAINTEXTT\n"), XDC_ECONF);
    assert_string_equal(err, "mm2.properties:4: security.protocol: librdkafka says: Invalid "
                             "value \"SASL_PLAINTEXTT\" for configuration property "
                             "\"security.protocol\"");
    /* Topic-level properties are client properties too. */
    load_ok(TWO "b.producer.acks = all\nb.producer.linger.ms = 5\n");
    assert_string_equal(prop(&c.clusters_v[1].producer, "acks"), "all");
}

static void test_mir_conf_top_level_client_keys_apply_to_every_cluster(void **state)
{
    (void)state;
    load_ok("clusters = a, b\n"
            "bootstrap.servers = shared:9092\n"
            "b.bootstrap.servers = b1:9092\n"
            "security.protocol = SSL\n"
            "ssl.ca.location = /etc/ca.pem\n"
            "b.security.protocol = PLAINTEXT\n"
            "sasl.jaas.config = org.apache.kafka.common.security.plain.PlainLoginModule required "
            "username=\"u\" password=\"p\";\n"
            "a->b.enabled = true\n");
    const mir_props_t *a = &c.clusters_v[0].common, *b = &c.clusters_v[1].common;
    assert_string_equal(c.clusters_v[0].bootstrap_servers, "shared:9092");
    assert_string_equal(c.clusters_v[1].bootstrap_servers, "b1:9092");
    assert_string_equal(prop(a, "security.protocol"), "SSL");
    assert_string_equal(prop(b, "security.protocol"), "PLAINTEXT");
    assert_string_equal(prop(a, "ssl.ca.location"), "/etc/ca.pem");
    assert_string_equal(prop(b, "ssl.ca.location"), "/etc/ca.pem");
    assert_string_equal(prop(b, "sasl.username"), "u");
    assert_int_equal(c.nwarnings, 0);
}

static void test_mir_conf_unknown_keys_warn(void **state)
{
    (void)state;
    load_ok("clusters = primary, dr\n"                 /* 1 */
            "primary.bootstrap.servers = p:9092\n"     /* 2 */
            "dr.bootstrap.servers = d:9092\n"          /* 3 */
            "primary->dr.enabled = true\n"             /* 4 */
            "topic = orders\n"                         /* 5 */
            "primary->dr.ofset.lag.max = 5\n"          /* 6 */
            "zookeeper.connect = localhost:2181\n"     /* 7 */
            "backup.bootstrap.servers = b:9092\n"      /* 8 */
            "primry.bootstrap.servers = p:9092\n"      /* 9 */
            "primary->backup.enabled = true\n"         /* 10 */
            "dr->dr.enabled = true\n"                  /* 11 */
            "primary->dr.producer.linger.ms = 5\n"     /* 12 */
            "consumer.auto.offset.reset = earliest\n"  /* 13 */
            "primary->dr.tasks.max = 2\n"              /* 14 */
            "offset.storage.replication.factor = 1\n"  /* 15 */
            "sync.topic.acls.enabled = false\n"        /* 16 */
            "emit.checkpoint.interval.seconds = 5\n"); /* 17 */
    static const char *const want[] = {
        "mm2.properties:5: unknown key 'topic': ignored (did you mean 'topics'?)",
        "mm2.properties:6: unknown key 'primary->dr.ofset.lag.max': ignored (did you mean "
        "'primary->dr.offset.lag.max'?)",
        "mm2.properties:7: unknown key 'zookeeper.connect': ignored",
        "mm2.properties:8: 'backup.bootstrap.servers': cluster 'backup' is not in clusters "
        "(primary, dr): ignored",
        "mm2.properties:9: unknown key 'primry.bootstrap.servers': ignored (did you mean "
        "'primary.bootstrap.servers'?)",
        "mm2.properties:10: 'primary->backup.enabled': cluster 'backup' is not in clusters "
        "(primary, dr): ignored",
        "mm2.properties:11: 'dr->dr.enabled': a flow needs two different clusters: ignored",
        "mm2.properties:12: 'primary->dr.producer.linger.ms': xdc has no per-flow client "
        "settings: ignored (set 'primary.producer.linger.ms' or 'dr.producer.linger.ms' for "
        "every flow of that cluster)",
        "mm2.properties:13: unknown key 'consumer.auto.offset.reset': ignored (client settings "
        "are per cluster: '<alias>.consumer.auto.offset.reset')",
        "mm2.properties:14: 'primary->dr.tasks.max' is a MirrorMaker 2 setting xdc does not "
        "implement: ignored (xdc scales out by running more xdc-mirror processes with the same "
        "file)",
        "mm2.properties:15: 'offset.storage.replication.factor' is a MirrorMaker 2 setting xdc "
        "does not implement: ignored (xdc keeps no Kafka Connect state topics)",
        "mm2.properties:16: 'sync.topic.acls.enabled' is a MirrorMaker 2 setting xdc does not "
        "implement: ignored (xdc does not copy ACLs: grant them on the target)",
        "mm2.properties:17: unknown key 'emit.checkpoint.interval.seconds': ignored (did you mean "
        "'emit.checkpoints.interval.seconds'?)",
    };
    size_t n = sizeof(want) / sizeof(want[0]);
    if (c.nwarnings != n)
        dump_warnings();
    assert_int_equal(c.nwarnings, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(c.warnings[i], want[i]);
    assert_int_equal(c.nflows, 1);
}

static void test_mir_conf_sample_file_loads_clean(void **state)
{
    (void)state;
    char path[512];
    const char *src = getenv("XDC_SRC_DIR");
    snprintf(path, sizeof(path), "%s/conf/mirror.properties", src ? src : ".");
    if (mir_conf_load(path, NULL, 0, &c, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    if (c.nwarnings)
        dump_warnings();
    assert_int_equal(c.nwarnings, 0);
    assert_int_equal(c.nflows, 1);
    assert_string_equal(c.clusters_v[c.flows[0].source].alias, "primary");
    assert_string_equal(c.clusters_v[c.flows[0].target].alias, "dr");
    assert_string_equal(c.clusters_v[0].bootstrap_servers, "127.0.0.1:9092");
    assert_string_equal(c.clusters_v[1].bootstrap_servers, "127.0.0.1:9093");
    /* The sample documents every key (commented out or set). */
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *text = calloc(1, 65536);
    size_t len = fread(text, 1, 65535, f);
    fclose(f);
    assert_true(len > 0);
    const conf_table_t *tables[] = {&mir_conf_table, &mir_flow_table};
    for (size_t t = 0; t < 2; t++) {
        for (size_t i = 0; i < tables[t]->count; i++) {
            /* "key =", "#key =" or "<a>-><b>.key =" at the start of a line. */
            const char *name = tables[t]->items[i].name;
            char set[128], commented[128], flow[128];
            snprintf(set, sizeof(set), "\n%s =", name);
            snprintf(commented, sizeof(commented), "\n#%s =", name);
            snprintf(flow, sizeof(flow), ".%s =", name);
            if (!strstr(text, set) && !strstr(text, commented) && !strstr(text, flow))
                fail_msg("sample does not document '%s'", name);
        }
    }
    free(text);
}

static void test_mir_conf_tables_documented_in_struct_order(void **state)
{
    (void)state;
    const conf_table_t *tables[] = {&mir_conf_table, &mir_flow_table};
    for (size_t t = 0; t < 2; t++) {
        for (size_t i = 0; i < tables[t]->count; i++) {
            assert_non_null(tables[t]->items[i].doc);
            assert_true(strlen(tables[t]->items[i].doc) > 10);
        }
    }
    for (size_t i = 1; i < mir_flow_table.count; i++)
        assert_true(mir_flow_table.items[i].offset > mir_flow_table.items[i - 1].offset);
    assert_int_equal(mir_flow_table.items[0].offset, offsetof(mir_flow_conf_t, enabled));
    assert_int_equal(mir_flow_table.items[mir_flow_table.count - 1].offset,
                     offsetof(mir_flow_conf_t, group_id));
    /* The docs name what xdc ignores and how flows resolve. */
    const char *intro = mir_flow_table.intro;
    const char *names[] = {"tasks.max",
                           "sync.topic.acls.enabled",
                           "key.converter",
                           "exactly.once.source.support",
                           "dedicated.mode.enable.internal.rest",
                           "use.defaults.from",
                           "heartbeats.replication.enabled",
                           "`A->B.<key>`"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        assert_non_null(strstr(intro, names[i]));
    assert_non_null(strstr(mir_conf_table.intro, "sasl.jaas.config"));
    char *md = NULL;
    size_t mdlen = 0;
    FILE *f = open_memstream(&md, &mdlen);
    conf_doc_markdown(&mir_flow_table, f);
    fclose(f);
    assert_non_null(strstr(md, "| `offset-syncs.topic.location` | enum | `source` |"));
    free(md);
}

static int t_load(const char *path, const char *const *ov, int nov, void *out, char *e, size_t elen)
{
    return mir_conf_load(path, ov, nov, out, e, elen);
}

static void t_release(void *out)
{
    mir_conf_free(out);
}

static void test_mir_conf_daemon_args_use_the_loader(void **state)
{
    (void)state;
    static const conf_daemon_t d = {"xdc-mirror", "test", &mir_conf_table};
    static const conf_loader_t ld = {t_load, t_release};
    char path[512];
    const char *src = getenv("XDC_SRC_DIR");
    snprintf(path, sizeof(path), "%s/conf/mirror.properties", src ? src : ".");
    char *argv[] = {"xdc-mirror", path, "--override", "primary->dr.offset.lag.max=3", NULL};
    assert_int_equal(conf_daemon_args_load(&d, &ld, 4, argv, &c), CONF_ARGS_RUN);
    assert_int_equal(c.nflows, 1);
    assert_int_equal(c.flows[0].offset_lag_max, 3);
    mir_conf_free(&c);
    char *bad[] = {"xdc-mirror", path, "--override", "primary->dr.offset.lag.max=0", NULL};
    assert_int_equal(conf_daemon_args_load(&d, &ld, 4, bad, &c), CONF_ARGS_FAIL);
    assert_null(c.flows); /* released on failure */
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_mir_conf_mm2_one_way_file),
        T(test_mir_conf_defaults),
        T(test_mir_conf_resolution_flow_beats_global_beats_default),
        T(test_mir_conf_later_lines_and_overrides_win),
        T(test_mir_conf_missing_bootstrap),
        T(test_mir_conf_no_flow_enabled_is_a_warning),
        T(test_mir_conf_clusters_required_and_unique),
        T(test_mir_conf_bad_regex),
        T(test_mir_conf_replication_policy),
        T(test_mir_conf_bounds_are_errors),
        T(test_mir_conf_java_mapping),
        T(test_mir_conf_java_mapping_keystores_and_values),
        T(test_mir_conf_librdkafka_rejects_value),
        T(test_mir_conf_top_level_client_keys_apply_to_every_cluster),
        T(test_mir_conf_unknown_keys_warn),
        T(test_mir_conf_sample_file_loads_clean),
        T(test_mir_conf_tables_documented_in_struct_order),
        T(test_mir_conf_daemon_args_use_the_loader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
