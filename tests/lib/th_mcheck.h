#ifndef XDC_TESTS_LIB_TH_MCHECK_H
#define XDC_TESTS_LIB_TH_MCHECK_H

/* Checks and scenarios of an xdc-mirror between two clusters named
 * "primary" and "dr", shared by the tests that run it between xdc-brokers
 * (0010, 0011) and between librdkafka mock clusters (0012). Every function
 * fails the test with what it found, and the mirror's log where it helps.
 * The clusters and the topics each check names must exist already. */

#include "tests/lib/th_broker.h"
#include "tests/lib/th_kafka.h"
#include "tests/lib/th_mirror.h"

#include <jansson.h>
#include <stdint.h>

typedef struct th_pair {
    const char *primary; /* bootstrap servers of "primary", the source */
    const char *dr;      /* bootstrap servers of "dr", the target */
} th_pair_t;

/** Start two xdc-brokers with @p overrides (NULL-terminated, may be NULL)
 *  in @p dir/primary and @p dir/dr.  @return their bootstraps, valid while
 *  @p primary and @p dr are. */
th_pair_t th_pair_start(th_broker_t *primary, th_broker_t *dr, const char *dir,
                        const char *const *overrides);

/** A mirror configuration for tests: the flow primary->dr between @p p's
 *  clusters, topics refreshed every second, offsets committed and syncs
 *  flushed every 500 ms, a 6 s session timeout on the source; then
 *  @p extra (may be NULL; its keys win over these).
 *  @return a harness buffer, valid until the next call. */
const char *th_mc_conf(const th_pair_t *p, const char *extra);

/** Stop what a failed test may have left running, in that order: the load
 *  *@p load (set to NULL) and every mirror of @p mirrors that runs. */
void th_mc_stop(th_kafka_load_t **load, th_mirror_t *const *mirrors, size_t n);

/** @return the monotonic clock in ms. */
int64_t th_mc_now_ms(void);

/** Wait until @p topic on @p bootstrap holds @p want records in all, at
 *  most @p timeout_ms; the failure shows @p m's log (@p m may be NULL). */
void th_mc_wait_count(const char *bootstrap, const char *topic, int nparts, int64_t want,
                      int timeout_ms, th_mirror_t *m);

/** Read @p topic on the source and @p remote on the target whole and
 *  compare them record by record (th_recs_compare_mirrored); fails on
 *  anything missing or different.  @param c out: the counts. */
void th_mc_compare(const th_pair_t *p, const char *topic, const char *remote, th_mirror_check_t *c);

/** th_mc_compare(), and no duplicates either. */
void th_mc_expect_identical(const th_pair_t *p, const char *topic, const char *remote);

/** The identity scenario after @p m started copying @p nrec records of
 *  @p topic (IdentityReplicationPolicy, offset-syncs.topic.location =
 *  target): the copy arrives within @p timeout_ms and is identical, lag
 *  reaches 0, and the syncs are on the target only, named after the source. */
void th_mc_expect_identity_copy(const th_pair_t *p, th_mirror_t *m, const char *topic, int nparts,
                                int64_t nrec, int timeout_ms);

/** The first flow of a /v1/lag or /v1/status answer.  @return borrowed. */
json_t *th_mc_flow0(json_t *j);

/** Wait until @p m's /v1/lag shows lag 0 on all @p nparts partitions of
 *  @p topic, with its log ends equal to the source's and the target's. */
void th_mc_wait_lag_zero(const th_pair_t *p, th_mirror_t *m, const char *topic, const char *remote,
                         int nparts);

/** Wait until @p m's /v1/lag lists @p n partitions of @p topic. */
void th_mc_wait_assigned(th_mirror_t *m, const char *topic, int n);

/** Every record of @p syncs_topic on @p syncs_bootstrap decodes as MM2's
 *  OffsetSync, and the last sync of each partition of @p topic points at the
 *  partition's end on @p source_bootstrap. */
void th_mc_expect_offset_syncs(const char *source_bootstrap, const char *syncs_bootstrap,
                               const char *syncs_topic, const char *topic, int nparts);

/** As th_mc_expect_offset_syncs(), with the source's log ends given:
 *  waits up to 30 s for the last sync of each partition to map
 *  @p ends[p] - 1 to itself. */
void th_mc_expect_offset_syncs_at(const char *syncs_bootstrap, const char *syncs_topic,
                                  const char *topic, int nparts, const int64_t *ends);

/** @m's /metrics for flow primary->dr: at least @p min_records acknowledged,
 *  each with one latency observation, no duplicates, lag 0 on every
 *  partition of @p topic. */
void th_mc_expect_metrics(th_mirror_t *m, const char *topic, int nparts, long min_records);

/** Heartbeats emitted into the source reach the target as
 *  primary.heartbeats and decode, and @p m measures their latency. */
void th_mc_expect_heartbeats(const th_pair_t *p, th_mirror_t *m);

/** A counter of the first flow in @p m's /v1/status. */
int64_t th_mc_status_counter(th_mirror_t *m, const char *name);

/** How many partitions of @p topic @p m's first flow holds (/v1/status). */
int th_mc_assigned(th_mirror_t *m, const char *topic);

/* --- scenarios --------------------------------------------------------- */

/** kill -9 @p m mid-stream under a load of @p value_len-byte records on
 *  @p topic (@p nparts partitions) and restart it: nothing is missing on
 *  the target, the duplicates there equal the count @p m reports, and the
 *  restart resumed past records it found on the target. @p m runs and
 *  holds every partition; its offset.flush.interval.ms should be long
 *  enough for the kill to leave records acknowledged but not committed.
 *  @param load where the running load is kept, so that the caller's
 *  teardown can stop it when a check fails. */
void th_mc_kill9(const th_pair_t *p, th_mirror_t *m, const char *topic, const char *remote,
                 int nparts, size_t value_len, th_kafka_load_t **load);

/** While a load of about 4,000 records/s runs on @p topic, @p m's /v1/lag
 *  lies between the log ends read just before and just after each of ten
 *  samples; after the load it reaches 0. @p m runs and holds every
 *  partition.  @param load as for th_mc_kill9(). */
void th_mc_lag_tracks_log_ends(const th_pair_t *p, th_mirror_t *m, const char *topic,
                               const char *remote, int nparts, th_kafka_load_t **load);

/** Start @p m1 and @p m2 on @p conf_text in @p dir: they share the
 *  partitions of @p topic; then kill -9 @p m1: @p m2 takes all of them, and
 *  2 x @p n records produced around the kill all reach the target. */
void th_mc_scale_out(const th_pair_t *p, th_mirror_t *m1, th_mirror_t *m2, const char *dir,
                     const char *conf_text, const char *topic, const char *remote, int nparts,
                     long n);

/** With @p m running primary->dr and dr->primary under identity naming:
 *  @p n records produced on each side of @p topic reach the other side once
 *  and do not come back. */
void th_mc_active_active(const th_pair_t *p, th_mirror_t *m, const char *topic, int nparts, long n);

#endif
