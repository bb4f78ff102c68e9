#ifndef XDC_COMMON_BUF_H
#define XDC_COMMON_BUF_H

#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer that changes in place: the struct stays where the
 * caller put it, only ->data moves. Appends abort on out-of-memory. */
typedef struct buf {
    uint8_t *data; /* read-only for callers; NULL until the first append */
    size_t len;    /* read-only: bytes in use */
    size_t cap;    /* private */
} buf_t;

#define BUF_INIT                                                                                   \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void buf_init(buf_t *b);
/** Release the storage; @p b may be reused after buf_init(). */
void buf_close(buf_t *b);
/** Ensure room for @p n more bytes. */
void buf_reserve(buf_t *b, size_t n);
void buf_append(buf_t *b, const void *p, size_t n);
void buf_append_str(buf_t *b, const char *s);
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Drop the first @p n bytes (consumed input), keeping the rest. */
void buf_consume(buf_t *b, size_t n);
void buf_reset(buf_t *b);
/** Return the contents as a NUL-terminated string (the NUL is not counted
 *  in ->len).  @return borrowed; valid until the next change to @p b. */
const char *buf_cstr(buf_t *b);

#endif
