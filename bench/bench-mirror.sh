#!/usr/bin/env bash
# `make bench-mirror`: xdc-mirror against a `kcat -C | kcat -P` pipe,
# between two bundled brokers, on the same preloaded topic.
#   bench/bench-mirror.sh <build dir> [bench_mirror options...]
# Prints JSON lines (a config line with the preload rate, one per target,
# then the mirror/kcat ratios) on stdout and keeps a copy in
# <build dir>/bench-mirror.json. BENCH_ARGS adds options too, e.g.
#   make bench-mirror BENCH_ARGS="--mb 4096 --warm-page-cache-mb 6000"
# Options: see `<build dir>/bench/bench_mirror --help`. Scratch data goes
# to $TMPDIR (default /tmp) and is removed at the end.
set -euo pipefail

O=${1:?usage: bench/bench-mirror.sh <build dir> [options]}
shift
kcat=$(command -v kcat) || {
    echo "bench-mirror: kcat not found (Debian package kcat)" >&2
    exit 1
}
out="$O/bench-mirror.json"
# shellcheck disable=SC2086
"$O/bench/bench_mirror" --broker "$O/bin/xdc-broker" --mirror "$O/bin/xdc-mirror" \
    --kcat "$kcat" ${BENCH_ARGS:-} "$@" | tee "$out"
echo "bench-mirror: results in $out" >&2
