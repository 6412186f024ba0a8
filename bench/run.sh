#!/usr/bin/env bash
# Builds the release binary and the load generator, then measures start-up, throughput,
# latency and memory on a fresh data dir.
#
#   bench/run.sh [--seconds N] [--only SCENARIO]   the table
#   bench/run.sh --peer moto [--seconds N]          the table, then the same
#                                                   AssumeRoleWithWebIdentity and ListBuckets
#                                                   load against moto's server, with ratios
#   bench/run.sh --soak N                           N mixed requests, errors and RSS along the way
#   bench/run.sh --writes                           CreateRole and ServiceAccount create rates as the
#                                                   world grows, then kill -9 and a count of what stayed
#   bench/run.sh --flood N                          N connections that send a head and one
#                                                   body byte and stall (20000 in the issue):
#                                                   health latency and failures throughout,
#                                                   time until the server closed them all, RSS
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_VERSION=5.2.1
peer=""
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --peer) peer="$2"; shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done

cargo build --locked --release --bin irsa-local --example irsa-bench
data_dir=$(mktemp -d)
peer_pid=""
cleanup() {
    [ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null || true
    rm -rf "$data_dir"
}
trap cleanup EXIT

server_cpu=()
pin=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
    server_cpu=(--server-cpu 0 --client-cpu 1)
    pin=(taskset -c 0)
fi

if [ "$peer" = "moto" ]; then
    venv=bench/.venv-moto
    if [ ! -x "$venv/bin/moto_server" ] || ! "$venv/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')"; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet "moto[server]==$MOTO_VERSION"
    fi
    peer_port=47721
    "${pin[@]}" "$venv/bin/moto_server" -H 127.0.0.1 -p "$peer_port" >/dev/null 2>&1 &
    peer_pid=$!
    for _ in $(seq 100); do
        curl -sf -o /dev/null "http://127.0.0.1:$peer_port/moto-api/" && break
        sleep 0.1
    done
    args+=(--peer-port "$peer_port" --peer-name "moto $MOTO_VERSION")
elif [ -n "$peer" ]; then
    echo "unknown peer $peer (known: moto)" >&2
    exit 2
fi

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -srm); $(date -u +%Y-%m-%d)"
target/release/examples/irsa-bench --binary target/release/irsa-local --data-dir "$data_dir" "${server_cpu[@]}" "${args[@]}"
