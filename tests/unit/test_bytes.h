/* Byte helpers for unit tests: hex to exact-size heap buffers, so ASan and
 * valgrind see any read past the end. Header-only and static inline: unit
 * tests link only the project libraries, and a test that leaves a helper
 * unused must still build under -Werror. Include after <cmocka.h>. */
#ifndef XDC_TESTS_UNIT_TEST_BYTES_H
#define XDC_TESTS_UNIT_TEST_BYTES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decode @p hex into a heap buffer of exactly the decoded size. */
static inline uint8_t *test_hex(const char *hex, size_t *len)
{
    size_t n = strlen(hex) / 2;
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        p[i] = (uint8_t)v;
    }
    *len = n;
    return p;
}

/* Copy @p n bytes into a heap buffer of exactly that size. */
static inline uint8_t *test_dup(const uint8_t *p, size_t n)
{
    uint8_t *q = malloc(n ? n : 1);
    assert_non_null(q);
    if (n)
        memcpy(q, p, n);
    return q;
}

#endif
