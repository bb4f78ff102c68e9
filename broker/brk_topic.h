#ifndef XDC_BROKER_BRK_TOPIC_H
#define XDC_BROKER_BRK_TOPIC_H

/* The broker's topics: registry, creation and deletion, persistence in the
 * data directory (topics.json, Kafka's checkpoint files). Private to
 * broker/. All calls run on the broker loop. */

#include "broker/brk_store.h"
#include "broker/kwire_batch.h"
#include "broker/brk_topic_conf.h"
#include "conf/conf.h"

#include <stdint.h>

typedef struct brk_server brk_server_t;
typedef struct brk_topic brk_topic_t;

typedef struct brk_idem brk_idem_t; /* idempotent producers' state, brk_idem.c */

typedef struct brk_part {
    brk_topic_t *topic; /* read-only */
    int32_t index;      /* read-only: the partition number */
    char *dir;          /* "<log.dir>/<topic>-<index>" */
    brk_store_t *store;
    brk_idem_t *idem;    /* NULL until an idempotent producer writes */
    int64_t snapshot_at; /* log end at the last producer snapshot; -1 none */
} brk_part_t;

struct brk_topic {
    char *name;
    uint8_t id[16]; /* Kafka's topic id */
    int32_t nparts;
    brk_part_t *parts; /* nparts entries */
    int internal;      /* __consumer_offsets and other __ topics */
    char **ov_keys;    /* topic-level overrides as set, for DescribeConfigs and persistence */
    char **ov_values;
    int nov;
    brk_topic_conf_t conf; /* effective: broker defaults, then overrides */
    brk_topic_t *hnext;    /* private: hash chain */
};

typedef struct brk_topics {
    brk_topic_t **buckets; /* private */
    size_t nbuckets;
    size_t count;
} brk_topics_t;

/** Check a topic name as Kafka does: 1..249 of [a-zA-Z0-9._-], not "." or
 *  "..".  @return 0 or XDC_ECONF with the reason in @p why. */
int brk_topic_name_check(const char *name, size_t len, char *why, size_t whylen);

/** @return the topic called @p name (@p len bytes), or NULL. Borrowed. */
brk_topic_t *brk__topic_find(brk_server_t *srv, const char *name, size_t len);

/** Create a topic with @p nparts partitions (-1 = num.partitions) and
 *  @p keys/@p values overrides (validated first; nothing is created on an
 *  error). With @p validate_only nothing changes.
 *  @return a Kafka ErrorCode (KWIRE_ERR_NONE on success) with a sentence in
 *  @p msg for errors. */
int16_t brk__topic_create(brk_server_t *srv, const char *name, int32_t nparts,
                          const char *const *keys, const char *const *values, int nconfigs,
                          int validate_only, char *msg, size_t msglen);

/** Delete a topic and its data.  @return a Kafka ErrorCode. */
int16_t brk__topic_delete(brk_server_t *srv, const char *name);

/** Grow @p t to @p total partitions.  @return a Kafka ErrorCode. */
int16_t brk__topic_add_partitions(brk_server_t *srv, brk_topic_t *t, int32_t total,
                                  int validate_only, char *msg, size_t msglen);

/** Replace the topic's overrides with @p keys/@p values (the whole new
 *  set: IncrementalAlterConfigs merges before calling), validated as a
 *  whole; with @p validate_only nothing changes.
 *  @return a Kafka ErrorCode with @p msg. */
int16_t brk__topic_alter_configs(brk_server_t *srv, brk_topic_t *t, const char *const *keys,
                                 const char *const *values, int n, int validate_only, char *msg,
                                 size_t msglen);
/** Load topics.json and open every partition store, using the recovery
 *  points and log start offsets of the checkpoint files.
 *  @return 0 or an error with a one-line reason. */
int brk__topics_load(brk_server_t *srv, char *errbuf, size_t errlen);

/** Write recovery-point-offset-checkpoint and log-start-offset-checkpoint
 *  (Kafka's text format, written to .tmp, fsynced and renamed).  @return 0
 *  or -errno. */
int brk__topics_checkpoint(brk_server_t *srv);

/** Flush and close every store, then free the registry. */
void brk__topics_close(brk_server_t *srv);

/** Call @p fn for every topic, in no particular order. */
void brk__topics_each(brk_server_t *srv, void (*fn)(brk_topic_t *t, void *arg), void *arg);

/** Called for each batch brk__part_scan() reads; borrowed for the call. */
typedef void brk_scan_cb(void *arg, kwire_slice_t batch, const kwire_batch_hdr_t *h);

/** Read @p p's batches from @p from (or the log start) to the log end, in
 *  order, as recovery and replays need them.  @return 0 or a store error. */
int brk__part_scan(brk_part_t *p, int64_t from, brk_scan_cb *cb, void *arg);

/** Push a topic's effective configuration to its partition stores. */
void brk__topic_apply_store_conf(brk_topic_t *t);

/** Write @p len bytes to @p path through a fsynced temporary file and a
 *  rename, so a crash leaves the old file or the new one.  @return 0 or
 *  -errno (logged). */
int brk__write_atomic(const char *path, const char *data, size_t len);

/* Partitions per topic accepted by CreateTopics and CreatePartitions. */
#define BRK_MAX_PARTITIONS 10000

/** Fill @p sc from a topic's effective configuration. */
void brk__topic_store_conf(const brk_topic_t *t, brk_store_conf_t *sc);

#endif
