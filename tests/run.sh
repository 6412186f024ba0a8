#!/usr/bin/env bash
# The test command: one debug build for everything, the Rust tests, then the Python tests
# (real clients from a venv this script keeps in .venv) against the binary just built
# (under $CARGO_TARGET_DIR when set).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --locked --all-targets
cargo test --locked

venv=.venv
requirements=tests/python/requirements.txt
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$venv/.requirements"; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/.requirements"
fi
IRSA_LOCAL_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/irsa-local" "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/python
