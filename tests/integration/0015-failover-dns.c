/* The failover controller's DNS providers against real Knot DNS servers
 * (knotd from Debian, each on a free loopback port, stopped by PID):
 *  - rfc2136 switches the bootstrap name on every authoritative server,
 *    with the configured TTL, as dig sees it; a dry run changes nothing;
 *    switching again is a no-op and switching back works;
 *  - a wrong TSIG secret, an unreachable server, and a record changed
 *    behind the controller's back (by nsupdate) each stop the switch with
 *    a clear error and leave the record untouched on every server;
 *  - of two controllers racing to different targets, only one wins;
 *  - exec runs the operator's command with the old and new addresses, and
 *    reports its status, output and timeout. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/err.h"
#include "failover/failover.h"
#include "tests/lib/th_knot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRIMARY "10.1.0.11,10.1.0.12"
#define DR      "10.2.0.21,10.2.0.22"

typedef struct fixture {
    const char *dir;
    th_knot_t knot[2];
    conf_list_t primary, dr;
    fo_dns_conf_t conf;
    char servers[2][96];
    char *server_items[2];
} fixture_t;

static fixture_t fx;

static void list_set(conf_list_t *l, const char *csv)
{
    static char store[8][64];
    static int next;
    l->count = 0;
    l->items = calloc(8, sizeof(char *));
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", csv);
    for (char *save, *a = strtok_r(buf, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
        snprintf(store[next % 8], sizeof(store[0]), "%s", a);
        l->items[l->count++] = store[next++ % 8];
    }
}

static int setup(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof(fx));
    fx.dir = th_tmpdir();
    th_knot_start(&fx.knot[0], fx.dir, PRIMARY, 30);
    th_knot_start(&fx.knot[1], fx.dir, PRIMARY, 30);
    list_set(&fx.primary, PRIMARY);
    list_set(&fx.dr, DR);
    for (int i = 0; i < 2; i++) {
        snprintf(fx.servers[i], sizeof(fx.servers[i]), "%s", fx.knot[i].server);
        fx.server_items[i] = fx.servers[i];
    }
    fx.conf = (fo_dns_conf_t){
        .provider = FO_DNS_RFC2136,
        .name = TH_KNOT_NAME,
        .zone = TH_KNOT_ZONE,
        .servers = {2, fx.server_items},
        .ttl_s = 1,
        .tsig_key_name = TH_KNOT_KEY_NAME,
        .tsig_algorithm = FO_TSIG_HMAC_SHA256,
        .tsig_secret_file = fx.knot[0].secret_file,
        .timeout_ms = th_ms(2000),
        .retries = 1,
        .exec_command = "",
        .exec_timeout_ms = th_ms(5000),
    };
    return 0;
}

static int teardown(void **state)
{
    free(fx.primary.items);
    free(fx.dr.items);
    return th_teardown(state);
}

static fo_dns_t *dns_new(const fo_dns_conf_t *conf)
{
    char err[512];
    fo_dns_t *dns = fo_dns_new(conf, err, sizeof(err));
    TH_CHECK(dns, "fo_dns_new: %s", err);
    return dns;
}

/* Both servers answer @p want for the name, and their serial is @p serial
 * (-1: any). */
static void expect_answer(const char *want, long serial)
{
    for (int i = 0; i < 2; i++) {
        char *got = th_dig(fx.knot[i].server, TH_KNOT_NAME, "A");
        TH_CHECK(!strcmp(got, want), "server %s answers '%s', want '%s'", fx.knot[i].server, got,
                 want);
        free(got);
        long s = th_dig_serial(fx.knot[i].server);
        TH_CHECK(serial < 0 || s == serial, "server %s serial %ld, want %ld", fx.knot[i].server, s,
                 serial);
    }
}

static const char *outcome(json_t *detail, int i)
{
    json_t *s = json_array_get(json_object_get(detail, "servers"), (size_t)i);
    return json_string_value(json_object_get(s, "outcome"));
}

static void test_dns_switch(void **state)
{
    (void)state;
    fo_dns_t *dns = dns_new(&fx.conf);
    char err[512];
    json_t *detail;

    /* A dry run is a prerequisite-only update: accepted, nothing changes. */
    int rc = fo_dns_switch(dns, &fx.primary, &fx.dr, 1, &detail, err, sizeof(err));
    TH_CHECK(rc == 0, "dry run: %s", err);
    assert_string_equal(outcome(detail, 0), "checked");
    assert_string_equal(outcome(detail, 1), "checked");
    json_decref(detail);
    expect_answer(PRIMARY, 1);

    rc = fo_dns_switch(dns, &fx.primary, &fx.dr, 0, &detail, err, sizeof(err));
    TH_CHECK(rc == 0, "switch: %s", err);
    assert_string_equal(outcome(detail, 0), "switched");
    assert_string_equal(outcome(detail, 1), "switched");
    json_t *before =
        json_object_get(json_array_get(json_object_get(detail, "servers"), 0), "before");
    assert_int_equal(json_array_size(before), 2);
    assert_string_equal(json_string_value(json_array_get(before, 0)), "10.1.0.11");
    json_decref(detail);
    expect_answer(DR, 2);

    for (int i = 0; i < fo_dns_server_count(dns); i++) {
        conf_list_t now;
        TH_CHECK(fo_dns_lookup(dns, i, &now, err, sizeof(err)) == 0, "lookup: %s", err);
        assert_int_equal(now.count, 2);
        assert_string_equal(now.items[0], "10.2.0.21");
        assert_string_equal(now.items[1], "10.2.0.22");
        conf_list_free(&now);
    }

    /* Again: the record already holds the target, nothing to do. */
    rc = fo_dns_switch(dns, &fx.primary, &fx.dr, 0, &detail, err, sizeof(err));
    TH_CHECK(rc == 0, "second switch: %s", err);
    assert_string_equal(outcome(detail, 0), "already switched");
    json_decref(detail);
    expect_answer(DR, 2);

    rc = fo_dns_switch(dns, &fx.dr, &fx.primary, 0, &detail, err, sizeof(err));
    TH_CHECK(rc == 0, "switch back: %s", err);
    json_decref(detail);
    expect_answer(PRIMARY, 3);
    fo_dns_free(dns);
}

/* Switch primary -> DR with a provider for @p conf; it must succeed. */
static void switch_ok(const fo_dns_conf_t *conf)
{
    fo_dns_t *dns = dns_new(conf);
    char err[512];
    json_t *detail;
    TH_CHECK(fo_dns_switch(dns, &fx.primary, &fx.dr, 0, &detail, err, sizeof(err)) == 0, "%s", err);
    json_decref(detail);
    fo_dns_free(dns);
}

static void test_dns_ttl(void **state)
{
    (void)state;
    fx.conf.ttl_s = 7;
    switch_ok(&fx.conf);
    const char *argv[] = {"/usr/bin/dig",
                          "+noall",
                          "+answer",
                          "+tcp",
                          "@127.0.0.1",
                          "-p",
                          strchr(fx.knot[0].server, ':') + 1,
                          TH_KNOT_NAME,
                          "A",
                          NULL};
    int status;
    char *out = NULL;
    assert_int_equal(th_run(argv, th_ms(10000), &status, &out), 0);
    /* "kafka.example.internal. 7 IN A 10.2.0.21", once per address */
    int n = 0;
    for (char *p = out; (p = strstr(p, "\t7\tIN\tA\t")) != NULL; p++)
        n++;
    TH_CHECK(n == 2, "want two A records with TTL 7: %s", out);
    free(out);
}

/* A refused switch: the error names the cause, the detail carries it and
 * names server @p failed (the ones before it passed their check). */
static void expect_refused(fo_dns_t *dns, int want_rc, const char *want_text, int failed)
{
    char err[512];
    json_t *detail;
    int rc = fo_dns_switch(dns, &fx.primary, &fx.dr, 0, &detail, err, sizeof(err));
    TH_CHECK(rc == want_rc, "rc %d (%s), want %d", rc, err, want_rc);
    TH_CHECK(strstr(err, want_text), "error '%s' does not say '%s'", err, want_text);
    const char *derr = json_string_value(json_object_get(detail, "error"));
    TH_CHECK(derr && !strcmp(derr, err), "detail error '%s'", derr ? derr : "(none)");
    for (int i = 0; i < failed; i++)
        assert_string_equal(outcome(detail, i), "checked");
    assert_string_equal(outcome(detail, failed), "failed");
    json_decref(detail);
}

static void test_dns_wrong_secret(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/wrong.secret", fx.dir);
    th_write_file(path, "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZyE=\n");
    fx.conf.tsig_secret_file = path;
    fo_dns_t *dns = dns_new(&fx.conf);
    expect_refused(dns, XDC_EREMOTE, "BADSIG", 0);
    fo_dns_free(dns);
    expect_answer(PRIMARY, 1);

    /* A key name the server does not know. */
    fx.conf.tsig_secret_file = fx.knot[0].secret_file;
    fx.conf.tsig_key_name = "someone-else";
    dns = dns_new(&fx.conf);
    expect_refused(dns, XDC_EREMOTE, "BADKEY", 0);
    fo_dns_free(dns);
    expect_answer(PRIMARY, 1);
}

static void test_dns_key_name_case(void **state)
{
    (void)state;
    /* Key names compare case-insensitively; the MAC covers the canonical form. */
    fx.conf.tsig_key_name = "XDC-Test-Key.";
    switch_ok(&fx.conf);
    expect_answer(DR, 2);
}

static void test_dns_unreachable(void **state)
{
    (void)state;
    /* The second server is down: the first must not be switched either. */
    th_knot_stop(&fx.knot[1]);
    fo_dns_t *dns = dns_new(&fx.conf);
    expect_refused(dns, XDC_EREMOTE, "unreachable: Connection refused", 1);
    fo_dns_free(dns);
    /* The same with the dead server listed first. */
    char *reversed[] = {fx.servers[1], fx.servers[0]};
    fx.conf.servers = (conf_list_t){2, reversed};
    dns = dns_new(&fx.conf);
    expect_refused(dns, XDC_EREMOTE, fx.knot[1].server, 0);
    fo_dns_free(dns);
    th_knot_restart(&fx.knot[1]);
    expect_answer(PRIMARY, 1);
}

static void test_dns_changed_behind_back(void **state)
{
    (void)state;
    /* Someone else moves the record on the second server only. */
    th_nsupdate_a(&fx.knot[1], "10.9.9.9");

    fo_dns_t *dns = dns_new(&fx.conf);
    char err[512];
    json_t *detail;
    int rc = fo_dns_switch(dns, &fx.primary, &fx.dr, 0, &detail, err, sizeof(err));
    TH_CHECK(rc == XDC_ECONFLICT, "rc %d: %s", rc, err);
    TH_CHECK(strstr(err, "changed behind the controller's back") && strstr(err, "10.9.9.9"),
             "error: %s", err);
    /* The first server passed its check but was not switched. */
    assert_string_equal(outcome(detail, 0), "checked");
    assert_string_equal(outcome(detail, 1), "failed");
    json_decref(detail);
    fo_dns_free(dns);
    char *a = th_dig(fx.knot[0].server, TH_KNOT_NAME, "A");
    char *b = th_dig(fx.knot[1].server, TH_KNOT_NAME, "A");
    TH_CHECK(!strcmp(a, PRIMARY) && !strcmp(b, "10.9.9.9"), "answers '%s' and '%s'", a, b);
    free(a);
    free(b);
}

static void test_dns_rollback(void **state)
{
    (void)state;
    /* The second server passes the check (a prerequisite-only update) but
     * refuses the real one (its ACL allows AAAA updates only; Knot answers
     * NOTAUTH/BADKEY): the first, already switched, is switched back. */
    th_knot_stop(&fx.knot[1]);
    th_knot_start_acl(&fx.knot[1], fx.dir, PRIMARY, 30, "    update-type: [AAAA]\n");
    snprintf(fx.servers[1], sizeof(fx.servers[1]), "%s", fx.knot[1].server);
    fo_dns_t *dns = dns_new(&fx.conf);
    char err[512];
    json_t *detail;
    int rc = fo_dns_switch(dns, &fx.primary, &fx.dr, 0, &detail, err, sizeof(err));
    TH_CHECK(rc == XDC_EREMOTE && strstr(err, fx.knot[1].server) && strstr(err, "BADKEY"),
             "rc %d: %s", rc, err);
    assert_string_equal(outcome(detail, 0), "rolled back");
    assert_string_equal(outcome(detail, 1), "failed");
    json_decref(detail);
    fo_dns_free(dns);
    char *a = th_dig(fx.knot[0].server, TH_KNOT_NAME, "A");
    TH_CHECK(!strcmp(a, PRIMARY), "first server answers '%s' after the rollback", a);
    free(a);
}

static void test_dns_race(void **state)
{
    (void)state;
    /* Two controllers, two different targets: the loser's prerequisite
     * fails, so the record cannot flip-flop. */
    switch_ok(&fx.conf);
    fo_dns_t *two = dns_new(&fx.conf);
    conf_list_t other;
    list_set(&other, "10.3.0.31");
    char err[512];
    json_t *detail;
    int rc = fo_dns_switch(two, &fx.primary, &other, 0, &detail, err, sizeof(err));
    TH_CHECK(rc == XDC_ECONFLICT, "second controller: rc %d: %s", rc, err);
    json_decref(detail);
    free(other.items);
    fo_dns_free(two);
    expect_answer(DR, 2);
}

static void test_dns_bad_config(void **state)
{
    (void)state;
    char err[512], path[600];
    fx.conf.tsig_secret_file = "/nonexistent/secret";
    TH_CHECK(!fo_dns_new(&fx.conf, err, sizeof(err)), "missing secret file accepted");
    TH_CHECK(strstr(err, "dns.tsig.secret.file") && strstr(err, "/nonexistent/secret"), "%s", err);
    snprintf(path, sizeof(path), "%s/bad.secret", fx.dir);
    th_write_file(path, "not base64 at all!\n");
    fx.conf.tsig_secret_file = path;
    TH_CHECK(!fo_dns_new(&fx.conf, err, sizeof(err)), "bad secret accepted");
    TH_CHECK(strstr(err, "base64"), "%s", err);
    fx.conf.tsig_secret_file = fx.knot[0].secret_file;
    char *bad[] = {"127.0.0.1:99999"};
    fx.conf.servers = (conf_list_t){1, bad};
    TH_CHECK(!fo_dns_new(&fx.conf, err, sizeof(err)), "bad port accepted");
    TH_CHECK(strstr(err, "dns.servers") && strstr(err, "99999"), "%s", err);
}

static void test_dns_exec(void **state)
{
    (void)state;
    char cmd[1024], out_path[600];
    snprintf(out_path, sizeof(out_path), "%s/exec.out", fx.dir);
    snprintf(cmd, sizeof(cmd),
             "echo \"$1|$2|$3|$4|$XDC_DNS_FROM|$XDC_DNS_TO|$XDC_DNS_DRY_RUN\" >> %s; "
             "echo switched by hook",
             out_path);
    fx.conf.provider = FO_DNS_EXEC;
    fx.conf.exec_command = cmd;
    fo_dns_t *dns = dns_new(&fx.conf);
    char err[512];
    json_t *detail;
    TH_CHECK(fo_dns_switch(dns, &fx.primary, &fx.dr, 1, &detail, err, sizeof(err)) == 0, "%s", err);
    json_decref(detail);
    TH_CHECK(fo_dns_switch(dns, &fx.primary, &fx.dr, 0, &detail, err, sizeof(err)) == 0, "%s", err);
    assert_int_equal(json_integer_value(json_object_get(detail, "exit_status")), 0);
    assert_string_equal(json_string_value(json_object_get(detail, "output")), "switched by hook\n");
    json_decref(detail);
    fo_dns_free(dns);
    char *got = th_read_file(out_path);
    assert_string_equal(got,
                        TH_KNOT_NAME "|" PRIMARY "|" DR "|1|" PRIMARY "|" DR "|1\n" TH_KNOT_NAME
                                     "|" PRIMARY "|" DR "|1|" PRIMARY "|" DR "|0\n");
    free(got);

    /* A failing command: its status and output make the error. */
    fx.conf.exec_command = "echo 'zone is locked' >&2; exit 3";
    dns = dns_new(&fx.conf);
    int rc = fo_dns_switch(dns, &fx.primary, &fx.dr, 0, &detail, err, sizeof(err));
    TH_CHECK(rc == XDC_EREMOTE && strstr(err, "status 3") && strstr(err, "zone is locked"),
             "rc %d: %s", rc, err);
    assert_int_equal(json_integer_value(json_object_get(detail, "exit_status")), 3);
    json_decref(detail);
    fo_dns_free(dns);

    /* A hanging command is killed at the timeout, children included. */
    fx.conf.exec_command = "sleep 30 & sleep 30";
    fx.conf.exec_timeout_ms = 300;
    dns = dns_new(&fx.conf);
    rc = fo_dns_switch(dns, &fx.primary, &fx.dr, 0, &detail, err, sizeof(err));
    TH_CHECK(rc == XDC_EREMOTE && strstr(err, "did not finish within 300 ms"), "rc %d: %s", rc,
             err);
    assert_true(json_is_true(json_object_get(detail, "timed_out")));
    json_decref(detail);
    fo_dns_free(dns);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dns_switch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dns_ttl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dns_wrong_secret, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dns_key_name_case, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dns_unreachable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dns_changed_behind_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dns_rollback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dns_race, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dns_bad_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dns_exec, setup, teardown),
    };
    return cmocka_run_group_tests_name("failover_dns", tests, NULL, NULL);
}
