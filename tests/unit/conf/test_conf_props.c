/* Java .properties syntax and ${env:}/${file:} substitution. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/err.h"
#include "conf/conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static conf_entries_t es;
static char err[1024];

static int setup(void **state)
{
    (void)state;
    conf_entries_init(&es);
    err[0] = '\0';
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    conf_entries_close(&es);
    return 0;
}

static int parse(const char *text)
{
    return conf_props_parse(text, strlen(text), "t.properties", &es, err, sizeof(err));
}

static void assert_entry(size_t i, const char *key, const char *value, int line)
{
    assert_true(i < es.count);
    assert_string_equal(es.v[i].key, key);
    assert_string_equal(es.v[i].value, value);
    assert_int_equal(es.v[i].line, line);
}

static void test_conf_props_separators(void **state)
{
    (void)state;
    assert_int_equal(parse("a=1\nb: 2\nc 3\n  d  =  4  \ne\n"), 0);
    assert_int_equal(es.count, 5);
    assert_entry(0, "a", "1", 1);
    assert_entry(1, "b", "2", 2);
    assert_entry(2, "c", "3", 3);
    assert_entry(3, "d", "4  ", 4); /* Java keeps trailing blanks; the loader trims */
    assert_entry(4, "e", "", 5);
}

static void test_conf_props_comments_and_blanks(void **state)
{
    (void)state;
    assert_int_equal(parse("# comment\n! also\n\n   \n   # indented\nk=v # not a comment\n"), 0);
    assert_int_equal(es.count, 1);
    assert_entry(0, "k", "v # not a comment", 6);
}

static void test_conf_props_continuation(void **state)
{
    (void)state;
    assert_int_equal(parse("list = a, \\\n       b, \\\n       c\nnext=1\n"), 0);
    assert_entry(0, "list", "a, b, c", 1);
    assert_entry(1, "next", "1", 4);
}

static void test_conf_props_even_backslashes_do_not_continue(void **state)
{
    (void)state;
    assert_int_equal(parse("path=C:\\\\\nnext=1\n"), 0);
    assert_entry(0, "path", "C:\\", 1);
    assert_entry(1, "next", "1", 2);
}

static void test_conf_props_comment_line_does_not_continue(void **state)
{
    (void)state;
    assert_int_equal(parse("# ends with \\\nk=v\n"), 0);
    assert_int_equal(es.count, 1);
    assert_entry(0, "k", "v", 2);
}

static void test_conf_props_escapes(void **state)
{
    (void)state;
    assert_int_equal(parse("a\\=b\\:c\\ d=x\\ty\\n\\\\z\\q\n"), 0);
    assert_entry(0, "a=b:c d", "x\ty\n\\zq", 1);
}

static void test_conf_props_unicode_escapes(void **state)
{
    (void)state;
    /* é, the euro sign, and U+1F600 from a surrogate pair, all as UTF-8. */
    assert_int_equal(parse("k=\\u00e9\\u20AC\\uD83D\\uDE00\n"), 0);
    assert_entry(0, "k", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 1);
}

static void test_conf_props_bad_unicode_escape_names_line(void **state)
{
    (void)state;
    assert_int_equal(parse("a=1\nk=\\u12G4\n"), XDC_ECONF);
    assert_string_equal(err, "t.properties:2: k: malformed \\uXXXX escape in value");
    conf_entries_close(&es);
    assert_int_equal(parse("k=\\uD800\n"), XDC_ECONF); /* lone surrogate */
}

static void test_conf_props_line_endings(void **state)
{
    (void)state;
    assert_int_equal(parse("a=1\r\nb=2\rc=3\n\nd=4"), 0);
    assert_entry(0, "a", "1", 1);
    assert_entry(1, "b", "2", 2);
    assert_entry(2, "c", "3", 3);
    assert_entry(3, "d", "4", 5);
}

static void test_conf_props_env_substitution(void **state)
{
    (void)state;
    setenv("XDC_TEST_SECRET", "s3cret", 1);
    assert_int_equal(
        parse("sasl.password=${env:XDC_TEST_SECRET}\nother=x${env:XDC_TEST_SECRET}y\n"), 0);
    assert_entry(0, "sasl.password", "s3cret", 1);
    assert_entry(1, "other", "xs3crety", 2);
}

static void test_conf_props_env_unset_is_error(void **state)
{
    (void)state;
    unsetenv("XDC_TEST_NOPE");
    assert_int_equal(parse("\nk=${env:XDC_TEST_NOPE}\n"), XDC_ECONF);
    assert_string_equal(err, "t.properties:2: k: environment variable XDC_TEST_NOPE is not set");
}

static void test_conf_props_other_placeholders_kept(void **state)
{
    (void)state;
    assert_int_equal(parse("k=${topic}-${other:x}\n"), 0);
    assert_entry(0, "k", "${topic}-${other:x}", 1);
}

static void test_conf_props_file_substitution(void **state)
{
    (void)state;
    char dir[] = "/tmp/xdc-conf-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char secret[256], props[256], text[1024];
    snprintf(secret, sizeof(secret), "%s/secret", dir);
    snprintf(props, sizeof(props), "%s/creds.properties", dir);
    FILE *f = fopen(secret, "w");
    fputs("hunter2\n", f);
    fclose(f);
    f = fopen(props, "w");
    fputs("user=alice\npassword=pw\n", f);
    fclose(f);
    snprintf(text, sizeof(text), "a=${file:%s}\nb=${file:%s:password}\n", secret, props);
    assert_int_equal(parse(text), 0);
    assert_entry(0, "a", "hunter2", 1);
    assert_entry(1, "b", "pw", 2);
    conf_entries_close(&es);

    snprintf(text, sizeof(text), "c=${file:%s:nokey}\n", props);
    assert_int_equal(parse(text), XDC_ECONF);
    assert_non_null(strstr(err, "t.properties:1: c: key 'nokey' not found"));
    conf_entries_close(&es);

    assert_int_equal(parse("d=${file:/nonexistent/xdc/secret}\n"), XDC_ECONF);
    assert_non_null(strstr(err, "t.properties:1: d: cannot read /nonexistent/xdc/secret"));
    unlink(secret);
    unlink(props);
    rmdir(dir);
}

static void test_conf_props_override(void **state)
{
    (void)state;
    assert_int_equal(parse("k=file\n"), 0);
    assert_int_equal(conf_entries_add_override(&es, "k=cli=x", err, sizeof(err)), 0);
    conf_entry_t *e = conf_entries_find(&es, "k");
    assert_string_equal(e->value, "cli=x");
    assert_string_equal(e->file, "--override");
    assert_int_equal(conf_entries_add_override(&es, "novalue", err, sizeof(err)), XDC_ECONF);
    assert_string_equal(err, "--override: 'novalue' is not key=value");
}

static void test_conf_props_nul_byte_rejected(void **state)
{
    (void)state;
    const char text[] = "a=1\nb=x\0y\n";
    assert_int_equal(
        conf_props_parse(text, sizeof(text) - 1, "t.properties", &es, err, sizeof(err)), XDC_ECONF);
    assert_string_equal(err, "t.properties:2: NUL byte in line");
}

static void test_conf_props_missing_file(void **state)
{
    (void)state;
    assert_int_equal(conf_props_parse_file("/nonexistent/x.properties", &es, err, sizeof(err)),
                     XDC_ECONF);
    assert_string_equal(err, "/nonexistent/x.properties: cannot read: No such file or directory");
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_conf_props_separators),
        T(test_conf_props_comments_and_blanks),
        T(test_conf_props_continuation),
        T(test_conf_props_even_backslashes_do_not_continue),
        T(test_conf_props_comment_line_does_not_continue),
        T(test_conf_props_escapes),
        T(test_conf_props_unicode_escapes),
        T(test_conf_props_bad_unicode_escape_names_line),
        T(test_conf_props_line_endings),
        T(test_conf_props_env_substitution),
        T(test_conf_props_env_unset_is_error),
        T(test_conf_props_other_placeholders_kept),
        T(test_conf_props_file_substitution),
        T(test_conf_props_override),
        T(test_conf_props_nul_byte_rejected),
        T(test_conf_props_missing_file),
    };
    return cmocka_run_group_tests_name("conf_props", tests, NULL, NULL);
}
