"""Sizes of what each server ships. The images as built are measured by
`make bench-containers` (bench/containers.py)."""

from __future__ import annotations

import gzip
from pathlib import Path

from devtools.servers import ROOT, WASM_ARTIFACT, WASMEDGE_MODULE

COMPONENT = WASM_ARTIFACT.with_suffix(".wasm")
WASMEDGE_TREE = WASMEDGE_MODULE.parent / "runtime"
NATIVE_VENV = ROOT / ".venv-native"


def measure() -> dict[str, int]:
    component = COMPONENT.read_bytes()
    sizes = {
        "wasm_bytes": len(component),
        "wasm_gzip_bytes": len(gzip.compress(component, compresslevel=9)),
        "cwasm_bytes": WASM_ARTIFACT.stat().st_size,
        "native_site_packages_bytes": tree_bytes(next(NATIVE_VENV.glob("lib/python*/site-packages"))),
    }
    if WASMEDGE_MODULE.exists():
        sizes["wasmedge_module_bytes"] = WASMEDGE_MODULE.stat().st_size
        sizes["wasmedge_tree_bytes"] = tree_bytes(WASMEDGE_TREE)
    return sizes


def tree_bytes(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file() and not path.is_symlink())
