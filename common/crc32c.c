#include "common/crc32c.h"

#include <pthread.h>
#include <string.h>

#define CRC32C_POLY 0x82F63B78u

/* Slicing-by-8 tables: crc32c_table[0] is the classic byte table and
 * crc32c_table[k][b] is the CRC of byte b followed by k zero bytes, so
 * eight input bytes fold in with eight lookups. */
static uint32_t crc32c_table[8][256];
static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;

static void crc32c_init_tables(void)
{
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t c = b;
        for (int i = 0; i < 8; i++)
            c = (c >> 1) ^ (CRC32C_POLY & (0u - (c & 1)));
        crc32c_table[0][b] = c;
    }
    for (int k = 1; k < 8; k++)
        for (int b = 0; b < 256; b++) {
            uint32_t c = crc32c_table[k - 1][b];
            crc32c_table[k][b] = (c >> 8) ^ crc32c_table[0][c & 0xff];
        }
}

/* Little-endian load: the slicing step below folds bytes in memory order. */
static uint64_t crc32c_load64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

uint32_t crc32c_sw(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    const uint32_t(*t)[256] = (const uint32_t(*)[256])crc32c_table;

    pthread_once(&crc32c_once, crc32c_init_tables);
    crc = ~crc;
    for (; len >= 8; len -= 8, p += 8) {
        uint64_t v = crc32c_load64(p) ^ crc;
        crc = t[7][v & 0xff] ^ t[6][(v >> 8) & 0xff] ^ t[5][(v >> 16) & 0xff] ^
              t[4][(v >> 24) & 0xff] ^ t[3][(v >> 32) & 0xff] ^ t[2][(v >> 40) & 0xff] ^
              t[1][(v >> 48) & 0xff] ^ t[0][v >> 56];
    }
    while (len--)
        crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
    return ~crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* The SSE4.2 crc32 instruction computes exactly CRC-32C, 8 bytes at a time,
 * but one instruction must wait for the previous one (3 cycles latency, 1
 * per cycle throughput). So a buffer is cut into three equal streams whose
 * CRCs run interleaved, and combined at the end, as Linux's crc32c-intel and
 * Mark Adler's crc32c.c do:
 *   crc(A B) = shift_|B|(crc(A)) ^ crc_from_zero(B)
 * where shift_n is the (linear) effect of n zero bytes on the CRC register.
 * shift_n is a 32x32 bit matrix, applied as four 256-entry tables, one per
 * byte of the register. Two block sizes: long for large batches, short for
 * the rest; under three short blocks one chain runs as before. memcpy keeps
 * the 8-byte loads free of alignment assumptions. */
#define CRC32C_LONG  8192 /* bytes per stream: blocks of 24 KiB */
#define CRC32C_SHORT 256  /* blocks of 768 bytes */

static uint32_t crc32c_shift_long[4][256];
static uint32_t crc32c_shift_short[4][256];
static pthread_once_t crc32c_hw_once = PTHREAD_ONCE_INIT;

__attribute__((target("sse4.2"))) static uint32_t crc32c_hw_zeros(uint32_t c, size_t n)
{
    uint64_t c64 = c;
    for (; n >= 8; n -= 8)
        c64 = __builtin_ia32_crc32di(c64, 0);
    return (uint32_t)c64;
}

/* shift[k][b]: the register after @p n zero bytes, from register b << 8k.
 * The map is linear, so the tables are its images of the 1024 byte values,
 * computed with the instruction itself (n is a multiple of 8). */
static void crc32c_shift_init(uint32_t shift[4][256], size_t n)
{
    for (int k = 0; k < 4; k++)
        for (uint32_t b = 0; b < 256; b++)
            shift[k][b] = crc32c_hw_zeros(b << (8 * k), n);
}

static void crc32c_hw_init(void)
{
    crc32c_shift_init(crc32c_shift_long, CRC32C_LONG);
    crc32c_shift_init(crc32c_shift_short, CRC32C_SHORT);
}

static uint32_t crc32c_shift(const uint32_t shift[4][256], uint32_t c)
{
    return shift[0][c & 0xff] ^ shift[1][(c >> 8) & 0xff] ^ shift[2][(c >> 16) & 0xff] ^
           shift[3][c >> 24];
}

static uint64_t crc32c_load(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Three interleaved chains over blocks of 3 * @p n bytes while they last;
 * @p c is the raw register (not inverted). */
__attribute__((target("sse4.2"))) static uint64_t crc32c_hw_blocks(uint64_t c, const uint8_t **pp,
                                                                   size_t *lenp, size_t n,
                                                                   const uint32_t shift[4][256])
{
    const uint8_t *p = *pp;
    size_t len = *lenp;
    for (; len >= 3 * n; len -= 3 * n, p += 3 * n) {
        uint64_t c1 = 0, c2 = 0;
        for (size_t i = 0; i < n; i += 8) {
            c = __builtin_ia32_crc32di(c, crc32c_load(p + i));
            c1 = __builtin_ia32_crc32di(c1, crc32c_load(p + n + i));
            c2 = __builtin_ia32_crc32di(c2, crc32c_load(p + 2 * n + i));
        }
        c = crc32c_shift(shift, (uint32_t)c) ^ (uint32_t)c1;
        c = crc32c_shift(shift, (uint32_t)c) ^ (uint32_t)c2;
    }
    *pp = p;
    *lenp = len;
    return c;
}

__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t crc, const void *data,
                                                            size_t len)
{
    const uint8_t *p = data;
    uint64_t c = ~crc;

    if (len >= 3 * CRC32C_SHORT) {
        pthread_once(&crc32c_hw_once, crc32c_hw_init);
        c = crc32c_hw_blocks(c, &p, &len, CRC32C_LONG, crc32c_shift_long);
        c = crc32c_hw_blocks(c, &p, &len, CRC32C_SHORT, crc32c_shift_short);
    }
    for (; len >= 8; len -= 8, p += 8)
        c = __builtin_ia32_crc32di(c, crc32c_load(p));
    uint32_t c32 = (uint32_t)c;
    while (len--)
        c32 = __builtin_ia32_crc32qi(c32, *p++);
    return ~c32;
}

uint32_t crc32c(uint32_t crc, const void *data, size_t len)
{
    if (__builtin_cpu_supports("sse4.2"))
        return crc32c_hw(crc, data, len);
    return crc32c_sw(crc, data, len);
}
#else
uint32_t crc32c(uint32_t crc, const void *data, size_t len)
{
    return crc32c_sw(crc, data, len);
}
#endif
