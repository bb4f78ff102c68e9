/* The mirror's settings: MirrorMaker 2's mm2.properties, read as written.
 *
 * An entry is one of: a global key (mir_conf_table), a flow key written
 * for every flow or as "<a>-><b>.<key>" (mir_flow_table), a cluster's
 * connection setting ("<alias>.bootstrap.servers", "<alias>.[consumer.|
 * producer.|admin.]<librdkafka property>", or a top-level security.protocol,
 * ssl.* or sasl.* that every cluster inherits), or something xdc ignores
 * with a warning. Only malformed values of keys xdc uses are errors, so an
 * existing mm2.properties starts without edits. */
#include "mirror/mirror.h"

#include "common/err.h"
#include "common/util.h"
#include "mirror/mir_filter.h"

#include <librdkafka/rdkafka.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* --- tables ------------------------------------------------------------- */

#define G(field) offsetof(mir_conf_t, field)

static const conf_item_t items[] = {
    {"clusters", CONF_LIST, G(clusters), 0, 0, NULL,
     "Aliases of the clusters this mirror connects, as in MirrorMaker 2. Each one connects with "
     "`<alias>.bootstrap.servers` and its `<alias>.*` client settings.",
     NULL, CONF_F_REQUIRED | CONF_F_NONEMPTY, NULL},
    {"http.listeners", CONF_STRING, G(http_listeners), 0, 0, "http://127.0.0.1:8083",
     "Where the mirror's HTTP API listens: http://host:port. Port 0 picks a free port.", NULL,
     CONF_F_NONEMPTY, conf_check_listener},
    {"http.token.file", CONF_STRING, G(http_token_file), 0, 0, "",
     "A file holding the bearer token that write requests to the HTTP API (POST /v1/pause, "
     "POST /v1/resume) must present as `Authorization: Bearer <token>`; reads need none. Its "
     "first line is the token, surrounding whitespace trimmed. Empty disables authentication "
     "(only sensible on 127.0.0.1). Give the failover controller the same token "
     "(mirror.token.file).",
     NULL, 0, NULL},
    CONF_LOG_ITEMS(mir_conf_t, log),
};

const conf_table_t mir_conf_table = {
    "mirror",
    "`xdc-mirror FILE` reads MirrorMaker 2's `mm2.properties` as it is: the keys below, the flow "
    "keys of the next section, and each cluster's client settings. Unlike the other daemons, an "
    "unknown key is not an error: keys xdc does not know, and MirrorMaker 2 or Kafka Connect keys "
    "it does not implement, are ignored with one warning each (logged at start, printed by `xdc "
    "config check mirror FILE`), so an existing file starts without edits. A malformed value of a "
    "key xdc uses is an error, `file:line: key: reason`.\n\n"
    "**Cluster keys.** `<alias>.bootstrap.servers` is required for every cluster that an enabled "
    "flow reads from or writes to. `<alias>.<property>` goes to every librdkafka client of that "
    "cluster; `<alias>.consumer.<property>`, `<alias>.producer.<property>` and "
    "`<alias>.admin.<property>` to one kind of client, and win over the plain form. As in "
    "MirrorMaker 2, a top-level `bootstrap.servers`, `security.protocol`, `ssl.*` or `sasl.*` "
    "applies to every cluster that does not set its own. Each property is checked with "
    "librdkafka when the file loads: a value librdkafka rejects is an error (`file:line: key: "
    "librdkafka says: ...`); a name it does not know is a warning and the property is dropped.\n\n"
    "**Java client names.** MirrorMaker 2 files use the Java client's names, which xdc maps to "
    "librdkafka's. `sasl.jaas.config` with `PlainLoginModule` or `ScramLoginModule` and "
    "`username=\"...\" password=\"...\"` becomes `sasl.username` and `sasl.password` (other login "
    "modules: a warning; set librdkafka's `sasl.oauthbearer.*` or `sasl.kerberos.*` instead). "
    "`ssl.truststore.location` with `ssl.truststore.type=PEM` becomes `ssl.ca.location`; a JKS or "
    "PKCS12 truststore is a warning: convert it to PEM (`keytool -exportcert -rfc`) and set "
    "`ssl.ca.location`. A PKCS12 keystore (`ssl.keystore.type=PKCS12`, `ssl.keystore.location`, "
    "`ssl.keystore.password`) passes through; a PEM keystore file becomes "
    "`ssl.certificate.location` "
    "and `ssl.key.location`; a JKS keystore is a warning. `ssl.truststore.certificates`, "
    "`ssl.keystore.certificate.chain` and `ssl.keystore.key` become `ssl.ca.pem`, "
    "`ssl.certificate.pem` and `ssl.key.pem`. An empty `ssl.endpoint.identification.algorithm` "
    "becomes `none`, and `auto.offset.reset=none` becomes `error`. `ssl.truststore.type`, "
    "`ssl.truststore.password` and `ssl.keystore.type` are consumed by these mappings. Passwords, "
    "secrets and `sasl.jaas.config` never appear in messages.",
    items,
    sizeof(items) / sizeof(items[0]),
};

static int check_regexes(const void *field, char *why, size_t whylen)
{
    return mir_filter_check(field, why, whylen);
}

static const struct {
    const char *name;
    int kind;
} policies[] = {
    {"org.apache.kafka.connect.mirror.DefaultReplicationPolicy", MIR_POLICY_DEFAULT},
    {"org.apache.kafka.connect.mirror.IdentityReplicationPolicy", MIR_POLICY_IDENTITY},
    {"prefix", MIR_POLICY_DEFAULT},
    {"default", MIR_POLICY_DEFAULT},
    {"identity", MIR_POLICY_IDENTITY},
};

/* Java class names are case-sensitive; xdc's short names are not. */
static int policy_parse(const char *v)
{
    for (size_t i = 0; i < XDC_ARRAY_SIZE(policies); i++) {
        bool is_class = strchr(policies[i].name, '.') != NULL;
        if (is_class ? strcmp(v, policies[i].name) == 0 : strcasecmp(v, policies[i].name) == 0)
            return policies[i].kind;
    }
    return -1;
}

static int check_policy(const void *field, char *why, size_t whylen)
{
    const char *v = *(char *const *)field;
    if (policy_parse(v) >= 0)
        return 0;
    xdc_errbuf(why, whylen,
               "'%s' is not a replication policy xdc implements (it loads no Java classes): use "
               "%s (or prefix, default) or %s (or identity)",
               v, policies[0].name, policies[1].name);
    return XDC_ECONF;
}

static int check_rf(const void *field, char *why, size_t whylen)
{
    if (*(const int *)field != 0)
        return 0;
    xdc_errbuf(why, whylen,
               "0 is not a replication factor (-1 means the target cluster's default)");
    return XDC_ECONF;
}

#define F(field) offsetof(mir_flow_conf_t, field)
#define DAY_S    86400

/* clang-format off */
static const conf_item_t flow_items[] = {
    {"enabled", CONF_BOOL, F(enabled), 0, 0, "false",
     "Whether the flow runs. Write it per flow: `primary->dr.enabled=true`.", NULL, 0, NULL},
    {"topics", CONF_LIST, F(topics), 0, 0, ".*",
     "Topics to replicate: regexes (Java syntax, PCRE2), each matching a whole topic name.", NULL,
     0, check_regexes},
    {"topics.exclude", CONF_LIST, F(topics_exclude), 0, 0, ".*[\\-\\.]internal, .*\\.replica, __.*",
     "Topics never replicated, even when `topics` matches them: regexes matching whole names. The "
     "default skips internal topics (MirrorMaker 2's and xdc's `*.internal`, `__*`).", NULL, 0,
     check_regexes},
    {"groups", CONF_LIST, F(groups), 0, 0, ".*",
     "Consumer groups whose offsets are translated into checkpoints: regexes matching whole group "
     "ids.", NULL, 0, check_regexes},
    {"groups.exclude", CONF_LIST, F(groups_exclude), 0, 0, "console-consumer-.*, connect-.*, __.*",
     "Consumer groups never checkpointed: regexes matching whole group ids.", NULL, 0,
     check_regexes},
    {"replication.policy.class", CONF_STRING, F(replication_policy_class), 0, 0,
     "org.apache.kafka.connect.mirror.DefaultReplicationPolicy",
     "How remote topics are named. "
     "`org.apache.kafka.connect.mirror.DefaultReplicationPolicy` (or `prefix`, `default`): "
     "`<source><separator><topic>`, which prevents loops. "
     "`org.apache.kafka.connect.mirror.IdentityReplicationPolicy` (or `identity`): the same name, "
     "for one-way DR copies. Other classes are an error.", NULL, CONF_F_NONEMPTY, check_policy},
    {"replication.policy.separator", CONF_STRING, F(separator), 0, 0, ".",
     "Separator between the source alias and the topic name in remote topic names.", NULL,
     CONF_F_NONEMPTY, NULL},
    {"replication.factor", CONF_INT, F(replication_factor), -1, 32767, "-1",
     "Replication factor of remote topics xdc creates; -1 = the target cluster's default. "
     "MirrorMaker 2 defaults to 2, which fails on a single-broker DR cluster; the broker's "
     "`default.replication.factor` is what its operator chose.", NULL, 0, check_rf},
    {"sync.topic.configs.enabled", CONF_BOOL, F(sync_topic_configs_enabled), 0, 0, "true",
     "Copy topic configs (retention, cleanup policy...) to remote topics, except "
     "`config.properties.exclude`.", NULL, 0, NULL},
    {"sync.topic.configs.interval.seconds", CONF_INT, F(sync_topic_configs_interval_s), 1, DAY_S,
     "60", "How often topic configs are compared and copied (MirrorMaker 2: 600).", NULL, 0, NULL},
    {"config.properties.exclude", CONF_LIST, F(config_properties_exclude), 0, 0,
     "follower\\.replication\\.throttled\\.replicas, leader\\.replication\\.throttled\\.replicas, "
     "message\\.timestamp\\.difference\\.max\\.ms, message\\.timestamp\\.type, "
     "unclean\\.leader\\.election\\.enable, min\\.insync\\.replicas",
     "Topic configs never copied: regexes matching whole config names (MirrorMaker 2's list).",
     NULL, 0, check_regexes},
    {"refresh.topics.interval.seconds", CONF_INT, F(refresh_topics_interval_s), 1, DAY_S, "5",
     "How often the source's topics and partitions are listed, so that new ones are mirrored "
     "within seconds (MirrorMaker 2: 600).", NULL, 0, NULL},
    {"refresh.groups.interval.seconds", CONF_INT, F(refresh_groups_interval_s), 1, DAY_S, "5",
     "How often the source's consumer groups are listed (MirrorMaker 2: 600).", NULL, 0, NULL},
    {"emit.heartbeats.enabled", CONF_BOOL, F(emit_heartbeats_enabled), 0, 0, "true",
     "Write heartbeats (MirrorMaker 2's `heartbeats` topic format), which measure end-to-end "
     "replication latency.", NULL, 0, NULL},
    {"emit.heartbeats.interval.seconds", CONF_INT, F(emit_heartbeats_interval_s), 1, DAY_S, "1",
     "How often a heartbeat is written.", NULL, 0, NULL},
    {"heartbeats.topic.replication.factor", CONF_INT, F(heartbeats_rf), -1, 32767, "-1",
     "Replication factor of the heartbeats topic; -1 = the cluster's default (MirrorMaker 2: 3).",
     NULL, 0, check_rf},
    {"emit.checkpoints.enabled", CONF_BOOL, F(emit_checkpoints_enabled), 0, 0, "true",
     "Translate consumer group offsets into `<source>.checkpoints.internal` on the target.",
     NULL, 0, NULL},
    {"emit.checkpoints.interval.seconds", CONF_INT, F(emit_checkpoints_interval_s), 1, DAY_S, "5",
     "How often group offsets are translated; it bounds how far a failed-over consumer rewinds "
     "(MirrorMaker 2: 60).", NULL, 0, NULL},
    {"checkpoints.topic.replication.factor", CONF_INT, F(checkpoints_rf), -1, 32767, "-1",
     "Replication factor of the checkpoints topic; -1 = the target's default (MirrorMaker 2: 3).",
     NULL, 0, check_rf},
    {"sync.group.offsets.enabled", CONF_BOOL, F(sync_group_offsets_enabled), 0, 0, "false",
     "Also commit translated offsets to the target's consumer groups, for groups with no active "
     "member there, so consumers can fail over without tooling.", NULL, 0, NULL},
    {"sync.group.offsets.interval.seconds", CONF_INT, F(sync_group_offsets_interval_s), 1, DAY_S,
     "5", "How often translated offsets are committed to the target (MirrorMaker 2: 60).", NULL, 0,
     NULL},
    {"emit.offset-syncs.enabled", CONF_BOOL, F(emit_offset_syncs_enabled), 0, 0, "true",
     "Write offset syncs (source offset -> target offset), which checkpoints need.", NULL, 0,
     NULL},
    {"offset-syncs.topic.location", CONF_ENUM, F(offset_syncs_location), 0, 0, "source",
     "Cluster holding the offset syncs topic: source (`mm2-offset-syncs.<target>.internal`, "
     "MirrorMaker 2's default) or target (`mm2-offset-syncs.<source>.internal`, when the mirror "
     "may not write to the source).", "source|target", 0, NULL},
    {"offset-syncs.topic.replication.factor", CONF_INT, F(offset_syncs_rf), -1, 32767, "-1",
     "Replication factor of the offset syncs topic; -1 = that cluster's default (MirrorMaker 2: "
     "3).", NULL, 0, check_rf},
    {"offset.lag.max", CONF_LONG, F(offset_lag_max), 1, INT64_MAX, "100",
     "How far a partition's target offset may move past the last offset sync before another is "
     "written; lower is more precise translation, more sync records.", NULL, 0, NULL},
    {"buffer.memory", CONF_LONG, F(buffer_memory), 1048576, 17179869184, "67108864",
     "Bytes consumed from the source but not yet acknowledged by the target, per flow; at this "
     "limit the source partitions pause until the target catches up. (A producer setting in "
     "Kafka; in xdc the flow's whole in-flight window.)", NULL, 0, NULL},
    {"offset.flush.interval.ms", CONF_INT, F(offset_flush_interval_ms), 100, 600000, "1000",
     "How often source offsets that the target has acknowledged are committed to the source "
     "group, and pending offset syncs are written (Kafka Connect's name; its default is 60000).",
     NULL, 0, NULL},
    {"group.id", CONF_STRING, F(group_id), 0, 0, "",
     "Consumer group that the xdc-mirror processes of a flow share on the source: start more "
     "processes with the same file to spread the partitions. Empty means "
     "`xdc-mirror.<source>-<target>`.", NULL, 0, NULL},
};
/* clang-format on */

const conf_table_t mir_flow_table = {
    "mirror flows",
    "A flow `A->B` replicates cluster A to cluster B. One exists for every ordered pair of "
    "distinct aliases in `clusters`, and runs when `A->B.enabled=true`. Each key below is written "
    "either alone, for every flow, or as `A->B.<key>`, for that flow only: a flow takes "
    "`A->B.<key>` if present, else `<key>`, else the default. As in MirrorMaker 2 (Java "
    "properties), a later line wins over an earlier one, and `--override key=value` wins over "
    "the file.\n\n"
    "xdc's defaults are MirrorMaker 2's except where noted: intervals of seconds rather than "
    "minutes (a DR copy should follow within seconds), and replication factors of -1, meaning the "
    "target cluster's own default, since MirrorMaker 2's 2 and 3 cannot be met by single-node DR "
    "clusters.\n\n"
    "Accepted but not implemented, each ignored with a warning: `tasks.max` (xdc scales out by "
    "running more `xdc-mirror` processes with the same file; they share partitions through "
    "`group.id`), `sync.topic.acls.enabled`, `sync.topic.acls.interval.seconds`, "
    "`topic.filter.class`, `group.filter.class`, `config.property.filter.class`, "
    "`forwarding.admin.class`, `key.converter*`, `value.converter*`, `header.converter*`, "
    "`exactly.once.source.support`, `exactly.once.support`, "
    "`dedicated.mode.enable.internal.rest`, `config.storage.*`, `offset.storage.*`, "
    "`status.storage.*`, `replication.policy.internal.topic.separator.enabled`, "
    "`consumer.poll.timeout.ms`, `admin.timeout.ms`, `use.defaults.from`, "
    "`heartbeats.replication.enabled`, `refresh.topics.enabled`, `refresh.groups.enabled`, "
    "`source.cluster.alias`, `target.cluster.alias`, `name`, `connector.class`, "
    "`config.providers*`, `plugin.path`, `metric.reporters`, `listeners`, `rest.*`, "
    "`transforms*`, `predicates*`, `errors.*`, `scheduled.rebalance.max.delay.ms`, "
    "`offset.flush.timeout.ms`. Per-flow client settings (`A->B.producer.*`) are ignored with a "
    "warning too: set them per cluster.",
    flow_items,
    sizeof(flow_items) / sizeof(flow_items[0]),
};

/* MirrorMaker 2 and Kafka Connect keys that xdc accepts and ignores. A
 * prefix entry also covers "<name>.<anything>". */
static const struct ignored {
    const char *name;
    bool prefix;
    const char *why; /* NULL when the name says it all */
} ignored[] = {
    {"tasks.max", false, "xdc scales out by running more xdc-mirror processes with the same file"},
    {"sync.topic.acls.enabled", false, "xdc does not copy ACLs: grant them on the target"},
    {"sync.topic.acls.interval.seconds", false, "xdc does not copy ACLs"},
    {"topic.filter.class", false, "xdc loads no Java classes: use topics and topics.exclude"},
    {"group.filter.class", false, "xdc loads no Java classes: use groups and groups.exclude"},
    {"config.property.filter.class", false,
     "xdc loads no Java classes: use config.properties.exclude"},
    {"forwarding.admin.class", false, "xdc loads no Java classes"},
    {"key.converter", true, "xdc copies keys, values and headers as bytes"},
    {"value.converter", true, "xdc copies keys, values and headers as bytes"},
    {"header.converter", true, "xdc copies keys, values and headers as bytes"},
    {"exactly.once.source.support", false, "xdc delivers at least once"},
    {"exactly.once.support", false, "xdc delivers at least once"},
    {"dedicated.mode.enable.internal.rest", false,
     "xdc-mirror processes share work through the source consumer group, not REST"},
    {"config.storage", true, "xdc keeps no Kafka Connect state topics"},
    {"offset.storage", true, "xdc keeps no Kafka Connect state topics"},
    {"status.storage", true, "xdc keeps no Kafka Connect state topics"},
    {"replication.policy.internal.topic.separator.enabled", false, NULL},
    {"consumer.poll.timeout.ms", false, NULL},
    {"admin.timeout.ms", false, NULL},
    {"use.defaults.from", false, NULL},
    {"heartbeats.replication.enabled", false, NULL},
    {"refresh.topics.enabled", false,
     "topics are always refreshed: see refresh.topics.interval.seconds"},
    {"refresh.groups.enabled", false,
     "groups are always refreshed: see refresh.groups.interval.seconds"},
    {"source.cluster.alias", false, "flows are named <source>-><target>"},
    {"target.cluster.alias", false, "flows are named <source>-><target>"},
    {"name", false, "a Kafka Connect connector setting"},
    {"connector.class", false, "a Kafka Connect connector setting"},
    {"config.providers", true, "xdc resolves ${file:PATH:KEY} and ${env:NAME} itself"},
    {"plugin.path", false, "xdc loads no Java classes"},
    {"metric.reporters", false, "xdc reports metrics on its HTTP API (http.listeners)"},
    {"listeners", false, "MirrorMaker 2's internal REST server; xdc's HTTP API is http.listeners"},
    {"rest", true, "xdc's HTTP API is http.listeners"},
    {"transforms", true, "xdc copies records unchanged"},
    {"predicates", true, "xdc copies records unchanged"},
    {"errors", true, NULL},
    {"scheduled.rebalance.max.delay.ms", false, "xdc has no Kafka Connect rebalances"},
    {"offset.flush.timeout.ms", false, NULL},
};

static const struct ignored *ignored_find(const char *key)
{
    for (size_t i = 0; i < XDC_ARRAY_SIZE(ignored); i++) {
        size_t n = strlen(ignored[i].name);
        if (strncmp(key, ignored[i].name, n) == 0 &&
            (key[n] == '\0' || (ignored[i].prefix && key[n] == '.')))
            return &ignored[i];
    }
    return NULL;
}

/* --- the loader ----------------------------------------------------------- */

enum ent_kind {
    K_NONE,      /* not classified yet, or handled by conf_apply() */
    K_FLOW_ALL,  /* "<key>" of mir_flow_table: every flow */
    K_FLOW,      /* "<a>-><b>.<key>" */
    K_BOOTSTRAP, /* "<alias>.bootstrap.servers", or top-level "bootstrap.servers" */
    K_CLIENT,    /* a librdkafka property of one cluster, or of all (top-level) */
    K_IGNORED,   /* warned about */
};

enum scope { S_COMMON, S_CONSUMER, S_PRODUCER, S_ADMIN };
static const char *const scope_prefix[] = {"", "consumer.", "producer.", "admin."};

typedef struct ent_info {
    unsigned char kind;  /* enum ent_kind */
    unsigned char scope; /* enum scope, K_CLIENT */
    bool served;         /* a Java companion key a mapping used */
    int cluster;         /* K_CLIENT, K_BOOTSTRAP: index, -1 for top-level; K_FLOW: source */
    int target;          /* K_FLOW */
    const char *sub;     /* borrowed from the key: the part after the alias/flow/scope prefix */
} ent_info_t;

typedef struct warning {
    size_t order; /* entry index, or SIZE_MAX for whole-file warnings */
    size_t seq;
    char *text;
} warning_t;

typedef struct loader {
    conf_entries_t *es;
    ent_info_t *info; /* one per es->v */
    mir_conf_t *conf;
    warning_t *w;
    size_t nw;
    rd_kafka_conf_t *scratch; /* validates properties; never used for a client */
    char aliases[512];        /* "primary, dr", for messages */
} loader_t;

static const char *where(const conf_entry_t *e, char *buf, size_t len)
{
    if (e->line > 0)
        snprintf(buf, len, "%s:%d", e->file, e->line);
    else
        snprintf(buf, len, "%s", e->file);
    return buf;
}

static const char *file_of(const loader_t *L)
{
    return L->es->source ? L->es->source : "(no properties file)";
}

static void warn_add(loader_t *L, size_t order, char *text)
{
    L->w = xrealloc(L->w, (L->nw + 1) * sizeof(*L->w));
    L->w[L->nw] = (warning_t){order, L->nw, text};
    L->nw++;
}

/* One warning about entry @p i: "file:line: <message>". */
static void warn_at(loader_t *L, size_t i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void warn_at(loader_t *L, size_t i, const char *fmt, ...)
{
    char msg[1024], at[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    warn_add(L, i, xasprintf("%s: %s", where(&L->es->v[i], at, sizeof(at)), msg));
}

/* Java-client and MM2 values are secrets when their names say so. */
static bool is_secret(const char *key)
{
    return strstr(key, "password") || strstr(key, "secret") || strstr(key, "jaas") ||
           strcmp(key, "ssl.key.pem") == 0 || strcmp(key, "ssl.keystore.key") == 0;
}

static int alias_index(const loader_t *L, const char *s, size_t n)
{
    for (int i = 0; i < L->conf->clusters.count; i++) {
        const char *a = L->conf->clusters.items[i];
        if (strlen(a) == n && strncmp(a, s, n) == 0)
            return i;
    }
    return -1;
}

/* The longest alias that @p key starts with, followed by a dot.
 * @return its index with its length in @p len, or -1. */
static int alias_prefix(const loader_t *L, const char *key, size_t *len)
{
    int best = -1;
    for (int i = 0; i < L->conf->clusters.count; i++) {
        size_t n = strlen(L->conf->clusters.items[i]);
        if (strncmp(key, L->conf->clusters.items[i], n) == 0 && key[n] == '.' &&
            (best < 0 || n > *len)) {
            best = i;
            *len = n;
        }
    }
    return best;
}

/* --- did you mean ---------------------------------------------------------- */

typedef struct near {
    const char *best;
    int d;
} near_t;

static void near_try(near_t *n, const char *key, const char *cand)
{
    int d = conf_edit_distance(key, cand);
    if (d > 0 && (!n->best || d < n->d)) {
        n->best = cand;
        n->d = d;
    }
}

/* As conf_closest(): beyond a third of the key's length it is noise. */
static const char *near_result(const near_t *n, const char *key, int floor)
{
    int limit = (int)strlen(key) / 3;
    if (limit < floor)
        limit = floor;
    return n->best && n->d <= limit ? n->best : NULL;
}

/* @return the known key closest to @p key (a top-level key when @p flow is
 * false, else a flow key without its "<a>-><b>." prefix), or NULL. */
static const char *closest_key(const char *key, bool flow)
{
    near_t n = {NULL, 0};
    for (size_t i = 0; !flow && i < mir_conf_table.count; i++)
        near_try(&n, key, mir_conf_table.items[i].name);
    for (size_t i = 0; i < mir_flow_table.count; i++)
        near_try(&n, key, mir_flow_table.items[i].name);
    for (size_t i = 0; i < XDC_ARRAY_SIZE(ignored); i++)
        near_try(&n, key, ignored[i].name);
    return near_result(&n, key, 2);
}

static const char *closest_alias(const loader_t *L, const char *seg)
{
    near_t n = {NULL, 0};
    for (int i = 0; i < L->conf->clusters.count; i++)
        near_try(&n, seg, L->conf->clusters.items[i]);
    return near_result(&n, seg, 1);
}

/* --- classification -------------------------------------------------------- */

static void warn_ignored(loader_t *L, size_t i, const struct ignored *ig)
{
    if (ig->why)
        warn_at(L, i, "'%s' is a MirrorMaker 2 setting xdc does not implement: ignored (%s)",
                L->es->v[i].key, ig->why);
    else
        warn_at(L, i, "'%s' is a MirrorMaker 2 setting xdc does not implement: ignored",
                L->es->v[i].key);
}

static bool is_client_scope(const char *sub)
{
    return strncmp(sub, "consumer.", 9) == 0 || strncmp(sub, "producer.", 9) == 0 ||
           strncmp(sub, "admin.", 6) == 0;
}

/* Keys that MirrorMaker 2 gives every cluster from the top level
 * (MirrorClientConfig's CLIENT_CONFIG_DEF). */
static bool is_global_client_key(const char *key)
{
    return strcmp(key, "security.protocol") == 0 || strncmp(key, "ssl.", 4) == 0 ||
           strncmp(key, "sasl.", 5) == 0;
}

/* A key that reads as "<alias>.<cluster setting>" for an unknown alias.
 * @return the length of that alias, or 0. */
static size_t cluster_like(const char *key)
{
    const char *dot = strchr(key, '.');
    if (!dot || dot == key)
        return 0;
    const char *rest = dot + 1;
    if (strcmp(rest, "bootstrap.servers") == 0 || is_client_scope(rest) ||
        is_global_client_key(rest))
        return (size_t)(dot - key);
    return 0;
}

static void warn_unknown(loader_t *L, size_t i)
{
    const char *key = L->es->v[i].key;
    size_t n = cluster_like(key);
    if (n > 0) {
        char *seg = xstrndup(key, n);
        const char *a = closest_alias(L, seg);
        if (a)
            warn_at(L, i, "unknown key '%s': ignored (did you mean '%s%s'?)", key, a, key + n);
        else
            warn_at(L, i, "'%s': cluster '%s' is not in clusters (%s): ignored", key, seg,
                    L->aliases);
        free(seg);
        return;
    }
    const char *near = closest_key(key, false);
    if (near)
        warn_at(L, i, "unknown key '%s': ignored (did you mean '%s'?)", key, near);
    else if (is_client_scope(key))
        warn_at(L, i, "unknown key '%s': ignored (client settings are per cluster: '<alias>.%s')",
                key, key);
    else
        warn_at(L, i, "unknown key '%s': ignored", key);
}

static void classify_cluster(loader_t *L, size_t i, int cluster, const char *sub)
{
    ent_info_t *in = &L->info[i];
    in->cluster = cluster;
    if (strcmp(sub, "bootstrap.servers") == 0) {
        in->kind = K_BOOTSTRAP;
        in->sub = sub;
        return;
    }
    in->kind = K_CLIENT;
    in->scope = S_COMMON;
    for (int s = S_CONSUMER; s <= S_ADMIN; s++) {
        size_t n = strlen(scope_prefix[s]);
        if (strncmp(sub, scope_prefix[s], n) == 0) {
            in->scope = (unsigned char)s;
            sub += n;
            break;
        }
    }
    in->sub = sub;
}

/* "<a>-><b>.<key>": find the pair of aliases it names, longest first so
 * that aliases may contain dots. @return the key part, or NULL. */
static const char *flow_prefix(const loader_t *L, const char *key, int *src, int *tgt)
{
    const char *best = NULL;
    for (int a = 0; a < L->conf->clusters.count; a++) {
        const char *sa = L->conf->clusters.items[a];
        size_t na = strlen(sa);
        if (strncmp(key, sa, na) != 0 || strncmp(key + na, "->", 2) != 0)
            continue;
        for (int b = 0; b < L->conf->clusters.count; b++) {
            const char *sb = L->conf->clusters.items[b];
            size_t nb = strlen(sb);
            const char *p = key + na + 2;
            if (strncmp(p, sb, nb) == 0 && p[nb] == '.' && (!best || p + nb + 1 > best)) {
                best = p + nb + 1;
                *src = a;
                *tgt = b;
            }
        }
    }
    return best;
}

static void warn_flow_unknown_alias(loader_t *L, size_t i)
{
    const char *key = L->es->v[i].key;
    const char *arrow = strstr(key, "->");
    size_t ns = (size_t)(arrow - key), nt = strcspn(arrow + 2, ".");
    bool src_known = alias_index(L, key, ns) >= 0;
    if (src_known && alias_index(L, arrow + 2, nt) >= 0) {
        warn_at(L, i, "unknown key '%s': ignored", key); /* "a->b" with no ".<key>" */
        return;
    }
    char *bad = src_known ? xstrndup(arrow + 2, nt) : xstrndup(key, ns);
    warn_at(L, i, "'%s': cluster '%s' is not in clusters (%s): ignored", key, bad, L->aliases);
    free(bad);
}

static void classify_flow(loader_t *L, size_t i)
{
    ent_info_t *in = &L->info[i];
    const char *key = L->es->v[i].key;
    int src, tgt;
    const char *sub = flow_prefix(L, key, &src, &tgt);
    in->kind = K_IGNORED;
    if (!sub) {
        warn_flow_unknown_alias(L, i);
        return;
    }
    const struct ignored *ig;
    const char *near;
    if (src == tgt) {
        warn_at(L, i, "'%s': a flow needs two different clusters: ignored", key);
    } else if (conf_find(&mir_flow_table, sub)) {
        in->kind = K_FLOW;
        in->cluster = src;
        in->target = tgt;
        in->sub = sub;
    } else if ((ig = ignored_find(sub)) != NULL) {
        warn_ignored(L, i, ig);
    } else if (is_client_scope(sub)) {
        warn_at(L, i,
                "'%s': xdc has no per-flow client settings: ignored (set '%s.%s' or '%s.%s' for "
                "every flow of that cluster)",
                key, L->conf->clusters.items[src], sub, L->conf->clusters.items[tgt], sub);
    } else if ((near = closest_key(sub, true)) != NULL) {
        warn_at(L, i, "unknown key '%s': ignored (did you mean '%.*s%s'?)", key, (int)(sub - key),
                key, near);
    } else {
        warn_at(L, i, "unknown key '%s': ignored", key);
    }
}

static void classify(loader_t *L, size_t i)
{
    conf_entry_t *e = &L->es->v[i];
    ent_info_t *in = &L->info[i];
    const struct ignored *ig;
    size_t n = 0;
    int c;
    in->cluster = in->target = -1;
    if (e->used) /* a mir_conf_table key */
        return;
    if (conf_find(&mir_flow_table, e->key)) {
        in->kind = K_FLOW_ALL;
        in->sub = e->key;
    } else if ((ig = ignored_find(e->key)) != NULL) {
        in->kind = K_IGNORED;
        warn_ignored(L, i, ig);
    } else if (strstr(e->key, "->")) {
        classify_flow(L, i);
    } else if ((c = alias_prefix(L, e->key, &n)) >= 0) {
        classify_cluster(L, i, c, e->key + n + 1);
    } else if (strcmp(e->key, "bootstrap.servers") == 0 || is_global_client_key(e->key)) {
        classify_cluster(L, i, -1, e->key);
    } else {
        in->kind = K_IGNORED;
        warn_unknown(L, i);
    }
}

/* --- global keys and clusters ----------------------------------------------- */

/* conf_apply() with mir_conf_table sees only the global keys: hide the
 * others from it by marking them used, then unhide them. */
static int apply_globals(loader_t *L, char *errbuf, size_t errlen)
{
    conf_entries_t *es = L->es;
    bool *hidden = xcalloc(es->count + 1, sizeof(bool));
    for (size_t i = 0; i < es->count; i++) {
        if (!es->v[i].used && !conf_find(&mir_conf_table, es->v[i].key)) {
            es->v[i].used = true;
            hidden[i] = true;
        }
    }
    int rc = conf_apply(&mir_conf_table, es, L->conf, errbuf, errlen);
    for (size_t i = 0; i < es->count; i++)
        if (hidden[i])
            es->v[i].used = false;
    free(hidden);
    return rc;
}

static int clusters_init(loader_t *L, char *errbuf, size_t errlen)
{
    mir_conf_t *c = L->conf;
    char at[512];
    conf_entry_t *e = conf_entries_find(L->es, "clusters");
    const char *loc = e ? where(e, at, sizeof(at)) : file_of(L);
    for (int i = 0; i < c->clusters.count; i++) {
        const char *a = c->clusters.items[i];
        if (strstr(a, "->")) {
            xdc_errbuf(errbuf, errlen, "%s: clusters: alias '%s' may not contain '->'", loc, a);
            return XDC_ECONF;
        }
        if (alias_index(L, a, strlen(a)) != i) {
            xdc_errbuf(errbuf, errlen, "%s: clusters: alias '%s' is listed twice", loc, a);
            return XDC_ECONF;
        }
        size_t n = strlen(L->aliases); /* truncated past its size: only for messages */
        snprintf(L->aliases + n, sizeof(L->aliases) - n, "%s%s", i ? ", " : "", a);
    }
    c->nclusters = (size_t)c->clusters.count;
    c->clusters_v = xcalloc(c->nclusters, sizeof(mir_cluster_t));
    for (size_t i = 0; i < c->nclusters; i++) {
        c->clusters_v[i].alias = xstrdup(c->clusters.items[i]);
        c->clusters_v[i].bootstrap_servers = xstrdup("");
    }
    return 0;
}

/* --- flows ------------------------------------------------------------------ */

static int flow_set(loader_t *L, size_t i, mir_flow_conf_t *f, char *errbuf, size_t errlen)
{
    const conf_entry_t *e = &L->es->v[i];
    const conf_item_t *it = conf_find(&mir_flow_table, L->info[i].sub);
    char why[1024], at[512];
    if (conf_set(it, f, e->value, why, sizeof(why)) == 0)
        return 0;
    /* conf_set() says "<item name>: reason"; name the key as written. */
    const char *reason = why;
    size_t n = strlen(it->name);
    if (strncmp(why, it->name, n) == 0 && strncmp(why + n, ": ", 2) == 0)
        reason = why + n + 2;
    xdc_errbuf(errbuf, errlen, "%s: %s: %s", where(e, at, sizeof(at)), e->key, reason);
    return XDC_ECONF;
}

/* Defaults, then every-flow keys, then the flow's own keys, each in file
 * order so that later lines win. @p src < 0 checks the every-flow keys. */
static int flow_resolve(loader_t *L, int src, int tgt, mir_flow_conf_t *f, char *errbuf,
                        size_t errlen)
{
    char why[512];
    for (size_t k = 0; k < mir_flow_table.count; k++) {
        if (conf_set(&mir_flow_table.items[k], f, mir_flow_table.items[k].def, why, sizeof(why)) <
            0) {
            /* A programming error, caught by the unit tests. */
            xdc_errbuf(errbuf, errlen, "mirror flows: invalid built-in default: %s", why);
            return XDC_ECONF;
        }
    }
    int rc = 0;
    for (int pass = 0; rc == 0 && pass < 2; pass++) {
        for (size_t i = 0; rc == 0 && i < L->es->count; i++) {
            const ent_info_t *in = &L->info[i];
            bool mine = pass == 0 ? in->kind == K_FLOW_ALL
                                  : in->kind == K_FLOW && in->cluster == src && in->target == tgt;
            if (mine)
                rc = flow_set(L, i, f, errbuf, errlen);
        }
    }
    f->source = src;
    f->target = tgt;
    f->policy = rc == 0 ? policy_parse(f->replication_policy_class) : MIR_POLICY_DEFAULT;
    return rc;
}

static int flows_resolve(loader_t *L, char *errbuf, size_t errlen)
{
    mir_conf_t *c = L->conf;
    mir_flow_conf_t f;
    memset(&f, 0, sizeof(f));
    int rc = flow_resolve(L, -1, -1, &f, errbuf, errlen);
    conf_free(&mir_flow_table, &f);
    for (int s = 0; rc == 0 && s < c->clusters.count; s++) {
        for (int t = 0; rc == 0 && t < c->clusters.count; t++) {
            if (s == t)
                continue;
            memset(&f, 0, sizeof(f));
            rc = flow_resolve(L, s, t, &f, errbuf, errlen);
            if (rc == 0 && f.enabled) {
                c->flows = xrealloc(c->flows, (c->nflows + 1) * sizeof(*c->flows));
                c->flows[c->nflows++] = f;
            } else {
                conf_free(&mir_flow_table, &f);
            }
        }
    }
    return rc;
}

/* --- cluster properties ----------------------------------------------------- */

static void props_put(mir_props_t *p, const char *key, const char *value)
{
    for (size_t i = 0; i < p->count; i++) {
        if (strcmp(p->v[i].key, key) == 0) {
            free(p->v[i].value);
            p->v[i].value = xstrdup(value);
            return;
        }
    }
    p->v = xrealloc(p->v, (p->count + 1) * sizeof(*p->v));
    p->v[p->count].key = xstrdup(key);
    p->v[p->count].value = xstrdup(value);
    p->count++;
}

static void props_free(mir_props_t *p)
{
    for (size_t i = 0; i < p->count; i++) {
        free(p->v[i].key);
        free(p->v[i].value);
    }
    free(p->v);
    p->v = NULL;
    p->count = 0;
}

/* The value of @p sub for cluster @p c in @p scope, else in the cluster's
 * common settings, else at the top level (the last line of the first
 * level that has one). Marks those entries served. @return borrowed or NULL. */
static const char *lookup(loader_t *L, int c, int scope, const char *sub)
{
    int levels[3][2] = {{c, scope}, {c, S_COMMON}, {-1, S_COMMON}};
    for (int l = 0; l < 3; l++) {
        if (l > 0 && levels[l][0] == levels[l - 1][0] && levels[l][1] == levels[l - 1][1])
            continue;
        const char *v = NULL;
        for (size_t i = 0; i < L->es->count; i++) {
            ent_info_t *in = &L->info[i];
            if (in->kind == K_CLIENT && in->cluster == levels[l][0] && in->scope == levels[l][1] &&
                strcmp(in->sub, sub) == 0) {
                v = L->es->v[i].value;
                in->served = true;
            }
        }
        if (v)
            return v;
    }
    return NULL;
}

/* Set @p key=@p value on the scratch configuration: librdkafka knows it
 * (kept), rejects it (error) or does not know it (warning, dropped). */
static int put_checked(loader_t *L, size_t i, const char *key, const char *value, mir_props_t *out,
                       char *errbuf, size_t errlen)
{
    const conf_entry_t *e = &L->es->v[i];
    char why[512], at[512];
    rd_kafka_conf_res_t res = rd_kafka_conf_set(L->scratch, key, value, why, sizeof(why));
    if (res == RD_KAFKA_CONF_OK) {
        props_put(out, key, value);
        return 0;
    }
    if (res == RD_KAFKA_CONF_UNKNOWN) {
        warn_at(L, i, "'%s' is not a librdkafka property: ignored", e->key);
        return 0;
    }
    /* librdkafka knows a few Java-only names just to refuse them with a
     * hint; those cannot be read back. They are unknown, not invalid. */
    char val[8];
    size_t vlen = sizeof(val);
    if (rd_kafka_conf_get(L->scratch, key, val, &vlen) == RD_KAFKA_CONF_UNKNOWN) {
        warn_at(L, i, "'%s' is not a librdkafka property: ignored (librdkafka says: %s)", e->key,
                why);
        return 0;
    }
    if (is_secret(key) || is_secret(e->key))
        snprintf(why, sizeof(why), "invalid value (secret, not shown)");
    xdc_errbuf(errbuf, errlen, "%s: %s: librdkafka says: %s", where(e, at, sizeof(at)), e->key,
               why);
    return XDC_ECONF;
}

/* --- Java client names ------------------------------------------------------- */

typedef struct jaas {
    char module[256];
    char *username;
    char *password;
} jaas_t;

static const char *skip_ws(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    return s;
}

static const char *token_end(const char *s)
{
    while (*s && *s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != ';' && *s != '=')
        s++;
    return s;
}

/* A JAAS value: "quoted, with \" and \\ escapes" or a bare token. */
static char *jaas_value(const char **sp)
{
    const char *s = *sp;
    if (*s != '"') {
        const char *end = token_end(s);
        *sp = end;
        return xstrndup(s, (size_t)(end - s));
    }
    char *out = xmalloc(strlen(s) + 1);
    size_t n = 0;
    for (s++; *s && *s != '"'; s++) {
        if (*s == '\\' && s[1])
            s++;
        out[n++] = *s;
    }
    out[n] = '\0';
    if (*s != '"') {
        free(out);
        return NULL;
    }
    *sp = s + 1;
    return out;
}

/* Kafka's JAAS line: "<LoginModule> <flag> name=value ... ;".
 * @return 0, or -1 when it does not parse. */
static int jaas_parse(const char *s, jaas_t *j)
{
    memset(j, 0, sizeof(*j));
    s = skip_ws(s);
    const char *end = token_end(s);
    if (end == s)
        return -1;
    snprintf(j->module, sizeof(j->module), "%.*s", (int)(end - s), s);
    s = token_end(skip_ws(end)); /* the control flag: required, optional... */
    for (;;) {
        s = skip_ws(s);
        if (*s == ';' || *s == '\0')
            return 0;
        const char *name = s;
        end = token_end(s);
        s = skip_ws(end);
        if (end == name || *s != '=')
            return -1;
        s = skip_ws(s + 1);
        char *v = jaas_value(&s);
        if (!v)
            return -1;
        char **slot = NULL;
        if ((size_t)(end - name) == 8 && strncmp(name, "username", 8) == 0)
            slot = &j->username;
        else if ((size_t)(end - name) == 8 && strncmp(name, "password", 8) == 0)
            slot = &j->password;
        if (slot) {
            free(*slot);
            *slot = v;
        } else {
            free(v);
        }
    }
}

static void jaas_close(jaas_t *j)
{
    free(j->username);
    if (j->password) {
        memset(j->password, 0, strlen(j->password));
        free(j->password);
    }
}

/* The class name of a login module, printable: Java identifiers and dots. */
static bool is_class_name(const char *s)
{
    for (; *s; s++)
        if (!(*s == '.' || *s == '_' || *s == '$' || (*s >= '0' && *s <= '9') ||
              (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
            return false;
    return true;
}

static bool class_is(const char *cls, const char *simple)
{
    size_t n = strlen(cls), m = strlen(simple);
    return n >= m && strcmp(cls + n - m, simple) == 0 && (n == m || cls[n - m - 1] == '.');
}

static int map_jaas(loader_t *L, size_t i, mir_props_t *out, char *errbuf, size_t errlen)
{
    const char *key = L->es->v[i].key;
    jaas_t j;
    int rc = 0;
    if (jaas_parse(L->es->v[i].value, &j) < 0) {
        warn_at(L, i, "'%s' does not parse as a JAAS login module line: ignored", key);
    } else if (!class_is(j.module, "PlainLoginModule") && !class_is(j.module, "ScramLoginModule")) {
        warn_at(L, i,
                "'%s': login module %s has no librdkafka equivalent: ignored (xdc maps "
                "PlainLoginModule and ScramLoginModule to sasl.username and sasl.password; for "
                "OAUTHBEARER set sasl.oauthbearer.*, for GSSAPI sasl.kerberos.*)",
                key, is_class_name(j.module) ? j.module : "(unreadable)");
    } else if (!j.username || !j.password) {
        warn_at(L, i, "'%s': %s without username and password: ignored", key,
                is_class_name(j.module) ? j.module : "login module");
    } else {
        rc = put_checked(L, i, "sasl.username", j.username, out, errbuf, errlen);
        if (rc == 0)
            rc = put_checked(L, i, "sasl.password", j.password, out, errbuf, errlen);
    }
    jaas_close(&j);
    return rc;
}

/* "primary.consumer." of "primary.consumer.ssl.truststore.location". */
static int key_prefix_len(const loader_t *L, size_t i)
{
    return (int)(L->info[i].sub - L->es->v[i].key);
}

static int map_truststore(loader_t *L, size_t i, mir_props_t *out, char *errbuf, size_t errlen)
{
    const ent_info_t *in = &L->info[i];
    const char *type = lookup(L, in->cluster, in->scope, "ssl.truststore.type");
    (void)lookup(L, in->cluster, in->scope, "ssl.truststore.password"); /* PEM needs none */
    if (type && strcasecmp(type, "PEM") == 0)
        return put_checked(L, i, "ssl.ca.location", L->es->v[i].value, out, errbuf, errlen);
    warn_at(L, i,
            "'%s': librdkafka cannot read %s truststores: ignored (convert it to PEM, e.g. with "
            "keytool -exportcert -rfc, and set %.*sssl.ca.location)",
            L->es->v[i].key, type ? type : "JKS", key_prefix_len(L, i), L->es->v[i].key);
    return 0;
}

static int map_keystore(loader_t *L, size_t i, mir_props_t *out, char *errbuf, size_t errlen)
{
    const ent_info_t *in = &L->info[i];
    const char *v = L->es->v[i].value;
    const char *type = lookup(L, in->cluster, in->scope, "ssl.keystore.type");
    if (!type || strcasecmp(type, "PKCS12") == 0)
        return put_checked(L, i, "ssl.keystore.location", v, out, errbuf, errlen);
    if (strcasecmp(type, "PEM") == 0) {
        int rc = put_checked(L, i, "ssl.certificate.location", v, out, errbuf, errlen);
        return rc < 0 ? rc : put_checked(L, i, "ssl.key.location", v, out, errbuf, errlen);
    }
    warn_at(L, i,
            "'%s': librdkafka reads PKCS12 keystores, not %s: ignored (convert it with keytool "
            "-importkeystore -deststoretype PKCS12 and set ssl.keystore.type=PKCS12, or set "
            "%.*sssl.certificate.location and ssl.key.location)",
            L->es->v[i].key, type, key_prefix_len(L, i), L->es->v[i].key);
    return 0;
}

/* Java keys that only qualify another one; used by the mappings above. */
static bool is_companion(const char *sub)
{
    return strcmp(sub, "ssl.truststore.type") == 0 || strcmp(sub, "ssl.truststore.password") == 0 ||
           strcmp(sub, "ssl.keystore.type") == 0;
}

static const struct {
    const char *java, *rdkafka;
} renames[] = {
    {"ssl.truststore.certificates", "ssl.ca.pem"},
    {"ssl.keystore.certificate.chain", "ssl.certificate.pem"},
    {"ssl.keystore.key", "ssl.key.pem"},
};

static int prop_add(loader_t *L, size_t i, mir_props_t *out, char *errbuf, size_t errlen)
{
    const ent_info_t *in = &L->info[i];
    const char *k = in->sub, *v = L->es->v[i].value;
    if (is_companion(k))
        return 0;
    if (strcmp(k, "sasl.jaas.config") == 0)
        return map_jaas(L, i, out, errbuf, errlen);
    if (strcmp(k, "ssl.truststore.location") == 0)
        return map_truststore(L, i, out, errbuf, errlen);
    if (strcmp(k, "ssl.keystore.location") == 0)
        return map_keystore(L, i, out, errbuf, errlen);
    if (strcmp(k, "ssl.keystore.password") == 0) {
        /* Only a PKCS12 keystore has a password librdkafka uses; a JKS
         * keystore was already warned about, a PEM key uses ssl.key.password. */
        const char *type = lookup(L, in->cluster, in->scope, "ssl.keystore.type");
        if (type && strcasecmp(type, "PKCS12") != 0)
            return 0;
    }
    for (size_t r = 0; r < XDC_ARRAY_SIZE(renames); r++)
        if (strcmp(k, renames[r].java) == 0)
            return put_checked(L, i, renames[r].rdkafka, v, out, errbuf, errlen);
    /* Java disables host name checks with an empty value, librdkafka with none. */
    if (strcmp(k, "ssl.endpoint.identification.algorithm") == 0 && *v == '\0')
        v = "none";
    if (strcmp(k, "auto.offset.reset") == 0 && strcasecmp(v, "none") == 0)
        v = "error";
    return put_checked(L, i, k, v, out, errbuf, errlen);
}

static int scope_build(loader_t *L, int c, int scope, mir_props_t *out, char *errbuf, size_t errlen)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < L->es->count; i++) {
        const ent_info_t *in = &L->info[i];
        if (in->kind == K_CLIENT && in->cluster == c && in->scope == scope)
            rc = prop_add(L, i, out, errbuf, errlen);
    }
    return rc;
}

static const char *bootstrap_of(const loader_t *L, int c, size_t *entry)
{
    const char *v = NULL;
    for (size_t i = 0; i < L->es->count; i++) {
        if (L->info[i].kind == K_BOOTSTRAP && L->info[i].cluster == c) {
            v = L->es->v[i].value;
            *entry = i;
        }
    }
    return v;
}

/* Build every cluster's properties. Top-level client keys are checked
 * once, then fill in what a cluster does not set itself. */
static int clusters_build(loader_t *L, char *errbuf, size_t errlen)
{
    mir_props_t top = {NULL, 0};
    size_t ei;
    int rc = scope_build(L, -1, S_COMMON, &top, errbuf, errlen);
    const char *top_bootstrap = bootstrap_of(L, -1, &ei);
    for (size_t c = 0; rc == 0 && c < L->conf->nclusters; c++) {
        mir_cluster_t *cl = &L->conf->clusters_v[c];
        mir_props_t *scopes[] = {&cl->common, &cl->consumer, &cl->producer, &cl->admin};
        for (int s = S_COMMON; rc == 0 && s <= S_ADMIN; s++)
            rc = scope_build(L, (int)c, s, scopes[s], errbuf, errlen);
        for (size_t k = 0; rc == 0 && k < top.count; k++) {
            bool set = false;
            for (size_t m = 0; m < cl->common.count; m++)
                set = set || strcmp(cl->common.v[m].key, top.v[k].key) == 0;
            if (!set)
                props_put(&cl->common, top.v[k].key, top.v[k].value);
        }
        const char *b = bootstrap_of(L, (int)c, &ei);
        if (!b)
            b = top_bootstrap;
        if (b) {
            free(cl->bootstrap_servers);
            cl->bootstrap_servers = xstrdup(b);
        }
    }
    props_free(&top);
    /* Companion keys that no mapping used are unknown to librdkafka. */
    for (size_t i = 0; rc == 0 && i < L->es->count; i++)
        if (L->info[i].kind == K_CLIENT && is_companion(L->info[i].sub) && !L->info[i].served)
            warn_at(L, i, "'%s' is not a librdkafka property: ignored", L->es->v[i].key);
    return rc;
}

static int bootstrap_check_one(loader_t *L, int c, const mir_flow_conf_t *f, char *errbuf,
                               size_t errlen)
{
    const mir_cluster_t *cl = &L->conf->clusters_v[c];
    if (cl->bootstrap_servers[0] != '\0')
        return 0;
    const char *role = c == f->source ? "source" : "target";
    const char *src = L->conf->clusters_v[f->source].alias;
    const char *tgt = L->conf->clusters_v[f->target].alias;
    size_t ei;
    char at[512];
    if (bootstrap_of(L, c, &ei))
        xdc_errbuf(errbuf, errlen, "%s: %s: may not be empty (%s is the %s of %s->%s)",
                   where(&L->es->v[ei], at, sizeof(at)), L->es->v[ei].key, cl->alias, role, src,
                   tgt);
    else
        xdc_errbuf(errbuf, errlen,
                   "%s: missing required key '%s.bootstrap.servers' (%s is the %s of the enabled "
                   "flow %s->%s)",
                   file_of(L), cl->alias, cl->alias, role, src, tgt);
    return XDC_ECONF;
}

static int bootstrap_check(loader_t *L, char *errbuf, size_t errlen)
{
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < L->conf->nflows; k++) {
        const mir_flow_conf_t *f = &L->conf->flows[k];
        rc = bootstrap_check_one(L, f->source, f, errbuf, errlen);
        if (rc == 0)
            rc = bootstrap_check_one(L, f->target, f, errbuf, errlen);
    }
    return rc;
}

/* --- load ------------------------------------------------------------------- */

static int warning_cmp(const void *a, const void *b)
{
    const warning_t *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void warnings_finish(loader_t *L)
{
    mir_conf_t *c = L->conf;
    if (L->nw)
        qsort(L->w, L->nw, sizeof(*L->w), warning_cmp);
    c->warnings = xrealloc(c->warnings, (c->nwarnings + L->nw + 1) * sizeof(char *));
    for (size_t i = 0; i < L->nw; i++)
        c->warnings[c->nwarnings++] = L->w[i].text;
    free(L->w);
    L->w = NULL;
    L->nw = 0;
}

static void warn_no_flow(loader_t *L)
{
    const conf_list_t *cl = &L->conf->clusters;
    if (cl->count < 2)
        warn_add(
            L, SIZE_MAX,
            xasprintf("%s: no flow is enabled: a flow needs two clusters in clusters", file_of(L)));
    else
        warn_add(L, SIZE_MAX,
                 xasprintf("%s: no flow is enabled: set %s->%s.enabled=true", file_of(L),
                           cl->items[0], cl->items[1]));
}

static int load_entries(conf_entries_t *es, mir_conf_t *out, char *errbuf, size_t errlen)
{
    loader_t L;
    memset(&L, 0, sizeof(L));
    L.es = es;
    L.conf = out;
    int rc = apply_globals(&L, errbuf, errlen);
    if (rc == 0)
        rc = clusters_init(&L, errbuf, errlen);
    if (rc == 0) {
        L.info = xcalloc(es->count + 1, sizeof(ent_info_t));
        for (size_t i = 0; i < es->count; i++)
            classify(&L, i);
        rc = flows_resolve(&L, errbuf, errlen);
    }
    if (rc == 0) {
        L.scratch = rd_kafka_conf_new();
        rc = clusters_build(&L, errbuf, errlen);
        rd_kafka_conf_destroy(L.scratch);
    }
    if (rc == 0)
        rc = bootstrap_check(&L, errbuf, errlen);
    if (rc == 0 && out->nflows == 0)
        warn_no_flow(&L);
    warnings_finish(&L);
    free(L.info);
    return rc;
}

int mir_conf_load_entries(conf_entries_t *es, mir_conf_t *out, char *errbuf, size_t errlen)
{
    return load_entries(es, out, errbuf, errlen);
}

int mir_conf_load(const char *path, const char *const *overrides, int noverrides, mir_conf_t *out,
                  char *errbuf, size_t errlen)
{
    conf_entries_t es;
    conf_entries_init(&es);
    int rc = conf_entries_load(path, overrides, noverrides, &es, errbuf, errlen);
    if (rc == 0)
        rc = load_entries(&es, out, errbuf, errlen);
    conf_entries_close(&es);
    return rc;
}

int mir_conf_load_string(const char *text, const char *name, mir_conf_t *out, char *errbuf,
                         size_t errlen)
{
    conf_entries_t es;
    conf_entries_init(&es);
    int rc = conf_props_parse(text, strlen(text), name, &es, errbuf, errlen);
    if (rc == 0)
        rc = load_entries(&es, out, errbuf, errlen);
    conf_entries_close(&es);
    return rc;
}

void mir_conf_free(mir_conf_t *conf)
{
    if (!conf)
        return;
    conf_free(&mir_conf_table, conf);
    for (size_t i = 0; i < conf->nclusters; i++) {
        mir_cluster_t *c = &conf->clusters_v[i];
        free(c->alias);
        free(c->bootstrap_servers);
        props_free(&c->common);
        props_free(&c->consumer);
        props_free(&c->producer);
        props_free(&c->admin);
    }
    free(conf->clusters_v);
    for (size_t i = 0; i < conf->nflows; i++)
        conf_free(&mir_flow_table, &conf->flows[i]);
    free(conf->flows);
    for (size_t i = 0; i < conf->nwarnings; i++)
        free(conf->warnings[i]);
    free(conf->warnings);
    conf->clusters_v = NULL;
    conf->nclusters = 0;
    conf->flows = NULL;
    conf->nflows = 0;
    conf->warnings = NULL;
    conf->nwarnings = 0;
}
