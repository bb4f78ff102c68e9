/* librdkafka clients for one cluster: the user's passthrough properties
 * layered between the mirror's defaults and the settings it relies on. */
#include "mirror/mir_int.h"

#include "common/err.h"
#include "common/log.h"
#include "common/log_rdkafka.h"
#include "common/util.h"

#include <string.h>

static int set_pairs(rd_kafka_conf_t *conf, const char *const *kv, char *errbuf, size_t errlen)
{
    for (; kv && kv[0]; kv += 2) {
        char why[512];
        if (rd_kafka_conf_set(conf, kv[0], kv[1], why, sizeof(why)) != RD_KAFKA_CONF_OK) {
            xdc_errbuf(errbuf, errlen, "%s: %s", kv[0], why);
            return XDC_ECONF;
        }
    }
    return 0;
}

static int set_props(rd_kafka_conf_t *conf, const mir_props_t *ps, char *errbuf, size_t errlen)
{
    for (size_t i = 0; ps && i < ps->count; i++) {
        char why[512];
        /* Checked at load time; a failure here names the key, never the value. */
        if (rd_kafka_conf_set(conf, ps->v[i].key, ps->v[i].value, why, sizeof(why)) !=
            RD_KAFKA_CONF_OK) {
            xdc_errbuf(errbuf, errlen, "%s: %s", ps->v[i].key, why);
            return XDC_ECONF;
        }
    }
    return 0;
}

rd_kafka_t *mir__client_new(const mir_cluster_t *c, rd_kafka_type_t type, const mir_props_t *role,
                            const char *name, const char *const *defaults, const char *const *fixed,
                            rd_kafka_conf_t *conf, char *errbuf, size_t errlen)
{
    if (!conf)
        conf = rd_kafka_conf_new();
    char why[512];
    int rc = set_pairs(conf, defaults, why, sizeof(why));
    if (!rc)
        rc = set_props(conf, &c->common, why, sizeof(why));
    if (!rc)
        rc = set_props(conf, role, why, sizeof(why));
    if (!rc)
        rc = set_pairs(conf, fixed, why, sizeof(why));
    if (!rc && rd_kafka_conf_set(conf, "bootstrap.servers", c->bootstrap_servers, why,
                                 sizeof(why)) != RD_KAFKA_CONF_OK)
        rc = XDC_ECONF;
    /* The client.id: fenced xdc-brokers keep serving "xdc-mirror*"
     * (fence.exempt.client.ids), so a failback can copy data into a site
     * clients must not write to. */
    char id[128];
    snprintf(id, sizeof(id), "xdc-mirror.%s", name);
    if (!rc && log_rdkafka_setup(conf, id, NULL) < 0) {
        xdc_errbuf(why, sizeof(why), "cannot route librdkafka's logs");
        rc = XDC_ECONF;
    }
    if (rc) {
        rd_kafka_conf_destroy(conf);
        xdc_errbuf(errbuf, errlen, "%s: %s", name, why);
        return NULL;
    }
    rd_kafka_t *rk = rd_kafka_new(type, conf, why, sizeof(why));
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        xdc_errbuf(errbuf, errlen, "%s: %s", name, why);
    }
    return rk;
}

rd_kafka_t *mir__reader_new(const mir_cluster_t *c, const char *group_id, const char *name,
                            char *errbuf, size_t errlen)
{
    /* librdkafka wants a group.id for assign(); the group is never joined
     * and nothing is committed. */
    const char *fixed[] = {
        "group.id", group_id, "enable.auto.commit", "false", "enable.partition.eof", "false", NULL};
    return mir__client_new(c, RD_KAFKA_CONSUMER, &c->consumer, name, NULL, fixed, NULL, errbuf,
                           errlen);
}
