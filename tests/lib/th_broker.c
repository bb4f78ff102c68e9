#include "tests/lib/th_broker.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

/* @return 1 when the broker listens, 0 when it exited (port taken). */
static int spawn(th_broker_t *b)
{
    char listeners[128], logdirs[600], log[600];
    const char *argv[64];
    int n = 0;
    snprintf(listeners, sizeof(listeners), "listeners=PLAINTEXT://%s:%d", b->host, b->port);
    snprintf(logdirs, sizeof(logdirs), "log.dirs=%s/data", b->dir);
    snprintf(log, sizeof(log), "%s/broker.log", b->dir);
    snprintf(b->bootstrap, sizeof(b->bootstrap), "%s:%d", b->host, b->port);
    argv[n++] = th_bin("xdc-broker");
    argv[n++] = "--override";
    argv[n++] = listeners;
    argv[n++] = "--override";
    argv[n++] = logdirs;
    /* Several brokers share the host: their HTTP APIs too take free ports. */
    argv[n++] = "--override";
    argv[n++] = "http.listen=127.0.0.1:0";
    for (int i = 0; i < b->noverrides; i++) {
        argv[n++] = "--override";
        argv[n++] = b->overrides[i];
    }
    argv[n] = NULL;
    b->proc = th_spawn(argv, log);
    if (!b->proc)
        fail_msg("cannot start xdc-broker");
    for (int waited = 0; th_wait_tcp(b->host, b->port, 50) != 0; waited += 50) {
        if (!th_proc_running(b->proc))
            return 0;
        if (waited > th_ms(15000))
            fail_msg("xdc-broker not listening on %d: %s", b->port, th_proc_output(b->proc));
    }
    return 1;
}

static void init(th_broker_t *b, const char *dir, const char *host, const char *const *overrides)
{
    memset(b, 0, sizeof(*b));
    snprintf(b->dir, sizeof(b->dir), "%s", dir);
    snprintf(b->host, sizeof(b->host), "%s", host);
    for (int i = 0; overrides && overrides[i] && i < 16; i++)
        b->overrides[b->noverrides++] = overrides[i];
}

int th_broker_start_at(th_broker_t *b, const char *dir, const char *host, int port,
                       const char *const *overrides)
{
    init(b, dir, host, overrides);
    b->port = port;
    if (spawn(b))
        return 1;
    if (!strcasestr(th_proc_output(b->proc), "in use"))
        fail_msg("xdc-broker exited early: %s", th_proc_output(b->proc));
    th_proc_free(b->proc);
    b->proc = NULL;
    return 0;
}

void th_broker_start(th_broker_t *b, const char *dir, const char *const *overrides)
{
    init(b, dir, "127.0.0.1", overrides);
    for (int attempt = 0; attempt < 3; attempt++) {
        b->port = th_free_port();
        if (spawn(b))
            return;
        if (!strcasestr(th_proc_output(b->proc), "in use"))
            fail_msg("xdc-broker exited early: %s", th_proc_output(b->proc));
        th_proc_free(b->proc); /* lost the port race: try another */
        b->proc = NULL;
    }
    fail_msg("xdc-broker: no free port after 3 attempts");
}

int th_broker_stop(th_broker_t *b, int sig)
{
    int status = th_proc_stop(b->proc, sig, th_ms(10000));
    th_proc_free(b->proc);
    b->proc = NULL;
    return status;
}

void th_broker_restart(th_broker_t *b)
{
    if (!spawn(b))
        fail_msg("xdc-broker did not restart: %s", th_proc_output(b->proc));
}

const char *th_broker_log(th_broker_t *b)
{
    return b->proc ? th_proc_output(b->proc) : "";
}
