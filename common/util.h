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

/** Read a secret (a bearer token, a key) from the file @p path: its first
 *  line with surrounding whitespace trimmed, so that the configuration file
 *  can be shared without it.
 *  @param key the configuration key that names @p path, for the message.
 *  @param out caller-owned (free()) on success, NULL on failure.
 *  @return 0, or XDC_ECONF with "<key>: cannot read <path>: <reason>" or
 *  "<key>: <path> is empty" in @p errbuf.  @thread any. */
int xdc_read_secret(const char *key, const char *path, char **out, char *errbuf, size_t errlen);

#define XDC_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
