/* Topic registry, creation, deletion and its persistence. */
#include "broker/brk_topic.h"

#include "broker/brk_int.h"
#include "broker/kwire_batch.h"
#include "broker/kwire_err.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define TOPIC_NAME_MAX 249
#define TOPICS_FILE    "topics.json"

int brk_topic_name_check(const char *name, size_t len, char *why, size_t whylen)
{
    if (len == 0 || len > TOPIC_NAME_MAX) {
        xdc_errbuf(why, whylen, "topic name must have 1 to %d characters, not %zu", TOPIC_NAME_MAX,
                   len);
        return XDC_ECONF;
    }
    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.')) {
        xdc_errbuf(why, whylen, "topic name cannot be '.' or '..'");
        return XDC_ECONF;
    }
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-')) {
            xdc_errbuf(why, whylen,
                       "topic name '%.*s' contains an illegal character (legal: ASCII letters, "
                       "digits, '.', '_', '-')",
                       (int)len, name);
            return XDC_ECONF;
        }
    }
    return 0;
}

static uint64_t name_hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
    return h;
}

static brk_topics_t *topics(brk_server_t *srv)
{
    return &srv->topics;
}

brk_topic_t *brk__topic_find(brk_server_t *srv, const char *name, size_t len)
{
    brk_topics_t *ts = topics(srv);
    if (!ts->nbuckets)
        return NULL;
    for (brk_topic_t *t = ts->buckets[name_hash(name, len) % ts->nbuckets]; t; t = t->hnext)
        if (strlen(t->name) == len && memcmp(t->name, name, len) == 0)
            return t;
    return NULL;
}

static void registry_insert(brk_topics_t *ts, brk_topic_t *t)
{
    if (ts->count + 1 > ts->nbuckets) {
        size_t n = ts->nbuckets ? ts->nbuckets * 2 : 64;
        brk_topic_t **b = xcalloc(n, sizeof(*b));
        for (size_t i = 0; i < ts->nbuckets; i++) {
            for (brk_topic_t *x = ts->buckets[i], *next; x; x = next) {
                next = x->hnext;
                size_t h = name_hash(x->name, strlen(x->name)) % n;
                x->hnext = b[h];
                b[h] = x;
            }
        }
        free(ts->buckets);
        ts->buckets = b;
        ts->nbuckets = n;
    }
    size_t h = name_hash(t->name, strlen(t->name)) % ts->nbuckets;
    t->hnext = ts->buckets[h];
    ts->buckets[h] = t;
    ts->count++;
}

static void registry_remove(brk_topics_t *ts, brk_topic_t *t)
{
    brk_topic_t **pp = &ts->buckets[name_hash(t->name, strlen(t->name)) % ts->nbuckets];
    while (*pp && *pp != t)
        pp = &(*pp)->hnext;
    if (*pp) {
        *pp = t->hnext;
        ts->count--;
    }
}

void brk__topics_each(brk_server_t *srv, void (*fn)(brk_topic_t *t, void *arg), void *arg)
{
    brk_topics_t *ts = topics(srv);
    for (size_t i = 0; i < ts->nbuckets; i++)
        for (brk_topic_t *t = ts->buckets[i], *next; t; t = next) {
            next = t->hnext; /* fn may delete t */
            fn(t, arg);
        }
}

/* --- effective configuration ------------------------------------------- */

/* Topic configuration = the broker's defaults, then the topic's overrides.
 * Going through text keeps one parser and its bounds checks. */
static int effective_conf(brk_server_t *srv, char **keys, char **values, int n,
                          brk_topic_conf_t *out, char *why, size_t whylen)
{
    const conf_table_t *tt = &brk_topic_conf_table;
    char val[512];
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < tt->count; i++) {
        const conf_item_t *bi =
            conf_find(&brk_conf_table, brk_topic_conf_broker_key(tt->items[i].name));
        conf_format(bi, &srv->conf, val, sizeof(val));
        if (conf_set(&tt->items[i], out, val, why, whylen) < 0)
            return XDC_ECONF;
    }
    for (int i = 0; i < n; i++) {
        const conf_item_t *it = conf_find(tt, keys[i]);
        if (!it) {
            const char *near = conf_closest(tt, keys[i]);
            xdc_errbuf(why, whylen, "unknown topic config '%s'%s%s%s", keys[i],
                       near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
            return XDC_ECONF;
        }
        if (conf_set(it, out, values[i], why, whylen) < 0)
            return XDC_ECONF;
    }
    return 0;
}

void brk__topic_store_conf(const brk_topic_t *t, brk_store_conf_t *sc)
{
    const brk_topic_conf_t *c = &t->conf;
    sc->segment_bytes = c->segment_bytes;
    sc->segment_ms = c->segment_ms;
    /* A compact-only topic (__consumer_offsets) is never trimmed by time or
     * size: its records are the latest state, not a window of events. */
    int deletes = 0;
    for (int i = 0; i < c->cleanup_policy.count; i++)
        deletes |= strcmp(c->cleanup_policy.items[i], "delete") == 0;
    sc->retention_ms = deletes ? c->retention_ms : -1;
    sc->retention_bytes = deletes ? c->retention_bytes : -1;
    /* Kafka's Long.MAX means "leave it to the OS", the store's 0 means never;
     * Kafka's flush.ms=0 means every append, the store's smallest step is 1. */
    sc->flush_messages = c->flush_messages == INT64_MAX ? 0 : c->flush_messages;
    sc->flush_ms = c->flush_ms == INT64_MAX ? 0 : c->flush_ms == 0 ? 1 : c->flush_ms;
    sc->index_interval_bytes = c->index_interval_bytes;
    sc->segment_index_bytes = c->segment_index_bytes;
    sc->max_message_bytes = c->max_message_bytes;
}

static void overrides_free(brk_topic_t *t)
{
    for (int i = 0; i < t->nov; i++) {
        free(t->ov_keys[i]);
        free(t->ov_values[i]);
    }
    free(t->ov_keys);
    free(t->ov_values);
    t->ov_keys = t->ov_values = NULL;
    t->nov = 0;
}

/* Copy first, free after: @p keys and @p values may be the topic's own
 * strings (an incremental change keeps most of them). */
static void overrides_set(brk_topic_t *t, const char *const *keys, const char *const *values, int n)
{
    char **k = xcalloc((size_t)n + 1, sizeof(char *)), **v = xcalloc((size_t)n + 1, sizeof(char *));
    for (int i = 0; i < n; i++) {
        k[i] = xstrdup(keys[i]);
        v[i] = xstrdup(values[i]);
    }
    overrides_free(t);
    t->ov_keys = k;
    t->ov_values = v;
    t->nov = n;
}

/* --- partitions ---------------------------------------------------------- */

static int part_open(brk_part_t *p, int64_t recovery_point, int64_t log_start, char *errbuf,
                     size_t errlen)
{
    brk_store_conf_t sc;
    brk__topic_store_conf(p->topic, &sc);
    return brk_store_open(p->dir, &sc, recovery_point, log_start, xdc_mono_ms(), &p->store, errbuf,
                          errlen);
}

void brk__topic_apply_store_conf(brk_topic_t *t)
{
    brk_store_conf_t sc;
    char err[256];
    brk__topic_store_conf(t, &sc);
    for (int32_t i = 0; i < t->nparts; i++)
        if (brk_store_set_conf(t->parts[i].store, &sc, err, sizeof(err)) < 0)
            log_error("[%s/%d] settings not applied: %s", t->name, i, err);
}

/* Kafka's partition.metadata: which topic id a partition directory holds. */
static void write_partition_metadata(brk_part_t *p)
{
    static const char hex[] = "0123456789abcdef";
    char id[37], *o = id;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[p->topic->id[i] >> 4];
        *o++ = hex[p->topic->id[i] & 15];
    }
    *o = '\0';
    char *path = xasprintf("%s/partition.metadata", p->dir);
    char *text = xasprintf("version: 0\ntopic_id: %s\n", id);
    brk__write_atomic(path, text, strlen(text));
    free(text);
    free(path);
}

static int parts_open(brk_server_t *srv, brk_topic_t *t, int32_t from, int32_t to, json_t *recovery,
                      json_t *starts, char *errbuf, size_t errlen)
{
    t->parts = xrealloc(t->parts, (size_t)to * sizeof(brk_part_t));
    for (int32_t i = from; i < to; i++) {
        brk_part_t *p = &t->parts[i];
        memset(p, 0, sizeof(*p));
        p->topic = t;
        p->index = i;
        p->dir = xasprintf("%s/%s-%d", srv->data_dir, t->name, i);
        char key[300];
        snprintf(key, sizeof(key), "%s %d", t->name, i);
        json_int_t rp = recovery ? json_integer_value(json_object_get(recovery, key)) : 0;
        json_int_t ls = starts ? json_integer_value(json_object_get(starts, key)) : 0;
        t->nparts = i + 1;
        if (part_open(p, rp, ls, errbuf, errlen) < 0)
            return XDC_ECORRUPT;
        brk__idem_load(p);
        write_partition_metadata(p);
    }
    return 0;
}

static void topic_free(brk_topic_t *t)
{
    if (!t)
        return;
    for (int32_t i = 0; i < t->nparts; i++) {
        brk_store_close(t->parts[i].store);
        brk__idem_free(t->parts[i].idem);
        free(t->parts[i].dir);
    }
    free(t->parts);
    overrides_free(t);
    conf_free(&brk_topic_conf_table, &t->conf);
    free(t->name);
    free(t);
}

/* --- persistence ------------------------------------------------------- */

int brk__write_atomic(const char *path, const char *data, size_t len)
{
    char *tmp = xasprintf("%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = fd < 0 ? -errno : 0;
    if (rc == 0 && write(fd, data, len) != (ssize_t)len)
        rc = -EIO;
    if (rc == 0 && fsync(fd) < 0)
        rc = -errno;
    if (fd >= 0)
        close(fd);
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -errno;
    if (rc < 0) {
        log_error("cannot write %s: %s", path, strerror(-rc));
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

static void id_to_text(const uint8_t id[16], char out[33])
{
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", id[i]);
}

static int id_from_text(const char *s, uint8_t id[16])
{
    if (!s || strlen(s) != 32)
        return -1;
    for (int i = 0; i < 16; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        id[i] = (uint8_t)v;
    }
    return 0;
}

static void topic_to_json(brk_topic_t *t, void *arg)
{
    char id[33];
    json_t *cfg = json_object();
    for (int i = 0; i < t->nov; i++)
        json_object_set_new(cfg, t->ov_keys[i], json_string(t->ov_values[i]));
    id_to_text(t->id, id);
    json_array_append_new(arg, json_pack("{s:s, s:s, s:i, s:o}", "name", t->name, "id", id,
                                         "partitions", t->nparts, "configs", cfg));
}

/* topics.json holds what Kafka keeps in its metadata log: names, ids,
 * partition counts and config overrides. */
static int topics_save(brk_server_t *srv)
{
    json_t *arr = json_array();
    brk__topics_each(srv, topic_to_json, arr);
    json_t *root = json_pack("{s:i, s:o}", "version", 1, "topics", arr);
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(root);
    char *path = xasprintf("%s/%s", srv->data_dir, TOPICS_FILE);
    int rc = brk__write_atomic(path, text, strlen(text));
    free(path);
    free(text);
    return rc;
}

/* --- create, delete, grow, alter ----------------------------------------- */

static brk_topic_t *topic_new(const char *name)
{
    brk_topic_t *t = xcalloc(1, sizeof(*t));
    t->name = xstrdup(name);
    /* Kafka's internal topics; a user's "__x" is an ordinary topic. */
    t->internal =
        strcmp(name, "__consumer_offsets") == 0 || strcmp(name, "__transaction_state") == 0;
    return t;
}

int16_t brk__topic_create(brk_server_t *srv, const char *name, int32_t nparts,
                          const char *const *keys, const char *const *values, int nconfigs,
                          int validate_only, char *msg, size_t msglen)
{
    char why[512];
    if (brk_topic_name_check(name, strlen(name), why, sizeof(why)) < 0) {
        xdc_errbuf(msg, msglen, "%s", why);
        return KWIRE_ERR_INVALID_TOPIC_EXCEPTION;
    }
    if (brk__topic_find(srv, name, strlen(name))) {
        xdc_errbuf(msg, msglen, "Topic '%s' already exists.", name);
        return KWIRE_ERR_TOPIC_ALREADY_EXISTS;
    }
    if (nparts == -1)
        nparts = srv->conf.num_partitions;
    if (nparts <= 0 || nparts > BRK_MAX_PARTITIONS) {
        xdc_errbuf(msg, msglen, "Number of partitions must be between 1 and %d, not %d.",
                   BRK_MAX_PARTITIONS, nparts);
        return KWIRE_ERR_INVALID_PARTITIONS;
    }
    brk_topic_t *t = topic_new(name);
    if (effective_conf(srv, (char **)keys, (char **)values, nconfigs, &t->conf, why, sizeof(why)) <
        0) {
        xdc_errbuf(msg, msglen, "%s", why);
        topic_free(t);
        return KWIRE_ERR_INVALID_CONFIG;
    }
    if (validate_only) {
        topic_free(t);
        return KWIRE_ERR_NONE;
    }
    overrides_set(t, keys, values, nconfigs);
    while (getrandom(t->id, sizeof(t->id), 0) != sizeof(t->id))
        ;
    if (parts_open(srv, t, 0, nparts, NULL, NULL, why, sizeof(why)) < 0) {
        log_error("[%s] cannot create: %s", name, why);
        xdc_errbuf(msg, msglen, "%s", why);
        topic_free(t);
        return KWIRE_ERR_KAFKA_STORAGE_ERROR;
    }
    registry_insert(topics(srv), t);
    topics_save(srv);
    log_info("[%s] created with %d partition(s)", name, nparts);
    return KWIRE_ERR_NONE;
}

int16_t brk__topic_delete(brk_server_t *srv, const char *name)
{
    brk_topic_t *t = brk__topic_find(srv, name, strlen(name));
    if (!t)
        return KWIRE_ERR_UNKNOWN_TOPIC_OR_PARTITION;
    registry_remove(topics(srv), t);
    topics_save(srv);
    for (int32_t i = 0; i < t->nparts; i++) {
        brk_store_close(t->parts[i].store);
        t->parts[i].store = NULL;
        brk_store_destroy_dir(t->parts[i].dir);
    }
    log_info("[%s] deleted", name);
    topic_free(t);
    return KWIRE_ERR_NONE;
}

int16_t brk__topic_add_partitions(brk_server_t *srv, brk_topic_t *t, int32_t total,
                                  int validate_only, char *msg, size_t msglen)
{
    char why[512];
    if (total <= t->nparts) {
        xdc_errbuf(msg, msglen, "Topic currently has %d partitions, %d would not be an increase.",
                   t->nparts, total);
        return KWIRE_ERR_INVALID_PARTITIONS;
    }
    if (total > BRK_MAX_PARTITIONS) {
        xdc_errbuf(msg, msglen, "At most %d partitions per topic.", BRK_MAX_PARTITIONS);
        return KWIRE_ERR_INVALID_PARTITIONS;
    }
    if (validate_only)
        return KWIRE_ERR_NONE;
    int32_t from = t->nparts;
    if (parts_open(srv, t, from, total, NULL, NULL, why, sizeof(why)) < 0) {
        log_error("[%s] cannot add partitions: %s", t->name, why);
        xdc_errbuf(msg, msglen, "%s", why);
        return KWIRE_ERR_KAFKA_STORAGE_ERROR;
    }
    topics_save(srv);
    log_info("[%s] partitions %d -> %d", t->name, from, total);
    return KWIRE_ERR_NONE;
}

int16_t brk__topic_alter_configs(brk_server_t *srv, brk_topic_t *t, const char *const *keys,
                                 const char *const *values, int n, int validate_only, char *msg,
                                 size_t msglen)
{
    char why[512];
    brk_topic_conf_t conf;
    int16_t err = KWIRE_ERR_NONE;
    if (effective_conf(srv, (char **)keys, (char **)values, n, &conf, why, sizeof(why)) < 0) {
        xdc_errbuf(msg, msglen, "%s", why);
        err = KWIRE_ERR_INVALID_CONFIG;
    } else if (!validate_only) {
        conf_free(&brk_topic_conf_table, &t->conf);
        t->conf = conf;
        memset(&conf, 0, sizeof(conf));
        overrides_set(t, keys, values, n);
        brk__topic_apply_store_conf(t);
        topics_save(srv);
        log_info("[%s] configuration changed (%d override(s))", t->name, n);
    }
    conf_free(&brk_topic_conf_table, &conf);
    return err;
}

/* --- load, checkpoint, close --------------------------------------------- */

/* Kafka's checkpoint files: "0", a count, then "topic partition offset". */
static json_t *read_checkpoint(const char *dir, const char *name)
{
    char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    free(path);
    json_t *m = json_object();
    if (!f)
        return m;
    char line[512], topic[300];
    int version = -1, part;
    long long off;
    if (fgets(line, sizeof(line), f))
        version = atoi(line);
    if (version == 0 && fgets(line, sizeof(line), f)) {
        while (fgets(line, sizeof(line), f))
            if (sscanf(line, "%299s %d %lld", topic, &part, &off) == 3) {
                char key[320];
                snprintf(key, sizeof(key), "%s %d", topic, part);
                json_object_set_new(m, key, json_integer(off));
            }
    }
    fclose(f);
    return m;
}

static int load_topic(brk_server_t *srv, json_t *jt, json_t *rec, json_t *starts, char *errbuf,
                      size_t errlen)
{
    const char *name = json_string_value(json_object_get(jt, "name"));
    json_int_t n = json_integer_value(json_object_get(jt, "partitions"));
    json_t *cfg = json_object_get(jt, "configs");
    char why[512];
    if (!name || brk_topic_name_check(name, strlen(name), why, sizeof(why)) < 0 || n <= 0 ||
        n > BRK_MAX_PARTITIONS || !json_is_object(cfg)) {
        xdc_errbuf(errbuf, errlen, "%s/%s: bad topic entry", srv->data_dir, TOPICS_FILE);
        return XDC_ECORRUPT;
    }
    brk_topic_t *t = topic_new(name);
    id_from_text(json_string_value(json_object_get(jt, "id")), t->id);
    size_t nc = json_object_size(cfg), i = 0;
    const char **keys = xcalloc(nc + 1, sizeof(char *)), **vals = xcalloc(nc + 1, sizeof(char *));
    const char *k;
    json_t *v;
    json_object_foreach(cfg, k, v)
    {
        keys[i] = k;
        vals[i++] = json_string_value(v) ? json_string_value(v) : "";
    }
    int rc = effective_conf(srv, (char **)keys, (char **)vals, (int)nc, &t->conf, why, sizeof(why));
    if (rc == 0)
        overrides_set(t, keys, vals, (int)nc);
    free(keys);
    free(vals);
    if (rc < 0) {
        xdc_errbuf(errbuf, errlen, "%s/%s: topic %s: %s", srv->data_dir, TOPICS_FILE, name, why);
        topic_free(t);
        return XDC_ECONF;
    }
    if (parts_open(srv, t, 0, (int32_t)n, rec, starts, errbuf, errlen) < 0) {
        topic_free(t);
        return XDC_ECORRUPT;
    }
    registry_insert(topics(srv), t);
    return 0;
}

int brk__topics_load(brk_server_t *srv, char *errbuf, size_t errlen)
{
    char *path = xasprintf("%s/%s", srv->data_dir, TOPICS_FILE);
    json_error_t jerr;
    json_t *root =
        access(path, F_OK) == 0 ? json_load_file(path, 0, &jerr) : json_pack("{s:[]}", "topics");
    int rc = 0;
    if (!root) {
        xdc_errbuf(errbuf, errlen, "%s:%d: %s", path, jerr.line, jerr.text);
        free(path);
        return XDC_ECORRUPT;
    }
    json_t *rec = read_checkpoint(srv->data_dir, "recovery-point-offset-checkpoint");
    json_t *starts = read_checkpoint(srv->data_dir, "log-start-offset-checkpoint");
    size_t i;
    json_t *jt;
    json_array_foreach(json_object_get(root, "topics"), i, jt)
    {
        if ((rc = load_topic(srv, jt, rec, starts, errbuf, errlen)) < 0)
            break;
    }
    if (rc == 0 && topics(srv)->count)
        log_info("broker loaded %zu topic(s) from %s", topics(srv)->count, path);
    json_decref(rec);
    json_decref(starts);
    json_decref(root);
    free(path);
    return rc;
}

typedef struct ckpt_acc {
    buf_t rec, start;
    int n;
} ckpt_acc_t;

static void checkpoint_topic(brk_topic_t *t, void *arg)
{
    ckpt_acc_t *a = arg;
    for (int32_t i = 0; i < t->nparts; i++) {
        brk_store_t *st = t->parts[i].store;
        /* Every partition gets a producer snapshot once its log moved, so
         * a restart replays only what came after it, as Kafka's do. */
        int64_t end = brk_store_log_end(st);
        if (end != t->parts[i].snapshot_at && !(end == 0 && t->parts[i].snapshot_at < 0))
            brk__idem_snapshot(&t->parts[i]);
        buf_printf(&a->rec, "%s %d %lld\n", t->name, i, (long long)brk_store_recovery_point(st));
        buf_printf(&a->start, "%s %d %lld\n", t->name, i, (long long)brk_store_log_start(st));
        a->n++;
    }
}

static int write_checkpoint(const char *dir, const char *name, int n, buf_t *body)
{
    buf_t out = BUF_INIT;
    buf_printf(&out, "0\n%d\n", n);
    buf_append(&out, body->data, body->len);
    char *path = xasprintf("%s/%s", dir, name);
    int rc = brk__write_atomic(path, (const char *)out.data, out.len);
    free(path);
    buf_close(&out);
    return rc;
}

int brk__topics_checkpoint(brk_server_t *srv)
{
    ckpt_acc_t a = {BUF_INIT, BUF_INIT, 0};
    brk__topics_each(srv, checkpoint_topic, &a);
    int rc = write_checkpoint(srv->data_dir, "recovery-point-offset-checkpoint", a.n, &a.rec);
    if (rc == 0)
        rc = write_checkpoint(srv->data_dir, "log-start-offset-checkpoint", a.n, &a.start);
    buf_close(&a.rec);
    buf_close(&a.start);
    return rc;
}

static void close_topic(brk_topic_t *t, void *arg)
{
    (void)arg;
    topic_free(t);
}

void brk__topics_close(brk_server_t *srv)
{
    brk__topics_each(srv, close_topic, NULL);
    free(topics(srv)->buckets);
    memset(topics(srv), 0, sizeof(brk_topics_t));
}

int brk__part_scan(brk_part_t *p, int64_t from, brk_scan_cb *cb, void *arg)
{
    int64_t end = brk_store_log_end(p->store);
    int64_t off = from > brk_store_log_start(p->store) ? from : brk_store_log_start(p->store);
    buf_t b = BUF_INIT;
    int rc = 0;
    while (off < end && rc == 0) {
        buf_reset(&b);
        rc = brk_store_read_copy(p->store, off, 1 << 20, &b);
        if (rc < 0 || b.len == 0)
            break;
        kwire_batch_iter_t it;
        kwire_slice_t batch;
        kwire_batch_hdr_t h;
        int64_t next = off;
        kwire_batch_iter_init(&it, b.data, b.len);
        while (kwire_batch_iter_next(&it, &batch, &h) == 1) {
            /* A read starts at the batch holding @p off: skip what precedes. */
            if (h.baseOffset + h.lastOffsetDelta >= off)
                cb(arg, batch, &h);
            next = h.baseOffset + h.lastOffsetDelta + 1;
        }
        if (next <= off)
            break; /* no whole batch: the store refused what it had served */
        off = next;
    }
    buf_close(&b);
    return rc < 0 ? rc : 0;
}
