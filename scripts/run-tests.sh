#!/usr/bin/env bash
# Run test binaries of one suite, print each binary's own output (cmocka's
# summary lines) and a closing "N passed, N failed" line for the suite.
#   scripts/run-tests.sh <suite> <binary>...
#   scripts/run-tests.sh --summary      totals of every suite run so far
# Results accumulate in $XDC_TEST_RESULTS (default build/test-results).
# XDC_TEST_WRAPPER (e.g. valgrind) prefixes each command; TEST_TIMEOUT_MULT
# scales the per-binary time limit.
set -uo pipefail

results=${XDC_TEST_RESULTS:-build/test-results}
mult=${TEST_TIMEOUT_MULT:-1}

if [ "${1:-}" = "--summary" ]; then
    [ -f "$results" ] || { echo "tests: 0 passed, 0 failed"; exit 1; }
    awk '{p += $2; f += $3} END {printf "tests: %d passed, %d failed\n", p, f; exit (f > 0 || p == 0)}' "$results"
    exit $?
fi

suite=$1; shift
mkdir -p "$(dirname "$results")"
passed=0; failed=0
for bin in "$@"; do
    out=$(mktemp)
    case "$suite" in
        integration) limit=$((600 * mult)) ;;
        *) limit=$((300 * mult)) ;;
    esac
    echo "--- $suite: $(basename "$bin")"
    # shellcheck disable=SC2086
    timeout --kill-after=10 "$limit" ${XDC_TEST_WRAPPER:-} "$bin" 2>&1 | tee "$out"
    rc=${PIPESTATUS[0]}
    p=$(sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
    f=$(sed -n 's/.*\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
    p=${p:-0}; f=${f:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        # Crashed, timed out or failed outside a test case: count the binary.
        echo "$suite: $(basename "$bin") exited with status $rc"
        f=1
    fi
    passed=$((passed + p)); failed=$((failed + f))
    rm -f "$out"
done
echo "$suite $passed $failed" >> "$results"
echo "$suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
