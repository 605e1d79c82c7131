"""bench/containers.py renders what `make bench-containers` wrote (no engine needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.containers import LABELS, RESULTS, section

WRITTEN = sorted(RESULTS.glob("containers-*.json"))


@pytest.mark.parametrize("path", WRITTEN[-1:], ids=lambda path: path.name)
def test_the_section_shows_every_service_and_image(path: Path) -> None:
    results = json.loads(path.read_text())
    text = section(results)
    assert f"`bench/results/{path.name}`" in text
    for service in results["services"]:
        assert LABELS[service] in text
    for size in [*results["sizes"]["services"].values(), *results["sizes"]["scratch"].values()]:
        assert f"`{size['image']}`" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 2 + len(results["services"]) + len(results["sizes"]["services"]) + len(
        results["sizes"]["scratch"]
    )
