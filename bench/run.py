"""The startup and performance benchmark: the component (wasmtime), the
module (WasmEdge) and the native twin, side by side.

    python -m bench.run [--quick]        (make bench, make bench-quick)

Every variant serves the same code against the same MariaDB, each as its
image would: the component from its AOT artifact with serve.sh's defaults,
the module through wasmedge-build/serve.sh, and gunicorn from a venv holding
the runtime and native dependencies only (.venv-native), not the dev venv.
Repetitions are interleaved, so drift on a noisy machine hits every variant
alike. Results go to bench/results/<timestamp>.json, and BENCHMARKS.md and the
plots are regenerated from them. The WasmEdge column is there when a WasmEdge
CLI and `make build-wasmedge`'s module are.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from bench import measure, report, sizes
from devtools.machine import machine
from devtools.mariadb import MariaDBServer, free_port, locate_or_start
from devtools.servers import (
    ROOT,
    WASM_ARTIFACT,
    WASMEDGE_MODULE,
    Kind,
    ServerProcess,
    available_kinds,
    command,
    wasmedge_binary,
    wasmtime_binary,
)

RESULTS = ROOT / "bench" / "results"
COMPONENT = WASM_ARTIFACT.with_suffix(".wasm")
ORDERS_JSON = ROOT / "orders.json"
# What the native image holds: the runtime and native dependencies (make bench builds it).
NATIVE_PYTHON = str(ROOT / ".venv-native" / "bin" / "python")
WITH_WASMEDGE = "wasmedge" in available_kinds()


@dataclass(frozen=True)
class Mode:
    repetitions: int
    load_seconds: int


# wrk takes whole seconds.
MODES = {"quick": Mode(repetitions=5, load_seconds=1), "full": Mode(repetitions=7, load_seconds=8)}


@dataclass(frozen=True)
class StartVariant:
    name: str
    kind: Kind
    artifact: Path
    cache: str  # "none" (AOT), "empty" or "warm"


START_VARIANTS = (
    StartVariant("wasm AOT", "wasm", WASM_ARTIFACT, "none"),
    StartVariant("wasm JIT, empty cache", "wasm", COMPONENT, "empty"),
    StartVariant("wasm JIT, warm cache", "wasm", COMPONENT, "warm"),
    *([StartVariant("wasmedge AOT", "wasmedge", WASMEDGE_MODULE, "none")] if WITH_WASMEDGE else []),
    StartVariant("native", "native", WASM_ARTIFACT, "none"),
)
LOAD_KINDS: tuple[Kind, ...] = ("wasm", *(("wasmedge",) if WITH_WASMEDGE else ()), "native")
THROUGHPUT_CONCURRENCY = (1, 8, 32)
T = TypeVar("T")


class Progress:
    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.started = time.perf_counter()

    def step(self, message: str) -> None:
        self.done += 1
        elapsed = time.perf_counter() - self.started
        print(f"[bench {self.done:>3}/{self.total} {elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="5 repetitions of short runs, under 3 minutes")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where results and plots go")
    parser.add_argument("--benchmarks-md", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    mode_name = "quick" if args.quick else "full"
    mode = MODES[mode_name]

    mariadb = locate_or_start(os.environ.get("DATABASE_URL"))
    try:
        results = run(mariadb, mode)
    finally:
        mariadb.stop()
    results["mode"] = mode_name
    results["command"] = "make bench-quick" if args.quick else "make bench"
    args.output.mkdir(parents=True, exist_ok=True)
    path = args.output / f"{results['timestamp']}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    report.write(results, args.output, args.benchmarks_md)
    print(f"bench: results in {path}, table in {args.benchmarks_md}", file=sys.stderr)
    return 0


def run(mariadb: MariaDBServer, mode: Mode) -> dict[str, Any]:
    starts_per_rep = len(START_VARIANTS)
    load_runs_per_rep = len(LOAD_KINDS) * (len(THROUGHPUT_CONCURRENCY) + 2)
    progress = Progress(mode.repetitions * (starts_per_rep + load_runs_per_rep) + 2)
    with databases(mariadb, "start", *LOAD_KINDS) as urls:
        results: dict[str, Any] = {
            "timestamp": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
            "machine": machine(mariadb),
            "load_average": {"start": os.getloadavg()[0]},
            "repetitions": mode.repetitions,
            "load_seconds": mode.load_seconds,
        }
        results["cold_start"] = cold_starts(urls["start"], mode, progress)
        results["load"] = loads(urls, mode, progress)
    results["load_average"]["end"] = os.getloadavg()[0]
    results["sizes"] = sizes.measure()
    progress.step("sizes")
    return results


def cold_starts(database_url: str, mode: Mode, progress: Progress) -> dict[str, list[dict[str, float]]]:
    seeder = ServerProcess("native", free_port(), {"DATABASE_URL": database_url}, log=subprocess.DEVNULL)
    with seeder as seeding, httpx.Client() as http:
        seed(http, seeding.base_url, json.loads(ORDERS_JSON.read_text()))
    runs: dict[str, list[dict[str, float]]] = {variant.name: [] for variant in START_VARIANTS}
    with tempfile.TemporaryDirectory(prefix="orders-bench-") as scratch:
        warm_cache = cache_config(Path(scratch) / "warm")
        launch(START_VARIANTS[2], database_url, warm_cache)  # fills the warm cache, untimed
        launch(START_VARIANTS[-1], database_url, None)  # pages the native venv into the OS cache, untimed
        progress.step("warmed the JIT cache and the native venv")
        for repetition in range(mode.repetitions):
            for variant in rotate(START_VARIANTS, repetition):
                config = {"empty": cache_config(Path(scratch) / f"empty-{repetition}"), "warm": warm_cache}
                start = launch(variant, database_url, config.get(variant.cache))
                runs[variant.name].append(asdict(start))
                progress.step(
                    f"cold start {variant.name:<22} rep {repetition + 1}/{mode.repetitions}: "
                    f"/livez {start.to_livez_s * 1000:7.1f} ms, /orders {start.to_orders_s * 1000:7.1f} ms"
                )
    return runs


def launch(variant: StartVariant, database_url: str, cache: Path | None) -> measure.ColdStart:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "HOST": "127.0.0.1", "PORT": str(port)}
    if variant.kind == "wasm":
        env["WASMTIME"] = str(wasmtime_binary())
    if variant.kind == "wasmedge":
        env["WASMEDGE"] = str(wasmedge_binary())
    if cache is not None:
        env["WASMTIME_CACHE_CONFIG"] = str(cache)
    started = time.perf_counter()
    process = subprocess.Popen(
        command(variant.kind, variant.artifact, NATIVE_PYTHON),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        return measure.cold_start(process, port, started)
    finally:
        process.terminate()
        process.wait(timeout=30)


def loads(urls: dict[str, str], mode: Mode, progress: Progress) -> dict[str, list[dict[str, Any]]]:
    runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in LOAD_KINDS}
    servers = {
        kind: ServerProcess(
            kind, free_port(), {"DATABASE_URL": urls[kind]}, log=subprocess.DEVNULL, python=NATIVE_PYTHON
        )
        for kind in LOAD_KINDS
    }
    try:
        for server in servers.values():
            server.start()
        with httpx.Client(timeout=60) as http:
            for repetition in range(mode.repetitions):
                for kind in rotate(LOAD_KINDS, repetition):
                    label = f"load {kind:<6} rep {repetition + 1}/{mode.repetitions}"
                    runs[kind].append(load_round(http, servers[kind], mode.load_seconds, progress, label))
    finally:
        for server in servers.values():
            server.stop()
    return runs


def load_round(
    http: httpx.Client, server: ServerProcess, seconds: int, progress: Progress, label: str
) -> dict[str, Any]:
    def step(what: str) -> None:
        progress.step(f"{label}: {what}")

    url = server.base_url
    round_results: dict[str, Any] = {}
    assert server.process is not None
    pid = server.process.pid
    seed(http, url, demo_orders(5))
    for concurrency in THROUGHPUT_CONCURRENCY:
        cpu_before = measure.tree_cpu_seconds(pid)
        load = measure.wrk(f"{url}/orders", concurrency, seconds)
        cpu_seconds = measure.tree_cpu_seconds(pid) - cpu_before
        # A run on a starved machine may complete no request at all.
        cpu_us = cpu_seconds / load.requests * 1e6 if load.requests else None
        round_results[f"orders_5_c{concurrency}"] = {**asdict(load), "server_cpu_us_per_request": cpu_us}
        step(
            f"GET /orders (5 rows) c={concurrency}: {load.requests_per_s:8.0f} rps, p50 {load.p50_ms:.2f} ms, "
            f"server CPU {cpu_us or 0:.0f} us/request"
        )
    round_results["rss_after_load_bytes"] = measure.tree_rss_bytes(pid)
    round_results["pss_after_load_bytes"] = measure.tree_pss_bytes(pid)
    seed(http, url, demo_orders(1000))
    load = measure.wrk(f"{url}/orders", 1, seconds)
    round_results["orders_1000_c1"] = asdict(load)
    step(f"GET /orders (1000 rows) c=1: p50 {load.p50_ms:.2f} ms")
    seed(http, url, [])
    load = measure.wrk(f"{url}/create_order", 1, seconds, measure.LUA_CREATE_ORDER)
    round_results["create_order_c1"] = asdict(load)
    step(f"POST /create_order c=1: p50 {load.p50_ms:.2f} ms")
    return round_results


def seed(http: httpx.Client, base_url: str, orders: list[dict[str, Any]]) -> None:
    http.get(f"{base_url}/init").raise_for_status()
    if orders:
        http.post(f"{base_url}/create_orders", json=orders).raise_for_status()


def demo_orders(count: int) -> list[dict[str, Any]]:
    return [
        {
            "order_id": order_id,
            "product_id": order_id % 50 + 1,
            "quantity": order_id % 7 + 1,
            "amount": round(order_id * 1.25, 2),
            "shipping": 5.0,
            "tax": 1.5,
            "shipping_address": f"{order_id} Benchmark Avenue",
        }
        for order_id in range(1, count + 1)
    ]


def rotate(items: tuple[T, ...], repetition: int) -> tuple[T, ...]:
    """A B C, then B C A, ...: each variant takes each position in turn."""
    shift = repetition % len(items)
    return items[shift:] + items[:shift]


def cache_config(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "cache.toml"
    config.write_text(f'[cache]\ndirectory = "{directory / "modules"}"\n')
    return config


@contextmanager
def databases(mariadb: MariaDBServer, *names: str) -> Iterator[dict[str, str]]:
    stamp = f"{os.getpid()}_{int(time.time())}"
    full_names = {name: f"orders_bench_{stamp}_{name}" for name in names}
    for database in full_names.values():
        mariadb.create_database(database)
    try:
        yield {name: mariadb.url(database) for name, database in full_names.items()}
    finally:
        for database in full_names.values():
            mariadb.drop_database(database)


if __name__ == "__main__":
    sys.exit(main())
