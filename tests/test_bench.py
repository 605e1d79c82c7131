"""The benchmark harness, run for real at its smallest: one repetition."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import measure, report
from bench.run import LOAD_KINDS, START_VARIANTS, Mode, rotate, run
from devtools.mariadb import MariaDBServer
from tests.support.servers import NATIVE_WORKERS, Service


def test_wrk_figures_come_from_a_live_server(service: Service) -> None:
    ok = measure.wrk(f"{service.base_url}/livez", 2, 1)
    assert ok.requests > 10
    assert ok.errors == 0
    assert 0 < ok.p50_ms <= ok.p99_ms
    missing = measure.wrk(f"{service.base_url}/no-such-route", 1, 1)
    assert missing.errors == missing.requests > 0


def test_process_tree_figures_count_the_children(service: Service) -> None:
    process = service.process.process
    assert process is not None
    members = measure.process_tree(process.pid)
    assert members[0] == process.pid
    # gunicorn runs its workers under its master; wasmtime and WasmEdge are one process each.
    assert len(members) == (1 + NATIVE_WORKERS if service.kind == "native" else 1)
    assert measure.tree_rss_bytes(process.pid) > 20 * 2**20
    assert measure.tree_cpu_seconds(process.pid) > 0


def test_rotation_puts_each_variant_first_in_turn() -> None:
    assert [rotate(("a", "b", "c"), r)[0] for r in range(3)] == ["a", "b", "c"]


@pytest.mark.timeout(600)
def test_one_repetition_renders_a_report(mariadb: MariaDBServer, tmp_path: Path) -> None:
    results = run(mariadb, Mode(repetitions=1, load_seconds=1))
    results |= {"mode": "test", "command": "pytest"}
    assert set(results["cold_start"]) == {variant.name for variant in START_VARIANTS}
    assert {"wasm AOT", "native"} <= set(results["cold_start"])
    aot = results["cold_start"]["wasm AOT"][0]
    assert 0 < aot["to_livez_s"] <= aot["to_orders_s"]
    assert aot["cpu_s"] > 0
    assert 0 < aot["pss_bytes"] <= aot["rss_bytes"]
    assert list(results["load"]) == list(LOAD_KINDS)
    for kind in LOAD_KINDS:
        [round_results] = results["load"][kind]
        assert round_results["orders_1000_c1"]["errors"] == 0
        assert round_results["create_order_c1"]["requests"] > 0
    report.write(results, tmp_path, tmp_path / "BENCHMARKS.md")
    text = (tmp_path / "BENCHMARKS.md").read_text()
    for heading in ("## Cold start", "## Latency", "## Throughput", "## Memory", "## Sizes", "## Targets"):
        assert heading in text
    assert all((tmp_path / name).stat().st_size > 10_000 for name in ("coldstart.png", "throughput.png", "latency.png"))
