/* Tests of the integration-test harness itself (tests/lib/th.c), against
 * /bin/sh: process capture, stop by PID, ports, temporary directories. */
#include "tests/lib/th.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static void test_th_ms_scales_by_env(void **state)
{
    (void)state;
    unsetenv("TEST_TIMEOUT_MULT");
    assert_int_equal(th_ms(250), 250);
    setenv("TEST_TIMEOUT_MULT", "4", 1);
    assert_int_equal(th_ms(250), 1000);
    setenv("TEST_TIMEOUT_MULT", "x", 1);
    assert_int_equal(th_ms(250), 250);
    setenv("TEST_TIMEOUT_MULT", "1000000", 1);
    assert_int_equal(th_ms(1000000), INT_MAX);
    unsetenv("TEST_TIMEOUT_MULT");
}

static void test_th_run_captures_output_and_status(void **state)
{
    const char *argv[] = {"/bin/sh", "-c", "echo out; echo err >&2; exit 3", NULL};
    char *out = NULL, *err = NULL;
    int status = -1;

    (void)state;
    assert_int_equal(th_run(argv, th_ms(5000), &status, &out), 0);
    assert_int_equal(status, 3);
    assert_string_equal(out, "out\nerr\n");
    free(out);
    assert_int_equal(th_run_split(argv, th_ms(5000), &status, &out, &err), 0);
    assert_string_equal(out, "out\n");
    assert_string_equal(err, "err\n");
    free(out);
    free(err);
}

static void test_th_run_kills_on_timeout(void **state)
{
    const char *argv[] = {"/bin/sh", "-c", "echo started; exec sleep 30", NULL};
    char *out = NULL;
    int status = 0;

    (void)state;
    assert_int_equal(th_run(argv, 200, &status, &out), -ETIMEDOUT);
    assert_int_equal(status, -SIGKILL);
    assert_string_equal(out, "started\n");
    free(out);
}

static void test_th_spawn_reports_exec_failure(void **state)
{
    const char *argv[] = {"/nonexistent/xdc-nothing", NULL};

    (void)state;
    assert_null(th_spawn(argv, NULL));
    assert_int_equal(errno, ENOENT);
    assert_int_equal(th_run(argv, 1000, NULL, NULL), -ENOENT);
}

static void test_th_proc_stop_escalates_to_sigkill(void **state)
{
    /* The shell ignores SIGTERM, prints a marker once the trap is set, then waits. */
    const char *argv[] = {"/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done",
                          NULL};
    th_proc_t *p;

    (void)state;
    p = th_spawn(argv, NULL);
    assert_non_null(p);
    assert_int_equal(th_proc_wait_output(p, "ready", th_ms(5000)), 0);
    assert_int_equal(th_proc_stop(p, SIGTERM, 200), -SIGKILL);
    assert_false(th_proc_running(p));
    /* Stopping a reaped process returns its status again. */
    assert_int_equal(th_proc_stop(p, SIGTERM, 200), -SIGKILL);
    th_proc_free(p);
}

static void test_th_proc_stop_returns_exit_code(void **state)
{
    const char *argv[] = {"/bin/sh", "-c",
                          "trap 'exit 0' TERM; echo ready; while :; do sleep 0.05; done", NULL};
    th_proc_t *p;
    int status = -1;

    (void)state;
    p = th_spawn(argv, NULL);
    assert_non_null(p);
    assert_int_equal(th_proc_wait(p, 50, &status), -ETIMEDOUT);
    assert_int_equal(th_proc_wait_output(p, "ready", th_ms(5000)), 0);
    assert_int_equal(th_proc_stop(p, SIGTERM, th_ms(5000)), 0);
    /* Not freed: th_teardown() must release it. */
}

static void test_th_spawn_writes_given_log(void **state)
{
    const char *dir = th_tmpdir();
    char *log = NULL, *text;
    const char *argv[] = {"/bin/sh", "-c", "echo hello", NULL};
    th_proc_t *p;
    int status = -1;

    (void)state;
    assert_true(asprintf(&log, "%s/sh.log", dir) > 0);
    p = th_spawn(argv, log);
    assert_non_null(p);
    assert_int_equal(th_proc_wait(p, th_ms(5000), &status), 0);
    assert_int_equal(status, 0);
    assert_string_equal(th_proc_output(p), "hello\n");
    assert_int_equal(th_proc_wait_output(p, "absent", 100), -ECHILD);
    th_proc_free(p);
    text = th_read_file(log); /* a given log file outlives its process */
    assert_non_null(text);
    assert_string_equal(text, "hello\n");
    free(text);
    free(log);
}

static void test_th_wait_tcp_sees_listener(void **state)
{
    int port = th_free_port();
    struct sockaddr_in sa = {.sin_family = AF_INET};
    int fd;

    (void)state;
    assert_true(port > 0);
    assert_int_equal(th_wait_tcp("127.0.0.1", port, 0), -ETIMEDOUT);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 4), 0);
    assert_int_equal(th_wait_tcp("127.0.0.1", port, th_ms(1000)), 0);
    close(fd);
    assert_int_equal(th_wait_tcp("no such host.invalid", port, 0), -EINVAL);
}

static void test_th_tmpdir_removed_by_cleanup(void **state)
{
    char *path, *a = NULL, *ab = NULL, *file = NULL;

    (void)state;
    path = strdup(th_tmpdir());
    assert_non_null(path);
    assert_true(asprintf(&a, "%s/a", path) > 0);
    assert_true(asprintf(&ab, "%s/a/b", path) > 0);
    assert_true(asprintf(&file, "%s/a/b/f", path) > 0);
    assert_int_equal(mkdir(a, 0755), 0);
    assert_int_equal(mkdir(ab, 0755), 0);
    assert_int_equal(th_write_file(file, "x"), 0);
    th_cleanup();
    assert_false(th_exists(path));
    assert_int_equal(th_rmtree(path), 0); /* absent is fine */
    free(path);
    free(a);
    free(ab);
    free(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_th_ms_scales_by_env, th_teardown),
        cmocka_unit_test_teardown(test_th_run_captures_output_and_status, th_teardown),
        cmocka_unit_test_teardown(test_th_run_kills_on_timeout, th_teardown),
        cmocka_unit_test_teardown(test_th_spawn_reports_exec_failure, th_teardown),
        cmocka_unit_test_teardown(test_th_proc_stop_escalates_to_sigkill, th_teardown),
        cmocka_unit_test_teardown(test_th_proc_stop_returns_exit_code, th_teardown),
        cmocka_unit_test_teardown(test_th_spawn_writes_given_log, th_teardown),
        cmocka_unit_test_teardown(test_th_wait_tcp_sees_listener, th_teardown),
        cmocka_unit_test_teardown(test_th_tmpdir_removed_by_cleanup, th_teardown),
    };

    cmocka_set_test_filter(getenv("TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
