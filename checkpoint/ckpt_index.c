#include "checkpoint/checkpoint.h"

#include "common/err.h"
#include "common/util.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One sync as kept, with the sync its emitter wrote before it (-1, -1:
 * unknown). It is linked when that is the point before it in the array. */
typedef struct ckpt_point {
    int64_t up;
    int64_t down;
    int64_t prev_up;
    int64_t prev_down;
} ckpt_point_t;

typedef struct ckpt_ipart {
    char *topic;
    size_t topic_len;
    int32_t partition;
    ckpt_point_t *pts; /* ascending in both up and down */
    size_t n, cap;
    int64_t floor_up;         /* below it, floor_why answers; -1: none */
    ckpt_inexact_t floor_why; /* why history below floor_up was dropped */
} ckpt_ipart_t;

struct ckpt_index {
    ckpt_ipart_t **parts; /* sorted by (topic, partition) */
    size_t n, cap;
};

const char *ckpt_inexact_str(ckpt_inexact_t why)
{
    switch (why) {
    case CKPT_EXACT: return "exact";
    case CKPT_NO_SYNC: return "no offset sync yet";
    case CKPT_BEFORE_HISTORY: return "older than the oldest offset sync";
    case CKPT_SYNCS_MISSING: return "offset syncs missing";
    case CKPT_NOT_REPLICATED: return "not replicated yet";
    case CKPT_SOURCE_TRUNCATED: return "source truncated";
    case CKPT_TARGET_REGRESSED: return "target offsets regressed";
    case CKPT_SOURCE_REWOUND: return "source offsets rewound";
    case CKPT_INEXACT_COUNT: break;
    }
    return "unknown";
}

ckpt_index_t *ckpt_index_new(void)
{
    return xcalloc(1, sizeof(ckpt_index_t));
}

void ckpt_index_free(ckpt_index_t *ix)
{
    if (!ix)
        return;
    for (size_t i = 0; i < ix->n; i++) {
        free(ix->parts[i]->topic);
        free(ix->parts[i]->pts);
        free(ix->parts[i]);
    }
    free(ix->parts);
    free(ix);
}

static int part_cmp(const ckpt_ipart_t *p, const char *topic, size_t len, int32_t partition)
{
    size_t n = p->topic_len < len ? p->topic_len : len;
    int c = memcmp(p->topic, topic, n);
    if (c)
        return c;
    if (p->topic_len != len)
        return p->topic_len < len ? -1 : 1;
    return p->partition < partition ? -1 : p->partition > partition;
}

/* @return the slot of the partition, or where it would go (*found false). */
static size_t part_slot(const ckpt_index_t *ix, const char *topic, size_t len, int32_t partition,
                        bool *found)
{
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = part_cmp(ix->parts[mid], topic, len, partition);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

static const ckpt_ipart_t *part_find(const ckpt_index_t *ix, const char *topic, size_t len,
                                     int32_t partition)
{
    bool found;
    size_t i = part_slot(ix, topic, len, partition, &found);
    return found ? ix->parts[i] : NULL;
}

static ckpt_ipart_t *part_get(ckpt_index_t *ix, const char *topic, size_t len, int32_t partition)
{
    bool found;
    size_t i = part_slot(ix, topic, len, partition, &found);
    if (found)
        return ix->parts[i];
    if (ix->n == ix->cap) {
        ix->cap = ix->cap ? ix->cap * 2 : 16;
        ix->parts = xrealloc(ix->parts, ix->cap * sizeof(*ix->parts));
    }
    memmove(&ix->parts[i + 1], &ix->parts[i], (ix->n - i) * sizeof(*ix->parts));
    ckpt_ipart_t *p = xcalloc(1, sizeof(*p));
    p->topic = xstrndup(topic ? topic : "", len);
    p->topic_len = len;
    p->partition = partition;
    p->floor_up = -1;
    ix->parts[i] = p;
    ix->n++;
    return p;
}

/* Parse "<int64>:<int64>".  @return 0 or -1. */
static int parse_prev(const char *s, size_t len, int64_t *up, int64_t *down)
{
    char buf[48], *colon, *end;
    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    colon = strchr(buf, ':');
    if (!colon || colon == buf || colon[1] == '\0')
        return -1;
    *colon = '\0';
    *up = strtoll(buf, &end, 10);
    if (*end || *up < 0)
        return -1;
    *down = strtoll(colon + 1, &end, 10);
    return *end || *down < 0 ? -1 : 0;
}

static bool collinear(const ckpt_point_t *a, const ckpt_point_t *b)
{
    return b->up - a->up == b->down - a->down;
}

static bool linked(const ckpt_ipart_t *p, size_t i)
{
    return i > 0 && p->pts[i].prev_up == p->pts[i - 1].up &&
           p->pts[i].prev_down == p->pts[i - 1].down;
}

/* History below @p up no longer describes the partition. */
static void part_reset(ckpt_ipart_t *p, int64_t up, ckpt_inexact_t why)
{
    p->n = 0;
    p->floor_up = up;
    p->floor_why = why;
}

static void part_insert(ckpt_ipart_t *p, size_t i, const ckpt_point_t *pt)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->pts = xrealloc(p->pts, p->cap * sizeof(*p->pts));
    }
    memmove(&p->pts[i + 1], &p->pts[i], (p->n - i) * sizeof(*p->pts));
    p->pts[i] = *pt;
    p->n++;
    if (p->n > CKPT_INDEX_MAX_POINTS) {
        /* Drop the oldest quarter at once, so the move is rare. */
        size_t drop = CKPT_INDEX_MAX_POINTS / 4;
        memmove(p->pts, p->pts + drop, (p->n - drop) * sizeof(*p->pts));
        p->n -= drop;
    }
}

/* A point between two linked neighbours on one line says nothing the line
 * does not: drop the middle of the last three. */
static void merge_tail(ckpt_ipart_t *p)
{
    if (p->n < 3)
        return;
    size_t c = p->n - 1;
    ckpt_point_t *pa = &p->pts[c - 2], *pb = pa + 1, *pc = pa + 2;
    if (linked(p, c - 1) && linked(p, c) && collinear(pa, pb) && collinear(pb, pc)) {
        pc->prev_up = pa->up;
        pc->prev_down = pa->down;
        *pb = *pc;
        p->n--;
    }
}

/* The first point with up >= @p up (p->n when none). */
static size_t point_lower_bound(const ckpt_ipart_t *p, int64_t up)
{
    size_t lo = 0, hi = p->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->pts[mid].up < up)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* A sync older than the newest: a previous owner's last sync that landed
 * after the next owner's first (two producers write the syncs topic), or
 * a source topic that started over. */
static void add_older(ckpt_ipart_t *p, const ckpt_point_t *pt)
{
    size_t i = point_lower_bound(p, pt->up);
    if (p->pts[i].up == pt->up)
        return; /* known, or a second copy of the record: keep the first */
    if (pt->down >= p->pts[i].down || (i > 0 && pt->down <= p->pts[i - 1].down)) {
        part_reset(p, pt->up, CKPT_SOURCE_REWOUND);
        part_insert(p, 0, pt);
        return;
    }
    /* Between two linked points nothing is missing: the newcomer adds nothing. */
    if (!linked(p, i))
        part_insert(p, i, pt);
}

int ckpt_index_add(ckpt_index_t *ix, const ckpt_offset_sync_t *s, const char *prev, size_t prev_len)
{
    ckpt_point_t pt = {s->upstream_offset, s->downstream_offset, -1, -1};
    int rc = 0;

    if (pt.up < 0 || pt.down < 0)
        return XDC_EMALFORMED;
    if (prev && parse_prev(prev, prev_len, &pt.prev_up, &pt.prev_down) < 0) {
        rc = XDC_EMALFORMED;
        pt.prev_up = pt.prev_down = -1;
    }
    ckpt_ipart_t *p = part_get(ix, s->topic, s->topic_len, s->partition);
    const ckpt_point_t *last = p->n ? &p->pts[p->n - 1] : NULL;
    if (last && pt.up <= last->up) {
        add_older(p, &pt);
        return rc;
    }
    if (last && pt.down <= last->down)
        part_reset(p, pt.up, CKPT_TARGET_REGRESSED);
    part_insert(p, p->n, &pt);
    merge_tail(p);
    return rc;
}

/* The last point at or below @p up; the caller checked pts[0].up <= up. */
static size_t point_at_or_below(const ckpt_ipart_t *p, int64_t up)
{
    size_t lo = 0, hi = p->n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->pts[mid].up <= up)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

void ckpt_index_translate(const ckpt_index_t *ix, const char *topic, size_t topic_len,
                          int32_t partition, int64_t upstream, int64_t log_start,
                          ckpt_translation_t *out)
{
    const ckpt_ipart_t *p = part_find(ix, topic, topic_len, partition);
    bool truncated = log_start >= 0 && upstream < log_start;

    *out = (ckpt_translation_t){-1, CKPT_NO_SYNC};
    if (!p || p->n == 0)
        return;
    if (upstream < p->pts[0].up) {
        if (p->floor_up >= 0 && upstream < p->floor_up)
            out->inexact = p->floor_why;
        else
            out->inexact = truncated ? CKPT_SOURCE_TRUNCATED : CKPT_BEFORE_HISTORY;
        return;
    }
    size_t i = point_at_or_below(p, upstream);
    const ckpt_point_t *a = &p->pts[i];
    if (a->up == upstream) {
        *out = (ckpt_translation_t){a->down, CKPT_EXACT};
        return;
    }
    if (i + 1 == p->n) {
        /* The next record of the source goes to the next target offset,
         * unless it was not replicated yet or was deleted first. */
        out->offset = a->down + 1;
        out->inexact = truncated               ? CKPT_SOURCE_TRUNCATED
                       : upstream == a->up + 1 ? CKPT_EXACT
                                               : CKPT_NOT_REPLICATED;
        return;
    }
    const ckpt_point_t *c = a + 1;
    if (!linked(p, i + 1)) {
        out->offset = a->down + 1;
        out->inexact = truncated ? CKPT_SOURCE_TRUNCATED : CKPT_SYNCS_MISSING;
    } else if (collinear(a, c)) {
        /* Every record between a and c was mirrored, one for one. */
        *out = (ckpt_translation_t){a->down + (upstream - a->up), CKPT_EXACT};
    } else {
        /* a and c are adjacent mirrored records: nothing between them was
         * mirrored, so c is the first at or after upstream. */
        out->offset = c->down;
        out->inexact = truncated ? CKPT_SOURCE_TRUNCATED : CKPT_EXACT;
    }
}

bool ckpt_index_last(const ckpt_index_t *ix, const char *topic, size_t topic_len, int32_t partition,
                     int64_t *up, int64_t *down)
{
    const ckpt_ipart_t *p = part_find(ix, topic, topic_len, partition);
    if (!p || p->n == 0)
        return false;
    *up = p->pts[p->n - 1].up;
    *down = p->pts[p->n - 1].down;
    return true;
}

size_t ckpt_index_points(const ckpt_index_t *ix, const char *topic, size_t topic_len,
                         int32_t partition)
{
    const ckpt_ipart_t *p = part_find(ix, topic, topic_len, partition);
    return p ? p->n : 0;
}
