#ifndef XDC_MIRROR_MIRROR_H
#define XDC_MIRROR_MIRROR_H

#include "checkpoint/checkpoint.h"
#include "conf/conf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* xdc-mirror: replicates a source cluster to a target cluster.
 *
 * Its configuration is MirrorMaker 2's mm2.properties: a few global keys
 * (mir_conf_table), per-cluster keys "<alias>.<property>" passed to
 * librdkafka, and flow settings (mir_flow_table) written globally or per
 * flow as "<source>-><target>.<key>" (the flow's value wins). */

/* A librdkafka property, already checked against librdkafka and with Java
 * client names mapped (sasl.jaas.config -> sasl.username/sasl.password). */
typedef struct mir_prop {
    char *key;
    char *value;
} mir_prop_t;

typedef struct mir_props {
    mir_prop_t *v; /* owned */
    size_t count;
} mir_props_t;

typedef struct mir_cluster {
    char *alias;             /* as listed in "clusters" */
    char *bootstrap_servers; /* "<alias>.bootstrap.servers"; "" when unset */
    mir_props_t common;      /* "<alias>.<prop>": every client of this cluster */
    mir_props_t consumer;    /* "<alias>.consumer.<prop>" */
    mir_props_t producer;    /* "<alias>.producer.<prop>" */
    mir_props_t admin;       /* "<alias>.admin.<prop>" */
} mir_cluster_t;

enum mir_policy_kind {
    MIR_POLICY_DEFAULT,  /* "<source><sep><topic>" (DefaultReplicationPolicy, "prefix") */
    MIR_POLICY_IDENTITY, /* same name (IdentityReplicationPolicy, "identity") */
};

enum mir_syncs_location {
    MIR_SYNCS_SOURCE, /* mm2-offset-syncs.<target>.internal on the source (MM2's default) */
    MIR_SYNCS_TARGET, /* mm2-offset-syncs.<source>.internal on the target */
};

/* One replication flow, "<source>-><target>", with its settings resolved:
 * the flow's own key, else the global key, else the default. Fields in
 * mir_flow_table order. */
typedef struct mir_flow_conf {
    /* set by the loader, not by the table */
    int source; /* index into mir_conf_t.clusters_v */
    int target; /* index into mir_conf_t.clusters_v */
    int policy; /* enum mir_policy_kind, from replication_policy_class */
    /* from mir_flow_table */
    bool enabled;                          /* enabled */
    conf_list_t topics;                    /* topics (regexes, full match) */
    conf_list_t topics_exclude;            /* topics.exclude */
    conf_list_t groups;                    /* groups */
    conf_list_t groups_exclude;            /* groups.exclude */
    char *replication_policy_class;        /* replication.policy.class, as written */
    char *separator;                       /* replication.policy.separator */
    int replication_factor;                /* replication.factor; -1 = target's default */
    bool sync_topic_configs_enabled;       /* sync.topic.configs.enabled */
    int sync_topic_configs_interval_s;     /* sync.topic.configs.interval.seconds */
    conf_list_t config_properties_exclude; /* config.properties.exclude */
    int refresh_topics_interval_s;         /* refresh.topics.interval.seconds */
    int refresh_groups_interval_s;         /* refresh.groups.interval.seconds */
    bool emit_heartbeats_enabled;          /* emit.heartbeats.enabled */
    int emit_heartbeats_interval_s;        /* emit.heartbeats.interval.seconds */
    int heartbeats_rf;                     /* heartbeats.topic.replication.factor */
    bool emit_checkpoints_enabled;         /* emit.checkpoints.enabled */
    int emit_checkpoints_interval_s;       /* emit.checkpoints.interval.seconds */
    int checkpoints_rf;                    /* checkpoints.topic.replication.factor */
    bool sync_group_offsets_enabled;       /* sync.group.offsets.enabled */
    int sync_group_offsets_interval_s;     /* sync.group.offsets.interval.seconds */
    bool emit_offset_syncs_enabled;        /* emit.offset-syncs.enabled */
    int offset_syncs_location; /* offset-syncs.topic.location: enum mir_syncs_location */
    int offset_syncs_rf;       /* offset-syncs.topic.replication.factor */
    int64_t offset_lag_max;    /* offset.lag.max */
    int64_t buffer_memory;     /* buffer.memory: bytes consumed but not yet acked by the target */
    int offset_flush_interval_ms; /* offset.flush.interval.ms: source offset commits */
    char *group_id;               /* group.id of the source consumer; "" = xdc-mirror.<src>-<tgt> */
} mir_flow_conf_t;

/* Headers the mirror puts on every record it writes (the failover
 * controller's reconcile reads the first). */
#define MIR_HDR_ORIGIN "xdc.origin" /* alias of the cluster the record was first produced to */
#define MIR_HDR_SRC    "xdc.src"    /* "<source alias>:<partition>:<offset>" of this copy */

typedef struct mir_conf {
    /* from mir_conf_table */
    conf_list_t clusters;
    char *http_listeners;
    char *http_token_file; /* "" = the API takes no token */
    conf_log_t log;
    /* set by mir_conf_load() */
    mir_cluster_t *clusters_v; /* one per clusters.items[i], same order */
    size_t nclusters;
    mir_flow_conf_t *flows; /* enabled flows only, sources in clusters order */
    size_t nflows;
    char **warnings; /* one line each: keys accepted but not implemented, etc. */
    size_t nwarnings;
} mir_conf_t;

extern const conf_table_t mir_conf_table; /* global keys */
extern const conf_table_t mir_flow_table; /* flow keys, global or "<a>-><b>." */

/** Load an mm2.properties file plus "key=value" overrides into @p out (a
 *  zeroed struct).  @return 0, or XDC_ECONF with "file:line: key: reason".
 *  Release @p out with mir_conf_free() in both cases. */
int mir_conf_load(const char *path, const char *const *overrides, int noverrides, mir_conf_t *out,
                  char *errbuf, size_t errlen);

/** mir_conf_load() over entries already parsed; entries marked used
 *  belong to someone else (the failover controller's own keys) and are
 *  skipped. Marks the ones it takes. */
int mir_conf_load_entries(conf_entries_t *es, mir_conf_t *out, char *errbuf, size_t errlen);

/** mir_conf_load() over a string (tests, fuzzing). */
int mir_conf_load_string(const char *text, const char *name, mir_conf_t *out, char *errbuf,
                         size_t errlen);

void mir_conf_free(mir_conf_t *conf);

/** Run the mirror daemon until SIGTERM/SIGINT.
 *  @param conf borrowed for the duration of the call.
 *  @return 0, or an error with a one-line reason in @p errbuf. */
int mir_run(const mir_conf_t *conf, char *errbuf, size_t errlen);

/* --- consumer-offset translation ---------------------------------------- */

/* One committed offset of a group on the source and its translation. */
typedef struct mir_translation {
    char *topic;  /* source topic */
    char *remote; /* its name on the target */
    int32_t partition;
    int64_t committed;     /* the group's committed offset on the source */
    int64_t log_start;     /* the source partition's log start offset, -1 unknown */
    ckpt_translation_t tr; /* tr.offset: on the target; tr.inexact: why not exact */
} mir_translation_t;

/** Translate every committed offset of @p group on the source of flow
 *  @p fc (only those of @p topic when not NULL): read the group's offsets
 *  and the partitions' log starts on the source and the flow's
 *  offset-syncs topic to its end, then translate (ckpt_index_translate).
 *  @param out caller-owned array of *@p n entries, in (topic, partition)
 *  order; free with mir_translations_free().
 *  @return 0, or a negative code with the reason in @p err. */
int mir_translate_group(const mir_conf_t *conf, const mir_flow_conf_t *fc, const char *group,
                        const char *topic, int timeout_ms, mir_translation_t **out, size_t *n,
                        char *err, size_t errlen);

void mir_translations_free(mir_translation_t *v, size_t n);

/** The flow named "<source>-><target>" in @p conf, or NULL.  @return borrowed. */
const mir_flow_conf_t *mir_conf_flow(const mir_conf_t *conf, const char *name);

/** @return true when flow @p fc never copies @p topic, whatever its topic
 *  filters say: an internal topic by MM2's rules (a name starting "__" or
 *  ".", or ending ".internal", "-internal" or "<separator>internal"). */
bool mir_conf_never_copies(const mir_flow_conf_t *fc, const char *topic);

/* --- applying checkpoints ---------------------------------------------- */

typedef struct mir_applied_part {
    char *topic; /* on the target */
    int32_t partition;
    int64_t source_offset;  /* the checkpoint's upstream offset */
    int64_t target_offset;  /* committed (or, in a dry run, to commit) */
    int64_t previous;       /* the group's offset on the target before; -1 none */
    ckpt_inexact_t inexact; /* the checkpoint's exactness */
} mir_applied_part_t;

typedef struct mir_applied_group {
    char *group;
    int members; /* active members on the target; -1 unknown */
    bool applied;
    char error[512]; /* why not, when !applied */
    mir_applied_part_t *parts;
    size_t nparts;
} mir_applied_group_t;

/** Commit the latest checkpoint of each partition of @p groups (every
 *  group in the checkpoints topic when @p ngroups is 0) to the same group
 *  on the flow's target, reading "<source>.checkpoints.internal" there to
 *  its end first. A group with active members on the target is refused,
 *  never rewound under running consumers. Unlike group offset sync, this
 *  sets the checkpoint even below the group's current offset: it is what
 *  a failover resumes from.
 *  @param dry_run read and check, commit nothing.
 *  @param out caller-owned, one entry per group (see applied / error);
 *  free with mir_applied_free().
 *  @return 0 (per-group outcomes in @p out), or a negative code with the
 *  reason in @p err when the checkpoints could not be read. */
int mir_checkpoints_apply(const mir_conf_t *conf, const mir_flow_conf_t *fc,
                          const char *const *groups, size_t ngroups, bool dry_run, int timeout_ms,
                          mir_applied_group_t **out, size_t *n, char *err, size_t errlen);

void mir_applied_free(mir_applied_group_t *v, size_t n);

#endif
