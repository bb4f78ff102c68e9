/* Idempotent producers: producer ids, per-partition sequence checks with
 * Kafka's window of the last 5 batches per producer, and producer-state
 * snapshots in Kafka's .snapshot format so the state survives restarts. */
#include "broker/brk_int.h"

#include "broker/kwire_err.h"
#include "common/crc32c.h"
#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IDEM_WINDOW          5    /* Kafka's NUM_BATCHES_TO_RETAIN */
#define PID_BLOCK            1000 /* producer ids reserved per write of the block file */
#define SNAPSHOT_VERSION     1
#define SNAPSHOT_ENTRY_BYTES 46

typedef struct idem_batch {
    int32_t first_seq, last_seq;
    int64_t first_offset, last_offset;
} idem_batch_t;

typedef struct idem_producer {
    int64_t pid;
    int16_t epoch;
    int64_t timestamp;
    idem_batch_t batches[IDEM_WINDOW]; /* ring, newest at (head - 1) */
    int nbatches, head;
} idem_producer_t;

struct brk_idem {
    idem_producer_t *v;
    size_t n, cap;
};

static idem_producer_t *producer_find(brk_idem_t *s, int64_t pid)
{
    for (size_t i = 0; s && i < s->n; i++)
        if (s->v[i].pid == pid)
            return &s->v[i];
    return NULL;
}

static idem_producer_t *producer_get(brk_part_t *p, int64_t pid)
{
    if (!p->idem)
        p->idem = xcalloc(1, sizeof(*p->idem));
    idem_producer_t *e = producer_find(p->idem, pid);
    if (e)
        return e;
    brk_idem_t *s = p->idem;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
    }
    e = &s->v[s->n++];
    memset(e, 0, sizeof(*e));
    e->pid = pid;
    return e;
}

void brk__idem_free(brk_idem_t *s)
{
    if (s)
        free(s->v);
    free(s);
}

static int32_t seq_add(int32_t seq, int32_t n)
{
    /* Sequences wrap from INT32_MAX to 0 (and back, for n < 0). */
    int64_t m = (int64_t)INT32_MAX + 1;
    return (int32_t)((((int64_t)seq + n) % m + m) % m);
}

static const idem_batch_t *newest(const idem_producer_t *e)
{
    return e->nbatches ? &e->batches[(e->head + IDEM_WINDOW - 1) % IDEM_WINDOW] : NULL;
}

int16_t brk__idem_check(brk_server_t *srv, brk_part_t *p, const kwire_batch_hdr_t *h,
                        kwire_PartitionProduceResponse_t *pr)
{
    (void)srv;
    idem_producer_t *e = producer_find(p->idem, h->producerId);
    int32_t last_seq = seq_add(h->baseSequence, h->lastOffsetDelta);
    if (!e || e->nbatches == 0)
        return KWIRE_ERR_NONE; /* unknown or expired producer state is accepted, as in Kafka */
    if (h->producerEpoch < e->epoch)
        return KWIRE_ERR_INVALID_PRODUCER_EPOCH;
    if (h->producerEpoch > e->epoch)
        return h->baseSequence == 0 ? KWIRE_ERR_NONE : KWIRE_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
    for (int i = 0; i < e->nbatches; i++) {
        const idem_batch_t *b = &e->batches[i];
        if (b->first_seq == h->baseSequence && b->last_seq == last_seq) {
            /* A retry of a batch we have: answer with where it went. */
            pr->BaseOffset = b->first_offset;
            log_debug(LOG_CTX_STORE,
                      "[%s/%d] producer %" PRId64 " duplicate seq %d: offset %" PRId64,
                      p->topic->name, p->index, h->producerId, h->baseSequence, b->first_offset);
            return KWIRE_ERR_NONE;
        }
    }
    if (h->baseSequence != seq_add(newest(e)->last_seq, 1))
        return KWIRE_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
    return KWIRE_ERR_NONE;
}

static void remember(brk_part_t *p, int64_t pid, int16_t epoch, int32_t first_seq, int32_t delta,
                     int64_t first_offset, int64_t timestamp)
{
    idem_producer_t *e = producer_get(p, pid);
    if (epoch != e->epoch) {
        e->epoch = epoch;
        e->nbatches = e->head = 0;
    }
    e->batches[e->head] =
        (idem_batch_t){first_seq, seq_add(first_seq, delta), first_offset, first_offset + delta};
    e->head = (e->head + 1) % IDEM_WINDOW;
    if (e->nbatches < IDEM_WINDOW)
        e->nbatches++;
    e->timestamp = timestamp;
}

void brk__idem_record(brk_server_t *srv, brk_part_t *p, const kwire_batch_hdr_t *h,
                      const brk_store_append_info_t *info)
{
    (void)srv;
    remember(p, h->producerId, h->producerEpoch, h->baseSequence, h->lastOffsetDelta,
             info->base_offset, h->maxTimestamp);
}

/* --- producer ids ------------------------------------------------------- */

/* Ids are handed out from blocks whose end is written to
 * <log.dir>/producer-id-block before use, so an id is never reused after a
 * crash (as Kafka's ProducerIdManager reserves blocks). */
static int pid_reserve(brk_server_t *srv)
{
    char *path = xasprintf("%s/producer-id-block", srv->data_dir);
    char text[64];
    int64_t end = srv->pid_next + PID_BLOCK;
    snprintf(text, sizeof(text), "%" PRId64 "\n", end);
    int rc = brk__write_atomic(path, text, strlen(text));
    free(path);
    if (rc == 0)
        srv->pid_block_end = end;
    return rc;
}

int brk__idem_load_pids(brk_server_t *srv)
{
    char *path = xasprintf("%s/producer-id-block", srv->data_dir);
    FILE *f = fopen(path, "r");
    long long v = 0;
    if (f) {
        if (fscanf(f, "%lld", &v) != 1 || v < 0)
            v = 0;
        fclose(f);
    }
    free(path);
    srv->pid_next = srv->pid_block_end = v;
    return 0;
}

static int64_t pid_allocate(brk_server_t *srv)
{
    if (srv->pid_next >= srv->pid_block_end && pid_reserve(srv) < 0)
        return -1;
    return srv->pid_next++;
}

int brk__serve_InitProducerId(brk_server_t *srv, const brk_req_t *req, brk_out_t *out)
{
    kwire_InitProducerIdRequest_t rq;
    kwire_InitProducerIdResponse_t resp;
    if (kwire_decode_InitProducerIdRequest((kwire_reader_t *)&req->body, req->hdr.ApiVersion,
                                           req->arena, &rq) < 0)
        return XDC_EMALFORMED;
    memset(&resp, 0, sizeof(resp));
    resp.ProducerId = -1;
    resp.ProducerEpoch = -1;
    if (rq.TransactionalId.len >= 0) {
        resp.ErrorCode = KWIRE_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED; /* no transactions */
    } else if (rq.ProducerId >= 0 && rq.ProducerEpoch >= 0 && rq.ProducerEpoch < INT16_MAX - 1) {
        /* KIP-360: an idempotent producer bumps its epoch to reset its
         * sequences after an error, keeping its id. */
        resp.ProducerId = rq.ProducerId;
        resp.ProducerEpoch = (int16_t)(rq.ProducerEpoch + 1);
    } else {
        resp.ProducerId = pid_allocate(srv);
        resp.ProducerEpoch = 0;
        if (resp.ProducerId < 0)
            resp.ErrorCode = KWIRE_ERR_KAFKA_STORAGE_ERROR;
    }
    kwire_encode_InitProducerIdResponse(&out->buf, req->hdr.ApiVersion, &resp);
    return 0;
}

/* --- snapshots ----------------------------------------------------------- */

static void put64(uint8_t *p, int64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static int64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return (int64_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
    p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One ProducerSnapshot entry (../shared/kafka-protocol/storage/ProducerSnapshot.json). */
static void entry_encode(uint8_t *p, const idem_producer_t *e)
{
    const idem_batch_t *b = newest(e);
    put64(p, e->pid);                                            /* ProducerId */
    p[8] = (uint8_t)(e->epoch >> 8), p[9] = (uint8_t)e->epoch;   /* Epoch */
    put32(p + 10, (uint32_t)b->last_seq);                        /* LastSequence */
    put64(p + 14, b->last_offset);                               /* LastOffset */
    put32(p + 22, (uint32_t)(b->last_offset - b->first_offset)); /* OffsetDelta */
    put64(p + 26, e->timestamp);                                 /* Timestamp */
    put32(p + 34, (uint32_t)-1);                                 /* CoordinatorEpoch */
    put64(p + 38, -1);                                           /* CurrentTxnFirstOffset */
}

/* Kafka's layout: int16 version, uint32 CRC-32C of what follows, then the
 * entries as an int32-counted array. */
static void snapshot_encode(const brk_idem_t *s, buf_t *out)
{
    size_t n = 0;
    for (size_t i = 0; s && i < s->n; i++)
        n += s->v[i].nbatches > 0;
    buf_reserve(out, 10 + n * SNAPSHOT_ENTRY_BYTES);
    uint8_t hdr[10] = {0, SNAPSHOT_VERSION};
    put32(hdr + 6, (uint32_t)n);
    buf_append(out, hdr, sizeof(hdr));
    for (size_t i = 0; s && i < s->n; i++) {
        if (!s->v[i].nbatches)
            continue;
        uint8_t ent[SNAPSHOT_ENTRY_BYTES];
        entry_encode(ent, &s->v[i]);
        buf_append(out, ent, sizeof(ent));
    }
    put32(out->data + 2, crc32c(0, out->data + 6, out->len - 6));
}

static int snapshot_decode(brk_part_t *p, const uint8_t *d, size_t len)
{
    if (len < 10 || d[0] != 0 || d[1] != SNAPSHOT_VERSION ||
        get32(d + 2) != crc32c(0, d + 6, len - 6))
        return XDC_ECORRUPT;
    uint32_t n = get32(d + 6);
    if ((len - 10) / SNAPSHOT_ENTRY_BYTES < n)
        return XDC_ECORRUPT;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = d + 10 + (size_t)i * SNAPSHOT_ENTRY_BYTES;
        int32_t last_seq = (int32_t)get32(e + 10), delta = (int32_t)get32(e + 22);
        int64_t last_off = get64(e + 14);
        remember(p, get64(e), (int16_t)(e[8] << 8 | e[9]), seq_add(last_seq, -delta), delta,
                 last_off - delta, get64(e + 26));
    }
    return 0;
}

static void remove_snapshots(const char *dir, int64_t keep)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        long long off;
        char tail[16];
        if (sscanf(de->d_name, "%20lld.%15s", &off, tail) == 2 && strcmp(tail, "snapshot") == 0 &&
            off != keep) {
            char *path = xasprintf("%s/%s", dir, de->d_name);
            unlink(path);
            free(path);
        }
    }
    if (d)
        closedir(d);
}

int brk__idem_snapshot(brk_part_t *p)
{
    int64_t at = brk_store_log_end(p->store);
    buf_t b = BUF_INIT;
    snapshot_encode(p->idem, &b);
    char *path = xasprintf("%s/%020" PRId64 ".snapshot", p->dir, at);
    int rc = brk__write_atomic(path, (const char *)b.data, b.len);
    if (rc == 0) {
        remove_snapshots(p->dir, at);
        p->snapshot_at = at;
    }
    free(path);
    buf_close(&b);
    return rc;
}

/* The newest snapshot at or below the log end. @return its offset or -1. */
static int64_t newest_snapshot(const char *dir, int64_t log_end)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int64_t best = -1;
    while (d && (de = readdir(d)) != NULL) {
        long long off;
        char tail[16];
        if (sscanf(de->d_name, "%20lld.%15s", &off, tail) == 2 && strcmp(tail, "snapshot") == 0 &&
            off <= log_end && off > best)
            best = off;
    }
    if (d)
        closedir(d);
    return best;
}

static int load_snapshot(brk_part_t *p, int64_t at)
{
    char *path = xasprintf("%s/%020" PRId64 ".snapshot", p->dir, at);
    FILE *f = fopen(path, "rb");
    buf_t b = BUF_INIT;
    uint8_t chunk[4096];
    size_t n;
    while (f && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_append(&b, chunk, n);
    if (f)
        fclose(f);
    int rc = f ? snapshot_decode(p, b.data, b.len) : -ENOENT;
    if (rc < 0)
        log_warn("[%s/%d] ignoring producer snapshot %s: %s", p->topic->name, p->index, path,
                 xdc_strerror(rc));
    buf_close(&b);
    free(path);
    return rc;
}

/* Replay batch headers after the snapshot, so idempotence holds for what
 * was written between the last snapshot and a crash. */
static void replay_batch(void *arg, kwire_slice_t batch, const kwire_batch_hdr_t *h)
{
    (void)batch;
    if (h->producerId >= 0)
        remember(arg, h->producerId, h->producerEpoch, h->baseSequence, h->lastOffsetDelta,
                 h->baseOffset, h->maxTimestamp);
}

void brk__idem_load(brk_part_t *p)
{
    int64_t end = brk_store_log_end(p->store);
    int64_t at = newest_snapshot(p->dir, end);
    if (at >= 0 && load_snapshot(p, at) < 0)
        at = -1;
    p->snapshot_at = at;
    brk__part_scan(p, at < 0 ? 0 : at, replay_batch, p);
}
