#!/usr/bin/env bash
# `make demo`: run the bundled broker on its built-in defaults and show how
# to reach it. Data goes under ./data; Ctrl-C stops the broker.
set -euo pipefail
O=${1:-build}
bin="$O/bin"

echo "demo: starting xdc-broker on its built-in defaults (127.0.0.1:9092, data in ./data)"
"$bin/xdc-broker" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 50); do
    if (exec 3<>/dev/tcp/127.0.0.1/9092) 2>/dev/null; then break; fi
    kill -0 "$pid" 2>/dev/null || { echo "demo: xdc-broker exited (is port 9092 in use?)"; exit 1; }
    sleep 0.1
done

cat <<MSG

demo: xdc-broker is running (pid $pid) on 127.0.0.1:9092.
  cluster metadata:   kcat -b 127.0.0.1:9092 -L
  broker status:      build/bin/xdc --help
  configuration:      conf/broker.properties, docs/configuration.md
Press Ctrl-C to stop.
MSG
wait "$pid"
