#ifndef XDC_BROKER_BROKER_H
#define XDC_BROKER_BROKER_H

#include "conf/conf.h"

#include <stdint.h>

/* xdc-broker: the bundled Kafka-protocol broker. */

typedef struct brk_conf {
    int32_t node_id;
    char *listeners;
    char *advertised_listeners;
    conf_list_t log_dirs;
    int32_t socket_request_max_bytes;
    conf_log_t log;
} brk_conf_t;

extern const conf_table_t brk_conf_table;

typedef struct brk_server brk_server_t;

/** Open the data directory and bind the listener. Takes nothing from
 *  @p conf: it is copied.  @return NULL with a one-line reason in @p errbuf.
 *  @thread the caller's; the server then lives on that thread's loop. */
brk_server_t *brk_server_new(const brk_conf_t *conf, char *errbuf, size_t errlen);

/** Serve until SIGTERM/SIGINT or brk_server_stop().  @return 0 or an error. */
int brk_server_run(brk_server_t *srv);

/** Ask a running server to stop (async-signal-safe: wakes the loop). */
void brk_server_stop(brk_server_t *srv);

/** The bound port (useful when the listener asked for port 0). */
int brk_server_port(const brk_server_t *srv);

/** The cluster id from meta.properties.  @return borrowed. */
const char *brk_server_cluster_id(const brk_server_t *srv);

void brk_server_free(brk_server_t *srv);

#endif
