/* Topic-level settings: the table behind CreateTopics configs,
 * DescribeConfigs and AlterConfigs. */
#include "broker/brk_topic_conf.h"

#include "common/err.h"
#include "common/util.h"

#include <stddef.h>
#include <string.h>

int brk__check_cleanup_policy(const void *field, char *why, size_t whylen)
{
    const conf_list_t *l = field;
    for (int i = 0; i < l->count; i++) {
        if (strcmp(l->items[i], "delete") != 0 && strcmp(l->items[i], "compact") != 0) {
            xdc_errbuf(why, whylen, "'%s' is not delete or compact", l->items[i]);
            return XDC_ECONF;
        }
    }
    return 0;
}

#define TOPIC_ITEM(tk, bk, type, field, min, max, def, choices, flags, check, doc)                 \
    {tk,    type, offsetof(brk_topic_conf_t, field), min,                                          \
     max,   def,  doc " Broker default: `" bk "`.",  choices,                                      \
     flags, check},

static const conf_item_t items[] = {BRK_TOPIC_CONFIGS(TOPIC_ITEM)};

const conf_table_t brk_topic_conf_table = {
    "topic",
    "Topic-level settings, set per topic through CreateTopics, AlterConfigs or "
    "IncrementalAlterConfigs (as with `kafka-configs.sh`), and reported by DescribeConfigs. "
    "Each takes its default from the broker key named in its description.",
    items,
    sizeof(items) / sizeof(items[0]),
};

#define TOPIC_PAIR(tk, bk, ...) {tk, bk},

static const struct {
    const char *topic_key, *broker_key;
} pairs[] = {BRK_TOPIC_CONFIGS(TOPIC_PAIR)};

const char *brk_topic_conf_broker_key(const char *topic_key)
{
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        if (strcmp(pairs[i].topic_key, topic_key) == 0)
            return pairs[i].broker_key;
    return NULL;
}
