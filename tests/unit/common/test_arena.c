/* Per-request bump allocator. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/arena.h"

#include <stdlib.h>
#include <string.h>

static void test_arena_alloc_zeroed_and_aligned(void **state)
{
    (void)state;
    arena_t a = ARENA_INIT;
    for (int i = 0; i < 1000; i++) {
        unsigned char *p = arena_alloc(&a, (size_t)(i % 37) + 1);
        assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
        for (int j = 0; j < i % 37 + 1; j++)
            assert_int_equal(p[j], 0);
        memset(p, 0xAB, (size_t)(i % 37) + 1);
    }
    arena_close(&a);
}

static void test_arena_large_allocation(void **state)
{
    (void)state;
    arena_t a = ARENA_INIT;
    char *small = arena_alloc(&a, 8);
    char *big = arena_calloc(&a, 100000, 4);
    memset(big, 1, 400000);
    strcpy(small, "ok");
    assert_string_equal(small, "ok");
    arena_close(&a);
}

static void test_arena_reset_reuses(void **state)
{
    (void)state;
    arena_t a = ARENA_INIT;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 5000; i++)
            arena_alloc(&a, 64);
        arena_reset(&a);
        assert_non_null(a.head);
        assert_int_equal(a.used, 0);
    }
    arena_close(&a);
    assert_null(a.head);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_alloc_zeroed_and_aligned),
        cmocka_unit_test(test_arena_large_allocation),
        cmocka_unit_test(test_arena_reset_reuses),
    };
    return cmocka_run_group_tests_name("arena", tests, NULL, NULL);
}
