/* The partition store: Kafka's segment layout, appends and reads, roll,
 * crash recovery, retention, DeleteRecords, ListOffsets by time, flush. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "broker/brk_store.h"
#include "broker/kwire_batch.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct tst {
    char root[64];
    char *dir; /* <root>/orders-3 */
    brk_store_conf_t conf;
    brk_store_t *st;
    char err[512];
    char warn[1024]; /* the last warning logged */
} tst_t;

static void test_sink(int level, const char *line, void *opaque)
{
    tst_t *t = opaque;
    if (level == LOG_WARN)
        snprintf(t->warn, sizeof(t->warn), "%s", line);
}

static int setup(void **state)
{
    tst_t *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    snprintf(t->root, sizeof(t->root), "/tmp/test_brk_store.XXXXXX");
    assert_non_null(mkdtemp(t->root));
    t->dir = xasprintf("%s/orders-3", t->root);
    brk_store_conf_defaults(&t->conf);
    log_set_sink(test_sink, t);
    log_setup(LOG_INFO, 0);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    tst_t *t = *state;
    brk_store_close(t->st);
    assert_int_equal(brk_store_destroy_dir(t->dir), 0);
    assert_int_equal(rmdir(t->root), 0);
    log_set_sink(NULL, NULL);
    free(t->dir);
    free(t);
    return 0;
}

static int test_open(tst_t *t, int64_t recovery_point, int64_t log_start, int64_t now_ms)
{
    brk_store_close(t->st);
    t->st = NULL;
    t->err[0] = '\0';
    return brk_store_open(t->dir, &t->conf, recovery_point, log_start, now_ms, &t->st, t->err,
                          sizeof(t->err));
}

/* Build a batch of @p n records of @p vlen-byte values, timestamps @p ts. */
static void test_batch(buf_t *b, int n, size_t vlen, int64_t ts)
{
    kwire_batch_msg_t msgs[16];
    char *val = malloc(vlen + 1);
    assert_non_null(val);
    memset(val, 'v', vlen);
    val[vlen] = '\0';
    assert_true(n <= 16);
    for (int i = 0; i < n; i++)
        msgs[i] = (kwire_batch_msg_t){kwire_cstr("k"), kwire_cstr(val), NULL, 0, ts};
    buf_reset(b);
    assert_int_equal(kwire_batch_build(b, NULL, msgs, n), 0);
    free(val);
}

/* Append a batch; @return its base offset. */
static int64_t test_append(tst_t *t, int n, size_t vlen, int64_t ts, int64_t now_ms)
{
    buf_t b = BUF_INIT;
    brk_store_append_info_t info;
    test_batch(&b, n, vlen, ts);
    assert_int_equal(brk_store_append(t->st, b.data, b.len, 5, now_ms, &info), 0);
    assert_int_equal(info.last_offset - info.base_offset, n - 1);
    buf_close(&b);
    return info.base_offset;
}

static char *test_seg_file(tst_t *t, int64_t base, const char *sfx)
{
    return xasprintf("%s/%020lld%s", t->dir, (long long)base, sfx);
}

static int64_t test_file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (int64_t)sb.st_size : -1;
}

static uint8_t *test_slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    struct stat sb;
    assert_int_equal(fstat(fd, &sb), 0);
    uint8_t *p = malloc((size_t)sb.st_size + 1);
    assert_non_null(p);
    assert_int_equal(pread(fd, p, (size_t)sb.st_size, 0), sb.st_size);
    close(fd);
    *len = (size_t)sb.st_size;
    return p;
}

static void test_write_at(const char *path, int64_t pos, const void *p, size_t n)
{
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, p, n, pos), (ssize_t)n);
    close(fd);
}

static uint64_t test_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Check that @p data holds valid batches with contiguous offsets from
 * @p first; @return the number of batches. */
static int test_check_batches(const uint8_t *data, size_t len, int64_t first, int32_t epoch)
{
    kwire_batch_iter_t it;
    kwire_slice_t b;
    kwire_batch_hdr_t h;
    int n = 0;
    kwire_batch_iter_init(&it, data, len);
    while (kwire_batch_iter_next(&it, &b, &h) == 1) {
        assert_int_equal(h.baseOffset, first);
        assert_int_equal(h.partitionLeaderEpoch, epoch);
        first += h.lastOffsetDelta + 1;
        n++;
    }
    assert_int_equal(it.pos, len);
    return n;
}

/* ---- append and read ----------------------------------------------------- */

static void test_brk_store_append_read_round_trip(void **state)
{
    tst_t *t = *state;
    buf_t b = BUF_INIT, out = BUF_INIT;
    brk_store_append_info_t info;

    assert_int_equal(test_open(t, 0, 0, 1000), 0);
    assert_int_equal(brk_store_log_end(t->st), 0);
    for (int i = 0; i < 3; i++) {
        test_batch(&b, 2, 10, 1000 + i);
        assert_int_equal(brk_store_append(t->st, b.data, b.len, 7, 1000, &info), 0);
        assert_int_equal(info.base_offset, 2 * i);
        assert_int_equal(info.last_offset, 2 * i + 1);
        assert_int_equal(info.max_timestamp, 1000 + i);
        assert_int_equal(info.log_append_time, -1);
        assert_int_equal(info.log_start_offset, 0);
    }
    assert_int_equal(brk_store_log_end(t->st), 6);
    assert_int_equal(brk_store_size_bytes(t->st), 3 * (int64_t)b.len);
    assert_int_equal(brk_store_read_copy(t->st, 0, 1 << 20, &out), 0);
    assert_int_equal(out.len, 3 * b.len);
    /* The offsets and epoch were rewritten outside the CRC: still valid. */
    assert_int_equal(test_check_batches(out.data, out.len, 0, 7), 3);

    char *log = test_seg_file(t, 0, ".log");
    assert_int_equal(test_file_size(log), 3 * (int64_t)b.len);
    free(log);
    buf_close(&b);
    buf_close(&out);
}

static void test_brk_store_append_rejects_bad_batches(void **state)
{
    tst_t *t = *state;
    buf_t b = BUF_INIT;

    t->conf.max_message_bytes = 200;
    assert_int_equal(test_open(t, 0, 0, 0), 0);
    test_batch(&b, 1, 300, 1);
    assert_int_equal(brk_store_append(t->st, b.data, b.len, 0, 0, NULL), XDC_ETOOBIG);
    test_batch(&b, 1, 10, 1);
    b.data[b.len - 1] ^= 0x40; /* inside the CRC */
    assert_int_equal(brk_store_append(t->st, b.data, b.len, 0, 0, NULL), XDC_ECORRUPT);
    assert_int_equal(brk_store_append(t->st, b.data, 30, 0, 0, NULL), XDC_ECORRUPT);
    assert_int_equal(brk_store_log_end(t->st), 0);
    assert_int_equal(brk_store_size_bytes(t->st), 0);
    buf_close(&b);
}

/* Produce verified the CRC already: the validated append skips it but
 * still checks the framing, magic and record count, and assigns offsets
 * as brk_store_append() does. */
static void test_brk_store_append_validated_checks_frame(void **state)
{
    tst_t *t = *state;
    buf_t b = BUF_INIT, got = BUF_INIT;
    brk_store_append_info_t info;

    t->conf.max_message_bytes = 200;
    assert_int_equal(test_open(t, 0, 0, 0), 0);
    test_batch(&b, 1, 300, 1);
    assert_int_equal(brk_store_append_validated(t->st, b.data, b.len, 0, 0, NULL), XDC_ETOOBIG);
    test_batch(&b, 2, 10, 7);
    assert_int_equal(brk_store_append_validated(t->st, b.data, b.len - 1, 0, 0, NULL),
                     XDC_ECORRUPT); /* batchLength says one byte more */
    assert_int_equal(brk_store_append_validated(t->st, b.data, 30, 0, 0, NULL), XDC_ECORRUPT);
    b.data[16] = 1; /* magic */
    assert_int_equal(brk_store_append_validated(t->st, b.data, b.len, 0, 0, NULL), XDC_EMALFORMED);
    b.data[16] = 2;
    b.data[26] = 5; /* lastOffsetDelta 5 with recordsCount 2 */
    assert_int_equal(brk_store_append_validated(t->st, b.data, b.len, 0, 0, NULL), XDC_EMALFORMED);
    b.data[26] = 1;
    assert_int_equal(brk_store_log_end(t->st), 0);
    assert_int_equal(brk_store_size_bytes(t->st), 0);

    assert_int_equal(brk_store_append_validated(t->st, b.data, b.len, 5, 0, &info), 0);
    assert_int_equal(info.base_offset, 0);
    assert_int_equal(info.last_offset, 1);
    assert_int_equal(info.max_timestamp, 7);
    assert_int_equal(brk_store_read_copy(t->st, 0, 1 << 20, &got), 0);
    assert_int_equal(test_check_batches(got.data, got.len, 0, 5), 1);
    buf_close(&got);
    buf_close(&b);
}

static void test_brk_store_read_from_middle_via_index(void **state)
{
    tst_t *t = *state;
    buf_t out = BUF_INIT;
    brk_store_read_t r;

    t->conf.index_interval_bytes = 200;
    assert_int_equal(test_open(t, 0, 0, 0), 0);
    for (int i = 0; i < 50; i++)
        assert_int_equal(test_append(t, 3, 40, 100 + i, 0), 3 * i);
    /* Offset 100 lies inside the batch 99..101, past several index entries. */
    assert_int_equal(brk_store_read(t->st, 100, 1, &r), 0);
    assert_non_null(r.seg);
    assert_true(r.fd >= 0);
    uint8_t hdr[KWIRE_BATCH_HDR_SIZE];
    assert_int_equal(pread(r.fd, hdr, sizeof(hdr), r.pos), sizeof(hdr));
    assert_int_equal(test_be(hdr, 8), 99);
    assert_int_equal(r.len, (int32_t)test_be(hdr + 8, 4) + 12);
    brk_store_seg_release(r.seg);

    assert_int_equal(brk_store_read_copy(t->st, 149, 1 << 20, &out), 0);
    assert_int_equal(test_check_batches(out.data, out.len, 147, 5), 1);
    buf_reset(&out);
    assert_int_equal(brk_store_read_copy(t->st, 30, 1 << 20, &out), 0);
    assert_int_equal(test_check_batches(out.data, out.len, 30, 5), 40);
    buf_close(&out);
}

/* KIP-74: the first batch comes back whole even when over max_bytes, and
 * further batches only while they fit. */
static void test_brk_store_read_first_batch_over_max_bytes(void **state)
{
    tst_t *t = *state;
    buf_t out = BUF_INIT, b = BUF_INIT;

    assert_int_equal(test_open(t, 0, 0, 0), 0);
    test_batch(&b, 2, 500, 1);
    size_t blen = b.len;
    for (int i = 0; i < 3; i++)
        test_append(t, 2, 500, 1, 0);
    assert_int_equal(brk_store_read_copy(t->st, 0, 10, &out), 0);
    assert_int_equal(out.len, blen);
    buf_reset(&out);
    assert_int_equal(brk_store_read_copy(t->st, 2, (int32_t)(blen * 3 / 2), &out), 0);
    assert_int_equal(out.len, blen);
    buf_reset(&out);
    assert_int_equal(brk_store_read_copy(t->st, 0, (int32_t)(blen * 2), &out), 0);
    assert_int_equal(out.len, 2 * blen);
    buf_close(&out);
    buf_close(&b);
}

static void test_brk_store_read_out_of_range(void **state)
{
    tst_t *t = *state;
    brk_store_read_t r;

    assert_int_equal(test_open(t, 0, 0, 0), 0);
    test_append(t, 2, 10, 1, 0);
    assert_int_equal(brk_store_read(t->st, 3, 100, &r), XDC_ENOTFOUND);
    assert_int_equal(brk_store_read(t->st, -1, 100, &r), XDC_ENOTFOUND);
    assert_int_equal(brk_store_read(t->st, 2, 100, &r), 0);
    assert_null(r.seg);
    assert_int_equal(r.len, 0);
    brk_store_seg_release(r.seg);
    assert_int_equal(brk_store_delete_records(t->st, 1), 0);
    assert_int_equal(brk_store_read(t->st, 0, 100, &r), XDC_ENOTFOUND);
    /* Offset 1 is inside the first batch: the whole batch comes back. */
    assert_int_equal(brk_store_read(t->st, 1, 100, &r), 0);
    assert_int_equal(r.pos, 0);
    brk_store_seg_release(r.seg);
}

/* ---- segments ------------------------------------------------------------ */

static void test_brk_store_rolls_by_bytes_with_kafka_files(void **state)
{
    tst_t *t = *state;
    buf_t b = BUF_INIT;
    brk_store_stats_t stats;

    test_batch(&b, 2, 100, 0);
    t->conf.segment_bytes = (int64_t)b.len * 4; /* four batches per segment */
    t->conf.index_interval_bytes = (int64_t)b.len;
    assert_int_equal(test_open(t, 0, 0, 0), 0);
    for (int i = 0; i < 10; i++)
        test_append(t, 2, 100, 1000 + 10 * i, 0);
    brk_store_stats(t->st, &stats);
    assert_int_equal(stats.segments, 3);
    assert_int_equal(stats.rolls, 2);

    char *log = test_seg_file(t, 8, ".log");
    assert_int_equal(test_file_size(log), 4 * (int64_t)b.len);
    free(log);
    log = test_seg_file(t, 16, ".log");
    assert_int_equal(test_file_size(log), 2 * (int64_t)b.len);
    free(log);

    /* Offset index: an entry once more than index.interval.bytes went by
     * without one, pointing at the batch, keyed by its last offset. */
    size_t n;
    char *path = test_seg_file(t, 8, ".index");
    uint8_t *idx = test_slurp(path, &n);
    assert_int_equal(n, 8);
    assert_int_equal(test_be(idx, 4), 5);                      /* offset 13 - 8 */
    assert_int_equal(test_be(idx + 4, 4), 2 * (int64_t)b.len); /* its batch's position */
    free(idx);
    free(path);
    /* Time index: the max timestamp so far at each entry, then the
     * segment's largest timestamp when it was rolled. */
    path = test_seg_file(t, 8, ".timeindex");
    idx = test_slurp(path, &n);
    assert_int_equal(n, 24);
    assert_int_equal(test_be(idx, 8), 1060);
    assert_int_equal(test_be(idx + 8, 4), 5); /* offset 13, batch 12..13 */
    assert_int_equal(test_be(idx + 12, 8), 1070);
    assert_int_equal(test_be(idx + 20, 4), 7);
    free(idx);
    free(path);
    buf_close(&b);
}

/* A batch larger than segment.bytes goes alone into a fresh segment. */
static void test_brk_store_oversized_batch_gets_own_segment(void **state)
{
    tst_t *t = *state;
    brk_store_stats_t stats;

    t->conf.segment_bytes = 300;
    assert_int_equal(test_open(t, 0, 0, 0), 0);
    test_append(t, 1, 10, 1, 0);
    test_append(t, 1, 1000, 1, 0);
    test_append(t, 1, 10, 1, 0);
    brk_store_stats(t->st, &stats);
    assert_int_equal(stats.segments, 3);
    char *log = test_seg_file(t, 1, ".log");
    assert_true(test_file_size(log) > 1000);
    free(log);
}

static void test_brk_store_rolls_by_time(void **state)
{
    tst_t *t = *state;
    brk_store_stats_t stats;

    t->conf.segment_ms = 1000;
    assert_int_equal(test_open(t, 0, 0, 0), 0);
    test_append(t, 1, 10, 1, 5000);
    test_append(t, 1, 10, 1, 5999);
    brk_store_stats(t->st, &stats);
    assert_int_equal(stats.segments, 1);
    test_append(t, 1, 10, 1, 6000);
    test_append(t, 1, 10, 1, 6500);
    brk_store_stats(t->st, &stats);
    assert_int_equal(stats.segments, 2);
    char *log = test_seg_file(t, 2, ".log");
    assert_true(test_file_size(log) > 0);
    free(log);
    /* The roll flushed the sealed segment. */
    assert_int_equal(brk_store_recovery_point(t->st), 2);
}

static void test_brk_store_rolls_when_index_full(void **state)
{
    tst_t *t = *state;
    brk_store_stats_t stats;

    t->conf.index_interval_bytes = 0;
    t->conf.segment_index_bytes = 24; /* three offset entries, two time entries */
    assert_int_equal(test_open(t, 0, 0, 0), 0);
    for (int i = 0; i < 8; i++)
        test_append(t, 1, 10, i, 0);
    brk_store_stats(t->st, &stats);
    assert_true(stats.segments >= 2);
    assert_int_equal(brk_store_log_end(t->st), 8);
}

static void test_brk_store_reopen_keeps_log_end(void **state)
{
    tst_t *t = *state;
    buf_t before = BUF_INIT, after = BUF_INIT;

    t->conf.segment_bytes = 500;
    t->conf.index_interval_bytes = 100;
    assert_int_equal(test_open(t, 0, 0, 0), 0);
    for (int i = 0; i < 20; i++)
        test_append(t, 2, 30, 100 + i, 0);
    assert_int_equal(brk_store_read_copy(t->st, 17, 1 << 20, &before), 0);
    int64_t rp = brk_store_recovery_point(t->st);
    brk_store_close(t->st);
    t->st = NULL;
    /* close flushed everything; reopen rescans only the last segment. */
    assert_int_equal(test_open(t, rp, 0, 0), 0);
    assert_int_equal(brk_store_log_end(t->st), 40);
    assert_int_equal(brk_store_recovery_point(t->st), 40);
    assert_int_equal(brk_store_read_copy(t->st, 17, 1 << 20, &after), 0);
    assert_int_equal(after.len, before.len);
    assert_memory_equal(after.data, before.data, before.len);
    assert_int_equal(test_append(t, 1, 10, 1, 0), 40);
    int64_t off;
    assert_int_equal(brk_store_offset_for_time(t->st, 110, &off), 0);
    assert_int_equal(off, 20);
    buf_close(&before);
    buf_close(&after);
}

/* ---- crash recovery ------------------------------------------------------ */

static void test_brk_store_recovery_truncates_torn_tail(void **state)
{
    tst_t *t = *state;
    buf_t b = BUF_INIT;
    brk_store_stats_t stats;

    assert_int_equal(test_open(t, 0, 0, 0), 0);
    for (int i = 0; i < 3; i++)
        test_append(t, 2, 50, 1, 0);
    brk_store_close(t->st);
    t->st = NULL;
    char *log = test_seg_file(t, 0, ".log");
    int64_t good = test_file_size(log);
    test_batch(&b, 2, 50, 1);
    test_write_at(log, good, b.data, b.len / 2); /* an append cut short */

    assert_int_equal(test_open(t, 0, 0, 0), 0);
    assert_int_equal(brk_store_log_end(t->st), 6);
    assert_int_equal(test_file_size(log), good);
    brk_store_stats(t->st, &stats);
    assert_int_equal(stats.truncated, (int64_t)(b.len / 2));
    assert_non_null(strstr(t->warn, log));
    char pos[64];
    snprintf(pos, sizeof(pos), "byte %lld", (long long)good);
    assert_non_null(strstr(t->warn, pos));
    assert_non_null(strstr(t->warn, "offset 6"));
    assert_int_equal(test_append(t, 1, 10, 1, 0), 6);
    free(log);
    buf_close(&b);
}

static void test_brk_store_recovery_truncates_garbage_tail(void **state)
{
    tst_t *t = *state;
    uint8_t zeros[100] = {0};

    assert_int_equal(test_open(t, 0, 0, 0), 0);
    for (int i = 0; i < 3; i++)
        test_append(t, 2, 50, 1, 0);
    brk_store_close(t->st);
    t->st = NULL;
    char *log = test_seg_file(t, 0, ".log");
    int64_t good = test_file_size(log);
    test_write_at(log, good, zeros, sizeof(zeros)); /* a zero-filled tail */
    test_write_at(log, good + 100, "garbage!garbage!", 16);

    assert_int_equal(test_open(t, 0, 0, 0), 0);
    assert_int_equal(brk_store_log_end(t->st), 6);
    assert_int_equal(test_file_size(log), good);
    free(log);
}

static void test_brk_store_recovery_rejects_corrupt_middle(void **state)
{
    tst_t *t = *state;
    buf_t b = BUF_INIT;

    assert_int_equal(test_open(t, 0, 0, 0), 0);
    test_batch(&b, 2, 50, 1);
    for (int i = 0; i < 3; i++)
        test_append(t, 2, 50, 1, 0);
    brk_store_close(t->st);
    t->st = NULL;
    char *log = test_seg_file(t, 0, ".log");
    int64_t size = test_file_size(log);
    uint8_t c = 0x5a;
    test_write_at(log, (int64_t)b.len + 70, &c, 1); /* a record byte of batch 2..3 */

    assert_int_equal(test_open(t, 0, 0, 0), XDC_ECORRUPT);
    assert_null(t->st);
    assert_non_null(strstr(t->err, log));
    char pos[64];
    snprintf(pos, sizeof(pos), "bad CRC at byte %zu (offset 2)", b.len);
    assert_non_null(strstr(t->err, pos));
    assert_int_equal(test_file_size(log), size); /* nothing was cut */

    /* A damaged batchLength hides where the next batch starts: the valid
     * batch after it is still found. */
    uint8_t len[4] = {0, 0, 0, 10};
    test_write_at(log, (int64_t)b.len + 8, len, 4);
    assert_int_equal(test_open(t, 0, 0, 0), XDC_ECORRUPT);
    assert_non_null(strstr(t->err, "valid batches follow"));
    free(log);
    buf_close(&b);
}

static void test_brk_store_recovery_rejects_corrupt_older_segment(void **state)
{
    tst_t *t = *state;
    buf_t b = BUF_INIT;

    test_batch(&b, 2, 50, 1);
    t->conf.segment_bytes = (int64_t)b.len * 2;
    assert_int_equal(test_open(t, 0, 0, 0), 0);
    for (int i = 0; i < 5; i++)
        test_append(t, 2, 50, 1, 0);
    int64_t end = brk_store_log_end(t->st);
    brk_store_close(t->st);
    t->st = NULL;
    /* The last batch of the first segment: a tail, but not the log's. */
    char *log = test_seg_file(t, 0, ".log");
    uint8_t c = 0xff;
    test_write_at(log, (int64_t)b.len + 80, &c, 1);

    assert_int_equal(test_open(t, 0, 0, 0), XDC_ECORRUPT);
    assert_non_null(strstr(t->err, log));
    assert_non_null(strstr(t->err, "byte"));
    /* With the recovery point past it the segment is not rescanned. */
    assert_int_equal(test_open(t, end, 0, 0), 0);
    assert_int_equal(brk_store_log_end(t->st), end);
    free(log);
    buf_close(&b);
}

static void test_brk_store_recovery_rejects_offset_gap(void **state)
{
    tst_t *t = *state;
    buf_t b = BUF_INIT;
    kwire_batch_opts_t opts = KWIRE_BATCH_OPTS_INIT;
    kwire_batch_msg_t msg = {kwire_cstr("k"), kwire_cstr("v"), NULL, 0, 1};

    assert_int_equal(test_open(t, 0, 0, 0), 0);
    test_append(t, 2, 10, 1, 0);
    brk_store_close(t->st);
    t->st = NULL;
    char *log = test_seg_file(t, 0, ".log");
    opts.baseOffset = 100;
    assert_int_equal(kwire_batch_build(&b, &opts, &msg, 1), 0);
    test_write_at(log, test_file_size(log), b.data, b.len);
    assert_int_equal(test_open(t, 0, 0, 0), XDC_ECORRUPT);
    assert_non_null(strstr(t->err, "gap or overlap"));
    free(log);
    buf_close(&b);
}

static void test_brk_store_recovery_rebuilds_indexes(void **state)
{
    tst_t *t = *state;
    buf_t b = BUF_INIT;

    t->conf.index_interval_bytes = 100;
    assert_int_equal(test_open(t, 0, 0, 0), 0);
    for (int i = 0; i < 10; i++)
        test_append(t, 2, 50, 10 * i, 0);
    brk_store_close(t->st);
    t->st = NULL;
    size_t n1, n2;
    char *idx = test_seg_file(t, 0, ".index");
    uint8_t *want = test_slurp(idx, &n1);
    assert_true(n1 > 0);
    assert_int_equal(truncate(idx, 0), 0);
    assert_int_equal(test_open(t, 0, 0, 0), 0);
    uint8_t *got = test_slurp(idx, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(want, got, n1);
    free(want);
    free(got);
    free(idx);
    buf_close(&b);
}

/* Index entries of the active segment are kept in memory and written to
 * the index files by a flush (and by roll and close), not by each append. */
static void test_brk_store_flush_writes_indexes(void **state)
{
    tst_t *t = *state;
    size_t n1, n2, nt;

    t->conf.index_interval_bytes = 100;
    assert_int_equal(test_open(t, 0, 0, 0), 0);
    for (int i = 0; i < 10; i++)
        test_append(t, 2, 50, 10 * i, 0);
    assert_int_equal(brk_store_flush(t->st), 0);
    char *idx = test_seg_file(t, 0, ".index"), *tidx = test_seg_file(t, 0, ".timeindex");
    uint8_t *p = test_slurp(idx, &n1);
    assert_true(n1 >= 8 && n1 % 8 == 0);
    free(p);
    p = test_slurp(tidx, &nt);
    assert_true(nt >= 12 && nt % 12 == 0);
    free(p);
    for (int i = 10; i < 20; i++)
        test_append(t, 2, 50, 10 * i, 0);
    brk_store_close(t->st);
    t->st = NULL;
    p = test_slurp(idx, &n2);
    assert_true(n2 > n1);
    free(p);
    /* What was written is what recovery rebuilds. */
    uint8_t *want = test_slurp(idx, &n1);
    assert_int_equal(truncate(idx, 0), 0);
    assert_int_equal(test_open(t, 0, 0, 0), 0);
    brk_store_close(t->st);
    t->st = NULL;
    uint8_t *rebuilt = test_slurp(idx, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(want, rebuilt, n1);
    free(want);
    free(rebuilt);
    free(idx);
    free(tidx);
}

static void test_brk_store_open_removes_leftovers(void **state)
{
    tst_t *t = *state;

    assert_int_equal(test_open(t, 0, 0, 0), 0);
    test_append(t, 1, 10, 1, 0);
    brk_store_close(t->st);
    t->st = NULL;
    const char *names[] = {"00000000000000000500.index", "00000000000000000500.timeindex",
                           "00000000000000000000.log.deleted", "00000000000000000007.log.cleaned",
                           "00000000000000000000.index.swap"};
    for (size_t i = 0; i < XDC_ARRAY_SIZE(names); i++) {
        char *p = xasprintf("%s/%s", t->dir, names[i]);
        int fd = open(p, O_CREAT | O_WRONLY, 0644);
        assert_true(fd >= 0);
        close(fd);
        free(p);
    }
    assert_int_equal(test_open(t, 0, 0, 0), 0);
    for (size_t i = 0; i < XDC_ARRAY_SIZE(names); i++) {
        char *p = xasprintf("%s/%s", t->dir, names[i]);
        assert_int_equal(test_file_size(p), -1);
        free(p);
    }
    assert_int_equal(brk_store_log_end(t->st), 1);
}

/* Kafka's cleaner renames X.log.swap to X.log last: finish that. */
static void test_brk_store_open_completes_log_swap(void **state)
{
    tst_t *t = *state;

    assert_int_equal(test_open(t, 0, 0, 0), 0);
    test_append(t, 2, 10, 1, 0);
    brk_store_close(t->st);
    t->st = NULL;
    char *log = test_seg_file(t, 0, ".log"), *swap = xasprintf("%s.swap", log);
    assert_int_equal(rename(log, swap), 0);
    assert_int_equal(test_open(t, 0, 0, 0), 0);
    assert_int_equal(test_file_size(swap), -1);
    assert_true(test_file_size(log) > 0);
    assert_int_equal(brk_store_log_end(t->st), 2);
    free(log);
    free(swap);
}

static void test_brk_store_log_start_past_end_starts_over(void **state)
{
    tst_t *t = *state;

    assert_int_equal(test_open(t, 0, 0, 0), 0);
    test_append(t, 3, 10, 1, 0);
    assert_int_equal(test_open(t, 3, 50, 0), 0);
    assert_int_equal(brk_store_log_start(t->st), 50);
    assert_int_equal(brk_store_log_end(t->st), 50);
    char *log = test_seg_file(t, 0, ".log");
    assert_int_equal(test_file_size(log), -1);
    free(log);
    assert_int_equal(test_append(t, 1, 10, 1, 0), 50);
    /* A log start inside the log moves the start only. */
    assert_int_equal(test_open(t, 51, 50, 0), 0);
    assert_int_equal(brk_store_log_start(t->st), 50);
    assert_int_equal(brk_store_log_end(t->st), 51);
}

/* ---- retention and DeleteRecords ----------------------------------------- */

static void test_brk_store_retention_by_time(void **state)
{
    tst_t *t = *state;
    int deleted;
    brk_store_read_t r;

    t->conf.segment_ms = 100;
    t->conf.retention_ms = 1000;
    assert_int_equal(test_open(t, 0, 0, 0), 0);
    for (int i = 0; i < 4; i++) /* one segment per append: timestamps 1000..4000 */
        test_append(t, 2, 10, 1000 * (i + 1), 200 * i);
    assert_int_equal(brk_store_read(t->st, 0, 100, &r), 0); /* a fetch in flight */
    assert_int_equal(brk_store_enforce_retention(t->st, 2000, &deleted), 0);
    assert_int_equal(deleted, 0);
    assert_int_equal(brk_store_enforce_retention(t->st, 3500, &deleted), 0);
    assert_int_equal(deleted, 2);
    assert_int_equal(brk_store_log_start(t->st), 4);
    char *log = test_seg_file(t, 0, ".log");
    assert_int_equal(test_file_size(log), -1);
    char *del = xasprintf("%s.deleted", log);
    assert_int_equal(test_file_size(del), -1);
    /* The reader still has its bytes. */
    uint8_t hdr[8];
    assert_int_equal(pread(r.fd, hdr, sizeof(hdr), r.pos), 8);
    assert_int_equal(test_be(hdr, 8), 0);
    brk_store_seg_release(r.seg);
    /* The active segment stays, however old. */
    assert_int_equal(brk_store_enforce_retention(t->st, 100000, &deleted), 0);
    assert_int_equal(deleted, 1);
    assert_int_equal(brk_store_log_start(t->st), 6);
    assert_int_equal(brk_store_log_end(t->st), 8);
    free(log);
    free(del);
}

static void test_brk_store_retention_by_size(void **state)
{
    tst_t *t = *state;
    buf_t b = BUF_INIT;
    int deleted;

    test_batch(&b, 1, 100, 1);
    t->conf.segment_bytes = (int64_t)b.len * 2;
    t->conf.retention_bytes = (int64_t)b.len * 5;
    assert_int_equal(test_open(t, 0, 0, 0), 0);
    for (int i = 0; i < 9; i++) /* segments of 2,2,2,2,1 batches */
        test_append(t, 1, 100, 1, 0);
    assert_int_equal(brk_store_enforce_retention(t->st, 0, &deleted), 0);
    assert_int_equal(deleted, 2);
    assert_int_equal(brk_store_size_bytes(t->st), 5 * (int64_t)b.len);
    assert_int_equal(brk_store_log_start(t->st), 4);
    buf_close(&b);
}

static void test_brk_store_delete_records(void **state)
{
    tst_t *t = *state;
    buf_t b = BUF_INIT, out = BUF_INIT;
    brk_store_stats_t stats;

    test_batch(&b, 2, 10, 1);
    t->conf.segment_bytes = (int64_t)b.len * 2;
    assert_int_equal(test_open(t, 0, 0, 0), 0);
    for (int i = 0; i < 5; i++) /* segments 0 (0..3), 4 (4..7), 8 (8..9) */
        test_append(t, 2, 10, 1, 0);
    assert_int_equal(brk_store_delete_records(t->st, 11), XDC_ENOTFOUND);
    assert_int_equal(brk_store_delete_records(t->st, 5), 0);
    assert_int_equal(brk_store_log_start(t->st), 5);
    brk_store_stats(t->st, &stats);
    assert_int_equal(stats.segments, 2);
    assert_int_equal(brk_store_delete_records(t->st, 3), 0); /* never backwards */
    assert_int_equal(brk_store_log_start(t->st), 5);
    assert_int_equal(brk_store_read_copy(t->st, 5, 1 << 20, &out), 0);
    assert_int_equal(test_check_batches(out.data, out.len, 4, 5), 2);
    assert_int_equal(brk_store_delete_records(t->st, 10), 0);
    assert_int_equal(brk_store_log_start(t->st), 10);
    brk_store_stats(t->st, &stats);
    assert_int_equal(stats.segments, 1);
    buf_close(&b);
    buf_close(&out);
}

/* ---- offsets for time, flush ---------------------------------------------- */

static void test_brk_store_offset_for_time(void **state)
{
    tst_t *t = *state;
    int64_t off;

    t->conf.segment_bytes = 400;
    t->conf.index_interval_bytes = 100;
    assert_int_equal(test_open(t, 0, 0, 0), 0);
    for (int i = 0; i < 20; i++)
        test_append(t, 2, 20, 100 * (i + 1), 0);
    assert_int_equal(brk_store_offset_for_time(t->st, 50, &off), 0);
    assert_int_equal(off, 0);
    assert_int_equal(brk_store_offset_for_time(t->st, 1000, &off), 0);
    assert_int_equal(off, 18);
    assert_int_equal(brk_store_offset_for_time(t->st, 1050, &off), 0);
    assert_int_equal(off, 20);
    assert_int_equal(brk_store_offset_for_time(t->st, 2000, &off), 0);
    assert_int_equal(off, 38);
    assert_int_equal(brk_store_offset_for_time(t->st, 2001, &off), 0);
    assert_int_equal(off, -1);
    assert_int_equal(brk_store_delete_records(t->st, 21), 0);
    assert_int_equal(brk_store_offset_for_time(t->st, 50, &off), 0);
    assert_int_equal(off, 21);
}

static void test_brk_store_flush_by_messages(void **state)
{
    tst_t *t = *state;
    brk_store_stats_t s0, s1;

    t->conf.flush_messages = 4;
    assert_int_equal(test_open(t, 0, 0, 0), 0);
    brk_store_stats(t->st, &s0);
    test_append(t, 2, 10, 1, 0);
    assert_int_equal(brk_store_recovery_point(t->st), 0);
    test_append(t, 2, 10, 1, 0);
    assert_int_equal(brk_store_recovery_point(t->st), 4);
    test_append(t, 3, 10, 1, 0);
    assert_int_equal(brk_store_recovery_point(t->st), 4);
    test_append(t, 1, 10, 1, 0);
    assert_int_equal(brk_store_recovery_point(t->st), 8);
    brk_store_stats(t->st, &s1);
    assert_int_equal(s1.flushes - s0.flushes, 2);
}

static void test_brk_store_flush_by_time(void **state)
{
    tst_t *t = *state;

    t->conf.flush_ms = 1000;
    assert_int_equal(test_open(t, 0, 0, 10000), 0);
    test_append(t, 2, 10, 1, 10100);
    assert_int_equal(brk_store_maybe_flush(t->st, 10999), 0);
    assert_int_equal(brk_store_recovery_point(t->st), 0);
    assert_int_equal(brk_store_maybe_flush(t->st, 11000), 0);
    assert_int_equal(brk_store_recovery_point(t->st), 2);
    test_append(t, 1, 10, 1, 11100);
    assert_int_equal(brk_store_flush(t->st), 0);
    assert_int_equal(brk_store_recovery_point(t->st), 3);
}

/* A write that fails part-way (here EFBIG from RLIMIT_FSIZE, as ENOSPC
 * would) leaves no partial batch behind. */
static void test_brk_store_failed_write_truncates_back(void **state)
{
    tst_t *t = *state;
    buf_t b = BUF_INIT;
    struct rlimit old, lim;

    assert_int_equal(test_open(t, 0, 0, 0), 0);
    test_append(t, 2, 1000, 1, 0);
    char *log = test_seg_file(t, 0, ".log");
    int64_t size = test_file_size(log);
    test_batch(&b, 2, 1000, 1);

    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = (rlim_t)(size + 100);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int rc = brk_store_append(t->st, b.data, b.len, 0, 0, NULL);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);

    assert_int_equal(rc, -EFBIG);
    assert_int_equal(test_file_size(log), size);
    assert_int_equal(brk_store_log_end(t->st), 2);
    assert_int_equal(test_append(t, 1, 10, 1, 0), 2);
    buf_reset(&b);
    assert_int_equal(brk_store_read_copy(t->st, 0, 1 << 20, &b), 0);
    assert_int_equal(test_check_batches(b.data, b.len, 0, 5), 2);
    free(log);
    buf_close(&b);
}

static void test_brk_store_destroy_dir(void **state)
{
    tst_t *t = *state;

    assert_int_equal(test_open(t, 0, 0, 0), 0);
    test_append(t, 1, 10, 1, 0);
    brk_store_close(t->st);
    t->st = NULL;
    assert_int_equal(brk_store_destroy_dir(t->dir), 0);
    struct stat sb;
    assert_int_equal(stat(t->dir, &sb), -1);
    assert_int_equal(brk_store_destroy_dir(t->dir), 0);
    assert_int_equal(test_open(t, 0, 0, 0), 0); /* teardown removes it again */
}

static void test_brk_store_rejects_bad_conf(void **state)
{
    tst_t *t = *state;

    t->conf.segment_bytes = 10;
    assert_int_equal(test_open(t, 0, 0, 0), XDC_ECONF);
    assert_non_null(strstr(t->err, "segment.bytes"));
    t->conf.segment_bytes = 1000;
    assert_int_equal(test_open(t, 0, 0, 0), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        T(test_brk_store_append_read_round_trip),
        T(test_brk_store_append_rejects_bad_batches),
        T(test_brk_store_append_validated_checks_frame),
        T(test_brk_store_read_from_middle_via_index),
        T(test_brk_store_read_first_batch_over_max_bytes),
        T(test_brk_store_read_out_of_range),
        T(test_brk_store_rolls_by_bytes_with_kafka_files),
        T(test_brk_store_oversized_batch_gets_own_segment),
        T(test_brk_store_rolls_by_time),
        T(test_brk_store_rolls_when_index_full),
        T(test_brk_store_reopen_keeps_log_end),
        T(test_brk_store_recovery_truncates_torn_tail),
        T(test_brk_store_recovery_truncates_garbage_tail),
        T(test_brk_store_recovery_rejects_corrupt_middle),
        T(test_brk_store_recovery_rejects_corrupt_older_segment),
        T(test_brk_store_recovery_rejects_offset_gap),
        T(test_brk_store_recovery_rebuilds_indexes),
        T(test_brk_store_flush_writes_indexes),
        T(test_brk_store_open_removes_leftovers),
        T(test_brk_store_open_completes_log_swap),
        T(test_brk_store_log_start_past_end_starts_over),
        T(test_brk_store_retention_by_time),
        T(test_brk_store_retention_by_size),
        T(test_brk_store_delete_records),
        T(test_brk_store_offset_for_time),
        T(test_brk_store_flush_by_messages),
        T(test_brk_store_flush_by_time),
        T(test_brk_store_failed_write_truncates_back),
        T(test_brk_store_destroy_dir),
        T(test_brk_store_rejects_bad_conf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
