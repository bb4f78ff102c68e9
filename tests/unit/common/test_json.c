#include "common/json.h"

#include "common/err.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

/* Parse @p text, asserting success: the fixture for the getter tests. */
static json_t *parse_ok(const char *text)
{
    char err[256] = "";
    json_t *obj = NULL;
    assert_int_equal(xjson_parse_object(text, strlen(text), &obj, err, sizeof(err)), 0);
    assert_non_null(obj);
    return obj;
}

static void test_json_dump_compact_keeps_order(void **state)
{
    (void)state;
    json_t *v = json_pack("{s:s, s:i, s:b, s:[i,i], s:n}", "topic", "orders", "lag", 42, "ok", 1,
                          "parts", 0, 1, "none");
    char *s = xjson_dump_compact(v);
    assert_string_equal(s, "{\"topic\":\"orders\",\"lag\":42,\"ok\":true,\"parts\":[0,1],"
                           "\"none\":null}");
    free(s);
    json_decref(v);
}

static void test_json_dump_compact_any_value(void **state)
{
    (void)state;
    json_t *v = json_string("a\"b");
    char *s = xjson_dump_compact(v);
    assert_string_equal(s, "\"a\\\"b\"");
    free(s);
    json_decref(v);
    assert_null(xjson_dump_compact(NULL));
}

static void test_json_dump_append_adds_to_buf(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    buf_append_str(&b, "x=");
    json_t *v = json_pack("[i]", 7);
    assert_int_equal(xjson_dump_append(v, &b), 0);
    assert_string_equal(buf_cstr(&b), "x=[7]");
    assert_int_equal(xjson_dump_append(NULL, &b), XDC_EMALFORMED);
    json_decref(v);
    buf_close(&b);
}

static void test_json_parse_object_ok(void **state)
{
    (void)state;
    /* Length-delimited: the trailing garbage past len is never read. */
    const char *text = "{\"a\": 1}GARBAGE";
    json_t *obj = NULL;
    char err[256] = "";
    assert_int_equal(xjson_parse_object(text, 8, &obj, err, sizeof(err)), 0);
    assert_int_equal(json_integer_value(json_object_get(obj, "a")), 1);
    json_decref(obj);
}

static void test_json_parse_object_syntax_error_has_position(void **state)
{
    (void)state;
    const char *text = "{\n  \"a\": 1,\n  \"b\": }";
    json_t *obj = NULL;
    char err[256] = "";
    assert_int_equal(xjson_parse_object(text, strlen(text), &obj, err, sizeof(err)),
                     XDC_EMALFORMED);
    assert_null(obj);
    assert_non_null(strstr(err, "json: line 3, column "));
    assert_null(strchr(err, '\n'));
}

static void test_json_parse_object_rejects_non_objects(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *err;
    } cases[] = {
        {"[1,2]", "json: expected an object, got array"},
        {"\"s\"", "json: expected an object, got string"},
        {"42", "json: expected an object, got integer"},
        {"null", "json: expected an object, got null"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *obj = NULL;
        char err[256] = "";
        assert_int_equal(
            xjson_parse_object(cases[i].text, strlen(cases[i].text), &obj, err, sizeof(err)),
            XDC_EMALFORMED);
        assert_null(obj);
        assert_string_equal(err, cases[i].err);
    }
}

static void test_json_parse_object_rejects_bad_input(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "",                      /* empty */
        "{\"a\":1,\"a\":2}",     /* duplicate key */
        "{\"a\":\"x\\u0000y\"}", /* NUL in a string */
        "{\"a\":1} {\"b\":2}",   /* two values */
        "{\"a\":\"\xff\"}",      /* invalid UTF-8 */
        "{\"a\":1",              /* truncated */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *obj = NULL;
        char err[256] = "";
        assert_int_equal(xjson_parse_object(cases[i], strlen(cases[i]), &obj, err, sizeof(err)),
                         XDC_EMALFORMED);
        assert_null(obj);
        assert_non_null(strstr(err, "json: line "));
    }
    /* No error buffer is fine too. */
    json_t *obj = NULL;
    assert_int_equal(xjson_parse_object("[", 1, &obj, NULL, 0), XDC_EMALFORMED);
}

static void test_json_get_string(void **state)
{
    (void)state;
    json_t *obj = parse_ok("{\"name\":\"dc-west\",\"n\":1,\"z\":null}");
    const char *s = NULL;
    char err[256] = "";
    assert_int_equal(xjson_get_string(obj, "name", &s, err, sizeof(err)), 0);
    assert_string_equal(s, "dc-west");
    assert_int_equal(xjson_get_string(obj, "missing", &s, err, sizeof(err)), XDC_ENOTFOUND);
    assert_string_equal(err, "missing key \"missing\"");
    assert_int_equal(xjson_get_string(obj, "n", &s, err, sizeof(err)), XDC_EMALFORMED);
    assert_string_equal(err, "key \"n\": expected string, got integer");
    assert_int_equal(xjson_get_string(obj, "z", &s, err, sizeof(err)), XDC_EMALFORMED);
    assert_string_equal(err, "key \"z\": expected string, got null");
    json_decref(obj);
}

static void test_json_get_int64(void **state)
{
    (void)state;
    json_t *obj = parse_ok("{\"big\":9223372036854775807,\"neg\":-5,\"real\":1.0,\"s\":\"7\"}");
    int64_t v = 0;
    char err[256] = "";
    assert_int_equal(xjson_get_int64(obj, "big", &v, err, sizeof(err)), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(xjson_get_int64(obj, "neg", &v, err, sizeof(err)), 0);
    assert_true(v == -5);
    assert_int_equal(xjson_get_int64(obj, "real", &v, err, sizeof(err)), XDC_EMALFORMED);
    assert_string_equal(err, "key \"real\": expected integer, got real");
    assert_int_equal(xjson_get_int64(obj, "s", &v, err, sizeof(err)), XDC_EMALFORMED);
    assert_string_equal(err, "key \"s\": expected integer, got string");
    assert_int_equal(xjson_get_int64(obj, "none", &v, err, sizeof(err)), XDC_ENOTFOUND);
    json_decref(obj);
}

static void test_json_get_bool(void **state)
{
    (void)state;
    json_t *obj = parse_ok("{\"t\":true,\"f\":false,\"i\":1}");
    bool b = false;
    char err[256] = "";
    assert_int_equal(xjson_get_bool(obj, "t", &b, err, sizeof(err)), 0);
    assert_true(b);
    assert_int_equal(xjson_get_bool(obj, "f", &b, err, sizeof(err)), 0);
    assert_false(b);
    assert_int_equal(xjson_get_bool(obj, "i", &b, err, sizeof(err)), XDC_EMALFORMED);
    assert_string_equal(err, "key \"i\": expected boolean, got integer");
    assert_int_equal(xjson_get_bool(obj, "none", &b, err, sizeof(err)), XDC_ENOTFOUND);
    json_decref(obj);
}

static void test_json_get_opt_defaults(void **state)
{
    (void)state;
    json_t *obj = parse_ok("{\"s\":\"x\",\"i\":3,\"b\":true,\"nul\":null,\"arr\":[]}");
    const char *s = NULL;
    int64_t i = 0;
    bool b = false;
    char err[256] = "";

    assert_int_equal(xjson_get_string_opt(obj, "s", "def", &s, err, sizeof(err)), 0);
    assert_string_equal(s, "x");
    assert_int_equal(xjson_get_string_opt(obj, "none", "def", &s, err, sizeof(err)), 0);
    assert_string_equal(s, "def");
    assert_int_equal(xjson_get_string_opt(obj, "nul", NULL, &s, err, sizeof(err)), 0);
    assert_null(s);
    assert_int_equal(xjson_get_string_opt(obj, "arr", "def", &s, err, sizeof(err)), XDC_EMALFORMED);
    assert_string_equal(err, "key \"arr\": expected string, got array");

    assert_int_equal(xjson_get_int64_opt(obj, "i", 9, &i, err, sizeof(err)), 0);
    assert_true(i == 3);
    assert_int_equal(xjson_get_int64_opt(obj, "none", 9, &i, err, sizeof(err)), 0);
    assert_true(i == 9);
    assert_int_equal(xjson_get_int64_opt(obj, "s", 9, &i, err, sizeof(err)), XDC_EMALFORMED);

    assert_int_equal(xjson_get_bool_opt(obj, "b", false, &b, err, sizeof(err)), 0);
    assert_true(b);
    assert_int_equal(xjson_get_bool_opt(obj, "nul", false, &b, err, sizeof(err)), 0);
    assert_false(b);
    assert_int_equal(xjson_get_bool_opt(obj, "i", false, &b, err, sizeof(err)), XDC_EMALFORMED);
    assert_string_equal(err, "key \"i\": expected boolean, got integer");
    json_decref(obj);
}

static void test_json_get_on_non_object(void **state)
{
    (void)state;
    json_t *arr = json_array();
    const char *s = NULL;
    char err[256] = "";
    assert_int_equal(xjson_get_string(arr, "k", &s, err, sizeof(err)), XDC_ENOTFOUND);
    assert_int_equal(xjson_get_string(NULL, "k", &s, NULL, 0), XDC_ENOTFOUND);
    json_decref(arr);
}

static void test_json_string_lossy(void **state)
{
    (void)state;
    json_t *ok = xjson_string_lossy("caf\xc3\xa9");
    assert_string_equal(json_string_value(ok), "caf\xc3\xa9");
    json_t *bad = xjson_string_lossy("/v1/\xff\xfe.x");
    assert_string_equal(json_string_value(bad), "/v1/??.x");
    json_t *null = xjson_string_lossy(NULL);
    assert_string_equal(json_string_value(null), "");
    json_decref(ok);
    json_decref(bad);
    json_decref(null);
}

static void test_json_error_body(void **state)
{
    (void)state;
    json_t *body = xjson_error_body("not found");
    char *s = xjson_dump_compact(body);
    assert_string_equal(s, "{\"error\":\"not found\"}");
    free(s);
    json_decref(body);

    body = xjson_error_body("bad \xff byte");
    s = xjson_dump_compact(body);
    assert_string_equal(s, "{\"error\":\"bad ? byte\"}");
    free(s);
    json_decref(body);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_dump_compact_keeps_order),
        cmocka_unit_test(test_json_dump_compact_any_value),
        cmocka_unit_test(test_json_dump_append_adds_to_buf),
        cmocka_unit_test(test_json_parse_object_ok),
        cmocka_unit_test(test_json_parse_object_syntax_error_has_position),
        cmocka_unit_test(test_json_parse_object_rejects_non_objects),
        cmocka_unit_test(test_json_parse_object_rejects_bad_input),
        cmocka_unit_test(test_json_get_string),
        cmocka_unit_test(test_json_get_int64),
        cmocka_unit_test(test_json_get_bool),
        cmocka_unit_test(test_json_get_opt_defaults),
        cmocka_unit_test(test_json_get_on_non_object),
        cmocka_unit_test(test_json_string_lossy),
        cmocka_unit_test(test_json_error_body),
    };
    return cmocka_run_group_tests_name("common/json", tests, NULL, NULL);
}
