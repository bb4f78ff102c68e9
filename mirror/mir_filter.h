#ifndef XDC_MIRROR_MIR_FILTER_H
#define XDC_MIRROR_MIR_FILTER_H

/* Topic and group filters as MirrorMaker 2 writes them: a list of regexes
 * to include and a list to exclude ("topics", "topics.exclude"). A name
 * passes when some include regex matches all of it and no exclude regex
 * does, as Java's Pattern.matcher(name).matches(). The regexes are PCRE2,
 * the dialect closest to java.util.regex. */

#include "conf/conf.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct mir_filter mir_filter_t;

/** Compile @p include and @p exclude (either may be NULL: an empty list).
 *  @param include, exclude borrowed; the patterns are copied.
 *  @return 0 with a new filter in @p out, or XDC_ECONF with
 *   "regex '<pattern>': <PCRE2 message> at offset <n>" in @p errbuf.
 *  @thread any. */
int mir_filter_new(const conf_list_t *include, const conf_list_t *exclude, mir_filter_t **out,
                   char *errbuf, size_t errlen);

/** @return true when some include regex matches the whole of @p name and
 *  no exclude regex does.  @thread any, concurrently on one filter. */
bool mir_filter_match(const mir_filter_t *f, const char *name);

/** Check that every regex of @p list compiles.
 *  @return 0, or XDC_ECONF with the message mir_filter_new() gives. */
int mir_filter_check(const conf_list_t *list, char *errbuf, size_t errlen);

/** Free @p f; NULL does nothing. */
void mir_filter_free(mir_filter_t *f);

#endif
