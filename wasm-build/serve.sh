#!/bin/sh
# Serve the component. This is the one place that names the wasm runtime and
# its flags: swap the runtime here and every caller (make run, the tests, the
# container image) follows.
#
#   serve.sh [ARTIFACT]    default: dist/orders.cwasm next to this script
#
# Environment: PORT (8080), HOST (0.0.0.0), DATABASE_URL and the ORDERS_*
# and DAPR_* settings (passed into the component by name, never on the command line),
# WASMTIME (the binary), WASM_MAX_CONCURRENT_REQUESTS, WASM_INSTANCE_REUSE,
# WASM_IDLE_INSTANCE_TIMEOUT, and WASMTIME_CACHE_CONFIG (a cache TOML for
# compiling a .wasm; wasmtime's own default cache otherwise).
set -eu

artifact=${1:-"$(dirname "$0")/dist/orders.cwasm"}

# -S cli: the component imports wasi:cli even in the proxy world.
# inherit-network + allow-ip-name-lookup: PyMySQL needs TCP and DNS.
# udp=n: nothing here uses UDP (names resolve through ip-name-lookup).
set -- -S cli -S inherit-network -S allow-ip-name-lookup -S udp=n
case "$artifact" in
    *.cwasm) set -- "$@" --allow-precompiled -C cache=n ;;  # nothing to cache; and no cache dir for a HOME-less user
esac
if [ -n "${WASMTIME_CACHE_CONFIG:-}" ]; then
    set -- "$@" -C "cache-config=$WASMTIME_CACHE_CONFIG"
fi

# Reusing an instance keeps its engine and its MySQL connection alive across
# requests; a fresh instance per request is ~18x slower. But componentize-py
# 0.25.1 leaks a copy of every byte string the guest passes to the host (its
# runtime's `maybe_pop_list` allocates one and never frees it), response
# bodies included: an instance grows by what it has sent. Dropping it after 200
# requests bounds that (tests/test_memory.py); each fresh instance costs about
# 35 ms of CPU (BENCHMARKS.md). Each concurrent
# request needs an instance of its own, with its own CPython heap: bounding
# them by the cores bounds memory (and serves faster than more would), and a
# short idle timeout gives a burst's instances back.
set -- "$@" \
    --addr "${HOST:-0.0.0.0}:${PORT:-8080}" \
    --max-concurrent-requests "${WASM_MAX_CONCURRENT_REQUESTS:-$(nproc)}" \
    --max-instance-reuse-count "${WASM_INSTANCE_REUSE:-200}" \
    --idle-instance-timeout "${WASM_IDLE_INSTANCE_TIMEOUT:-10s}"

for name in DATABASE_URL ORDERS_DB_POOL_SIZE ORDERS_DB_TIMEOUT_SECONDS ORDERS_RETRY_AFTER_SECONDS \
    DAPR_HTTP_PORT DAPR_PUBSUB_NAME ORDERS_DAPR_TIMEOUT_SECONDS ORDERS_CORS_ORIGINS; do
    set -- "$@" --env "$name"
done

exec "${WASMTIME:-wasmtime}" serve "$@" "$artifact"
