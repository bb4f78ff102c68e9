#ifndef XDC_COMMON_LOG_RDKAFKA_H
#define XDC_COMMON_LOG_RDKAFKA_H

#include <librdkafka/rdkafka.h>

/** Route @p conf's logs into log.h: librdkafka's syslog levels map to ours,
 *  its debug lines go to the "kafka" context, and when that context is on
 *  librdkafka's own "debug" property is set to @p debug_contexts (or
 *  "broker,protocol" when NULL) so there is something to see.
 *  @param name the client's role, set as its client.id and so put first on
 *  each line ("xdc-mirror.source"); copied.  @return 0 or XDC_EKAFKA. */
int log_rdkafka_setup(rd_kafka_conf_t *conf, const char *name, const char *debug_contexts);

/** The log callback itself, for callers that set the opaque themselves. */
void log_rdkafka_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf);

#endif
