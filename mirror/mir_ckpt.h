#ifndef XDC_MIRROR_MIR_CKPT_H
#define XDC_MIRROR_MIR_CKPT_H

/* A flow's checkpoint thread (mir_ckpt.c): every
 * emit.checkpoints.interval.seconds it translates the committed offsets of
 * the source's consumer groups (groups / groups.exclude) on the partitions
 * this instance mirrors, and writes MirrorMaker 2 Checkpoint records to
 * "<source>.checkpoints.internal" on the target; with
 * sync.group.offsets.enabled it also commits them to idle target groups.
 *
 * The thread owns everything here; the HTTP thread reads the fields marked
 * "under lock" holding mir_ckpt_t.lock. */

#include "checkpoint/checkpoint.h"
#include "mirror/mir_filter.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* One partition of one group, as of the last run. */
typedef struct mir_ckpt_part {
    char *group;
    char *topic;  /* source topic */
    char *remote; /* its name on the target */
    int32_t partition;
    int64_t committed;      /* the group's offset on the source */
    char *metadata;         /* the commit's metadata; "" when none */
    ckpt_translation_t tr;  /* offset -1 when there is none to write */
    int64_t ck_up, ck_down; /* the latest checkpoint on the target; -1 none */
    int64_t current_ms;     /* wall time the checkpoint last matched the translation; 0 never */
    int64_t since_ms;       /* the commit came after this wall time; 0 when its checkpoint is out */
} mir_ckpt_part_t;

typedef struct mir_ckpt_group {
    char *group;
    int target_members;    /* on the target; -1 unknown */
    char offset_sync[256]; /* "disabled", "synced", "skipped: ...", "error: ..." */
} mir_ckpt_group_t;

typedef struct mir_ckpt {
    char topic[256]; /* <source>.checkpoints.internal, on the target */
    mir_filter_t *groups_filter;
    rd_kafka_t *src;      /* source: group admin, syncs when they live there */
    rd_kafka_t *tgt;      /* target: the checkpoints topic, syncs there, group admin */
    rd_kafka_t *producer; /* target: checkpoint records */
    ckpt_index_t *ix;     /* every offset sync read so far */
    int64_t syncs_next, ck_next;
    ckpt_store_t written; /* the latest checkpoint per key (remote topic) */
    char **groups;        /* listed and matching, sorted */
    size_t ngroups;
    int64_t next_list_ms, next_sync_ms; /* monotonic */
    bool topic_ready;                   /* the checkpoints topic exists */
    bool ready;                         /* both topics were read to their end once */

    pthread_mutex_t lock;
    mir_ckpt_part_t *parts; /* under lock; sorted by group, topic, partition */
    size_t nparts;
    mir_ckpt_group_t *gv; /* under lock; sorted by group */
    size_t ngv;
    int64_t last_run_ms;  /* under lock: wall time of the last complete run; 0 none */
    char last_error[512]; /* under lock; "" when the last run went through */
} mir_ckpt_t;

#endif
