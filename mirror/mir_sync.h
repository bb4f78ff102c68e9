#ifndef XDC_MIRROR_MIR_SYNC_H
#define XDC_MIRROR_MIR_SYNC_H

/* Offset-sync emission for one mirrored partition: a pure state machine fed
 * with every record the target acknowledged, in partition order, as the
 * pair (upstream = source offset, downstream = target offset).
 *
 * Between two breaks the pairs form a straight line (each +1 on both
 * sides). The emitter sends a sync at both ends of every line: at a break
 * it sends the last point of the old line (unless already sent) and the
 * first point of the new one. Within a line it sends one point each time
 * the target moves offset_lag_max past the last sync (MM2's rule,
 * KAFKA-14797), and keeps the latest point as "delayed" for
 * mir_sync_flush(). A break is a source gap (upstream != previous + 1:
 * filtered or compacted records, transaction markers, retention, a rewind)
 * or a target gap (downstream != previous + 1: retries, other writers, a
 * truncated or recreated target).
 *
 * So after a flush, consecutive syncs (a, b), (c, d) lie on one line when
 * c - a == d - b, and otherwise are adjacent records with a break between
 * them. A reader translates a source offset U with a <= U < c exactly as
 * "the target offset of the first mirrored record whose source offset is
 * >= U": b when U == a; b + (U - a) on a line; else d. One case is beyond
 * any (upstream, downstream) encoding: a break whose source and target gaps
 * are equal leaves (a, b), (c, d) collinear, and the reader then answers
 * b + (U - a), inside the target gap (b, d), rather than d.
 *
 * MM2's own reader (OffsetSyncStore: the sync at or below U, plus 1 if
 * below) stays conservative on these syncs: it never passes the exact
 * answer while the target offsets only grow.
 *
 * Pure code; no locking: one thread owns a partition's state. */

#include <stdbool.h>
#include <stdint.h>

/* A sync to write: MM2 OffsetSync's upstreamOffset and offset, and the
 * sync emitted before it for the partition (-1, -1 when there is none in
 * this life), which goes into the record's CKPT_PREV_HEADER. */
typedef struct mir_sync_point {
    int64_t upstream;
    int64_t downstream;
    int64_t prev_upstream;
    int64_t prev_downstream;
} mir_sync_point_t;

/* One partition's emitter state, embedded by the caller. All fields are
 * read-only for callers. */
typedef struct mir_sync_part {
    int64_t prev_up; /* the last acked point */
    int64_t prev_down;
    int64_t last_sync_up; /* the last point returned for emission; -1 before */
    int64_t last_sync_down;
    bool delayed; /* the last acked point has not been returned yet */
    bool started; /* an ack was seen since mir_sync_part_init() */
} mir_sync_part_t;

/** Reset @p p to a fresh partition: the next ack is emitted as the first
 *  point of the partition's life. Call it at assignment and reassignment. */
void mir_sync_part_init(mir_sync_part_t *p);

/** Start @p p as a partition whose last record on the target is source
 *  offset @p upstream at target offset @p downstream, written by an earlier
 *  life that emitted a sync for it (a clean stop flushes its last point):
 *  the next sync links to it. Negative offsets (nothing on the target)
 *  leave @p p as mir_sync_part_init() does. */
void mir_sync_part_seed(mir_sync_part_t *p, int64_t upstream, int64_t downstream);

/** Feed the target's ack of the record at source offset @p upstream, written
 *  at target offset @p downstream. An ack equal to the previous one is
 *  ignored. @p offset_lag_max <= 0 emits every point.
 *  @param out receives the points to emit, in order.
 *  @return how many points were put in @p out (0, 1 or 2), or -EINVAL for a
 *  negative offset (such as RD_KAFKA_OFFSET_INVALID from an acks=0
 *  delivery report), with @p p unchanged. */
int mir_sync_ack(mir_sync_part_t *p, int64_t upstream, int64_t downstream, int64_t offset_lag_max,
                 mir_sync_point_t out[2]);

/** Take the delayed point, if any: call it periodically (MM2 does it every
 *  offset.flush.interval.ms) so a quiet partition gets a sync at its end.
 *  @return 1 with the point in @p out (no longer delayed), or 0. */
int mir_sync_flush(mir_sync_part_t *p, mir_sync_point_t *out);

/** Translate source offset @p upstream from the live state of a partition
 *  this process mirrors, for offsets at or past its last sync, which the
 *  offset-syncs topic may not show yet:
 *    at the last sync              its downstream;
 *    up to the last acked point    on the last sync's line (every point
 *                                  after the last sync is on it, or a
 *                                  break would have emitted one);
 *    up to @p acked_next           one past the last acked point: the
 *                                  records between were all skipped, and
 *                                  the next copy lands there.
 *  @param acked_next the source offset after the last record the target
 *  holds or that was skipped (mir_part_t.acked_next).
 *  @return 1 with the exact target offset in *@p downstream; 0 when
 *  @p upstream is below the last sync (or there is none): ask the index;
 *  -1 when the record at @p upstream - 1 or before is not processed yet. */
int mir_sync_translate(const mir_sync_part_t *p, int64_t acked_next, int64_t upstream,
                       int64_t *downstream);

#endif
