#ifndef XDC_COMMON_ERR_H
#define XDC_COMMON_ERR_H

/* Project-wide error codes. Functions return 0 or a negative code:
 * -1..-4095 are negated errno values and libuv codes (UV_EOF, UV_EAI_*),
 * passed through unchanged; xdc's own codes start at -10001. */
enum xdc_err {
    XDC_OK = 0,
    XDC_EMALFORMED = -10001, /* bytes do not decode */
    XDC_EUNSUPPORTED,        /* ApiKey or version not served */
    XDC_ECONF,               /* invalid configuration */
    XDC_EKAFKA,              /* librdkafka failure, already logged with its name */
    XDC_ESTATE,              /* call not valid in the current state */
    XDC_ETOOBIG,             /* a length exceeds its configured cap */
    XDC_ENOTFOUND,           /* named object does not exist */
    XDC_ECORRUPT,            /* stored data failed its checksum or layout check */
    XDC_ETIMEDOUT,           /* a bounded wait ran out */
    XDC_EREMOTE,             /* a remote service (DNS server, command) refused or failed */
    XDC_ECONFLICT,           /* state changed behind our back: a compare-and-swap lost */
};

/** Describe @p err: xdc's codes, libuv's codes and negated errno values.
 *  @return a static string, never NULL.  @thread any. */
const char *xdc_strerror(int err);

#endif
