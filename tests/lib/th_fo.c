#include "tests/lib/th_fo.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/lib/th_http.h"
#include "tests/lib/th_kafka.h"
#include "tests/lib/th_mcheck.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Both sites on one port, at two loopback addresses: the name's port. */
static void sites_start(th_fo_t *f)
{
    char d1[600], d2[600];
    snprintf(d1, sizeof(d1), "%s/primary", f->dir);
    snprintf(d2, sizeof(d2), "%s/dr", f->dir);
    mkdir(d1, 0700);
    mkdir(d2, 0700);
    for (int attempt = 0; attempt < 5; attempt++) {
        f->port = th_free_port();
        if (!th_broker_start_at(&f->primary, d1, f->primary_ip, f->port, NULL))
            continue;
        if (th_broker_start_at(&f->dr, d2, f->dr_ip, f->port, NULL))
            return;
        th_broker_stop(&f->primary, SIGTERM);
    }
    fail_msg("no port free on both %s and %s", f->primary_ip, f->dr_ip);
}

void th_fo_controller_stop(th_fo_t *f)
{
    if (!f->proc)
        return;
    th_proc_stop(f->proc, SIGTERM, th_ms(30000));
    th_proc_free(f->proc);
    f->proc = NULL;
}

void th_fo_controller_start(th_fo_t *f, const char *extra)
{
    char conf[4096], path[600], log[600], servers[200];
    th_fo_controller_stop(f);
    f->http_port = th_free_port();
    snprintf(servers, sizeof(servers), "%s", f->knot[0].server);
    if (f->nknots > 1)
        snprintf(servers + strlen(servers), sizeof(servers) - strlen(servers), ",%s",
                 f->knot[1].server);
    snprintf(conf, sizeof(conf),
             TH_FO_IDENTITY "primary.bootstrap.servers=%s\n"
                            "dr.bootstrap.servers=%s\n"
                            "mirror.url=http://127.0.0.1:%d\n"
                            "http.listeners=http://127.0.0.1:%d\n"
                            "dns.name=" TH_KNOT_NAME "\n"
                            "dns.zone=" TH_KNOT_ZONE "\n"
                            "dns.servers=%s\n"
                            "dns.ttl.seconds=1\n"
                            "dns.tsig.key.name=" TH_KNOT_KEY_NAME "\n"
                            "dns.tsig.secret.file=%s\n"
                            "primary.dns.addresses=%s\n"
                            "dr.dns.addresses=%s\n"
                            "dns.bootstrap.port=%d\n"
                            "report.dir=%s/reports\n"
                            "failover.checkpoint.timeout.ms=30000\n"
                            "%s",
             f->primary.bootstrap, f->dr.bootstrap, f->mirror.http_port, f->http_port, servers,
             f->knot[0].secret_file, f->primary_ip, f->dr_ip, f->port, f->dir, extra ? extra : "");
    snprintf(path, sizeof(path), "%s/failover.properties", f->dir);
    snprintf(log, sizeof(log), "%s/failover.log", f->dir);
    th_write_file(path, conf);
    const char *argv[] = {th_bin("xdc-failover"), path, NULL};
    f->proc = th_spawn(argv, log);
    if (!f->proc || th_wait_tcp("127.0.0.1", f->http_port, th_ms(15000)) != 0)
        fail_msg("xdc-failover did not start: %s", f->proc ? th_proc_output(f->proc) : "spawn");
    /* Ready, and the runtime's liveness route answers. */
    int status;
    char *body = NULL;
    th_http_get(f->http_port, "/health", &status, &body);
    TH_CHECK(status == 200 && body && strstr(body, "\"ok\""), "GET /health: %d %s", status,
             body ? body : "");
    free(body);
}

void th_fo_start(th_fo_t *f, const char *dir, const char *topic, int nparts,
                 const char *controller_extra)
{
    const th_fo_opts_t o = {.controller_extra = controller_extra};
    th_fo_start_opts(f, dir, topic, nparts, &o);
}

void th_fo_start_opts(th_fo_t *f, const char *dir, const char *topic, int nparts,
                      const th_fo_opts_t *o)
{
    memset(f, 0, sizeof(*f));
    f->dir = dir;
    snprintf(f->primary_ip, sizeof(f->primary_ip), "%s", o->primary_ip ?: TH_FO_PRIMARY_IP);
    snprintf(f->dr_ip, sizeof(f->dr_ip), "%s", o->dr_ip ?: TH_FO_DR_IP);
    sites_start(f);
    th_kafka_create_topic(f->primary.bootstrap, topic, nparts, NULL);
    if (o->dns_ip) {
        f->nknots = 1;
        th_knot_start_at(&f->knot[0], dir, f->primary_ip, 1, o->dns_ip, 53);
    } else {
        f->nknots = 2;
        th_knot_start(&f->knot[0], dir, f->primary_ip, 1);
        th_knot_start(&f->knot[1], dir, f->primary_ip, 1);
    }
    th_pair_t pair = {f->primary.bootstrap, f->dr.bootstrap};
    char mirror[2048];
    snprintf(mirror, sizeof(mirror),
             TH_FO_IDENTITY "dr->primary.enabled = true\n"
                            "dr.consumer.session.timeout.ms = 6000\n"
                            "emit.checkpoints.interval.seconds = 1\n"
                            "refresh.groups.interval.seconds = 1\n"
                            "%s",
             o->mirror_extra ? o->mirror_extra : "");
    th_mirror_start(&f->mirror, dir, th_mc_conf(&pair, mirror));
    th_fo_controller_start(f, o->controller_extra);
}

json_t *th_fo_wait_report(th_fo_t *f, const char *id, int timeout_ms)
{
    char path[256];
    snprintf(path, sizeof(path), "/v1/reports/%s", id);
    for (int waited = 0; waited < timeout_ms; waited += 200) {
        json_t *r = th_http_get_json(f->http_port, path);
        const char *outcome = json_string_value(json_object_get(r, "outcome"));
        if (outcome && strcmp(outcome, "running") != 0)
            return r;
        json_decref(r);
        th_sleep_ms(200);
    }
    fail_msg("switch %s did not finish: %s", id, th_proc_output(f->proc));
    return NULL;
}

json_t *th_fo_switch(th_fo_t *f, const char *path, const char *body)
{
    int status;
    char *resp = NULL;
    int rc = th_http_request("POST", f->http_port, path, NULL, body, &status, &resp);
    TH_CHECK(rc == 0 && status == 202, "POST %s: rc %d status %d: %s", path, rc, status,
             resp ? resp : "");
    json_t *j = json_loads(resp, 0, NULL);
    free(resp);
    const char *id = json_string_value(json_object_get(j, "id"));
    TH_CHECK(id, "no report id");
    json_t *r = th_fo_wait_report(f, id, th_ms(120000));
    json_decref(j);
    return r;
}

json_t *th_fo_reports(th_fo_t *f)
{
    json_t *j = th_http_get_json(f->http_port, "/v1/reports");
    json_t *list = json_incref(json_object_get(j, "reports"));
    json_decref(j);
    return list;
}

void th_fo_expect_dns(th_fo_t *f, const char *want)
{
    for (int i = 0; i < f->nknots; i++) {
        char *now = th_dig(f->knot[i].server, TH_KNOT_NAME, "A");
        TH_CHECK(!strcmp(now, want), "%s answers %s, want %s", f->knot[i].server, now, want);
        free(now);
    }
}
