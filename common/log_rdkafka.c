#include "common/log_rdkafka.h"

#include "common/err.h"
#include "common/log.h"

void log_rdkafka_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    const char *name = rk ? rd_kafka_name(rk) : "rdkafka";
    /* librdkafka uses syslog severities: 0-3 are errors, 4 a warning, 5-6
     * notices and information, 7 its debug output. */
    if (level <= 3)
        log_error("rdkafka=%s %s: %s", name, fac, buf);
    else if (level == 4)
        log_warn("rdkafka=%s %s: %s", name, fac, buf);
    else if (level <= 6)
        log_info("rdkafka=%s %s: %s", name, fac, buf);
    else
        log_debug(LOG_CTX_KAFKA, "rdkafka=%s %s: %s", name, fac, buf);
}

int log_rdkafka_setup(rd_kafka_conf_t *conf, const char *name, const char *debug_contexts)
{
    char errstr[256];
    rd_kafka_conf_set_log_cb(conf, log_rdkafka_cb);
    if (name &&
        rd_kafka_conf_set(conf, "client.id", name, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
        log_error("rdkafka=%s cannot set client.id: %s", name, errstr);
        return XDC_EKAFKA;
    }
    if (!(log_g_ctx & LOG_CTX_KAFKA))
        return 0;
    if (rd_kafka_conf_set(conf, "debug", debug_contexts ? debug_contexts : "broker,protocol",
                          errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
        log_error("rdkafka=%s cannot set debug: %s", name ? name : "?", errstr);
        return XDC_EKAFKA;
    }
    return 0;
}
