/* The latest-checkpoint store: ordering, replacement, the inexact header
 * and records that do not decode. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "checkpoint/checkpoint.h"
#include "common/buf.h"
#include "common/err.h"

#include <stdlib.h>
#include <string.h>

/* Encode a checkpoint and add it with @p inexact as its header value. */
static int add(ckpt_store_t *s, const char *group, const char *topic, int32_t partition, int64_t up,
               int64_t down, const char *inexact)
{
    ckpt_checkpoint_t c = {group, strlen(group), topic, strlen(topic), partition, up, down, "", 0};
    buf_t k, v;
    buf_init(&k);
    buf_init(&v);
    assert_int_equal(ckpt_checkpoint_encode(&c, &k, &v), 0);
    int rc =
        ckpt_store_add(s, k.data, k.len, v.data, v.len, inexact, inexact ? strlen(inexact) : 0);
    buf_close(&k);
    buf_close(&v);
    return rc;
}

static void test_ckpt_store_latest_wins_sorted(void **state)
{
    (void)state;
    ckpt_store_t s = {0};
    assert_int_equal(add(&s, "b", "t", 1, 10, 20, NULL), 0);
    assert_int_equal(add(&s, "a", "t", 0, 5, 6, NULL), 0);
    assert_int_equal(add(&s, "b", "t", 0, 1, 2, NULL), 0);
    assert_int_equal(add(&s, "b", "t", 1, 11, 21, "offset syncs missing"), 0);
    /* a group that is a prefix of another sorts first and stays apart */
    assert_int_equal(add(&s, "bb", "t", 0, 7, 8, NULL), 0);
    assert_int_equal(s.n, 4);
    const char *order[][2] = {{"a", "0"}, {"b", "0"}, {"b", "1"}, {"bb", "0"}};
    for (size_t i = 0; i < s.n; i++) {
        assert_string_equal(s.v[i].group, order[i][0]);
        assert_int_equal(s.v[i].partition, atoi(order[i][1]));
    }
    const ckpt_stored_t *e = ckpt_store_find(&s, "b", "t", 1);
    assert_non_null(e);
    assert_true(e->upstream == 11 && e->downstream == 21);
    assert_int_equal(e->inexact, CKPT_SYNCS_MISSING);
    assert_null(ckpt_store_find(&s, "b", "t", 2));
    assert_null(ckpt_store_find(&s, "b", "u", 1));
    ckpt_store_put(&s, "a", "t", 0)->downstream = 99;
    assert_int_equal(ckpt_store_find(&s, "a", "t", 0)->downstream, 99);
    assert_int_equal(ckpt_store_put(&s, "c", "t", 3)->upstream, -1);
    assert_int_equal(s.n, 5);
    ckpt_store_close(&s);
    assert_int_equal(s.n, 0);
}

static void test_ckpt_store_bad_records(void **state)
{
    (void)state;
    ckpt_store_t s = {0};
    static const uint8_t junk[] = {0, 1, 'x'};
    assert_int_equal(ckpt_store_add(&s, junk, sizeof(junk), junk, sizeof(junk), NULL, 0),
                     XDC_EMALFORMED);
    /* an unknown reason is kept as not exact, never as exact */
    assert_int_equal(add(&s, "g", "t", 0, 1, 1, "something new"), 0);
    assert_int_equal(s.v[0].inexact, CKPT_INEXACT_COUNT);
    assert_int_equal(s.n, 1);
    ckpt_store_close(&s);
}

static void test_ckpt_inexact_names_round_trip(void **state)
{
    (void)state;
    for (int i = CKPT_NO_SYNC; i < CKPT_INEXACT_COUNT; i++) {
        const char *n = ckpt_inexact_str((ckpt_inexact_t)i);
        assert_int_equal(ckpt_inexact_parse(n, strlen(n)), i);
    }
    assert_int_equal(ckpt_inexact_parse("exact", 5), CKPT_INEXACT_COUNT);
    assert_int_equal(ckpt_inexact_parse("source", 6), CKPT_INEXACT_COUNT);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ckpt_store_latest_wins_sorted),
        cmocka_unit_test(test_ckpt_store_bad_records),
        cmocka_unit_test(test_ckpt_inexact_names_round_trip),
    };
    return cmocka_run_group_tests_name("ckpt_store", tests, NULL, NULL);
}
