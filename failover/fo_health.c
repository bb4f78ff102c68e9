/* The health verdict on the active site: quorum per interval, rise and
 * fall thresholds, hold-down after flaps. */
#include "failover/failover.h"

#include <string.h>

void fo_health_init(fo_health_t *h, const fo_health_policy_t *policy)
{
    memset(h, 0, sizeof(*h));
    h->policy = *policy;
    h->up = true;
}

static void hold_down(fo_health_t *h, int64_t now_ms)
{
    h->held_until_ms = now_ms + h->policy.hold_down_ms;
}

static int observe_failed(fo_health_t *h, int64_t now_ms)
{
    h->failed_total++;
    if (h->fail_streak++ == 0)
        h->streak_start_ms = now_ms;
    h->ok_streak = 0;
    if (!h->up || h->fail_streak < h->policy.failure_threshold)
        return FO_HEALTH_SAME;
    h->up = false;
    h->down_ms = now_ms;
    return FO_HEALTH_DOWN;
}

static int observe_ok(fo_health_t *h, int64_t now_ms)
{
    /* A failure streak too short to count is a flap. */
    if (h->up && h->fail_streak > 0)
        hold_down(h, now_ms);
    h->fail_streak = 0;
    h->ok_streak++;
    if (h->up || h->ok_streak < h->policy.success_threshold)
        return FO_HEALTH_SAME;
    h->up = true;
    hold_down(h, now_ms);
    return FO_HEALTH_UP;
}

int fo_health_observe(fo_health_t *h, int failed, int total, int64_t now_ms)
{
    /* No probe at all is no evidence of health. */
    bool interval_failed = total <= 0 || failed * 2 > total;
    return interval_failed ? observe_failed(h, now_ms) : observe_ok(h, now_ms);
}

bool fo_health_may_fail_over(const fo_health_t *h, int64_t now_ms)
{
    return !h->up && now_ms >= h->held_until_ms;
}
