#!/usr/bin/env bash
# Local stand-ins for the base images the Dockerfile and docker-compose.yml name, built
# from Debian's packages, for machines that reach no image registry (CI, this project's
# development machines). Users' machines pull the real images; these only carry the
# names so the recipe runs unchanged:
#
#   rust:<RUST_VERSION>-bookworm          bookworm + gcc, with this machine's Rust toolchain
#                                         copied in where the official image keeps it
#   gcr.io/distroless/cc-debian12:nonroot glibc, libgcc, CA certificates and the nonroot
#                                         user 65532; no shell, no package manager
#   amazon/aws-cli:<tag>                  the aws-cli image tests/containers/engine.sh builds
#                                         (aws-cli v1 from PyPI, ENTRYPOINT ["aws"])
#   python:3.11-slim-bookworm             bookworm's python3 and pip as `python` and `pip`,
#                                         for examples/boto3's client image
#
# Usage: bash tests/docker/standins.sh   (with DOCKER_HOST pointing at an engine; as root,
# for debootstrap). Each image carries a label with the hash of its recipe and is rebuilt
# only when that changes; the bookworm root filesystem is cached under
# ~/.cache/irsa-local/docker.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="${IRSA_LOCAL_CACHE:-$HOME/.cache/irsa-local}/docker"
mkdir -p "$cache"

log() { echo "standins.sh: $*" >&2; }

# The version the Dockerfile builds with, and the aws-cli tag docker-compose.yml runs.
rust_version=$(sed -n 's/^ARG RUST_VERSION=//p' "$repo/Dockerfile")
awscli_tag=$(sed -n 's|^ *image: amazon/aws-cli:||p' "$repo/docker-compose.yml" | head -1)
recipe=$(cat "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)

has_recipe() {
    [ "$(docker image inspect --format '{{index .Config.Labels "io.irsa-local.recipe"}}' "$1" 2>/dev/null)" = "$2" ]
}

# bookworm minbase with what both stand-ins are cut from, as a tarball (debootstrap takes
# minutes; the tarball is reused until this script changes).
rootfs_tar="$cache/bookworm-$recipe.tar"
rootfs() {
    [ -s "$rootfs_tar" ] && return 0
    if ! command -v debootstrap >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null \
            || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null; }
    fi
    rm -f "$cache"/bookworm-*.tar
    # The bases imported from older recipes' tarballs.
    docker images --format '{{.Repository}}:{{.Tag}}' irsa-local-standin/bookworm \
        | xargs -r docker rmi >/dev/null 2>&1 || true
    local root
    root=$(mktemp -d)
    log "debootstrap bookworm (minbase, gcc, python3, pip, CA certificates)"
    debootstrap --variant=minbase --include=ca-certificates,gcc,libc6-dev,python3,python3-pip bookworm "$root" \
        http://deb.debian.org/debian >"$cache/debootstrap-standins.log" 2>&1 \
        || { tail -20 "$cache/debootstrap-standins.log" >&2; return 1; }
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -cf "$rootfs_tar.part" . && mv "$rootfs_tar.part" "$rootfs_tar"
    rm -rf "$root"
}

# rust:<version>-bookworm: the official image's layout (RUSTUP_HOME=/usr/local/rustup,
# CARGO_HOME=/usr/local/cargo on PATH), the toolchain from this machine (binaries and
# libraries only, no docs or sources), and the host's CA bundle, so cargo reaches
# crates.io from inside a build.
rust_image() {
    local image="rust:${rust_version}-bookworm"
    local key
    key=$(cat <(echo "$recipe $(rustc --version)") /etc/ssl/certs/ca-certificates.crt | sha256sum | cut -c1-16)
    has_recipe "$image" "$key" && return 0
    local toolchain
    toolchain="$(rustc --print sysroot)"
    case "$(rustc --version)" in
        "rustc ${rust_version}"*) ;;
        *) log "this machine's rustc is $(rustc --version), the Dockerfile wants $rust_version"; return 1 ;;
    esac
    rootfs
    log "building $image from this machine's toolchain ($toolchain)"
    local context
    context=$(mktemp -d)
    mkdir -p "$context/root/usr/local/rustup/toolchains/$rust_version" "$context/root/usr/local/cargo/bin"
    cp -a "$toolchain/bin" "$toolchain/lib" "$toolchain/libexec" \
        "$context/root/usr/local/rustup/toolchains/$rust_version/"
    rm -rf "$context/root/usr/local/rustup/toolchains/$rust_version/lib/rustlib/src" \
        "$context/root/usr/local/rustup/toolchains/$rust_version/lib/rustlib/rustc-src"
    for tool in cargo rustc rustdoc; do
        ln -s "/usr/local/rustup/toolchains/$rust_version/bin/$tool" "$context/root/usr/local/cargo/bin/$tool"
    done
    # The host's bundle, not bookworm's: where the machine reaches crates.io through a
    # TLS-intercepting proxy, its CA is only in the host's bundle.
    mkdir -p "$context/root/etc/ssl/certs"
    cp -L /etc/ssl/certs/ca-certificates.crt "$context/root/etc/ssl/certs/ca-certificates.crt"
    { tar -C "$context/root" -c . ; } >"$context/toolchain.tar"
    # One import of bookworm, then the toolchain as a second layer.
    docker import - "irsa-local-standin/bookworm:$recipe" <"$rootfs_tar" >/dev/null
    cat >"$context/Dockerfile" <<EOF
FROM irsa-local-standin/bookworm:$recipe
ADD toolchain.tar /
ENV RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo \
    PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    RUST_VERSION=$rust_version
LABEL io.irsa-local.recipe=$key
EOF
    docker build -q -t "$image" "$context" >/dev/null
    rm -rf "$context"
    log "built $image"
}

# gcr.io/distroless/cc-debian12:nonroot: what the real image holds that a Rust binary
# needs (glibc's loader and libraries, libgcc_s, CA certificates, tzdata-free /etc with
# the nonroot user and group 65532), imported from files cut out of the bookworm tarball.
distroless_image() {
    local image="gcr.io/distroless/cc-debian12:nonroot"
    has_recipe "$image" "$recipe" && return 0
    rootfs
    log "building $image"
    local full cut
    full=$(mktemp -d)
    cut=$(mktemp -d)
    tar -C "$full" -xf "$rootfs_tar"
    mkdir -p "$cut/lib/x86_64-linux-gnu" "$cut/lib64" "$cut/etc/ssl/certs" "$cut/tmp" "$cut/home/nonroot"
    for lib in ld-linux-x86-64.so.2 libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 librt.so.1 libgcc_s.so.1; do
        cp -L "$full/lib/x86_64-linux-gnu/$lib" "$cut/lib/x86_64-linux-gnu/"
    done
    ln -s /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$cut/lib64/ld-linux-x86-64.so.2"
    cp -L "$full/etc/ssl/certs/ca-certificates.crt" "$cut/etc/ssl/certs/"
    printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$cut/etc/passwd"
    printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' >"$cut/etc/group"
    chmod 1777 "$cut/tmp"
    chown 65532:65532 "$cut/home/nonroot"
    tar -C "$cut" -c . | docker import \
        --change 'USER 65532' \
        --change 'WORKDIR /home/nonroot' \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
        --change "LABEL io.irsa-local.recipe=$recipe" \
        - "$image" >/dev/null
    rm -rf "$full" "$cut"
    log "built $image"
}

# python:3.11-slim-bookworm: python and pip on PATH, pip free to install system-wide (the
# official image's Python is its own, not Debian's), and the host's CA bundle for pip.
python_image() {
    local image="python:3.11-slim-bookworm"
    local key
    key=$(cat <(echo "$recipe") /etc/ssl/certs/ca-certificates.crt | sha256sum | cut -c1-16)
    has_recipe "$image" "$key" && return 0
    rootfs
    log "building $image"
    local context
    context=$(mktemp -d)
    cp -L /etc/ssl/certs/ca-certificates.crt "$context/host-ca.crt"
    docker import - "irsa-local-standin/bookworm:$recipe" <"$rootfs_tar" >/dev/null
    cat >"$context/Dockerfile" <<EOF
FROM irsa-local-standin/bookworm:$recipe
COPY host-ca.crt /etc/ssl/certs/ca-certificates.crt
RUN rm -f /usr/lib/python3.11/EXTERNALLY-MANAGED \\
    && ln -s /usr/bin/python3 /usr/local/bin/python && ln -s /usr/bin/pip3 /usr/local/bin/pip
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt PIP_DISABLE_PIP_VERSION_CHECK=1 \\
    PIP_ROOT_USER_ACTION=ignore
LABEL io.irsa-local.recipe=$key
EOF
    docker build -q -t "$image" "$context" >/dev/null
    rm -rf "$context"
    log "built $image"
}

# amazon/aws-cli:<tag>: the pod tests' aws-cli image under the tag the compose file pins.
awscli_image() {
    source "$repo/tests/containers/engine.sh"
    engine_images
    docker tag amazon/aws-cli:latest "amazon/aws-cli:$awscli_tag"
}

# All, or the steps named (rootfs, rust_image, distroless_image, python_image, awscli_image).
for step in "${@:-rust_image distroless_image python_image awscli_image}"; do
    for name in $step; do "$name"; done
done
