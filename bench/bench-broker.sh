#!/usr/bin/env bash
# `make bench-broker`: xdc-broker against librdkafka's mock cluster.
#   bench/bench-broker.sh <build dir> [bench_broker options...]
# Prints JSON lines (a config line, one per target, then the xdc/mock
# ratios) on stdout and keeps a copy in <build dir>/bench-broker.json.
# BENCH_ARGS adds options too, e.g.
#   make bench-broker BENCH_ARGS="--seconds 20 --codec lz4"
# Options: see `<build dir>/bench/bench_broker --help`. Scratch data goes
# to $TMPDIR (default /tmp) and is removed at the end.
set -euo pipefail

O=${1:?usage: bench/bench-broker.sh <build dir> [options]}
shift
out="$O/bench-broker.json"
# shellcheck disable=SC2086
"$O/bench/bench_broker" --broker "$O/bin/xdc-broker" --mock "$O/bench/mock_cluster" \
    ${BENCH_ARGS:-} "$@" | tee "$out"
echo "bench-broker: results in $out" >&2
