#ifndef XDC_COMMON_JSON_H
#define XDC_COMMON_JSON_H

#include "common/buf.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* JSON helpers on jansson for the HTTP APIs and reports (never for
 * configuration). jansson already owns the json_ prefix (json_object(),
 * json_dumps(), ...), so ours is xjson_ to keep the two apart.
 *
 * Getters validate the type and name the key in @p errbuf, so an API
 * handler can send the sentence back in a 400 as it is:
 * "key \"timeout_ms\": expected integer, got string". They return 0,
 * XDC_ENOTFOUND (key absent; the optional variants never return it) or
 * XDC_EMALFORMED (wrong type). Strings they return are borrowed from
 * @p obj and stay valid while the caller holds its reference.
 *
 * Everything here is pure: no logging, callable from any thread on values
 * that thread owns. */

/** Encode @p v compactly (no spaces, keys in insertion order).
 *  @param v borrowed; any JSON value.
 *  @return a NUL-terminated string owned by the caller (free()), or NULL
 *  when @p v is NULL or cannot be encoded. */
char *xjson_dump_compact(const json_t *v);

/** Append the compact encoding of @p v to @p out.
 *  @return 0, or XDC_EMALFORMED when @p v is NULL or cannot be encoded
 *  (@p out may then hold a partial encoding: reset it). */
int xjson_dump_append(const json_t *v, buf_t *out);

/** Parse @p len bytes of @p text, which must hold exactly one JSON object.
 *  Duplicate keys and NUL bytes are rejected.
 *  @param out receives a new reference on success (json_decref() it);
 *  untouched on failure.
 *  @return 0, or XDC_EMALFORMED with "json: line L, column C: reason" or
 *  "json: expected an object, got array" in @p errbuf. */
int xjson_parse_object(const char *text, size_t len, json_t **out, char *errbuf, size_t errlen);

/** Read the string at @p key of @p obj.  @param out borrowed from @p obj.
 *  @return 0, XDC_ENOTFOUND ("missing key \"k\""), XDC_EMALFORMED. */
int xjson_get_string(const json_t *obj, const char *key, const char **out, char *errbuf,
                     size_t errlen);

/** Read the integer at @p key (reals such as 1.0 are rejected).
 *  @return 0, XDC_ENOTFOUND, XDC_EMALFORMED. */
int xjson_get_int64(const json_t *obj, const char *key, int64_t *out, char *errbuf, size_t errlen);

/** Read the boolean at @p key.  @return 0, XDC_ENOTFOUND, XDC_EMALFORMED. */
int xjson_get_bool(const json_t *obj, const char *key, bool *out, char *errbuf, size_t errlen);

/* Optional variants: an absent key or a JSON null stores @p def and
 * returns 0; a value of another type is still XDC_EMALFORMED. */
int xjson_get_string_opt(const json_t *obj, const char *key, const char *def, const char **out,
                         char *errbuf, size_t errlen);
int xjson_get_int64_opt(const json_t *obj, const char *key, int64_t def, int64_t *out, char *errbuf,
                        size_t errlen);
int xjson_get_bool_opt(const json_t *obj, const char *key, bool def, bool *out, char *errbuf,
                       size_t errlen);

/** A JSON string of @p s that never fails on bad input: when @p s is not
 *  valid UTF-8 (a request path, a peer's error text) every byte >= 0x80 is
 *  replaced with '?'.  @param s borrowed, NULL gives "".
 *  @return a new reference; aborts on out-of-memory like xmalloc(). */
json_t *xjson_string_lossy(const char *s);

/** The body of every API error: {"error": msg}.
 *  @param msg borrowed; copied (lossily, see xjson_string_lossy()).
 *  @return a new reference; aborts on out-of-memory. */
json_t *xjson_error_body(const char *msg);

#endif
