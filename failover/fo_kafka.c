/* The controller's Kafka side: clients of a site, fencing xdc-brokers,
 * cluster ids, log-end offsets. */
#include "failover/fo_int.h"

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/log_rdkafka.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fenced xdc-brokers keep serving this client.id (fence.exempt.client.ids). */
#define FO_CLIENT_ID "xdc-failover"

const mir_cluster_t *fo__site(const fo_conf_t *c, const char *site)
{
    for (size_t i = 0; i < c->sites.nclusters; i++)
        if (strcmp(c->sites.clusters_v[i].alias, site) == 0)
            return &c->sites.clusters_v[i];
    return NULL;
}

typedef fo_delivery_t delivery_t;

/* Every producer of the controller passes a delivery_t as the message's
 * opaque. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    delivery_t *d = m->_private;
    d->err = m->err;
    d->offset = m->offset;
    d->done = 1;
}

rd_kafka_t *fo__client(const fo_conf_t *c, const char *site, rd_kafka_type_t type,
                       const char *bootstrap, const char *const *kv, char *errbuf, size_t errlen)
{
    const mir_cluster_t *cl = fo__site(c, site);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char why[512];
    int bad = 0;
    for (size_t i = 0; cl && i < cl->common.count && !bad; i++)
        bad = rd_kafka_conf_set(conf, cl->common.v[i].key, cl->common.v[i].value, why,
                                sizeof(why)) != RD_KAFKA_CONF_OK;
    const char *const fixed[] = {"bootstrap.servers",
                                 bootstrap ? bootstrap : (cl ? cl->bootstrap_servers : ""), NULL};
    for (int i = 0; fixed[i] && !bad; i += 2)
        bad = rd_kafka_conf_set(conf, fixed[i], fixed[i + 1], why, sizeof(why)) != RD_KAFKA_CONF_OK;
    for (int i = 0; kv && kv[i] && !bad; i += 2)
        bad = rd_kafka_conf_set(conf, kv[i], kv[i + 1], why, sizeof(why)) != RD_KAFKA_CONF_OK;
    if (type == RD_KAFKA_PRODUCER)
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    char id[128];
    snprintf(id, sizeof(id), FO_CLIENT_ID ".%s", site);
    for (int i = 0; kv && kv[i]; i += 2)
        if (strcmp(kv[i], "client.id") == 0)
            snprintf(id, sizeof(id), "%s", kv[i + 1]);
    if (!bad && log_rdkafka_setup(conf, id, NULL) < 0) {
        snprintf(why, sizeof(why), "cannot route librdkafka's logs");
        bad = 1;
    }
    rd_kafka_t *rk = bad ? NULL : rd_kafka_new(type, conf, why, sizeof(why));
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        xdc_errbuf(errbuf, errlen, "%s: %s", site, why);
    }
    return rk;
}

rd_kafka_event_t *fo__admin_wait(rd_kafka_queue_t *q, int timeout_ms, char *errbuf, size_t errlen)
{
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 1000);
    if (!ev) {
        xdc_errbuf(errbuf, errlen, "no answer within %d ms", timeout_ms);
        return NULL;
    }
    if (rd_kafka_event_error(ev)) {
        xdc_errbuf(errbuf, errlen, "%s", rd_kafka_event_error_string(ev));
        rd_kafka_event_destroy(ev);
        return NULL;
    }
    return ev;
}

/* AlterConfigs xdc.fenced on each broker of the cluster: Kafka sends a
 * broker resource to that broker, so every one of them is reached. */
int fo__fence_brokers(rd_kafka_t *rk, int on, int timeout_ms, json_t *detail, char *errbuf,
                      size_t errlen)
{
    const rd_kafka_metadata_t *md;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, NULL, &md, timeout_ms);
    if (e) {
        xdc_errbuf(errbuf, errlen, "cannot list the brokers: %s", rd_kafka_err2str(e));
        return XDC_EKAFKA;
    }
    int n = md->broker_cnt;
    rd_kafka_ConfigResource_t **res = xcalloc((size_t)n + 1, sizeof(*res));
    json_t *brokers = json_array();
    for (int i = 0; i < n; i++) {
        char id[16];
        snprintf(id, sizeof(id), "%d", md->brokers[i].id);
        res[i] = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_BROKER, id);
        rd_kafka_ConfigResource_set_config(res[i], "xdc.fenced", on ? "true" : "false");
        json_array_append_new(brokers, json_integer(md->brokers[i].id));
    }
    rd_kafka_metadata_destroy(md);
    json_object_set_new(detail, "brokers", brokers);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_ALTERCONFIGS);
    rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, NULL, 0);
    rd_kafka_AlterConfigs(rk, res, (size_t)n, opts, q);
    int rc = 0;
    rd_kafka_event_t *ev = fo__admin_wait(q, timeout_ms, errbuf, errlen);
    if (!ev) {
        rc = XDC_EKAFKA;
    } else {
        size_t cnt;
        const rd_kafka_ConfigResource_t **r =
            rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev), &cnt);
        for (size_t i = 0; i < cnt && !rc; i++) {
            if (rd_kafka_ConfigResource_error(r[i])) {
                const char *msg = rd_kafka_ConfigResource_error_string(r[i]);
                xdc_errbuf(errbuf, errlen, "broker %s refused xdc.fenced=%s: %s (%s)",
                           rd_kafka_ConfigResource_name(r[i]), on ? "true" : "false",
                           rd_kafka_err2name(rd_kafka_ConfigResource_error(r[i])),
                           msg ? msg : "not an xdc-broker? use fence.mode=command");
                rc = XDC_EKAFKA;
            }
        }
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_queue_destroy(q);
    for (int i = 0; i < n; i++)
        rd_kafka_ConfigResource_destroy(res[i]);
    free(res);
    return rc;
}

int fo__cluster_id(rd_kafka_t *rk, int timeout_ms, char *out, size_t len)
{
    char *id = rd_kafka_clusterid(rk, timeout_ms);
    if (!id)
        return XDC_ETIMEDOUT;
    snprintf(out, len, "%s", id);
    rd_kafka_mem_free(rk, id);
    return 0;
}

int fo__log_end(rd_kafka_t *rk, const char *topic, int partition, int timeout_ms, int64_t *end)
{
    int64_t lo;
    rd_kafka_resp_err_t e =
        rd_kafka_query_watermark_offsets(rk, topic, partition, &lo, end, timeout_ms);
    return e ? XDC_EKAFKA : 0;
}

int fo__group_committed(const fo_conf_t *c, const char *site, const char *group,
                        rd_kafka_topic_partition_list_t *parts, int timeout_ms, char *errbuf,
                        size_t errlen)
{
    /* committed() asks the coordinator without joining the group. */
    const char *const kv[] = {"group.id", group, "enable.auto.commit", "false", NULL};
    rd_kafka_t *rk = fo__client(c, site, RD_KAFKA_CONSUMER, NULL, kv, errbuf, errlen);
    if (!rk)
        return XDC_ECONF;
    rd_kafka_resp_err_t e = rd_kafka_committed(rk, parts, timeout_ms);
    if (e)
        xdc_errbuf(errbuf, errlen, "group %s: committed offsets: %s", group, rd_kafka_err2str(e));
    rd_kafka_destroy(rk);
    return e ? XDC_EKAFKA : 0;
}
