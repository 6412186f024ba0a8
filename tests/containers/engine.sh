#!/usr/bin/env bash
# Sourced by tests/run.sh: makes sure a Docker engine answers at $DOCKER_HOST and that the
# stand-in images the pod tests run are present, building them when missing.
#
# - An engine that already answers (DOCKER_HOST, else /var/run/docker.sock) is used as is.
# - Otherwise, as root, Debian's dockerd is started on a private socket and data root
#   under ~/.cache/irsa-local/docker, and stopped again by `engine_stop` (only if started
#   here). Its data root persists, so images built once are kept between runs.
# - No image registry is reachable from the test machines, so `amazon/aws-cli:latest` is
#   built locally: `debootstrap --variant=minbase bookworm` with python3, aws-cli v1 and
#   boto3 from PyPI (installed on the host, at the versions of requirements.txt, and
#   copied in), imported with `docker import`. The image is rebuilt only when this script
#   or the pinned versions change (a label carries their hash).

engine_cache="${IRSA_LOCAL_CACHE:-$HOME/.cache/irsa-local}/docker"
engine_started_here=""

engine_log() { echo "engine.sh: $*" >&2; }

engine_answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

engine_start() {
    if [ -z "${DOCKER_HOST:-}" ] && [ -S /var/run/docker.sock ]; then
        export DOCKER_HOST=unix:///var/run/docker.sock
    fi
    mkdir -p "$engine_cache"
    rm -f "$engine_cache/started-here"
    if [ -n "${DOCKER_HOST:-}" ] && engine_answers; then
        engine_log "using the engine at $DOCKER_HOST"
        echo "$DOCKER_HOST" >"$engine_cache/docker-host"
        return 0
    fi
    if ! command -v dockerd >/dev/null; then
        if [ "$(id -u)" = 0 ]; then
            engine_log "installing Debian's docker.io"
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null \
                || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null; }
        else
            engine_log "no Docker engine answers and dockerd is not installed (apt-get install docker.io)"
            return 1
        fi
    fi
    if [ "$(id -u)" != 0 ]; then
        engine_log "no Docker engine answers at ${DOCKER_HOST:-/var/run/docker.sock}, and starting dockerd needs root"
        return 1
    fi
    mkdir -p "$engine_cache/data" "$engine_cache/exec"
    local socket="$engine_cache/docker.sock"
    export DOCKER_HOST="unix://$socket"
    echo "$DOCKER_HOST" >"$engine_cache/docker-host"
    if engine_answers; then
        engine_log "using the engine at $DOCKER_HOST"
        return 0
    fi
    engine_log "starting dockerd at $DOCKER_HOST"
    dockerd --data-root "$engine_cache/data" --exec-root "$engine_cache/exec" \
        --pidfile "$engine_cache/dockerd.pid" -H "$DOCKER_HOST" \
        >"$engine_cache/dockerd.log" 2>&1 &
    engine_started_here=$!
    # A caller in another shell (run.sh starts this in a background job) stops it by this.
    touch "$engine_cache/started-here"
    for _ in $(seq 1 100); do
        engine_answers && return 0
        sleep 0.2
    done
    engine_log "dockerd did not answer within 20 s; its log:"
    tail -20 "$engine_cache/dockerd.log" >&2
    return 1
}

engine_stop() {
    if [ -n "$engine_started_here" ]; then
        kill "$engine_started_here" 2>/dev/null || true
        wait "$engine_started_here" 2>/dev/null || true
        engine_started_here=""
        rm -f "$engine_cache/started-here"
    fi
}

# Builds amazon/aws-cli:latest unless an image with this recipe's hash is present.
engine_images() {
    local here requirements recipe
    here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
    requirements="$here/../python/requirements.txt"
    local awscli boto3 botocore
    awscli=$(grep -E '^awscli==' "$requirements")
    boto3=$(grep -E '^boto3==' "$requirements")
    botocore=$(grep -E '^botocore==' "$requirements")
    recipe=$(cat "${BASH_SOURCE[0]}" <(echo "$awscli $boto3 $botocore") | sha256sum | cut -c1-16)
    local image=amazon/aws-cli:latest
    if [ "$(docker image inspect --format '{{index .Config.Labels "io.irsa-local.recipe"}}' "$image" 2>/dev/null)" = "$recipe" ]; then
        return 0
    fi
    if ! command -v debootstrap >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null \
            || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null; }
    fi
    local root="$engine_cache/rootfs-$recipe"
    rm -rf "$root" && mkdir -p "$root"
    engine_log "building $image from Debian bookworm (debootstrap, about 2 minutes)"
    debootstrap --variant=minbase --include=python3,ca-certificates bookworm "$root" \
        http://deb.debian.org/debian >"$engine_cache/debootstrap.log" 2>&1 \
        || { tail -20 "$engine_cache/debootstrap.log" >&2; return 1; }
    # bookworm's python3 is 3.11, as the host's: the pure-Python packages and the
    # manylinux wheels pip picks on the host run there unchanged.
    python3 -m pip install --quiet --disable-pip-version-check --no-compile \
        --target "$root/opt/aws-cli" "$awscli" "$boto3" "$botocore"
    printf '#!/bin/sh\nPYTHONPATH=/opt/aws-cli exec python3 -m awscli "$@"\n' >"$root/usr/local/bin/aws"
    chmod 755 "$root/usr/local/bin/aws"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -c . | docker import \
        --change 'ENTRYPOINT ["aws"]' \
        --change 'ENV PYTHONPATH=/opt/aws-cli' \
        --change "LABEL io.irsa-local.recipe=$recipe" \
        - "$image" >/dev/null
    rm -rf "$root"
    engine_log "built $image"
}
