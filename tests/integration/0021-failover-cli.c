/* The `xdc` commands that drive the failover controller over its HTTP
 * API, against the failover fixture (tests/lib/th_fo.h: two xdc-brokers,
 * two Knot DNS servers, a mirror, and xdc-failover with a bearer token):
 *  - `xdc status` names the active site and each DNS server's answer, as
 *    text and as JSON, found by --url or by --config;
 *  - `xdc failover --dry-run` prints every phase and the outcome dry-run,
 *    and changes nothing; --no-wait returns with the report id;
 *  - `xdc failover` prints the phases as they finish, outcome completed,
 *    RTO, RPO and TTL, and `xdc status` says dr afterwards; `xdc failback
 *    --config --json` brings it back (status primary);
 *  - a wrong token is refused with the controller's 401, a stopped
 *    controller is "cannot reach", bad usage exits 2;
 *  - the mirror wants a token too (mirror.token.file): with the wrong one
 *    a failover fails naming the mirror's 401 and rolls back;
 *  - `xdc drill run` (dry and real) lists both legs and the summary, and
 *    a failover requested while a drill runs gets the controller's 409; `xdc failover
 *    reconcile` with nothing to reconcile is the controller's 409, and
 *    after `xdc failover --mode unplanned` it lists what the old primary
 *    holds that DR never got (table and --json).
 * One fixture serves every test, in this order: each starts with clients
 * on the primary except the last two (the unplanned failover leaves them
 * on DR; the last stops the controller). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/util.h"
#include "tests/lib/th.h"
#include "tests/lib/th_fo.h"
#include "tests/lib/th_http.h"
#include "tests/lib/th_kafka.h"
#include "tests/lib/th_mcheck.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOPIC        "orders"
#define NPART        2
#define TOKEN        "s3cret-0021"
#define MIRROR_TOKEN "m1rror-0021"

static th_fo_t g_fo;
static const char *g_dir;
static char g_url[64], g_token[600], g_conf[600], g_mirror_token[600];

/* --- running xdc ------------------------------------------------------------- */

typedef th_result_t run_t;
static run_t g_run;

/* Run `xdc` with the arguments up to NULL.
 * @return the result, borrowed until the next xdc() or the teardown. */
static const run_t *xdc(const char *arg, ...)
{
    const char *argv[32] = {th_bin("xdc")};
    va_list ap;
    int n = 1;
    va_start(ap, arg);
    for (const char *a = arg; a && n < 31; a = va_arg(ap, const char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    return th_run_result(&g_run, argv, th_ms(180000));
}

#define EXPECT_EXIT(r, want)                                                                       \
    TH_CHECK((r)->status == (want), "exit %d, want %d\nstdout:\n%s\nstderr:\n%s", (r)->status,     \
             (want), (r)->out, (r)->err)

#define EXPECT_IN(r, text, needle)                                                                 \
    TH_CHECK(strstr((text), (needle)), "no '%s'\nstdout:\n%s\nstderr:\n%s", (needle), (r)->out,    \
             (r)->err)

/* A line "  <name>  <n> ms  ok" for phase @p name in @p out. */
static int phase_ok(const char *out, const char *name)
{
    size_t nl = strlen(name);
    for (const char *l = out; *l;) {
        const char *end = strchr(l, '\n');
        size_t len = end ? (size_t)(end - l) : strlen(l);
        if (len > nl + 9 && !strncmp(l, "  ", 2) && !strncmp(l + 2, name, nl) && l[2 + nl] == ' ' &&
            !memcmp(l + len - 7, " ms  ok", 7))
            return 1;
        if (!end)
            break;
        l = end + 1;
    }
    return 0;
}

static void expect_phases(const run_t *r, const char *const *names)
{
    for (size_t i = 0; names[i]; i++)
        TH_CHECK(phase_ok(r->out, names[i]), "no line for phase %s:\n%s\nstderr:\n%s", names[i],
                 r->out, r->err);
}

/* Phases of a planned switch that must be listed (the controller may run
 * more, such as the mirror's pause and resume). */
static const char *const k_planned[] = {"preflight", "fence", "drain",  "checkpoints", "offsets",
                                        "unfence",   "dns",   "verify", NULL};

/* `xdc status` says @p site is active. */
static void expect_active(const char *site)
{
    const run_t *r = xdc("status", "--url", g_url, NULL);
    EXPECT_EXIT(r, 0);
    char want[64];
    snprintf(want, sizeof(want), "active      %s\n", site);
    EXPECT_IN(r, r->out, want);
}

/* --- fixture ----------------------------------------------------------------- */

/* The partitions of TOPIC that the mirror's /v1/lag lists for @p flow. */
static int lag_partitions(const char *flow)
{
    json_t *j = th_http_get_json(g_fo.mirror.http_port, "/v1/lag"), *f, *p;
    size_t i, k;
    int n = 0;
    json_array_foreach(json_object_get(j, "flows"), i, f)
    {
        if (strcmp(json_string_value(json_object_get(f, "flow")) ?: "", flow) != 0)
            continue;
        json_array_foreach(json_object_get(f, "partitions"), k, p) n +=
            !strcmp(json_string_value(json_object_get(p, "topic")) ?: "", TOPIC);
    }
    json_decref(j);
    return n;
}

/* A planned switch proves its drain on the partitions the mirror reports
 * for the flow: both flows must list the topic's. */
static void wait_mirror_ready(void)
{
    static const char *const flows[] = {"primary->dr", "dr->primary"};
    for (size_t i = 0; i < 2; i++) {
        int n = 0;
        for (int waited = 0; (n = lag_partitions(flows[i])) < NPART && waited < th_ms(30000);
             waited += 200)
            th_sleep_ms(200);
        TH_CHECK(n == NPART, "%s: the mirror's /v1/lag lists %d of %d partitions of %s", flows[i],
                 n, NPART, TOPIC);
    }
}

/* The controller's lines: its own token, and the mirror's in @p mirror_token. */
static void controller_extra(char *out, size_t len, const char *mirror_token)
{
    snprintf(out, len, "http.token.file=%s\nmirror.token.file=%s\n", g_token, mirror_token);
}

static void controller_restart(const char *mirror_token)
{
    char extra[1400];
    controller_extra(extra, sizeof(extra), mirror_token);
    th_fo_controller_start(&g_fo, extra);
    snprintf(g_url, sizeof(g_url), "http://127.0.0.1:%d", g_fo.http_port);
}

static int group_setup(void **state)
{
    (void)state;
    char extra[1400], mirror[700];
    g_dir = th_tmpdir();
    snprintf(g_token, sizeof(g_token), "%s/token", g_dir);
    th_write_file(g_token, "  " TOKEN "\n");
    /* The mirror wants a token for pause and resume: every switch below
     * presents mirror.token.file's. */
    snprintf(g_mirror_token, sizeof(g_mirror_token), "%s/mirror-token", g_dir);
    th_write_file(g_mirror_token, MIRROR_TOKEN "\n");
    snprintf(g_conf, sizeof(g_conf), "%s/failover.properties", g_dir);
    controller_extra(extra, sizeof(extra), g_mirror_token);
    snprintf(mirror, sizeof(mirror), "http.token.file=%s\n", g_mirror_token);
    const th_fo_opts_t o = {.controller_extra = extra, .mirror_extra = mirror};
    th_fo_start_opts(&g_fo, g_dir, TOPIC, NPART, &o);
    snprintf(g_url, sizeof(g_url), "http://127.0.0.1:%d", g_fo.http_port);
    th_kafka_produce(g_fo.primary.bootstrap, TOPIC, NPART, 0, 40, "cli");
    th_mc_wait_count(g_fo.dr.bootstrap, TOPIC, NPART, 40, th_ms(60000), &g_fo.mirror);
    wait_mirror_ready();
    return 0;
}

static int group_teardown(void **state)
{
    th_result_clear(&g_run);
    th_kafka_set_client_id(NULL);
    th_fo_controller_stop(&g_fo);
    return th_teardown(state);
}

/* --- tests ------------------------------------------------------------------- */

static void test_cli_status(void **state)
{
    (void)state;
    /* Once the monitor has probed the primary, the canary among them. */
    const char *canary = "probe canary xdc.canary.internal  ok  ";
    const run_t *r = xdc("status", "--url", g_url, NULL);
    for (int i = 0; i < th_ms(15000) / 500 && !strstr(r->out, canary); i++) {
        th_sleep_ms(500);
        r = xdc("status", "--url", g_url, NULL);
    }
    EXPECT_EXIT(r, 0);
    EXPECT_IN(r, r->out, canary);
    EXPECT_IN(r, r->out, "active      primary\n");
    EXPECT_IN(r, r->out, "running     none\n");
    EXPECT_IN(r, r->out, "health      ");
    for (int i = 0; i < g_fo.nknots; i++) {
        char want[200];
        snprintf(want, sizeof(want), "%s  %s\n", g_fo.knot[i].server, TH_FO_PRIMARY_IP);
        EXPECT_IN(r, r->out, want);
    }

    r = xdc("status", "--url", g_url, "--json", NULL);
    EXPECT_EXIT(r, 0);
    json_error_t je;
    json_t *j = json_loads(r->out, 0, &je);
    TH_CHECK(j, "--json: not JSON (%s): %s", je.text, r->out);
    const char *active = json_string_value(json_object_get(j, "active"));
    TH_CHECK(active && !strcmp(active, "primary"), "--json: %s", r->out);
    TH_CHECK(json_array_size(json_object_get(j, "dns")) == (size_t)g_fo.nknots, "--json: %s",
             r->out);
    json_decref(j);

    /* The controller's own file says where it listens. */
    r = xdc("status", "--config", g_conf, NULL);
    EXPECT_EXIT(r, 0);
    EXPECT_IN(r, r->out, "active      primary\n");
    EXPECT_IN(r, r->out, g_url);
}

static void test_cli_usage(void **state)
{
    (void)state;
    const run_t *r = xdc("failover", "--bogus", NULL);
    EXPECT_EXIT(r, 2);
    EXPECT_IN(r, r->err, "xdc: failover: unknown option '--bogus'");
    r = xdc("failover", "--mode", "sideways", NULL);
    EXPECT_EXIT(r, 2);
    EXPECT_IN(r, r->err, "--mode must be planned or unplanned");
    r = xdc("failback", "--mode", "planned", NULL);
    EXPECT_EXIT(r, 2);
    r = xdc("drill", NULL);
    EXPECT_EXIT(r, 2);
    r = xdc("drill", "walk", NULL);
    EXPECT_EXIT(r, 2);
    r = xdc("status", "--url", "ftp://127.0.0.1", NULL);
    EXPECT_EXIT(r, 2);

    char path[700];
    snprintf(path, sizeof(path), "%s/no-such-token", g_dir);
    r = xdc("failover", "--dry-run", "--url", g_url, "--token-file", path, NULL);
    EXPECT_EXIT(r, 2);
    EXPECT_IN(r, r->err, path);
    snprintf(path, sizeof(path), "%s/empty-token", g_dir);
    th_write_file(path, " \n");
    r = xdc("failback", "--url", g_url, "--token-file", path, NULL);
    EXPECT_EXIT(r, 2);
    EXPECT_IN(r, r->err, "is empty");

    static const char *const cmds[][3] = {
        {"status", "--help", NULL},   {"failover", "--help", NULL},
        {"failback", "--help", NULL}, {"drill", "--help", NULL},
        {"drill", "run", "--help"},   {"failover", "reconcile", "--help"},
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        r = xdc(cmds[i][0], cmds[i][1], cmds[i][2], NULL);
        EXPECT_EXIT(r, 0);
        EXPECT_IN(r, r->out, "Usage: xdc ");
    }
    r = xdc("--help", NULL);
    EXPECT_EXIT(r, 0);
    static const char *const names[] = {"  status ", "  failover ", "  failback ", "  drill "};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        EXPECT_IN(r, r->out, names[i]);
}

static void test_cli_wrong_token(void **state)
{
    (void)state;
    char path[700];
    snprintf(path, sizeof(path), "%s/wrong-token", g_dir);
    th_write_file(path, "not-" TOKEN "\n");
    const run_t *r = xdc("failover", "--dry-run", "--url", g_url, "--token-file", path, NULL);
    EXPECT_EXIT(r, 1);
    EXPECT_IN(r, r->err, "xdc: failover: unauthorized (HTTP 401)");
    r = xdc("failback", "--url", g_url, NULL);
    EXPECT_EXIT(r, 1);
    EXPECT_IN(r, r->err, "(HTTP 401)");
    expect_active("primary");
}

/* A controller with the wrong token for the mirror: the planned failover
 * stops where it first needs the mirror's write API, names the mirror's
 * 401, and rolls back: the primary unfenced, its flow running, the name
 * unchanged. */
static void test_cli_wrong_mirror_token(void **state)
{
    (void)state;
    char path[700];
    snprintf(path, sizeof(path), "%s/wrong-mirror-token", g_dir);
    th_write_file(path, "not-" MIRROR_TOKEN "\n");
    controller_restart(path);
    const run_t *r = xdc("failover", "--url", g_url, "--token-file", g_token, NULL);
    EXPECT_EXIT(r, 1);
    EXPECT_IN(r, r->out, "outcome   failed");
    TH_CHECK(strstr(r->out, "answered 401") || strstr(r->err, "answered 401"),
             "the mirror's 401 is not named\nstdout:\n%s\nstderr:\n%s", r->out, r->err);
    expect_active("primary");
    th_fo_expect_dns(&g_fo, TH_FO_PRIMARY_IP);
    th_kafka_set_client_id("xdc-failover-test");
    char *fenced = th_kafka_broker_config(g_fo.primary.bootstrap, "1", "xdc.fenced", NULL);
    th_kafka_set_client_id(NULL);
    TH_CHECK(fenced && !strcmp(fenced, "false"), "primary xdc.fenced=%s after the rollback",
             fenced ? fenced : "(absent)");
    free(fenced);
    json_t *st = th_http_get_json(g_fo.mirror.http_port, "/v1/lag"), *f;
    size_t i, running = 0;
    json_array_foreach(json_object_get(st, "flows"), i, f)
    {
        const char *flow_state = json_string_value(json_object_get(f, "state"));
        running += flow_state && !strcmp(flow_state, "running");
    }
    TH_CHECK(running == 2, "%zu of the mirror's 2 flows running after the rollback", running);
    json_decref(st);
    controller_restart(g_mirror_token);
}

static void test_cli_failover_dry_run(void **state)
{
    (void)state;
    const run_t *r = xdc("failover", "--dry-run", "--url", g_url, "--token-file", g_token, NULL);
    EXPECT_EXIT(r, 0);
    EXPECT_IN(r, r->out, "failover primary -> dr, planned, dry run\n");
    expect_phases(r, k_planned);
    EXPECT_IN(r, r->out, "outcome   dry-run\n");
    EXPECT_IN(r, r->out, "DNS TTL   1 s");
    EXPECT_IN(r, r->out, "/v1/reports/");
    th_fo_expect_dns(&g_fo, TH_FO_PRIMARY_IP);

    /* --no-wait returns with the id while the switch runs. */
    r = xdc("failover", "--dry-run", "--no-wait", "--json", "--url", g_url, "--token-file", g_token,
            NULL);
    EXPECT_EXIT(r, 0);
    json_t *accepted = json_loads(r->out, 0, NULL);
    const char *id = json_string_value(json_object_get(accepted, "id"));
    TH_CHECK(id && !strcmp(json_string_value(json_object_get(accepted, "kind")) ?: "", "failover"),
             "--no-wait --json: %s", r->out);
    json_t *rep = th_fo_wait_report(&g_fo, id, th_ms(120000));
    TH_CHECK(!strcmp(json_string_value(json_object_get(rep, "outcome")) ?: "", "dry-run"),
             "the --no-wait dry run did not end as one");
    json_decref(rep);
    json_decref(accepted);
}

static void test_cli_failover_and_failback(void **state)
{
    (void)state;
    const run_t *r = xdc("failover", "--url", g_url, "--token-file", g_token, NULL);
    EXPECT_EXIT(r, 0);
    EXPECT_IN(r, r->out, "failover primary -> dr, planned\n");
    expect_phases(r, k_planned);
    EXPECT_IN(r, r->out, "outcome   completed\n");
    EXPECT_IN(r, r->out, "RTO       ");
    TH_CHECK(!strstr(r->out, "RTO       -"), "no RTO:\n%s", r->out);
    EXPECT_IN(r, r->out, "RPO       0 records, 0 bytes");
    th_fo_expect_dns(&g_fo, TH_FO_DR_IP);
    expect_active("dr");

    /* Back, with the controller's own file for the URL and the token, and
     * only the final report on stdout. */
    r = xdc("failback", "--config", g_conf, "--json", NULL);
    EXPECT_EXIT(r, 0);
    json_error_t je;
    json_t *j = json_loads(r->out, 0, &je);
    TH_CHECK(j, "--json: not JSON (%s): %s", je.text, r->out);
    TH_CHECK(!strcmp(json_string_value(json_object_get(j, "outcome")) ?: "", "completed") &&
                 !strcmp(json_string_value(json_object_get(j, "from")) ?: "", "dr"),
             "failback: %s", r->out);
    json_decref(j);
    th_fo_expect_dns(&g_fo, TH_FO_PRIMARY_IP);
    expect_active("primary");
}

static void test_cli_drill_dry_run(void **state)
{
    (void)state;
    const run_t *r =
        xdc("drill", "run", "--dry-run", "--url", g_url, "--token-file", g_token, NULL);
    EXPECT_EXIT(r, 0);
    EXPECT_IN(r, r->out, "leg 1: failover primary -> dr");
    EXPECT_IN(r, r->out, "leg 2: failback dr -> primary");
    EXPECT_IN(r, r->out, "drill     dry-run");
    EXPECT_IN(r, r->out, "  failover  dry-run");
    EXPECT_IN(r, r->out, "  failback  dry-run");
    th_fo_expect_dns(&g_fo, TH_FO_PRIMARY_IP);
}

/* A drill for real: both legs move clients, the summary has both RTOs
 * and the canary load's line, and clients end on the primary. */
static void test_cli_drill(void **state)
{
    (void)state;
    /* While a drill runs (drill.hold.ms keeps it on DR for 5 s), another
     * switch is refused. */
    const run_t *r =
        xdc("drill", "run", "--no-wait", "--json", "--url", g_url, "--token-file", g_token, NULL);
    EXPECT_EXIT(r, 0);
    json_t *accepted = json_loads(r->out, 0, NULL);
    char *id = xstrdup(json_string_value(json_object_get(accepted, "id")) ?: "");
    json_decref(accepted);
    r = xdc("failover", "--dry-run", "--url", g_url, "--token-file", g_token, NULL);
    EXPECT_EXIT(r, 1);
    EXPECT_IN(r, r->err, "xdc: failover: a switch is running");
    EXPECT_IN(r, r->err, "(HTTP 409)");
    json_t *rep = th_fo_wait_report(&g_fo, id, th_ms(120000));
    TH_CHECK(!strcmp(json_string_value(json_object_get(rep, "outcome")) ?: "", "completed"),
             "the --no-wait drill did not complete");
    json_decref(rep);
    free(id);

    r = xdc("drill", "run", "--url", g_url, "--token-file", g_token, NULL);
    EXPECT_EXIT(r, 0);
    EXPECT_IN(r, r->out, "leg 1: failover primary -> dr, planned\n");
    EXPECT_IN(r, r->out, "leg 2: failback dr -> primary, planned\n");
    EXPECT_IN(r, r->out, "drill     completed\n");
    EXPECT_IN(r, r->out, "  failover  completed, RTO ");
    EXPECT_IN(r, r->out, "  failback  completed, RTO ");
    EXPECT_IN(r, r->out, "canary    produced ");
    th_fo_expect_dns(&g_fo, TH_FO_PRIMARY_IP);
}

static void test_cli_reconcile_nothing(void **state)
{
    (void)state;
    /* No unplanned failover happened: nothing to reconcile. */
    const run_t *r = xdc("failover", "reconcile", "--url", g_url, "--token-file", g_token, NULL);
    EXPECT_EXIT(r, 1);
    EXPECT_IN(r, r->err, "xdc: failover reconcile: ");
    EXPECT_IN(r, r->err, "(HTTP 409)");
}

/* An unplanned failover leaves the primary's tail unreplicated (the
 * flow is paused at the switch); reconcile lists it per partition. Leaves
 * clients on DR and the primary fenced. */
static void test_cli_unplanned_reconcile(void **state)
{
    (void)state;
    const run_t *r =
        xdc("failover", "--mode", "unplanned", "--url", g_url, "--token-file", g_token, NULL);
    EXPECT_EXIT(r, 0);
    EXPECT_IN(r, r->out, "failover primary -> dr, unplanned\n");
    EXPECT_IN(r, r->out, "outcome   completed\n");
    th_fo_expect_dns(&g_fo, TH_FO_DR_IP);

    /* Written to the old site after the switch (the paused flow leaves
     * them there): DR never gets them. The controller fences the primary
     * as soon as its monitor sees it answer, so they are written as a
     * client the fence exempts. */
    th_kafka_set_client_id("xdc-mirror-0021");
    th_kafka_produce(g_fo.primary.bootstrap, TOPIC, NPART, 1000, 10, "late");
    th_kafka_set_client_id(NULL);
    r = xdc("failover", "reconcile", "--url", g_url, "--token-file", g_token, NULL);
    EXPECT_EXIT(r, 0);
    /* Other topics (heartbeats, the canary) may have a tail too. */
    EXPECT_IN(r, r->out, "primary (fenced) holds ");
    EXPECT_IN(r, r->out, " that dr never got\n");
    EXPECT_IN(r, r->out, "PARTITION REPLICATED LOG-END RECORDS BYTES\n");
    long long records = 0, total = -1, bytes = -1;
    for (const char *l = r->out; (l = strstr(l, "\n  " TOPIC " ")); l++) {
        long long part, replicated, end, n;
        TH_CHECK(sscanf(l, " " TOPIC " %lld %lld %lld %lld", &part, &replicated, &end, &n) == 4,
                 "row: %s", r->out);
        records += n;
    }
    const char *t = strstr(r->out, "\n  total ");
    TH_CHECK(records == 10 && t && sscanf(t, " total %lld %lld", &total, &bytes) == 2 &&
                 total >= 10 && bytes > 0,
             "%lld records of %s:\n%s", records, TOPIC, r->out);

    r = xdc("failover", "reconcile", "--json", "--url", g_url, "--token-file", g_token, NULL);
    EXPECT_EXIT(r, 0);
    json_t *j = json_loads(r->out, 0, NULL), *p;
    size_t i, n = 0;
    json_int_t sum = 0;
    json_array_foreach(json_object_get(j, "partitions"), i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "topic")) ?: "", TOPIC) != 0)
            continue;
        n++;
        sum += json_integer_value(json_object_get(p, "records"));
    }
    TH_CHECK(sum == 10 && n == NPART && json_integer_value(json_object_get(j, "records")) >= 10,
             "--json: %s", r->out);
    json_decref(j);
}

/* Last: the controller stays stopped. */
static void test_cli_controller_stopped(void **state)
{
    (void)state;
    th_fo_controller_stop(&g_fo);
    const run_t *r = xdc("status", "--url", g_url, NULL);
    EXPECT_EXIT(r, 1);
    EXPECT_IN(r, r->err, "xdc: status: cannot reach the controller");
    r = xdc("failover", "--dry-run", "--url", g_url, "--token-file", g_token, NULL);
    EXPECT_EXIT(r, 1);
    EXPECT_IN(r, r->err, "xdc: failover: cannot reach the controller");
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_status),
        cmocka_unit_test(test_cli_usage),
        cmocka_unit_test(test_cli_wrong_token),
        cmocka_unit_test(test_cli_wrong_mirror_token),
        cmocka_unit_test(test_cli_failover_dry_run),
        cmocka_unit_test(test_cli_failover_and_failback),
        cmocka_unit_test(test_cli_drill_dry_run),
        cmocka_unit_test(test_cli_drill),
        cmocka_unit_test(test_cli_reconcile_nothing),
        cmocka_unit_test(test_cli_unplanned_reconcile),
        cmocka_unit_test(test_cli_controller_stopped),
    };
    return cmocka_run_group_tests_name("failover_cli", tests, group_setup, group_teardown);
}
