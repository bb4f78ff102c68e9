/* `make demo` end to end (scripts/demo.sh, on the binaries under test):
 * it starts two xdc-brokers, Knot DNS, the mirror in both directions, the
 * failover controller and a keyed load with a consumer group, runs a
 * drill and prints its report; then Ctrl-C (SIGINT) stops it, and no
 * process it started is left: none has the demo's directory on its
 * command line, and none of the ports it printed still listens. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/lib/th.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* PIDs of processes whose command line mentions @p needle. */
static int processes_with(const char *needle, char *list, size_t len)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;
    list[0] = '\0';
    while (d && (e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || atoi(e->d_name) == getpid())
            continue;
        char path[300], buf[4096];
        snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            continue;
        ssize_t r = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (r <= 0)
            continue;
        for (ssize_t i = 0; i < r; i++)
            buf[i] = buf[i] ? buf[i] : ' ';
        buf[r] = '\0';
        if (strstr(buf, needle)) {
            n++;
            snprintf(list + strlen(list), len - strlen(list), "%s: %.200s\n", e->d_name, buf);
        }
    }
    if (d)
        closedir(d);
    return n;
}

static void test_demo_runs_and_stops_clean(void **state)
{
    (void)state;
    /* The build directory: the binaries under test are in <O>/bin. */
    char odir[512], dir[600];
    snprintf(odir, sizeof(odir), "%s", th_bin("xdc"));
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(odir, '/');
        TH_CHECK(slash && slash != odir, "no build directory in %s", th_bin("xdc"));
        *slash = '\0';
    }
    const char *script = access("scripts/demo.sh", R_OK) == 0 ? "scripts/demo.sh" : NULL;
    TH_CHECK(script, "run from the repository's root: scripts/demo.sh not found");
    snprintf(dir, sizeof(dir), "%s/demo", th_tmpdir());
    setenv("XDC_DEMO_DIR", dir, 1);
    unsetenv("XDC_DEMO_NO_WAIT");
    unsetenv("XDC_DEMO_KEEP");
    const char *argv[] = {"/bin/bash", script, odir, NULL};
    th_proc_t *demo = th_spawn(argv, NULL);
    TH_CHECK(demo, "cannot start %s", script);
    int waited = 0;
    while (!strstr(th_proc_output(demo), "press Ctrl-C")) {
        int st = 0;
        TH_CHECK(th_proc_wait(demo, 0, &st) != 0 && waited < th_ms(300000),
                 "the demo stopped early (status %d, after %d ms):\n%s", st, waited,
                 th_proc_output(demo));
        th_sleep_ms(500);
        waited += 500;
    }
    const char *out = th_proc_output(demo);
    TH_CHECK(strstr(out, "drill     completed") && strstr(out, "RTO") && strstr(out, "RPO") &&
                 strstr(out, "failover controller:   http://127.0.0.1:"),
             "no report:\n%s", out);
    int cport = 0;
    const char *at = strstr(out, "failover controller:   http://127.0.0.1:");
    sscanf(at, "failover controller:   http://127.0.0.1:%d", &cport);
    printf("%s", strstr(out, "drill     completed"));

    int status = th_proc_stop(demo, SIGINT, th_ms(60000));
    TH_CHECK(status != -SIGKILL, "the demo did not stop on SIGINT:\n%s", th_proc_output(demo));
    char left[8192];
    int n = processes_with(dir, left, sizeof(left));
    TH_CHECK(n == 0, "%d processes left:\n%s", n, left);
    TH_CHECK(cport > 0 && th_wait_tcp("127.0.0.1", cport, 200) != 0,
             "the controller's port %d still listens", cport);
    TH_CHECK(access(dir, F_OK) != 0, "%s was not removed", dir);
    th_proc_free(demo);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_demo_runs_and_stops_clean, th_teardown),
    };
    return cmocka_run_group_tests_name("demo", tests, NULL, NULL);
}
