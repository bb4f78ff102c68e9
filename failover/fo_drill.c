/* A one-shot drill: a planned failover to DR and the failback to the
 * primary under a canary load that follows the DNS name, in one report
 * with both directions' RTO and RPO.
 *
 * The load is what an application sees: a producer of records to
 * canary.topic, 10 a second, that asks DNS for the name before each one
 * and reconnects when the answer changes. Its longest stretch without an
 * acknowledgement is the write outage a client lived through. */
#include "failover/fo_int.h"

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOAD_INTERVAL_MS 100
/* Not one of fence.exempt.client.ids: a fenced site refuses it. */
#define LOAD_CLIENT_ID   "xdc-drill-canary"

typedef struct load {
    fo_t *fo;
    const char *key; /* the drill's id */
    pthread_t thread;
    atomic_bool stop;
    rd_kafka_t *rk;
    conf_list_t addrs; /* what the name held when rk was made */
    fo_delivery_t **pending;
    size_t npending, cap;
    /* the thread's; read after the join */
    int64_t produced, acked, failed, switches;
    int64_t last_ack_ms, max_gap_ms;
    char error[512];
} load_t;

static void load_account(load_t *l)
{
    int64_t now = xdc_mono_ms();
    size_t keep = 0;
    for (size_t i = 0; i < l->npending; i++) {
        fo_delivery_t *d = l->pending[i];
        if (!d->done) {
            l->pending[keep++] = d;
            continue;
        }
        if (d->err) {
            l->failed++;
            snprintf(l->error, sizeof(l->error), "%s", rd_kafka_err2str(d->err));
        } else {
            l->acked++;
            if (now - l->last_ack_ms > l->max_gap_ms)
                l->max_gap_ms = now - l->last_ack_ms;
            l->last_ack_ms = now;
        }
        free(d);
    }
    l->npending = keep;
}

/* Drop the client: what it still holds is reported as failed. */
static void load_disconnect(load_t *l)
{
    if (!l->rk)
        return;
    rd_kafka_purge(l->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(l->rk, 0);
    rd_kafka_destroy(l->rk);
    l->rk = NULL;
    load_account(l);
    conf_list_free(&l->addrs);
}

/* A client of the site the name now points at. */
static void load_connect(load_t *l, conf_list_t *now)
{
    const fo_conf_t *c = l->fo->conf;
    const char *site = fo__addrs_equal(now, &c->dr_addresses) ? "dr" : "primary";
    char bootstrap[1024] = "";
    size_t off = 0;
    for (int i = 0; i < now->count && off < sizeof(bootstrap); i++)
        off += (size_t)snprintf(bootstrap + off, sizeof(bootstrap) - off, "%s%s:%d", i ? "," : "",
                                now->items[i], c->bootstrap_port);
    const char *const kv[] = {"client.id", LOAD_CLIENT_ID,       "acks", "all", "linger.ms",
                              "0",         "message.timeout.ms", "5000", NULL};
    char why[512];
    l->rk = fo__client(c, site, RD_KAFKA_PRODUCER, bootstrap, kv, why, sizeof(why));
    if (!l->rk) {
        snprintf(l->error, sizeof(l->error), "%s", why);
        conf_list_free(now);
        return;
    }
    l->addrs = *now;
    l->switches++;
}

static void load_produce(load_t *l)
{
    char value[32];
    int n = snprintf(value, sizeof(value), "%lld", (long long)l->produced);
    fo_delivery_t *d = xcalloc(1, sizeof(*d));
    rd_kafka_resp_err_t e = rd_kafka_producev(
        l->rk, RD_KAFKA_V_TOPIC(l->fo->conf->canary_topic), RD_KAFKA_V_KEY(l->key, strlen(l->key)),
        RD_KAFKA_V_VALUE(value, (size_t)n), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_OPAQUE(d), RD_KAFKA_V_END);
    l->produced++;
    if (e) {
        l->failed++;
        free(d);
        return;
    }
    if (l->npending == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->pending = xrealloc(l->pending, l->cap * sizeof(*l->pending));
    }
    l->pending[l->npending++] = d;
}

static void *load_main(void *arg)
{
    load_t *l = arg;
    l->last_ack_ms = xdc_mono_ms();
    while (!atomic_load(&l->stop)) {
        int64_t next = xdc_mono_ms() + LOAD_INTERVAL_MS;
        conf_list_t now;
        char why[256];
        if (fo_dns_lookup(l->fo->dns, 0, &now, why, sizeof(why)) == 0) {
            if (l->rk && !fo__addrs_equal(&now, &l->addrs))
                load_disconnect(l);
            if (!l->rk)
                load_connect(l, &now);
            else
                conf_list_free(&now);
        }
        if (l->rk) {
            load_produce(l);
            rd_kafka_poll(l->rk, 0);
        }
        load_account(l);
        int64_t left = next - xdc_mono_ms();
        if (left > 0)
            xdc_sleep_ms(left);
    }
    if (l->rk)
        rd_kafka_flush(l->rk, 5000);
    load_disconnect(l);
    for (size_t i = 0; i < l->npending; i++)
        free(l->pending[i]);
    free(l->pending);
    return NULL;
}

static json_t *load_json(const load_t *l)
{
    json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:i}", "produced", (json_int_t)l->produced, "acked",
                          (json_int_t)l->acked, "failed", (json_int_t)l->failed, "max_gap_ms",
                          (json_int_t)l->max_gap_ms, "interval_ms", LOAD_INTERVAL_MS);
    if (l->error[0])
        json_object_set_new(o, "last_error", json_string(l->error));
    return o;
}

/* --- the drill -------------------------------------------------------------- */

static void drill_publish_leg(fo_t *fo, json_t *leg)
{
    pthread_mutex_lock(&fo->lock);
    json_array_append(json_object_get(fo->drill, "legs"), leg);
    pthread_mutex_unlock(&fo->lock);
}

static json_t *run_leg(fo_t *fo, const char *drill_id, const char *kind, int dry_run)
{
    char id[160];
    snprintf(id, sizeof(id), "%s-%s", drill_id, kind);
    fo_switch_req_t req = {.kind = kind, .planned = 1, .dry_run = dry_run, .id = id};
    /* A dry run of the way back finds the name where it is now. */
    if (dry_run && strcmp(kind, "failback") == 0)
        req.dns_from = &fo->conf->primary_addresses;
    json_t *report = NULL;
    fo_switch(fo, &req, &report);
    if (report)
        drill_publish_leg(fo, report);
    return report;
}

static const char *drill_outcome(json_t *legs, int dry_run)
{
    const char *worst = dry_run ? "dry-run" : "completed";
    size_t i;
    json_t *leg;
    json_array_foreach(legs, i, leg)
    {
        const char *o = json_string_value(json_object_get(leg, "outcome")) ?: "failed";
        if (strcmp(o, "failed") == 0)
            return "failed";
        if (strcmp(o, "degraded") == 0)
            worst = "degraded";
    }
    return json_array_size(legs) == 2 ? worst : "failed";
}

int fo_drill(fo_t *fo, const char *id, int dry_run, json_t **report)
{
    int64_t now = xdc_wall_ms();
    json_t *d = json_pack("{s:s, s:s, s:b, s:s, s:I, s:[], s:{}, s:{}}", "id", id, "kind", "drill",
                          "dry_run", dry_run, "outcome", "running", "started_ms", (json_int_t)now,
                          "legs", "rto_ms", "rpo");
    pthread_mutex_lock(&fo->lock);
    fo->drill = json_incref(d);
    pthread_mutex_unlock(&fo->lock);
    log_info("failover: drill %s%s", id, dry_run ? " (dry run)" : "");

    load_t l = {.fo = fo, .key = id};
    atomic_init(&l.stop, false);
    int loading = !dry_run && pthread_create(&l.thread, NULL, load_main, &l) == 0;
    json_t *out = run_leg(fo, id, "failover", dry_run), *back = NULL;
    const char *o = json_string_value(json_object_get(out, "outcome"));
    if (o &&
        (strcmp(o, "completed") == 0 || strcmp(o, "degraded") == 0 || strcmp(o, "dry-run") == 0)) {
        /* Clients live on DR for a while: the way back then carries their
         * writes and commits, as after a real failover. */
        if (!dry_run)
            xdc_sleep_ms(fo->conf->drill_hold_ms);
        back = run_leg(fo, id, "failback", dry_run);
    }
    if (loading) {
        atomic_store(&l.stop, true);
        pthread_join(l.thread, NULL);
    }

    pthread_mutex_lock(&fo->lock);
    json_t *legs = json_object_get(d, "legs");
    json_t *rto = json_object_get(d, "rto_ms"), *rpo = json_object_get(d, "rpo");
    json_t *leg;
    size_t i;
    json_array_foreach(legs, i, leg)
    {
        const char *kind = json_string_value(json_object_get(leg, "kind"));
        if (json_object_get(leg, "rto_ms"))
            json_object_set(rto, kind, json_object_get(leg, "rto_ms"));
        if (json_object_get(leg, "rpo"))
            json_object_set(rpo, kind, json_object_get(leg, "rpo"));
    }
    const char *outcome = drill_outcome(legs, dry_run);
    json_object_set_new(d, "outcome", json_string(outcome));
    json_object_set_new(d, "finished_ms", json_integer(xdc_wall_ms()));
    if (loading)
        json_object_set_new(d, "canary_load", load_json(&l));
    const char *err = json_string_value(json_object_get(back ? back : out, "error"));
    if (strcmp(outcome, "failed") == 0)
        json_object_set_new(d, "error", json_string(err ? err : "a leg did not run"));
    json_decref(fo->drill);
    fo->drill = NULL;
    pthread_mutex_unlock(&fo->lock);
    json_decref(out);
    json_decref(back);
    log_info("failover: drill %s: %s", id, outcome);
    fo__report_end(fo, d);
    *report = d;
    return strcmp(outcome, "failed") == 0 ? XDC_ESTATE : 0;
}
