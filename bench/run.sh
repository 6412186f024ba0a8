#!/usr/bin/env bash
# Builds the release binary and the load generator, then measures start-up, throughput,
# latency and memory on a fresh data dir. Usage: bench/run.sh [--seconds N]
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --locked --release --bin irsa-local --example irsa-bench
data_dir=$(mktemp -d)
trap 'rm -rf "$data_dir"' EXIT

cpus=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
    cpus=(--server-cpu 0 --client-cpu 1)
fi
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -srm)"
target/release/examples/irsa-bench --binary target/release/irsa-local --data-dir "$data_dir" "${cpus[@]}" "$@"
