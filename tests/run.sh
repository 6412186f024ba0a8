#!/usr/bin/env bash
# The test command: one debug build for everything, the Rust tests, then the Python tests
# (real clients from a venv this script keeps in .venv) against the binary just built
# (under $CARGO_TARGET_DIR when set).
set -euo pipefail
cd "$(dirname "$0")/.."

# The pod and image tests run containers: a Docker engine (started here, as root, when none
# answers) and the stand-ins for the base images (no registry answers here), built once
# and cached. Prepared in the background while cargo builds; stopped at exit only if
# started here.
source tests/containers/engine.sh
engine_log=$(mktemp)
( engine_start && bash tests/docker/standins.sh ) >"$engine_log" 2>&1 &
engine_prep=$!
trap 'engine_stop_all' EXIT
engine_stop_all() {
    kill "$engine_prep" 2>/dev/null || true
    # dockerd was started in the background job: its pid is in the pid file.
    if [ -f "$engine_cache/started-here" ]; then
        kill "$(cat "$engine_cache/dockerd.pid" 2>/dev/null)" 2>/dev/null || true
        rm -f "$engine_cache/started-here"
    fi
}

cargo build --locked --all-targets
cargo test --locked

venv=.venv
requirements=tests/python/requirements.txt
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$venv/.requirements"; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/.requirements"
fi
# The AWS SDK for JavaScript v3 for test_pod_identity.py: `npm ci` once per lock file into
# ~/.cache (reruns of CI on this machine reuse it), linked into the clone as node_modules.
js=tests/js
js_cache="${XDG_CACHE_HOME:-$HOME/.cache}/irsa-local/js-$(sha256sum "$js/package-lock.json" | cut -c1-16)"
if [ ! -d "$js_cache/node_modules" ]; then
    rm -rf "$js_cache.partial"
    mkdir -p "$js_cache.partial"
    cp "$js/package.json" "$js/package-lock.json" "$js_cache.partial/"
    (cd "$js_cache.partial" && npm ci --no-audit --no-fund --loglevel=error)
    rm -rf "$js_cache"
    mv "$js_cache.partial" "$js_cache"
fi
if [ ! -L "$js/node_modules" ]; then
    rm -rf "$js/node_modules"
fi
ln -sfn "$js_cache/node_modules" "$js/node_modules"
if ! wait "$engine_prep"; then
    cat "$engine_log" >&2
    echo "run.sh: the Docker engine or the test images are not ready (see above)" >&2
    exit 1
fi
cat "$engine_log" >&2
# The engine's address, as engine_start chose it in the background job.
export DOCKER_HOST="$(cat "$engine_cache/docker-host")"
IRSA_LOCAL_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/irsa-local" "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/python
