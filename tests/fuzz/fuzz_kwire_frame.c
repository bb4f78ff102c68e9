/* Fuzz target: request framing, header decoding and the ApiVersions
 * request decoder over an arbitrary byte stream, as a connection sees it. */
#include "broker/kwire.h"
#include "broker/kwire_msgs.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void decode_frame(kwire_slice_t frame)
{
    int16_t key, ver;
    if (kwire_peek_api(frame, &key, &ver) < 0)
        return;
    kwire_reader_t r;
    kwire_req_hdr_t hdr;
    kwire_reader_init(&r, frame.ptr, (size_t)frame.len);
    if (kwire_decode_req_hdr(&r, &hdr, key == 18 && ver >= 3) < 0)
        return;
    if (key == 18) {
        kwire_ApiVersionsRequest_t req;
        kwire_decode_ApiVersionsRequest(&r, ver, &req);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    for (;;) {
        kwire_slice_t frame;
        size_t consumed;
        if (kwire_frame_next(data + off, size - off, 1 << 20, &frame, &consumed) != 1)
            break;
        decode_frame(frame);
        off += consumed;
    }
    return 0;
}
