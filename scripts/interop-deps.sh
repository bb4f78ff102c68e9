#!/usr/bin/env bash
# Install the npm packages of the interop tests (tests/interop/*/) from their
# committed package-lock.json. Idempotent and silent when node_modules is
# present and newer than the lock file; fails when npm is missing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
for dir in "$root"/tests/interop/*/; do
    dir=${dir%/}
    [ -f "$dir/package-lock.json" ] || continue
    mods="$dir/node_modules"
    if [ -d "$mods" ] && [ "$mods" -nt "$dir/package-lock.json" ]; then
        continue
    fi
    if ! command -v npm >/dev/null; then
        echo "interop-deps: npm not found: install Node.js (>= 14) with npm" >&2
        exit 1
    fi
    echo "interop-deps: npm ci in ${dir#"$root"/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    # npm ci may keep the directory's old mtime; mark it as fresh.
    touch "$mods"
done
