#ifndef XDC_MIRROR_MIR_INT_H
#define XDC_MIRROR_MIR_INT_H

/* The mirror's insides: one mir_flow_t per enabled "<source>-><target>"
 * flow, each with two threads.
 *
 *   data thread    consumes the flow's topics from the source through a
 *                  consumer group (cooperative-sticky: instances with the
 *                  same configuration share the partitions), produces each
 *                  record to the same partition of the remote topic with an
 *                  idempotent producer, learns the target offset from the
 *                  delivery report, commits source offsets only up to the
 *                  last record the target acknowledged, and emits offset
 *                  syncs and heartbeats (mir_flow.c);
 *   topics thread  every refresh.topics.interval.seconds lists the source's
 *                  topics, creates remote topics and partitions, syncs
 *                  topic configs and samples source log-end offsets
 *                  (mir_topics.c).
 *
 * The HTTP thread (mir_http.c) reads both through the flow's lock, and
 * asks the data thread to pause or resume the flow for the operator
 * (mir__flow_pause(), mir__flow_resume()). */

#include "common/buf.h"
#include "common/metrics.h"
#include "mirror/mir_ckpt.h"
#include "mirror/mir_filter.h"
#include "mirror/mir_policy.h"
#include "mirror/mir_sync.h"
#include "mirror/mirror.h"

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* A flow's counters in the daemon's metrics registry (mir_http.c): the
 * data thread updates them lock-free, /metrics and /v1/status read them. */
typedef struct mir_metrics {
    metrics_child_t *records, *bytes, *skipped, *duplicates, *duplicates_avoided, *syncs,
        *heartbeats, *failures;
    metrics_child_t *latency; /* record timestamp to target acknowledgement, seconds */
    metrics_child_t *checkpoints, *group_syncs;
    metrics_child_t *ckpt_latency; /* source commit (upper bound) to checkpoint on the target */
} mir_metrics_t;

/* One record on its way: consumed from the source, produced or skipped,
 * not yet acknowledged by the target. Kept in a per-partition FIFO because
 * the target acknowledges one partition's records in produce order. */
typedef struct mir_rec {
    rd_kafka_message_t *src; /* owned until the delivery report; NULL once done */
    int64_t offset;          /* source offset */
    int64_t timestamp;       /* source timestamp (ms), for lag in seconds */
    size_t bytes;            /* counted against buffer.memory */
    bool done;               /* acknowledged by the target, or skipped */
    bool skipped;            /* not produced: it came from the target cluster */
    int64_t loop_down;       /* skipped as a copy of the target's own record at
                              * this offset there (its xdc.src): an offset sync
                              * still maps it, in order, when it leaves the
                              * queue; -1 none */
} mir_rec_t;

typedef struct mir_part {
    struct mir_topic *topic; /* borrowed */
    int32_t partition;
    /* FIFO of records in flight, oldest first */
    mir_rec_t *q;
    size_t qcap, qhead, qlen;
    int64_t acked_next;     /* source offset after the last record the target holds */
    int64_t committed_next; /* last offset committed to the source group */
    int64_t log_end;        /* source high watermark, sampled */
    int64_t caught_up_ms;   /* wall time when acked_next last reached log_end */
    mir_sync_part_t sync;
    bool paused;         /* on the consumer: by flow control, a failure, tail_pending
                          * or the API's pause (mir_flow_t.halted) */
    char failure[256];   /* why the target refused a record; "" when none */
    int64_t retry_at_ms; /* monotonic time to retry a failed partition */
    bool revoked;        /* no longer assigned: freed by its last delivery report */
    bool tail_pending;   /* assigned while the target was unreadable: paused until
                          * its start past what the target holds is known */
    int64_t halt_rewind; /* first record dropped because the flow was paused by the
                          * API (POST /v1/pause), -1 none: the resume seeks back there */
} mir_part_t;

typedef struct mir_topic {
    char *name;   /* source topic */
    char *remote; /* target topic */
    bool heartbeats;
    rd_kafka_topic_t *rkt; /* the target producer's handle for remote */
    mir_part_t **parts;    /* indexed by partition; NULL when not assigned here */
    int nparts;            /* size of parts */
} mir_topic_t;

typedef struct mir_flow {
    const mir_conf_t *conf;      /* borrowed from mir_run() */
    const mir_flow_conf_t *fc;   /* borrowed */
    const mir_cluster_t *source; /* borrowed */
    const mir_cluster_t *target; /* borrowed */
    char name[256];              /* "primary->dr" */
    char group_id[512];
    char syncs_topic[256];
    mir_policy_t policy;
    mir_filter_t *topic_filter;
    mir_filter_t *config_filter; /* matches config.properties.exclude */

    rd_kafka_t *consumer;     /* source, group member */
    rd_kafka_t *producer;     /* target, idempotent: mirrored records */
    rd_kafka_t *src_producer; /* source: heartbeats, offset syncs at the source */
    rd_kafka_t *src_admin;    /* source: metadata, configs, watermarks */
    rd_kafka_t *tgt_admin;    /* target: topic creation, configs */
    rd_kafka_t *tail;         /* target consumer without a group: reads partition tails */

    mir_ckpt_t *ck; /* NULL when checkpoints are off */

    pthread_t data_thread, topics_thread, ckpt_thread;
    bool data_started, topics_started, ckpt_started;
    atomic_bool stop;

    /* Under lock: everything below, read by the HTTP thread. The data
     * thread holds it while it changes topics, partitions and counters. */
    pthread_mutex_t lock;
    pthread_cond_t wake; /* topics thread sleeps on it */
    mir_topic_t **topics;
    size_t ntopics;
    mir_part_t *last_part; /* lookup cache of the data thread */
    char **wanted;         /* source topics ready to mirror (remote exists), sorted */
    size_t nwanted;
    int wanted_gen; /* bumped by the topics thread when wanted changes */
    int subscribed_gen;
    size_t inflight_bytes;
    size_t inflight_records; /* produced, delivery report pending (revoked partitions too) */
    bool backpressure;       /* every partition paused: buffer.memory reached */
    /* The operator's pause (POST /v1/pause, /v1/resume): the HTTP thread
     * sets halt_requested, the data thread applies it to the consumer. */
    bool halt_requested;   /* paused by the API: nothing more is read or produced */
    bool halted;           /* the data thread paused every assigned partition for it */
    bool halt_flushed;     /* ... and, with nothing in flight, flushed syncs and commits */
    bool halt_dirty;       /* a partition may be paused or have a halt_rewind for it:
                            * the resume must visit them */
    int64_t hb_latency_ms; /* last heartbeat's end-to-end latency, -1 none */
    int64_t hb_at_ms;      /* wall time it arrived */
    char last_error[512];
    int64_t started_ms;
    mir_metrics_t m; /* set by mir__http_metrics_register() before the flow starts */
} mir_flow_t;

/* mir_flow.c */
mir_flow_t *mir__flow_new(const mir_conf_t *conf, const mir_flow_conf_t *fc, char *errbuf,
                          size_t errlen);
int mir__flow_start(mir_flow_t *f, char *errbuf, size_t errlen);
void mir__flow_stop(mir_flow_t *f);
void mir__flow_free(mir_flow_t *f);
/** @return the topic named @p name, or NULL.  @locks f->lock held. */
mir_topic_t *mir__flow_topic_find(mir_flow_t *f, const char *name);
/** Pause @p f for the operator: from return on, nothing more is read from
 *  its source or produced to its target (the data thread pauses every
 *  partition and drops what was fetched before, to read it again on
 *  resume). Then wait up to @p timeout_ms for the records already in
 *  flight to be acknowledged, and then, within that time and for at most
 *  SYNCS_WAIT_MS, for the data thread to write their offset syncs (which
 *  it does anyway) and for those to be delivered. Pausing a paused flow
 *  only waits.  @return whether nothing is in flight any more (drained):
 *  the replicated offsets are then final until the resume.
 *  @thread any but the data thread; not persisted. */
bool mir__flow_pause(mir_flow_t *f, int timeout_ms);
/** Lift the operator's pause: the data thread seeks partitions back to
 *  their first dropped record and resumes those not paused for another
 *  reason. Resuming a running flow does nothing.  @thread any but the
 *  data thread. */
void mir__flow_resume(mir_flow_t *f);

/* mir_topics.c */
void *mir__topics_main(void *arg);
/** Make sure @p remote on the target has at least @p partitions.
 *  @return 0 or XDC_EKAFKA (logged).  @thread any. */
int mir__topics_ensure_partitions(mir_flow_t *f, const char *remote, int partitions);
/** Create a single-partition compacted topic if it does not exist.
 *  @return 0 or XDC_EKAFKA (logged).  @thread any. */
int mir__topics_ensure_internal(mir_flow_t *f, rd_kafka_t *rk, const char *topic, int rf);

/* mir_ckpt.c */
/** The flow's checkpoint state and clients, or NULL with *@p errbuf ""
 *  when checkpoints are off, or NULL with the reason.  @thread main. */
mir_ckpt_t *mir__ckpt_new(mir_flow_t *f, char *errbuf, size_t errlen);
void mir__ckpt_free(mir_ckpt_t *ck);
void *mir__ckpt_main(void *arg);

/* mir_ckpt_view.c */
/** GET /v1/checkpoints: the flows' last runs, only @p group's entries when
 *  not NULL. */
json_t *mir__http_checkpoints(mir_flow_t *const *flows, size_t n, const char *group);

/* mir_admin.c: consumer-group admin requests, each bounded by @p timeout_ms. */
/** @return the committed offsets of @p group (caller destroys), or NULL
 *  with the reason in @p err. */
rd_kafka_topic_partition_list_t *mir__group_offsets(rd_kafka_t *rk, const char *group,
                                                    int timeout_ms, char *err, size_t errlen);
/** Commit @p offsets for @p group (which must have no active members).
 *  @return 0, or XDC_EKAFKA with the reason (a partition's too). */
int mir__alter_group_offsets(rd_kafka_t *rk, const char *group,
                             const rd_kafka_topic_partition_list_t *offsets, int timeout_ms,
                             char *err, size_t errlen);
/** Every consumer group of the cluster.  @param out caller-owned strings
 *  and array.  @return 0 or XDC_EKAFKA (also when a broker did not answer). */
int mir__list_groups(rd_kafka_t *rk, int timeout_ms, char ***out, size_t *n, char *err,
                     size_t errlen);
/** Member counts of @p groups into @p members (0 for a group the
 *  cluster does not know, -1 when its description failed).
 *  @return 0 or XDC_EKAFKA. */
int mir__group_members(rd_kafka_t *rk, const char **groups, size_t n, int *members, int timeout_ms,
                       char *err, size_t errlen);

/* mir_clients.c */
/** A librdkafka client for @p c: its common properties, then the role's
 *  (consumer/producer/admin), then @p fixed ("key", "value", ..., NULL),
 *  which the mirror needs for correctness and which win.
 *  @param defaults ("key", "value", ..., NULL) applied first, before the
 *  user's properties.  @return NULL with a reason in @p errbuf. */
rd_kafka_t *mir__client_new(const mir_cluster_t *c, rd_kafka_type_t type, const mir_props_t *role,
                            const char *name, const char *const *defaults, const char *const *fixed,
                            rd_kafka_conf_t *conf, char *errbuf, size_t errlen);

/** A consumer on @p c that reads by assignment (offset-syncs and
 *  checkpoints topics, watermarks) and makes admin requests; it carries
 *  @p group_id only because assign() needs one.  @return NULL with the
 *  reason in @p errbuf. */
rd_kafka_t *mir__reader_new(const mir_cluster_t *c, const char *group_id, const char *name,
                            char *errbuf, size_t errlen);

/* mir_http.c */
json_t *mir__http_lag(mir_flow_t *const *flows, size_t n);
json_t *mir__http_status(mir_flow_t *const *flows, size_t n);
/** The answer to POST /v1/pause or /v1/resume of @p f: its state, and
 *  when paused, whether it @p drained, the records still in flight and
 *  each partition's replicated and log-end offsets.  @locks takes f->lock. */
json_t *mir__http_pause_answer(mir_flow_t *f, bool drained);
/* The daemon's flows, as the HTTP handlers and metrics collectors see them. */
typedef struct mir_flows {
    mir_flow_t **v;
    size_t n;
} mir_flows_t;

/** Register the mirror's metrics in @p reg and give each flow its
 *  children.  @param fl borrowed; must outlive @p reg.
 *  @return 0, or XDC_ESTATE when a family cannot be registered. */
int mir__http_metrics_register(metrics_registry_t *reg, const mir_flows_t *fl);
/** The checkpoint gauges (groups, partitions, inexact by reason)
 *  (mir_ckpt_view.c).  @return 0 or XDC_ESTATE. */
int mir__ckpt_metrics_register(metrics_registry_t *reg, const mir_flows_t *fl);

#endif
