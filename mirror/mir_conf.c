/* The mirror's settings, named as MirrorMaker 2's mm2.properties names them. */
#include "mirror/mirror.h"

#include <stddef.h>

#define F(field) offsetof(mir_conf_t, field)

static const conf_item_t items[] = {
    {"clusters", CONF_LIST, F(clusters), 0, 0, "primary, dr",
     "Aliases of the clusters this mirror connects, as in MirrorMaker 2.", NULL, CONF_F_NONEMPTY,
     NULL},
    {"http.listeners", CONF_STRING, F(http_listeners), 0, 0, "http://127.0.0.1:8083",
     "Where the mirror's HTTP API listens: http://host:port. Port 0 picks a free port.", NULL,
     CONF_F_NONEMPTY, conf_check_listener},
    CONF_LOG_ITEMS(mir_conf_t, log),
};

const conf_table_t mir_conf_table = {
    "mirror",
    "`xdc-mirror FILE` reads MirrorMaker 2's `mm2.properties` keys. Unknown keys are an error.",
    items,
    sizeof(items) / sizeof(items[0]),
};
