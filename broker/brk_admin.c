/* Admin APIs: CreateTopics, DeleteTopics, CreatePartitions,
 * DescribeConfigs, AlterConfigs, IncrementalAlterConfigs, DescribeCluster.
 * They answer as a single-node Kafka cluster does: this node holds the one
 * replica of every partition, so a replication factor or a manual
 * assignment naming any other broker is refused. The topic registry
 * (brk_topic.c) validates, persists and applies every change; these
 * functions check what is specific to the request and shape the answers. */
#include "broker/brk_int.h"

#include "broker/kwire_admin.h"
#include "broker/kwire_err.h"
#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MSG_MAX 512

/* --- helpers ------------------------------------------------------------- */

/* A NUL-terminated copy of @p s in @p a; NULL for the null slice. */
static char *adup(arena_t *a, kwire_slice_t s)
{
    if (s.len < 0)
        return NULL;
    char *p = arena_alloc(a, (size_t)s.len + 1);
    if (s.len)
        memcpy(p, s.ptr, (size_t)s.len);
    return p;
}

/* The ErrorMessage of a result: null on success, as Kafka sends it. */
static kwire_slice_t amsg(arena_t *a, int16_t err, const char *msg)
{
    if (err == KWIRE_ERR_NONE || !*msg)
        return KWIRE_SLICE_NULL;
    return kwire_cstr(adup(a, kwire_cstr(msg)));
}

typedef struct name_ref {
    kwire_slice_t s;
    int32_t i;
} name_ref_t;

static int name_cmp(const void *x, const void *y)
{
    const kwire_slice_t *a = &((const name_ref_t *)x)->s, *b = &((const name_ref_t *)y)->s;
    int32_t n = a->len < b->len ? a->len : b->len;
    int c = n > 0 ? memcmp(a->ptr, b->ptr, (size_t)n) : 0;
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* Mark every name that occurs more than once. Sorting keeps a request
 * with many entries (the frame cap allows millions) at n log n.
 * @return @p n flags in @p a. */
static uint8_t *dup_marks(arena_t *a, const kwire_slice_t *names, int32_t n)
{
    uint8_t *dup = arena_calloc(a, (size_t)n + 1, 1);
    name_ref_t *r = arena_calloc(a, (size_t)n + 1, sizeof(*r));
    for (int32_t i = 0; i < n; i++)
        r[i] = (name_ref_t){names[i], i};
    qsort(r, (size_t)n, sizeof(*r), name_cmp);
    for (int32_t i = 1; i < n; i++)
        if (name_cmp(&r[i - 1], &r[i]) == 0)
            dup[r[i - 1].i] = dup[r[i].i] = 1;
    return dup;
}

/* @return the index of the first name that occurs twice, or -1. */
static int32_t first_dup(arena_t *a, const kwire_slice_t *names, int32_t n)
{
    uint8_t *dup = dup_marks(a, names, n);
    for (int32_t i = 0; i < n; i++)
        if (dup[i])
            return i;
    return -1;
}

/* One node holds every replica: a manual assignment names it, once. */
static int16_t check_replicas(brk_server_t *srv, int32_t part, const int32_t *ids, int32_t n,
                              char *msg, size_t len)
{
    int32_t node = srv->conf.node_id;
    if (n <= 0) {
        xdc_errbuf(msg, len, "The manual assignment of partition %d has no replicas.", part);
        return KWIRE_ERR_INVALID_REPLICA_ASSIGNMENT;
    }
    for (int32_t i = 0; i < n; i++) {
        if (ids[i] != node) {
            xdc_errbuf(msg, len,
                       "The manual assignment of partition %d names broker %d, but this "
                       "cluster's only broker is node.id=%d.",
                       part, ids[i], node);
            return KWIRE_ERR_INVALID_REPLICA_ASSIGNMENT;
        }
    }
    if (n > 1) {
        xdc_errbuf(msg, len,
                   "The manual assignment of partition %d names broker %d %d times; this "
                   "cluster has a single broker.",
                   part, node, n);
        return KWIRE_ERR_INVALID_REPLICA_ASSIGNMENT;
    }
    return KWIRE_ERR_NONE;
}

/* --- CreateTopics -------------------------------------------------------- */

typedef struct collision {
    kwire_slice_t name;
    const char *with; /* an existing topic's name, borrowed */
} collision_t;

/* Kafka's metrics names replace '.' with '_', so "a.b" and "a_b" cannot
 * both exist. */
static void find_collision(brk_topic_t *t, void *arg)
{
    collision_t *c = arg;
    if (c->with || strlen(t->name) != (size_t)c->name.len)
        return;
    int differs = 0;
    for (int32_t i = 0; i < c->name.len; i++) {
        char x = (char)c->name.ptr[i], y = t->name[i];
        if ((x == '.' ? '_' : x) != (y == '.' ? '_' : y))
            return;
        differs |= x != y;
    }
    if (differs)
        c->with = t->name;
}

static int16_t check_new_name(brk_server_t *srv, kwire_slice_t name, char *msg, size_t len)
{
    char why[MSG_MAX];
    if (brk_topic_name_check((const char *)name.ptr, (size_t)name.len, why, sizeof(why)) < 0) {
        xdc_errbuf(msg, len, "%s", why);
        return KWIRE_ERR_INVALID_TOPIC_EXCEPTION;
    }
    if (brk__topic_find(srv, (const char *)name.ptr, (size_t)name.len)) {
        xdc_errbuf(msg, len, "Topic '%.*s' already exists.", (int)name.len, name.ptr);
        return KWIRE_ERR_TOPIC_ALREADY_EXISTS;
    }
    collision_t c = {name, NULL};
    brk__topics_each(srv, find_collision, &c);
    if (c.with) {
        xdc_errbuf(msg, len, "Topic '%.*s' collides with existing topic '%s'.", (int)name.len,
                   name.ptr, c.with);
        return KWIRE_ERR_INVALID_TOPIC_EXCEPTION;
    }
    return KWIRE_ERR_NONE;
}

static int16_t check_replication_factor(brk_server_t *srv, int16_t rf, char *msg, size_t len)
{
    if (rf == -1 || rf == 1)
        return KWIRE_ERR_NONE;
    if (rf <= 0)
        xdc_errbuf(msg, len,
                   "Replication factor must be larger than 0, or -1 to use the default value.");
    else
        xdc_errbuf(msg, len,
                   "Replication factor %d cannot be reached: this cluster has a single broker "
                   "(node.id=%d).",
                   rf, srv->conf.node_id);
    return KWIRE_ERR_INVALID_REPLICATION_FACTOR;
}

/* The partition count of a new topic: NumPartitions, or the manual
 * assignment, whose partitions must be numbered 0..n-1. */
static int16_t create_nparts(brk_server_t *srv, const kwire_CreatableTopic_t *t, arena_t *a,
                             int32_t *nparts, char *msg, size_t len)
{
    int32_t n = t->AssignmentsCount;
    *nparts = t->NumPartitions;
    if (n <= 0)
        return KWIRE_ERR_NONE;
    if (t->NumPartitions != -1 || t->ReplicationFactor != -1) {
        xdc_errbuf(msg, len,
                   "Both numPartitions or replicationFactor and replicasAssignments were set. "
                   "Both cannot be used at the same time.");
        return KWIRE_ERR_INVALID_REQUEST;
    }
    if (n > BRK_MAX_PARTITIONS) {
        xdc_errbuf(msg, len, "At most %d partitions per topic.", BRK_MAX_PARTITIONS);
        return KWIRE_ERR_INVALID_PARTITIONS;
    }
    uint8_t *seen = arena_calloc(a, (size_t)n, 1);
    for (int32_t i = 0; i < n; i++) {
        const kwire_CreatableReplicaAssignment_t *as = &t->Assignments[i];
        int32_t p = as->PartitionIndex;
        if (p < 0 || p >= n || seen[p]) {
            xdc_errbuf(msg, len,
                       "Partitions of a manual assignment are numbered 0 to %d, each once; "
                       "found partition %d.",
                       n - 1, p);
            return KWIRE_ERR_INVALID_REPLICA_ASSIGNMENT;
        }
        seen[p] = 1;
        int16_t err = check_replicas(srv, p, as->BrokerIds, as->BrokerIdsCount, msg, len);
        if (err)
            return err;
    }
    *nparts = n;
    return KWIRE_ERR_NONE;
}

/* Copy the configs of @p t into NUL-terminated @p keys and @p values. */
static int16_t create_configs(const kwire_CreatableTopic_t *t, arena_t *a, const char ***keys,
                              const char ***values, char *msg, size_t len)
{
    int32_t n = t->ConfigsCount;
    kwire_slice_t *names = arena_calloc(a, (size_t)n + 1, sizeof(*names));
    *keys = arena_calloc(a, (size_t)n + 1, sizeof(char *));
    *values = arena_calloc(a, (size_t)n + 1, sizeof(char *));
    for (int32_t i = 0; i < n; i++) {
        names[i] = t->Configs[i].Name;
        (*keys)[i] = adup(a, t->Configs[i].Name);
        (*values)[i] = adup(a, t->Configs[i].Value);
        if (!(*values)[i]) {
            xdc_errbuf(msg, len, "Null value not supported for topic configs: %s", (*keys)[i]);
            return KWIRE_ERR_INVALID_CONFIG;
        }
    }
    int32_t d = first_dup(a, names, n);
    if (d >= 0) {
        xdc_errbuf(msg, len, "Config '%s' appears more than once.", (*keys)[d]);
        return KWIRE_ERR_INVALID_REQUEST;
    }
    return KWIRE_ERR_NONE;
}

static void create_topic(brk_server_t *srv, const kwire_CreatableTopic_t *t, int dup,
                         int validate_only, arena_t *a, kwire_CreatableTopicResult_t *res)
{
    char msg[MSG_MAX] = "";
    const char **keys = NULL, **values = NULL;
    int32_t nparts = -1;
    int16_t err = KWIRE_ERR_NONE;
    if (dup) {
        xdc_errbuf(msg, sizeof(msg), "Topic '%.*s' appears more than once in the request.",
                   (int)t->Name.len, t->Name.ptr);
        err = KWIRE_ERR_INVALID_REQUEST;
    }
    if (!err)
        err = check_new_name(srv, t->Name, msg, sizeof(msg));
    if (!err)
        err = check_replication_factor(srv, t->ReplicationFactor, msg, sizeof(msg));
    if (!err)
        err = create_nparts(srv, t, a, &nparts, msg, sizeof(msg));
    if (!err)
        err = create_configs(t, a, &keys, &values, msg, sizeof(msg));
    if (!err)
        err = brk__topic_create(srv, adup(a, t->Name), nparts, keys, values, t->ConfigsCount,
                                validate_only, msg, sizeof(msg));
    if (err)
        log_info("[%.*s] CreateTopics refused (error %d): %s", (int)t->Name.len, t->Name.ptr, err,
                 msg);
    res->Name = t->Name;
    res->ErrorCode = err;
    res->ErrorMessage = amsg(a, err, msg);
}

int brk__serve_CreateTopics(brk_server_t *srv, const brk_req_t *req, brk_out_t *out)
{
    kwire_CreateTopicsRequest_t rq;
    kwire_CreateTopicsResponse_t resp;
    arena_t *a = req->arena;
    if (kwire_decode_CreateTopicsRequest((kwire_reader_t *)&req->body, req->hdr.ApiVersion, a,
                                         &rq) < 0)
        return XDC_EMALFORMED;
    memset(&resp, 0, sizeof(resp));
    kwire_slice_t *names = arena_calloc(a, (size_t)rq.TopicsCount + 1, sizeof(*names));
    for (int32_t i = 0; i < rq.TopicsCount; i++)
        names[i] = rq.Topics[i].Name;
    uint8_t *dup = dup_marks(a, names, rq.TopicsCount);
    resp.Topics = arena_calloc(a, (size_t)rq.TopicsCount + 1, sizeof(*resp.Topics));
    resp.TopicsCount = rq.TopicsCount;
    for (int32_t i = 0; i < rq.TopicsCount; i++)
        create_topic(srv, &rq.Topics[i], dup[i], rq.validateOnly, a, &resp.Topics[i]);
    kwire_encode_CreateTopicsResponse(&out->buf, req->hdr.ApiVersion, &resp);
    return 0;
}

/* --- DeleteTopics -------------------------------------------------------- */

static int16_t delete_topic(brk_server_t *srv, const brk_req_t *req, kwire_slice_t name, int dup)
{
    if (dup)
        return KWIRE_ERR_INVALID_REQUEST;
    /* Documented for delete.topic.enable; Kafka sends this code from
     * DeleteTopics v3 and INVALID_REQUEST below, but every client we serve
     * knows it. */
    if (!srv->conf.delete_topic_enable)
        return KWIRE_ERR_TOPIC_DELETION_DISABLED;
    brk_topic_t *t = brk__topic_find(srv, (const char *)name.ptr, (size_t)name.len);
    if (!t)
        return KWIRE_ERR_UNKNOWN_TOPIC_OR_PARTITION;
    if (t->internal) {
        log_warn("[%s] DeleteTopics from conn=%s refused: internal topic", t->name,
                 req->conn->peer);
        return KWIRE_ERR_INVALID_REQUEST;
    }
    return brk__topic_delete(srv, adup(req->arena, name));
}

int brk__serve_DeleteTopics(brk_server_t *srv, const brk_req_t *req, brk_out_t *out)
{
    kwire_DeleteTopicsRequest_t rq;
    kwire_DeleteTopicsResponse_t resp;
    arena_t *a = req->arena;
    if (kwire_decode_DeleteTopicsRequest((kwire_reader_t *)&req->body, req->hdr.ApiVersion, a,
                                         &rq) < 0)
        return XDC_EMALFORMED;
    memset(&resp, 0, sizeof(resp));
    uint8_t *dup = dup_marks(a, rq.TopicNames, rq.TopicNamesCount);
    resp.Responses = arena_calloc(a, (size_t)rq.TopicNamesCount + 1, sizeof(*resp.Responses));
    resp.ResponsesCount = rq.TopicNamesCount;
    for (int32_t i = 0; i < rq.TopicNamesCount; i++) {
        resp.Responses[i].Name = rq.TopicNames[i];
        resp.Responses[i].ErrorCode = delete_topic(srv, req, rq.TopicNames[i], dup[i]);
    }
    kwire_encode_DeleteTopicsResponse(&out->buf, req->hdr.ApiVersion, &resp);
    return 0;
}

/* --- CreatePartitions ---------------------------------------------------- */

/* A given assignment lists exactly the new partitions, each on this node. */
static int16_t check_grow_assignments(brk_server_t *srv, const brk_topic_t *t,
                                      const kwire_CreatePartitionsTopic_t *ct, char *msg,
                                      size_t len)
{
    if (ct->AssignmentsCount < 0 || ct->Count <= t->nparts)
        return KWIRE_ERR_NONE; /* none given, or no increase (reported after this) */
    if (ct->AssignmentsCount != ct->Count - t->nparts) {
        xdc_errbuf(msg, len,
                   "Increasing the number of partitions by %d but %d assignments provided.",
                   ct->Count - t->nparts, ct->AssignmentsCount);
        return KWIRE_ERR_INVALID_REPLICA_ASSIGNMENT;
    }
    for (int32_t i = 0; i < ct->AssignmentsCount; i++) {
        const kwire_CreatePartitionsAssignment_t *as = &ct->Assignments[i];
        int16_t err =
            check_replicas(srv, t->nparts + i, as->BrokerIds, as->BrokerIdsCount, msg, len);
        if (err)
            return err;
    }
    return KWIRE_ERR_NONE;
}

static int16_t grow_topic(brk_server_t *srv, const kwire_CreatePartitionsTopic_t *ct, int dup,
                          int validate_only, char *msg, size_t len)
{
    if (dup) {
        xdc_errbuf(msg, len, "Duplicate topic in request.");
        return KWIRE_ERR_INVALID_REQUEST;
    }
    brk_topic_t *t = brk__topic_find(srv, (const char *)ct->Name.ptr, (size_t)ct->Name.len);
    if (!t) {
        xdc_errbuf(msg, len, "The topic '%.*s' does not exist.", (int)ct->Name.len, ct->Name.ptr);
        return KWIRE_ERR_UNKNOWN_TOPIC_OR_PARTITION;
    }
    /* Groups are placed by hash modulo the partition count of
     * __consumer_offsets: growing it would strand their state. */
    if (t->internal) {
        xdc_errbuf(msg, len, "The partition count of internal topic '%s' is fixed.", t->name);
        log_warn("[%s] CreatePartitions refused: internal topic", t->name);
        return KWIRE_ERR_INVALID_REQUEST;
    }
    int16_t err = check_grow_assignments(srv, t, ct, msg, len);
    if (!err)
        err = brk__topic_add_partitions(srv, t, ct->Count, validate_only, msg, len);
    return err;
}

int brk__serve_CreatePartitions(brk_server_t *srv, const brk_req_t *req, brk_out_t *out)
{
    kwire_CreatePartitionsRequest_t rq;
    kwire_CreatePartitionsResponse_t resp;
    arena_t *a = req->arena;
    if (kwire_decode_CreatePartitionsRequest((kwire_reader_t *)&req->body, req->hdr.ApiVersion, a,
                                             &rq) < 0)
        return XDC_EMALFORMED;
    memset(&resp, 0, sizeof(resp));
    kwire_slice_t *names = arena_calloc(a, (size_t)rq.TopicsCount + 1, sizeof(*names));
    for (int32_t i = 0; i < rq.TopicsCount; i++)
        names[i] = rq.Topics[i].Name;
    uint8_t *dup = dup_marks(a, names, rq.TopicsCount);
    resp.Results = arena_calloc(a, (size_t)rq.TopicsCount + 1, sizeof(*resp.Results));
    resp.ResultsCount = rq.TopicsCount;
    for (int32_t i = 0; i < rq.TopicsCount; i++) {
        char msg[MSG_MAX] = "";
        kwire_CreatePartitionsTopicResult_t *res = &resp.Results[i];
        res->Name = rq.Topics[i].Name;
        res->ErrorCode = grow_topic(srv, &rq.Topics[i], dup[i], rq.ValidateOnly, msg, sizeof(msg));
        res->ErrorMessage = amsg(a, res->ErrorCode, msg);
    }
    kwire_encode_CreatePartitionsResponse(&out->buf, req->hdr.ApiVersion, &resp);
    return 0;
}

/* --- DescribeConfigs ----------------------------------------------------- */

/* The broker's current value of @p it, formatted into @p val.
 * @return 1 when it differs from the built-in default (the properties file
 * or an --override set it: STATIC_BROKER_CONFIG), else 0. */
static int broker_value(brk_server_t *srv, const conf_item_t *it, char *val, size_t len)
{
    char def[MSG_MAX], why[MSG_MAX];
    conf_format(it, &srv->conf, val, len);
    if (!it->def)
        return 1;
    /* Compare formatted forms, so "0.50" and "0.5" are the same value. */
    brk_conf_t scratch;
    memset(&scratch, 0, sizeof(scratch));
    const conf_table_t one = {"", "", it, 1};
    int differs = 1;
    if (conf_set(it, &scratch, it->def, why, sizeof(why)) == 0)
        differs = strcmp(conf_format(it, &scratch, def, sizeof(def)), val) != 0;
    conf_free(&one, &scratch);
    return differs;
}

static int wanted(const kwire_DescribeConfigsResource_t *res, const char *key)
{
    if (res->ConfigurationKeysCount < 0)
        return 1;
    for (int32_t i = 0; i < res->ConfigurationKeysCount; i++)
        if (kwire_slice_eq(res->ConfigurationKeys[i], key))
            return 1;
    return 0;
}

static kwire_slice_t astr(arena_t *a, const char *s)
{
    return kwire_cstr(adup(a, kwire_cstr(s)));
}

static int override_index(const brk_topic_t *t, const char *key)
{
    for (int i = 0; i < t->nov; i++)
        if (strcmp(t->ov_keys[i], key) == 0)
            return i;
    return -1;
}

/* One topic config: its effective value and where it comes from, with
 * the synonyms Kafka lists in precedence order (topic override, static
 * broker setting, built-in default). */
static void describe_topic_config(brk_server_t *srv, const brk_topic_t *t, const conf_item_t *it,
                                  int synonyms, arena_t *a,
                                  kwire_DescribeConfigsResourceResult_t *c)
{
    char val[MSG_MAX], bval[MSG_MAX];
    const char *bkey = brk_topic_conf_broker_key(it->name);
    const conf_item_t *bi = bkey ? conf_find(&brk_conf_table, bkey) : NULL;
    int ov = override_index(t, it->name);
    int is_static = bi ? broker_value(srv, bi, bval, sizeof(bval)) : 0;
    c->Name = kwire_cstr(it->name);
    c->Value = astr(a, conf_format(it, &t->conf, val, sizeof(val)));
    c->ConfigSource = ov >= 0     ? KWIRE_CONFIG_SOURCE_TOPIC
                      : is_static ? KWIRE_CONFIG_SOURCE_STATIC_BROKER
                                  : KWIRE_CONFIG_SOURCE_DEFAULT;
    c->IsDefault = c->ConfigSource == KWIRE_CONFIG_SOURCE_DEFAULT;
    c->IsSensitive = (it->flags & CONF_F_SECRET) != 0;
    if (c->IsSensitive)
        c->Value = KWIRE_SLICE_NULL;
    if (!synonyms)
        return;
    c->Synonyms = arena_calloc(a, 3, sizeof(*c->Synonyms));
    if (ov >= 0)
        c->Synonyms[c->SynonymsCount++] = (kwire_DescribeConfigsSynonym_t){
            kwire_cstr(it->name), astr(a, t->ov_values[ov]), KWIRE_CONFIG_SOURCE_TOPIC};
    if (bi && is_static)
        c->Synonyms[c->SynonymsCount++] = (kwire_DescribeConfigsSynonym_t){
            kwire_cstr(bi->name), astr(a, bval), KWIRE_CONFIG_SOURCE_STATIC_BROKER};
    if (bi && bi->def)
        c->Synonyms[c->SynonymsCount++] = (kwire_DescribeConfigsSynonym_t){
            kwire_cstr(bi->name), kwire_cstr(bi->def), KWIRE_CONFIG_SOURCE_DEFAULT};
    if (c->IsSensitive)
        for (int32_t k = 0; k < c->SynonymsCount; k++)
            c->Synonyms[k].Value = KWIRE_SLICE_NULL;
}

static void describe_topic(brk_server_t *srv, const kwire_DescribeConfigsResource_t *res,
                           int synonyms, arena_t *a, kwire_DescribeConfigsResult_t *out)
{
    const conf_table_t *tt = &brk_topic_conf_table;
    brk_topic_t *t =
        brk__topic_find(srv, (const char *)res->ResourceName.ptr, (size_t)res->ResourceName.len);
    if (!t) {
        char msg[MSG_MAX];
        xdc_errbuf(msg, sizeof(msg), "Topic '%.*s' does not exist.", (int)res->ResourceName.len,
                   res->ResourceName.ptr);
        out->ErrorCode = KWIRE_ERR_UNKNOWN_TOPIC_OR_PARTITION;
        out->ErrorMessage = amsg(a, out->ErrorCode, msg);
        return;
    }
    out->Configs = arena_calloc(a, tt->count, sizeof(*out->Configs));
    for (size_t i = 0; i < tt->count; i++)
        if (wanted(res, tt->items[i].name))
            describe_topic_config(srv, t, &tt->items[i], synonyms, a,
                                  &out->Configs[out->ConfigsCount++]);
}

/* A broker setting: read-only, since they come from the properties file. */
static void describe_broker_config(brk_server_t *srv, const conf_item_t *it, int synonyms,
                                   arena_t *a, kwire_DescribeConfigsResourceResult_t *c)
{
    char val[MSG_MAX];
    int is_static = broker_value(srv, it, val, sizeof(val));
    c->Name = kwire_cstr(it->name);
    c->IsSensitive = (it->flags & CONF_F_SECRET) != 0;
    c->Value = c->IsSensitive ? KWIRE_SLICE_NULL : astr(a, val);
    c->ReadOnly = 1;
    c->ConfigSource = is_static ? KWIRE_CONFIG_SOURCE_STATIC_BROKER : KWIRE_CONFIG_SOURCE_DEFAULT;
    c->IsDefault = !is_static;
    if (!synonyms)
        return;
    c->Synonyms = arena_alloc(a, sizeof(*c->Synonyms));
    c->Synonyms[0] = (kwire_DescribeConfigsSynonym_t){c->Name, c->Value, c->ConfigSource};
    c->SynonymsCount = 1;
}

/* xdc.fenced: the one dynamic broker config, set through the admin API. */
static void describe_fenced(brk_server_t *srv, int synonyms, arena_t *a,
                            kwire_DescribeConfigsResourceResult_t *c)
{
    c->Name = kwire_cstr(BRK_FENCED_KEY);
    c->Value = kwire_cstr(srv->fenced ? "true" : "false");
    c->ConfigSource =
        srv->fenced ? KWIRE_CONFIG_SOURCE_DYNAMIC_BROKER : KWIRE_CONFIG_SOURCE_DEFAULT;
    c->IsDefault = !srv->fenced;
    if (!synonyms)
        return;
    c->Synonyms = arena_alloc(a, sizeof(*c->Synonyms));
    c->Synonyms[0] = (kwire_DescribeConfigsSynonym_t){c->Name, c->Value, c->ConfigSource};
    c->SynonymsCount = 1;
}

/* Kafka takes this node's id, or "" for the cluster-wide defaults; both
 * are the properties file here. */
static int is_this_broker(brk_server_t *srv, kwire_slice_t name)
{
    char id[16];
    snprintf(id, sizeof(id), "%d", srv->conf.node_id);
    return name.len == 0 || kwire_slice_eq(name, id);
}

static void describe_broker(brk_server_t *srv, const kwire_DescribeConfigsResource_t *res,
                            int synonyms, arena_t *a, kwire_DescribeConfigsResult_t *out)
{
    if (!is_this_broker(srv, res->ResourceName)) {
        char msg[MSG_MAX];
        xdc_errbuf(msg, sizeof(msg),
                   "Unexpected broker id, expected %d or empty string, but "
                   "received '%.*s'.",
                   srv->conf.node_id, (int)res->ResourceName.len, res->ResourceName.ptr);
        out->ErrorCode = KWIRE_ERR_INVALID_REQUEST;
        out->ErrorMessage = amsg(a, out->ErrorCode, msg);
        return;
    }
    out->Configs = arena_calloc(a, brk_conf_table.count + 1, sizeof(*out->Configs));
    for (size_t i = 0; i < brk_conf_table.count; i++)
        if (wanted(res, brk_conf_table.items[i].name))
            describe_broker_config(srv, &brk_conf_table.items[i], synonyms, a,
                                   &out->Configs[out->ConfigsCount++]);
    if (wanted(res, BRK_FENCED_KEY))
        describe_fenced(srv, synonyms, a, &out->Configs[out->ConfigsCount++]);
}

int brk__serve_DescribeConfigs(brk_server_t *srv, const brk_req_t *req, brk_out_t *out)
{
    kwire_DescribeConfigsRequest_t rq;
    kwire_DescribeConfigsResponse_t resp;
    arena_t *a = req->arena;
    int16_t ver = req->hdr.ApiVersion;
    if (kwire_decode_DescribeConfigsRequest((kwire_reader_t *)&req->body, ver, a, &rq) < 0)
        return XDC_EMALFORMED;
    memset(&resp, 0, sizeof(resp));
    resp.Results = arena_calloc(a, (size_t)rq.ResourcesCount + 1, sizeof(*resp.Results));
    resp.ResultsCount = rq.ResourcesCount;
    int synonyms = ver >= 1 && rq.IncludeSynonyms;
    for (int32_t i = 0; i < rq.ResourcesCount; i++) {
        const kwire_DescribeConfigsResource_t *res = &rq.Resources[i];
        kwire_DescribeConfigsResult_t *r = &resp.Results[i];
        r->ResourceType = res->ResourceType;
        r->ResourceName = res->ResourceName;
        r->ErrorMessage = KWIRE_SLICE_NULL;
        if (res->ResourceType == KWIRE_RESOURCE_TOPIC) {
            describe_topic(srv, res, synonyms, a, r);
        } else if (res->ResourceType == KWIRE_RESOURCE_BROKER) {
            describe_broker(srv, res, synonyms, a, r);
        } else {
            r->ErrorCode = KWIRE_ERR_INVALID_REQUEST;
            r->ErrorMessage = astr(a, "Unsupported resource type.");
        }
    }
    kwire_encode_DescribeConfigsResponse(&out->buf, ver, &resp);
    return 0;
}

/* --- AlterConfigs and IncrementalAlterConfigs ---------------------------- */

/* One resource's changes, in the shape both APIs reduce to. */
typedef struct alter {
    int8_t type;
    kwire_slice_t name;
    kwire_slice_t *keys, *values; /* n each */
    int8_t *ops;                  /* IncrementalAlterConfigs; NULL: replace all */
    int32_t n;
} alter_t;

/* Is @p item (@p len bytes) one of the comma-separated items of @p list? */
static int list_has(const char *list, const char *item, size_t len)
{
    for (const char *p = list; *p;) {
        p += strspn(p, " ,");
        size_t n = strcspn(p, ",");
        while (n && p[n - 1] == ' ')
            n--;
        if (n && n == len && memcmp(p, item, len) == 0)
            return 1;
        p += strcspn(p, ",");
    }
    return 0;
}

/* Append @p n bytes of @p item to the comma-separated list in @p b,
 * which stays NUL-terminated. */
static void list_add(buf_t *b, const char *item, size_t n)
{
    b->len--; /* the NUL */
    if (b->len)
        buf_append(b, ",", 1);
    buf_append(b, item, n);
    buf_append(b, "", 1);
}

/* Append to @p b the items of @p from that are (@p keep 1) or are not
 * (@p keep 0) in @p filter, skipping those @p b already has. */
static void list_filter(buf_t *b, const char *from, const char *filter, int keep)
{
    for (const char *p = from; *p;) {
        p += strspn(p, " ,");
        size_t n = strcspn(p, ",");
        while (n && p[n - 1] == ' ')
            n--;
        if (n && list_has(filter, p, n) == keep && !list_has((const char *)b->data, p, n))
            list_add(b, p, n);
        p += strcspn(p, ",");
    }
}

/* APPEND or SUBTRACT on a list config (cleanup.policy) becomes a SET of
 * the resulting list, starting from the override or the effective value,
 * as Kafka does. Other configs refuse them.
 * @param out the new value, in @p a. */
static int16_t resolve_list_op(const brk_topic_t *t, const char *key, int8_t op, const char *value,
                               arena_t *a, const char **out, char *msg, size_t len)
{
    const conf_item_t *it = conf_find(&brk_topic_conf_table, key);
    if (!it || it->type != CONF_LIST) {
        xdc_errbuf(msg, len, "Config value %s is not allowed for config key: %s",
                   op == KWIRE_CONFIG_OP_APPEND ? "append" : "subtract", key);
        return KWIRE_ERR_INVALID_CONFIG;
    }
    char cur[MSG_MAX];
    int ov = override_index(t, key);
    if (ov >= 0)
        snprintf(cur, sizeof(cur), "%s", t->ov_values[ov]);
    else
        conf_format(it, &t->conf, cur, sizeof(cur));
    buf_t b = BUF_INIT;
    buf_append(&b, "", 1);
    if (op == KWIRE_CONFIG_OP_SUBTRACT) {
        list_filter(&b, cur, value, 0);
    } else {
        list_filter(&b, cur, "", 0);
        list_filter(&b, value, "", 0);
    }
    *out = adup(a, kwire_cstr((const char *)b.data));
    buf_close(&b);
    return KWIRE_ERR_NONE;
}

/* NUL-terminated keys, values and SET/DELETE ops for the topic registry. */
static int16_t alter_args(const brk_topic_t *t, const alter_t *al, arena_t *a, const char **keys,
                          const char **values, int8_t *ops, char *msg, size_t len)
{
    for (int32_t i = 0; i < al->n; i++) {
        int8_t op = al->ops ? al->ops[i] : KWIRE_CONFIG_OP_SET;
        keys[i] = adup(a, al->keys[i]);
        values[i] = adup(a, al->values[i]);
        ops[i] = op;
        if (op < KWIRE_CONFIG_OP_SET || op > KWIRE_CONFIG_OP_SUBTRACT) {
            xdc_errbuf(msg, len, "Unknown config operation %d for %s.", op, keys[i]);
            return KWIRE_ERR_INVALID_REQUEST;
        }
        if (op != KWIRE_CONFIG_OP_DELETE && !values[i]) {
            xdc_errbuf(msg, len, "Null value not supported for: %s", keys[i]);
            return KWIRE_ERR_INVALID_REQUEST;
        }
        if (op == KWIRE_CONFIG_OP_APPEND || op == KWIRE_CONFIG_OP_SUBTRACT) {
            int16_t err = resolve_list_op(t, keys[i], op, values[i], a, &values[i], msg, len);
            if (err)
                return err;
            ops[i] = KWIRE_CONFIG_OP_SET;
        }
    }
    return KWIRE_ERR_NONE;
}

/* IncrementalAlterConfigs as a whole new override set: the topic's
 * overrides with the SETs and DELETEs applied, handed to the registry as
 * an AlterConfigs replace. Building it here, in @p a, keeps it apart from
 * the topic's own strings, which the registry frees while it installs the
 * new set.  @return the number of overrides in @p *mk / @p *mv. */
static int merge_overrides(const brk_topic_t *t, const char **keys, const char **values,
                           const int8_t *ops, int n, arena_t *a, const char ***mk, const char ***mv)
{
    const char **k = arena_calloc(a, (size_t)(t->nov + n) + 1, sizeof(char *));
    const char **v = arena_calloc(a, (size_t)(t->nov + n) + 1, sizeof(char *));
    int m = 0;
    for (int i = 0; i < t->nov; i++, m++) {
        k[m] = adup(a, kwire_cstr(t->ov_keys[i]));
        v[m] = adup(a, kwire_cstr(t->ov_values[i]));
    }
    for (int i = 0; i < n; i++) {
        int j = 0;
        while (j < m && strcmp(k[j], keys[i]) != 0)
            j++;
        if (ops[i] == KWIRE_CONFIG_OP_DELETE) {
            if (j < m) { /* keep the order: operators read these lists */
                memmove(&k[j], &k[j + 1], (size_t)(m - j - 1) * sizeof(char *));
                memmove(&v[j], &v[j + 1], (size_t)(m - j - 1) * sizeof(char *));
                m--;
            }
            continue;
        }
        k[j] = keys[i];
        v[j] = values[i];
        m += j == m;
    }
    *mk = k;
    *mv = v;
    return m;
}

static int16_t alter_topic(brk_server_t *srv, const alter_t *al, int validate_only, arena_t *a,
                           char *msg, size_t len)
{
    brk_topic_t *t = brk__topic_find(srv, (const char *)al->name.ptr, (size_t)al->name.len);
    if (!t) {
        xdc_errbuf(msg, len, "Topic '%.*s' does not exist.", (int)al->name.len, al->name.ptr);
        return KWIRE_ERR_UNKNOWN_TOPIC_OR_PARTITION;
    }
    /* Legacy AlterConfigs builds a map, the last value winning (librdkafka
     * 2.0.2 appends a key it already holds); only IncrementalAlterConfigs
     * refuses duplicates, as in Kafka. */
    int32_t d = al->ops ? first_dup(a, al->keys, al->n) : -1;
    if (d >= 0) {
        xdc_errbuf(msg, len, "Config '%.*s' appears more than once.", (int)al->keys[d].len,
                   al->keys[d].ptr);
        return KWIRE_ERR_INVALID_REQUEST;
    }
    const char **keys = arena_calloc(a, (size_t)al->n + 1, sizeof(char *));
    const char **values = arena_calloc(a, (size_t)al->n + 1, sizeof(char *));
    int8_t *ops = arena_calloc(a, (size_t)al->n + 1, 1);
    int16_t err = alter_args(t, al, a, keys, values, ops, msg, len);
    int n = al->n;
    if (!err && al->ops)
        n = merge_overrides(t, keys, values, ops, n, a, &keys, &values);
    if (!err)
        err = brk__topic_alter_configs(srv, t, keys, values, n, validate_only, msg, len);
    return err;
}

/* The one dynamic broker config: xdc.fenced. AlterConfigs replaces the
 * whole dynamic set, so leaving it out unfences, as Kafka drops a dynamic
 * config the request does not name. */
static int16_t alter_broker(brk_server_t *srv, const alter_t *al, int validate_only,
                            brk_conn_t *conn, arena_t *a, char *msg, size_t len)
{
    if (!is_this_broker(srv, al->name)) {
        xdc_errbuf(msg, len,
                   "Unexpected broker id, expected %d or empty string, but received "
                   "'%.*s'.",
                   srv->conf.node_id, (int)al->name.len, al->name.ptr);
        return KWIRE_ERR_INVALID_REQUEST;
    }
    int fenced = al->ops ? srv->fenced : 0;
    for (int32_t i = 0; i < al->n; i++) {
        const char *key = adup(a, al->keys[i]), *value = adup(a, al->values[i]);
        int8_t op = al->ops ? al->ops[i] : KWIRE_CONFIG_OP_SET;
        if (strcmp(key, BRK_FENCED_KEY) != 0) {
            xdc_errbuf(msg, len,
                       "Broker config '%s' is static: edit the properties file (only "
                       "%s changes at runtime).",
                       key, BRK_FENCED_KEY);
            return KWIRE_ERR_INVALID_REQUEST;
        }
        if (op == KWIRE_CONFIG_OP_DELETE) {
            fenced = 0;
        } else if (op == KWIRE_CONFIG_OP_SET && value &&
                   (!strcasecmp(value, "true") || !strcasecmp(value, "false"))) {
            fenced = !strcasecmp(value, "true");
        } else {
            xdc_errbuf(msg, len,
                       "Invalid value %s for configuration %s: Expected value to be "
                       "either true or false",
                       value ? value : "null", key);
            return KWIRE_ERR_INVALID_CONFIG;
        }
    }
    if (validate_only)
        return KWIRE_ERR_NONE;
    int rc = brk__fence_set(srv, fenced, conn);
    if (rc < 0) {
        xdc_errbuf(msg, len, "Cannot record %s=%s durably: %s", BRK_FENCED_KEY,
                   fenced ? "true" : "false", strerror(-rc));
        return KWIRE_ERR_KAFKA_STORAGE_ERROR;
    }
    return KWIRE_ERR_NONE;
}

static int16_t alter_resource(brk_server_t *srv, const alter_t *al, int dup, int validate_only,
                              brk_conn_t *conn, arena_t *a, char *msg, size_t len)
{
    if (dup) {
        xdc_errbuf(msg, len, "Each resource must appear at most once.");
        return KWIRE_ERR_INVALID_REQUEST;
    }
    if (al->type == KWIRE_RESOURCE_BROKER)
        return alter_broker(srv, al, validate_only, conn, a, msg, len);
    if (al->type != KWIRE_RESOURCE_TOPIC) {
        xdc_errbuf(msg, len, "Unsupported resource type %d.", al->type);
        return KWIRE_ERR_INVALID_REQUEST;
    }
    return alter_topic(srv, al, validate_only, a, msg, len);
}

/* Resources named twice: the same (type, name) pair. */
static uint8_t *dup_resources(arena_t *a, const alter_t *al, int32_t n)
{
    kwire_slice_t *names = arena_calloc(a, (size_t)n + 1, sizeof(*names));
    for (int32_t i = 0; i < n; i++) {
        uint8_t *key = arena_alloc(a, (size_t)al[i].name.len + 2);
        key[0] = (uint8_t)al[i].type;
        if (al[i].name.len > 0)
            memcpy(key + 1, al[i].name.ptr, (size_t)al[i].name.len);
        names[i] = (kwire_slice_t){key, al[i].name.len + 1};
    }
    return dup_marks(a, names, n);
}

/* Apply @p n resources' changes and fill the shared response. */
static void alter_all(brk_server_t *srv, const alter_t *al, int32_t n, int validate_only,
                      brk_conn_t *conn, arena_t *a, kwire_AlterConfigsResponse_t *resp)
{
    uint8_t *dup = dup_resources(a, al, n);
    resp->Responses = arena_calloc(a, (size_t)n + 1, sizeof(*resp->Responses));
    resp->ResponsesCount = n;
    for (int32_t i = 0; i < n; i++) {
        char msg[MSG_MAX] = "";
        kwire_AlterConfigsResourceResponse_t *r = &resp->Responses[i];
        r->ResourceType = al[i].type;
        r->ResourceName = al[i].name;
        r->ErrorCode =
            alter_resource(srv, &al[i], dup[i], validate_only, conn, a, msg, sizeof(msg));
        r->ErrorMessage = amsg(a, r->ErrorCode, msg);
        if (r->ErrorCode)
            log_info("[%.*s] config change refused (error %d): %s", (int)al[i].name.len,
                     al[i].name.ptr, r->ErrorCode, msg);
    }
}

int brk__serve_AlterConfigs(brk_server_t *srv, const brk_req_t *req, brk_out_t *out)
{
    kwire_AlterConfigsRequest_t rq;
    kwire_AlterConfigsResponse_t resp;
    arena_t *a = req->arena;
    if (kwire_decode_AlterConfigsRequest((kwire_reader_t *)&req->body, req->hdr.ApiVersion, a,
                                         &rq) < 0)
        return XDC_EMALFORMED;
    alter_t *al = arena_calloc(a, (size_t)rq.ResourcesCount + 1, sizeof(*al));
    for (int32_t i = 0; i < rq.ResourcesCount; i++) {
        const kwire_AlterConfigsResource_t *res = &rq.Resources[i];
        int32_t n = res->ConfigsCount;
        al[i] = (alter_t){res->ResourceType,
                          res->ResourceName,
                          arena_calloc(a, (size_t)n + 1, sizeof(kwire_slice_t)),
                          arena_calloc(a, (size_t)n + 1, sizeof(kwire_slice_t)),
                          NULL,
                          n};
        for (int32_t j = 0; j < n; j++) {
            al[i].keys[j] = res->Configs[j].Name;
            al[i].values[j] = res->Configs[j].Value;
        }
    }
    memset(&resp, 0, sizeof(resp));
    alter_all(srv, al, rq.ResourcesCount, rq.ValidateOnly, req->conn, a, &resp);
    kwire_encode_AlterConfigsResponse(&out->buf, req->hdr.ApiVersion, &resp);
    return 0;
}

int brk__serve_IncrementalAlterConfigs(brk_server_t *srv, const brk_req_t *req, brk_out_t *out)
{
    kwire_IncrementalAlterConfigsRequest_t rq;
    kwire_IncrementalAlterConfigsResponse_t resp;
    arena_t *a = req->arena;
    if (kwire_decode_IncrementalAlterConfigsRequest((kwire_reader_t *)&req->body,
                                                    req->hdr.ApiVersion, a, &rq) < 0)
        return XDC_EMALFORMED;
    alter_t *al = arena_calloc(a, (size_t)rq.ResourcesCount + 1, sizeof(*al));
    for (int32_t i = 0; i < rq.ResourcesCount; i++) {
        const kwire_IncrementalAlterConfigsResource_t *res = &rq.Resources[i];
        int32_t n = res->ConfigsCount;
        al[i] = (alter_t){res->ResourceType,
                          res->ResourceName,
                          arena_calloc(a, (size_t)n + 1, sizeof(kwire_slice_t)),
                          arena_calloc(a, (size_t)n + 1, sizeof(kwire_slice_t)),
                          arena_calloc(a, (size_t)n + 1, 1),
                          n};
        for (int32_t j = 0; j < n; j++) {
            al[i].keys[j] = res->Configs[j].Name;
            al[i].values[j] = res->Configs[j].Value;
            al[i].ops[j] = res->Configs[j].ConfigOperation;
        }
    }
    memset(&resp, 0, sizeof(resp));
    alter_all(srv, al, rq.ResourcesCount, rq.ValidateOnly, req->conn, a, &resp);
    kwire_encode_IncrementalAlterConfigsResponse(&out->buf, req->hdr.ApiVersion, &resp);
    return 0;
}

/* --- DescribeCluster ----------------------------------------------------- */

int brk__serve_DescribeCluster(brk_server_t *srv, const brk_req_t *req, brk_out_t *out)
{
    kwire_DescribeClusterRequest_t rq;
    kwire_DescribeClusterResponse_t resp;
    kwire_MetadataResponseBroker_t b;
    arena_t *a = req->arena;
    if (kwire_decode_DescribeClusterRequest((kwire_reader_t *)&req->body, req->hdr.ApiVersion, a,
                                            &rq) < 0)
        return XDC_EMALFORMED;
    memset(&resp, 0, sizeof(resp));
    resp.ErrorMessage = KWIRE_SLICE_NULL;
    resp.EndpointType = rq.EndpointType;
    resp.ClusterId = kwire_cstr(srv->cluster_id);
    resp.ClusterAuthorizedOperations = INT32_MIN;
    /* We are a broker endpoint; a client looking for controllers (KIP-919)
     * gets Kafka's answer from a broker listener. */
    if (req->hdr.ApiVersion >= 1 && rq.EndpointType != 1) {
        resp.ErrorCode = KWIRE_ERR_MISMATCHED_ENDPOINT_TYPE;
        resp.ErrorMessage = kwire_cstr("The request was sent to an endpoint of type BROKER, but "
                                       "we wanted an endpoint of type CONTROLLER");
        resp.ControllerId = -1;
    } else {
        brk__advertised(srv, req->conn, &b, a);
        resp.ControllerId = srv->conf.node_id;
        resp.Brokers = arena_alloc(a, sizeof(*resp.Brokers));
        resp.Brokers[0] = (kwire_DescribeClusterBroker_t){b.NodeId, b.Host, b.Port, b.Rack};
        resp.BrokersCount = 1;
    }
    kwire_encode_DescribeClusterResponse(&out->buf, req->hdr.ApiVersion, &resp);
    return 0;
}
