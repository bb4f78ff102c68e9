#include "broker/brk_group.h"

#include "broker/kwire_err.h"
#include "common/err.h"
#include "common/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Semantics follow Kafka's classic group coordinator (GroupMetadataManager
 * classicGroupJoin/Sync/Heartbeat/Leave, ClassicGroup). Groups, members and
 * offsets live in small arrays searched linearly: a single-node broker has
 * few groups, and every operation is bounded by the group's size. */

enum grp_state { GS_EMPTY, GS_PREPARING, GS_COMPLETING, GS_STABLE, GS_DEAD };

static const char *const grp_state_names[] = {"Empty", "PreparingRebalance", "CompletingRebalance",
                                              "Stable", "Dead"};

#define NEVER       INT64_MAX
/* DescribeGroups AuthorizedOperations without an authorizer: READ (3),
 * DELETE (6) and DESCRIBE (8), the operations a group resource supports. */
#define GRP_ALL_OPS ((1 << 3) | (1 << 6) | (1 << 8))

typedef struct grp_proto {
    char *name;
    uint8_t *meta;
    int32_t len;
} grp_proto_t;

typedef struct grp_member {
    char *id;
    char *instance_id; /* NULL for dynamic members */
    char *client_id;
    char *client_host;
    int32_t session_ms;
    int32_t rebalance_ms;
    grp_proto_t *protos; /* in the member's order of preference */
    int32_t nprotos;
    uint8_t *assign;
    int32_t assign_len;
    int64_t hb_deadline; /* session expiry, unless a join/sync is pending */
    int joined;          /* rejoined during the current PreparingRebalance */
    int synced;          /* sent SyncGroup in the current generation */
    brk_group_join_cb *join_cb;
    void *join_ctx;
    brk_group_sync_cb *sync_cb;
    void *sync_ctx;
} grp_member_t;

/* A member id handed out with MEMBER_ID_REQUIRED, not yet joined. */
typedef struct grp_pending {
    char *id;
    int64_t deadline;
} grp_pending_t;

typedef struct grp_offset {
    char *topic;
    int32_t partition;
    int64_t offset;
    int32_t epoch;
    char *meta; /* never NULL: Kafka stores a null commit metadata as "" */
    int64_t commit_ts;
} grp_offset_t;

typedef struct grp {
    char *id;
    int state;
    char *protocol_type; /* NULL until the first member joins */
    char *protocol;      /* selected protocol, NULL when none */
    char *leader;        /* a member's id (owned copy), or NULL */
    int32_t generation;
    grp_member_t **members; /* join order */
    int32_t nmembers;
    grp_pending_t *pending;
    int32_t npending;
    grp_offset_t *offsets;
    int32_t noffsets;
    int64_t join_deadline; /* PreparingRebalance: delay or rebalance timeout */
    int64_t sync_deadline; /* CompletingRebalance: leader's SyncGroup due */
    int initial_phase;     /* the join phase started from Empty (delayed join) */
    int new_member_added;  /* a member joined during the initial delay */
    int64_t delay_remaining;
    int64_t state_ts;
} grp_t;

struct brk_group_coord {
    brk_group_conf_t conf;
    brk_group_record_cb *record_cb;
    void *record_ctx;
    grp_t **groups;
    int32_t ngroups;
    arena_t scratch; /* response arrays; reset at each public call */
    uint32_t seq;    /* member id sequence */
    buf_t kb, vb;    /* record encoding */
};

/* ---- small helpers ------------------------------------------------------ */

static char *dup_slice(kwire_slice_t s)
{
    return s.len < 0 ? NULL : xstrndup(s.ptr ? (const char *)s.ptr : "", (size_t)s.len);
}

static uint8_t *dup_bytes(kwire_slice_t s, int32_t *len)
{
    *len = s.len > 0 ? s.len : 0;
    uint8_t *p = xmalloc(*len ? (size_t)*len : 1);
    if (*len)
        memcpy(p, s.ptr, (size_t)*len);
    return p;
}

static kwire_slice_t bytes_slice(const uint8_t *p, int32_t len)
{
    return (kwire_slice_t){p, len};
}

static int str_eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static void set_state(grp_t *g, int state, int64_t now_ms)
{
    g->state = state;
    g->state_ts = now_ms;
}

void brk_group_conf_init(brk_group_conf_t *c)
{
    c->group_initial_rebalance_delay_ms = 3000;
    c->group_min_session_timeout_ms = 6000;
    c->group_max_session_timeout_ms = 1800000;
    c->offsets_retention_ms = 0;
    c->offset_metadata_max_bytes = 4096;
}

/* ---- members ------------------------------------------------------------ */

static void member_free_protos(grp_member_t *m)
{
    for (int32_t i = 0; i < m->nprotos; i++) {
        free(m->protos[i].name);
        free(m->protos[i].meta);
    }
    free(m->protos);
    m->protos = NULL;
    m->nprotos = 0;
}

static void member_free(grp_member_t *m)
{
    member_free_protos(m);
    free(m->id);
    free(m->instance_id);
    free(m->client_id);
    free(m->client_host);
    free(m->assign);
    free(m);
}

static void member_set_assign(grp_member_t *m, kwire_slice_t a)
{
    free(m->assign);
    m->assign = dup_bytes(a, &m->assign_len);
}

/* Copy the request's protocols and timeouts into @p m. */
static void member_update(grp_member_t *m, int64_t now_ms, const kwire_JoinGroupRequest_t *req)
{
    member_free_protos(m);
    m->protos = xcalloc(req->ProtocolsCount ? (size_t)req->ProtocolsCount : 1, sizeof(*m->protos));
    m->nprotos = req->ProtocolsCount;
    for (int32_t i = 0; i < req->ProtocolsCount; i++) {
        m->protos[i].name = dup_slice(req->Protocols[i].Name);
        m->protos[i].meta = dup_bytes(req->Protocols[i].Metadata, &m->protos[i].len);
    }
    m->session_ms = req->SessionTimeoutMs;
    /* v0 has no RebalanceTimeoutMs: Kafka uses the session timeout. */
    m->rebalance_ms =
        req->RebalanceTimeoutMs >= 0 ? req->RebalanceTimeoutMs : req->SessionTimeoutMs;
    m->hb_deadline = now_ms + m->session_ms;
}

/* Same protocols, in the same order, with the same metadata. */
static int member_matches(const grp_member_t *m, const kwire_JoinGroupRequest_t *req)
{
    if (m->nprotos != req->ProtocolsCount)
        return 0;
    for (int32_t i = 0; i < m->nprotos; i++) {
        const kwire_JoinGroupRequestProtocol_t *p = &req->Protocols[i];
        int32_t len = p->Metadata.len > 0 ? p->Metadata.len : 0;
        if (!kwire_slice_eq(p->Name, m->protos[i].name) || len != m->protos[i].len ||
            (len && memcmp(p->Metadata.ptr, m->protos[i].meta, (size_t)len) != 0))
            return 0;
    }
    return 1;
}

static const grp_proto_t *member_proto(const grp_member_t *m, const char *name)
{
    for (int32_t i = 0; name && i < m->nprotos; i++)
        if (strcmp(m->protos[i].name, name) == 0)
            return &m->protos[i];
    return NULL;
}

static kwire_slice_t member_meta(const grp_member_t *m, const char *protocol)
{
    const grp_proto_t *p = member_proto(m, protocol);
    return p ? bytes_slice(p->meta, p->len) : kwire_cstr("");
}

/* ---- groups ------------------------------------------------------------- */

static grp_t *grp_find(const brk_group_coord_t *c, kwire_slice_t id)
{
    for (int32_t i = 0; i < c->ngroups; i++)
        if (kwire_slice_eq(id, c->groups[i]->id))
            return c->groups[i];
    return NULL;
}

static grp_t *grp_create(brk_group_coord_t *c, kwire_slice_t id, int64_t now_ms)
{
    grp_t *g = xcalloc(1, sizeof(*g));
    g->id = dup_slice(id);
    g->join_deadline = g->sync_deadline = NEVER;
    set_state(g, GS_EMPTY, now_ms);
    c->groups = xrealloc(c->groups, sizeof(*c->groups) * (size_t)(c->ngroups + 1));
    c->groups[c->ngroups++] = g;
    return g;
}

static void grp_clear_members(grp_t *g)
{
    for (int32_t i = 0; i < g->nmembers; i++)
        member_free(g->members[i]);
    free(g->members);
    g->members = NULL;
    g->nmembers = 0;
    for (int32_t i = 0; i < g->npending; i++)
        free(g->pending[i].id);
    free(g->pending);
    g->pending = NULL;
    g->npending = 0;
    free(g->leader);
    g->leader = NULL;
}

static void grp_free(grp_t *g)
{
    grp_clear_members(g);
    for (int32_t i = 0; i < g->noffsets; i++) {
        free(g->offsets[i].topic);
        free(g->offsets[i].meta);
    }
    free(g->offsets);
    free(g->protocol_type);
    free(g->protocol);
    free(g->id);
    free(g);
}

/* Unlink @p g from the coordinator and free it. */
static void grp_destroy(brk_group_coord_t *c, grp_t *g)
{
    for (int32_t i = 0; i < c->ngroups; i++) {
        if (c->groups[i] == g) {
            c->groups[i] = c->groups[--c->ngroups];
            break;
        }
    }
    grp_free(g);
}

static grp_member_t *grp_member(const grp_t *g, kwire_slice_t id)
{
    for (int32_t i = 0; i < g->nmembers; i++)
        if (kwire_slice_eq(id, g->members[i]->id))
            return g->members[i];
    return NULL;
}

static grp_member_t *grp_static_member(const grp_t *g, kwire_slice_t instance_id)
{
    for (int32_t i = 0; instance_id.len >= 0 && i < g->nmembers; i++)
        if (kwire_slice_eq(instance_id, g->members[i]->instance_id))
            return g->members[i];
    return NULL;
}

static int32_t grp_pending_find(const grp_t *g, kwire_slice_t id)
{
    for (int32_t i = 0; i < g->npending; i++)
        if (kwire_slice_eq(id, g->pending[i].id))
            return i;
    return -1;
}

static void grp_pending_remove(grp_t *g, int32_t i)
{
    free(g->pending[i].id);
    g->pending[i] = g->pending[--g->npending];
}

static int grp_is_leader(const grp_t *g, const grp_member_t *m)
{
    return str_eq(g->leader, m->id);
}

static void grp_set_leader(grp_t *g, const char *id)
{
    char *copy = id ? xstrdup(id) : NULL;
    free(g->leader);
    g->leader = copy;
}

/* The group's rebalance timeout: the largest of its members' (Kafka). */
static int32_t grp_rebalance_ms(const grp_t *g)
{
    int32_t t = 0;
    for (int32_t i = 0; i < g->nmembers; i++)
        if (g->members[i]->rebalance_ms > t)
            t = g->members[i]->rebalance_ms;
    return t;
}

/* Unlink @p m (no callbacks, no rebalance); hands the leadership on. */
static void grp_unlink_member(grp_t *g, grp_member_t *m)
{
    for (int32_t i = 0; i < g->nmembers; i++) {
        if (g->members[i] == m) {
            memmove(&g->members[i], &g->members[i + 1],
                    sizeof(*g->members) * (size_t)(g->nmembers - i - 1));
            g->nmembers--;
            break;
        }
    }
    if (grp_is_leader(g, m))
        grp_set_leader(g, g->nmembers ? g->members[0]->id : NULL);
    member_free(m);
}

/* ---- persistence ------------------------------------------------------- */

static void emit(brk_group_coord_t *c, int tombstone)
{
    if (!c->record_cb)
        return;
    kwire_slice_t key = {c->kb.data, (int32_t)c->kb.len};
    kwire_slice_t val =
        tombstone ? KWIRE_SLICE_NULL : (kwire_slice_t){c->vb.data, (int32_t)c->vb.len};
    c->record_cb(c->record_ctx, key, val);
}

static void persist_offset(brk_group_coord_t *c, const grp_t *g, const grp_offset_t *o,
                           int tombstone)
{
    buf_reset(&c->kb);
    buf_reset(&c->vb);
    kwire_encode_OffsetCommitKey(&c->kb, kwire_cstr(g->id), kwire_cstr(o->topic), o->partition);
    if (!tombstone) {
        kwire_OffsetCommitValue_t v = {o->offset, o->epoch, kwire_cstr(o->meta), o->commit_ts, -1};
        kwire_encode_OffsetCommitValue(&c->vb, &v);
    }
    emit(c, tombstone);
}

static void persist_group(brk_group_coord_t *c, const grp_t *g, int tombstone)
{
    buf_reset(&c->kb);
    buf_reset(&c->vb);
    kwire_encode_GroupMetadataKey(&c->kb, kwire_cstr(g->id));
    if (!tombstone) {
        kwire_GroupMetadataMember_t *mm =
            arena_calloc(&c->scratch, (size_t)g->nmembers + 1, sizeof(*mm));
        for (int32_t i = 0; i < g->nmembers; i++) {
            const grp_member_t *m = g->members[i];
            mm[i] = (kwire_GroupMetadataMember_t){kwire_cstr(m->id),
                                                  kwire_cstr(m->instance_id),
                                                  kwire_cstr(m->client_id),
                                                  kwire_cstr(m->client_host),
                                                  m->rebalance_ms,
                                                  m->session_ms,
                                                  member_meta(m, g->protocol),
                                                  bytes_slice(m->assign, m->assign_len)};
        }
        kwire_GroupMetadataValue_t v = {kwire_cstr(g->protocol_type ? g->protocol_type : ""),
                                        g->generation,
                                        kwire_cstr(g->protocol),
                                        kwire_cstr(g->leader),
                                        g->state_ts,
                                        mm,
                                        g->nmembers};
        kwire_encode_GroupMetadataValue(&c->vb, &v);
    }
    emit(c, tombstone);
}

/* ---- coordinator -------------------------------------------------------- */

brk_group_coord_t *brk_group_new(const brk_group_conf_t *conf, brk_group_record_cb *record_cb,
                                 void *record_ctx)
{
    brk_group_coord_t *c = xcalloc(1, sizeof(*c));
    c->conf = *conf;
    c->record_cb = record_cb;
    c->record_ctx = record_ctx;
    c->scratch = (arena_t)ARENA_INIT;
    buf_init(&c->kb);
    buf_init(&c->vb);
    return c;
}

void brk_group_free(brk_group_coord_t *c)
{
    if (!c)
        return;
    for (int32_t i = 0; i < c->ngroups; i++)
        grp_free(c->groups[i]);
    free(c->groups);
    arena_close(&c->scratch);
    buf_close(&c->kb);
    buf_close(&c->vb);
    free(c);
}

const char *brk_group_state(const brk_group_coord_t *c, kwire_slice_t group)
{
    const grp_t *g = grp_find(c, group);
    return grp_state_names[g ? g->state : GS_DEAD];
}

/* ---- join/sync completion ------------------------------------------------ */

static void fail_join(grp_member_t *m, int16_t err)
{
    brk_group_join_cb *cb = m->join_cb;
    if (!cb)
        return;
    m->join_cb = NULL;
    kwire_JoinGroupResponse_t r = {0};
    r.ErrorCode = err;
    r.GenerationId = -1;
    r.ProtocolName = r.Leader = kwire_cstr("");
    r.ProtocolType = KWIRE_SLICE_NULL;
    r.MemberId = kwire_cstr(m->id);
    cb(m->join_ctx, &r);
}

static void fail_sync(grp_member_t *m, int16_t err)
{
    brk_group_sync_cb *cb = m->sync_cb;
    if (!cb)
        return;
    m->sync_cb = NULL;
    kwire_SyncGroupResponse_t r = {0};
    r.ErrorCode = err;
    r.ProtocolType = r.ProtocolName = KWIRE_SLICE_NULL;
    r.Assignment = kwire_cstr("");
    cb(m->sync_ctx, &r);
}

/* The leader sees every member's metadata for the selected protocol. */
static void fill_join_members(brk_group_coord_t *c, const grp_t *g, kwire_JoinGroupResponse_t *r)
{
    kwire_JoinGroupResponseMember_t *v =
        arena_calloc(&c->scratch, (size_t)g->nmembers + 1, sizeof(*v));
    for (int32_t i = 0; i < g->nmembers; i++) {
        const grp_member_t *m = g->members[i];
        v[i].MemberId = kwire_cstr(m->id);
        v[i].GroupInstanceId = kwire_cstr(m->instance_id);
        v[i].Metadata = member_meta(m, g->protocol);
    }
    r->Members = v;
    r->MembersCount = g->nmembers;
}

/* A successful JoinGroup answer for @p m in the current generation. */
static void join_success(brk_group_coord_t *c, const grp_t *g, const grp_member_t *m,
                         kwire_JoinGroupResponse_t *r)
{
    memset(r, 0, sizeof(*r));
    r->GenerationId = g->generation;
    r->ProtocolType = kwire_cstr(g->protocol_type);
    r->ProtocolName = kwire_cstr(g->protocol);
    r->Leader = kwire_cstr(g->leader ? g->leader : "");
    r->MemberId = kwire_cstr(m->id);
    if (grp_is_leader(g, m))
        fill_join_members(c, g, r);
}

/* Vote (Kafka ClassicGroup.selectProtocol): among the protocols every
 * member supports, each member votes for the first one in its own order;
 * the most votes wins, ties going to the first member's preference. */
static char *select_protocol(const grp_t *g)
{
    const grp_member_t *first = g->members[0];
    const char *best = NULL;
    int best_votes = -1;
    for (int32_t i = 0; i < first->nprotos; i++) {
        const char *cand = first->protos[i].name;
        int all = 1, votes = 0;
        for (int32_t j = 0; j < g->nmembers && all; j++)
            all = member_proto(g->members[j], cand) != NULL;
        if (!all)
            continue;
        for (int32_t j = 0; j < g->nmembers; j++) {
            const grp_member_t *m = g->members[j];
            for (int32_t k = 0; k < m->nprotos; k++) {
                int common = 1;
                for (int32_t l = 0; l < g->nmembers && common; l++)
                    common = member_proto(g->members[l], m->protos[k].name) != NULL;
                if (common) {
                    votes += strcmp(m->protos[k].name, cand) == 0;
                    break;
                }
            }
        }
        if (votes > best_votes) {
            best = cand;
            best_votes = votes;
        }
    }
    return best ? xstrdup(best) : NULL;
}

static void complete_join(brk_group_coord_t *c, grp_t *g, int64_t now_ms);

/* Kafka maybeCompleteJoinPhase: all known members rejoined and no member
 * id is pending; a join phase that began from Empty waits for its timer. */
static void maybe_complete_join(brk_group_coord_t *c, grp_t *g, int64_t now_ms)
{
    if (g->state != GS_PREPARING || g->initial_phase || g->npending)
        return;
    for (int32_t i = 0; i < g->nmembers; i++)
        if (!g->members[i]->joined)
            return;
    complete_join(c, g, now_ms);
}

/* Answer pending SyncGroups with @p err and drop every assignment (Kafka
 * resetAndPropagateAssignmentWithError). */
static void reset_assignments(grp_t *g, int16_t err)
{
    for (int32_t i = 0; i < g->nmembers; i++) {
        grp_member_t *m = g->members[i];
        member_set_assign(m, kwire_cstr(""));
        fail_sync(m, err);
    }
}

static void prepare_rebalance(brk_group_coord_t *c, grp_t *g, int64_t now_ms)
{
    if (g->state == GS_COMPLETING)
        reset_assignments(g, KWIRE_ERR_REBALANCE_IN_PROGRESS);
    g->sync_deadline = NEVER;
    int32_t rebalance_ms = grp_rebalance_ms(g);
    if (g->state == GS_EMPTY) {
        /* Kafka InitialDelayedJoin: wait group.initial.rebalance.delay.ms,
         * extended while new members keep arriving, up to the rebalance
         * timeout. */
        int32_t delay = c->conf.group_initial_rebalance_delay_ms;
        g->initial_phase = 1;
        g->new_member_added = 0;
        g->delay_remaining = rebalance_ms > delay ? rebalance_ms - delay : 0;
        g->join_deadline = now_ms + delay;
    } else {
        g->initial_phase = 0;
        g->join_deadline = now_ms + rebalance_ms;
    }
    set_state(g, GS_PREPARING, now_ms);
}

static void maybe_prepare_rebalance(brk_group_coord_t *c, grp_t *g, int64_t now_ms)
{
    if (g->state == GS_STABLE || g->state == GS_COMPLETING || g->state == GS_EMPTY)
        prepare_rebalance(c, g, now_ms);
}

/* Remove the dynamic members that did not rejoin; static ones stay until
 * their session expires, as in Kafka. */
static void drop_unjoined(grp_t *g)
{
    for (int32_t i = 0; i < g->nmembers;) {
        grp_member_t *m = g->members[i];
        if (!m->joined && !m->instance_id)
            grp_unlink_member(g, m);
        else
            i++;
    }
}

/* Kafka maybeElectNewJoinedLeader: the leader must be among the members
 * that rejoined (a static leader may be away). @return 0 if none rejoined. */
static int elect_joined_leader(grp_t *g)
{
    const grp_member_t *l = g->leader ? grp_member(g, kwire_cstr(g->leader)) : NULL;
    if (l && l->joined)
        return 1;
    for (int32_t i = 0; i < g->nmembers; i++) {
        if (g->members[i]->joined) {
            grp_set_leader(g, g->members[i]->id);
            return 1;
        }
    }
    return 0;
}

static void complete_join(brk_group_coord_t *c, grp_t *g, int64_t now_ms)
{
    drop_unjoined(g);
    g->initial_phase = 0;
    if (g->nmembers && !elect_joined_leader(g)) {
        /* Only absent static members are left: wait another round. */
        g->join_deadline = now_ms + grp_rebalance_ms(g);
        return;
    }
    g->join_deadline = NEVER;
    g->generation++;
    free(g->protocol);
    g->protocol = NULL;
    if (g->nmembers == 0) {
        set_state(g, GS_EMPTY, now_ms);
        persist_group(c, g, 0);
        return;
    }
    g->protocol = select_protocol(g);
    set_state(g, GS_COMPLETING, now_ms);
    g->sync_deadline = now_ms + grp_rebalance_ms(g);
    for (int32_t i = 0; i < g->nmembers; i++) {
        grp_member_t *m = g->members[i];
        m->joined = m->synced = 0;
        m->hb_deadline = now_ms + m->session_ms;
    }
    for (int32_t i = 0; i < g->nmembers; i++) {
        grp_member_t *m = g->members[i];
        brk_group_join_cb *cb = m->join_cb;
        if (!cb)
            continue;
        m->join_cb = NULL;
        kwire_JoinGroupResponse_t r;
        join_success(c, g, m, &r);
        cb(m->join_ctx, &r);
    }
}

/* Kafka removeMemberAndUpdateGroup: fail the member's pending requests,
 * then rebalance or finish the running join phase. */
static void remove_member(brk_group_coord_t *c, grp_t *g, grp_member_t *m, int64_t now_ms)
{
    fail_join(m, KWIRE_ERR_UNKNOWN_MEMBER_ID);
    fail_sync(m, KWIRE_ERR_UNKNOWN_MEMBER_ID);
    grp_unlink_member(g, m);
    if (g->state == GS_STABLE || g->state == GS_COMPLETING)
        prepare_rebalance(c, g, now_ms);
    /* The last member gone: the join phase completes at once (to Empty). */
    maybe_complete_join(c, g, now_ms);
}

/* ---- JoinGroup ----------------------------------------------------------- */

typedef struct join_args {
    int64_t now_ms;
    int16_t ver;
    const kwire_JoinGroupRequest_t *req;
    kwire_slice_t client_id, client_host;
    brk_group_join_cb *cb;
    void *ctx;
    kwire_JoinGroupResponse_t *resp;
} join_args_t;

static char *new_member_id(brk_group_coord_t *c, kwire_slice_t prefix, int64_t now_ms)
{
    /* Kafka: clientId (or group.instance.id) + "-" + UUID. We have no
     * randomness here: the time and a sequence number keep ids unique
     * across restarts of a coordinator fed the same clock. */
    int32_t n = prefix.len > 0 ? prefix.len : 0;
    return xasprintf("%.*s-%012" PRIx64 "-%08" PRIx32, (int)n, n ? (const char *)prefix.ptr : "",
                     (uint64_t)now_ms, ++c->seq);
}

/* Kafka ClassicGroup.supportsProtocols. */
static int supports_protocols(const grp_t *g, const kwire_JoinGroupRequest_t *req)
{
    if (g->nmembers == 0)
        return req->ProtocolType.len > 0 && req->ProtocolsCount > 0;
    if (!kwire_slice_eq(req->ProtocolType, g->protocol_type))
        return 0;
    for (int32_t i = 0; i < req->ProtocolsCount; i++) {
        int all = 1;
        for (int32_t j = 0; j < g->nmembers && all; j++) {
            const grp_member_t *m = g->members[j];
            int found = 0;
            for (int32_t k = 0; k < m->nprotos && !found; k++)
                found = kwire_slice_eq(req->Protocols[i].Name, m->protos[k].name);
            all = found;
        }
        if (all)
            return 1;
    }
    return 0;
}

/* Kafka validateExistingMember / isStaticMemberFenced. */
static int16_t validate_member(const grp_t *g, kwire_slice_t member_id, kwire_slice_t instance_id)
{
    if (instance_id.len >= 0) {
        const grp_member_t *s = grp_static_member(g, instance_id);
        if (s && !kwire_slice_eq(member_id, s->id))
            return KWIRE_ERR_FENCED_INSTANCE_ID;
        if (!s)
            return KWIRE_ERR_UNKNOWN_MEMBER_ID;
        return KWIRE_ERR_NONE;
    }
    return grp_member(g, member_id) ? KWIRE_ERR_NONE : KWIRE_ERR_UNKNOWN_MEMBER_ID;
}

/* Record the member's join and its pending callback. */
static void member_await_join(grp_member_t *m, const join_args_t *a)
{
    if (m->join_cb && m->join_ctx != a->ctx)
        fail_join(m, KWIRE_ERR_REBALANCE_IN_PROGRESS); /* superseded by this join */
    member_update(m, a->now_ms, a->req);
    m->joined = 1;
    m->join_cb = a->cb;
    m->join_ctx = a->ctx;
}

static int add_member_and_rebalance(brk_group_coord_t *c, grp_t *g, char *id, const join_args_t *a)
{
    grp_member_t *m = xcalloc(1, sizeof(*m));
    m->id = id;
    m->instance_id = dup_slice(a->req->GroupInstanceId);
    m->client_id = dup_slice(a->client_id.len >= 0 ? a->client_id : kwire_cstr(""));
    m->client_host = dup_slice(a->client_host.len >= 0 ? a->client_host : kwire_cstr(""));
    m->assign = dup_bytes(kwire_cstr(""), &m->assign_len);
    member_await_join(m, a);
    if (g->nmembers == 0) { /* the first member sets the type (Kafka ClassicGroup.add) */
        free(g->protocol_type);
        g->protocol_type = dup_slice(a->req->ProtocolType);
    }
    g->members = xrealloc(g->members, sizeof(*g->members) * (size_t)(g->nmembers + 1));
    g->members[g->nmembers++] = m;
    if (!g->leader)
        grp_set_leader(g, m->id);
    if (g->state == GS_PREPARING && g->initial_phase)
        g->new_member_added = 1;
    maybe_prepare_rebalance(c, g, a->now_ms);
    maybe_complete_join(c, g, a->now_ms);
    return BRK_GROUP_PENDING;
}

static int update_member_and_rebalance(brk_group_coord_t *c, grp_t *g, grp_member_t *m,
                                       const join_args_t *a)
{
    member_await_join(m, a);
    maybe_prepare_rebalance(c, g, a->now_ms);
    maybe_complete_join(c, g, a->now_ms);
    return BRK_GROUP_PENDING;
}

/* A static member restarted: its instance id is known, its member id is
 * new. The old id is fenced (its pending requests get FENCED_INSTANCE_ID);
 * a Stable group keeps its generation if the metadata did not change
 * (Kafka KIP-345; Kafka itself only checks that the selected protocol would
 * not change, we also rebalance when the subscription metadata changed). */
static int replace_static_member(brk_group_coord_t *c, grp_t *g, grp_member_t *m,
                                 const join_args_t *a)
{
    int unchanged = member_matches(m, a->req);
    fail_join(m, KWIRE_ERR_FENCED_INSTANCE_ID);
    fail_sync(m, KWIRE_ERR_FENCED_INSTANCE_ID);
    char *id = new_member_id(c, a->req->GroupInstanceId, a->now_ms);
    if (grp_is_leader(g, m))
        grp_set_leader(g, id);
    free(m->id);
    m->id = id;
    if (g->state == GS_STABLE && unchanged) {
        member_update(m, a->now_ms, a->req);
        persist_group(c, g, 0);
        join_success(c, g, m, a->resp);
        return BRK_GROUP_DONE;
    }
    return update_member_and_rebalance(c, g, m, a);
}

static int join_unknown_member(brk_group_coord_t *c, grp_t *g, const join_args_t *a)
{
    const kwire_JoinGroupRequest_t *req = a->req;
    if (req->GroupInstanceId.len >= 0) {
        grp_member_t *m = grp_static_member(g, req->GroupInstanceId);
        if (m)
            return replace_static_member(c, g, m, a);
        return add_member_and_rebalance(c, g, new_member_id(c, req->GroupInstanceId, a->now_ms), a);
    }
    char *id = new_member_id(c, a->client_id, a->now_ms);
    if (a->ver < 4)
        return add_member_and_rebalance(c, g, id, a);
    /* KIP-394: hand out the id and wait (one session timeout) for the
     * member to come back with it. */
    g->pending = xrealloc(g->pending, sizeof(*g->pending) * (size_t)(g->npending + 1));
    g->pending[g->npending++] = (grp_pending_t){id, a->now_ms + req->SessionTimeoutMs};
    a->resp->ErrorCode = KWIRE_ERR_MEMBER_ID_REQUIRED;
    a->resp->MemberId = kwire_cstr(id);
    return BRK_GROUP_DONE;
}

static int join_known_member(brk_group_coord_t *c, grp_t *g, const join_args_t *a)
{
    const kwire_JoinGroupRequest_t *req = a->req;
    int32_t p = grp_pending_find(g, req->MemberId);
    if (p >= 0) {
        char *id = g->pending[p].id;
        g->pending[p].id = NULL;
        g->pending[p] = g->pending[--g->npending];
        return add_member_and_rebalance(c, g, id, a);
    }
    int16_t err = validate_member(g, req->MemberId, req->GroupInstanceId);
    grp_member_t *m = grp_member(g, req->MemberId);
    if (!err && (g->state == GS_EMPTY || g->state == GS_DEAD))
        err = KWIRE_ERR_UNKNOWN_MEMBER_ID;
    if (err) {
        a->resp->ErrorCode = err;
        return BRK_GROUP_DONE;
    }
    if (g->state == GS_PREPARING)
        return update_member_and_rebalance(c, g, m, a);
    /* CompletingRebalance or Stable: an unchanged follower just gets the
     * current generation back; the leader or a changed member rebalances. */
    int same = member_matches(m, req);
    if (same && (g->state == GS_COMPLETING || !grp_is_leader(g, m))) {
        m->hb_deadline = a->now_ms + m->session_ms;
        join_success(c, g, m, a->resp);
        return BRK_GROUP_DONE;
    }
    return update_member_and_rebalance(c, g, m, a);
}

/* Checks that come before any state change; may create the group. */
static int16_t join_validate(brk_group_coord_t *c, const join_args_t *a, grp_t **gp)
{
    const kwire_JoinGroupRequest_t *req = a->req;
    if (req->GroupId.len <= 0)
        return KWIRE_ERR_INVALID_GROUP_ID;
    if (req->SessionTimeoutMs < c->conf.group_min_session_timeout_ms ||
        req->SessionTimeoutMs > c->conf.group_max_session_timeout_ms)
        return KWIRE_ERR_INVALID_SESSION_TIMEOUT;
    grp_t *g = grp_find(c, req->GroupId);
    if (!g && req->MemberId.len > 0)
        return KWIRE_ERR_UNKNOWN_MEMBER_ID;
    if (g && g->state == GS_DEAD)
        return KWIRE_ERR_COORDINATOR_NOT_AVAILABLE;
    if (g ? !supports_protocols(g, req) : !(req->ProtocolType.len > 0 && req->ProtocolsCount > 0))
        return KWIRE_ERR_INCONSISTENT_GROUP_PROTOCOL;
    *gp = g ? g : grp_create(c, req->GroupId, a->now_ms);
    return KWIRE_ERR_NONE;
}

int brk_group_join(brk_group_coord_t *c, int64_t now_ms, int16_t ver,
                   const kwire_JoinGroupRequest_t *req, kwire_slice_t client_id,
                   kwire_slice_t client_host, brk_group_join_cb *cb, void *ctx,
                   kwire_JoinGroupResponse_t *resp)
{
    arena_reset(&c->scratch);
    memset(resp, 0, sizeof(*resp));
    resp->GenerationId = -1;
    resp->ProtocolType = KWIRE_SLICE_NULL;
    resp->ProtocolName = resp->Leader = kwire_cstr("");
    resp->MemberId = req->MemberId;
    join_args_t a = {now_ms, ver, req, client_id, client_host, cb, ctx, resp};
    grp_t *g = NULL;
    int16_t err = join_validate(c, &a, &g);
    if (err) {
        resp->ErrorCode = err;
        return BRK_GROUP_DONE;
    }
    if (req->MemberId.len == 0)
        return join_unknown_member(c, g, &a);
    return join_known_member(c, g, &a);
}

/* ---- SyncGroup ----------------------------------------------------------- */

/* The leader's assignments: every member gets its own (or an empty one),
 * the group becomes Stable and every waiting member is answered. */
static void apply_assignments(brk_group_coord_t *c, grp_t *g, const kwire_SyncGroupRequest_t *req,
                              int64_t now_ms)
{
    for (int32_t i = 0; i < g->nmembers; i++) {
        grp_member_t *m = g->members[i];
        kwire_slice_t asg = kwire_cstr("");
        for (int32_t j = 0; j < req->AssignmentsCount; j++)
            if (kwire_slice_eq(req->Assignments[j].MemberId, m->id))
                asg = req->Assignments[j].Assignment;
        member_set_assign(m, asg);
    }
    set_state(g, GS_STABLE, now_ms);
    g->sync_deadline = NEVER;
    persist_group(c, g, 0);
    for (int32_t i = 0; i < g->nmembers; i++) {
        grp_member_t *m = g->members[i];
        brk_group_sync_cb *cb = m->sync_cb;
        m->hb_deadline = now_ms + m->session_ms;
        if (!cb)
            continue;
        m->sync_cb = NULL;
        kwire_SyncGroupResponse_t r = {0};
        r.ProtocolType = kwire_cstr(g->protocol_type);
        r.ProtocolName = kwire_cstr(g->protocol);
        r.Assignment = bytes_slice(m->assign, m->assign_len);
        cb(m->sync_ctx, &r);
    }
}

static int16_t sync_validate(const grp_t *g, const kwire_SyncGroupRequest_t *req)
{
    if (!g)
        return KWIRE_ERR_UNKNOWN_MEMBER_ID;
    if (g->state == GS_DEAD)
        return KWIRE_ERR_COORDINATOR_NOT_AVAILABLE;
    int16_t err = validate_member(g, req->MemberId, req->GroupInstanceId);
    if (err)
        return err;
    if (req->GenerationId != g->generation)
        return KWIRE_ERR_ILLEGAL_GENERATION;
    if ((req->ProtocolType.len >= 0 && !kwire_slice_eq(req->ProtocolType, g->protocol_type)) ||
        (req->ProtocolName.len >= 0 && !kwire_slice_eq(req->ProtocolName, g->protocol)))
        return KWIRE_ERR_INCONSISTENT_GROUP_PROTOCOL;
    if (g->state == GS_EMPTY)
        return KWIRE_ERR_UNKNOWN_MEMBER_ID;
    if (g->state == GS_PREPARING)
        return KWIRE_ERR_REBALANCE_IN_PROGRESS;
    return KWIRE_ERR_NONE;
}

int brk_group_sync(brk_group_coord_t *c, int64_t now_ms, const kwire_SyncGroupRequest_t *req,
                   brk_group_sync_cb *cb, void *ctx, kwire_SyncGroupResponse_t *resp)
{
    arena_reset(&c->scratch);
    memset(resp, 0, sizeof(*resp));
    resp->ProtocolType = resp->ProtocolName = KWIRE_SLICE_NULL;
    resp->Assignment = kwire_cstr("");
    grp_t *g = grp_find(c, req->GroupId);
    resp->ErrorCode = sync_validate(g, req);
    if (resp->ErrorCode)
        return BRK_GROUP_DONE;
    grp_member_t *m = grp_member(g, req->MemberId);
    m->synced = 1;
    m->hb_deadline = now_ms + m->session_ms;
    if (g->state == GS_STABLE) {
        resp->ProtocolType = kwire_cstr(g->protocol_type);
        resp->ProtocolName = kwire_cstr(g->protocol);
        resp->Assignment = bytes_slice(m->assign, m->assign_len);
        return BRK_GROUP_DONE;
    }
    /* CompletingRebalance: wait for the leader's assignments. */
    if (m->sync_cb && m->sync_ctx != ctx)
        fail_sync(m, KWIRE_ERR_REBALANCE_IN_PROGRESS); /* superseded */
    m->sync_cb = cb;
    m->sync_ctx = ctx;
    if (grp_is_leader(g, m))
        apply_assignments(c, g, req, now_ms);
    return BRK_GROUP_PENDING;
}

void brk_group_cancel(brk_group_coord_t *c, void *ctx)
{
    for (int32_t i = 0; i < c->ngroups; i++) {
        grp_t *g = c->groups[i];
        for (int32_t j = 0; j < g->nmembers; j++) {
            grp_member_t *m = g->members[j];
            if (m->join_cb && m->join_ctx == ctx)
                m->join_cb = NULL;
            if (m->sync_cb && m->sync_ctx == ctx)
                m->sync_cb = NULL;
        }
    }
}

/* ---- Heartbeat / LeaveGroup ---------------------------------------------- */

void brk_group_heartbeat(brk_group_coord_t *c, int64_t now_ms, const kwire_HeartbeatRequest_t *req,
                         kwire_HeartbeatResponse_t *resp)
{
    arena_reset(&c->scratch);
    memset(resp, 0, sizeof(*resp));
    grp_t *g = grp_find(c, req->GroupId);
    int16_t err = KWIRE_ERR_NONE;
    if (!g)
        err = KWIRE_ERR_UNKNOWN_MEMBER_ID;
    else if (g->state == GS_DEAD)
        err = KWIRE_ERR_COORDINATOR_NOT_AVAILABLE;
    if (!err)
        err = validate_member(g, req->MemberId, req->GroupInstanceId);
    if (!err && req->GenerationId != g->generation)
        err = KWIRE_ERR_ILLEGAL_GENERATION;
    if (!err && g->state == GS_EMPTY)
        err = KWIRE_ERR_UNKNOWN_MEMBER_ID;
    if (!err) {
        grp_member_t *m = grp_member(g, req->MemberId);
        m->hb_deadline = now_ms + m->session_ms;
        if (g->state == GS_PREPARING)
            err = KWIRE_ERR_REBALANCE_IN_PROGRESS;
    }
    resp->ErrorCode = err;
}

/* One member leaving (Kafka classicGroupLeave, per MemberIdentity). */
static int16_t leave_one(brk_group_coord_t *c, grp_t *g, int64_t now_ms, kwire_slice_t member_id,
                         kwire_slice_t instance_id)
{
    grp_member_t *m;
    if (instance_id.len >= 0) {
        m = grp_static_member(g, instance_id);
        if (!m)
            return KWIRE_ERR_UNKNOWN_MEMBER_ID;
        if (member_id.len > 0 && !kwire_slice_eq(member_id, m->id))
            return KWIRE_ERR_FENCED_INSTANCE_ID;
    } else {
        int32_t p = grp_pending_find(g, member_id);
        if (p >= 0) {
            grp_pending_remove(g, p);
            maybe_complete_join(c, g, now_ms);
            return KWIRE_ERR_NONE;
        }
        m = grp_member(g, member_id);
        if (!m)
            return KWIRE_ERR_UNKNOWN_MEMBER_ID;
    }
    remove_member(c, g, m, now_ms);
    return KWIRE_ERR_NONE;
}

void brk_group_leave(brk_group_coord_t *c, int64_t now_ms, int16_t ver,
                     const kwire_LeaveGroupRequest_t *req, kwire_LeaveGroupResponse_t *resp)
{
    arena_reset(&c->scratch);
    memset(resp, 0, sizeof(*resp));
    grp_t *g = grp_find(c, req->GroupId);
    if (!g || g->state == GS_DEAD) {
        resp->ErrorCode = g ? KWIRE_ERR_COORDINATOR_NOT_AVAILABLE : KWIRE_ERR_UNKNOWN_MEMBER_ID;
        return;
    }
    if (ver <= 2) {
        resp->ErrorCode = leave_one(c, g, now_ms, req->MemberId, KWIRE_SLICE_NULL);
        return;
    }
    kwire_LeaveGroupMemberResponse_t *v =
        arena_calloc(&c->scratch, (size_t)req->MembersCount + 1, sizeof(*v));
    for (int32_t i = 0; i < req->MembersCount; i++) {
        const kwire_MemberIdentity_t *id = &req->Members[i];
        v[i].MemberId = id->MemberId;
        v[i].GroupInstanceId = id->GroupInstanceId;
        v[i].ErrorCode = leave_one(c, g, now_ms, id->MemberId, id->GroupInstanceId);
    }
    resp->Members = v;
    resp->MembersCount = req->MembersCount;
}

/* ---- offsets ------------------------------------------------------------- */

static grp_offset_t *offset_find(const grp_t *g, kwire_slice_t topic, int32_t partition)
{
    for (int32_t i = 0; i < g->noffsets; i++)
        if (g->offsets[i].partition == partition && kwire_slice_eq(topic, g->offsets[i].topic))
            return &g->offsets[i];
    return NULL;
}

/* Insert or update; metadata null is kept as "" (Kafka NO_METADATA). */
static grp_offset_t *offset_put(grp_t *g, kwire_slice_t topic, int32_t partition, int64_t offset,
                                int32_t epoch, kwire_slice_t meta, int64_t ts)
{
    grp_offset_t *o = offset_find(g, topic, partition);
    if (!o) {
        g->offsets = xrealloc(g->offsets, sizeof(*g->offsets) * (size_t)(g->noffsets + 1));
        o = &g->offsets[g->noffsets++];
        o->topic = dup_slice(topic);
        o->partition = partition;
        o->meta = NULL;
    }
    free(o->meta);
    o->meta = dup_slice(meta.len >= 0 ? meta : kwire_cstr(""));
    o->offset = offset;
    o->epoch = epoch;
    o->commit_ts = ts;
    return o;
}

static void offset_remove(grp_t *g, grp_offset_t *o)
{
    free(o->topic);
    free(o->meta);
    *o = g->offsets[--g->noffsets];
}

/* Kafka validateOffsetCommit for classic groups. A generation < 0 commit
 * to a group without members is a standalone (simple consumer) commit and
 * creates the group if needed. */
static int16_t commit_validate(brk_group_coord_t *c, int64_t now_ms,
                               const kwire_OffsetCommitRequest_t *req, grp_t **gp)
{
    grp_t *g = grp_find(c, req->GroupId);
    int32_t gen = req->GenerationIdOrMemberEpoch;
    if (req->GroupId.len <= 0)
        return KWIRE_ERR_INVALID_GROUP_ID;
    if (!g) {
        if (gen >= 0 || req->MemberId.len > 0)
            return KWIRE_ERR_ILLEGAL_GENERATION;
        *gp = grp_create(c, req->GroupId, now_ms);
        return KWIRE_ERR_NONE;
    }
    *gp = g;
    if (g->state == GS_DEAD)
        return KWIRE_ERR_COORDINATOR_NOT_AVAILABLE;
    const grp_member_t *s = grp_static_member(g, req->GroupInstanceId);
    if (s && !kwire_slice_eq(req->MemberId, s->id))
        return KWIRE_ERR_FENCED_INSTANCE_ID;
    if (gen < 0 && g->state == GS_EMPTY)
        return KWIRE_ERR_NONE;
    grp_member_t *m = grp_member(g, req->MemberId);
    if (!m)
        return KWIRE_ERR_UNKNOWN_MEMBER_ID;
    if (gen != g->generation)
        return KWIRE_ERR_ILLEGAL_GENERATION;
    if (g->state == GS_COMPLETING)
        return KWIRE_ERR_REBALANCE_IN_PROGRESS;
    m->hb_deadline = now_ms + m->session_ms; /* a commit counts as a heartbeat */
    return KWIRE_ERR_NONE;
}

void brk_group_offset_commit(brk_group_coord_t *c, int64_t now_ms,
                             const kwire_OffsetCommitRequest_t *req,
                             kwire_OffsetCommitResponse_t *resp)
{
    arena_reset(&c->scratch);
    memset(resp, 0, sizeof(*resp));
    grp_t *g = NULL;
    int16_t err = commit_validate(c, now_ms, req, &g);
    kwire_OffsetCommitResponseTopic_t *tv =
        arena_calloc(&c->scratch, (size_t)req->TopicsCount + 1, sizeof(*tv));
    for (int32_t i = 0; i < req->TopicsCount; i++) {
        const kwire_OffsetCommitRequestTopic_t *t = &req->Topics[i];
        kwire_OffsetCommitResponsePartition_t *pv =
            arena_calloc(&c->scratch, (size_t)t->PartitionsCount + 1, sizeof(*pv));
        for (int32_t j = 0; j < t->PartitionsCount; j++) {
            const kwire_OffsetCommitRequestPartition_t *p = &t->Partitions[j];
            int16_t perr = err;
            if (!perr && p->CommittedMetadata.len > c->conf.offset_metadata_max_bytes)
                perr = KWIRE_ERR_OFFSET_METADATA_TOO_LARGE;
            if (!perr)
                persist_offset(c, g,
                               offset_put(g, t->Name, p->PartitionIndex, p->CommittedOffset,
                                          p->CommittedLeaderEpoch, p->CommittedMetadata, now_ms),
                               0);
            pv[j] = (kwire_OffsetCommitResponsePartition_t){p->PartitionIndex, perr};
        }
        tv[i] = (kwire_OffsetCommitResponseTopic_t){t->Name, pv, t->PartitionsCount};
    }
    resp->Topics = tv;
    resp->TopicsCount = req->TopicsCount;
}

static kwire_OffsetFetchResponsePartition_t fetch_one(const grp_t *g, kwire_slice_t topic,
                                                      int32_t partition)
{
    const grp_offset_t *o = g ? offset_find(g, topic, partition) : NULL;
    if (!o)
        return (kwire_OffsetFetchResponsePartition_t){partition, -1, -1, kwire_cstr(""), 0};
    return (kwire_OffsetFetchResponsePartition_t){partition, o->offset, o->epoch,
                                                  kwire_cstr(o->meta), 0};
}

/* Null Topics: every committed offset, grouped by topic. */
static void fetch_all(brk_group_coord_t *c, const grp_t *g, kwire_OffsetFetchResponse_t *resp)
{
    int32_t n = g ? g->noffsets : 0;
    kwire_OffsetFetchResponseTopic_t *tv = arena_calloc(&c->scratch, (size_t)n + 1, sizeof(*tv));
    int32_t nt = 0;
    for (int32_t i = 0; i < n; i++) {
        const grp_offset_t *o = &g->offsets[i];
        int32_t k = 0;
        while (k < nt && !kwire_slice_eq(tv[k].Name, o->topic))
            k++;
        if (k < nt)
            continue; /* topic already listed */
        kwire_OffsetFetchResponsePartition_t *pv =
            arena_calloc(&c->scratch, (size_t)n, sizeof(*pv));
        int32_t np = 0;
        for (int32_t j = i; j < n; j++)
            if (strcmp(g->offsets[j].topic, o->topic) == 0)
                pv[np++] = fetch_one(g, kwire_cstr(o->topic), g->offsets[j].partition);
        tv[nt++] = (kwire_OffsetFetchResponseTopic_t){kwire_cstr(o->topic), pv, np};
    }
    resp->Topics = tv;
    resp->TopicsCount = nt;
}

void brk_group_offset_fetch(brk_group_coord_t *c, const kwire_OffsetFetchRequest_t *req,
                            kwire_OffsetFetchResponse_t *resp)
{
    arena_reset(&c->scratch);
    memset(resp, 0, sizeof(*resp));
    const grp_t *g = grp_find(c, req->GroupId);
    if (req->TopicsCount < 0) {
        fetch_all(c, g, resp);
        return;
    }
    kwire_OffsetFetchResponseTopic_t *tv =
        arena_calloc(&c->scratch, (size_t)req->TopicsCount + 1, sizeof(*tv));
    for (int32_t i = 0; i < req->TopicsCount; i++) {
        const kwire_OffsetFetchRequestTopic_t *t = &req->Topics[i];
        kwire_OffsetFetchResponsePartition_t *pv =
            arena_calloc(&c->scratch, (size_t)t->PartitionIndexesCount + 1, sizeof(*pv));
        for (int32_t j = 0; j < t->PartitionIndexesCount; j++)
            pv[j] = fetch_one(g, t->Name, t->PartitionIndexes[j]);
        tv[i] = (kwire_OffsetFetchResponseTopic_t){t->Name, pv, t->PartitionIndexesCount};
    }
    resp->Topics = tv;
    resp->TopicsCount = req->TopicsCount;
}

/* Does a member's ConsumerProtocolSubscription (versions 0-3: int16
 * version, []string topics, ...) for the selected protocol name @p topic?
 * Unparsable metadata counts as subscribed, as in Kafka. */
static int meta_subscribes(kwire_slice_t meta, kwire_slice_t topic)
{
    kwire_reader_t r;
    kwire_reader_init(&r, meta.ptr, meta.len > 0 ? (size_t)meta.len : 0);
    int16_t ver = kwire_read_i16(&r);
    int32_t n = kwire_read_array_len(&r);
    if (r.err || ver < 0 || n < 0)
        return 1;
    for (int32_t i = 0; i < n; i++) {
        kwire_slice_t s;
        kwire_read_str(&r, &s);
        if (r.err)
            return 1;
        if (s.len == topic.len && (s.len == 0 || memcmp(s.ptr, topic.ptr, (size_t)s.len) == 0))
            return 1;
    }
    return 0;
}

/* Kafka ClassicGroup.isSubscribedToTopic: only "consumer" groups with a
 * selected protocol can be answered exactly; otherwise assume subscribed. */
static int grp_subscribed(const grp_t *g, kwire_slice_t topic)
{
    if (g->nmembers == 0)
        return 0;
    if (!str_eq(g->protocol_type, "consumer") || !g->protocol)
        return 1;
    for (int32_t i = 0; i < g->nmembers; i++)
        if (meta_subscribes(member_meta(g->members[i], g->protocol), topic))
            return 1;
    return 0;
}

void brk_group_offset_delete(brk_group_coord_t *c, const kwire_OffsetDeleteRequest_t *req,
                             kwire_OffsetDeleteResponse_t *resp)
{
    arena_reset(&c->scratch);
    memset(resp, 0, sizeof(*resp));
    grp_t *g = grp_find(c, req->GroupId);
    if (!g || g->state == GS_DEAD) {
        resp->ErrorCode = KWIRE_ERR_GROUP_ID_NOT_FOUND;
        return;
    }
    if (g->state != GS_EMPTY && !str_eq(g->protocol_type, "consumer")) {
        resp->ErrorCode = KWIRE_ERR_NON_EMPTY_GROUP;
        return;
    }
    kwire_OffsetDeleteResponseTopic_t *tv =
        arena_calloc(&c->scratch, (size_t)req->TopicsCount + 1, sizeof(*tv));
    for (int32_t i = 0; i < req->TopicsCount; i++) {
        const kwire_OffsetDeleteRequestTopic_t *t = &req->Topics[i];
        int16_t err = grp_subscribed(g, t->Name) ? KWIRE_ERR_GROUP_SUBSCRIBED_TO_TOPIC : 0;
        kwire_OffsetDeleteResponsePartition_t *pv =
            arena_calloc(&c->scratch, (size_t)t->PartitionsCount + 1, sizeof(*pv));
        for (int32_t j = 0; j < t->PartitionsCount; j++) {
            grp_offset_t *o = err ? NULL : offset_find(g, t->Name, t->PartitionIndexes[j]);
            if (o) {
                persist_offset(c, g, o, 1);
                offset_remove(g, o);
            }
            pv[j] = (kwire_OffsetDeleteResponsePartition_t){t->PartitionIndexes[j], err};
        }
        tv[i] = (kwire_OffsetDeleteResponseTopic_t){t->Name, pv, t->PartitionsCount};
    }
    resp->Topics = tv;
    resp->TopicsCount = req->TopicsCount;
}

/* ---- DescribeGroups / ListGroups / DeleteGroups --------------------------- */

static void describe_one(brk_group_coord_t *c, const grp_t *g, kwire_DescribedGroup_t *d)
{
    int stable = g->state == GS_STABLE;
    d->GroupState = kwire_cstr(grp_state_names[g->state]);
    d->ProtocolType = kwire_cstr(g->protocol_type ? g->protocol_type : "");
    /* Kafka shows the protocol, metadata and assignments only when Stable. */
    d->ProtocolData = kwire_cstr(stable && g->protocol ? g->protocol : "");
    kwire_DescribedGroupMember_t *v =
        arena_calloc(&c->scratch, (size_t)g->nmembers + 1, sizeof(*v));
    for (int32_t i = 0; i < g->nmembers; i++) {
        const grp_member_t *m = g->members[i];
        v[i].MemberId = kwire_cstr(m->id);
        v[i].GroupInstanceId = kwire_cstr(m->instance_id);
        v[i].ClientId = kwire_cstr(m->client_id);
        v[i].ClientHost = kwire_cstr(m->client_host);
        v[i].MemberMetadata = stable ? member_meta(m, g->protocol) : kwire_cstr("");
        v[i].MemberAssignment = stable ? bytes_slice(m->assign, m->assign_len) : kwire_cstr("");
    }
    d->Members = v;
    d->MembersCount = g->nmembers;
}

void brk_group_describe(brk_group_coord_t *c, const kwire_DescribeGroupsRequest_t *req,
                        kwire_DescribeGroupsResponse_t *resp)
{
    arena_reset(&c->scratch);
    memset(resp, 0, sizeof(*resp));
    kwire_DescribedGroup_t *v = arena_calloc(&c->scratch, (size_t)req->GroupsCount + 1, sizeof(*v));
    for (int32_t i = 0; i < req->GroupsCount; i++) {
        const grp_t *g = grp_find(c, req->Groups[i]);
        kwire_DescribedGroup_t *d = &v[i];
        d->GroupId = req->Groups[i];
        d->AuthorizedOperations = req->IncludeAuthorizedOperations ? GRP_ALL_OPS : INT32_MIN;
        if (g) {
            describe_one(c, g, d);
        } else { /* Kafka: an unknown group is described as Dead, no error */
            d->GroupState = kwire_cstr(grp_state_names[GS_DEAD]);
            d->ProtocolType = d->ProtocolData = kwire_cstr("");
        }
    }
    resp->Groups = v;
    resp->GroupsCount = req->GroupsCount;
}

static int state_filtered(const kwire_ListGroupsRequest_t *req, const char *state)
{
    if (req->StatesFilterCount == 0)
        return 1;
    for (int32_t i = 0; i < req->StatesFilterCount; i++) {
        kwire_slice_t s = req->StatesFilter[i];
        if (s.len == (int32_t)strlen(state) && strncasecmp((const char *)s.ptr, state, s.len) == 0)
            return 1;
    }
    return 0;
}

void brk_group_list(brk_group_coord_t *c, const kwire_ListGroupsRequest_t *req,
                    kwire_ListGroupsResponse_t *resp)
{
    arena_reset(&c->scratch);
    memset(resp, 0, sizeof(*resp));
    kwire_ListedGroup_t *v = arena_calloc(&c->scratch, (size_t)c->ngroups + 1, sizeof(*v));
    int32_t n = 0;
    for (int32_t i = 0; i < c->ngroups; i++) {
        const grp_t *g = c->groups[i];
        const char *state = grp_state_names[g->state];
        if (g->state == GS_DEAD || !state_filtered(req, state))
            continue;
        v[n].GroupId = kwire_cstr(g->id);
        v[n].ProtocolType = kwire_cstr(g->protocol_type ? g->protocol_type : "");
        v[n].GroupState = kwire_cstr(state);
        v[n].GroupType = kwire_cstr("classic");
        n++;
    }
    resp->Groups = v;
    resp->GroupsCount = n;
}

/* Tombstone every offset and the group metadata, then drop the group. */
static void grp_delete(brk_group_coord_t *c, grp_t *g)
{
    for (int32_t i = 0; i < g->noffsets; i++)
        persist_offset(c, g, &g->offsets[i], 1);
    persist_group(c, g, 1);
    grp_destroy(c, g);
}

void brk_group_delete(brk_group_coord_t *c, const kwire_DeleteGroupsRequest_t *req,
                      kwire_DeleteGroupsResponse_t *resp)
{
    arena_reset(&c->scratch);
    memset(resp, 0, sizeof(*resp));
    kwire_DeletableGroupResult_t *v =
        arena_calloc(&c->scratch, (size_t)req->GroupsNamesCount + 1, sizeof(*v));
    for (int32_t i = 0; i < req->GroupsNamesCount; i++) {
        grp_t *g = grp_find(c, req->GroupsNames[i]);
        int16_t err = KWIRE_ERR_NONE;
        if (!g || g->state == GS_DEAD)
            err = KWIRE_ERR_GROUP_ID_NOT_FOUND;
        else if (g->state != GS_EMPTY)
            err = KWIRE_ERR_NON_EMPTY_GROUP;
        else
            grp_delete(c, g);
        v[i] = (kwire_DeletableGroupResult_t){req->GroupsNames[i], err};
    }
    resp->Results = v;
    resp->ResultsCount = req->GroupsNamesCount;
}

/* ---- timers -------------------------------------------------------------- */

/* When does @p o expire? Kafka: for a group with a protocol type, offsets
 * of an Empty group expire retention after it became Empty; standalone
 * commits expire retention after their commit. */
static int64_t offset_expiry(const brk_group_coord_t *c, const grp_t *g, const grp_offset_t *o)
{
    if (c->conf.offsets_retention_ms <= 0 || g->state != GS_EMPTY)
        return NEVER;
    int64_t base = g->protocol_type && *g->protocol_type ? g->state_ts : o->commit_ts;
    return base + c->conf.offsets_retention_ms;
}

static int member_alive_forced(const grp_member_t *m)
{
    return m->join_cb || m->sync_cb; /* Kafka keeps awaiting members alive */
}

static int64_t grp_next_deadline(const brk_group_coord_t *c, const grp_t *g)
{
    int64_t d = min64(g->join_deadline, g->sync_deadline);
    for (int32_t i = 0; i < g->nmembers; i++)
        if (!member_alive_forced(g->members[i]))
            d = min64(d, g->members[i]->hb_deadline);
    for (int32_t i = 0; i < g->npending; i++)
        d = min64(d, g->pending[i].deadline);
    for (int32_t i = 0; i < g->noffsets; i++)
        d = min64(d, offset_expiry(c, g, &g->offsets[i]));
    return d;
}

int64_t brk_group_next_deadline(const brk_group_coord_t *c)
{
    int64_t d = NEVER;
    for (int32_t i = 0; i < c->ngroups; i++)
        d = min64(d, grp_next_deadline(c, c->groups[i]));
    return d;
}

static void on_join_deadline(brk_group_coord_t *c, grp_t *g, int64_t now_ms)
{
    if (g->initial_phase && g->new_member_added && g->delay_remaining > 0) {
        int32_t delay = c->conf.group_initial_rebalance_delay_ms;
        int64_t step = min64(delay, g->delay_remaining);
        g->delay_remaining = g->delay_remaining > delay ? g->delay_remaining - delay : 0;
        g->new_member_added = 0;
        g->join_deadline = now_ms + step;
        return;
    }
    complete_join(c, g, now_ms);
}

/* The leader's SyncGroup did not come within the rebalance timeout:
 * members that never sent SyncGroup are removed, and the group rebalances. */
static void on_sync_deadline(brk_group_coord_t *c, grp_t *g, int64_t now_ms)
{
    g->sync_deadline = NEVER;
    for (int32_t i = 0; i < g->nmembers;) {
        grp_member_t *m = g->members[i];
        if (!m->synced)
            grp_unlink_member(g, m);
        else
            i++;
    }
    prepare_rebalance(c, g, now_ms);
    maybe_complete_join(c, g, now_ms);
}

/* Expire one member or pending id at a time: each removal may change the
 * group's state. @return 1 if something expired. */
static int expire_one(brk_group_coord_t *c, grp_t *g, int64_t now_ms)
{
    for (int32_t i = 0; i < g->npending; i++) {
        if (g->pending[i].deadline <= now_ms) {
            grp_pending_remove(g, i);
            maybe_complete_join(c, g, now_ms);
            return 1;
        }
    }
    for (int32_t i = 0; i < g->nmembers; i++) {
        grp_member_t *m = g->members[i];
        if (!member_alive_forced(m) && m->hb_deadline <= now_ms) {
            remove_member(c, g, m, now_ms);
            return 1;
        }
    }
    return 0;
}

/* @return 1 if the group was deleted (all its offsets expired while Empty). */
static int expire_offsets(brk_group_coord_t *c, grp_t *g, int64_t now_ms)
{
    if (c->conf.offsets_retention_ms <= 0 || g->state != GS_EMPTY || g->noffsets == 0)
        return 0;
    for (int32_t i = 0; i < g->noffsets;) {
        if (offset_expiry(c, g, &g->offsets[i]) <= now_ms) {
            persist_offset(c, g, &g->offsets[i], 1);
            offset_remove(g, &g->offsets[i]);
        } else {
            i++;
        }
    }
    if (g->noffsets)
        return 0;
    persist_group(c, g, 1);
    grp_destroy(c, g);
    return 1;
}

static int tick_group(brk_group_coord_t *c, grp_t *g, int64_t now_ms)
{
    while (expire_one(c, g, now_ms))
        ;
    if (g->state == GS_PREPARING && g->join_deadline <= now_ms)
        on_join_deadline(c, g, now_ms);
    if (g->state == GS_COMPLETING && g->sync_deadline <= now_ms)
        on_sync_deadline(c, g, now_ms);
    return expire_offsets(c, g, now_ms);
}

void brk_group_evict(brk_group_coord_t *c, int64_t now_ms,
                     int (*keep)(const char *client_id, void *arg), void *arg)
{
    for (int32_t i = 0; i < c->ngroups; i++) {
        grp_t *g = c->groups[i];
        /* remove_member() reshuffles the array: look again from the start. */
        for (int32_t k = 0; k < g->nmembers;) {
            grp_member_t *m = g->members[k];
            if (keep && keep(m->client_id, arg)) {
                k++;
                continue;
            }
            remove_member(c, g, m, now_ms);
            k = 0;
        }
    }
}

void brk_group_tick(brk_group_coord_t *c, int64_t now_ms)
{
    arena_reset(&c->scratch);
    for (int32_t i = 0; i < c->ngroups;) {
        grp_t *g = c->groups[i];
        if (!tick_group(c, g, now_ms))
            i++;
    }
}

/* ---- loading __consumer_offsets ----------------------------------------- */

static int load_offset(brk_group_coord_t *c, int64_t now_ms, const kwire_OffsetsKey_t *k,
                       kwire_slice_t value)
{
    grp_t *g = grp_find(c, k->group);
    if (value.len < 0) {
        grp_offset_t *o = g ? offset_find(g, k->topic, k->partition) : NULL;
        if (o)
            offset_remove(g, o);
        return 0;
    }
    kwire_reader_t r;
    kwire_OffsetCommitValue_t v;
    kwire_reader_init(&r, value.ptr, (size_t)value.len);
    int rc = kwire_decode_OffsetCommitValue(&r, &v);
    if (rc < 0)
        return rc;
    if (!g)
        g = grp_create(c, k->group, now_ms);
    offset_put(g, k->topic, k->partition, v.offset, v.leaderEpoch, v.metadata, v.commitTimestamp);
    return 0;
}

static void load_member(grp_t *g, const kwire_GroupMetadataValue_t *v,
                        const kwire_GroupMetadataMember_t *mm, int64_t now_ms)
{
    grp_member_t *m = xcalloc(1, sizeof(*m));
    m->id = dup_slice(mm->memberId);
    m->instance_id = dup_slice(mm->groupInstanceId);
    m->client_id = dup_slice(mm->clientId);
    m->client_host = dup_slice(mm->clientHost);
    m->session_ms = mm->sessionTimeout;
    m->rebalance_ms = mm->rebalanceTimeout;
    m->protos = xcalloc(1, sizeof(*m->protos));
    m->nprotos = 1;
    m->protos[0].name = dup_slice(v->protocol.len >= 0 ? v->protocol : kwire_cstr(""));
    m->protos[0].meta = dup_bytes(mm->subscription, &m->protos[0].len);
    m->assign = dup_bytes(mm->assignment, &m->assign_len);
    m->hb_deadline = now_ms + m->session_ms;
    m->synced = 1;
    g->members[g->nmembers++] = m;
}

static int load_group(brk_group_coord_t *c, int64_t now_ms, const kwire_OffsetsKey_t *k,
                      kwire_slice_t value)
{
    grp_t *g = grp_find(c, k->group);
    if (value.len < 0) { /* tombstone: group metadata gone, offsets stay */
        if (g && g->noffsets == 0)
            grp_destroy(c, g);
        else if (g)
            grp_clear_members(g);
        return 0;
    }
    kwire_reader_t r;
    kwire_GroupMetadataValue_t v;
    kwire_reader_init(&r, value.ptr, (size_t)value.len);
    int rc = kwire_decode_GroupMetadataValue(&r, &c->scratch, &v);
    if (rc < 0)
        return rc;
    if (!g)
        g = grp_create(c, k->group, now_ms);
    grp_clear_members(g);
    free(g->protocol_type);
    free(g->protocol);
    g->protocol_type = v.protocolType.len > 0 ? dup_slice(v.protocolType) : NULL;
    g->protocol = dup_slice(v.protocol);
    g->generation = v.generation;
    g->members = xcalloc((size_t)v.membersCount + 1, sizeof(*g->members));
    for (int32_t i = 0; i < v.membersCount; i++)
        load_member(g, &v, &v.members[i], now_ms);
    if (g->nmembers)
        g->leader = v.leader.len >= 0 ? dup_slice(v.leader) : xstrdup(g->members[0]->id);
    set_state(g, g->nmembers ? GS_STABLE : GS_EMPTY,
              v.currentStateTimestamp >= 0 ? v.currentStateTimestamp : now_ms);
    return 0;
}

int brk_group_load_record(brk_group_coord_t *c, int64_t now_ms, kwire_slice_t key,
                          kwire_slice_t value)
{
    arena_reset(&c->scratch);
    kwire_reader_t r;
    kwire_OffsetsKey_t k;
    kwire_reader_init(&r, key.ptr, key.len > 0 ? (size_t)key.len : 0);
    int rc = kwire_decode_OffsetsKey(&r, &k);
    if (rc < 0)
        return rc;
    if (k.version == KWIRE_OFFSETS_KEY_GROUP)
        return load_group(c, now_ms, &k, value);
    return load_offset(c, now_ms, &k, value);
}
