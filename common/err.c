#include "common/err.h"

#include <uv.h>

const char *xdc_strerror(int err)
{
    switch (err) {
    case XDC_OK: return "success";
    case XDC_EMALFORMED: return "malformed input";
    case XDC_EUNSUPPORTED: return "unsupported API key or version";
    case XDC_ECONF: return "invalid configuration";
    case XDC_EKAFKA: return "Kafka client error";
    case XDC_ESTATE: return "operation not valid in the current state";
    case XDC_ETOOBIG: return "length exceeds its limit";
    case XDC_ENOTFOUND: return "not found";
    case XDC_ECORRUPT: return "stored data is corrupt";
    case XDC_ETIMEDOUT: return "timed out";
    case XDC_EREMOTE: return "remote service failed";
    case XDC_ECONFLICT: return "changed by someone else";
    }
    /* libuv maps negated errno values and its own UV_E* codes. */
    if (err < 0 && err > -10000)
        return uv_strerror(err);
    return "unknown error";
}
