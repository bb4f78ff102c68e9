/* Prometheus metrics: exact text of each type, escaping, concurrent
 * updates, collectors and registration checks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/metrics.h"
#include "common/util.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *render(metrics_registry_t *reg, buf_t *b)
{
    buf_reset(b);
    metrics_render(reg, b);
    return buf_cstr(b);
}

static void test_metrics_counter_text(void **state)
{
    (void)state;
    static const char *const labels[] = {"api", "error_code"};
    metrics_registry_t *reg = metrics_registry_new();
    metrics_family_t *req = metrics_counter(reg, "t_requests_total", "Requests served.", 2, labels);
    metrics_family_t *up = metrics_counter(reg, "t_starts_total", "No labels.", 0, NULL);
    assert_non_null(req);
    assert_non_null(up);
    metrics_child_t *ok = metrics_child(req, (const char *const[]){"Produce", "0"});
    metrics_inc(ok, 2);
    metrics_inc(metrics_child(req, (const char *const[]){"Fetch", "1"}), 1);
    metrics_inc(ok, 1);
    assert_ptr_equal(metrics_child(req, (const char *const[]){"Produce", "0"}), ok);
    assert_true(metrics_value(ok) == 3);
    buf_t b = BUF_INIT;
    assert_string_equal(render(reg, &b), "# HELP t_requests_total Requests served.\n"
                                         "# TYPE t_requests_total counter\n"
                                         "t_requests_total{api=\"Produce\",error_code=\"0\"} 3\n"
                                         "t_requests_total{api=\"Fetch\",error_code=\"1\"} 1\n"
                                         "# HELP t_starts_total No labels.\n"
                                         "# TYPE t_starts_total counter\n"
                                         "t_starts_total 0\n");
    buf_close(&b);
    metrics_registry_free(reg);
}

static void test_metrics_gauge_text(void **state)
{
    (void)state;
    static const char *const labels[] = {"k"};
    metrics_registry_t *reg = metrics_registry_new();
    metrics_family_t *g = metrics_gauge(reg, "t_value", "A gauge.", 1, labels);
    metrics_family_t *conns = metrics_gauge(reg, "t_connections", "Open.", 0, NULL);
    metrics_set(metrics_child(g, (const char *const[]){"int"}), 42);
    metrics_set(metrics_child(g, (const char *const[]){"neg"}), -3);
    metrics_set(metrics_child(g, (const char *const[]){"frac"}), 0.1);
    metrics_set(metrics_child(g, (const char *const[]){"big"}), 1e20);
    metrics_set(metrics_child(g, (const char *const[]){"inf"}), INFINITY);
    metrics_set(metrics_child(g, (const char *const[]){"nan"}), NAN);
    metrics_child_t *c = metrics_child(conns, NULL);
    metrics_add(c, 1);
    metrics_add(c, 1);
    metrics_add(c, -1);
    buf_t b = BUF_INIT;
    assert_string_equal(render(reg, &b), "# HELP t_value A gauge.\n"
                                         "# TYPE t_value gauge\n"
                                         "t_value{k=\"int\"} 42\n"
                                         "t_value{k=\"neg\"} -3\n"
                                         "t_value{k=\"frac\"} 0.1\n"
                                         "t_value{k=\"big\"} 1e+20\n"
                                         "t_value{k=\"inf\"} +Inf\n"
                                         "t_value{k=\"nan\"} NaN\n"
                                         "# HELP t_connections Open.\n"
                                         "# TYPE t_connections gauge\n"
                                         "t_connections 1\n");
    buf_close(&b);
    metrics_registry_free(reg);
}

static void test_metrics_histogram_buckets_cumulative(void **state)
{
    (void)state;
    static const char *const labels[] = {"api"};
    static const double bounds[] = {0.5, 1, 10};
    metrics_registry_t *reg = metrics_registry_new();
    metrics_family_t *h =
        metrics_histogram(reg, "t_seconds", "Latency.", 1, labels, bounds, XDC_ARRAY_SIZE(bounds));
    metrics_child_t *c = metrics_child(h, (const char *const[]){"Produce"});
    /* 0.5 sits on a bound: le is "less than or equal". */
    static const double obs[] = {0.25, 0.5, 0.75, 5, 100};
    for (size_t i = 0; i < XDC_ARRAY_SIZE(obs); i++)
        metrics_observe(c, obs[i]);
    assert_true(metrics_value(c) == 5);
    buf_t b = BUF_INIT;
    assert_string_equal(render(reg, &b), "# HELP t_seconds Latency.\n"
                                         "# TYPE t_seconds histogram\n"
                                         "t_seconds_bucket{api=\"Produce\",le=\"0.5\"} 2\n"
                                         "t_seconds_bucket{api=\"Produce\",le=\"1\"} 3\n"
                                         "t_seconds_bucket{api=\"Produce\",le=\"10\"} 4\n"
                                         "t_seconds_bucket{api=\"Produce\",le=\"+Inf\"} 5\n"
                                         "t_seconds_sum{api=\"Produce\"} 106.5\n"
                                         "t_seconds_count{api=\"Produce\"} 5\n");
    buf_close(&b);
    metrics_registry_free(reg);
}

static void test_metrics_histogram_without_labels(void **state)
{
    (void)state;
    static const double bounds[] = METRICS_SECONDS_BUCKETS;
    metrics_registry_t *reg = metrics_registry_new();
    metrics_family_t *h =
        metrics_histogram(reg, "t_lat_seconds", "L.", 0, NULL, bounds, XDC_ARRAY_SIZE(bounds));
    metrics_observe(metrics_child(h, NULL), 0.0007);
    buf_t b = BUF_INIT;
    const char *text = render(reg, &b);
    assert_non_null(strstr(text, "t_lat_seconds_bucket{le=\"0.0005\"} 0\n"
                                 "t_lat_seconds_bucket{le=\"0.001\"} 1\n"
                                 "t_lat_seconds_bucket{le=\"0.0025\"} 1\n"));
    assert_non_null(strstr(text, "t_lat_seconds_bucket{le=\"10\"} 1\n"
                                 "t_lat_seconds_bucket{le=\"+Inf\"} 1\n"
                                 "t_lat_seconds_sum 0.0007\n"
                                 "t_lat_seconds_count 1\n"));
    buf_close(&b);
    metrics_registry_free(reg);
}

static void test_metrics_label_and_help_escaping(void **state)
{
    (void)state;
    static const char *const labels[] = {"topic"};
    metrics_registry_t *reg = metrics_registry_new();
    metrics_family_t *f =
        metrics_counter(reg, "t_esc_total", "Back\\slash and\nnewline \"kept\".", 1, labels);
    metrics_inc(metrics_child(f, (const char *const[]){"a\\b\"c\nd"}), 7);
    buf_t b = BUF_INIT;
    assert_string_equal(render(reg, &b),
                        "# HELP t_esc_total Back\\\\slash and\\nnewline \"kept\".\n"
                        "# TYPE t_esc_total counter\n"
                        "t_esc_total{topic=\"a\\\\b\\\"c\\nd\"} 7\n");
    buf_close(&b);
    metrics_registry_free(reg);
}

static void collect_offsets(metrics_sink_t *sink, void *opaque)
{
    const int64_t *ends = opaque;
    metrics_sample(sink, (const char *const[]){"orders", "0"}, (double)ends[0]);
    metrics_sample(sink, (const char *const[]){"orders", "1"}, (double)ends[1]);
}

static void test_metrics_collector_renders_callback_samples(void **state)
{
    (void)state;
    static const char *const labels[] = {"topic", "partition"};
    int64_t ends[2] = {10, 12345678901LL};
    metrics_registry_t *reg = metrics_registry_new();
    metrics_family_t *f = metrics_collector(reg, METRICS_GAUGE, "t_log_end_offset", "Log end.", 2,
                                            labels, collect_offsets, ends);
    assert_non_null(f);
    assert_null(metrics_child(f, (const char *const[]){"orders", "0"}));
    buf_t b = BUF_INIT;
    assert_string_equal(render(reg, &b), "# HELP t_log_end_offset Log end.\n"
                                         "# TYPE t_log_end_offset gauge\n"
                                         "t_log_end_offset{topic=\"orders\",partition=\"0\"} 10\n"
                                         "t_log_end_offset{topic=\"orders\",partition=\"1\"} "
                                         "12345678901\n");
    ends[0] = 11; /* read at every render */
    assert_non_null(strstr(render(reg, &b), "partition=\"0\"} 11\n"));
    buf_close(&b);
    metrics_registry_free(reg);
}

static void test_metrics_registration_checks(void **state)
{
    (void)state;
    static const double bad_bounds[] = {1, 1};
    static const double bounds[] = {1, 2};
    metrics_registry_t *reg = metrics_registry_new();
    assert_non_null(metrics_counter(reg, "ok_total", "", 0, NULL));
    assert_null(metrics_counter(reg, "ok_total", "", 0, NULL)); /* duplicate */
    assert_null(metrics_gauge(reg, "ok_total", "", 0, NULL));
    assert_null(metrics_counter(reg, "1bad", "", 0, NULL));
    assert_null(metrics_counter(reg, "bad-name", "", 0, NULL));
    assert_null(metrics_counter(reg, "", "", 0, NULL));
    assert_null(metrics_counter(reg, "l_total", "", 1, (const char *const[]){"__reserved"}));
    assert_null(metrics_counter(reg, "l_total", "", 1, (const char *const[]){"a:b"}));
    assert_null(metrics_counter(reg, "l_total", "", 2, (const char *const[]){"a", "a"}));
    assert_null(metrics_histogram(reg, "h", "", 1, (const char *const[]){"le"}, bounds, 2));
    assert_null(metrics_histogram(reg, "h", "", 0, NULL, bad_bounds, 2));
    assert_null(metrics_collector(reg, METRICS_HISTOGRAM, "c", "", 0, NULL, collect_offsets, NULL));
    assert_non_null(metrics_gauge(reg, "ns:ok", "", 1, (const char *const[]){"le"}));
    metrics_registry_free(reg);
    metrics_registry_free(NULL);
}

/* --- concurrency ------------------------------------------------------------ */

#define NTHREADS 4
#define NITER    200000

typedef struct worker {
    metrics_family_t *counter, *gauge, *hist;
    int id;
} worker_t;

static void *work(void *arg)
{
    worker_t *w = arg;
    char own[16];
    snprintf(own, sizeof(own), "t%d", w->id);
    /* Every thread creates the shared children itself: all must get the
     * same ones, while each also adds one of its own. */
    metrics_child_t *shared = metrics_child(w->counter, (const char *const[]){"shared"});
    metrics_child_t *mine = metrics_child(w->counter, (const char *const[]){own});
    metrics_child_t *g = metrics_child(w->gauge, NULL);
    metrics_child_t *h = metrics_child(w->hist, (const char *const[]){"shared"});
    for (int i = 0; i < NITER; i++) {
        metrics_inc(shared, 1);
        metrics_inc(mine, 2);
        metrics_add(g, 1);
        metrics_add(g, -1);
        metrics_observe(h, (i & 1) ? 0.5 : 2.0);
    }
    return NULL;
}

static void test_metrics_concurrent_updates_sum(void **state)
{
    (void)state;
    static const char *const labels[] = {"who"};
    static const double bounds[] = {1};
    metrics_registry_t *reg = metrics_registry_new();
    worker_t w[NTHREADS];
    pthread_t th[NTHREADS];
    metrics_family_t *counter = metrics_counter(reg, "c_total", "", 1, labels);
    metrics_family_t *gauge = metrics_gauge(reg, "g", "", 0, NULL);
    metrics_family_t *hist = metrics_histogram(reg, "h", "", 1, labels, bounds, 1);
    for (int i = 0; i < NTHREADS; i++) {
        w[i] = (worker_t){counter, gauge, hist, i};
        assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
    }
    /* Render while they count: the lists must stay walkable. */
    buf_t b = BUF_INIT;
    for (int i = 0; i < 20; i++)
        render(reg, &b);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    assert_true(metrics_value(metrics_child(counter, (const char *const[]){"shared"})) ==
                (double)NTHREADS * NITER);
    for (int i = 0; i < NTHREADS; i++) {
        char own[16];
        snprintf(own, sizeof(own), "t%d", i);
        assert_true(metrics_value(metrics_child(counter, (const char *const[]){own})) ==
                    2.0 * NITER);
    }
    assert_true(metrics_value(metrics_child(gauge, NULL)) == 0);
    const char *text = render(reg, &b);
    char want[128];
    snprintf(want, sizeof(want), "h_bucket{who=\"shared\",le=\"1\"} %d\n", NTHREADS * NITER / 2);
    assert_non_null(strstr(text, want));
    snprintf(want, sizeof(want), "h_sum{who=\"shared\"} %d\nh_count{who=\"shared\"} %d\n",
             NTHREADS * NITER / 2 * 5 / 2, NTHREADS * NITER);
    assert_non_null(strstr(text, want));
    /* One "shared" child in the text, whatever thread made it. */
    const char *first = strstr(text, "c_total{who=\"shared\"}");
    assert_non_null(first);
    assert_null(strstr(first + 1, "c_total{who=\"shared\"}"));
    buf_close(&b);
    metrics_registry_free(reg);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics_counter_text),
        cmocka_unit_test(test_metrics_gauge_text),
        cmocka_unit_test(test_metrics_histogram_buckets_cumulative),
        cmocka_unit_test(test_metrics_histogram_without_labels),
        cmocka_unit_test(test_metrics_label_and_help_escaping),
        cmocka_unit_test(test_metrics_collector_renders_callback_samples),
        cmocka_unit_test(test_metrics_registration_checks),
        cmocka_unit_test(test_metrics_concurrent_updates_sum),
    };
    return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
