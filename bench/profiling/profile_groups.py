"""Time spent in App.handle, measured plainly and with cProfile, grouped by
where it goes. Pure Python: it runs natively and inside the profiling build of
the component alike."""

from __future__ import annotations

import cProfile
import pstats
import statistics
import time
from collections.abc import Callable
from typing import Any

GROUPS: tuple[tuple[str, Callable[[str, str], bool]], ...] = (
    ("waiting on MariaDB (socket calls)", lambda path, name: path == "~" and ("recv" in name or "send" in name)),
    ("PyMySQL", lambda path, name: "/pymysql/" in path),
    ("SQLAlchemy", lambda path, name: "/sqlalchemy/" in path),
    ("the app (orders package)", lambda path, name: "/orders/" in path),
    ("json", lambda path, name: "/json/" in path),
    ("other Python code (stdlib)", lambda path, name: path != "~"),
)
OTHER = "builtins (C functions)"


class HandleProfiler:
    """Wraps a handle function; `measure` runs it `count` times and reports."""

    def __init__(self, handle: Callable[[Any], Any]) -> None:
        self.handle = handle

    def measure(self, request: Any, count: int) -> dict[str, Any]:
        for _ in range(max(count // 10, 5)):
            self.handle(request)
        samples = []
        for _ in range(count):
            started = time.perf_counter()
            self.handle(request)
            samples.append(time.perf_counter() - started)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(count):
            self.handle(request)
        profiler.disable()
        return {
            "median_us": statistics.median(samples) * 1e6,
            "profiled_us": grouped(profiler, count),
            "top_builtins_us": top_builtins(profiler, count),
        }


def grouped(profiler: cProfile.Profile, count: int) -> dict[str, float]:
    """Own time (tottime) per request, in µs, for each group."""
    totals = {label: 0.0 for label, _ in GROUPS} | {OTHER: 0.0}
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    for (path, _line, name), (_calls, _primitive, tottime, *_rest) in stats.items():
        label = next((label for label, matches in GROUPS if matches(path, name)), OTHER)
        totals[label] += tottime / count * 1e6
    return totals


def top_builtins(profiler: cProfile.Profile, count: int, limit: int = 5) -> dict[str, float]:
    """The C functions with the most own time per request, in µs."""
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    socket_calls = GROUPS[0][1]
    builtins = [
        (tottime / count * 1e6, name)
        for (path, _line, name), (_c, _p, tottime, *_r) in stats.items()
        if path == "~" and not socket_calls(path, name)
    ]
    return {name: us for us, name in sorted(builtins, reverse=True)[:limit]}
