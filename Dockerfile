# irsa-local in a container: the Rust toolchain only in the build stage, and a distroless
# runtime that holds the binary, glibc and nothing else (no shell, no curl: the
# HEALTHCHECK is the binary's own `health` command).
#
# No `# syntax=` line and no `RUN --mount`: the engine's built-in Dockerfile frontend
# builds this with BuildKit and with the classic builder (docker-compose v1 uses it), and
# offline, where BuildKit could not pull a frontend image.

ARG RUST_VERSION=1.95

# Bookworm, like the runtime below, so the binary finds the glibc it was linked against.
# The image's gcc is all aws-lc-sys needs (no cmake).
FROM rust:${RUST_VERSION}-bookworm AS builder
WORKDIR /src
# The dependencies first, in a layer that both builders keep until Cargo.toml or
# Cargo.lock change: the manifest's targets as empty stand-ins, built, then removed with
# everything cargo remembers of them, so the real sources below are always compiled.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src bench/irsa-bench \
    && echo 'fn main() {}' >src/main.rs && touch src/lib.rs \
    && echo 'fn main() {}' >bench/irsa-bench/main.rs \
    && cargo build --release --locked \
    && rm -rf src bench target/release/.fingerprint/irsa-local-* \
        target/release/deps/irsa_local-* target/release/deps/libirsa_local-* \
        target/release/irsa-local target/release/irsa-local.d
COPY src ./src
COPY fixtures ./fixtures
COPY bench ./bench
RUN cargo build --release --locked \
    && install -D -m 0755 target/release/irsa-local /out/irsa-local
# Folders the runtime user must own. Docker fills an empty named volume from the image's
# folder at its mount point, owner included, so the token volume starts writable.
RUN mkdir -p /out/data /out/serviceaccount

FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
COPY --from=builder /out/irsa-local /usr/local/bin/irsa-local
COPY --from=builder --chown=65532:65532 /out/data /var/lib/irsa-local
COPY --from=builder --chown=65532:65532 /out/serviceaccount /var/run/secrets/eks.amazonaws.com/serviceaccount
ENV IRSA_LOCAL_DATA_DIR=/var/lib/irsa-local
USER 65532:65532
EXPOSE 4772
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/irsa-local", "health"]
ENTRYPOINT ["/usr/local/bin/irsa-local"]
CMD ["serve", "--listen", "0.0.0.0:4772"]
