/* Include/exclude regex lists on PCRE2, with Java's matches() semantics. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "mirror/mir_filter.h"

#include "common/err.h"
#include "common/util.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

typedef struct mir_regexes {
    pcre2_code **v;
    int count;
} mir_regexes_t;

struct mir_filter {
    mir_regexes_t include;
    mir_regexes_t exclude;
};

static void regexes_close(mir_regexes_t *rs)
{
    for (int i = 0; i < rs->count; i++)
        pcre2_code_free(rs->v[i]);
    free(rs->v);
    rs->v = NULL;
    rs->count = 0;
}

/* Java's matches() wants the whole name: anchor both ends. ENDANCHORED is
 * enforced while matching, so "a|ab" still matches "ab" by backtracking,
 * which wrapping the pattern in text could not guarantee for every input.
 * Group ids may hold any bytes: invalid UTF-8 simply does not match. */
static pcre2_code *compile_one(const char *pattern, char *errbuf, size_t errlen)
{
    int code;
    PCRE2_SIZE off;
    uint32_t opts = PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    pcre2_code *re =
        pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts, &code, &off, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
            strcpy((char *)msg, "invalid pattern");
        xdc_errbuf(errbuf, errlen, "regex '%s': %s at offset %zu", pattern, (char *)msg,
                   (size_t)off);
        return NULL;
    }
    /* JIT is only a speed-up; without it pcre2_match() interprets. */
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    return re;
}

static int regexes_init(mir_regexes_t *rs, const conf_list_t *list, char *errbuf, size_t errlen)
{
    rs->v = NULL;
    rs->count = 0;
    if (!list || list->count == 0)
        return 0;
    rs->v = xcalloc((size_t)list->count, sizeof(pcre2_code *));
    for (int i = 0; i < list->count; i++) {
        pcre2_code *re = compile_one(list->items[i], errbuf, errlen);
        if (!re) {
            regexes_close(rs);
            return XDC_ECONF;
        }
        rs->v[rs->count++] = re;
    }
    return 0;
}

/* Match data is per call, so one filter serves many threads at once. */
static bool regexes_match(const mir_regexes_t *rs, const char *name)
{
    if (rs->count == 0)
        return false;
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    if (!md)
        abort(); /* out of memory: the daemons abort, as xmalloc() does */
    bool hit = false;
    size_t len = strlen(name);
    for (int i = 0; !hit && i < rs->count; i++)
        hit = pcre2_match(rs->v[i], (PCRE2_SPTR)name, len, 0, 0, md, NULL) >= 0;
    pcre2_match_data_free(md);
    return hit;
}

int mir_filter_new(const conf_list_t *include, const conf_list_t *exclude, mir_filter_t **out,
                   char *errbuf, size_t errlen)
{
    mir_filter_t *f = xcalloc(1, sizeof(*f));
    *out = NULL;
    if (regexes_init(&f->include, include, errbuf, errlen) < 0 ||
        regexes_init(&f->exclude, exclude, errbuf, errlen) < 0) {
        mir_filter_free(f);
        return XDC_ECONF;
    }
    *out = f;
    return 0;
}

bool mir_filter_match(const mir_filter_t *f, const char *name)
{
    return regexes_match(&f->include, name) && !regexes_match(&f->exclude, name);
}

int mir_filter_check(const conf_list_t *list, char *errbuf, size_t errlen)
{
    for (int i = 0; list && i < list->count; i++) {
        pcre2_code *re = compile_one(list->items[i], errbuf, errlen);
        if (!re)
            return XDC_ECONF;
        pcre2_code_free(re);
    }
    return 0;
}

void mir_filter_free(mir_filter_t *f)
{
    if (!f)
        return;
    regexes_close(&f->include);
    regexes_close(&f->exclude);
    free(f);
}
