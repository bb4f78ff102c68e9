/* The health verdict: quorum, thresholds, and hold-down against flapping. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "failover/failover.h"

#include <stdlib.h>

#define INTERVAL 1000

static const fo_health_policy_t policy = {3, 2, 30000};

static void test_fo_health_quorum_is_a_majority_of_probes(void **state)
{
    (void)state;
    fo_health_t h;
    fo_health_init(&h, &policy);
    fo_health_observe(&h, 1, 3, 0);
    assert_int_equal(h.fail_streak, 0);
    fo_health_observe(&h, 2, 4, 1000);
    assert_int_equal(h.fail_streak, 0); /* half is not a majority */
    fo_health_observe(&h, 2, 3, 2000);
    assert_int_equal(h.fail_streak, 1);
    fo_health_observe(&h, 0, 0, 3000); /* no probe ran: no evidence of health */
    assert_int_equal(h.fail_streak, 2);
    assert_int_equal(h.failed_total, 2);
}

static void test_fo_health_down_after_threshold_with_t0(void **state)
{
    (void)state;
    fo_health_t h;
    fo_health_init(&h, &policy);
    fo_health_observe(&h, 0, 3, 0);
    assert_int_equal(fo_health_observe(&h, 3, 3, 1000), FO_HEALTH_SAME);
    assert_int_equal(fo_health_observe(&h, 3, 3, 2000), FO_HEALTH_SAME);
    assert_false(fo_health_may_fail_over(&h, 2000));
    assert_int_equal(fo_health_observe(&h, 3, 3, 3000), FO_HEALTH_DOWN);
    assert_false(h.up);
    assert_int_equal(h.streak_start_ms, 1000); /* the outage began at the first failure */
    assert_int_equal(h.down_ms, 3000);
    assert_true(fo_health_may_fail_over(&h, 3000));
    /* Staying down is no new event. */
    assert_int_equal(fo_health_observe(&h, 3, 3, 4000), FO_HEALTH_SAME);
}

/* Down 1 s, up 1 s, for ten minutes: never a failover. Also for longer
 * flaps just under the threshold. */
static void test_fo_health_flapping_never_fails_over(void **state)
{
    (void)state;
    for (int down = 1; down < policy.failure_threshold; down++) {
        fo_health_t h;
        fo_health_init(&h, &policy);
        int64_t now = 0;
        for (int cycle = 0; cycle < 600; cycle++) {
            for (int i = 0; i < down; i++, now += INTERVAL) {
                assert_int_equal(fo_health_observe(&h, 3, 3, now), FO_HEALTH_SAME);
                assert_false(fo_health_may_fail_over(&h, now));
            }
            assert_int_equal(fo_health_observe(&h, 0, 3, now), FO_HEALTH_SAME);
            assert_false(fo_health_may_fail_over(&h, now));
            now += INTERVAL;
        }
        assert_true(h.up);
    }
}

/* A real outage right after flaps: declared down at the threshold, but
 * failover waits out the hold-down; a longer outage then fails over. */
static void test_fo_health_outage_after_flaps_waits_for_hold_down(void **state)
{
    (void)state;
    fo_health_t h;
    fo_health_init(&h, &policy);
    fo_health_observe(&h, 3, 3, 0);
    fo_health_observe(&h, 0, 3, 1000); /* a flap: held until 31000 */
    int64_t now = 2000;
    int downs = 0;
    for (; now < 31000; now += INTERVAL) {
        downs += fo_health_observe(&h, 3, 3, now) == FO_HEALTH_DOWN;
        assert_false(fo_health_may_fail_over(&h, now));
    }
    assert_int_equal(downs, 1);
    assert_int_equal(h.streak_start_ms, 2000);
    fo_health_observe(&h, 3, 3, now);
    assert_true(fo_health_may_fail_over(&h, now));
}

static void test_fo_health_recovers_after_success_threshold(void **state)
{
    (void)state;
    fo_health_t h;
    fo_health_init(&h, &policy);
    for (int i = 0; i < 3; i++)
        fo_health_observe(&h, 3, 3, i * INTERVAL);
    assert_false(h.up);
    assert_int_equal(fo_health_observe(&h, 0, 3, 3000), FO_HEALTH_SAME);
    /* A failure in between starts the count again. */
    assert_int_equal(fo_health_observe(&h, 3, 3, 4000), FO_HEALTH_SAME);
    assert_int_equal(fo_health_observe(&h, 0, 3, 5000), FO_HEALTH_SAME);
    assert_int_equal(fo_health_observe(&h, 0, 3, 6000), FO_HEALTH_UP);
    assert_true(h.up);
    /* Just recovered: held down. */
    for (int i = 0; i < 3; i++)
        fo_health_observe(&h, 3, 3, 7000 + i * INTERVAL);
    assert_false(h.up);
    assert_false(fo_health_may_fail_over(&h, 9000));
    assert_true(fo_health_may_fail_over(&h, 36000));
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fo_health_quorum_is_a_majority_of_probes),
        cmocka_unit_test(test_fo_health_down_after_threshold_with_t0),
        cmocka_unit_test(test_fo_health_flapping_never_fails_over),
        cmocka_unit_test(test_fo_health_outage_after_flaps_waits_for_hold_down),
        cmocka_unit_test(test_fo_health_recovers_after_success_threshold),
    };
    return cmocka_run_group_tests_name("fo_health", tests, NULL, NULL);
}
