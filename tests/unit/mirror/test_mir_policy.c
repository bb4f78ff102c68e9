/* MM2's replication policies: remote names, sources, cycles, internal topics. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "mirror/mir_policy.h"
#include "common/err.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static mir_policy_t policy(int kind, const char *sep)
{
    mir_policy_t p;
    assert_int_equal(mir_policy_init(&p, kind, sep), 0);
    return p;
}

static void test_mir_policy_init_validates(void **state)
{
    (void)state;
    mir_policy_t p;
    assert_int_equal(mir_policy_init(&p, MIR_POLICY_DEFAULT, "."), 0);
    assert_int_equal(p.kind, MIR_POLICY_DEFAULT);
    assert_string_equal(p.separator, ".");
    assert_int_equal(mir_policy_init(&p, MIR_POLICY_IDENTITY, "123456789012345"), 0);
    assert_int_equal(mir_policy_init(&p, MIR_POLICY_DEFAULT, ""), XDC_ECONF);
    assert_int_equal(mir_policy_init(&p, MIR_POLICY_DEFAULT, "1234567890123456"), XDC_ECONF);
    assert_int_equal(mir_policy_init(&p, 7, "."), XDC_ECONF);
}

/* ---- remote topic names ------------------------------------------------- */

typedef struct remote_case {
    int kind;
    const char *sep;
    const char *alias;
    const char *topic;
    const char *want;
} remote_case_t;

static void test_mir_policy_remote_topic_names(void **state)
{
    (void)state;
    const remote_case_t cases[] = {
        {MIR_POLICY_DEFAULT, ".", "primary", "orders", "primary.orders"},
        {MIR_POLICY_DEFAULT, ".", "primary", "dr.orders", "primary.dr.orders"},
        {MIR_POLICY_DEFAULT, "_", "primary", "orders", "primary_orders"},
        {MIR_POLICY_DEFAULT, "--", "us-west", "a.b", "us-west--a.b"},
        {MIR_POLICY_DEFAULT, ".", "primary", "heartbeats", "primary.heartbeats"},
        {MIR_POLICY_DEFAULT, ".", "primary", "dr.heartbeats", "primary.dr.heartbeats"},
        {MIR_POLICY_IDENTITY, ".", "primary", "orders", "orders"},
        {MIR_POLICY_IDENTITY, ".", "primary", "dr.orders", "dr.orders"},
        /* IdentityReplicationPolicy prefixes heartbeats, so that a chain of
         * mirrors still shows in heartbeat topic names. */
        {MIR_POLICY_IDENTITY, ".", "primary", "heartbeats", "primary.heartbeats"},
        {MIR_POLICY_IDENTITY, ".", "primary", "dr.heartbeats", "primary.dr.heartbeats"},
        {MIR_POLICY_IDENTITY, "_", "primary", "dr_heartbeats", "primary_dr_heartbeats"},
        /* Only names whose original topic is "heartbeats"; MM2's identity
         * policy would also prefix this one (endsWith("heartbeats")). */
        {MIR_POLICY_IDENTITY, ".", "primary", "myheartbeats", "myheartbeats"},
        {MIR_POLICY_IDENTITY, "_", "primary", "dr.heartbeats", "dr.heartbeats"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const remote_case_t *c = &cases[i];
        mir_policy_t p = policy(c->kind, c->sep);
        char out[MIR_TOPIC_MAX + 1];
        assert_int_equal(mir_policy_remote_topic(&p, c->alias, c->topic, out, sizeof(out)), 0);
        assert_string_equal(out, c->want);
    }
}

/* Kafka caps a topic name at 249 characters; the name must also fit the
 * caller's buffer, NUL included. */
static void test_mir_policy_remote_topic_length_limits(void **state)
{
    (void)state;
    mir_policy_t p = policy(MIR_POLICY_DEFAULT, ".");
    char topic[300], out[400];
    memset(topic, 't', sizeof(topic));

    topic[249 - 2] = '\0'; /* "a." + 247 = 249 */
    assert_int_equal(mir_policy_remote_topic(&p, "a", topic, out, sizeof(out)), 0);
    assert_int_equal(strlen(out), 249);
    assert_int_equal(mir_policy_remote_topic(&p, "a", topic, out, 250), 0);
    assert_int_equal(mir_policy_remote_topic(&p, "a", topic, out, 249), XDC_ETOOBIG);
    assert_string_equal(out, "");
    topic[249 - 2] = 't';
    topic[249 - 1] = '\0'; /* 250 */
    assert_int_equal(mir_policy_remote_topic(&p, "a", topic, out, sizeof(out)), XDC_ETOOBIG);
    assert_string_equal(out, "");

    assert_int_equal(mir_policy_remote_topic(&p, "primary", "orders", out, 8), XDC_ETOOBIG);
    assert_int_equal(mir_policy_remote_topic(&p, "primary", "orders", NULL, 0), XDC_ETOOBIG);

    /* identity leaves the name alone, but a name over the cap stays over */
    mir_policy_t id = policy(MIR_POLICY_IDENTITY, ".");
    topic[248] = 't';
    topic[250] = '\0';
    assert_int_equal(mir_policy_remote_topic(&id, "a", topic, out, sizeof(out)), XDC_ETOOBIG);
    topic[249] = '\0';
    assert_int_equal(mir_policy_remote_topic(&id, "a", topic, out, sizeof(out)), 0);
    assert_int_equal(strlen(out), 249);
}

static void test_mir_policy_remote_topic_rejects_empty(void **state)
{
    (void)state;
    mir_policy_t p = policy(MIR_POLICY_DEFAULT, ".");
    char out[64] = "junk";
    assert_int_equal(mir_policy_remote_topic(&p, "", "orders", out, sizeof(out)), -EINVAL);
    assert_string_equal(out, "");
    assert_int_equal(mir_policy_remote_topic(&p, "a", "", out, sizeof(out)), -EINVAL);
    mir_policy_t bad = {MIR_POLICY_DEFAULT, ""};
    assert_int_equal(mir_policy_remote_topic(&bad, "a", "orders", out, sizeof(out)), -EINVAL);
}

/* ---- topic source and upstream topic ------------------------------------ */

typedef struct source_case {
    int kind;
    const char *sep;
    const char *topic;
    const char *source;   /* NULL: not a remote topic */
    const char *upstream; /* NULL with source */
} source_case_t;

static void test_mir_policy_topic_source_cases(void **state)
{
    (void)state;
    const source_case_t cases[] = {
        {MIR_POLICY_DEFAULT, ".", "primary.orders", "primary", "orders"},
        {MIR_POLICY_DEFAULT, ".", "a.b.orders", "a", "b.orders"},
        {MIR_POLICY_DEFAULT, ".", "orders", NULL, NULL},
        {MIR_POLICY_DEFAULT, ".", "heartbeats", NULL, NULL},
        {MIR_POLICY_DEFAULT, ".", "dr.heartbeats", "dr", "heartbeats"},
        /* Java's split drops trailing empty parts and keeps leading ones */
        {MIR_POLICY_DEFAULT, ".", "a.", NULL, NULL},
        {MIR_POLICY_DEFAULT, ".", "a..", NULL, NULL},
        {MIR_POLICY_DEFAULT, ".", ".", NULL, NULL},
        {MIR_POLICY_DEFAULT, ".", "..", NULL, NULL},
        {MIR_POLICY_DEFAULT, ".", ".x", "", "x"},
        {MIR_POLICY_DEFAULT, ".", "a..b", "a", ".b"},
        {MIR_POLICY_DEFAULT, "_", "primary_orders", "primary", "orders"},
        {MIR_POLICY_DEFAULT, "_", "primary.orders", NULL, NULL},
        {MIR_POLICY_DEFAULT, "__", "a__b", "a", "b"},
        {MIR_POLICY_DEFAULT, "__", "a___", "a", "_"}, /* split: "a", "_" */
        {MIR_POLICY_DEFAULT, "__", "a____", NULL, NULL},
        {MIR_POLICY_DEFAULT, "__", "a_b", NULL, NULL},
        /* identity: only heartbeats topics name their source */
        {MIR_POLICY_IDENTITY, ".", "primary.orders", NULL, NULL},
        {MIR_POLICY_IDENTITY, ".", "orders", NULL, NULL},
        {MIR_POLICY_IDENTITY, ".", "heartbeats", NULL, NULL},
        {MIR_POLICY_IDENTITY, ".", "primary.heartbeats", "primary", "heartbeats"},
        {MIR_POLICY_IDENTITY, ".", "a.b.heartbeats", "a", "b.heartbeats"},
        {MIR_POLICY_IDENTITY, ".", "a.myheartbeats", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const source_case_t *c = &cases[i];
        mir_policy_t p = policy(c->kind, c->sep);
        char alias[MIR_TOPIC_MAX + 1];
        const char *got = mir_policy_topic_source(&p, c->topic, alias, sizeof(alias));
        const char *up = mir_policy_upstream_topic(&p, c->topic);
        if (!c->source) {
            if (got || up)
                fail_msg("case %zu: \"%s\" has a source", i, c->topic);
            continue;
        }
        if (!got || !up)
            fail_msg("case %zu: \"%s\" has no source", i, c->topic);
        assert_ptr_equal(got, alias);
        assert_string_equal(alias, c->source);
        assert_string_equal(up, c->upstream);
    }
}

/* An alias that does not fit the caller's buffer is reported as none. */
static void test_mir_policy_topic_source_small_buffer(void **state)
{
    (void)state;
    mir_policy_t p = policy(MIR_POLICY_DEFAULT, ".");
    char alias[8];
    assert_non_null(mir_policy_topic_source(&p, "1234567.x", alias, sizeof(alias)));
    assert_string_equal(alias, "1234567");
    assert_null(mir_policy_topic_source(&p, "12345678.x", alias, sizeof(alias)));
    assert_null(mir_policy_topic_source(&p, "a.x", alias, 0));
}

/* ---- internal topics ---------------------------------------------------- */

static void test_mir_policy_is_internal_names(void **state)
{
    (void)state;
    const char *internal[] = {
        "__consumer_offsets",
        "__transaction_state",
        ".hidden",
        "mm2-offset-syncs.dr.internal",
        "mm2-offset-syncs.primary.internal",
        "primary.checkpoints.internal",
        "mm2-configs.primary.internal",
        "mm2-offsets.primary.internal",
        "mm2-status.primary.internal",
        "connect-configs-internal",
        "x.internal",
        "primary.x-internal",
    };
    const char *user[] = {
        "orders",      "primary.orders", "heartbeats", "primary.heartbeats", "_single", "internal",
        "x.internals", "x_internal",     "a__b",       "x.internal.y",
    };
    for (size_t i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
        if (!mir_policy_is_internal(internal[i]))
            fail_msg("\"%s\" should be internal", internal[i]);
    for (size_t i = 0; i < sizeof(user) / sizeof(user[0]); i++)
        if (mir_policy_is_internal(user[i]))
            fail_msg("\"%s\" should not be internal", user[i]);
}

/* With a custom separator MM2 also treats "<sep>internal" as internal. */
static void test_mir_policy_is_internal_topic_uses_separator(void **state)
{
    (void)state;
    mir_policy_t dot = policy(MIR_POLICY_DEFAULT, ".");
    mir_policy_t us = policy(MIR_POLICY_DEFAULT, "_");
    mir_policy_t id = policy(MIR_POLICY_IDENTITY, "_");
    assert_true(mir_policy_is_internal_topic(&dot, "a.checkpoints.internal"));
    assert_false(mir_policy_is_internal_topic(&dot, "x_internal"));
    assert_true(mir_policy_is_internal_topic(&us, "x_internal"));
    assert_true(mir_policy_is_internal_topic(&us, "mm2-offset-syncs_dr_internal"));
    assert_true(mir_policy_is_internal_topic(&us, "a.checkpoints.internal"));
    assert_true(mir_policy_is_internal_topic(&us, "__consumer_offsets"));
    assert_false(mir_policy_is_internal_topic(&us, "orders"));
    assert_true(mir_policy_is_internal_topic(&id, "x_internal"));
}

/* ---- cycles ------------------------------------------------------------- */

typedef struct cycle_case {
    int kind;
    const char *sep;
    const char *topic;
    const char *target;
    bool cycle;
} cycle_case_t;

static void test_mir_policy_is_cycle_cases(void **state)
{
    (void)state;
    const cycle_case_t cases[] = {
        {MIR_POLICY_DEFAULT, ".", "orders", "dr", false},
        {MIR_POLICY_DEFAULT, ".", "dr.orders", "dr", true},
        {MIR_POLICY_DEFAULT, ".", "primary.orders", "dr", false},
        {MIR_POLICY_DEFAULT, ".", "primary.dr.orders", "dr", true},
        {MIR_POLICY_DEFAULT, ".", "a.b.c.dr.orders", "dr", true},
        {MIR_POLICY_DEFAULT, ".", "a.b.orders", "orders", false}, /* a topic, not an alias */
        {MIR_POLICY_DEFAULT, ".", "dr", "dr", false},
        {MIR_POLICY_DEFAULT, ".", "dr.", "dr", false},
        {MIR_POLICY_DEFAULT, ".", "drx.orders", "dr", false},
        {MIR_POLICY_DEFAULT, ".", "d.orders", "dr", false},
        {MIR_POLICY_DEFAULT, ".", "heartbeats", "dr", false},
        {MIR_POLICY_DEFAULT, ".", "dr.heartbeats", "dr", true},
        {MIR_POLICY_DEFAULT, ".", "primary.dr.heartbeats", "dr", true},
        {MIR_POLICY_DEFAULT, ".", "primary.heartbeats", "dr", false},
        {MIR_POLICY_DEFAULT, "_", "dr_orders", "dr", true},
        {MIR_POLICY_DEFAULT, "_", "dr.orders", "dr", false},
        {MIR_POLICY_DEFAULT, "_", "a_dr_orders", "dr", true},
        /* identity cannot see cycles, except through heartbeats */
        {MIR_POLICY_IDENTITY, ".", "dr.orders", "dr", false},
        {MIR_POLICY_IDENTITY, ".", "orders", "dr", false},
        {MIR_POLICY_IDENTITY, ".", "heartbeats", "dr", false},
        {MIR_POLICY_IDENTITY, ".", "dr.heartbeats", "dr", true},
        {MIR_POLICY_IDENTITY, ".", "primary.dr.heartbeats", "dr", true},
        {MIR_POLICY_IDENTITY, ".", "primary.heartbeats", "dr", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const cycle_case_t *c = &cases[i];
        mir_policy_t p = policy(c->kind, c->sep);
        if (mir_policy_is_cycle(&p, c->topic, c->target) != c->cycle)
            fail_msg("case %zu: is_cycle(\"%s\", \"%s\") should be %d", i, c->topic, c->target,
                     c->cycle);
    }
}

/* A topic mirrored around a ring stops before it reaches its origin. */
static void test_mir_policy_cycle_ring(void **state)
{
    (void)state;
    mir_policy_t p = policy(MIR_POLICY_DEFAULT, ".");
    char t1[MIR_TOPIC_MAX + 1], t2[MIR_TOPIC_MAX + 1];
    /* a -> b -> c -> a */
    assert_false(mir_policy_is_cycle(&p, "orders", "b"));
    assert_int_equal(mir_policy_remote_topic(&p, "a", "orders", t1, sizeof(t1)), 0);
    assert_false(mir_policy_is_cycle(&p, t1, "c"));
    assert_int_equal(mir_policy_remote_topic(&p, "b", t1, t2, sizeof(t2)), 0);
    assert_string_equal(t2, "b.a.orders");
    assert_true(mir_policy_is_cycle(&p, t2, "a"));
    /* and a two-cluster active-active pair: b.orders never returns to b */
    assert_true(mir_policy_is_cycle(&p, "b.orders", "b"));
}

/* ---- heartbeats --------------------------------------------------------- */

static void test_mir_policy_is_heartbeats_names(void **state)
{
    (void)state;
    assert_true(mir_policy_is_heartbeats("heartbeats"));
    assert_true(mir_policy_is_heartbeats("dr.heartbeats"));
    assert_true(mir_policy_is_heartbeats("a.b.heartbeats"));
    assert_false(mir_policy_is_heartbeats("myheartbeats"));
    assert_false(mir_policy_is_heartbeats("heartbeats.x"));
    assert_false(mir_policy_is_heartbeats("dr_heartbeats"));
    assert_false(mir_policy_is_heartbeats(""));

    mir_policy_t us = policy(MIR_POLICY_DEFAULT, "_");
    mir_policy_t dot = policy(MIR_POLICY_IDENTITY, ".");
    assert_true(mir_policy_is_heartbeats_topic(&us, "heartbeats"));
    assert_true(mir_policy_is_heartbeats_topic(&us, "dr_heartbeats"));
    assert_true(mir_policy_is_heartbeats_topic(&us, "a_b_heartbeats"));
    assert_false(mir_policy_is_heartbeats_topic(&us, "dr.heartbeats"));
    assert_true(mir_policy_is_heartbeats_topic(&dot, "dr.heartbeats"));
    assert_true(mir_policy_is_heartbeats_topic(&dot, "x..heartbeats"));
    assert_false(mir_policy_is_heartbeats_topic(&dot, "myheartbeats"));
    assert_false(mir_policy_is_heartbeats_topic(&dot, "heartbeats."));
}

/* ---- internal topic names ----------------------------------------------- */

static void test_mir_policy_offset_syncs_topic_names(void **state)
{
    (void)state;
    char out[MIR_TOPIC_MAX + 1];
    assert_int_equal(
        mir_policy_offset_syncs_topic(MIR_SYNCS_SOURCE, "primary", "dr", out, sizeof(out)), 0);
    assert_string_equal(out, "mm2-offset-syncs.dr.internal");
    assert_int_equal(
        mir_policy_offset_syncs_topic(MIR_SYNCS_TARGET, "primary", "dr", out, sizeof(out)), 0);
    assert_string_equal(out, "mm2-offset-syncs.primary.internal");
    assert_true(mir_policy_is_internal(out));

    assert_int_equal(mir_policy_offset_syncs_topic(7, "primary", "dr", out, sizeof(out)), -EINVAL);
    assert_string_equal(out, "");
    assert_int_equal(
        mir_policy_offset_syncs_topic(MIR_SYNCS_SOURCE, "primary", "", out, sizeof(out)), -EINVAL);
    /* only the alias that goes into the name must be set */
    assert_int_equal(mir_policy_offset_syncs_topic(MIR_SYNCS_SOURCE, "", "dr", out, sizeof(out)),
                     0);
    assert_int_equal(mir_policy_offset_syncs_topic(MIR_SYNCS_SOURCE, "primary", "dr", out,
                                                   strlen("mm2-offset-syncs.dr.internal")),
                     XDC_ETOOBIG);

    char alias[300];
    memset(alias, 'a', sizeof(alias));
    alias[249 - strlen("mm2-offset-syncs..internal")] = '\0';
    assert_int_equal(mir_policy_offset_syncs_topic(MIR_SYNCS_SOURCE, "p", alias, out, sizeof(out)),
                     0);
    assert_int_equal(strlen(out), 249);
    alias[249 - strlen("mm2-offset-syncs..internal")] = 'a';
    alias[250 - strlen("mm2-offset-syncs..internal")] = '\0';
    assert_int_equal(mir_policy_offset_syncs_topic(MIR_SYNCS_SOURCE, "p", alias, out, sizeof(out)),
                     XDC_ETOOBIG);
}

static void test_mir_policy_checkpoints_topic_names(void **state)
{
    (void)state;
    char out[MIR_TOPIC_MAX + 1];
    assert_int_equal(mir_policy_checkpoints_topic("primary", out, sizeof(out)), 0);
    assert_string_equal(out, "primary.checkpoints.internal");
    assert_true(mir_policy_is_internal(out));
    assert_int_equal(mir_policy_checkpoints_topic("", out, sizeof(out)), -EINVAL);
    assert_int_equal(mir_policy_checkpoints_topic("primary", out, 10), XDC_ETOOBIG);
    assert_string_equal(out, "");

    char alias[300];
    memset(alias, 'a', sizeof(alias));
    alias[250 - strlen(".checkpoints.internal")] = '\0';
    assert_int_equal(mir_policy_checkpoints_topic(alias, out, sizeof(out)), XDC_ETOOBIG);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mir_policy_init_validates),
        cmocka_unit_test(test_mir_policy_remote_topic_names),
        cmocka_unit_test(test_mir_policy_remote_topic_length_limits),
        cmocka_unit_test(test_mir_policy_remote_topic_rejects_empty),
        cmocka_unit_test(test_mir_policy_topic_source_cases),
        cmocka_unit_test(test_mir_policy_topic_source_small_buffer),
        cmocka_unit_test(test_mir_policy_is_internal_names),
        cmocka_unit_test(test_mir_policy_is_internal_topic_uses_separator),
        cmocka_unit_test(test_mir_policy_is_cycle_cases),
        cmocka_unit_test(test_mir_policy_cycle_ring),
        cmocka_unit_test(test_mir_policy_is_heartbeats_names),
        cmocka_unit_test(test_mir_policy_offset_syncs_topic_names),
        cmocka_unit_test(test_mir_policy_checkpoints_topic_names),
    };
    return cmocka_run_group_tests_name("mir_policy", tests, NULL, NULL);
}
