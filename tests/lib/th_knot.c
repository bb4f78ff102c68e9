#include "tests/lib/th_knot.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define KNOTD "/usr/sbin/knotd"
#define DIG   "/usr/bin/dig"

static void write_or_fail(const char *path, const char *text)
{
    if (th_write_file(path, text) < 0)
        fail_msg("cannot write %s", path);
}

/* Every path lives under k->dir so nothing outside the test's directory is
 * touched (Knot's defaults are /run/knot and /var/lib/knot). The journal
 * keeps updates across a restart; the zone file is never rewritten. */
static void write_conf(const th_knot_t *k)
{
    char path[700], text[4096];
    snprintf(text, sizeof(text),
             "server:\n"
             "    rundir: \"%s/run\"\n"
             "    pidfile: \"%s/run/knot.pid\"\n"
             "    listen: %s@%d\n"
             "log:\n"
             "  - target: stderr\n"
             "    any: debug\n"
             "database:\n"
             "    storage: \"%s/db\"\n"
             "control:\n"
             "    listen: \"%s/run/knot.sock\"\n"
             "key:\n"
             "  - id: " TH_KNOT_KEY_NAME "\n"
             "    algorithm: hmac-sha256\n"
             "    secret: " TH_KNOT_KEY_SECRET "\n"
             "acl:\n"
             "  - id: update\n"
             "    address: [127.0.0.1, %s]\n"
             "    key: " TH_KNOT_KEY_NAME "\n"
             "    action: update\n"
             "%s"
             "template:\n"
             "  - id: default\n"
             "    storage: \"%s/zones\"\n"
             "    file: \"%%s.zone\"\n"
             "    zonefile-sync: -1\n"
             "    journal-content: all\n"
             "zone:\n"
             "  - domain: " TH_KNOT_ZONE "\n"
             "    acl: update\n",
             k->dir, k->dir, k->ip, k->port, k->dir, k->dir, k->ip, k->acl_extra, k->dir);
    snprintf(path, sizeof(path), "%s/knot.conf", k->dir);
    write_or_fail(path, text);
}

static void write_zone(const th_knot_t *k, const char *addrs, int ttl_s)
{
    char path[700], text[4096], list[1024];
    int n = snprintf(text, sizeof(text),
                     "$ORIGIN " TH_KNOT_ZONE ".\n"
                     "$TTL 30\n"
                     "@ IN SOA ns1 hostmaster 1 60 30 3600 1\n"
                     "@ IN NS ns1\n"
                     "ns1 IN A 127.0.0.1\n");
    snprintf(list, sizeof(list), "%s", addrs);
    for (char *save, *a = strtok_r(list, ",", &save); a; a = strtok_r(NULL, ",", &save))
        n += snprintf(text + n, sizeof(text) - (size_t)n, "kafka %d IN A %s\n", ttl_s, a);
    snprintf(path, sizeof(path), "%s/zones/" TH_KNOT_ZONE ".zone", k->dir);
    write_or_fail(path, text);
}

/* @return 1 when knotd answers, 0 when it exited (port taken). */
static int spawn(th_knot_t *k)
{
    char conf[700], log[700];
    snprintf(conf, sizeof(conf), "%s/knot.conf", k->dir);
    snprintf(log, sizeof(log), "%s/knotd.log", k->dir);
    snprintf(k->server, sizeof(k->server), "%s:%d", k->ip, k->port);
    const char *argv[] = {KNOTD, "-c", conf, NULL};
    k->proc = th_spawn(argv, log);
    if (!k->proc)
        fail_msg("cannot start " KNOTD " (is the knot package installed? make deps)");
    /* The sockets bind before the zone loads: ready means an SOA answer. */
    for (int waited = 0; th_dig_serial(k->server) < 0; waited += 50) {
        if (!th_proc_running(k->proc))
            return 0;
        if (waited > th_ms(15000))
            fail_msg("knotd does not answer on %s: %s", k->server, th_proc_output(k->proc));
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return 1;
}

void th_knot_start(th_knot_t *k, const char *dir, const char *addrs, int ttl_s)
{
    th_knot_start_acl(k, dir, addrs, ttl_s, "");
}

static void prepare(th_knot_t *k, const char *dir, const char *addrs, int ttl_s, const char *ip,
                    const char *acl_extra)
{
    memset(k, 0, sizeof(*k));
    snprintf(k->ip, sizeof(k->ip), "%s", ip);
    snprintf(k->acl_extra, sizeof(k->acl_extra), "%s", acl_extra);
    static int seq;
    snprintf(k->dir, sizeof(k->dir), "%s/knot-%d", dir, seq++);
    const char *sub[] = {"", "/run", "/db", "/zones"};
    for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
        char d[600];
        snprintf(d, sizeof(d), "%s%s", k->dir, sub[i]);
        if (mkdir(d, 0700) < 0)
            fail_msg("cannot create %s", d);
    }
    snprintf(k->secret_file, sizeof(k->secret_file), "%s/tsig.secret", k->dir);
    write_or_fail(k->secret_file, TH_KNOT_KEY_SECRET "\n");
    write_zone(k, addrs, ttl_s);
}

void th_knot_start_acl(th_knot_t *k, const char *dir, const char *addrs, int ttl_s,
                       const char *acl_extra)
{
    prepare(k, dir, addrs, ttl_s, "127.0.0.1", acl_extra);
    for (int attempt = 0; attempt < 3; attempt++) {
        k->port = th_free_port();
        write_conf(k);
        if (spawn(k))
            return;
        if (!strcasestr(th_proc_output(k->proc), "in use"))
            fail_msg("knotd exited early: %s", th_proc_output(k->proc));
        th_proc_free(k->proc); /* lost the port race: try another */
        k->proc = NULL;
    }
    fail_msg("knotd: no free port after 3 attempts");
}

void th_knot_start_at(th_knot_t *k, const char *dir, const char *addrs, int ttl_s, const char *ip,
                      int port)
{
    prepare(k, dir, addrs, ttl_s, ip, "");
    k->port = port;
    write_conf(k);
    if (!spawn(k))
        fail_msg("knotd cannot listen on %s@%d: %s", ip, port, th_proc_output(k->proc));
}

int th_knot_stop(th_knot_t *k)
{
    int status = th_proc_stop(k->proc, SIGTERM, th_ms(10000));
    th_proc_free(k->proc);
    k->proc = NULL;
    return status;
}

void th_knot_restart(th_knot_t *k)
{
    if (!spawn(k))
        fail_msg("knotd did not restart: %s", th_proc_output(k->proc));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* dig +short prints one answer per line; sort them so tests compare sets. */
static char *sorted_lines(char *text)
{
    char *lines[64];
    int n = 0;
    size_t len = strlen(text) + 1; /* before strtok_r cuts it */
    for (char *save, *l = strtok_r(text, "\n", &save); l && n < 64; l = strtok_r(NULL, "\n", &save))
        if (*l && *l != ';')
            lines[n++] = l;
    qsort(lines, (size_t)n, sizeof(lines[0]), cmp_str);
    char *out = calloc(1, len);
    for (int i = 0; i < n; i++) {
        if (i)
            strcat(out, ",");
        strcat(out, lines[i]);
    }
    return out;
}

char *th_dig(const char *server, const char *name, const char *type)
{
    char at[80], port[16];
    const char *colon = strrchr(server, ':');
    snprintf(at, sizeof(at), "@%.*s", (int)(colon - server), server);
    snprintf(port, sizeof(port), "%s", colon + 1);
    const char *argv[] = {DIG,  "+short", "+tcp", "+tries=1", "+time=2", at,
                          "-p", port,     name,   type,       NULL};
    int status;
    char *out = NULL;
    int rc = th_run(argv, th_ms(10000), &status, &out);
    if (rc == -ENOENT || (rc == 0 && status == 127))
        fail_msg(DIG " is missing (the dnsutils package: make deps)");
    if (rc < 0 || status != 0) {
        free(out);
        return strdup("");
    }
    char *sorted = sorted_lines(out);
    free(out);
    return sorted;
}

long th_dig_serial(const char *server)
{
    char *soa = th_dig(server, TH_KNOT_ZONE, "SOA");
    long serial = -1;
    char mname[256], rname[256];
    if (sscanf(soa, "%255s %255s %ld", mname, rname, &serial) != 3)
        serial = -1;
    free(soa);
    return serial;
}

void th_nsupdate_a(const th_knot_t *k, const char *addr)
{
    char script[1024], path[700];
    snprintf(script, sizeof(script),
             "server %s %d\nzone " TH_KNOT_ZONE ".\n"
             "update delete " TH_KNOT_NAME ". A\n"
             "update add " TH_KNOT_NAME ". 30 A %s\nsend\n",
             k->ip, k->port, addr);
    snprintf(path, sizeof(path), "%s/nsupdate.txt", k->dir);
    write_or_fail(path, script);
    const char *argv[] = {"/usr/bin/nsupdate",
                          "-v",
                          "-y",
                          "hmac-sha256:" TH_KNOT_KEY_NAME ":" TH_KNOT_KEY_SECRET,
                          path,
                          NULL};
    int status;
    char *out = NULL;
    int rc = th_run(argv, th_ms(10000), &status, &out);
    if (rc != 0 || status != 0)
        fail_msg("nsupdate on %s: rc %d status %d: %s", k->server, rc, status, out ? out : "");
    free(out);
}
