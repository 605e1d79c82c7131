#!/usr/bin/env bash
# Build the order service as a wasi:http/proxy component, then precompile it.
#
#   build.sh [ENTRY_MODULE NAME [EXTRA_PYTHON_PATH...]]
#
# With no arguments:
#   dist/orders.wasm   the portable component (componentize-py)
#   dist/orders.cwasm  its AOT form for this wasmtime version (wasmtime compile)
# `make profile` builds dist/orders-profile.* from bench/profiling the same way.
# Run it through make, which first installs the pinned tools in .venv.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
dist="$here/dist"
module=${1:-wasi_http_adapter}
name=${2:-orders}
paths=(-p "$root/service")
for extra in "${@:3}"; do
    paths+=(-p "$extra")
done
mkdir -p "$dist"

echo "build: componentize-py -> wasm-build/dist/$name.wasm (about 10 s)" >&2
componentize-py --quiet -d "$here/wit" -w wasi:http/proxy@0.2.0 \
    componentize "${paths[@]}" "$module" -o "$dist/$name.wasm.partial"
mv "$dist/$name.wasm.partial" "$dist/$name.wasm"

echo "build: wasmtime compile -> wasm-build/dist/$name.cwasm (about 8 s)" >&2
wasmtime compile "$dist/$name.wasm" -o "$dist/$name.cwasm.partial"
mv "$dist/$name.cwasm.partial" "$dist/$name.cwasm"

ls -l "$dist/$name.wasm" "$dist/$name.cwasm" >&2
