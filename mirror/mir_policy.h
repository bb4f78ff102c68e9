#ifndef XDC_MIRROR_MIR_POLICY_H
#define XDC_MIRROR_MIR_POLICY_H

/* Topic naming: MirrorMaker 2's replication policies
 * (../shared/reference/mirrormaker2.md section 1; mirror-client
 * DefaultReplicationPolicy, IdentityReplicationPolicy, ReplicationPolicy and
 * MirrorSourceConnector.isCycle).
 *
 *   default   "orders" from "primary" -> "primary.orders"
 *   identity  "orders" -> "orders" (no cycle detection, as in MM2)
 *   both      "heartbeats" -> "primary.heartbeats", "b.heartbeats" -> "primary.b.heartbeats"
 *
 * Internal topic names (offset syncs, checkpoints) use "." whatever the
 * separator, as MM2 does with replication.policy.internal.topic.separator
 * .enabled=false (and as it does by default when the separator is ".").
 *
 * Pure code: no I/O, no logging; any thread. Output names are
 * NUL-terminated; on error @p out holds "" when it has room for it. */

#include "mirror/mirror.h"

#include <stdbool.h>
#include <stddef.h>

/* Kafka's limit on a topic name's length. A buffer of MIR_TOPIC_MAX + 1
 * bytes holds any topic name and any alias a topic name can carry. */
#define MIR_TOPIC_MAX 249

/* The heartbeats topic's name on the cluster where heartbeats are emitted. */
#define MIR_HEARTBEATS_TOPIC "heartbeats"

typedef struct mir_policy {
    int kind;           /* enum mir_policy_kind */
    char separator[16]; /* replication.policy.separator, NUL-terminated, not empty */
} mir_policy_t;

/** Fill @p p.  @param separator borrowed; copied.
 *  @return 0, or XDC_ECONF (unknown kind, empty separator, or one of 16
 *  bytes or more). */
int mir_policy_init(mir_policy_t *p, int kind, const char *separator);

/** The name on the target of @p topic mirrored from @p source_alias
 *  (formatRemoteTopic): "<alias><sep><topic>" under the default policy,
 *  @p topic unchanged under identity, except heartbeats topics
 *  (mir_policy_is_heartbeats_topic()), which both policies prefix.
 *  @return 0, -EINVAL (empty alias or topic, invalid separator), or
 *  XDC_ETOOBIG (the name is over MIR_TOPIC_MAX or does not fit @p outlen). */
int mir_policy_remote_topic(const mir_policy_t *p, const char *source_alias, const char *topic,
                            char *out, size_t outlen);

/** The source alias that @p topic carries (topicSource): under the default
 *  policy, the text before the first separator when the rest is not empty
 *  (as Java's String.split drops trailing empties: "a." has no source, and
 *  ".x" has the source ""); under identity only heartbeats topics have one.
 *  @return @p alias_out (holding the alias), or NULL when @p topic names no
 *  source or the alias does not fit @p len (MIR_TOPIC_MAX + 1 always fits). */
const char *mir_policy_topic_source(const mir_policy_t *p, const char *topic, char *alias_out,
                                    size_t len);

/** @return the name that @p topic had on the cluster it was mirrored from
 *  (upstreamTopic), as a pointer into @p topic, or NULL when
 *  mir_policy_topic_source() finds no source. */
const char *mir_policy_upstream_topic(const mir_policy_t *p, const char *topic);

/** MM2's ReplicationPolicy.isInternalTopic with the "." separator: a name
 *  starting "__" or ".", or ending ".internal" or "-internal". That covers
 *  MM2's own topics (mm2-offset-syncs.*.internal, *.checkpoints.internal,
 *  mm2-configs/offsets/status.*.internal) and Connect's defaults.
 *  Internal topics are never mirrored. */
bool mir_policy_is_internal(const char *topic);

/** mir_policy_is_internal(), or a name ending "<sep>internal": MM2's
 *  DefaultReplicationPolicy.isInternalTopic with the policy's separator. */
bool mir_policy_is_internal_topic(const mir_policy_t *p, const char *topic);

/** Whether mirroring @p topic to the cluster @p target_alias would bring it
 *  back where it came from (MirrorSourceConnector.isCycle): walks the alias
 *  chain of @p topic ("a.b.orders": a, then b) and is true when an alias in
 *  it equals @p target_alias. Under identity only heartbeats topics carry a
 *  chain, so other topics are never a cycle. */
bool mir_policy_is_cycle(const mir_policy_t *p, const char *topic, const char *target_alias);

/** @return true for "heartbeats" and names ending ".heartbeats". */
bool mir_policy_is_heartbeats(const char *topic);

/** MM2's isHeartbeatsTopic with the policy's separator: strip every
 *  "<alias><sep>" prefix and compare what is left with "heartbeats". */
bool mir_policy_is_heartbeats_topic(const mir_policy_t *p, const char *topic);

/** The offset-syncs topic of the flow @p source_alias -> @p target_alias:
 *  "mm2-offset-syncs.<target>.internal" for MIR_SYNCS_SOURCE (it lives on
 *  the source), "mm2-offset-syncs.<source>.internal" for MIR_SYNCS_TARGET.
 *  @return 0, -EINVAL (unknown @p location, empty alias), XDC_ETOOBIG. */
int mir_policy_offset_syncs_topic(int location, const char *source_alias, const char *target_alias,
                                  char *out, size_t len);

/** The checkpoints topic, on the target: "<source>.checkpoints.internal".
 *  @return 0, -EINVAL (empty alias), XDC_ETOOBIG. */
int mir_policy_checkpoints_topic(const char *source_alias, char *out, size_t len);

#endif
