#include "mirror/mir_sync.h"

#include <errno.h>
#include <stdint.h>

void mir_sync_part_init(mir_sync_part_t *p)
{
    *p = (mir_sync_part_t){
        .prev_up = -1,
        .prev_down = -1,
        .last_sync_up = -1,
        .last_sync_down = -1,
        .delayed = false,
        .started = false,
    };
}

void mir_sync_part_seed(mir_sync_part_t *p, int64_t upstream, int64_t downstream)
{
    mir_sync_part_init(p);
    if (upstream < 0 || downstream < 0)
        return;
    p->started = true;
    p->prev_up = p->last_sync_up = upstream;
    p->prev_down = p->last_sync_down = downstream;
}

/* Record (@p up, @p down) as emitted: it becomes the last sync. */
static mir_sync_point_t take_point(mir_sync_part_t *p, int64_t up, int64_t down)
{
    mir_sync_point_t pt = {up, down, p->last_sync_up, p->last_sync_down};
    p->last_sync_up = up;
    p->last_sync_down = down;
    return pt;
}

/* Whether (@p up, @p down) does not continue the +1 line through the
 * previous point. Offsets are >= 0 here, so "prev + 1" cannot overflow
 * below INT64_MAX, which no Kafka offset reaches. */
static bool is_break(const mir_sync_part_t *p, int64_t up, int64_t down)
{
    return p->prev_up == INT64_MAX || p->prev_down == INT64_MAX || up != p->prev_up + 1 ||
           down != p->prev_down + 1;
}

int mir_sync_ack(mir_sync_part_t *p, int64_t upstream, int64_t downstream, int64_t offset_lag_max,
                 mir_sync_point_t out[2])
{
    int n = 0;

    if (upstream < 0 || downstream < 0)
        return -EINVAL;
    if (!p->started) {
        /* The first point of the partition's life: MM2 rule (a). */
        p->started = true;
        out[n++] = take_point(p, upstream, downstream);
    } else if (upstream == p->prev_up && downstream == p->prev_down) {
        return 0; /* a repeated ack carries nothing new */
    } else if (is_break(p, upstream, downstream)) {
        /* Both ends of the break, so that a reader sees where the old line
         * stops; the old end may already be out (lag rule, flush). */
        if (p->delayed)
            out[n++] = take_point(p, p->prev_up, p->prev_down);
        out[n++] = take_point(p, upstream, downstream);
    } else if (offset_lag_max <= 0 || downstream - (p->last_sync_down + 1) >= offset_lag_max) {
        /* MM2 rule (b): a translation lands at most one past the last
         * sync, so the distance counts from last_sync_down + 1. */
        out[n++] = take_point(p, upstream, downstream);
    }
    p->delayed = n == 0;
    p->prev_up = upstream;
    p->prev_down = downstream;
    return n;
}

int mir_sync_flush(mir_sync_part_t *p, mir_sync_point_t *out)
{
    if (!p->delayed)
        return 0;
    p->delayed = false;
    *out = take_point(p, p->prev_up, p->prev_down);
    return 1;
}

int mir_sync_translate(const mir_sync_part_t *p, int64_t acked_next, int64_t upstream,
                       int64_t *downstream)
{
    if (p->last_sync_up < 0 || upstream < p->last_sync_up)
        return 0;
    if (upstream <= p->prev_up) {
        *downstream = p->last_sync_down + (upstream - p->last_sync_up);
        return 1;
    }
    if (upstream <= acked_next) {
        *downstream = p->prev_down + 1;
        return 1;
    }
    return -1;
}
