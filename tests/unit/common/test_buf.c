/* Growable buffer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/buf.h"

#include <stdlib.h>
#include <string.h>

static void test_buf_append_grows_in_place(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    for (int i = 0; i < 1000; i++)
        buf_append(&b, "abc", 3);
    assert_int_equal(b.len, 3000);
    assert_memory_equal(b.data + 2997, "abc", 3);
    assert_true(b.cap > b.len);
    buf_close(&b);
    assert_null(b.data);
}

static void test_buf_printf_and_cstr(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    buf_printf(&b, "[%s/%d]", "orders", 3);
    buf_append_str(&b, " ok");
    assert_string_equal(buf_cstr(&b), "[orders/3] ok");
    buf_reset(&b);
    assert_string_equal(buf_cstr(&b), "");
    buf_close(&b);
}

static void test_buf_consume(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    buf_append(&b, "0123456789", 10);
    buf_consume(&b, 4);
    assert_int_equal(b.len, 6);
    assert_memory_equal(b.data, "456789", 6);
    buf_consume(&b, 100);
    assert_int_equal(b.len, 0);
    buf_close(&b);
}

static void test_buf_empty_append(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    buf_append(&b, NULL, 0);
    assert_int_equal(b.len, 0);
    assert_string_equal(buf_cstr(&b), "");
    buf_close(&b);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_append_grows_in_place),
        cmocka_unit_test(test_buf_printf_and_cstr),
        cmocka_unit_test(test_buf_consume),
        cmocka_unit_test(test_buf_empty_append),
    };
    return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
