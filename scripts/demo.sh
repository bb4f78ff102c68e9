#!/usr/bin/env bash
# `make demo`: a primary and a DR site on this machine, and a failover drill
# between them.
#
# It starts two xdc-brokers on one port at 127.0.0.2 (primary) and
# 127.0.0.3 (dr), Knot DNS serving kafka.example.internal (TTL 1 s) with
# TSIG-signed dynamic updates, xdc-mirror running both directions with
# checkpoints, xdc-failover, and a keyed load with a consumer group that
# know the sites only by that name. Then it runs `xdc drill run` -- a
# planned failover to DR and the failback -- and prints the report (RTO,
# RPO, per-phase timings) and where the HTTP APIs are. Ctrl-C stops every
# process it started (each runs in a session of its own and is stopped by
# its process group) and removes its directory.
#
# The load follows the DNS name only when the demo runs as root: it then
# runs in a private mount namespace whose /etc/resolv.conf names the demo's
# Knot on port 53 (of 127.53.0.1). Otherwise it writes to the primary's
# address and says so.
#
# Environment: XDC_DEMO_DIR=<dir> (default: a new /tmp/xdc-demo.*),
# XDC_DEMO_NO_WAIT=1 (stop after the drill instead of waiting for Ctrl-C),
# XDC_DEMO_KEEP=1 (keep the directory and its logs).
set -euo pipefail
O=${1:-build}
bin="$(cd "$O/bin" && pwd)"
D=${XDC_DEMO_DIR:-$(mktemp -d /tmp/xdc-demo.XXXXXX)}
mkdir -p "$D"
D="$(cd "$D" && pwd)"
PRIMARY=127.0.0.2
DR=127.0.0.3
RESOLVER=127.53.0.1
NAME=kafka.example.internal
pids=()

say() { printf 'demo: %s\n' "$*"; }

cleanup() {
    trap - EXIT INT TERM
    local p
    for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do
        for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$p" 2>/dev/null || true
    done
    if [ -z "${XDC_DEMO_KEEP:-}" ]; then rm -rf "$D"; else say "logs kept in $D"; fi
}
trap cleanup EXIT
trap 'echo; say "stopping"; exit 130' INT TERM

# start NAME CMD...: in a session of its own, output in $D/NAME.log.
start() {
    local name=$1
    shift
    setsid "$@" >"$D/$name.log" 2>&1 </dev/null &
    pids+=($!)
}

listening() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_listening() { # host port name
    for _ in $(seq 150); do
        listening "$1" "$2" && return 0
        sleep 0.1
    done
    say "$3 does not listen on $1:$2; its log:"
    tail -20 "$D/$3.log" >&2
    exit 1
}

free_port() { # hosts...
    local p h busy
    for _ in $(seq 200); do
        p=$((20000 + RANDOM % 40000))
        busy=
        for h in "$@"; do listening "$h" "$p" && busy=1; done
        [ -z "$busy" ] && { echo "$p"; return; }
    done
    say "no free port"
    exit 1
}

for tool in knotd kcat dig; do
    command -v "$tool" >/dev/null || { say "$tool is missing: run make deps"; exit 1; }
done

# --- the two sites -------------------------------------------------------------
PORT=$(free_port $PRIMARY $DR)
for site in primary dr; do
    ip=$PRIMARY
    [ $site = dr ] && ip=$DR
    mkdir -p "$D/$site"
    start "$site" "$bin/xdc-broker" --override "listeners=PLAINTEXT://$ip:$PORT" \
        --override "log.dirs=$D/$site/data" --override "http.listen=127.0.0.1:0"
done
wait_listening $PRIMARY "$PORT" primary
wait_listening $DR "$PORT" dr
say "sites: primary $PRIMARY:$PORT, dr $DR:$PORT"

# --- DNS -------------------------------------------------------------------------
KPORT=$(free_port 127.0.0.1)
mkdir -p "$D/knot/run" "$D/knot/db" "$D/knot/zones"
SECRET=$(head -c 32 /dev/urandom | base64)
echo "$SECRET" >"$D/tsig.secret"
listen="127.0.0.1@$KPORT"
follow=
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && ! listening $RESOLVER 53; then
    listen="[ 127.0.0.1@$KPORT, $RESOLVER@53 ]"
    follow=1
fi
cat >"$D/knot/knot.conf" <<CONF
server:
    rundir: "$D/knot/run"
    pidfile: "$D/knot/run/knot.pid"
    listen: $listen
log:
  - target: stderr
    any: info
database:
    storage: "$D/knot/db"
control:
    listen: "$D/knot/run/knot.sock"
key:
  - id: xdc-failover
    algorithm: hmac-sha256
    secret: $SECRET
acl:
  - id: update
    address: 127.0.0.1
    key: xdc-failover
    action: update
template:
  - id: default
    storage: "$D/knot/zones"
    file: "%s.zone"
    zonefile-sync: -1
    journal-content: all
zone:
  - domain: example.internal
    acl: update
CONF
cat >"$D/knot/zones/example.internal.zone" <<ZONE
\$ORIGIN example.internal.
\$TTL 30
@ IN SOA ns1 hostmaster 1 60 30 3600 1
@ IN NS ns1
ns1 IN A 127.0.0.1
kafka 1 IN A $PRIMARY
ZONE
start knot knotd -c "$D/knot/knot.conf"
for _ in $(seq 100); do
    [ "$(dig +short +time=1 +tries=1 -p "$KPORT" @127.0.0.1 $NAME A 2>/dev/null)" = $PRIMARY ] && break
    sleep 0.1
done
say "DNS: Knot on 127.0.0.1:$KPORT answers $NAME -> $PRIMARY (TTL 1 s)"

# --- the mirror, both directions ---------------------------------------------------
MPORT=$(free_port 127.0.0.1)
cat >"$D/mirror.properties" <<CONF
clusters = primary, dr
primary.bootstrap.servers = $PRIMARY:$PORT
dr.bootstrap.servers = $DR:$PORT
primary->dr.enabled = true
dr->primary.enabled = true
replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy
refresh.topics.interval.seconds = 1
refresh.groups.interval.seconds = 1
emit.checkpoints.interval.seconds = 1
sync.group.offsets.enabled = true
offset.flush.interval.ms = 500
primary.consumer.session.timeout.ms = 6000
dr.consumer.session.timeout.ms = 6000
http.listeners = http://127.0.0.1:$MPORT
CONF
start mirror "$bin/xdc-mirror" "$D/mirror.properties"
wait_listening 127.0.0.1 "$MPORT" mirror

# --- the failover controller --------------------------------------------------------
CPORT=$(free_port 127.0.0.1)
head -c 24 /dev/urandom | base64 >"$D/api.token"
cat >"$D/failover.properties" <<CONF
replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy
primary.bootstrap.servers = $PRIMARY:$PORT
dr.bootstrap.servers = $DR:$PORT
primary.dns.addresses = $PRIMARY
dr.dns.addresses = $DR
dns.bootstrap.port = $PORT
dns.name = $NAME
dns.zone = example.internal
dns.servers = 127.0.0.1:$KPORT
dns.ttl.seconds = 1
dns.tsig.key.name = xdc-failover
dns.tsig.secret.file = $D/tsig.secret
mirror.url = http://127.0.0.1:$MPORT
http.listeners = http://127.0.0.1:$CPORT
http.token.file = $D/api.token
report.dir = $D/reports
# Clients stay on DR for 10 s before the failback: the group works there.
drill.hold.ms = 10000
CONF
start failover "$bin/xdc-failover" "$D/failover.properties"
wait_listening 127.0.0.1 "$CPORT" failover

# --- an application: keyed orders and a consumer group --------------------------------
# The topic exists before the group subscribes (the first record creates it).
echo "customer-0:order-0" | kcat -b $PRIMARY:$PORT -P -t orders -K: 2>>"$D/producer.log"
cat >"$D/produce.sh" <<'SH'
#!/bin/sh
# Ten keyed orders a second, forever.
i=0
while :; do
    i=$((i + 1))
    echo "customer-$((i % 16)):order-$i"
    sleep 0.1
done
SH
chmod +x "$D/produce.sh"
bootstrap=$PRIMARY:$PORT
run_app() { # name cmd: through the name when it can be followed
    if [ -n "$follow" ]; then
        printf 'nameserver %s\noptions timeout:1 attempts:2\n' $RESOLVER >"$D/resolv.conf"
        start "$1" unshare --mount --propagation private sh -c \
            "mount --bind '$D/resolv.conf' /etc/resolv.conf && exec $2"
    else
        start "$1" sh -c "exec $2"
    fi
}
[ -n "$follow" ] && bootstrap=$NAME:$PORT
# -E: a fenced site closing the connections is not a reason to exit.
kopts="-E -X broker.address.ttl=1000 -X reconnect.backoff.max.ms=1000 -X topic.metadata.refresh.interval.ms=1000"
run_app producer "'$D/produce.sh' | kcat -b $bootstrap -P -t orders -K: -X message.timeout.ms=120000 $kopts"
run_app consumer "kcat -b $bootstrap -G billing -X auto.offset.reset=earliest -X auto.commit.interval.ms=200 -f '%k %s\n' $kopts orders"
if [ -n "$follow" ]; then
    say "application: kcat producer and consumer group 'billing' bootstrap from $NAME:$PORT"
else
    say "application: not root, so the load cannot use the demo's DNS; it writes to $bootstrap"
fi

# The mirror has copied some orders and checkpointed the group.
for _ in $(seq 300); do
    n=$(kcat -b $DR:$PORT -C -t orders -e -q -f 'x\n' 2>/dev/null | wc -l || true)
    [ "${n:-0}" -ge 20 ] && break
    sleep 0.2
done
sleep 3

# --- the drill ----------------------------------------------------------------------------
say "running a drill: planned failover to DR, then failback to the primary"
rc=0
"$bin/xdc" drill run --url "http://127.0.0.1:$CPORT" --token-file "$D/api.token" || rc=$?
report=$(ls -t "$D"/reports/*-drill.json 2>/dev/null | head -1 || true)
consumed=$(wc -l <"$D/consumer.log" || echo 0)
cat <<MSG

demo: drill report:          ${report:-none} (GET http://127.0.0.1:$CPORT/v1/reports)
demo: consumer group billing processed $consumed orders so far
demo: failover controller:   http://127.0.0.1:$CPORT  (GET /v1/status /v1/reports /metrics;
                             POST needs the token in $D/api.token)
demo:   $bin/xdc status --url http://127.0.0.1:$CPORT
demo: mirror:                http://127.0.0.1:$MPORT  (GET /v1/lag /v1/checkpoints /metrics)
demo: DNS:                   dig -p $KPORT @127.0.0.1 $NAME
demo: logs:                  $D/*.log
MSG
if [ $rc -ne 0 ]; then
    say "the drill did not complete (exit $rc)"
    exit $rc
fi
[ -n "${XDC_DEMO_NO_WAIT:-}" ] && exit 0
say "press Ctrl-C to stop everything"
while :; do sleep 1; done
