#ifndef XDC_BROKER_KWIRE_COMPRESS_H
#define XDC_BROKER_KWIRE_COMPRESS_H

/* Decompression of a record batch's records section, with a hard cap on the
 * output, so the broker can validate the records of compressed batches the
 * way Kafka does ([K] LogValidator decompresses to validate, then stores the
 * batch as produced). Codecs as Kafka numbers them ([K] CompressionType.java;
 * ../shared/reference/kafka-broker.md §4):
 *   1 gzip    zlib stream with a gzip (or zlib) header; members may follow
 *             one another, as GZIPInputStream reads them
 *   2 snappy  raw snappy (librdkafka), or snappy-java's xerial framing (the
 *             Java client), told apart by its 8-byte magic as librdkafka does
 *             ([L] rdkafka_msgset_reader.c)
 *   3 lz4     LZ4 frames. The broken header checksum of KAFKA-3160 only ever
 *             came with magic 0 message sets; a v2 batch carries a correct
 *             one, so frames are checked as the LZ4 frame format says.
 *   4 zstd    zstd frames, streamed: the frame content size may be absent
 * Pure code: no I/O, no logging. */

#include "broker/kwire_batch.h"
#include "common/buf.h"

#include <stddef.h>
#include <stdint.h>

/** Decompress @p in/@p len (borrowed) with @p codec (1..4, as in a batch's
 *  attributes) and append the result to @p out.
 *  Never produces more than @p max_out bytes: a stream that would is
 *  refused as soon as its output passes the cap (snappy and sized zstd
 *  frames before anything is allocated), so a decompression bomb costs at
 *  most @p max_out + 1 bytes of @p out, whose capacity grows by doubling,
 *  plus the codec's own state: zlib's 32 KiB window, LZ4's block buffers
 *  (up to 4 MiB), zstd's window (up to 128 MiB of address space, filled
 *  only as output is produced).
 *  On failure @p out keeps its length from before the call (its capacity
 *  may have grown).
 *  @return 0; XDC_ETOOBIG (output over @p max_out); XDC_EMALFORMED (bad or
 *  truncated data, trailing bytes); XDC_EUNSUPPORTED (@p codec not 1..4);
 *  -ENOMEM (a codec could not allocate its state).  @thread any. */
int kwire_decompress(int codec, const uint8_t *in, size_t len, size_t max_out, buf_t *out);

/** Start walking the records of the batch @p batch/@p len (borrowed; already
 *  checked with kwire_batch_validate()), compressed or not. A compressed
 *  batch's records section is decompressed into @p scratch (reset first;
 *  the caller owns it and may reuse it), which then backs the iterator: it
 *  must not change while @p it is in use. An uncompressed batch is walked
 *  in place and @p scratch is not touched. Walk with
 *  kwire_batch_records_next().
 *  @return 0, or kwire_decompress()'s codes (XDC_ETOOBIG over @p max_out
 *  decompressed bytes, XDC_EMALFORMED, XDC_EUNSUPPORTED, -ENOMEM);
 *  XDC_EMALFORMED also when @p len is below the header size.  @thread any. */
int kwire_decompress_records_init(kwire_batch_records_t *it, const uint8_t *batch, size_t len,
                                  size_t max_out, buf_t *scratch);

#endif
