#!/usr/bin/env bash
# Run the order service on the WasmEdge CLI. This is the one place that names
# WasmEdge and its flags: every caller (make, the tests, build.sh's import
# probe) goes through it.
#
#   serve.sh                     the service: python.aot.wasm, CPython with the
#                                entry (wasmedge_adapter) imported, a snapshot
#   serve.sh PYTHON_ARGS...      plain CPython, cpython.aot.wasm, with these
#                                arguments (-c CODE, -m MODULE, ...)
#
# Environment:
#   HOST (0.0.0.0) and PORT (8080), always passed to the guest;
#   DATABASE_URL and the ORDERS_* and DAPR_* settings, passed if set;
#   WASMEDGE       the CLI (default: wasmedge on PATH);
#   WASMEDGE_DIST  where the modules and runtime/ are (default: dist/ here).
set -euo pipefail

dist=${WASMEDGE_DIST:-$(dirname "$0")/dist}
# The snapshot takes no Python arguments: plain CPython runs those. (The
# images carry only the snapshot, and run it with none.)
module=$dist/python.aot.wasm
if [ $# -gt 0 ]; then
    module=$dist/cpython.aot.wasm
fi

# --run-mode aot: WasmEdge 0.17 runs even an AOT-compiled module in its
# interpreter (40-70x slower) unless told. --dir: the guest sees the runtime
# tree as its whole file system, read-only. (WasmEdge will not bind a symbolic
# link, and goes on without the directory: hence realpath.)
flags=(--run-mode aot --dir "/:$(realpath "$dist/runtime"):readonly")
flags+=(--env "HOST=${HOST:-0.0.0.0}" --env "PORT=${PORT:-8080}")

# The settings go by name, on the guest's stdin as NAME=VALUE lines that
# wasmedge_adapter reads first: WasmEdge's --env takes NAME=VALUE only, which
# would show DATABASE_URL, password and all, in the command line (ps,
# /proc/PID/cmdline). The here-document is written by the shell itself, so no
# command line holds them, and no helper process outlives the exec.
settings=()
for name in DATABASE_URL ORDERS_DB_POOL_SIZE ORDERS_DB_TIMEOUT_SECONDS ORDERS_RETRY_AFTER_SECONDS \
    DAPR_HTTP_PORT DAPR_PUBSUB_NAME ORDERS_DAPR_TIMEOUT_SECONDS ORDERS_CORS_ORIGINS; do
    if [ -n "${!name+set}" ]; then
        settings+=("$name=${!name}")
    fi
done
flags+=(--env ORDERS_SETTINGS_ON_STDIN=1)

exec "${WASMEDGE:-wasmedge}" "${flags[@]}" "$module" "$@" <<SETTINGS
$(printf '%s\n' "${settings[@]}")
SETTINGS
