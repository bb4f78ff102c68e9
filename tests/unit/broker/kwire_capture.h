/* Harness for the kwire codec unit tests: tables of request frames captured
 * from real clients (or hand-built from the schemas), decoded whole and as
 * every truncated prefix, and response bytes compared with expected hex
 * (STYLE.md §8). Header-only, every function static inline: unit tests link
 * only the project libraries, and a test that leaves a helper unused must
 * still build under -Werror. */
#ifndef XDC_TESTS_UNIT_BROKER_KWIRE_CAPTURE_H
#define XDC_TESTS_UNIT_BROKER_KWIRE_CAPTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/test_bytes.h"

#include "broker/kwire.h"
#include "common/arena.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/util.h"

/* Largest frame kwire_frame_next() accepts in these tests. */
#define TEST_MAX_FRAME (1 << 20)

/* Compare the encoded buffer with the expected bytes in @p hex. */
static inline void test_expect_hex(const buf_t *b, const char *hex)
{
    size_t n;
    uint8_t *want = test_hex(hex, &n);
    if (b->len != n || memcmp(b->data, want, n) != 0) {
        fprintf(stderr, "got:  ");
        for (size_t i = 0; i < b->len; i++)
            fprintf(stderr, "%02x", b->data[i]);
        fprintf(stderr, "\nwant: %s\n", hex);
    }
    assert_int_equal(b->len, n);
    assert_memory_equal(b->data, want, n);
    free(want);
}

static inline kwire_slice_t S(const char *s)
{
    return kwire_cstr(s);
}

/* Decode one body and, if @p check, assert the captured values.
 * @return the decoder's result. */
typedef int (*test_decode_fn)(kwire_reader_t *r, int16_t ver, arena_t *a, int check);

typedef struct capture {
    const char *name;
    const char *hex; /* size prefix included */
    int16_t ApiKey, ApiVersion;
    int flex_hdr;          /* request header v2 */
    test_decode_fn decode; /* NULL where the test decodes by ApiKey itself */
    int trailing;          /* bytes the client sends after the schema's last field */
} capture_t;

/* Decode header + body of @p len bytes at @p body (exactly allocated) with
 * @p c's decoder. @return 0, XDC_EMALFORMED. */
static inline int test_decode_body(const uint8_t *body, size_t len, const capture_t *c, int check)
{
    kwire_reader_t r;
    kwire_req_hdr_t h;
    arena_t a = ARENA_INIT;

    kwire_reader_init(&r, body, len);
    int rc = kwire_decode_req_hdr(&r, &h, c->flex_hdr);
    if (rc == 0) {
        assert_int_equal(h.ApiKey, c->ApiKey);
        assert_int_equal(h.ApiVersion, c->ApiVersion);
        rc = c->decode(&r, h.ApiVersion, &a, check);
        if (rc == 0 && check) /* every byte decoded */
            assert_int_equal(kwire_reader_left(&r), (size_t)c->trailing);
    }
    arena_close(&a);
    return rc;
}

/* Each of the @p n captures is one whole frame that decodes and passes its
 * decoder's checks. */
static inline void test_decode_captures(const capture_t *caps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t len, consumed;
        kwire_slice_t frame;
        uint8_t *p = test_hex(caps[i].hex, &len);
        assert_int_equal(kwire_frame_next(p, len, TEST_MAX_FRAME, &frame, &consumed), 1);
        assert_int_equal(consumed, len);
        if (test_decode_body(frame.ptr, (size_t)frame.len, &caps[i], 1) != 0)
            fail_msg("%s: did not decode", caps[i].name);
        free(p);
    }
}

/* Every proper prefix of every frame body must be malformed; each prefix
 * sits in its own exactly-sized allocation, so an overread is caught. */
static inline void test_reject_truncations(const capture_t *caps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t len;
        uint8_t *p = test_hex(caps[i].hex, &len);
        for (size_t cut = 0; cut < len - 4 - (size_t)caps[i].trailing; cut++) {
            uint8_t *copy = malloc(cut ? cut : 1);
            assert_non_null(copy);
            memcpy(copy, p + 4, cut);
            if (test_decode_body(copy, cut, &caps[i], 0) != XDC_EMALFORMED)
                fail_msg("%s: prefix of %zu bytes decoded", caps[i].name, cut);
            free(copy);
        }
        free(p);
    }
}

/* Decode a body given as hex (no header) with one decoder. */
static inline int test_decode_hex(const char *hex, int16_t ver, test_decode_fn fn)
{
    size_t len;
    uint8_t *p = test_hex(hex, &len);
    kwire_reader_t r;
    arena_t a = ARENA_INIT;
    kwire_reader_init(&r, p, len);
    int rc = fn(&r, ver, &a, 0);
    arena_close(&a);
    free(p);
    return rc;
}

#endif /* XDC_TESTS_UNIT_BROKER_KWIRE_CAPTURE_H */
