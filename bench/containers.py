"""Containers: start-up, memory and image sizes of the composed services on a
real Docker engine (`make bench-containers`).

    python -m bench.containers [--runs N]

The wasm runner (`orders`), the native image (`orders-native`) and, when
`make build-wasmedge` has run, the WasmEdge runner (`orders-wasmedge`), with
images built from nothing on the stand-in bases (devtools/docker.py). With the
database already healthy, N interleaved runs of each, in a rotating order:

- `docker compose up -d SERVICE`, the container removed before, to the first
  200 from GET /orders (which reads the database);
- `docker start` of the stopped container to the first 200.

The container's memory, as its cgroup counts it, is read at each first 200.
The images' sizes are read as built: `docker image inspect` and
`docker save | gzip`. Results go to bench/results/containers-<timestamp>.json;
`section(results)` renders them for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from devtools.docker.engine import Say, say_on_stderr, start_engine
from devtools.docker.stack import SERVICES, WASMEDGE_IMAGE_TAG, Stack, cgroup_memory, image_sizes, wasmedge_unavailable
from devtools.docker.standins import build_standins
from devtools.servers import ROOT

RESULTS = ROOT / "bench" / "results"
DEFAULT_RUNS = 10
FIRST_RESPONSE_TIMEOUT_SECONDS = 60.0
POLL_INTERVAL_SECONDS = 0.005
MiB = 2**20
# What each service runs, for the tables.
LABELS = {
    "orders": "wasm component, wasmtime CLI (`runner`)",
    "orders-native": "native, gunicorn (`native`)",
    "orders-wasmedge": "wasm32-wasi module, WasmEdge CLI (`wasmedge-runner`)",
}
SCRATCH_IMAGES = {"wasm": "orders-service:0.1.0-wasm", "wasmedge": WASMEDGE_IMAGE_TAG}


def first_ok(url: str) -> float:
    """Poll GET `url` until it answers 200; returns the monotonic time it did."""
    deadline = time.monotonic() + FIRST_RESPONSE_TIMEOUT_SECONDS
    with httpx.Client(timeout=5) as http:
        while time.monotonic() < deadline:
            try:
                if http.get(url).status_code == 200:
                    return time.monotonic()
            except httpx.HTTPError:
                pass
            time.sleep(POLL_INTERVAL_SECONDS)
    raise TimeoutError(f"{url} never answered 200")


def compose_up(stack: Stack, service: str) -> dict[str, Any]:
    stack.compose("rm", "--stop", "--force", service)
    started = time.monotonic()
    stack.compose("up", "--detach", "--no-build", service)
    returned = time.monotonic()
    answered = first_ok(f"{stack.url(service)}/orders")
    return {
        "to_first_200_s": round(answered - started, 4),
        "compose_returned_s": round(returned - started, 4),
        "memory": cgroup_memory(stack.container(service)),
    }


def docker_start(stack: Stack, service: str) -> dict[str, Any]:
    container = stack.container(service)
    stopping = time.monotonic()
    stack.engine.docker("stop", container)
    stopped = time.monotonic()
    stack.engine.docker("start", container)
    answered = first_ok(f"{stack.url(service)}/orders")
    return {
        "to_first_200_s": round(answered - stopped, 4),
        "stop_s": round(stopped - stopping, 3),
        "memory": cgroup_memory(container),
    }


def measure(stack: Stack, runs: int, say: Say) -> dict[str, dict[str, list[dict[str, Any]]]]:
    results: dict[str, dict[str, list[dict[str, Any]]]] = {
        service: {"compose_up": [], "docker_start": []} for service in stack.services
    }
    services = list(stack.services)
    for run in range(runs):
        order = services[run % len(services) :] + services[: run % len(services)]
        for service in order:
            up = compose_up(stack, service)
            start = docker_start(stack, service)
            results[service]["compose_up"].append(up)
            results[service]["docker_start"].append(start)
            say(
                f"run {run + 1}/{runs}: {service}: up -d {up['to_first_200_s']:.3f} s, "
                f"start {start['to_first_200_s']:.3f} s, "
                f"{up['memory']['working_set'] / MiB:.0f} MiB at first 200"
            )
    return results


def prepare(stack: Stack, say: Say) -> dict[str, int]:
    """The database healthy with the demo orders in it, every service up;
    returns each service's memory limit."""
    stack.up("db", *stack.services)
    with httpx.Client(base_url=stack.url(stack.services[0]), timeout=30) as http:
        http.get("/init").raise_for_status()
        form = {"content-type": "application/x-www-form-urlencoded"}
        http.post("/create_orders", content=(ROOT / "orders.json").read_bytes(), headers=form).raise_for_status()
    for service in stack.services:
        rows = httpx.get(f"{stack.url(service)}/orders", timeout=30).json()
        assert len(rows) == 5, f"{service}: {rows}"
    say("bench: database healthy with the README's 5 demo orders; every service answers")
    return {service: int(stack.inspect(service)["HostConfig"]["Memory"]) for service in stack.services}


def sizes(stack: Stack, say: Say) -> dict[str, Any]:
    """Image sizes as built, the FROM scratch images too, and the stand-in bases under them."""
    engine = stack.engine
    for target, tag in SCRATCH_IMAGES.items():
        if target != "wasmedge" or "orders-wasmedge" in stack.services:
            say(f"bench: building the FROM scratch target {target} as {tag}")
            engine.build(ROOT, tag, target=target, build_args=stack.standins.build_args())
    service_images = stack.images()
    bases = {
        "orders": stack.standins.debian,
        "orders-native": stack.standins.python,
        "orders-wasmedge": stack.standins.wasmedge or "",
    }
    say("bench: image sizes (docker image inspect; docker save | gzip)")
    tags = [*service_images.values(), *(t for t in SCRATCH_IMAGES.values() if engine.image_exists(t))]
    measured = image_sizes(engine, tags)
    base_sizes = image_sizes(engine, [bases[service] for service in stack.services])
    return {
        "services": {
            service: {
                "image": tag,
                **measured[tag],
                "base": bases[service],
                "base_size": base_sizes[bases[service]]["size"],
            }
            for service, tag in service_images.items()
        },
        "scratch": {
            target: {"image": tag, **measured[tag]} for target, tag in SCRATCH_IMAGES.items() if tag in measured
        },
    }


def machine(stack: Stack) -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    server = stack.engine.docker("version", "--format", "{{.Server.Version}}").strip()
    compose = stack.compose("version", "--short").strip()
    return {
        "cpu": next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line), "?"),
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "docker": server,
        "compose": compose,
        "cgroup": "v2" if Path("/sys/fs/cgroup/cgroup.controllers").exists() else "v1",
        "standins": {
            "debian": stack.standins.debian,
            "python": stack.standins.python,
            "mariadb": stack.standins.mariadb,
            "wasmedge": stack.standins.wasmedge,
        },
    }


def run(runs: int) -> Path:
    say = say_on_stderr("bench-containers")
    missing = wasmedge_unavailable()
    if missing:
        say(f"!!! {missing}: orders-wasmedge is NOT measured")
    services = tuple(s for s in SERVICES if s != "orders-wasmedge" or missing is None)
    engine = start_engine(say)
    try:
        standins = build_standins(engine, say, wasmedge=missing is None)
        stack = Stack(engine, standins, say, project="orders-bench", services=services)
        stack.down()
        try:
            build_seconds = stack.build_fresh()
            limits = prepare(stack, say)
            load_before = os.getloadavg()
            timings = measure(stack, runs, say)
            load_after = os.getloadavg()
            results = {
                "timestamp": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
                "command": "make bench-containers",
                "runs": runs,
                "machine": machine(stack),
                "load_average": {"before": load_before, "after": load_after},
                "build_seconds": build_seconds,
                "not_measured": {"orders-wasmedge": missing} if missing else {},
                "memory_limits": limits,
                "services": timings,
                "sizes": sizes(stack, say),
            }
        finally:
            stack.down()
    finally:
        engine.stop(say)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"containers-{results['timestamp']}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    return path


# ---------------------------------------------------------------- the report


def spread(values: Sequence[float], scale: float = 1.0, digits: int = 2) -> str:
    low, middle, high = (v * scale for v in (min(values), statistics.median(values), max(values)))
    return f"{low:.{digits}f} / **{middle:.{digits}f}** / {high:.{digits}f}"


def section(results: dict[str, Any]) -> str:
    """BENCHMARKS.md's section on containers: two tables and how they were measured."""
    lines = [
        "## Containers: start-up, memory and image size",
        "",
        f"From `{results['command']}` at {results['timestamp']} "
        f"(`bench/results/containers-{results['timestamp']}.json`). Seconds are min / **median** / max of "
        f"{results['runs']} interleaved runs.",
        "",
        "| service (Dockerfile target) | `docker compose up -d` → first `GET /orders` 200 (s) "
        "| `docker start` → first 200 (s) | memory at first 200, working set (MiB) | limit (MiB) "
        "| `docker stop` (s) |",
        "|---|---|---|---|---|---|",
    ]
    for service, runs in results["services"].items():
        up, start = runs["compose_up"], runs["docker_start"]
        lines.append(
            f"| {LABELS.get(service, service)} | {spread([r['to_first_200_s'] for r in up])} "
            f"| {spread([r['to_first_200_s'] for r in start])} "
            f"| {spread([r['memory']['working_set'] for r in up], 1 / MiB, 0)} "
            f"| {results['memory_limits'][service] / MiB:.0f} "
            f"| {spread([r['stop_s'] for r in start], digits=1)} |"
        )
    lines += [
        "",
        "| image | size (MiB) | over its base (MiB) | `docker save \\| gzip` (MiB) |",
        "|---|---|---|---|",
    ]
    for service, size in results["sizes"]["services"].items():
        lines.append(
            f"| `{size['image']}` ({LABELS.get(service, service)}) | {size['size'] / MiB:.1f} "
            f"| {(size['size'] - size['base_size']) / MiB:.1f} | {size['save_gzip'] / MiB:.1f} |"
        )
    for target, size in results["sizes"]["scratch"].items():
        lines.append(
            f"| `{size['image']}` (`{target}`, FROM scratch) | {size['size'] / MiB:.1f} | n/a "
            f"| {size['save_gzip'] / MiB:.1f} |"
        )
    machine, load = results["machine"], results["load_average"]
    not_measured = "".join(f" Not measured: `{s}` ({why})." for s, why in results["not_measured"].items())
    lines += [
        "",
        f"**Method.** Docker {machine['docker']} (classic builder, cgroup {machine['cgroup']}), Compose "
        f"{machine['compose']}, on {machine['cores']} cores ({machine['cpu']}), Linux {machine['kernel']}; load "
        f"average {load['before'][0]:.2f} before the runs and {load['after'][0]:.2f} after. The images were built "
        "from nothing just before, on stand-in bases built here (Debian by debootstrap, Python from Debian's "
        "python3, MariaDB from Debian's mariadb-server, and this machine's WasmEdge CLI), since no registry was "
        "reachable: sizes over the base carry over to the official bases, whole sizes only roughly. The "
        "database was healthy throughout and held the README's 5 demo orders. Each run: "
        "`docker compose rm --stop --force SERVICE`, then the clock runs from `docker compose up -d SERVICE` "
        "(the Compose CLI included) to the first 200 from `GET /orders`, polled every 5 ms on the published "
        "port; then `docker stop` and, from `docker start`, to the first 200 again. Services take turns, the "
        "first one rotating. Memory is the container's cgroup at the first 200: usage less inactive file "
        "pages, the working set the kubelet watches; the limits are docker-compose.yml's, the Kubernetes "
        f"manifests' own.{not_measured}",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS)
    args = parser.parse_args()
    try:
        path = run(args.runs)
    except (RuntimeError, subprocess.CalledProcessError) as error:
        print(f"bench-containers: {error}", file=sys.stderr)
        return 1
    results = json.loads(path.read_text())
    print(section(results))
    load = results["load_average"]
    print(f"machine load average (1, 5, 15 min): before {load['before']}, after {load['after']}")
    print(f"results: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
