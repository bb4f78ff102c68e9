/* The broker's settings, named as Kafka's server.properties names them. */
#include "broker/broker.h"
#include "broker/brk_int.h"
#include "broker/brk_topic.h"

#include "common/err.h"
#include "common/util.h"

#include <stddef.h>
#include <stdint.h>

#define F(field) offsetof(brk_conf_t, field)

/* One data directory for now: JBOD needs per-directory placement and
 * failure handling that the store does not have. */
static int check_log_dirs(const void *field, char *why, size_t whylen)
{
    const conf_list_t *l = field;
    if (l->count == 1)
        return 0;
    xdc_errbuf(why, whylen, "exactly one directory is supported, got %d", l->count);
    return XDC_ECONF;
}

static int check_http_listen(const void *field, char *why, size_t whylen)
{
    const char *s = *(char *const *)field;
    char host[64];
    int port;
    return *s ? brk__http_listen_parse(s, host, sizeof(host), &port, why, whylen) : 0;
}

static const conf_item_t items[] = {
    {"node.id", CONF_INT, F(node_id), 0, INT32_MAX, "1",
     "This broker's id, reported in Metadata and stored in meta.properties.", NULL, 0, NULL},
    {"listeners", CONF_STRING, F(listeners), 0, 0, "PLAINTEXT://127.0.0.1:9092",
     "Where clients connect: NAME://host:port. Port 0 picks a free port (tests). An empty host "
     "listens on all interfaces.",
     NULL, CONF_F_NONEMPTY, conf_check_listener},
    {"advertised.listeners", CONF_STRING, F(advertised_listeners), 0, 0, "",
     "The address given to clients in Metadata, when it differs from listeners (NAT, "
     "containers). Empty means the listener's own address.",
     NULL, 0, NULL},
    {"fence.exempt.client.ids", CONF_LIST, F(fence_exempt_client_ids), 0, 0,
     "xdc-mirror,xdc-failover",
     "client.id prefixes a fenced broker keeps serving: the mirror that copies data back to "
     "this site during a failback and the failover controller. Fencing (the dynamic broker "
     "config xdc.fenced, set through IncrementalAlterConfigs) refuses every other client.",
     NULL, 0, NULL},
    {"http.listen", CONF_STRING, F(http_listen), 0, 0, "127.0.0.1:9308",
     "Where the HTTP endpoint listens: host:port, an IPv6 host in brackets ([::1]:9308). It "
     "serves GET /metrics (Prometheus text format) and GET /health. Port 0 picks a free port; "
     "an empty host listens on all interfaces; an empty value turns the endpoint off.",
     NULL, 0, check_http_listen},
    {"log.dirs", CONF_LIST, F(log_dirs), 0, 0, "./data",
     "The data directory holding partition stores and meta.properties (one directory).", NULL,
     CONF_F_NONEMPTY, check_log_dirs},
    {"socket.request.max.bytes", CONF_INT, F(socket_request_max_bytes), 64, INT32_MAX, "104857600",
     "Largest request frame accepted; a larger size prefix closes the connection.", NULL, 0, NULL},
    {"num.partitions", CONF_INT, F(num_partitions), 1, BRK_MAX_PARTITIONS, "1",
     "Partitions of an auto-created topic, and of CreateTopics requests asking for -1.", NULL, 0,
     NULL},
    {"default.replication.factor", CONF_INT, F(default_replication_factor), 1, 1, "1",
     "Replication factor of auto-created topics; a single node holds one replica.", NULL, 0, NULL},
    {"auto.create.topics.enable", CONF_BOOL, F(auto_create_topics_enable), 0, 0, "true",
     "Create a topic when a client asks for its metadata.", NULL, 0, NULL},
    {"delete.topic.enable", CONF_BOOL, F(delete_topic_enable), 0, 0, "true",
     "Allow DeleteTopics; when false it answers TOPIC_DELETION_DISABLED.", NULL, 0, NULL},
    {"log.retention.check.interval.ms", CONF_LONG, F(log_retention_check_interval_ms), 1, INT64_MAX,
     "300000", "How often segments are checked against retention.ms and retention.bytes.", NULL, 0,
     NULL},
    {"log.flush.scheduler.interval.ms", CONF_LONG, F(log_flush_scheduler_interval_ms), 1, INT64_MAX,
     "1000", "How often the time-based flush policy (flush.ms) is checked.", NULL, 0, NULL},
    {"log.flush.offset.checkpoint.interval.ms", CONF_LONG,
     F(log_flush_offset_checkpoint_interval_ms), 1, INT64_MAX, "60000",
     "How often recovery points (the offset up to which each partition is fsynced) and producer "
     "state snapshots are written; a restart after a crash rescans only past them.",
     NULL, 0, NULL},
    {"group.initial.rebalance.delay.ms", CONF_INT, F(group_initial_rebalance_delay_ms), 0,
     INT32_MAX, "3000",
     "How long the first rebalance of an empty group waits for more members to join.", NULL, 0,
     NULL},
    {"group.min.session.timeout.ms", CONF_INT, F(group_min_session_timeout_ms), 0, INT32_MAX,
     "6000", "Smallest session.timeout.ms a consumer may ask for.", NULL, 0, NULL},
    {"group.max.session.timeout.ms", CONF_INT, F(group_max_session_timeout_ms), 0, INT32_MAX,
     "1800000", "Largest session.timeout.ms a consumer may ask for.", NULL, 0, NULL},
    {"offsets.retention.minutes", CONF_LONG, F(offsets_retention_minutes), 1, INT64_MAX / 60000,
     "10080", "How long committed offsets of an empty group are kept.", NULL, 0, NULL},
    {"offsets.topic.num.partitions", CONF_INT, F(offsets_topic_num_partitions), 1, 1000, "50",
     "Partitions of __consumer_offsets, where group state is kept; fixed once created.", NULL, 0,
     NULL},
    {"offset.metadata.max.bytes", CONF_INT, F(offset_metadata_max_bytes), 0, INT32_MAX, "4096",
     "Largest metadata string stored with a committed offset.", NULL, 0, NULL},
/* Broker-level defaults of the topic configs, under Kafka's broker names. */
#define BROKER_DEFAULT(tk, bk, type, field, min, max, def, choices, flags, check, doc)             \
    {bk,                                                                                           \
     type,                                                                                         \
     F(topic_defaults.field),                                                                      \
     min,                                                                                          \
     max,                                                                                          \
     def,                                                                                          \
     doc " Default of the topic config `" tk "`.",                                                 \
     choices,                                                                                      \
     flags,                                                                                        \
     check},
    BRK_TOPIC_CONFIGS(BROKER_DEFAULT) CONF_LOG_ITEMS(brk_conf_t, log),
};

const conf_table_t brk_conf_table = {
    "broker",
    "`xdc-broker FILE` reads these keys, Kafka's own names for the same settings, so a "
    "`server.properties` fragment carries over. Unknown keys are an error.",
    items,
    sizeof(items) / sizeof(items[0]),
};
