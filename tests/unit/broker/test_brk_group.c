#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/brk_group.h"
#include "broker/kwire_err.h"
#include "common/err.h"
#include "common/util.h"

/* The coordinator driven with fake time: every call takes now_ms, timers
 * run only in brk_group_tick(). */

#define T0 1700000000000LL

/* A ConsumerProtocolSubscription v0 for topic "t1" (user data null). */
static const uint8_t sub_t1[] = {0, 0, 0, 0, 0, 1, 0, 2, 't', '1', 0xff, 0xff, 0xff, 0xff};
/* The same for topic "t2". */
static const uint8_t sub_t2[] = {0, 0, 0, 0, 0, 1, 0, 2, 't', '2', 0xff, 0xff, 0xff, 0xff};

typedef struct rec {
    uint8_t *key, *val; /* val NULL = tombstone */
    int32_t klen, vlen;
} rec_t;

typedef struct fix {
    brk_group_coord_t *c;
    brk_group_conf_t conf;
    rec_t recs[256];
    int nrecs;
} fix_t;

static void on_record(void *ctx, kwire_slice_t key, kwire_slice_t val)
{
    fix_t *f = ctx;
    assert_true(f->nrecs < 256);
    rec_t *r = &f->recs[f->nrecs++];
    r->klen = key.len;
    r->key = xmalloc((size_t)key.len);
    memcpy(r->key, key.ptr, (size_t)key.len);
    r->vlen = val.len;
    r->val = NULL;
    if (val.len >= 0) {
        r->val = xmalloc(val.len ? (size_t)val.len : 1);
        memcpy(r->val, val.ptr, (size_t)val.len);
    }
}

static int setup(void **state)
{
    fix_t *f = xcalloc(1, sizeof(*f));
    brk_group_conf_init(&f->conf);
    f->c = brk_group_new(&f->conf, on_record, f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fix_t *f = *state;
    brk_group_free(f->c);
    for (int i = 0; i < f->nrecs; i++) {
        free(f->recs[i].key);
        free(f->recs[i].val);
    }
    free(f);
    return 0;
}

/* ---- join / sync helpers -------------------------------------------------- */

typedef struct join_out {
    int done;
    int16_t err;
    int32_t gen;
    char member[128], leader[128], protocol[32];
    int32_t nmembers;
    char members[4][128];
} join_out_t;

static void copy_slice(char *dst, size_t n, kwire_slice_t s)
{
    size_t len = s.len > 0 ? (size_t)s.len : 0;
    assert_true(len < n);
    memcpy(dst, s.ptr, len);
    dst[len] = 0;
}

static void on_join(void *ctx, const kwire_JoinGroupResponse_t *r)
{
    join_out_t *o = ctx;
    assert_int_equal(o->done, 0); /* exactly once */
    o->done = 1;
    o->err = r->ErrorCode;
    o->gen = r->GenerationId;
    copy_slice(o->member, sizeof(o->member), r->MemberId);
    copy_slice(o->leader, sizeof(o->leader), r->Leader);
    copy_slice(o->protocol, sizeof(o->protocol), r->ProtocolName);
    o->nmembers = r->MembersCount;
    for (int32_t i = 0; i < r->MembersCount && i < 4; i++)
        copy_slice(o->members[i], sizeof(o->members[i]), r->Members[i].MemberId);
}

typedef struct jspec {
    const char *group, *member, *instance;
    int32_t session_ms, rebalance_ms;
    const char *protos[3];
    const uint8_t *meta; /* for every protocol */
    int32_t meta_len;
} jspec_t;

/* JoinGroup; a DONE answer goes through on_join too, so @p o is filled
 * either way.  @return the coordinator's result. */
static int join(fix_t *f, int64_t now, int16_t ver, const jspec_t *s, join_out_t *o)
{
    kwire_JoinGroupRequestProtocol_t protos[3];
    kwire_JoinGroupRequest_t req = {0};
    int n = 0;
    for (; n < 3 && s->protos[n]; n++) {
        protos[n].Name = kwire_cstr(s->protos[n]);
        protos[n].Metadata = (kwire_slice_t){s->meta ? s->meta : sub_t1,
                                             s->meta ? s->meta_len : (int32_t)sizeof(sub_t1)};
    }
    req.GroupId = kwire_cstr(s->group ? s->group : "g1");
    req.SessionTimeoutMs = s->session_ms ? s->session_ms : 10000;
    req.RebalanceTimeoutMs = s->rebalance_ms ? s->rebalance_ms : 20000;
    req.MemberId = kwire_cstr(s->member ? s->member : "");
    req.GroupInstanceId = kwire_cstr(s->instance);
    req.ProtocolType = kwire_cstr("consumer");
    req.Protocols = protos;
    req.ProtocolsCount = n;
    memset(o, 0, sizeof(*o));
    kwire_JoinGroupResponse_t resp;
    int rc = brk_group_join(f->c, now, ver, &req, kwire_cstr("rdkafka"), kwire_cstr("/127.0.0.1"),
                            on_join, o, &resp);
    if (rc == BRK_GROUP_DONE)
        on_join(o, &resp);
    return rc;
}

typedef struct sync_out {
    int done;
    int16_t err;
    char assign[64];
} sync_out_t;

static void on_sync(void *ctx, const kwire_SyncGroupResponse_t *r)
{
    sync_out_t *o = ctx;
    assert_int_equal(o->done, 0);
    o->done = 1;
    o->err = r->ErrorCode;
    copy_slice(o->assign, sizeof(o->assign), r->Assignment);
}

/* SyncGroup; @p assign lists "member=assignment" pairs (leader only). */
static int sync_group(fix_t *f, int64_t now, const char *member, const char *instance, int32_t gen,
                      const char *const *assign, sync_out_t *o)
{
    kwire_SyncGroupRequestAssignment_t a[4];
    char buf[4][128];
    int n = 0;
    for (; assign && assign[n]; n++) {
        const char *eq = strchr(assign[n], '=');
        snprintf(buf[n], sizeof(buf[n]), "%.*s", (int)(eq - assign[n]), assign[n]);
        a[n].MemberId = kwire_cstr(buf[n]);
        a[n].Assignment = kwire_cstr(eq + 1);
    }
    kwire_SyncGroupRequest_t req = {0};
    req.GroupId = kwire_cstr("g1");
    req.GenerationId = gen;
    req.MemberId = kwire_cstr(member);
    req.GroupInstanceId = kwire_cstr(instance);
    req.ProtocolType = req.ProtocolName = KWIRE_SLICE_NULL;
    req.Assignments = a;
    req.AssignmentsCount = n;
    memset(o, 0, sizeof(*o));
    kwire_SyncGroupResponse_t resp;
    int rc = brk_group_sync(f->c, now, &req, on_sync, o, &resp);
    if (rc == BRK_GROUP_DONE)
        on_sync(o, &resp);
    return rc;
}

static int16_t heartbeat(fix_t *f, int64_t now, const char *member, const char *instance,
                         int32_t gen)
{
    kwire_HeartbeatRequest_t req = {kwire_cstr("g1"), gen, kwire_cstr(member),
                                    kwire_cstr(instance)};
    kwire_HeartbeatResponse_t resp;
    brk_group_heartbeat(f->c, now, &req, &resp);
    return resp.ErrorCode;
}

static const char *state(fix_t *f, const char *group)
{
    return brk_group_state(f->c, kwire_cstr(group));
}

/* One dynamic member through MEMBER_ID_REQUIRED, the initial delay and its
 * own SyncGroup: the group ends Stable at generation 1. */
static void stable_single(fix_t *f, int64_t now, char *member_out)
{
    join_out_t o;
    jspec_t s = {.protos = {"range", "roundrobin"}};
    assert_int_equal(join(f, now, 5, &s, &o), BRK_GROUP_DONE);
    s.member = o.member;
    char id[128];
    strcpy(id, o.member);
    s.member = id;
    assert_int_equal(join(f, now, 5, &s, &o), BRK_GROUP_PENDING);
    brk_group_tick(f->c, now + f->conf.group_initial_rebalance_delay_ms);
    assert_true(o.done);
    const char *asg[] = {NULL, NULL};
    char pair[160];
    snprintf(pair, sizeof(pair), "%s=A", id);
    asg[0] = pair;
    sync_out_t so;
    sync_group(f, now + 3000, id, NULL, 1, asg, &so);
    assert_true(so.done);
    strcpy(member_out, id);
}

/* Two dynamic members (v3 joins, no MEMBER_ID_REQUIRED) made Stable:
 * @p a is the leader. Sessions @p session_ms. */
static void stable_pair(fix_t *f, int64_t now, int32_t session_ms, char *a, char *b)
{
    join_out_t oa, ob;
    jspec_t s = {.protos = {"range"}, .session_ms = session_ms};
    assert_int_equal(join(f, now, 3, &s, &oa), BRK_GROUP_PENDING);
    assert_int_equal(join(f, now, 3, &s, &ob), BRK_GROUP_PENDING);
    brk_group_tick(f->c, brk_group_next_deadline(f->c));
    if (!oa.done) /* the new member extended the initial delay once */
        brk_group_tick(f->c, brk_group_next_deadline(f->c));
    assert_true(oa.done && ob.done);
    strcpy(a, oa.member);
    strcpy(b, ob.member);
    char pa[160], pb[160];
    snprintf(pa, sizeof(pa), "%s=for-a", a);
    snprintf(pb, sizeof(pb), "%s=for-b", b);
    const char *asg[] = {pa, pb, NULL};
    sync_out_t sa, sb;
    sync_group(f, now, b, NULL, 1, NULL, &sb);
    sync_group(f, now, a, NULL, 1, asg, &sa);
    assert_true(sa.done && sb.done);
    assert_string_equal(state(f, "g1"), "Stable");
}

/* ---- membership ------------------------------------------------------------ */

static void test_brk_group_single_member_join_sync_heartbeat(void **st)
{
    fix_t *f = *st;
    join_out_t o;
    jspec_t s = {.protos = {"range", "roundrobin"}};
    /* KIP-394: v4+ with no member id gets one back, and no membership. */
    assert_int_equal(join(f, T0, 5, &s, &o), BRK_GROUP_DONE);
    assert_int_equal(o.err, KWIRE_ERR_MEMBER_ID_REQUIRED);
    assert_int_equal(o.gen, -1);
    assert_true(strncmp(o.member, "rdkafka-", 8) == 0);
    char id[128];
    strcpy(id, o.member);
    s.member = id;
    assert_int_equal(join(f, T0 + 10, 5, &s, &o), BRK_GROUP_PENDING);
    assert_string_equal(state(f, "g1"), "PreparingRebalance");
    /* The first join into an Empty group waits the initial delay. */
    assert_int_equal(brk_group_next_deadline(f->c), T0 + 10 + 3000);
    brk_group_tick(f->c, T0 + 3009);
    assert_false(o.done);
    brk_group_tick(f->c, T0 + 3010);
    assert_true(o.done);
    assert_int_equal(o.err, 0);
    assert_int_equal(o.gen, 1);
    assert_string_equal(o.leader, id);
    assert_string_equal(o.protocol, "range");
    assert_int_equal(o.nmembers, 1);
    assert_string_equal(state(f, "g1"), "CompletingRebalance");
    /* Heartbeats are fine while the leader computes its assignment. */
    assert_int_equal(heartbeat(f, T0 + 3100, id, NULL, 1), 0);

    char pair[160];
    snprintf(pair, sizeof(pair), "%s=assignment", id);
    const char *asg[] = {pair, NULL};
    sync_out_t so;
    assert_int_equal(sync_group(f, T0 + 3200, id, NULL, 1, asg, &so), BRK_GROUP_PENDING);
    assert_true(so.done); /* the leader's own SyncGroup completes the phase */
    assert_string_equal(so.assign, "assignment");
    assert_string_equal(state(f, "g1"), "Stable");

    assert_int_equal(heartbeat(f, T0 + 4000, id, NULL, 1), 0);
    assert_int_equal(heartbeat(f, T0 + 4000, id, NULL, 0), KWIRE_ERR_ILLEGAL_GENERATION);
    assert_int_equal(heartbeat(f, T0 + 4000, "nobody", NULL, 1), KWIRE_ERR_UNKNOWN_MEMBER_ID);
    /* The leader's rejoin starts a rebalance, which it alone completes. */
    assert_int_equal(join(f, T0 + 4100, 5, &s, &o), BRK_GROUP_PENDING);
    assert_true(o.done);
    assert_string_equal(state(f, "g1"), "CompletingRebalance");
    assert_int_equal(o.gen, 2);
    /* A Stable group's SyncGroup answers at once with the stored assignment. */
    assert_int_equal(sync_group(f, T0 + 4200, id, NULL, 2, asg, &so), BRK_GROUP_PENDING);
    assert_int_equal(sync_group(f, T0 + 4300, id, NULL, 2, NULL, &so), BRK_GROUP_DONE);
    assert_string_equal(so.assign, "assignment");
}

static void test_brk_group_two_members_leader_assigns(void **st)
{
    fix_t *f = *st;
    join_out_t oa, ob;
    jspec_t s = {.protos = {"range"}};
    assert_int_equal(join(f, T0, 3, &s, &oa), BRK_GROUP_PENDING);
    assert_int_equal(join(f, T0 + 100, 3, &s, &ob), BRK_GROUP_PENDING);
    brk_group_tick(f->c, T0 + 3000);
    /* B arrived during the delay: it is extended by another delay. */
    assert_false(oa.done);
    assert_int_equal(brk_group_next_deadline(f->c), T0 + 6000);
    brk_group_tick(f->c, T0 + 6000);
    assert_true(oa.done && ob.done);
    assert_string_equal(oa.leader, oa.member);
    assert_string_equal(ob.leader, oa.member);
    assert_int_equal(oa.nmembers, 2); /* the leader sees everyone */
    assert_int_equal(ob.nmembers, 0);

    /* The follower's SyncGroup waits for the leader's. */
    sync_out_t sa, sb;
    assert_int_equal(sync_group(f, T0 + 6100, ob.member, NULL, 1, NULL, &sb), BRK_GROUP_PENDING);
    assert_false(sb.done);
    char pa[160], pb[160];
    snprintf(pa, sizeof(pa), "%s=for-a", oa.member);
    snprintf(pb, sizeof(pb), "%s=for-b", ob.member);
    const char *asg[] = {pa, pb, NULL};
    sync_group(f, T0 + 6200, oa.member, NULL, 1, asg, &sa);
    assert_true(sa.done && sb.done);
    assert_string_equal(sa.assign, "for-a");
    assert_string_equal(sb.assign, "for-b");
    /* A stale generation is refused. */
    assert_int_equal(sync_group(f, T0 + 6300, ob.member, NULL, 0, NULL, &sb), BRK_GROUP_DONE);
    assert_int_equal(sb.err, KWIRE_ERR_ILLEGAL_GENERATION);
}

static void test_brk_group_initial_delay_capped_by_rebalance_timeout(void **st)
{
    fix_t *f = *st;
    join_out_t o1, o2, o3;
    jspec_t s = {.protos = {"range"}, .rebalance_ms = 5000};
    join(f, T0, 3, &s, &o1);
    join(f, T0 + 1000, 3, &s, &o2);
    brk_group_tick(f->c, T0 + 3000);
    /* Extended by min(delay, rebalance timeout - delay) = 2000. */
    assert_int_equal(brk_group_next_deadline(f->c), T0 + 5000);
    join(f, T0 + 4000, 3, &s, &o3);
    brk_group_tick(f->c, T0 + 5000); /* no budget left: completes anyway */
    assert_true(o1.done && o2.done && o3.done);
    assert_int_equal(o1.nmembers, 3);
}

static void test_brk_group_session_expiry_rebalances(void **st)
{
    fix_t *f = *st;
    char a[128], b[128];
    stable_pair(f, T0, 6000, a, b);
    int64_t t = T0 + 3000;
    assert_int_equal(heartbeat(f, t, a, NULL, 1), 0);
    /* B stays silent: its session ends 6000 after its last sign of life. */
    int64_t dl = brk_group_next_deadline(f->c);
    assert_true(dl > t && dl <= T0 + 6000);
    brk_group_tick(f->c, T0 + 6000);
    assert_string_equal(state(f, "g1"), "PreparingRebalance");
    assert_int_equal(heartbeat(f, T0 + 6100, a, NULL, 1), KWIRE_ERR_REBALANCE_IN_PROGRESS);
    /* The survivor rejoins; being the only member, the phase ends at once. */
    join_out_t o;
    jspec_t s = {.protos = {"range"}, .member = a, .session_ms = 6000};
    assert_int_equal(join(f, T0 + 6200, 3, &s, &o), BRK_GROUP_PENDING);
    assert_true(o.done);
    assert_int_equal(o.gen, 2);
    assert_int_equal(o.nmembers, 1);
    assert_string_equal(o.leader, a);
    assert_int_equal(heartbeat(f, T0 + 6300, b, NULL, 1), KWIRE_ERR_UNKNOWN_MEMBER_ID);
}

static void test_brk_group_rebalance_timeout_drops_member(void **st)
{
    fix_t *f = *st;
    char a[128], b[128];
    stable_pair(f, T0, 30000, a, b);
    /* A changes its subscription: a rebalance starts. */
    join_out_t o;
    jspec_t s = {.protos = {"range"},
                 .member = a,
                 .session_ms = 30000,
                 .meta = sub_t2,
                 .meta_len = sizeof(sub_t2)};
    assert_int_equal(join(f, T0 + 1000, 3, &s, &o), BRK_GROUP_PENDING);
    assert_false(o.done);
    assert_int_equal(heartbeat(f, T0 + 2000, b, NULL, 1), KWIRE_ERR_REBALANCE_IN_PROGRESS);
    /* B never rejoins: after the rebalance timeout (20000) it is dropped. */
    assert_int_equal(brk_group_next_deadline(f->c), T0 + 1000 + 20000);
    brk_group_tick(f->c, T0 + 20999);
    assert_false(o.done);
    brk_group_tick(f->c, T0 + 21000);
    assert_true(o.done);
    assert_int_equal(o.gen, 2);
    assert_int_equal(o.nmembers, 1);
    assert_int_equal(heartbeat(f, T0 + 21100, b, NULL, 2), KWIRE_ERR_UNKNOWN_MEMBER_ID);
}

static void test_brk_group_member_id_required_flow(void **st)
{
    fix_t *f = *st;
    join_out_t o;
    jspec_t s = {.protos = {"range"}};
    /* Before v4 a new member joins straight away. */
    assert_int_equal(join(f, T0, 3, &s, &o), BRK_GROUP_PENDING);
    /* From v4 it must come back with the id it was given... */
    join_out_t o2;
    assert_int_equal(join(f, T0 + 10, 4, &s, &o2), BRK_GROUP_DONE);
    assert_int_equal(o2.err, KWIRE_ERR_MEMBER_ID_REQUIRED);
    /* ...and the pending id holds up the phase (here: the initial delay
     * ends, the pending id does not block the timer-driven completion). */
    char pending[128];
    strcpy(pending, o2.member);
    /* A pending id not used within the session timeout is forgotten. */
    brk_group_tick(f->c, T0 + 3000);
    assert_true(o.done);
    brk_group_tick(f->c, T0 + 10 + 10000);
    s.member = pending;
    assert_int_equal(join(f, T0 + 10011, 4, &s, &o2), BRK_GROUP_DONE);
    assert_int_equal(o2.err, KWIRE_ERR_UNKNOWN_MEMBER_ID);
    /* A joiner with an unknown member id into an unknown group. */
    s.group = "other";
    assert_int_equal(join(f, T0, 4, &s, &o2), BRK_GROUP_DONE);
    assert_int_equal(o2.err, KWIRE_ERR_UNKNOWN_MEMBER_ID);
}

static void test_brk_group_inconsistent_protocol(void **st)
{
    fix_t *f = *st;
    join_out_t o;
    jspec_t s = {.protos = {"range"}};
    join(f, T0, 3, &s, &o);
    jspec_t rr = {.protos = {"roundrobin"}};
    assert_int_equal(join(f, T0, 3, &rr, &o), BRK_GROUP_DONE);
    assert_int_equal(o.err, KWIRE_ERR_INCONSISTENT_GROUP_PROTOCOL);
    jspec_t none = {.group = "g2", .protos = {NULL}};
    assert_int_equal(join(f, T0, 3, &none, &o), BRK_GROUP_DONE);
    assert_int_equal(o.err, KWIRE_ERR_INCONSISTENT_GROUP_PROTOCOL);
    assert_string_equal(state(f, "g2"), "Dead"); /* not created */
    jspec_t bad = {.protos = {"range"}, .session_ms = 1000};
    assert_int_equal(join(f, T0, 3, &bad, &o), BRK_GROUP_DONE);
    assert_int_equal(o.err, KWIRE_ERR_INVALID_SESSION_TIMEOUT);
}

static void test_brk_group_protocol_vote(void **st)
{
    fix_t *f = *st;
    join_out_t o1, o2, o3;
    jspec_t a = {.protos = {"range", "roundrobin"}};
    jspec_t b = {.protos = {"roundrobin", "range"}};
    join(f, T0, 3, &a, &o1);
    join(f, T0, 3, &b, &o2);
    join(f, T0, 3, &b, &o3);
    brk_group_tick(f->c, T0 + 3000);
    brk_group_tick(f->c, T0 + 6000);
    assert_true(o1.done);
    assert_string_equal(o1.protocol, "roundrobin"); /* 2 votes to 1 */
}

static void test_brk_group_static_member_restart_without_rebalance(void **st)
{
    fix_t *f = *st;
    join_out_t o;
    jspec_t s = {.protos = {"range"}, .instance = "inst-1"};
    /* Static members skip MEMBER_ID_REQUIRED. */
    assert_int_equal(join(f, T0, 5, &s, &o), BRK_GROUP_PENDING);
    brk_group_tick(f->c, T0 + 3000);
    assert_true(o.done);
    char old[128];
    strcpy(old, o.member);
    assert_true(strncmp(old, "inst-1-", 7) == 0);
    char pair[160];
    snprintf(pair, sizeof(pair), "%s=mine", old);
    const char *asg[] = {pair, NULL};
    sync_out_t so;
    sync_group(f, T0 + 3100, old, "inst-1", 1, asg, &so);
    assert_string_equal(state(f, "g1"), "Stable");
    int before = f->nrecs;

    /* Restart: same instance id, no member id, same metadata. */
    assert_int_equal(join(f, T0 + 5000, 5, &s, &o), BRK_GROUP_DONE);
    assert_int_equal(o.err, 0);
    assert_int_equal(o.gen, 1);
    assert_string_not_equal(o.member, old);
    assert_string_equal(o.leader, o.member);
    assert_string_equal(state(f, "g1"), "Stable");
    assert_int_equal(f->nrecs, before + 1); /* the new member id is persisted */
    assert_int_equal(heartbeat(f, T0 + 5100, o.member, "inst-1", 1), 0);
    assert_int_equal(sync_group(f, T0 + 5200, o.member, "inst-1", 1, NULL, &so), BRK_GROUP_DONE);
    assert_string_equal(so.assign, "mine");

    /* The old incarnation is fenced everywhere. */
    assert_int_equal(heartbeat(f, T0 + 5300, old, "inst-1", 1), KWIRE_ERR_FENCED_INSTANCE_ID);
    assert_int_equal(sync_group(f, T0 + 5300, old, "inst-1", 1, NULL, &so), BRK_GROUP_DONE);
    assert_int_equal(so.err, KWIRE_ERR_FENCED_INSTANCE_ID);
    jspec_t stale = s;
    stale.member = old;
    assert_int_equal(join(f, T0 + 5400, 5, &stale, &o), BRK_GROUP_DONE);
    assert_int_equal(o.err, KWIRE_ERR_FENCED_INSTANCE_ID);

    /* A restart with a new subscription does rebalance. */
    s.meta = sub_t2;
    s.meta_len = sizeof(sub_t2);
    assert_int_equal(join(f, T0 + 6000, 5, &s, &o), BRK_GROUP_PENDING);
    assert_true(o.done); /* sole member: completes at once */
    assert_int_equal(o.gen, 2);
}

static void test_brk_group_leave_group(void **st)
{
    fix_t *f = *st;
    char a[128], b[128];
    stable_pair(f, T0, 10000, a, b);
    kwire_MemberIdentity_t ids[2] = {{kwire_cstr(b), KWIRE_SLICE_NULL, KWIRE_SLICE_NULL},
                                     {kwire_cstr(""), kwire_cstr("zz"), KWIRE_SLICE_NULL}};
    kwire_LeaveGroupRequest_t req = {kwire_cstr("g1"), KWIRE_SLICE_NULL, ids, 2};
    kwire_LeaveGroupResponse_t resp;
    brk_group_leave(f->c, T0 + 100, 3, &req, &resp);
    assert_int_equal(resp.ErrorCode, 0);
    assert_int_equal(resp.MembersCount, 2);
    assert_int_equal(resp.Members[0].ErrorCode, 0);
    assert_int_equal(resp.Members[1].ErrorCode, KWIRE_ERR_UNKNOWN_MEMBER_ID);
    assert_string_equal(state(f, "g1"), "PreparingRebalance");
    join_out_t o;
    jspec_t s = {.protos = {"range"}, .member = a};
    join(f, T0 + 200, 3, &s, &o);
    assert_true(o.done);
    assert_int_equal(o.gen, 2);

    /* v0-2: one member id; the last member leaving empties the group. */
    kwire_LeaveGroupRequest_t req0 = {kwire_cstr("g1"), kwire_cstr(a), NULL, 0};
    brk_group_leave(f->c, T0 + 300, 1, &req0, &resp);
    assert_int_equal(resp.ErrorCode, 0);
    assert_string_equal(state(f, "g1"), "Empty");
    brk_group_leave(f->c, T0 + 400, 1, &req0, &resp);
    assert_int_equal(resp.ErrorCode, KWIRE_ERR_UNKNOWN_MEMBER_ID);
}

static void test_brk_group_cancel_pending_join(void **st)
{
    fix_t *f = *st;
    join_out_t oa, ob;
    jspec_t s = {.protos = {"range"}};
    join(f, T0, 3, &s, &oa);
    join(f, T0, 3, &s, &ob);
    brk_group_cancel(f->c, &ob); /* B's connection closed */
    brk_group_tick(f->c, T0 + 3000);
    brk_group_tick(f->c, T0 + 6000);
    assert_true(oa.done);
    assert_false(ob.done);            /* never called back */
    assert_int_equal(oa.nmembers, 2); /* B stays until its session ends */
    char pair[160];
    snprintf(pair, sizeof(pair), "%s=x", oa.member);
    const char *asg[] = {pair, NULL};
    sync_out_t so;
    sync_group(f, T0 + 6000, oa.member, NULL, 1, asg, &so);
    assert_int_equal(heartbeat(f, T0 + 10000, oa.member, NULL, 1), 0);
    brk_group_tick(f->c, T0 + 16000); /* B: 10000 after the join completed */
    assert_string_equal(state(f, "g1"), "PreparingRebalance");

    /* A lone pending join cancelled: the tick answers nobody. */
    join_out_t oc;
    jspec_t s2 = {.group = "g2", .protos = {"range"}};
    join(f, T0, 3, &s2, &oc);
    brk_group_cancel(f->c, &oc);
    brk_group_tick(f->c, T0 + 3000);
    assert_false(oc.done);
    assert_string_equal(state(f, "g2"), "CompletingRebalance");
}

/* ---- offsets ---------------------------------------------------------------- */

static int16_t commit(fix_t *f, int64_t now, const char *group, int32_t gen, const char *member,
                      const char *topic, int32_t part, int64_t off, const char *meta)
{
    kwire_OffsetCommitRequestPartition_t p = {part, off, 7, -1, kwire_cstr(meta)};
    kwire_OffsetCommitRequestTopic_t t = {kwire_cstr(topic), &p, 1};
    kwire_OffsetCommitRequest_t req = {
        kwire_cstr(group), gen, kwire_cstr(member), KWIRE_SLICE_NULL, -1, &t, 1};
    kwire_OffsetCommitResponse_t resp;
    brk_group_offset_commit(f->c, now, &req, &resp);
    assert_int_equal(resp.TopicsCount, 1);
    return resp.Topics[0].Partitions[0].ErrorCode;
}

/* Fetch one partition: offset, with metadata copied into @p meta. */
static int64_t fetch(fix_t *f, const char *group, const char *topic, int32_t part, char *meta)
{
    int32_t parts[1] = {part};
    kwire_OffsetFetchRequestTopic_t t = {kwire_cstr(topic), parts, 1};
    kwire_OffsetFetchRequest_t req = {kwire_cstr(group), &t, 1, 0};
    kwire_OffsetFetchResponse_t resp;
    brk_group_offset_fetch(f->c, &req, &resp);
    assert_int_equal(resp.ErrorCode, 0);
    const kwire_OffsetFetchResponsePartition_t *p = &resp.Topics[0].Partitions[0];
    assert_int_equal(p->ErrorCode, 0);
    if (meta)
        copy_slice(meta, 64, p->Metadata);
    return p->CommittedOffset;
}

static void test_brk_group_offset_commit_fetch(void **st)
{
    fix_t *f = *st;
    char a[128], b[128];
    stable_pair(f, T0, 10000, a, b);
    char meta[64];
    assert_int_equal(commit(f, T0 + 1, "g1", 1, a, "t1", 0, 42, "hello"), 0);
    assert_int_equal(commit(f, T0 + 1, "g1", 1, b, "t1", 1, 43, NULL), 0);
    assert_int_equal(fetch(f, "g1", "t1", 0, meta), 42);
    assert_string_equal(meta, "hello");
    assert_int_equal(fetch(f, "g1", "t1", 1, meta), 43);
    assert_string_equal(meta, ""); /* null metadata is stored as "" (Kafka) */
    assert_int_equal(fetch(f, "g1", "t1", 2, NULL), -1);
    assert_int_equal(fetch(f, "nogroup", "t1", 0, NULL), -1);

    assert_int_equal(commit(f, T0 + 2, "g1", 0, a, "t1", 0, 1, NULL), KWIRE_ERR_ILLEGAL_GENERATION);
    assert_int_equal(commit(f, T0 + 2, "g1", 1, "who", "t1", 0, 1, NULL),
                     KWIRE_ERR_UNKNOWN_MEMBER_ID);
    /* Generation -1 into a group with members is not a standalone commit. */
    assert_int_equal(commit(f, T0 + 2, "g1", -1, "", "t1", 0, 1, NULL),
                     KWIRE_ERR_UNKNOWN_MEMBER_ID);
    char big[5000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    assert_int_equal(commit(f, T0 + 2, "g1", 1, a, "t1", 0, 1, big),
                     KWIRE_ERR_OFFSET_METADATA_TOO_LARGE);
    assert_int_equal(fetch(f, "g1", "t1", 0, NULL), 42);

    /* Null Topics (v2+): everything committed. */
    kwire_OffsetFetchRequest_t all = {kwire_cstr("g1"), NULL, -1, 0};
    kwire_OffsetFetchResponse_t resp;
    brk_group_offset_fetch(f->c, &all, &resp);
    assert_int_equal(resp.TopicsCount, 1);
    assert_int_equal(resp.Topics[0].PartitionsCount, 2);
    assert_int_equal(resp.Topics[0].Partitions[0].CommittedLeaderEpoch, 7);

    /* During CompletingRebalance commits must wait. */
    join_out_t o, ob;
    jspec_t s = {.protos = {"range"}, .member = a};
    jspec_t sb = {.protos = {"range"}, .member = b};
    join(f, T0 + 10, 3, &s, &o);
    join(f, T0 + 10, 3, &sb, &ob);
    assert_string_equal(state(f, "g1"), "CompletingRebalance");
    assert_int_equal(commit(f, T0 + 11, "g1", 2, a, "t1", 0, 1, NULL),
                     KWIRE_ERR_REBALANCE_IN_PROGRESS);
}

static void test_brk_group_standalone_commits(void **st)
{
    fix_t *f = *st;
    char meta[64];
    assert_int_equal(commit(f, T0, "solo", -1, "", "t1", 3, 100, "m"), 0);
    assert_string_equal(state(f, "solo"), "Empty");
    assert_int_equal(fetch(f, "solo", "t1", 3, meta), 100);
    assert_string_equal(meta, "m");
    assert_int_equal(commit(f, T0, "solo", -1, "", "t1", 3, 101, "m2"), 0);
    assert_int_equal(fetch(f, "solo", "t1", 3, meta), 101);
    /* A real generation into an unknown group: a stale member. */
    assert_int_equal(commit(f, T0, "ghost", 5, "m", "t1", 0, 1, NULL),
                     KWIRE_ERR_ILLEGAL_GENERATION);
    assert_string_equal(state(f, "ghost"), "Dead");
}

static void test_brk_group_offset_delete(void **st)
{
    fix_t *f = *st;
    char a[128], b[128];
    stable_pair(f, T0, 10000, a, b); /* both subscribe to t1 */
    assert_int_equal(commit(f, T0, "g1", 1, a, "t1", 0, 5, NULL), 0);
    assert_int_equal(commit(f, T0, "g1", 1, a, "t2", 0, 6, NULL), 0);
    int32_t p0[1] = {0};
    kwire_OffsetDeleteRequestTopic_t t[2] = {{kwire_cstr("t1"), p0, 1}, {kwire_cstr("t2"), p0, 1}};
    kwire_OffsetDeleteRequest_t req = {kwire_cstr("g1"), t, 2};
    kwire_OffsetDeleteResponse_t resp;
    brk_group_offset_delete(f->c, &req, &resp);
    assert_int_equal(resp.ErrorCode, 0);
    assert_int_equal(resp.Topics[0].Partitions[0].ErrorCode, KWIRE_ERR_GROUP_SUBSCRIBED_TO_TOPIC);
    assert_int_equal(resp.Topics[1].Partitions[0].ErrorCode, 0);
    assert_int_equal(fetch(f, "g1", "t1", 0, NULL), 5);
    assert_int_equal(fetch(f, "g1", "t2", 0, NULL), -1);
    assert_null(f->recs[f->nrecs - 1].val); /* a tombstone went out */
    req.GroupId = kwire_cstr("nope");
    brk_group_offset_delete(f->c, &req, &resp);
    assert_int_equal(resp.ErrorCode, KWIRE_ERR_GROUP_ID_NOT_FOUND);
}

/* ---- admin ---------------------------------------------------------------- */

static void test_brk_group_describe_list_delete(void **st)
{
    fix_t *f = *st;
    char a[128], b[128];
    stable_pair(f, T0, 10000, a, b);
    assert_int_equal(commit(f, T0, "solo", -1, "", "t1", 0, 1, NULL), 0);

    kwire_slice_t names[3] = {kwire_cstr("g1"), kwire_cstr("solo"), kwire_cstr("none")};
    kwire_DescribeGroupsRequest_t dreq = {names, 3, 0};
    kwire_DescribeGroupsResponse_t d;
    brk_group_describe(f->c, &dreq, &d);
    assert_int_equal(d.GroupsCount, 3);
    assert_true(kwire_slice_eq(d.Groups[0].GroupState, "Stable"));
    assert_true(kwire_slice_eq(d.Groups[0].ProtocolType, "consumer"));
    assert_true(kwire_slice_eq(d.Groups[0].ProtocolData, "range"));
    assert_int_equal(d.Groups[0].MembersCount, 2);
    assert_true(kwire_slice_eq(d.Groups[0].Members[1].MemberAssignment, "for-b"));
    assert_true(kwire_slice_eq(d.Groups[0].Members[0].ClientId, "rdkafka"));
    assert_true(kwire_slice_eq(d.Groups[1].GroupState, "Empty"));
    assert_true(kwire_slice_eq(d.Groups[2].GroupState, "Dead"));
    assert_int_equal(d.Groups[2].ErrorCode, 0);

    kwire_slice_t stable = kwire_cstr("stable");
    kwire_ListGroupsRequest_t lreq = {&stable, 1, NULL, 0};
    kwire_ListGroupsResponse_t l;
    brk_group_list(f->c, &lreq, &l);
    assert_int_equal(l.GroupsCount, 1);
    assert_true(kwire_slice_eq(l.Groups[0].GroupId, "g1"));
    lreq.StatesFilterCount = 0;
    brk_group_list(f->c, &lreq, &l);
    assert_int_equal(l.GroupsCount, 2);

    kwire_DeleteGroupsRequest_t del = {names, 3};
    kwire_DeleteGroupsResponse_t dr;
    int before = f->nrecs;
    brk_group_delete(f->c, &del, &dr);
    assert_int_equal(dr.Results[0].ErrorCode, KWIRE_ERR_NON_EMPTY_GROUP);
    assert_int_equal(dr.Results[1].ErrorCode, 0);
    assert_int_equal(dr.Results[2].ErrorCode, KWIRE_ERR_GROUP_ID_NOT_FOUND);
    assert_int_equal(f->nrecs, before + 2); /* offset + group tombstones */
    assert_null(f->recs[before].val);
    assert_null(f->recs[before + 1].val);
    assert_string_equal(state(f, "solo"), "Dead");
    assert_int_equal(fetch(f, "solo", "t1", 0, NULL), -1);
}

/* ---- persistence ------------------------------------------------------------ */

static void test_brk_group_records_roundtrip(void **st)
{
    fix_t *f = *st;
    char a[128], b[128];
    stable_pair(f, T0, 10000, a, b);
    assert_int_equal(commit(f, T0, "g1", 1, a, "t1", 0, 42, "meta-a"), 0);
    assert_int_equal(commit(f, T0, "g1", 1, b, "t1", 1, 43, NULL), 0);
    assert_int_equal(commit(f, T0, "g1", 1, b, "t1", 1, 44, "later"), 0);
    assert_int_equal(commit(f, T0, "solo", -1, "", "t9", 0, 9, "s"), 0);
    assert_int_equal(commit(f, T0, "gone", -1, "", "t9", 0, 1, NULL), 0);
    kwire_slice_t gone = kwire_cstr("gone");
    kwire_DeleteGroupsRequest_t del = {&gone, 1};
    kwire_DeleteGroupsResponse_t dr;
    brk_group_delete(f->c, &del, &dr);
    assert_int_equal(dr.Results[0].ErrorCode, 0);

    /* Replay every record into a fresh coordinator. */
    fix_t g = {0};
    g.conf = f->conf;
    g.c = brk_group_new(&g.conf, on_record, &g);
    for (int i = 0; i < f->nrecs; i++) {
        kwire_slice_t k = {f->recs[i].key, f->recs[i].klen};
        kwire_slice_t v = {f->recs[i].val, f->recs[i].vlen};
        assert_int_equal(brk_group_load_record(g.c, T0 + 100, k, v), 0);
    }
    assert_int_equal(g.nrecs, 0); /* loading never writes */
    char meta[64];
    assert_int_equal(fetch(&g, "g1", "t1", 0, meta), 42);
    assert_string_equal(meta, "meta-a");
    assert_int_equal(fetch(&g, "g1", "t1", 1, meta), 44);
    assert_string_equal(meta, "later");
    assert_int_equal(fetch(&g, "solo", "t9", 0, meta), 9);
    assert_string_equal(state(&g, "gone"), "Dead");
    assert_string_equal(state(&g, "g1"), "Stable");
    assert_string_equal(state(&g, "solo"), "Empty");
    /* Members, generation and assignments survive. */
    assert_int_equal(heartbeat(&g, T0 + 200, a, NULL, 1), 0);
    assert_int_equal(heartbeat(&g, T0 + 200, b, NULL, 1), 0);
    sync_out_t so;
    kwire_SyncGroupRequest_t sreq = {0};
    sreq.GroupId = kwire_cstr("g1");
    sreq.GenerationId = 1;
    sreq.MemberId = kwire_cstr(b);
    sreq.GroupInstanceId = sreq.ProtocolType = sreq.ProtocolName = KWIRE_SLICE_NULL;
    kwire_SyncGroupResponse_t sresp;
    memset(&so, 0, sizeof(so));
    assert_int_equal(brk_group_sync(g.c, T0 + 300, &sreq, on_sync, &so, &sresp), BRK_GROUP_DONE);
    assert_true(kwire_slice_eq(sresp.Assignment, "for-b"));
    /* The leader is kept: its rejoin with the same metadata rebalances. */
    join_out_t o;
    jspec_t s = {.protos = {"range"}, .member = b};
    assert_int_equal(join(&g, T0 + 400, 3, &s, &o), BRK_GROUP_DONE);
    assert_string_equal(o.leader, a);

    /* A record from the new consumer protocol (key version 3+) is skipped. */
    uint8_t k3[] = {0, 3, 0, 1, 'x'};
    assert_int_equal(
        brk_group_load_record(g.c, T0, (kwire_slice_t){k3, sizeof(k3)}, KWIRE_SLICE_NULL),
        XDC_EUNSUPPORTED);
    uint8_t bad[] = {0, 1, 0};
    assert_int_equal(
        brk_group_load_record(g.c, T0, (kwire_slice_t){bad, sizeof(bad)}, KWIRE_SLICE_NULL),
        XDC_EMALFORMED);
    brk_group_free(g.c);
    for (int i = 0; i < g.nrecs; i++) {
        free(g.recs[i].key);
        free(g.recs[i].val);
    }
}

static void test_brk_group_offsets_retention(void **st)
{
    fix_t *f = *st;
    brk_group_free(f->c);
    f->conf.offsets_retention_ms = 60000;
    f->c = brk_group_new(&f->conf, on_record, f);
    assert_int_equal(commit(f, T0, "solo", -1, "", "t1", 0, 1, NULL), 0);
    assert_int_equal(brk_group_next_deadline(f->c), T0 + 60000);
    brk_group_tick(f->c, T0 + 59999);
    assert_string_equal(state(f, "solo"), "Empty");
    brk_group_tick(f->c, T0 + 60000);
    assert_string_equal(state(f, "solo"), "Dead");
    assert_int_equal(brk_group_next_deadline(f->c), INT64_MAX);
}

static void test_brk_group_sync_timeout_removes_silent_leader(void **st)
{
    fix_t *f = *st;
    join_out_t oa, ob;
    jspec_t s = {.protos = {"range"}};
    join(f, T0, 3, &s, &oa);
    join(f, T0, 3, &s, &ob);
    brk_group_tick(f->c, T0 + 3000);
    brk_group_tick(f->c, T0 + 6000);
    assert_true(oa.done && ob.done);
    sync_out_t sb;
    assert_int_equal(sync_group(f, T0 + 6000, ob.member, NULL, 1, NULL, &sb), BRK_GROUP_PENDING);
    /* The leader heartbeats but never sends SyncGroup: after the rebalance
     * timeout it is removed and the follower is told to rejoin. */
    for (int64_t t = T0 + 10000; t < T0 + 26000; t += 5000) {
        assert_int_equal(heartbeat(f, t, oa.member, NULL, 1), 0);
        brk_group_tick(f->c, t);
    }
    assert_false(sb.done);
    assert_int_equal(brk_group_next_deadline(f->c), T0 + 6000 + 20000);
    brk_group_tick(f->c, T0 + 26000);
    assert_true(sb.done);
    assert_int_equal(sb.err, KWIRE_ERR_REBALANCE_IN_PROGRESS);
    assert_string_equal(state(f, "g1"), "PreparingRebalance");
    char b[128];
    strcpy(b, ob.member);
    jspec_t sb2 = {.protos = {"range"}, .member = b};
    join(f, T0 + 26100, 3, &sb2, &ob);
    assert_true(ob.done);
    assert_int_equal(ob.gen, 2);
    assert_string_equal(ob.leader, b);
}

static void test_brk_group_absent_static_leader_is_replaced(void **st)
{
    fix_t *f = *st;
    join_out_t oa, ob;
    jspec_t sa = {.protos = {"range"}, .instance = "i-a", .session_ms = 60000};
    jspec_t sb = {.protos = {"range"}, .session_ms = 60000};
    join(f, T0, 5, &sa, &oa);
    join(f, T0, 3, &sb, &ob);
    brk_group_tick(f->c, T0 + 3000);
    brk_group_tick(f->c, T0 + 6000);
    assert_string_equal(oa.leader, oa.member);
    char a[128], b[128];
    strcpy(a, oa.member);
    strcpy(b, ob.member);
    char pa[160];
    snprintf(pa, sizeof(pa), "%s=x", a);
    const char *asg[] = {pa, NULL};
    sync_out_t so;
    sync_group(f, T0 + 6000, a, "i-a", 1, asg, &so);
    /* B changes its subscription; the static leader does not rejoin. */
    jspec_t sb2 = {.protos = {"range"},
                   .member = b,
                   .session_ms = 60000,
                   .meta = sub_t2,
                   .meta_len = sizeof(sub_t2)};
    join(f, T0 + 7000, 3, &sb2, &ob);
    brk_group_tick(f->c, T0 + 27000);
    assert_true(ob.done);
    assert_int_equal(ob.gen, 2);
    assert_string_equal(ob.leader, b); /* a member that rejoined leads */
    assert_int_equal(ob.nmembers, 2);  /* the static member is kept */
}

static void test_brk_group_single_helper(void **st)
{
    fix_t *f = *st;
    char id[128];
    stable_single(f, T0, id);
    assert_string_equal(state(f, "g1"), "Stable");
}

int main(void)
{
    cmocka_set_test_filter(getenv("TEST_FILTER"));
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_brk_group_single_member_join_sync_heartbeat),
        T(test_brk_group_two_members_leader_assigns),
        T(test_brk_group_initial_delay_capped_by_rebalance_timeout),
        T(test_brk_group_session_expiry_rebalances),
        T(test_brk_group_rebalance_timeout_drops_member),
        T(test_brk_group_member_id_required_flow),
        T(test_brk_group_inconsistent_protocol),
        T(test_brk_group_protocol_vote),
        T(test_brk_group_static_member_restart_without_rebalance),
        T(test_brk_group_leave_group),
        T(test_brk_group_cancel_pending_join),
        T(test_brk_group_offset_commit_fetch),
        T(test_brk_group_standalone_commits),
        T(test_brk_group_offset_delete),
        T(test_brk_group_describe_list_delete),
        T(test_brk_group_records_roundtrip),
        T(test_brk_group_offsets_retention),
        T(test_brk_group_sync_timeout_removes_silent_leader),
        T(test_brk_group_absent_static_leader_is_replaced),
        T(test_brk_group_single_helper),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
