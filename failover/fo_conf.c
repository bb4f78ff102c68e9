/* The failover controller's settings. */
#include "failover/failover.h"

#include <stddef.h>

#define F(field) offsetof(fo_conf_t, field)

static const conf_item_t items[] = {
    {"http.listeners", CONF_STRING, F(http_listeners), 0, 0, "http://127.0.0.1:8084",
     "Where the controller's HTTP API listens: http://host:port. Port 0 picks a free port.", NULL,
     CONF_F_NONEMPTY, conf_check_listener},
    {"http.token.file", CONF_STRING, F(http_token_file), 0, 0, "",
     "A file holding the bearer token every API request must present. Empty disables "
     "authentication (only sensible on 127.0.0.1).",
     NULL, 0, NULL},
    CONF_LOG_ITEMS(fo_conf_t, log),
};

const conf_table_t fo_conf_table = {
    "failover",
    "`xdc-failover FILE` reads these keys. Unknown keys are an error.",
    items,
    sizeof(items) / sizeof(items[0]),
};
