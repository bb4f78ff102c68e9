/* Consumer-group admin requests the checkpoint code makes, on librdkafka's
 * admin API: list groups, read and alter a group's offsets, count a
 * group's members. Each call blocks its thread for at most its timeout. */
#include "mirror/mir_int.h"

#include "common/err.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

/* Send through @p send on a queue of its own and wait for the result.
 * @return the event (caller destroys), or NULL with the reason in @p err. */
typedef void (*admin_send_cb)(rd_kafka_t *rk, const rd_kafka_AdminOptions_t *o, rd_kafka_queue_t *q,
                              void *arg);

static rd_kafka_event_t *admin_call(rd_kafka_t *rk, rd_kafka_admin_op_t op, admin_send_cb send,
                                    void *arg, int timeout_ms, const char *what, char *err,
                                    size_t errlen)
{
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, op);
    char why[256];
    rd_kafka_AdminOptions_set_request_timeout(o, timeout_ms, why, sizeof(why));
    send(rk, o, q, arg);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 1000);
    if (!ev) {
        xdc_errbuf(err, errlen, "%s: no answer within %d ms", what, timeout_ms);
    } else if (rd_kafka_event_error(ev)) {
        xdc_errbuf(err, errlen, "%s: %s", what, rd_kafka_event_error_string(ev));
        rd_kafka_event_destroy(ev);
        ev = NULL;
    }
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    return ev;
}

/* One group's result of an offsets request: its partitions, copied.
 * @return NULL with the reason in @p err. */
static rd_kafka_topic_partition_list_t *group_result(const rd_kafka_group_result_t **gr, size_t n,
                                                     const char *group, char *err, size_t errlen)
{
    if (n != 1) {
        xdc_errbuf(err, errlen, "group %s: %zu results", group, n);
        return NULL;
    }
    if (rd_kafka_group_result_error(gr[0])) {
        xdc_errbuf(err, errlen, "group %s: %s", group,
                   rd_kafka_error_string(rd_kafka_group_result_error(gr[0])));
        return NULL;
    }
    return rd_kafka_topic_partition_list_copy(rd_kafka_group_result_partitions(gr[0]));
}

/* --- committed offsets ------------------------------------------------- */

static void send_offsets(rd_kafka_t *rk, const rd_kafka_AdminOptions_t *o, rd_kafka_queue_t *q,
                         void *arg)
{
    rd_kafka_ListConsumerGroupOffsets_t *req = rd_kafka_ListConsumerGroupOffsets_new(arg, NULL);
    rd_kafka_ListConsumerGroupOffsets(rk, &req, 1, o, q);
    rd_kafka_ListConsumerGroupOffsets_destroy(req);
}

rd_kafka_topic_partition_list_t *mir__group_offsets(rd_kafka_t *rk, const char *group,
                                                    int timeout_ms, char *err, size_t errlen)
{
    char what[300];
    snprintf(what, sizeof(what), "group %s", group);
    rd_kafka_event_t *ev = admin_call(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, send_offsets,
                                      (void *)group, timeout_ms, what, err, errlen);
    if (!ev)
        return NULL;
    size_t n = 0;
    const rd_kafka_group_result_t **gr = rd_kafka_ListConsumerGroupOffsets_result_groups(
        rd_kafka_event_ListConsumerGroupOffsets_result(ev), &n);
    rd_kafka_topic_partition_list_t *out = group_result(gr, n, group, err, errlen);
    rd_kafka_event_destroy(ev);
    return out;
}

typedef struct alter_arg {
    const char *group;
    const rd_kafka_topic_partition_list_t *offsets;
} alter_arg_t;

static void send_alter(rd_kafka_t *rk, const rd_kafka_AdminOptions_t *o, rd_kafka_queue_t *q,
                       void *arg)
{
    const alter_arg_t *a = arg;
    rd_kafka_AlterConsumerGroupOffsets_t *req =
        rd_kafka_AlterConsumerGroupOffsets_new(a->group, a->offsets);
    rd_kafka_AlterConsumerGroupOffsets(rk, &req, 1, o, q);
    rd_kafka_AlterConsumerGroupOffsets_destroy(req);
}

int mir__alter_group_offsets(rd_kafka_t *rk, const char *group,
                             const rd_kafka_topic_partition_list_t *offsets, int timeout_ms,
                             char *err, size_t errlen)
{
    alter_arg_t a = {group, offsets};
    char what[300];
    snprintf(what, sizeof(what), "group %s", group);
    rd_kafka_event_t *ev = admin_call(rk, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, send_alter,
                                      &a, timeout_ms, what, err, errlen);
    if (!ev)
        return XDC_EKAFKA;
    size_t n = 0;
    const rd_kafka_group_result_t **gr = rd_kafka_AlterConsumerGroupOffsets_result_groups(
        rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &n);
    rd_kafka_topic_partition_list_t *res = group_result(gr, n, group, err, errlen);
    int rc = res ? 0 : XDC_EKAFKA;
    /* A partition's own error (an unknown topic, a coordinator move). */
    for (int i = 0; res && i < res->cnt && rc == 0; i++) {
        if (res->elems[i].err) {
            xdc_errbuf(err, errlen, "group %s: %s [%d]: %s", group, res->elems[i].topic,
                       res->elems[i].partition, rd_kafka_err2str(res->elems[i].err));
            rc = XDC_EKAFKA;
        }
    }
    if (res)
        rd_kafka_topic_partition_list_destroy(res);
    rd_kafka_event_destroy(ev);
    return rc;
}

/* --- groups and members ------------------------------------------------ */

static void send_list(rd_kafka_t *rk, const rd_kafka_AdminOptions_t *o, rd_kafka_queue_t *q,
                      void *arg)
{
    (void)arg;
    rd_kafka_ListConsumerGroups(rk, o, q);
}

int mir__list_groups(rd_kafka_t *rk, int timeout_ms, char ***out, size_t *n, char *err,
                     size_t errlen)
{
    *out = NULL;
    *n = 0;
    rd_kafka_event_t *ev = admin_call(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, send_list, NULL,
                                      timeout_ms, "list groups", err, errlen);
    if (!ev)
        return XDC_EKAFKA;
    const rd_kafka_ListConsumerGroups_result_t *res = rd_kafka_event_ListConsumerGroups_result(ev);
    size_t nerr = 0, cnt = 0;
    const rd_kafka_error_t **errs = rd_kafka_ListConsumerGroups_result_errors(res, &nerr);
    const rd_kafka_ConsumerGroupListing_t **v = rd_kafka_ListConsumerGroups_result_valid(res, &cnt);
    /* A broker that did not answer hides its groups: not a partial list. */
    if (nerr > 0) {
        xdc_errbuf(err, errlen, "list groups: %s", rd_kafka_error_string(errs[0]));
        rd_kafka_event_destroy(ev);
        return XDC_EKAFKA;
    }
    *out = xcalloc(cnt + 1, sizeof(**out));
    for (size_t i = 0; i < cnt; i++)
        (*out)[(*n)++] = xstrdup(rd_kafka_ConsumerGroupListing_group_id(v[i]));
    rd_kafka_event_destroy(ev);
    return 0;
}

typedef struct describe_arg {
    const char **groups;
    size_t n;
} describe_arg_t;

static void send_describe(rd_kafka_t *rk, const rd_kafka_AdminOptions_t *o, rd_kafka_queue_t *q,
                          void *arg)
{
    const describe_arg_t *a = arg;
    rd_kafka_DescribeConsumerGroups(rk, a->groups, a->n, o, q);
}

int mir__group_members(rd_kafka_t *rk, const char **groups, size_t n, int *members, int timeout_ms,
                       char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++)
        members[i] = -1;
    if (n == 0)
        return 0;
    describe_arg_t a = {groups, n};
    rd_kafka_event_t *ev = admin_call(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, send_describe,
                                      &a, timeout_ms, "describe groups", err, errlen);
    if (!ev)
        return XDC_EKAFKA;
    size_t cnt = 0;
    const rd_kafka_ConsumerGroupDescription_t **d = rd_kafka_DescribeConsumerGroups_result_groups(
        rd_kafka_event_DescribeConsumerGroups_result(ev), &cnt);
    for (size_t j = 0; j < cnt; j++) {
        const char *id = rd_kafka_ConsumerGroupDescription_group_id(d[j]);
        for (size_t i = 0; i < n; i++) {
            if (strcmp(groups[i], id) != 0)
                continue;
            /* A group the coordinator does not know is Dead (or, from
             * newer brokers, GROUP_ID_NOT_FOUND): no members. */
            const rd_kafka_error_t *e = rd_kafka_ConsumerGroupDescription_error(d[j]);
            if (!e)
                members[i] = (int)rd_kafka_ConsumerGroupDescription_member_count(d[j]);
            else if (rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND)
                members[i] = 0;
        }
    }
    rd_kafka_event_destroy(ev);
    return 0;
}
