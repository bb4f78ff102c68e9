/* Pausing one flow of xdc-mirror over its HTTP API (POST /v1/pause and
 * /v1/resume), between two xdc-broker clusters "primary" and "dr":
 *  - under a running keyed load, a pause answers once the records in
 *    flight landed, with replicated offsets equal to the target's log
 *    ends and the last offset syncs written; then the target's log ends
 *    stay put while the source's grow, and /v1/lag, /v1/status and
 *    /metrics say paused; after the resume the copy catches up, identical
 *    record by record, without duplicates;
 *  - partitions added to the source, and a topic created there, while the
 *    flow is paused are assigned paused, and replicate after the resume;
 *  - with http.token.file set, POSTs need the bearer token and GETs do
 *    not; bad bodies get 400 naming the field, unknown flows 404; an empty
 *    token file stops the mirror at start. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "checkpoint/checkpoint.h"
#include "tests/lib/th_broker.h"
#include "tests/lib/th_http.h"
#include "tests/lib/th_kafka.h"
#include "tests/lib/th_mcheck.h"
#include "tests/lib/th_mirror.h"

#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPART 8
#define FLOW  "primary->dr"
#define TOKEN "pause-token-0020"

static th_broker_t g_primary, g_dr;
static th_pair_t g_pair; /* their bootstraps */
static th_mirror_t g_mirror;
static th_kafka_load_t *g_load; /* a running load, stopped by teardown() if a test fails */
static const char *g_dir;

static int setup(void **state)
{
    (void)state;
    g_dir = th_tmpdir();
    g_pair = th_pair_start(&g_primary, &g_dr, g_dir, NULL);
    g_load = NULL;
    memset(&g_mirror, 0, sizeof(g_mirror));
    return 0;
}

static int teardown(void **state)
{
    th_mc_stop(&g_load, (th_mirror_t *const[]){&g_mirror}, 1);
    memset(&g_primary, 0, sizeof(g_primary));
    memset(&g_dr, 0, sizeof(g_dr));
    return th_teardown(state);
}

static void start_mirror(const char *extra)
{
    char conf[1024];
    snprintf(conf, sizeof(conf), "emit.heartbeats.interval.seconds = 1\nlog.debug = mirror\n%s",
             extra ? extra : "");
    th_mirror_start(&g_mirror, g_dir, th_mc_conf(&g_pair, conf));
}

/* POST @p path with @p body (and @p token, may be NULL) to the mirror;
 * fails unless the status is @p want.  @return the answer, caller-owned. */
static json_t *post(const char *path, const char *token, const char *body, int want)
{
    char *text = NULL;
    int status = 0;
    int rc = th_http_request("POST", g_mirror.http_port, path, token, body, &status, &text);
    TH_CHECK(rc == 0, "POST %s %s: %d", path, body, rc);
    json_t *j = json_loads(text ? text : "", 0, NULL);
    TH_CHECK(status == want && j, "POST %s %s: status %d, want %d: %s", path, body, status, want,
             text ? text : "");
    free(text);
    return j;
}

/* POST /v1/pause for FLOW with @p timeout_ms: 200, state "paused". */
static json_t *pause_flow(const char *token, int timeout_ms)
{
    char body[128];
    snprintf(body, sizeof(body), "{\"flow\":\"" FLOW "\",\"timeout_ms\":%d}", timeout_ms);
    json_t *j = post("/v1/pause", token, body, 200);
    const char *state = json_string_value(json_object_get(j, "state"));
    TH_CHECK(state && strcmp(state, "paused") == 0 &&
                 strcmp(json_string_value(json_object_get(j, "flow")), FLOW) == 0,
             "pause: state %s", state ? state : "(none)");
    return j;
}

static void resume_flow(const char *token)
{
    json_t *j = post("/v1/resume", token, "{\"flow\":\"" FLOW "\"}", 200);
    const char *state = json_string_value(json_object_get(j, "state"));
    TH_CHECK(state && strcmp(state, "running") == 0, "resume: state %s", state ? state : "(none)");
    json_decref(j);
}

/* The replicated offsets of @p topic's partitions in a pause answer or a
 * /v1/lag flow (@p flow), into @p out (-2 where a partition is missing).
 * @return how many partitions of @p topic it lists. */
static int replicated_of(json_t *flow, const char *topic, int64_t *out, int nparts)
{
    json_t *p;
    size_t i;
    int n = 0;
    for (int k = 0; k < nparts; k++)
        out[k] = -2;
    json_array_foreach(json_object_get(flow, "partitions"), i, p)
    {
        const char *t = json_string_value(json_object_get(p, "topic"));
        int pn = (int)json_integer_value(json_object_get(p, "partition"));
        if (!t || strcmp(t, topic) != 0 || pn < 0 || pn >= nparts)
            continue;
        out[pn] = json_integer_value(json_object_get(p, "replicated_offset"));
        n++;
    }
    return n;
}

/* Every partition of @p topic in @p flow has replicated_offset + 1 equal
 * to the target's log end @p ends (what the target holds, nothing more). */
static void expect_replicated(json_t *flow, const char *topic, const int64_t *ends, int nparts,
                              const char *what)
{
    int64_t rep[NPART];
    int n = replicated_of(flow, topic, rep, nparts);
    TH_CHECK(n == nparts, "%s: %d of %d partitions of %s listed", what, n, nparts, topic);
    for (int k = 0; k < nparts; k++)
        TH_CHECK(rep[k] + 1 == ends[k],
                 "%s: %s/%d replicated_offset %" PRId64 ", target log end %" PRId64, what, topic, k,
                 rep[k], ends[k]);
}

/* xdc_mirror_flow_paused{flow="primary->dr"} in /metrics. */
static double metric(const char *prefix)
{
    char *body = NULL;
    int status = 0, found = 0;
    TH_CHECK(th_http_get(g_mirror.http_port, "/metrics", &status, &body) == 0 && status == 200,
             "GET /metrics: %d", status);
    double v = th_metric_sum(body, prefix, &found);
    TH_CHECK(found == 1, "%d samples %s in /metrics:\n%s", found, prefix, body);
    free(body);
    return v;
}

#define PAUSED_METRIC "xdc_mirror_flow_paused{flow=\"" FLOW "\"} "
#define DUPS_METRIC   "xdc_mirror_duplicates_total{flow=\"" FLOW "\"} "

/* The first flow's "state" in /v1/lag and /v1/status. */
static void expect_state(const char *want)
{
    const char *paths[] = {"/v1/lag", "/v1/status"};
    for (int i = 0; i < 2; i++) {
        json_t *j = th_http_get_json(g_mirror.http_port, paths[i]);
        const char *state = json_string_value(json_object_get(th_mc_flow0(j), "state"));
        TH_CHECK(state && strcmp(state, want) == 0, "%s: state %s, want %s", paths[i],
                 state ? state : "(none)", want);
        json_decref(j);
    }
}

/* Once a pause drained, the last offset sync of each partition of @p topic
 * (syncs on the source, MM2's default) maps the last record the target
 * holds, @p ends - 1, to the same offset: checkpoints stay exact. */
static void expect_syncs_at(const char *topic, const int64_t *ends, int nparts)
{
    th_mc_expect_offset_syncs_at(g_primary.bootstrap, "mm2-offset-syncs.dr.internal", topic, nparts,
                                 ends);
}

static int64_t sum(const int64_t *v, int n)
{
    int64_t s = 0;
    for (int i = 0; i < n; i++)
        s += v[i];
    return s;
}

/* --- pause under load ------------------------------------------------------- */

static void test_mirror_pause_freezes_and_resumes(void **state)
{
    (void)state;
    int64_t src0[NPART], dst0[NPART], src[NPART], dst[NPART];
    th_kafka_create_topic(g_primary.bootstrap, "orders", NPART, NULL);
    start_mirror(NULL);
    th_mc_wait_count(g_dr.bootstrap, "primary.orders", NPART, 0, th_ms(30000), &g_mirror);
    th_mc_wait_assigned(&g_mirror, "orders", NPART);
    TH_CHECK(metric(PAUSED_METRIC) == 0, "xdc_mirror_flow_paused is not 0 at start");
    expect_state("running");

    g_load = th_kafka_load_start(g_primary.bootstrap, "orders", NPART, 200, 20);
    th_sleep_ms(2000);
    TH_CHECK(th_kafka_end_sum(g_dr.bootstrap, "primary.orders", NPART) > 0,
             "nothing replicated before the pause; mirror log:\n%s", th_mirror_log(&g_mirror));

    json_t *ans = pause_flow(NULL, th_ms(10000));
    th_kafka_end_offsets(g_dr.bootstrap, "primary.orders", dst0, NPART);
    th_kafka_end_offsets(g_primary.bootstrap, "orders", src0, NPART);
    TH_CHECK(json_is_true(json_object_get(ans, "drained")) &&
                 json_integer_value(json_object_get(ans, "in_flight_records")) == 0,
             "pause did not drain: drained %s, in_flight_records %" JSON_INTEGER_FORMAT,
             json_is_true(json_object_get(ans, "drained")) ? "true" : "false",
             json_integer_value(json_object_get(ans, "in_flight_records")));
    expect_replicated(ans, "orders", dst0, NPART, "pause answer");
    expect_syncs_at("orders", dst0, NPART);
    json_t *p0 = json_array_get(json_object_get(ans, "partitions"), 0);
    TH_CHECK(json_is_string(json_object_get(p0, "remote_topic")) &&
                 json_is_integer(json_object_get(p0, "log_end_offset")),
             "pause answer: partition without remote_topic or log_end_offset");
    json_decref(ans);

    /* Frozen: the target gets nothing while the load goes on. */
    for (int i = 0; i < 6; i++) {
        th_sleep_ms(500);
        th_kafka_end_offsets(g_dr.bootstrap, "primary.orders", dst, NPART);
        for (int k = 0; k < NPART; k++)
            TH_CHECK(dst[k] == dst0[k],
                     "paused, yet primary.orders/%d grew %" PRId64 " -> %" PRId64, k, dst0[k],
                     dst[k]);
    }
    th_kafka_end_offsets(g_primary.bootstrap, "orders", src, NPART);
    TH_CHECK(sum(src, NPART) > sum(src0, NPART) + 100, "the load stalled: %" PRId64 " -> %" PRId64,
             sum(src0, NPART), sum(src, NPART));

    expect_state("paused");
    json_t *lag = th_http_get_json(g_mirror.http_port, "/v1/lag");
    expect_replicated(th_mc_flow0(lag), "orders", dst0, NPART, "/v1/lag");
    json_decref(lag);
    TH_CHECK(metric(PAUSED_METRIC) == 1, "xdc_mirror_flow_paused is not 1 while paused");

    /* Pausing again only answers, with the same offsets. */
    ans = pause_flow(NULL, 0);
    TH_CHECK(json_is_true(json_object_get(ans, "drained")), "second pause: not drained");
    expect_replicated(ans, "orders", dst0, NPART, "second pause answer");
    json_decref(ans);

    resume_flow(NULL);
    expect_state("running");
    TH_CHECK(metric(PAUSED_METRIC) == 0, "xdc_mirror_flow_paused is not 0 after the resume");
    th_sleep_ms(1000);
    long produced = th_kafka_load_stop(g_load);
    g_load = NULL;
    th_mc_wait_count(g_dr.bootstrap, "primary.orders", NPART, produced, th_ms(60000), &g_mirror);
    th_mc_expect_identical(&g_pair, "orders", "primary.orders");
    th_mc_wait_lag_zero(&g_pair, &g_mirror, "orders", "primary.orders", NPART);
    TH_CHECK(metric(DUPS_METRIC) == 0, "xdc_mirror_duplicates_total is not 0");
    const char *log = th_mirror_log(&g_mirror);
    TH_CHECK(strstr(log, "[" FLOW "] paused by the API") &&
                 strstr(log, "[" FLOW "] resumed by the API"),
             "no pause/resume log lines:\n%s", log);
}

/* --- partitions assigned while paused ----------------------------------------- */

static void test_mirror_pause_holds_new_partitions(void **state)
{
    (void)state;
    int64_t dst0[5], dst[5];
    th_kafka_create_topic(g_primary.bootstrap, "inventory", 3, NULL);
    th_kafka_produce(g_primary.bootstrap, "inventory", 3, 0, 300, "inventory");
    start_mirror(NULL);
    th_mc_wait_count(g_dr.bootstrap, "primary.inventory", 3, 300, th_ms(30000), &g_mirror);

    json_decref(pause_flow(NULL, th_ms(10000)));
    th_kafka_add_partitions(g_primary.bootstrap, "inventory", 5);
    for (int tries = 0; th_mc_assigned(&g_mirror, "inventory") != 5 ||
                        th_kafka_partitions(g_dr.bootstrap, "primary.inventory") != 5;
         tries++) {
        TH_CHECK(tries < 150,
                 "the new partitions were not assigned and created on the target in 30 s; "
                 "mirror log:\n%s",
                 th_mirror_log(&g_mirror));
        th_sleep_ms(200);
    }
    th_kafka_produce(g_primary.bootstrap, "inventory", 5, 300, 500, "inventory");
    /* A topic created while paused: its remote exists before it is
     * subscribed, so its partitions are assigned ready, and held paused. */
    th_kafka_create_topic(g_primary.bootstrap, "returns", 2, NULL);
    th_kafka_produce(g_primary.bootstrap, "returns", 2, 0, 100, "returns");
    th_mc_wait_assigned(&g_mirror, "returns", 2);
    th_kafka_end_offsets(g_dr.bootstrap, "primary.inventory", dst0, 5);
    th_sleep_ms(3000);
    TH_CHECK(th_kafka_end_sum(g_dr.bootstrap, "primary.returns", 2) == 0,
             "paused, yet primary.returns holds records");
    th_kafka_end_offsets(g_dr.bootstrap, "primary.inventory", dst, 5);
    for (int k = 0; k < 5; k++)
        TH_CHECK(dst[k] == dst0[k] && dst[k] == (k < 3 ? 100 : 0),
                 "paused, yet primary.inventory/%d holds %" PRId64 " records", k, dst[k]);

    /* Every partition, the new ones too, is held by the pause. */
    json_t *st = th_http_get_json(g_mirror.http_port, "/v1/status"), *p;
    size_t i;
    int held = 0;
    json_array_foreach(json_object_get(th_mc_flow0(st), "paused"), i, p)
    {
        const char *t = json_string_value(json_object_get(p, "topic"));
        const char *why = json_string_value(json_object_get(p, "reason"));
        held += t && (strcmp(t, "inventory") == 0 || strcmp(t, "returns") == 0) && why &&
                strstr(why, "paused by the API");
    }
    json_decref(st);
    TH_CHECK(held == 7, "/v1/status: %d of 7 partitions paused by the API", held);

    resume_flow(NULL);
    th_mc_wait_count(g_dr.bootstrap, "primary.inventory", 5, 800, th_ms(30000), &g_mirror);
    th_mc_expect_identical(&g_pair, "inventory", "primary.inventory");
    th_mc_wait_count(g_dr.bootstrap, "primary.returns", 2, 100, th_ms(30000), &g_mirror);
    th_mc_expect_identical(&g_pair, "returns", "primary.returns");
    TH_CHECK(metric(DUPS_METRIC) == 0, "xdc_mirror_duplicates_total is not 0");
}

/* --- the API's errors and its token ------------------------------------------- */

static void expect_error(const char *path, const char *token, const char *body, int want,
                         const char *needle)
{
    json_t *j = post(path, token, body, want);
    const char *msg = json_string_value(json_object_get(j, "error"));
    TH_CHECK(msg && strstr(msg, needle), "POST %s %s: error \"%s\" does not name %s", path, body,
             msg ? msg : "(none)", needle);
    json_decref(j);
}

static void test_mirror_pause_api_errors_and_token(void **state)
{
    (void)state;
    char path[600], extra[700];
    snprintf(path, sizeof(path), "%s/mirror.token", g_dir);
    TH_CHECK(th_write_file(path, "  " TOKEN "\n") == 0, "cannot write %s", path);
    snprintf(extra, sizeof(extra), "http.token.file = %s\n", path);
    th_kafka_create_topic(g_primary.bootstrap, "audit", 2, NULL);
    start_mirror(extra);

    const char *ok = "{\"flow\":\"" FLOW "\"}";
    expect_error("/v1/pause", NULL, ok, 401, "unauthorized");
    expect_error("/v1/pause", "wrong-token", ok, 401, "unauthorized");
    expect_error("/v1/resume", NULL, ok, 401, "unauthorized");
    json_decref(th_http_get_json(g_mirror.http_port, "/v1/lag"));
    json_decref(th_http_get_json(g_mirror.http_port, "/v1/status"));
    expect_state("running");

    expect_error("/v1/pause", TOKEN, "not json", 400, "json");
    expect_error("/v1/pause", TOKEN, "", 400, "json");
    expect_error("/v1/pause", TOKEN, "{}", 400, "\"flow\"");
    expect_error("/v1/pause", TOKEN, "{\"flow\":7}", 400, "\"flow\"");
    expect_error("/v1/pause", TOKEN, "{\"flow\":\"" FLOW "\",\"timeout_ms\":\"5\"}", 400,
                 "\"timeout_ms\"");
    expect_error("/v1/pause", TOKEN, "{\"flow\":\"" FLOW "\",\"timeout_ms\":-1}", 400,
                 "\"timeout_ms\"");
    expect_error("/v1/pause", TOKEN, "{\"flow\":\"" FLOW "\",\"timeout_ms\":600001}", 400,
                 "\"timeout_ms\"");
    expect_error("/v1/pause", TOKEN, "{\"flow\":\"dr->primary\"}", 404,
                 "no flow dr->primary: flows are " FLOW);
    expect_error("/v1/resume", TOKEN, "{\"flow\":\"dr->primary\"}", 404,
                 "no flow dr->primary: flows are " FLOW);
    expect_error("/v1/resume", TOKEN, "[]", 400, "json");
    expect_state("running");
    TH_CHECK(metric(PAUSED_METRIC) == 0, "xdc_mirror_flow_paused is not 0");

    json_t *ans = pause_flow(TOKEN, 600000);
    TH_CHECK(json_is_true(json_object_get(ans, "drained")), "idle pause did not drain");
    json_decref(ans);
    expect_state("paused");
    TH_CHECK(metric(PAUSED_METRIC) == 1, "xdc_mirror_flow_paused is not 1 while paused");
    resume_flow(TOKEN);
    resume_flow(TOKEN); /* resuming a running flow is fine */
    expect_state("running");
    TH_CHECK(metric(PAUSED_METRIC) == 0, "xdc_mirror_flow_paused is not 0 after the resume");
    th_mirror_stop(&g_mirror, SIGTERM);

    /* An empty token file is an error at start, naming the key. */
    TH_CHECK(th_write_file(path, " \n") == 0, "cannot write %s", path);
    char conf_path[600], *out = NULL;
    snprintf(conf_path, sizeof(conf_path), "%s/empty-token.properties", g_dir);
    char *text = NULL;
    TH_CHECK(asprintf(&text, "%s\nhttp.listeners = http://127.0.0.1:0\n",
                      th_mc_conf(&g_pair, extra)) > 0 &&
                 th_write_file(conf_path, text) == 0,
             "cannot write %s", conf_path);
    free(text);
    const char *argv[] = {th_bin("xdc-mirror"), conf_path, NULL};
    int status = -1;
    TH_CHECK(th_run(argv, th_ms(20000), &status, &out) == 0, "xdc-mirror did not exit");
    TH_CHECK(status != 0 && out && strstr(out, "http.token.file") && strstr(out, "is empty"),
             "xdc-mirror with an empty token file: status %d: %s", status, out ? out : "");
    free(out);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_mirror_pause_freezes_and_resumes),
        T(test_mirror_pause_holds_new_partitions),
        T(test_mirror_pause_api_errors_and_token),
    };
    return cmocka_run_group_tests_name("mirror_pause", tests, NULL, NULL);
}
