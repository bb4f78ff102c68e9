#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/crc32c.h"

/* Known answers: the CRC catalogue check value and RFC 3720 appendix B.4. */
static void test_crc32c_known_vectors(void **state)
{
    (void)state;
    uint8_t buf[32];

    assert_int_equal(crc32c(0, "", 0), 0);
    assert_int_equal(crc32c(0, "123456789", 9), 0xE3069283u);
    assert_int_equal(crc32c_sw(0, "123456789", 9), 0xE3069283u);
    assert_int_equal(crc32c(0, "a", 1), 0xC1D04330u);

    memset(buf, 0, sizeof(buf));
    assert_int_equal(crc32c(0, buf, 32), 0x8A9136AAu);
    assert_int_equal(crc32c_sw(0, buf, 32), 0x8A9136AAu);
    memset(buf, 0xff, sizeof(buf));
    assert_int_equal(crc32c(0, buf, 32), 0x62A8AB43u);
    for (int i = 0; i < 32; i++)
        buf[i] = (uint8_t)i;
    assert_int_equal(crc32c(0, buf, 32), 0x46DD794Eu);
    for (int i = 0; i < 32; i++)
        buf[i] = (uint8_t)(31 - i);
    assert_int_equal(crc32c(0, buf, 32), 0x113FDB5Cu);
}

static void test_crc32c_chains_pieces(void **state)
{
    (void)state;
    const char *s = "123456789";

    for (size_t cut = 0; cut <= 9; cut++) {
        uint32_t c = crc32c(0, s, cut);
        assert_int_equal(crc32c(c, s + cut, 9 - cut), 0xE3069283u);
        c = crc32c_sw(0, s, cut);
        assert_int_equal(crc32c_sw(c, s + cut, 9 - cut), 0xE3069283u);
    }
}

/* Every length and misalignment: the hardware and slicing paths agree with
 * the bytewise definition. */
static uint32_t crc32c_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    while (n--) {
        c ^= *p++;
        for (int i = 0; i < 8; i++)
            c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
    }
    return ~c;
}

static void test_crc32c_paths_agree(void **state)
{
    (void)state;
    uint8_t data[300];

    srand(7);
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)rand();
    for (size_t off = 0; off < 9; off++)
        for (size_t n = 0; n + off <= sizeof(data); n += 7) {
            uint32_t want = crc32c_bitwise(data + off, n);
            assert_int_equal(crc32c(0, data + off, n), want);
            assert_int_equal(crc32c_sw(0, data + off, n), want);
        }
}

/* Lengths that reach the interleaved hardware path (three streams over
 * blocks of 768 bytes and of 24 KiB), at every misalignment mod 8, around
 * each block boundary and at random, against the slicing code; and
 * chaining a piece that ends inside a block. */
static void check_long(const uint8_t *data, size_t n)
{
    uint32_t want = crc32c_sw(0, data, n);
    assert_int_equal(crc32c(0, data, n), want);
    size_t cut = n / 3 + 5 < n ? n / 3 + 5 : n;
    assert_int_equal(crc32c(crc32c(0, data, cut), data + cut, n - cut), want);
}

static void test_crc32c_paths_agree_long(void **state)
{
    (void)state;
    const size_t blocks[] = {768, 3 * 768, 24576, 2 * 24576, 3 * 24576 + 768};
    const size_t size = 4 * 24576 + 64;
    uint8_t *data = malloc(size);

    assert_non_null(data);
    srand(11);
    for (size_t i = 0; i < size; i++)
        data[i] = (uint8_t)rand();
    for (size_t off = 0; off < 9; off++) {
        for (size_t n = 700; n <= 2400; n++)
            check_long(data + off, n);
        for (size_t b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++)
            for (size_t n = blocks[b] - 17; n <= blocks[b] + 17; n++)
                check_long(data + off, n);
        for (int i = 0; i < 40; i++)
            check_long(data + off, (size_t)rand() % (size - 8));
    }
    /* All zeros and all ones exercise the shift tables' extremes. */
    memset(data, 0, size);
    check_long(data, size);
    memset(data, 0xff, size);
    check_long(data, size);
    free(data);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32c_known_vectors),
        cmocka_unit_test(test_crc32c_chains_pieces),
        cmocka_unit_test(test_crc32c_paths_agree),
        cmocka_unit_test(test_crc32c_paths_agree_long),
    };
    return cmocka_run_group_tests_name("crc32c", tests, NULL, NULL);
}
