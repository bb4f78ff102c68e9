/* The request path after framing: header decoding, the API table, and
 * ApiVersions answers, driven with frames captured from librdkafka. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/test_bytes.h"

#include "broker/brk_int.h"
#include "broker/kwire_err.h"
#include "common/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ApiVersions v3 from `kcat -L` (librdkafka 2.0.2), size prefix stripped. */
static const char apiversions_v3_hex[] =
    "0012000300000001000772646b61666b61000b6c696272646b61666b6106322e302e3200";

static brk_server_t srv; /* unfenced, no metrics */
static brk_conn_t conn;
static brk_out_t out;

static int setup(void **state)
{
    (void)state;
    memset(&conn, 0, sizeof(conn));
    conn.srv = &srv;
    conn.exempt = -1;
    snprintf(conn.peer, sizeof(conn.peer), "test");
    brk__out_init(&out);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    brk__out_close(&out);
    return 0;
}

static int dispatch(const uint8_t *frame, size_t len)
{
    return brk__dispatch(&conn, (kwire_slice_t){frame, (int32_t)len}, &out);
}

/* Read the ApiVersions response in out: checks framing and header v0, then
 * returns the ErrorCode and the entry for @p key (or -1). */
static int16_t read_api_versions(int16_t ver, int32_t corr, int16_t key, int16_t *min, int16_t *max)
{
    kwire_reader_t r;
    kwire_reader_init(&r, out.buf.data, out.buf.len);
    assert_int_equal(kwire_read_i32(&r), (int32_t)out.buf.len - 4);
    assert_int_equal(kwire_read_i32(&r), corr); /* header v0: no tag byte follows */
    int16_t err = kwire_read_i16(&r);
    int32_t n = ver >= 3 ? kwire_read_compact_array_len(&r) : kwire_read_array_len(&r);
    *min = *max = -1;
    for (int32_t i = 0; i < n; i++) {
        int16_t k = kwire_read_i16(&r), lo = kwire_read_i16(&r), hi = kwire_read_i16(&r);
        if (ver >= 3)
            kwire_skip_tags(&r);
        if (k == key)
            *min = lo, *max = hi;
    }
    if (ver >= 1)
        assert_int_equal(kwire_read_i32(&r), 0); /* ThrottleTimeMs */
    if (ver >= 3)
        kwire_skip_tags(&r);
    assert_int_equal(r.err, 0);
    assert_int_equal(kwire_reader_left(&r), 0);
    return err;
}

static void test_brk_dispatch_api_versions_v3_from_librdkafka(void **state)
{
    (void)state;
    size_t len;
    uint8_t *f = test_hex(apiversions_v3_hex, &len);
    assert_int_equal(dispatch(f, len), 0);
    int16_t min, max;
    assert_int_equal(read_api_versions(3, 1, 18, &min, &max), KWIRE_ERR_NONE);
    assert_int_equal(min, 0);
    assert_int_equal(max, 3);
    free(f);
}

static void test_brk_dispatch_api_versions_v0(void **state)
{
    (void)state;
    /* ApiKey 18, v0, CorrelationId 7, ClientId "c", empty body. */
    static const uint8_t f[] = {0, 18, 0, 0, 0, 0, 0, 7, 0, 1, 'c'};
    assert_int_equal(dispatch(f, sizeof(f)), 0);
    int16_t min, max;
    assert_int_equal(read_api_versions(0, 7, 18, &min, &max), KWIRE_ERR_NONE);
    assert_int_equal(max, 3);
}

static void test_brk_dispatch_api_versions_unknown_version(void **state)
{
    (void)state;
    /* ApiVersions v9 with a flexible body we cannot know: answered as v0
     * with UNSUPPORTED_VERSION and our ranges, so the client retries. */
    static const uint8_t f[] = {0, 18, 0, 9, 0, 0, 0, 42, 0, 1, 'c', 0, 3, 'x', 'y', 0, 0};
    assert_int_equal(dispatch(f, sizeof(f)), 0);
    int16_t min, max;
    assert_int_equal(read_api_versions(0, 42, 18, &min, &max), KWIRE_ERR_UNSUPPORTED_VERSION);
    assert_int_equal(min, 0);
    assert_int_equal(max, 3);
}

static void test_brk_dispatch_truncated_body_rejected(void **state)
{
    (void)state;
    size_t len;
    uint8_t *f = test_hex(apiversions_v3_hex, &len);
    for (size_t cut = len - 1; cut > 8; cut--) {
        uint8_t *copy = malloc(cut);
        memcpy(copy, f, cut);
        buf_reset(&out.buf);
        assert_int_equal(dispatch(copy, cut), XDC_EMALFORMED);
        free(copy);
    }
    free(f);
}

static void test_brk_dispatch_unknown_api_closes(void **state)
{
    (void)state;
    static const uint8_t f[] = {0x03, 0xe7, 0, 0, 0, 0, 0, 1, 0, 0}; /* ApiKey 999 */
    assert_int_equal(dispatch(f, sizeof(f)), XDC_EUNSUPPORTED);
    assert_int_equal(out.buf.len, 0);
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_brk_dispatch_api_versions_v3_from_librdkafka),
        T(test_brk_dispatch_api_versions_v0),
        T(test_brk_dispatch_api_versions_unknown_version),
        T(test_brk_dispatch_truncated_body_rejected),
        T(test_brk_dispatch_unknown_api_closes),
    };
    return cmocka_run_group_tests_name("brk_dispatch", tests, NULL, NULL);
}
