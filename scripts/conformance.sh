#!/usr/bin/env bash
# `make conformance`: run librdkafka's own test suite (Debian bookworm's
# librdkafka 2.0.2 source package, built here, never committed) against a
# freshly started xdc-broker, one listed test at a time.
#   scripts/conformance.sh [BUILD_DIR]        default BUILD_DIR: build
# Needs $BUILD_DIR/bin/xdc-broker. The tests to run are the uncommented
# numbers in tests/conformance/librdkafka.list; CONFORMANCE_TESTS="0001 0012"
# runs other ones instead. Caches the source tree under
# $BUILD_DIR/conformance/ and keeps per-test output and the broker log of
# each failed test in $BUILD_DIR/conformance/logs/. TEST_TIMEOUT_MULT scales
# the per-test time limit (CONFORMANCE_TIMEOUT, default 300 s).
# Prints one line per test and a final "conformance: N passed, M failed";
# exits non-zero if any test failed.
set -euo pipefail

O=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
broker_bin=$(cd "$O/bin" 2>/dev/null && pwd)/xdc-broker
list=${CONFORMANCE_LIST:-"$here/tests/conformance/librdkafka.list"}
out=$(mkdir -p "$O/conformance" && cd "$O/conformance" && pwd)
version=2.0.2
src="$out/librdkafka-$version"
mult=${TEST_TIMEOUT_MULT:-1}
limit=$(( ${CONFORMANCE_TIMEOUT:-300} * mult ))
jobs=$(nproc 2>/dev/null || echo 2)

say() { echo "conformance: $*"; }
die() { echo "conformance: $*" >&2; exit 2; }

[ -x "$broker_bin" ] || die "$broker_bin not built (make O=$O build)"

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "need root or sudo to install packages"
    sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive

# --- 1. packages -------------------------------------------------------------

# Build deps of the source tree (configure, make libs, tests/ in C and C++),
# plus dpkg-dev for `apt-get source` and python3 for the broker's free port.
pkgs=(build-essential pkg-config dpkg-dev python3
      liblz4-dev libssl-dev libzstd-dev zlib1g-dev)
apt_updated=0
apt_update() {
    [ "$apt_updated" -eq 1 ] && return 0
    $sudo apt-get update -qq >/dev/null
    apt_updated=1
}

install_pkgs() {
    local missing=() p
    for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing ${missing[*]}"
    apt_update
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The Debian mirror this machine already uses for bookworm main: the URI of a
# deb822 stanza or of a one-line "deb" entry, so deb-src comes from there too.
bookworm_mirror() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk 'BEGIN { RS = ""; FS = "\n" }
             /(^|\n)Types:[^\n]*deb/ && /(^|\n)Suites:[^\n]*bookworm([ \t\n]|$)/ &&
             /(^|\n)Components:[^\n]*main/ {
                 for (i = 1; i <= NF; i++)
                     if ($i ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", $i); split($i, u, /[ \t]+/);
                                          print u[1]; exit }
             }' "$f"
    done
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        awk '$1 == "deb" && $0 ~ / bookworm .*main/ { for (i = 2; i <= NF; i++)
                 if ($i ~ /^[a-z+]+:\/\//) { print $i; exit } }'
    return 0
}

# Source packages for bookworm main: add a deb-src entry for the existing
# mirror unless one is configured already.
enable_deb_src() {
    apt-cache showsrc librdkafka 2>/dev/null | grep -q "^Version: $version" && return 0
    local f=/etc/apt/sources.list.d/xdc-deb-src.sources
    if ! grep -Eqs '^(Types:.*deb-src|deb-src .* bookworm .*main)' \
            /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; then
        local uri keyring=/usr/share/keyrings/debian-archive-keyring.gpg
        uri=$(bookworm_mirror | head -1) || true
        uri=${uri:-http://deb.debian.org/debian}
        say "enabling deb-src for bookworm main from $uri ($f)"
        printf 'Types: deb-src\nURIs: %s\nSuites: bookworm\nComponents: main\n%s' "$uri" \
            "$([ -f "$keyring" ] && echo "Signed-By: $keyring")" | $sudo tee "$f" >/dev/null
    fi
    apt_updated=0
    apt_update
    apt-cache showsrc librdkafka 2>/dev/null | grep -q "^Version: $version" ||
        die "apt has no source for librdkafka $version (deb-src for bookworm main?)"
}

# --- 2. librdkafka source tree and test-runner ------------------------------

build_suite() {
    [ -f "$src/.xdc-built" ] && [ -x "$src/tests/test-runner" ] && return 0
    enable_deb_src
    local t0=$SECONDS
    if [ ! -d "$src/tests" ]; then
        say "fetching librdkafka $version source into $out"
        rm -rf "$src"
        local debver
        debver=$(apt-cache showsrc librdkafka | sed -n "s/^Version: \($version-.*\)/\1/p" | head -1)
        (cd "$out" && apt-get source -qq "librdkafka=$debver" >"$out/apt-source.log" 2>&1) ||
            { cat "$out/apt-source.log" >&2; die "apt-get source librdkafka failed"; }
    fi
    say "building librdkafka $version and its test-runner (-j$jobs; log: $out/build.log)"
    (
        cd "$src"
        ./configure --disable-curl --disable-sasl
        make -j"$jobs" libs
        make -j"$jobs" -C tests build
    ) >"$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2; die "librdkafka build failed"; }
    touch "$src/.xdc-built"
    say "built in $((SECONDS - t0)) s"
}

# --- 3. broker ---------------------------------------------------------------

broker_pid=""
broker_dir=""
test_pid=""
stop_broker() {
    if [ -n "$test_pid" ]; then
        kill "$test_pid" 2>/dev/null || true
        wait "$test_pid" 2>/dev/null || true
        test_pid=""
    fi
    if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then
        kill "$broker_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$broker_pid" 2>/dev/null || true
        wait "$broker_pid" 2>/dev/null || true
    fi
    broker_pid=""
    [ -n "$broker_dir" ] && rm -rf "$broker_dir"
    broker_dir=""
}
trap stop_broker EXIT
trap 'stop_broker; exit 130' INT
trap 'stop_broker; exit 143' TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Overrides for the suite's default scenario (tests/scenarios/default.json:
# auto-create on, 4 partitions). group.initial.rebalance.delay.ms keeps
# Kafka's 3000: 0118 needs two consumers that subscribe together to land in
# one generation. CONFORMANCE_BROKER_OVERRIDES="--override k=v ..." adds more.
start_broker() {
    local try port
    broker_log="$out/broker.log"
    for try in 1 2 3; do
        port=$(free_port)
        broker_dir=$(mktemp -d "${TMPDIR:-/tmp}/xdc-conformance.XXXXXX")
        "$broker_bin" \
            --override "listeners=PLAINTEXT://127.0.0.1:$port" \
            --override "log.dirs=$broker_dir/data" \
            --override "http.listen=127.0.0.1:0" \
            --override num.partitions=4 \
            --override auto.create.topics.enable=true \
            ${CONFORMANCE_BROKER_OVERRIDES:-} \
            >"$broker_log" 2>&1 &
        broker_pid=$!
        for _ in $(seq 100); do
            if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
                broker_port=$port
                return 0
            fi
            kill -0 "$broker_pid" 2>/dev/null || break
            sleep 0.1
        done
        say "broker did not start on port $port (try $try):"
        tail -5 "$broker_log" >&2
        stop_broker
    done
    die "could not start xdc-broker"
}

# --- 4. run ------------------------------------------------------------------

# One "NNNN quick|full [SUBTESTS]" line per test to run. A list line is
# "NNNN # what", "NNNN full # what" ("full" runs without -Q, for tests whose
# subtests quick mode skips) or "NNNN full subtests=STR # what" (only the
# subtests whose name contains STR, no spaces). CONFORMANCE_TESTS takes
# "NNNN" or "NNNN:full" words.
listed_tests() {
    if [ -n "${CONFORMANCE_TESTS:-}" ]; then
        tr ' ,' '\n\n' <<<"$CONFORMANCE_TESTS" |
            sed -n 's/^\([0-9]\{4\}\)\(:full\)\{0,1\}$/\1 \2/p' | sed 's/ :full$/ full/; s/ $/ quick/'
    else
        sed 's/#.*//' "$list" | awk '$1 ~ /^[0-9][0-9][0-9][0-9]$/ {
            sub_ = ""
            for (i = 2; i <= NF; i++) if ($i ~ /^subtests=/) sub_ = substr($i, 10)
            print $1, ($2 == "full" ? "full" : "quick"), sub_ }'
    fi
}

install_pkgs
build_suite

tests=$(listed_tests)
[ -n "$tests" ] || die "no tests listed in $list"
start_broker
say "xdc-broker pid $broker_pid on 127.0.0.1:$broker_port, data in $broker_dir"

# test.conf is read by test-runner from its working directory. The
# multiplier gives the group tests headroom over their own tight limits
# (0018 full needs ~22 s of its 35 s with a 3 s initial rebalance delay).
cat >"$src/tests/test.conf" <<EOF
bootstrap.servers=127.0.0.1:$broker_port
broker.address.family=v4
test.timeout.multiplier=$((2 * mult))
EOF

logs="$out/logs"
rm -rf "$logs" && mkdir -p "$logs"
passed=0; failed=0; failed_list=""
t_start=$SECONDS
while read -r t mode subtests; do
    flags="-p1 -E"; [ "$mode" = quick ] && flags="$flags -Q"
    kill -0 "$broker_pid" 2>/dev/null || { say "xdc-broker died; restarting"; start_broker
        sed -i "s/^bootstrap.servers=.*/bootstrap.servers=127.0.0.1:$broker_port/" "$src/tests/test.conf"; }
    log_from=$(($(wc -c <"$broker_log") + 1))
    t0=$SECONDS
    rc=0
    # In the background so that a signal's trap runs at once rather than
    # after the test; timeout passes the signal on to test-runner. wait's
    # stderr would carry bash's "Aborted" notice: test-runner abort()s on a
    # failed assertion.
    (cd "$src/tests" &&
        TESTS=$t SUBTESTS=$subtests LD_LIBRARY_PATH=../src:../src-cpp \
        exec timeout --kill-after=10 "$limit" ./test-runner $flags) </dev/null >"$logs/$t.out" 2>&1 &
    test_pid=$!
    wait "$test_pid" 2>/dev/null || rc=$?
    test_pid=""
    dt=$((SECONDS - t0))
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
        printf 'conformance: %s PASS (%s, %d s)\n' "$t" "$mode${subtests:+ $subtests}" "$dt"
    else
        failed=$((failed + 1)); failed_list="$failed_list $t"
        why="exit $rc"; [ "$rc" -eq 124 ] && why="timed out after $limit s"
        printf 'conformance: %s FAIL (%s, %s, %d s; output: %s)\n' "$t" "$mode" "$why" "$dt" "$logs/$t.out"
        sed 's/\x1b\[[0-9;]*m//g' "$logs/$t.out" | grep -a -E -A1 '^### Test' | grep -v '^--' |
            head -6 | cut -c1-400 | sed 's/^/    /'
        tail -c +"$log_from" "$broker_log" >"$logs/$t.broker.log"
        echo "    broker log ($logs/$t.broker.log), last lines:"
        tail -10 "$logs/$t.broker.log" | sed 's/^/    /'
    fi
done <<<"$tests"
say "ran $((passed + failed)) tests in $((SECONDS - t_start)) s${failed_list:+; failed:$failed_list}"
stop_broker
echo "conformance: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
