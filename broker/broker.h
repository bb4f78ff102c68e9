#ifndef XDC_BROKER_BROKER_H
#define XDC_BROKER_BROKER_H

#include "broker/brk_topic_conf.h"
#include "conf/conf.h"

#include <stdbool.h>
#include <stdint.h>

/* xdc-broker: the bundled Kafka-protocol broker. */

typedef struct brk_conf {
    int32_t node_id;
    char *listeners;
    char *advertised_listeners;
    char *http_listen; /* "host:port" of GET /metrics and /health; "" = none */
    conf_list_t log_dirs;
    int32_t socket_request_max_bytes;
    int32_t num_partitions;
    int32_t default_replication_factor;
    bool auto_create_topics_enable;
    bool delete_topic_enable;
    int64_t log_retention_check_interval_ms;
    int64_t log_flush_scheduler_interval_ms;
    int64_t log_flush_offset_checkpoint_interval_ms;
    int32_t group_initial_rebalance_delay_ms;
    int32_t group_min_session_timeout_ms;
    int32_t group_max_session_timeout_ms;
    int64_t offsets_retention_minutes;
    int32_t offsets_topic_num_partitions;
    int32_t offset_metadata_max_bytes;
    conf_list_t fence_exempt_client_ids; /* client.id prefixes a fenced broker still serves */
    brk_topic_conf_t topic_defaults;     /* log.retention.ms and the other topic defaults */
    conf_log_t log;
} brk_conf_t;

extern const conf_table_t brk_conf_table;

typedef struct brk_server brk_server_t;

/** Open the data directory, load its topics and bind the listener.
 *  Takes the settings of @p conf (success or not) and zeroes it.
 *  @return NULL with a one-line reason in @p errbuf.
 *  @thread the caller's; the server then lives on that thread's loop. */
brk_server_t *brk_server_new(brk_conf_t *conf, char *errbuf, size_t errlen);

/** Serve until SIGTERM/SIGINT or brk_server_stop().  @return 0 or an error. */
int brk_server_run(brk_server_t *srv);

/** Ask a running server to stop (async-signal-safe: wakes the loop). */
void brk_server_stop(brk_server_t *srv);

/** The bound port (useful when the listener asked for port 0). */
int brk_server_port(const brk_server_t *srv);

/** The bound port of the HTTP endpoint (the kernel's choice when
 *  http.listen asked for port 0), or -1 when http.listen is empty. */
int brk_server_http_port(const brk_server_t *srv);

/** The cluster id from meta.properties.  @return borrowed. */
const char *brk_server_cluster_id(const brk_server_t *srv);

void brk_server_free(brk_server_t *srv);

#endif
