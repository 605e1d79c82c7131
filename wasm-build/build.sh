#!/usr/bin/env bash
# Build the order service as a wasi:http/proxy component, then precompile it.
#   dist/orders.wasm   the portable component (componentize-py)
#   dist/orders.cwasm  its AOT form for this wasmtime version (wasmtime compile)
# Run it through `make build`, which first installs the pinned tools in .venv.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
dist="$here/dist"
mkdir -p "$dist"

echo "build: componentize-py -> wasm-build/dist/orders.wasm (about 10 s)" >&2
componentize-py --quiet -d "$here/wit" -w wasi:http/proxy@0.2.0 \
    componentize -p "$root/service" wasi_http_adapter -o "$dist/orders.wasm.partial"
mv "$dist/orders.wasm.partial" "$dist/orders.wasm"

echo "build: wasmtime compile -> wasm-build/dist/orders.cwasm (about 8 s)" >&2
wasmtime compile "$dist/orders.wasm" -o "$dist/orders.cwasm.partial"
mv "$dist/orders.cwasm.partial" "$dist/orders.cwasm"

ls -l "$dist"/orders.wasm "$dist"/orders.cwasm >&2
