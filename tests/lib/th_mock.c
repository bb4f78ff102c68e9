#include "tests/lib/th_mock.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define TMK_READY      "BOOTSTRAP "
#define TMK_MAX_TOPICS 64

static void tmk_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* Copy the address of a complete "BOOTSTRAP <addrs>\n" line in @p out.
 * @return 1 when found, 0 while it is missing or incomplete. */
static int tmk_parse(const char *out, char *addr, size_t len)
{
    const char *l = strstr(out, TMK_READY), *eol;
    if (!l || !(eol = strchr(l, '\n')))
        return 0;
    l += strlen(TMK_READY);
    if (eol == l || (size_t)(eol - l) >= len)
        fail_msg("mock_cluster: bad bootstrap line: %s", out);
    memcpy(addr, l, (size_t)(eol - l));
    addr[eol - l] = '\0';
    return 1;
}

void th_mock_start(th_mock_t *m, const char *const *topics, const char *log_path)
{
    const char *argv[2 * TMK_MAX_TOPICS + 2];
    int n = 0, limit = th_ms(15000);

    memset(m, 0, sizeof(*m));
    argv[n++] = th_bin("../bench/mock_cluster");
    for (int i = 0; topics && topics[i]; i++) {
        if (i == TMK_MAX_TOPICS)
            fail_msg("th_mock_start: more than %d topics", TMK_MAX_TOPICS);
        argv[n++] = "--topic";
        argv[n++] = topics[i];
    }
    argv[n] = NULL;
    m->proc = th_spawn(argv, log_path);
    if (!m->proc)
        fail_msg("cannot start mock_cluster: %s", strerror(errno));
    for (int waited = 0; !tmk_parse(th_proc_output(m->proc), m->bootstrap, sizeof(m->bootstrap));
         waited += 10) {
        if (!th_proc_running(m->proc))
            fail_msg("mock_cluster exited with status %d before it listened: %s",
                     th_proc_stop(m->proc, SIGKILL, 0), th_proc_output(m->proc));
        if (waited > limit)
            fail_msg("mock_cluster: no \"" TMK_READY "\" line in %d ms: %s", limit,
                     th_proc_output(m->proc));
        tmk_sleep_ms(10);
    }
}

int th_mock_stop(th_mock_t *m)
{
    int status;

    if (!m->proc)
        return 0;
    status = th_proc_stop(m->proc, SIGTERM, th_ms(10000));
    th_proc_free(m->proc);
    m->proc = NULL;
    return status;
}
