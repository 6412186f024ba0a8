#!/usr/bin/env bash
# Runs every fuzz target for N seconds each (default 30), starting from the committed seed
# corpus, and fails on the first crash, timeout or out-of-memory. For CI; needs a nightly
# toolchain and cargo-fuzz. New corpus entries go to a temporary directory, so the
# committed corpus stays as it is; findings land in fuzz/artifacts/<target>/.
#
#   fuzz/smoke.sh [seconds] [target...]
set -euo pipefail

seconds="${1:-30}"
shift || true
cd "$(dirname "$0")"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi

cargo +nightly fuzz build
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for target in "${targets[@]}"; do
    mkdir -p "$work/$target"
    echo "== $target: ${seconds}s"
    log="$work/$target.log"
    status=0
    cargo +nightly fuzz run "$target" "$work/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
        -dict="dict/$target.dict" -print_final_stats=1 >"$log" 2>&1 || status=$?
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "$log" || true
    if [ "$status" -ne 0 ]; then
        tail -n 60 "$log" >&2
        echo "fuzz target $target failed (exit $status); see fuzz/artifacts/$target/" >&2
        exit 1
    fi
done
echo "fuzz smoke: ${#targets[@]} targets, ${seconds}s each, no findings"
