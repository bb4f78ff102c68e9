#ifndef XDC_MIRROR_MIRROR_H
#define XDC_MIRROR_MIRROR_H

#include "conf/conf.h"

/* xdc-mirror: replicates a source cluster to a target cluster. */

typedef struct mir_conf {
    conf_list_t clusters;
    char *http_listeners;
    conf_log_t log;
} mir_conf_t;

extern const conf_table_t mir_conf_table;

/** Run the mirror daemon until SIGTERM/SIGINT.
 *  @param conf borrowed for the duration of the call.
 *  @return 0, or an error with a one-line reason in @p errbuf. */
int mir_run(const mir_conf_t *conf, char *errbuf, size_t errlen);

#endif
