#ifndef XDC_COMMON_UTIL_H
#define XDC_COMMON_UTIL_H

#include <stddef.h>

/* Allocation that never returns NULL: the daemons abort on out-of-memory
 * (printing what they were asked for), so callers must cap every length
 * that comes from the network or disk before allocating. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/** printf into a new heap string.  @return owned by the caller. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** snprintf that tolerates a NULL or zero-sized @p buf (error buffers are
 *  optional in setup calls). */
void xdc_errbuf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define XDC_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
