#!/usr/bin/env bash
# The S3 transfer benchmark (bench/s3_transfer.py): a 1 GiB PutObject and the server's
# peak RSS, upload/download throughput beside moto's, and unsigned 60 MiB PUTs refused
# before their bodies are read.
#
#   bench/s3.sh [--size-mib N] [--transfer-mib N] [--peer moto]
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_VERSION=5.2.1
args=()
peer=""
while [ $# -gt 0 ]; do
    case "$1" in
        --peer) peer="$2"; shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done

cargo build --locked --release --bin irsa-local
# The same venv as bench/run.sh --peer moto: moto's server and boto3.
venv=bench/.venv-moto
if [ ! -x "$venv/bin/moto_server" ] || ! "$venv/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')"; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "moto[server]==$MOTO_VERSION"
fi
case "$peer" in
    moto) args+=(--moto-server "$venv/bin/moto_server") ;;
    "") ;;
    *) echo "unknown peer $peer (known: moto)" >&2; exit 2 ;;
esac
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -srm); $(date -u +%Y-%m-%d)"
"$venv/bin/python" bench/s3_transfer.py --binary target/release/irsa-local "${args[@]}"
