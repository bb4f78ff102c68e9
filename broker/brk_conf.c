/* The broker's settings, named as Kafka's server.properties names them. */
#include "broker/broker.h"

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
    {"log.dirs", CONF_LIST, F(log_dirs), 0, 0, "./data",
     "The data directory holding partition stores and meta.properties (one directory).", NULL,
     CONF_F_NONEMPTY, check_log_dirs},
    {"socket.request.max.bytes", CONF_INT, F(socket_request_max_bytes), 64, INT32_MAX, "104857600",
     "Largest request frame accepted; a larger size prefix closes the connection.", NULL, 0, NULL},
    CONF_LOG_ITEMS(brk_conf_t, log),
};

const conf_table_t brk_conf_table = {
    "broker",
    "`xdc-broker FILE` reads these keys, Kafka's own names for the same settings, so a "
    "`server.properties` fragment carries over. Unknown keys are an error.",
    items,
    sizeof(items) / sizeof(items[0]),
};
