/* A client that knows only the DNS name follows a failover. The test
 * creates a network namespace joined to the host by a veth pair, with its
 * own resolv.conf naming a Knot server on the host side (port 53: a
 * resolver cannot be told another). The primary and DR brokers listen on
 * two more host-side addresses, on one port. Inside the namespace kcat
 * produces to kafka.example.internal:<port>, and nothing else tells it
 * where the sites are. Before a planned failover its records land on the
 * primary; after it they land on DR (records with no xdc.src header, so
 * not copies the mirror made), with the same kcat process still running.
 * Needs root for `ip netns`, as CI runs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/lib/th_fo.h"
#include "tests/lib/th_kafka.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TOPIC "orders"
#define NPART 2
#define IP    "/usr/sbin/ip"

static th_fo_t g_fo;
static char g_ns[32], g_veth[16], g_net[32]; /* g_net: "10.213.N" */
static char g_etc[128];                      /* /etc/netns/<ns> */
static int g_ns_made;

/* Run "ip ARGS..." and fail the test unless it succeeds. */
static void ip(const char *const *args)
{
    const char *argv[16] = {IP};
    int n = 1;
    for (int i = 0; args[i] && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    int status;
    char *out = NULL;
    int rc = th_run(argv, th_ms(10000), &status, &out);
    if (rc != 0 || status != 0)
        fail_msg("ip %s %s %s: %s", args[0], args[1] ? args[1] : "", args[2] ? args[2] : "",
                 out ? out : "cannot run " IP " (the iproute2 package: make deps)");
    free(out);
}

static void netns_make(void)
{
    if (geteuid() != 0)
        fail_msg("this test creates a network namespace and needs root (CI runs as root)");
    int id = (int)(getpid() % 200) + 20;
    snprintf(g_ns, sizeof(g_ns), "xdc-test-%d", (int)getpid());
    snprintf(g_veth, sizeof(g_veth), "xdc%dh", (int)(getpid() % 100000));
    char peer[16], a[3][40], inner[40], conf[128], path[200];
    snprintf(peer, sizeof(peer), "xdc%dn", (int)(getpid() % 100000));
    snprintf(g_net, sizeof(g_net), "10.213.%d", id);
    for (int i = 0; i < 3; i++)
        snprintf(a[i], sizeof(a[i]), "%s.%d/24", g_net, i + 1);
    snprintf(inner, sizeof(inner), "%s.10/24", g_net);
    ip((const char *[]){"netns", "add", g_ns, NULL});
    g_ns_made = 1;
    ip((const char *[]){"link", "add", g_veth, "type", "veth", "peer", "name", peer, NULL});
    ip((const char *[]){"link", "set", peer, "netns", g_ns, NULL});
    for (int i = 0; i < 3; i++)
        ip((const char *[]){"addr", "add", a[i], "dev", g_veth, NULL});
    ip((const char *[]){"link", "set", g_veth, "up", NULL});
    ip((const char *[]){"-n", g_ns, "addr", "add", inner, "dev", peer, NULL});
    ip((const char *[]){"-n", g_ns, "link", "set", peer, "up", NULL});
    ip((const char *[]){"-n", g_ns, "link", "set", "lo", "up", NULL});
    /* `ip netns exec` bind-mounts this over /etc/resolv.conf. */
    snprintf(g_etc, sizeof(g_etc), "/etc/netns/%s", g_ns);
    mkdir("/etc/netns", 0755);
    if (mkdir(g_etc, 0755) < 0 && errno != EEXIST)
        fail_msg("mkdir %s: %s", g_etc, strerror(errno));
    snprintf(path, sizeof(path), "%s/resolv.conf", g_etc);
    snprintf(conf, sizeof(conf), "nameserver %s.1\noptions timeout:1 attempts:2\n", g_net);
    th_write_file(path, conf);
}

static void netns_remove(void)
{
    if (g_ns_made) {
        const char *argv[] = {IP, "netns", "del", g_ns, NULL};
        th_run(argv, th_ms(10000), NULL, NULL); /* takes the veth pair with it */
        g_ns_made = 0;
    }
    if (g_etc[0]) {
        th_rmtree(g_etc);
        g_etc[0] = '\0';
    }
}

static int setup(void **state)
{
    (void)state;
    /* A kcat that died must fail the test with its output, not kill it. */
    signal(SIGPIPE, SIG_IGN);
    netns_make();
    char p[40], d[40], dns[40];
    snprintf(p, sizeof(p), "%s.2", g_net);
    snprintf(d, sizeof(d), "%s.3", g_net);
    snprintf(dns, sizeof(dns), "%s.1", g_net);
    const th_fo_opts_t o = {.primary_ip = p, .dr_ip = d, .dns_ip = dns};
    th_fo_start_opts(&g_fo, th_tmpdir(), TOPIC, NPART, &o);
    return 0;
}

static int teardown(void **state)
{
    th_fo_controller_stop(&g_fo);
    int rc = th_teardown(state);
    netns_remove();
    return rc;
}

/* Records of @p bootstrap's topic that the namespace's kcat wrote there
 * itself (value "ns-<n>", no xdc.src header). */
static long direct_records(const char *bootstrap)
{
    th_recs_t rs = {0};
    th_kafka_consume_all(bootstrap, TOPIC, &rs, th_ms(20000));
    long n = 0;
    for (size_t i = 0; i < rs.count; i++)
        n += rs.v[i].value && !strncmp(rs.v[i].value, "ns-", 3) &&
             !th_rec_header(&rs.v[i], "xdc.src");
    th_recs_free(&rs);
    return n;
}

/* Feed the namespace's kcat until @p site holds @p want records of its own. */
static void feed_until(int fd, long *seq, const char *bootstrap, long want, th_proc_t *kcat)
{
    for (int round = 0; round < th_ms(60000) / 500; round++) {
        for (int i = 0; i < 25; i++) {
            char line[32];
            int n = snprintf(line, sizeof(line), "ns-%ld\n", (*seq)++);
            if (write(fd, line, (size_t)n) != n)
                fail_msg("kcat stopped reading: %s", th_proc_output(kcat));
            th_sleep_ms(20);
        }
        if (direct_records(bootstrap) >= want)
            return;
    }
    fail_msg("the client's records do not reach %s: %s", bootstrap, th_proc_output(kcat));
}

static void test_client_follows_by_name(void **state)
{
    (void)state;
    char fifo[600], bootstrap[128];
    snprintf(fifo, sizeof(fifo), "%s/kcat.in", g_fo.dir);
    if (mkfifo(fifo, 0600) < 0)
        fail_msg("mkfifo: %s", strerror(errno));
    snprintf(bootstrap, sizeof(bootstrap), TH_KNOT_NAME ":%d", g_fo.port);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "exec kcat -E -b %s -P -t " TOPIC " -X broker.address.ttl=1000 "
             "-X reconnect.backoff.max.ms=1000 -X message.timeout.ms=120000 < %s",
             bootstrap, fifo);
    const char *argv[] = {IP, "netns", "exec", g_ns, "/bin/sh", "-c", cmd, NULL};
    th_proc_t *kcat = th_spawn(argv, NULL);
    TH_CHECK(kcat, "cannot start kcat in %s", g_ns);
    int fd = open(fifo, O_WRONLY);
    TH_CHECK(fd >= 0, "open %s: %s", fifo, strerror(errno));
    long seq = 0;
    feed_until(fd, &seq, g_fo.primary.bootstrap, 50, kcat);

    json_t *r = th_fo_switch(&g_fo, "/v1/failover", "{\"mode\":\"planned\"}");
    char *text = json_dumps(r, JSON_INDENT(1));
    TH_CHECK(!strcmp(json_string_value(json_object_get(r, "outcome")) ?: "", "completed"),
             "failover: %s", text);
    free(text);
    json_decref(r);
    th_fo_expect_dns(&g_fo, g_fo.dr_ip);

    /* The same kcat, told nothing, now writes to DR. */
    feed_until(fd, &seq, g_fo.dr.bootstrap, 50, kcat);
    close(fd);
    int status = th_proc_stop(kcat, SIGTERM, th_ms(30000));
    (void)status;
    th_proc_free(kcat);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_client_follows_by_name, setup, teardown),
    };
    return cmocka_run_group_tests_name("failover_dns_client", tests, NULL, NULL);
}
