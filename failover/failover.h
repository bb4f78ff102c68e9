#ifndef XDC_FAILOVER_FAILOVER_H
#define XDC_FAILOVER_FAILOVER_H

#include "conf/conf.h"

/* xdc-failover: the failover controller. */

typedef struct fo_conf {
    char *http_listeners;
    char *http_token_file;
    conf_log_t log;
} fo_conf_t;

extern const conf_table_t fo_conf_table;

/** Run the failover controller until SIGTERM/SIGINT.
 *  @param conf borrowed for the duration of the call.
 *  @return 0, or an error with a one-line reason in @p errbuf. */
int fo_run(const fo_conf_t *conf, char *errbuf, size_t errlen);

#endif
