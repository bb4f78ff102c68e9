#include "tests/lib/th_mirror.h"

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
#include <time.h>

#define TM_READY "mirror HTTP API on "

static int tm_starts;   /* numbers the configuration files */
static char *tm_logbuf; /* the last th_mirror_log() answer */

static void tm_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* The port of a complete "mirror HTTP API on <host> port <N>\n" line in
 * @p out.  @return N, or 0 while the line is missing or incomplete. */
static int tm_parse_port(const char *out)
{
    const char *l = strstr(out, TM_READY), *eol, *p;
    char *end;
    long port;

    if (!l || !(eol = strchr(l, '\n')))
        return 0;
    for (p = l; (p = strstr(p, " port ")) && p < eol; p++) {
        port = strtol(p + 6, &end, 10);
        if (end > p + 6 && end == eol && port > 0 && port < 65536)
            return (int)port;
    }
    return 0;
}

/* Run xdc-mirror on m->conf_path and wait until its HTTP API is up. */
static void tm_spawn(th_mirror_t *m)
{
    const char *argv[] = {th_bin("xdc-mirror"), m->conf_path, NULL};
    int limit = th_ms(15000);

    m->http_port = 0;
    m->proc = th_spawn(argv, m->log_path);
    if (!m->proc)
        fail_msg("cannot start xdc-mirror: %s", strerror(errno));
    for (int waited = 0; !(m->http_port = tm_parse_port(th_proc_output(m->proc))); waited += 20) {
        if (!th_proc_running(m->proc)) {
            int st = th_proc_stop(m->proc, SIGKILL, 0);
            fail_msg("xdc-mirror (%s) exited with status %d before its HTTP API was up: %s",
                     m->conf_path, st, th_proc_output(m->proc));
        }
        if (waited > limit)
            fail_msg("xdc-mirror (%s): no \"" TM_READY "... port N\" line in %d ms: %s",
                     m->conf_path, limit, th_proc_output(m->proc));
        tm_sleep_ms(20);
    }
}

void th_mirror_start(th_mirror_t *m, const char *dir, const char *conf_text)
{
    size_t len = strlen(conf_text);
    char *text;
    int n = ++tm_starts, rc;

    memset(m, 0, sizeof(*m));
    snprintf(m->conf_path, sizeof(m->conf_path), "%s/mirror-%d.properties", dir, n);
    snprintf(m->log_path, sizeof(m->log_path), "%s/mirror-%d.log", dir, n);
    if (asprintf(&text, "%s%shttp.listeners=http://127.0.0.1:0\n", conf_text,
                 len && conf_text[len - 1] != '\n' ? "\n" : "") < 0)
        fail_msg("th_mirror: out of memory");
    rc = th_write_file(m->conf_path, text);
    free(text);
    if (rc < 0)
        fail_msg("cannot write %s: %s", m->conf_path, strerror(-rc));
    tm_spawn(m);
}

int th_mirror_stop(th_mirror_t *m, int sig)
{
    int status;

    if (!m->proc)
        fail_msg("th_mirror_stop: xdc-mirror (%s) is not running", m->conf_path);
    status = th_proc_stop(m->proc, sig, th_ms(10000));
    th_proc_free(m->proc);
    m->proc = NULL;
    return status;
}

void th_mirror_restart(th_mirror_t *m)
{
    char old[600];

    if (m->proc)
        fail_msg("th_mirror_restart: xdc-mirror (%s) is still running", m->conf_path);
    for (int k = 1;; k++) {
        snprintf(old, sizeof(old), "%s.%d", m->log_path, k);
        if (!th_exists(old))
            break;
    }
    if (th_exists(m->log_path) && rename(m->log_path, old) < 0)
        fail_msg("cannot keep %s as %s: %s", m->log_path, old, strerror(errno));
    tm_spawn(m);
}

const char *th_mirror_log(th_mirror_t *m)
{
    free(tm_logbuf);
    tm_logbuf = th_read_file(m->log_path);
    return tm_logbuf ? tm_logbuf : "";
}
