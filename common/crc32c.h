#ifndef XDC_COMMON_CRC32C_H
#define XDC_COMMON_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of
 * Kafka record batches v2. Start with crc = 0; to checksum data that comes
 * in pieces, pass the previous result back in:
 *     c = crc32c(0, a, na); c = crc32c(c, b, nb);
 * equals crc32c(0, ab, na + nb). */

/** Checksum @p len bytes at @p data (borrowed), continuing @p crc.
 *  Uses the SSE4.2 crc32 instruction when the CPU has it.
 *  @return the new CRC.  @thread any. */
uint32_t crc32c(uint32_t crc, const void *data, size_t len);

/** The same as crc32c() but always the portable slicing-by-8 code, so
 *  tests can check the hardware path against it.  @thread any. */
uint32_t crc32c_sw(uint32_t crc, const void *data, size_t len);

#endif
