#include "broker/kwire_msgs.h"

#include "common/err.h"

int kwire_decode_ApiVersionsRequest(kwire_reader_t *r, int16_t ver, kwire_ApiVersionsRequest_t *req)
{
    req->ClientSoftwareName = (kwire_slice_t){NULL, -1};
    req->ClientSoftwareVersion = (kwire_slice_t){NULL, -1};
    if (ver >= 3) { /* "versions": "3+" */
        kwire_read_compact_str(r, &req->ClientSoftwareName);
        kwire_read_compact_str(r, &req->ClientSoftwareVersion);
        kwire_skip_tags(r);
    }
    return r->err ? XDC_EMALFORMED : 0;
}

void kwire_encode_ApiVersionsResponse(buf_t *b, int16_t ver,
                                      const kwire_ApiVersionsResponse_t *resp)
{
    int flex = ver >= 3;
    kwire_write_i16(b, resp->ErrorCode); /* ErrorCode */
    kwire_write_count(b, flex, resp->ApiKeysCount);
    for (int32_t i = 0; i < resp->ApiKeysCount; i++) {
        kwire_write_i16(b, resp->ApiKeys[i].ApiKey);     /* ApiKeys.ApiKey */
        kwire_write_i16(b, resp->ApiKeys[i].MinVersion); /* ApiKeys.MinVersion */
        kwire_write_i16(b, resp->ApiKeys[i].MaxVersion); /* ApiKeys.MaxVersion */
        kwire_write_tags(b, flex);
    }
    if (ver >= 1)
        kwire_write_i32(b, resp->ThrottleTimeMs); /* ThrottleTimeMs */
    kwire_write_tags(b, flex);
}
