/* Topic and group filters: Java matches() semantics on PCRE2. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/err.h"
#include "mirror/mir_filter.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char err[512];

/* A conf_list_t over string literals (not owned). */
#define LIST(...)                                                                                  \
    (&(conf_list_t){sizeof((char *[]){__VA_ARGS__}) / sizeof(char *), (char *[]){__VA_ARGS__}})

static const conf_list_t empty = {0, NULL};

static mir_filter_t *filter(const conf_list_t *inc, const conf_list_t *exc)
{
    mir_filter_t *f = NULL;
    err[0] = '\0';
    if (mir_filter_new(inc, exc, &f, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    return f;
}

static void test_mir_filter_full_match(void **state)
{
    (void)state;
    mir_filter_t *f = filter(LIST("orders", "pay.*"), NULL);
    assert_true(mir_filter_match(f, "orders"));
    assert_false(mir_filter_match(f, "orders2"));
    assert_false(mir_filter_match(f, "xorders"));
    assert_false(mir_filter_match(f, "my-orders-topic"));
    assert_true(mir_filter_match(f, "payments"));
    assert_false(mir_filter_match(f, "repay"));
    assert_false(mir_filter_match(f, ""));
    mir_filter_free(f);
}

static void test_mir_filter_alternation_backtracks_to_full_match(void **state)
{
    (void)state;
    /* Java's matches() accepts "ab" for "a|ab": the end anchor must apply
     * while matching, not to the first alternative found. */
    mir_filter_t *f = filter(LIST("a|ab", "x(y|yz)"), NULL);
    assert_true(mir_filter_match(f, "ab"));
    assert_true(mir_filter_match(f, "a"));
    assert_true(mir_filter_match(f, "xyz"));
    assert_false(mir_filter_match(f, "abc"));
    mir_filter_free(f);
}

static void test_mir_filter_exclude_wins(void **state)
{
    (void)state;
    mir_filter_t *f = filter(LIST(".*"), LIST("orders\\.tmp", "test-.*"));
    assert_true(mir_filter_match(f, "orders"));
    assert_false(mir_filter_match(f, "orders.tmp"));
    assert_true(mir_filter_match(f, "ordersXtmp")); /* escaped dot is literal */
    assert_false(mir_filter_match(f, "test-1"));
    assert_true(mir_filter_match(f, "prod-test-1")); /* exclude is a full match too */
    mir_filter_free(f);
}

static void test_mir_filter_default_internal_excludes(void **state)
{
    (void)state;
    /* MirrorMaker 2's defaults for topics.exclude and groups.exclude. */
    mir_filter_t *t = filter(LIST(".*"), LIST(".*[\\-\\.]internal", ".*\\.replica", "__.*"));
    assert_false(mir_filter_match(t, "__consumer_offsets"));
    assert_false(mir_filter_match(t, "__transaction_state"));
    assert_false(mir_filter_match(t, "mm2-offset-syncs.dr.internal"));
    assert_false(mir_filter_match(t, "primary.checkpoints.internal"));
    assert_false(mir_filter_match(t, "app-internal"));
    assert_false(mir_filter_match(t, "orders.replica"));
    assert_true(mir_filter_match(t, "orders"));
    assert_true(mir_filter_match(t, "internal"));
    assert_true(mir_filter_match(t, "orders_internal"));
    assert_true(mir_filter_match(t, "heartbeats"));
    mir_filter_free(t);
    mir_filter_t *g = filter(LIST(".*"), LIST("console-consumer-.*", "connect-.*", "__.*"));
    assert_false(mir_filter_match(g, "console-consumer-12345"));
    assert_false(mir_filter_match(g, "connect-mm2"));
    assert_true(mir_filter_match(g, "billing"));
    mir_filter_free(g);
}

static void test_mir_filter_empty_include_matches_nothing(void **state)
{
    (void)state;
    mir_filter_t *f = filter(&empty, NULL);
    assert_false(mir_filter_match(f, "orders"));
    mir_filter_free(f);
    f = filter(NULL, NULL);
    assert_false(mir_filter_match(f, ""));
    mir_filter_free(f);
    mir_filter_free(NULL);
}

static void test_mir_filter_bad_regex_names_pattern(void **state)
{
    (void)state;
    mir_filter_t *f = (mir_filter_t *)&f; /* must be reset to NULL */
    assert_int_equal(mir_filter_new(LIST("ok.*"), LIST("fine", "bad(x"), &f, err, sizeof(err)),
                     XDC_ECONF);
    assert_null(f);
    assert_string_equal(err, "regex 'bad(x': missing closing parenthesis at offset 5");
    assert_int_equal(mir_filter_check(LIST("a", "[z-a]"), err, sizeof(err)), XDC_ECONF);
    assert_non_null(strstr(err, "regex '[z-a]': "));
    assert_non_null(strstr(err, "at offset 3"));
    assert_int_equal(mir_filter_check(LIST("a", "b+"), err, sizeof(err)), 0);
    assert_int_equal(mir_filter_check(NULL, err, sizeof(err)), 0);
}

static void test_mir_filter_utf8_and_invalid_bytes(void **state)
{
    (void)state;
    mir_filter_t *f = filter(LIST("caf."), NULL);
    assert_true(mir_filter_match(f, "caf\xc3\xa9")); /* one code point, as in Java */
    assert_false(mir_filter_match(f, "caf\xff"));    /* invalid UTF-8: no match, no crash */
    mir_filter_free(f);
}

typedef struct worker {
    const mir_filter_t *f;
    int hits;
} worker_t;

static void *match_many(void *arg)
{
    worker_t *w = arg;
    char name[64];
    for (int i = 0; i < 2000; i++) {
        snprintf(name, sizeof(name), i % 2 ? "orders-%d" : "orders-%d.internal", i);
        w->hits += mir_filter_match(w->f, name);
    }
    return NULL;
}

static void test_mir_filter_concurrent_matches(void **state)
{
    (void)state;
    mir_filter_t *f = filter(LIST("orders-[0-9]+.*"), LIST(".*\\.internal"));
    pthread_t th[4];
    worker_t w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker_t){f, 0};
        assert_int_equal(pthread_create(&th[i], NULL, match_many, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].hits, 1000);
    }
    mir_filter_free(f);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mir_filter_full_match),
        cmocka_unit_test(test_mir_filter_alternation_backtracks_to_full_match),
        cmocka_unit_test(test_mir_filter_exclude_wins),
        cmocka_unit_test(test_mir_filter_default_internal_excludes),
        cmocka_unit_test(test_mir_filter_empty_include_matches_nothing),
        cmocka_unit_test(test_mir_filter_bad_regex_names_pattern),
        cmocka_unit_test(test_mir_filter_utf8_and_invalid_bytes),
        cmocka_unit_test(test_mir_filter_concurrent_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
