#include "mirror/mir_policy.h"

#include "mirror/mirror.h"

#include "common/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* MM2 names its internal topics with "." unless the separator is enabled for
 * them; xdc always uses "." (see mir_policy.h). */
#define INTERNAL_SEP "."

int mir_policy_init(mir_policy_t *p, int kind, const char *separator)
{
    size_t n = strlen(separator);
    if ((kind != MIR_POLICY_DEFAULT && kind != MIR_POLICY_IDENTITY) || n == 0 ||
        n >= sizeof(p->separator))
        return XDC_ECONF;
    p->kind = kind;
    memcpy(p->separator, separator, n + 1);
    return 0;
}

/* The separator of @p p, or NULL if it is empty or not terminated within
 * its array (a struct not made by mir_policy_init). */
static const char *policy_sep(const mir_policy_t *p)
{
    const char *sep = p->separator;
    size_t n = strnlen(sep, sizeof(p->separator));
    return n == 0 || n == sizeof(p->separator) ? NULL : sep;
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* Java's topic.split(Pattern.quote(sep)) has at least two parts, and the
 * first is parts[0] (DefaultReplicationPolicy.topicSource). Split matches
 * leftmost and without overlap, and drops trailing empty parts, so that
 * holds when @p sep occurs and what follows its first occurrence is not
 * just more separators. @return true, and the alias length in @p alias_len. */
static bool split_source(const char *sep, const char *topic, size_t *alias_len)
{
    size_t seplen = strlen(sep);
    const char *first = strstr(topic, sep);
    if (!first)
        return false;
    const char *q = first + seplen;
    while (*q && strncmp(q, sep, seplen) == 0)
        q += seplen;
    if (!*q)
        return false;
    *alias_len = (size_t)(first - topic);
    return true;
}

/* What is left of @p topic after every "<alias><sep>" prefix is stripped
 * (ReplicationPolicy.originalTopic under the default policy). */
static const char *original_topic(const char *sep, const char *topic)
{
    size_t alias_len;
    while (split_source(sep, topic, &alias_len))
        topic += alias_len + strlen(sep);
    return topic;
}

bool mir_policy_is_heartbeats_topic(const mir_policy_t *p, const char *topic)
{
    const char *sep = policy_sep(p);
    return sep && strcmp(original_topic(sep, topic), MIR_HEARTBEATS_TOPIC) == 0;
}

bool mir_policy_is_heartbeats(const char *topic)
{
    return strcmp(topic, MIR_HEARTBEATS_TOPIC) == 0 ||
           has_suffix(topic, INTERNAL_SEP MIR_HEARTBEATS_TOPIC);
}

/* Whether @p topic carries a source alias under @p p: any split topic under
 * the default policy; only heartbeats topics under identity, which MM2's
 * IdentityReplicationPolicy hands to its default parent. */
static bool policy_source(const mir_policy_t *p, const char *topic, size_t *alias_len)
{
    const char *sep = policy_sep(p);
    if (!sep)
        return false;
    if (p->kind == MIR_POLICY_IDENTITY && !mir_policy_is_heartbeats_topic(p, topic))
        return false;
    return split_source(sep, topic, alias_len);
}

const char *mir_policy_topic_source(const mir_policy_t *p, const char *topic, char *alias_out,
                                    size_t len)
{
    size_t n;
    if (!policy_source(p, topic, &n) || n >= len)
        return NULL;
    memcpy(alias_out, topic, n);
    alias_out[n] = '\0';
    return alias_out;
}

const char *mir_policy_upstream_topic(const mir_policy_t *p, const char *topic)
{
    size_t n;
    if (!policy_source(p, topic, &n))
        return NULL;
    return topic + n + strlen(p->separator);
}

/* snprintf into @p out, held to a topic name's length limit.
 * @return 0, or XDC_ETOOBIG (and "" in @p out if it has room). */
static int __attribute__((format(printf, 3, 4)))
format_topic(char *out, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= len || n > MIR_TOPIC_MAX) {
        if (len)
            out[0] = '\0';
        return XDC_ETOOBIG;
    }
    return 0;
}

static int bad_args(char *out, size_t len)
{
    if (len)
        out[0] = '\0';
    return -EINVAL;
}

int mir_policy_remote_topic(const mir_policy_t *p, const char *source_alias, const char *topic,
                            char *out, size_t outlen)
{
    const char *sep = policy_sep(p);
    if (!sep || !*source_alias || !*topic)
        return bad_args(out, outlen);
    if (p->kind == MIR_POLICY_IDENTITY && !mir_policy_is_heartbeats_topic(p, topic))
        return format_topic(out, outlen, "%s", topic);
    return format_topic(out, outlen, "%s%s%s", source_alias, sep, topic);
}

bool mir_policy_is_internal(const char *topic)
{
    return has_prefix(topic, "__") || has_prefix(topic, ".") || has_suffix(topic, ".internal") ||
           has_suffix(topic, "-internal");
}

bool mir_policy_is_internal_topic(const mir_policy_t *p, const char *topic)
{
    const char *sep = policy_sep(p);
    char suffix[sizeof(p->separator) + sizeof("internal")];
    if (mir_policy_is_internal(topic))
        return true;
    if (!sep)
        return false;
    snprintf(suffix, sizeof(suffix), "%sinternal", sep);
    return has_suffix(topic, suffix);
}

bool mir_policy_is_cycle(const mir_policy_t *p, const char *topic, const char *target_alias)
{
    size_t n, tlen = strlen(target_alias);
    /* Each step strips one "<alias><sep>", so the walk ends. MM2 also stops
     * when upstreamTopic() returns the topic itself (identity): here
     * policy_source() already says no for those. */
    while (policy_source(p, topic, &n)) {
        if (n == tlen && memcmp(topic, target_alias, n) == 0)
            return true;
        topic += n + strlen(p->separator);
    }
    return false;
}

int mir_policy_offset_syncs_topic(int location, const char *source_alias, const char *target_alias,
                                  char *out, size_t len)
{
    const char *other;
    switch (location) {
    case MIR_SYNCS_SOURCE: other = target_alias; break;
    case MIR_SYNCS_TARGET: other = source_alias; break;
    default: return bad_args(out, len);
    }
    if (!*other)
        return bad_args(out, len);
    return format_topic(out, len, "mm2-offset-syncs" INTERNAL_SEP "%s" INTERNAL_SEP "internal",
                        other);
}

int mir_policy_checkpoints_topic(const char *source_alias, char *out, size_t len)
{
    if (!*source_alias)
        return bad_args(out, len);
    return format_topic(out, len, "%s" INTERNAL_SEP "checkpoints" INTERNAL_SEP "internal",
                        source_alias);
}

bool mir_conf_never_copies(const mir_flow_conf_t *fc, const char *topic)
{
    mir_policy_t p;
    if (mir_policy_init(&p, fc->policy, fc->separator) < 0)
        return mir_policy_is_internal(topic);
    return mir_policy_is_internal_topic(&p, topic);
}
