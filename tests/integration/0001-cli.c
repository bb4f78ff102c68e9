/* 0001-cli: the command-line contract of every binary. --version, --help,
 * bad options, config errors reported as one "file:line: key: reason" line
 * with exit 2 before anything starts, `xdc config check` on the sample
 * files, and a clean broker start and SIGTERM stop. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tests/lib/th.h"

#define PATHLEN 4096

/* Fail with the actual output in the message, at the caller's line. */
static const char *const k_bins[] = {"xdc", "xdc-broker", "xdc-mirror", "xdc-failover"};
static const char *const k_daemons[] = {"xdc-broker", "xdc-mirror", "xdc-failover"};
static const char *const k_components[] = {"broker", "mirror", "failover"};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The result of the last run_cmd(). Kept in a static and released by
 * cli_teardown(), so a failing assertion leaks nothing. */
typedef th_result_t run_t;
static run_t g_run;

static int cli_teardown(void **state)
{
    th_result_clear(&g_run);
    return th_teardown(state);
}

/* Run @p argv to completion with stdout and stderr apart.
 * @return the result, borrowed until the next run_cmd() or the teardown. */
static const run_t *run_cmd(const char *const argv[])
{
    return th_run_result(&g_run, argv, th_ms(10000));
}

/* snprintf() that fails the test instead of truncating. */
static void fmtbuf(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fmtbuf(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    TH_CHECK(n >= 0 && (size_t)n < len, "string too long for its buffer: %s...", buf);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A usage error: exit 2, nothing on stdout, one line on stderr that starts
 * with "@p name: " and contains @p needle (when not NULL). */
static void check_usage_error(const run_t *r, const char *name, const char *needle)
{
    char prefix[256];

    fmtbuf(prefix, sizeof(prefix), "%s: ", name);
    TH_CHECK(r->status == 2, "%s: exit status %d, want 2 (stderr: %s)", name, r->status, r->err);
    TH_CHECK(r->out[0] == '\0', "%s: unexpected stdout: %s", name, r->out);
    TH_CHECK(count_lines(r->err) == 1 && r->err[strlen(r->err) - 1] == '\n',
             "%s: want one line on stderr, got: %s", name, r->err);
    TH_CHECK(starts_with(r->err, prefix), "%s: stderr does not start with '%s': %s", name, prefix,
             r->err);
    TH_CHECK(!needle || strstr(r->err, needle), "%s: stderr lacks '%s': %s", name, needle, r->err);
}

/* --- --version, --help and bad options ------------------------------- */

static void test_cli_version_prints_name_and_version(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(k_bins); i++) {
        const char *argv[] = {th_bin(k_bins[i]), "--version", NULL};
        const run_t *r = run_cmd(argv);
        char want[256];

        fmtbuf(want, sizeof(want), "%s %s\n", k_bins[i], XDC_VERSION);
        TH_CHECK(r->status == 0, "%s --version: exit %d (stderr: %s)", k_bins[i], r->status,
                 r->err);
        TH_CHECK(strcmp(r->out, want) == 0, "%s --version: stdout '%s', want '%s'", k_bins[i],
                 r->out, want);
        TH_CHECK(r->err[0] == '\0', "%s --version: stderr: %s", k_bins[i], r->err);
    }
}

static void test_cli_help_prints_usage_on_stdout(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(k_bins); i++) {
        const char *argv[] = {th_bin(k_bins[i]), "--help", NULL};
        const run_t *r = run_cmd(argv);

        TH_CHECK(r->status == 0, "%s --help: exit %d (stderr: %s)", k_bins[i], r->status, r->err);
        TH_CHECK(strcasestr(r->out, "usage"), "%s --help: no usage on stdout: %s", k_bins[i],
                 r->out);
        TH_CHECK(r->err[0] == '\0', "%s --help: stderr: %s", k_bins[i], r->err);
    }
}

static void test_cli_unknown_option_exits_2(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(k_bins); i++) {
        const char *argv[] = {th_bin(k_bins[i]), "--bogus", NULL};
        check_usage_error(run_cmd(argv), k_bins[i], "--bogus");
    }
}

static void test_cli_missing_option_value_exits_2(void **state)
{
    char sample[PATHLEN];

    (void)state;
    for (size_t i = 0; i < NELEM(k_daemons); i++) {
        const char *argv[] = {th_bin(k_daemons[i]), "--override", NULL};
        check_usage_error(run_cmd(argv), k_daemons[i], "--override");
    }
    fmtbuf(sample, sizeof(sample), "%s/conf/broker.properties", th_src_dir());
    const char *argv[] = {th_bin("xdc"), "config", "check", "broker", sample, "--override", NULL};
    check_usage_error(run_cmd(argv), "xdc", "--override");
}

/* --- xdc subcommands -------------------------------------------------- */

static void test_cli_xdc_help_lists_subcommands(void **state)
{
    const char *argv[] = {th_bin("xdc"), "--help", NULL};
    const run_t *r = run_cmd(argv);

    (void)state;
    TH_CHECK(r->status == 0, "xdc --help: exit %d", r->status);
    TH_CHECK(strstr(r->out, "config"), "xdc --help does not list 'config': %s", r->out);
}

static void test_cli_xdc_config_help_lists_check_and_docs(void **state)
{
    const char *argv[] = {th_bin("xdc"), "config", "--help", NULL};
    const run_t *r = run_cmd(argv);

    (void)state;
    TH_CHECK(r->status == 0, "xdc config --help: exit %d (stderr: %s)", r->status, r->err);
    TH_CHECK(strstr(r->out, "check"), "xdc config --help does not list 'check': %s", r->out);
    TH_CHECK(strstr(r->out, "docs"), "xdc config --help does not list 'docs': %s", r->out);
}

static void test_cli_xdc_unknown_subcommand_exits_2(void **state)
{
    const char *argv[] = {th_bin("xdc"), "nosuch", NULL};

    (void)state;
    check_usage_error(run_cmd(argv), "xdc", "nosuch");
}

/* --- configuration errors --------------------------------------------- */

/* Write a broker config into @p dir: a listener on @p port, data under
 * dir/data, then @p extra as line 4 (none when NULL). */
static void write_broker_conf(const char *path, const char *dir, int port, const char *extra)
{
    char text[PATHLEN * 2];
    int rc;

    fmtbuf(text, sizeof(text),
           "# 0001-cli test configuration\n"
           "listeners=PLAINTEXT://127.0.0.1:%d\n"
           "log.dirs=%s/data\n"
           "%s%s"
           "http.listen=127.0.0.1:0\n",
           port, dir, extra ? extra : "", extra ? "\n" : "");
    rc = th_write_file(path, text);
    TH_CHECK(rc == 0, "%s: %s", path, strerror(-rc));
}

/* Start xdc-broker on @p file and require that it exits 2 without ever
 * opening @p port: poll the port for as long as the process lives.
 * @return the run's result, borrowed like run_cmd()'s. */
static const run_t *run_broker_expect_no_listener(const char *file, int port)
{
    const char *argv[] = {th_bin("xdc-broker"), file, NULL};
    th_proc_t *p;
    int waited = 0;

    th_result_clear(&g_run);
    p = th_spawn_split(argv, NULL, NULL);
    TH_CHECK(p, "cannot start xdc-broker: %s", strerror(errno));
    while (th_proc_wait(p, 10, &g_run.status) == -ETIMEDOUT) {
        TH_CHECK(th_wait_tcp("127.0.0.1", port, 0) != 0,
                 "xdc-broker opened port %d despite a configuration error", port);
        waited += 10;
        TH_CHECK(waited < th_ms(10000), "xdc-broker still running with a bad configuration: %s",
                 th_proc_errput(p));
    }
    TH_CHECK(th_wait_tcp("127.0.0.1", port, 0) != 0, "port %d is open after the broker exited",
             port);
    g_run.out = strdup(th_proc_output(p));
    g_run.err = strdup(th_proc_errput(p));
    th_proc_free(p);
    TH_CHECK(g_run.out && g_run.err, "out of memory");
    return &g_run;
}

/* The shared check for a bad line: both xdc-broker and `xdc config check
 * broker` print one line "<name>: <file>:4: ..." naming @p key and
 * containing @p needle (when not NULL), exit 2, and the broker creates
 * nothing and never listens. */
static void check_broker_conf_error(const char *line, const char *key, const char *needle)
{
    const char *dir = th_tmpdir();
    char file[PATHLEN], data[PATHLEN], where[PATHLEN];
    int port = th_free_port();

    TH_CHECK(port > 0, "th_free_port: %s", strerror(-port));
    fmtbuf(file, sizeof(file), "%s/broker.properties", dir);
    fmtbuf(data, sizeof(data), "%s/data", dir);
    fmtbuf(where, sizeof(where), "%s:4: ", file);
    write_broker_conf(file, dir, port, line);

    check_usage_error(run_broker_expect_no_listener(file, port), "xdc-broker", where);
    TH_CHECK(strstr(g_run.err, key), "xdc-broker: error does not name '%s': %s", key, g_run.err);
    TH_CHECK(!needle || strstr(g_run.err, needle), "xdc-broker: error lacks \"%s\": %s", needle,
             g_run.err);
    TH_CHECK(!th_exists(data), "xdc-broker created %s despite a configuration error", data);

    const char *argv[] = {th_bin("xdc"), "config", "check", "broker", file, NULL};
    check_usage_error(run_cmd(argv), "xdc", where);
    TH_CHECK(strstr(g_run.err, key), "xdc config check: error does not name '%s': %s", key,
             g_run.err);
    TH_CHECK(!needle || strstr(g_run.err, needle), "xdc config check: error lacks \"%s\": %s",
             needle, g_run.err);
}

static void test_cli_broker_rejects_unknown_key_with_suggestion(void **state)
{
    (void)state;
    check_broker_conf_error("socket.request.max.byte=1000", "socket.request.max.byte",
                            "did you mean 'socket.request.max.bytes'");
}

static void test_cli_broker_rejects_non_integer(void **state)
{
    (void)state;
    check_broker_conf_error("node.id=abc", "node.id: ", NULL);
}

static void test_cli_broker_rejects_out_of_range(void **state)
{
    (void)state;
    check_broker_conf_error("socket.request.max.bytes=1", "socket.request.max.bytes: ", NULL);
}

static void test_cli_broker_rejects_bad_enum(void **state)
{
    (void)state;
    check_broker_conf_error("log.level=loud", "log.level: ", "loud");
}

static void test_cli_broker_rejects_bad_debug_context(void **state)
{
    (void)state;
    check_broker_conf_error("log.debug=wire,bogus", "log.debug: ", "bogus");
}

static void test_cli_broker_rejects_missing_file(void **state)
{
    char file[PATHLEN];

    (void)state;
    fmtbuf(file, sizeof(file), "%s/absent.properties", th_tmpdir());
    const char *argv[] = {th_bin("xdc-broker"), file, NULL};
    check_usage_error(run_cmd(argv), "xdc-broker", file);
}

static void test_cli_broker_rejects_bad_override(void **state)
{
    static const char *const k_overrides[][2] = {
        {"log.level=loud", "log.level"},
        {"node.id=abc", "node.id"},
    };
    const char *dir = th_tmpdir();
    char file[PATHLEN];
    int port = th_free_port();

    (void)state;
    fmtbuf(file, sizeof(file), "%s/broker.properties", dir);
    write_broker_conf(file, dir, port, NULL);
    for (size_t i = 0; i < NELEM(k_overrides); i++) {
        const char *argv[] = {th_bin("xdc-broker"), file, "--override", k_overrides[i][0], NULL};
        check_usage_error(run_cmd(argv), "xdc-broker", "--override");
        TH_CHECK(strstr(g_run.err, k_overrides[i][1]), "error does not name '%s': %s",
                 k_overrides[i][1], g_run.err);
    }
}

/* --- xdc config check ------------------------------------------------- */

static void test_cli_config_check_accepts_samples(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(k_components); i++) {
        char file[PATHLEN];
        fmtbuf(file, sizeof(file), "%s/conf/%s.properties", th_src_dir(), k_components[i]);
        const char *argv[] = {th_bin("xdc"), "config", "check", k_components[i], file, NULL};
        const run_t *r = run_cmd(argv);

        TH_CHECK(r->status == 0, "xdc config check %s %s: exit %d: %s", k_components[i], file,
                 r->status, r->err);
        TH_CHECK(strstr(r->out, "ok"), "xdc config check %s: no 'ok' on stdout: %s",
                 k_components[i], r->out);
        TH_CHECK(r->err[0] == '\0', "xdc config check %s: stderr: %s", k_components[i], r->err);
    }
}

/* The canary's records belong to the site they probe: a canary.topic the
 * mirror would copy is refused, by the daemon and by `xdc config check`. */
static void test_cli_failover_rejects_copied_canary_topic(void **state)
{
    char file[PATHLEN];

    (void)state;
    fmtbuf(file, sizeof(file), "%s/conf/failover.properties", th_src_dir());
    const char *check[] = {th_bin("xdc"),         "config", "check", "failover", file, "--override",
                           "canary.topic=canary", NULL};
    check_usage_error(run_cmd(check), "xdc", "canary.topic 'canary': the mirror would copy it");
    const char *daemon[] = {th_bin("xdc-failover"), file, "--override", "canary.topic=canary",
                            NULL};
    check_usage_error(run_cmd(daemon), "xdc-failover", "canary.topic 'canary'");
    const char *internal[] = {
        th_bin("xdc"),           "config", "check", "failover", file, "--override",
        "canary.topic=__canary", NULL};
    const run_t *r = run_cmd(internal);
    TH_CHECK(r->status == 0, "canary.topic=__canary refused: %s", r->err);
}

/* --- broker start and stop -------------------------------------------- */

/* Start xdc-broker on a free port with its data in @p dir/data, retrying
 * when another process took the port first.  @return the running broker
 * (harness-owned) and its port in *@p port. */
static th_proc_t *start_broker(const char *dir, int *port)
{
    char listeners[128], logdirs[PATHLEN], log[PATHLEN];

    fmtbuf(logdirs, sizeof(logdirs), "log.dirs=%s/data", dir);
    fmtbuf(log, sizeof(log), "%s/broker.log", dir);
    for (int attempt = 0; attempt < 3; attempt++) {
        *port = th_free_port();
        fmtbuf(listeners, sizeof(listeners), "listeners=PLAINTEXT://127.0.0.1:%d", *port);
        const char *argv[] = {
            th_bin("xdc-broker"),      "--override", listeners, "--override", logdirs, "--override",
            "http.listen=127.0.0.1:0", NULL};
        th_proc_t *p = th_spawn(argv, log);
        int waited = 0;

        TH_CHECK(p, "cannot start xdc-broker: %s", strerror(errno));
        while (th_wait_tcp("127.0.0.1", *port, 50) != 0 && th_proc_running(p)) {
            waited += 50;
            TH_CHECK(waited < th_ms(10000), "xdc-broker not listening on %d: %s", *port,
                     th_proc_output(p));
        }
        if (th_proc_running(p))
            return p;
        if (!strcasestr(th_proc_output(p), "in use"))
            fail_msg("xdc-broker exited early: %s", th_proc_output(p));
        th_proc_free(p); /* lost the port race: try another */
    }
    fail_msg("xdc-broker: no free port after 3 attempts");
    return NULL;
}

static void test_cli_broker_starts_and_stops_cleanly(void **state)
{
    const char *dir = th_tmpdir();
    char meta[PATHLEN], addr[64];
    char *text;
    const char *id;
    int port, status;
    th_proc_t *p;

    (void)state;
    p = start_broker(dir, &port);
    fmtbuf(addr, sizeof(addr), "127.0.0.1:%d", port);
    TH_CHECK(th_proc_wait_output(p, addr, th_ms(5000)) == 0,
             "the broker did not log its listener %s: %s", addr, th_proc_output(p));
    status = th_proc_stop(p, SIGTERM, th_ms(5000));
    TH_CHECK(status == 0, "xdc-broker: status %d after SIGTERM, want 0: %s", status,
             th_proc_output(p));

    fmtbuf(meta, sizeof(meta), "%s/data/meta.properties", dir);
    text = th_read_file(meta);
    TH_CHECK(text, "%s: %s", meta, strerror(errno));
    id = strstr(text, "cluster.id=");
    int ok = id && (id == text || id[-1] == '\n') && id[11] != '\0' && id[11] != '\n';
    if (!ok)
        print_error("meta.properties: %s\n", text);
    free(text);
    TH_CHECK(ok, "%s has no non-empty cluster.id= line", meta);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_cli_version_prints_name_and_version, cli_teardown),
        cmocka_unit_test_teardown(test_cli_help_prints_usage_on_stdout, cli_teardown),
        cmocka_unit_test_teardown(test_cli_unknown_option_exits_2, cli_teardown),
        cmocka_unit_test_teardown(test_cli_missing_option_value_exits_2, cli_teardown),
        cmocka_unit_test_teardown(test_cli_xdc_help_lists_subcommands, cli_teardown),
        cmocka_unit_test_teardown(test_cli_xdc_config_help_lists_check_and_docs, cli_teardown),
        cmocka_unit_test_teardown(test_cli_xdc_unknown_subcommand_exits_2, cli_teardown),
        cmocka_unit_test_teardown(test_cli_broker_rejects_unknown_key_with_suggestion,
                                  cli_teardown),
        cmocka_unit_test_teardown(test_cli_broker_rejects_non_integer, cli_teardown),
        cmocka_unit_test_teardown(test_cli_broker_rejects_out_of_range, cli_teardown),
        cmocka_unit_test_teardown(test_cli_broker_rejects_bad_enum, cli_teardown),
        cmocka_unit_test_teardown(test_cli_broker_rejects_bad_debug_context, cli_teardown),
        cmocka_unit_test_teardown(test_cli_broker_rejects_missing_file, cli_teardown),
        cmocka_unit_test_teardown(test_cli_broker_rejects_bad_override, cli_teardown),
        cmocka_unit_test_teardown(test_cli_config_check_accepts_samples, cli_teardown),
        cmocka_unit_test_teardown(test_cli_failover_rejects_copied_canary_topic, cli_teardown),
        cmocka_unit_test_teardown(test_cli_broker_starts_and_stops_cleanly, cli_teardown),
    };

    cmocka_set_test_filter(getenv("TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
