#ifndef XDC_BROKER_KWIRE_MSGS_H
#define XDC_BROKER_KWIRE_MSGS_H

/* Request decoders and response encoders, one pair per API, field for
 * field as in ../shared/kafka-protocol/messages/<Name>.json. Field names
 * keep the schema's spelling. Pure: no I/O, no logging. Decoded slices are
 * borrowed from the request frame. */

#include "broker/kwire.h"
#include "common/buf.h"

#include <stdint.h>

/* ApiVersions (key 18), versions 0-3, flexible from 3. */
typedef struct kwire_ApiVersionsRequest {
    kwire_slice_t ClientSoftwareName;    /* v3+ */
    kwire_slice_t ClientSoftwareVersion; /* v3+ */
} kwire_ApiVersionsRequest_t;

typedef struct kwire_ApiVersion {
    int16_t ApiKey;
    int16_t MinVersion;
    int16_t MaxVersion;
} kwire_ApiVersion_t;

typedef struct kwire_ApiVersionsResponse {
    int16_t ErrorCode;
    const kwire_ApiVersion_t *ApiKeys; /* borrowed */
    int32_t ApiKeysCount;
    int32_t ThrottleTimeMs; /* v1+ */
} kwire_ApiVersionsResponse_t;

/** @return 0 or XDC_EMALFORMED. */
int kwire_decode_ApiVersionsRequest(kwire_reader_t *r, int16_t ver,
                                    kwire_ApiVersionsRequest_t *req);
void kwire_encode_ApiVersionsResponse(buf_t *b, int16_t ver,
                                      const kwire_ApiVersionsResponse_t *resp);

#endif
