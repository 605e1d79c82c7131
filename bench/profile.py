"""make profile: where a request's time goes, natively and inside the component.

    python -m bench.profile

GET /orders with 5 and with 1000 rows, the same code against the same rows:
App.handle runs in-process natively, and inside the profiling build of the
component (wasm-build/dist/orders-profile.cwasm), which answers
GET /__profile__. Each side reports its plain median time per request, then
cProfile's own time per request grouped by package, over five alternating
rounds (the round with the median time is reported). HTTP serving is left out
on both sides. Results go to bench/results/profile.json, which BENCHMARKS.md
shows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

import httpx

from bench import report
from bench.profiling.profile_groups import HandleProfiler
from bench.run import RESULTS, databases, demo_orders, seed
from devtools.mariadb import free_port, locate_or_start
from devtools.servers import ROOT, ServerProcess
from orders.app import App
from orders.config import Settings
from orders.http import Request

PROFILE_ARTIFACT = ROOT / "wasm-build" / "dist" / "orders-profile.cwasm"
PROFILE_JSON = RESULTS / report.PROFILE_JSON_NAME
SCENARIOS = {5: 200, 1000: 20}  # rows -> requests per measurement
ROUNDS = 5  # wasm and native take turns; the report shows the median round


def main() -> int:
    if not PROFILE_ARTIFACT.exists():
        print("profile: run `make profile`, which builds the profiling component first", file=sys.stderr)
        return 1
    mariadb = locate_or_start(os.environ.get("DATABASE_URL"))
    try:
        with databases(mariadb, "profile") as urls:
            results = profile(urls["profile"])
    finally:
        mariadb.stop()
    PROFILE_JSON.parent.mkdir(parents=True, exist_ok=True)
    PROFILE_JSON.write_text(json.dumps(results, indent=2) + "\n")
    print(report.profile_section(results))
    print(
        f"profile: written to {PROFILE_JSON.relative_to(ROOT)}; make bench shows it in BENCHMARKS.md", file=sys.stderr
    )
    return 0


def profile(database_url: str) -> dict[str, Any]:
    app = App(lambda: Settings.from_env({"DATABASE_URL": database_url}))
    native = HandleProfiler(app.handle)
    wasm = ServerProcess(
        "wasm", free_port(), {"DATABASE_URL": database_url}, log=subprocess.DEVNULL, artifact=PROFILE_ARTIFACT
    )
    results: dict[str, Any] = {"timestamp": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()), "scenarios": {}}
    with wasm, httpx.Client(timeout=600) as http:
        for rows, count in SCENARIOS.items():
            seed(http, wasm.base_url, demo_orders(rows))
            print(f"profile: GET /orders with {rows} rows, {count} requests a side", file=sys.stderr, flush=True)
            rounds: dict[str, list[dict[str, Any]]] = {"wasm": [], "native": []}
            for _ in range(ROUNDS):
                profile_url = f"{wasm.base_url}/__profile__"
                rounds["wasm"].append(http.get(profile_url, params={"count": count}).raise_for_status().json())
                rounds["native"].append(native.measure(Request("GET", "/orders"), count))
            results["scenarios"][f"orders_{rows}"] = {side: median_round(runs) for side, runs in rounds.items()}
    return results


def median_round(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The round with the median plain time, so its profile goes with it."""
    ordered = sorted(runs, key=lambda run: float(run["median_us"]))
    return {**ordered[len(ordered) // 2], "rounds_median_us": [run["median_us"] for run in runs]}


if __name__ == "__main__":
    sys.exit(main())
