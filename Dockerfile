# syntax=docker/dockerfile:1
# Multi-stage build: compile Candor, fetch the default model from PyPI, and
# run as a non-root user. The image is portable: it overrides the
# `target-cpu=native` of .cargo/config.toml with a baseline every x86-64 CPU
# from the last decade runs (x86-64-v2). For a faster image on a known CPU,
# pass e.g. `--build-arg RUSTFLAGS="-C target-cpu=x86-64-v3"` (AVX2/FMA).
FROM rust:1-bookworm AS build
ARG RUSTFLAGS="-C target-cpu=x86-64-v2"
ENV RUSTFLAGS=${RUSTFLAGS}
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY .cargo .cargo
COPY src src
COPY migrations migrations
COPY prompts prompts
COPY web web
# The features CI tests (the default ones); tests/api/deploy.rs checks it.
RUN cargo build --release --locked && cp target/release/candor /usr/local/bin/candor

FROM python:3.11-slim-bookworm AS model
WORKDIR /models
COPY models/fetch_model.py .
RUN python3 fetch_model.py

FROM debian:bookworm-slim
# A fixed numeric uid, so volume permissions are known on the host.
RUN useradd --system --uid 10001 --create-home --home-dir /var/lib/candor candor
WORKDIR /var/lib/candor
COPY --from=build /usr/local/bin/candor /usr/local/bin/candor
COPY --from=model /models/SmolLM2-135M-Instruct.Q4_1.gguf models/
COPY --from=model /models/all-MiniLM-L6-v2 models/all-MiniLM-L6-v2
COPY prompts prompts
RUN mkdir -p data && chown -R candor:candor /var/lib/candor
USER 10001
ENV CANDOR_BIND=0.0.0.0:8080 \
    CANDOR_DATABASE_URL=sqlite:///var/lib/candor/data/candor.db \
    CANDOR_MODEL=/var/lib/candor/models/SmolLM2-135M-Instruct.Q4_1.gguf
EXPOSE 8080
VOLUME ["/var/lib/candor/data"]
# Liveness (/healthz); deploy/compose.yml checks readiness (/readyz).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/usr/local/bin/candor"]
CMD ["serve"]
