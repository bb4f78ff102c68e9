/* The canary: a record produced to canary.topic on one site and read back,
 * the check that a site takes writes and serves reads, as a client sees it.
 *
 * Verification runs rounds through the DNS name until one comes back; the
 * monitor keeps a canary on the active site and runs a round every
 * health.interval.ms. Both keep their clients between rounds, so a round
 * costs one produce and one fetch on connections already open. The
 * monitor's canary has a client.id fenced xdc-brokers refuse: a fenced
 * site fails it as it fails any client. */
#include "failover/fo_int.h"

#include "common/clock.h"
#include "common/err.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Canary records are worth nothing after a round: an hour of them is kept. */
#define CANARY_RETENTION_MS "3600000"
#define CANARY_GROUP        "xdc-failover-canary"

struct fo_canary {
    const fo_conf_t *c; /* borrowed */
    char site[16];
    char *bootstrap; /* NULL: the site's bootstrap.servers */
    char *client_id; /* NULL: fo__client()'s */
    rd_kafka_t *p, *cons;
    int topic_ready;
    fo_delivery_t d; /* the round's record: the producer's message opaque */
    long seq;
};

/* The canary topic, created on first use: one partition, the cluster's
 * default replication factor, short retention. */
static int ensure_topic(rd_kafka_t *rk, const char *topic, int timeout_ms, char *errbuf,
                        size_t errlen)
{
    char why[512];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, 1, -1, why, sizeof(why));
    if (!nt) {
        xdc_errbuf(errbuf, errlen, "canary.topic '%s': %s", topic, why);
        return XDC_ECONF;
    }
    rd_kafka_NewTopic_set_config(nt, "retention.ms", CANARY_RETENTION_MS);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, NULL, 0);
    rd_kafka_CreateTopics(rk, &nt, 1, opts, q);
    int rc = 0;
    rd_kafka_event_t *ev = fo__admin_wait(q, timeout_ms, why, sizeof(why));
    if (!ev) {
        xdc_errbuf(errbuf, errlen, "cannot create canary.topic '%s': %s", topic, why);
        rc = XDC_EKAFKA;
    } else {
        size_t n;
        const rd_kafka_topic_result_t **r =
            rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
        rd_kafka_resp_err_t e = n == 1 ? rd_kafka_topic_result_error(r[0]) : 0;
        if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
            xdc_errbuf(errbuf, errlen, "cannot create canary.topic '%s': %s", topic,
                       rd_kafka_err2str(e));
            rc = XDC_EKAFKA;
        }
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
    return rc;
}

/* The clients, made again after a round left them unusable. */
static int open_clients(fo_canary_t *k, int timeout_ms, char *errbuf, size_t errlen)
{
    char tmo[16];
    snprintf(tmo, sizeof(tmo), "%d", timeout_ms < 1 ? 1 : timeout_ms);
    const char *id = k->client_id ? "client.id" : NULL;
    const char *const pkv[] = {"acks", "all", "linger.ms",  "0", "message.timeout.ms",
                               tmo,    id,    k->client_id, NULL};
    if (!k->p)
        k->p = fo__client(k->c, k->site, RD_KAFKA_PRODUCER, k->bootstrap, pkv, errbuf, errlen);
    /* The group is librdkafka's requirement for consumer_poll(): the
     * consumer is assigned the partition, never joins, and commits nothing. */
    const char *const ckv[] = {"group.id", CANARY_GROUP,        "enable.auto.commit",
                               "false",    "fetch.wait.max.ms", "100",
                               id,         k->client_id,        NULL};
    if (k->p && !k->cons)
        k->cons = fo__client(k->c, k->site, RD_KAFKA_CONSUMER, k->bootstrap, ckv, errbuf, errlen);
    return k->p && k->cons ? 0 : XDC_ECONF;
}

fo_canary_t *fo__canary_new(const fo_conf_t *c, const char *site, const char *bootstrap,
                            const char *client_id)
{
    fo_canary_t *k = xcalloc(1, sizeof(*k));
    k->c = c;
    snprintf(k->site, sizeof(k->site), "%s", site);
    k->bootstrap = bootstrap ? xstrdup(bootstrap) : NULL;
    k->client_id = client_id ? xstrdup(client_id) : NULL;
    return k;
}

static void close_producer(fo_canary_t *k)
{
    if (k->p)
        rd_kafka_destroy(k->p);
    k->p = NULL;
}

void fo__canary_free(fo_canary_t *k)
{
    if (!k)
        return;
    close_producer(k);
    if (k->cons) {
        rd_kafka_consumer_close(k->cons);
        rd_kafka_destroy(k->cons);
    }
    free(k->bootstrap);
    free(k->client_id);
    free(k);
}

/* A record given up is purged, so that no late delivery report lands in
 * the next round's; a producer that still holds it is made anew. */
static void give_up_record(fo_canary_t *k)
{
    rd_kafka_purge(k->p, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    for (int i = 0; i < 20 && !k->d.done; i++)
        rd_kafka_poll(k->p, 50);
    if (!k->d.done)
        close_producer(k);
}

static int produce(fo_canary_t *k, const char *value, int64_t deadline, char *errbuf, size_t errlen)
{
    memset(&k->d, 0, sizeof(k->d));
    rd_kafka_resp_err_t e = rd_kafka_producev(
        k->p, RD_KAFKA_V_TOPIC(k->c->canary_topic), RD_KAFKA_V_PARTITION(0),
        RD_KAFKA_V_VALUE((void *)value, strlen(value)), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_OPAQUE(&k->d), RD_KAFKA_V_END);
    if (e) {
        xdc_errbuf(errbuf, errlen, "canary produce: %s", rd_kafka_err2str(e));
        return XDC_EKAFKA;
    }
    for (int64_t left; !k->d.done && (left = deadline - xdc_mono_ms()) > 0;)
        rd_kafka_poll(k->p, (int)(left < 50 ? left : 50));
    if (!k->d.done) {
        give_up_record(k);
        xdc_errbuf(errbuf, errlen, "canary not acknowledged in time");
        return XDC_ETIMEDOUT;
    }
    if (k->d.err) {
        /* Deleted since it was made: the next round creates it again. */
        if (k->d.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
            k->d.err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
            k->d.err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION)
            k->topic_ready = 0;
        xdc_errbuf(errbuf, errlen, "canary not acknowledged: %s", rd_kafka_err2str(k->d.err));
        return XDC_EKAFKA;
    }
    return 0;
}

static int consume(fo_canary_t *k, int64_t offset, const char *value, int64_t deadline,
                   char *errbuf, size_t errlen)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, k->c->canary_topic, 0)->offset = offset;
    rd_kafka_assign(k->cons, l);
    rd_kafka_topic_partition_list_destroy(l);
    int rc = XDC_ETIMEDOUT;
    char why[256] = "";
    for (int64_t left; rc == XDC_ETIMEDOUT && (left = deadline - xdc_mono_ms()) > 0;) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(k->cons, (int)(left < 100 ? left : 100));
        if (!m)
            continue;
        if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
            snprintf(why, sizeof(why), ": %s", rd_kafka_message_errstr(m));
        else if (!m->err && m->offset == offset && m->len == strlen(value) &&
                 memcmp(m->payload, value, m->len) == 0)
            rc = 0;
        rd_kafka_message_destroy(m);
    }
    /* Idle between rounds: nothing is fetched until the next one. */
    rd_kafka_assign(k->cons, NULL);
    if (rc)
        xdc_errbuf(errbuf, errlen, "canary at offset %lld not read back in time%s",
                   (long long)offset, why);
    return rc;
}

int fo__canary_round(fo_canary_t *k, int timeout_ms, char *errbuf, size_t errlen)
{
    int64_t deadline = xdc_mono_ms() + timeout_ms;
    int rc = open_clients(k, timeout_ms, errbuf, errlen);
    if (!rc && !k->topic_ready) {
        rc = ensure_topic(k->p, k->c->canary_topic, timeout_ms, errbuf, errlen);
        k->topic_ready = rc == 0;
    }
    if (rc)
        return rc;
    char value[128];
    snprintf(value, sizeof(value), "xdc-canary %s %lld %ld", k->site, (long long)xdc_wall_ms(),
             ++k->seq);
    rc = produce(k, value, deadline, errbuf, errlen);
    return rc ? rc : consume(k, k->d.offset, value, deadline, errbuf, errlen);
}
