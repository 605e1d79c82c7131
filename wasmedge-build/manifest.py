"""Writes dist/manifest.json (build.sh step 10).

    manifest.py DIST PYTHON_WASM SNAPSHOT_WASM TIMES KEY=VALUE...

DIST is the new dist/ directory, PYTHON_WASM the interpreter and SNAPSHOT_WASM
the snapshot (without its heap) before AOT, and TIMES holds "step seconds"
lines. The KEY=VALUE pairs (versions, cache keys) go in as they are.
"""

import hashlib
import json
import sys
from email.parser import HeaderParser
from pathlib import Path


def tree_digest(tree: Path) -> tuple[str, int, int]:
    """A hash of the tree's paths and contents, its size in bytes, its file count."""
    digest = hashlib.sha256()
    size = count = 0
    for path in sorted(p for p in tree.rglob("*") if p.is_file()):
        data = path.read_bytes()
        digest.update(f"{path.relative_to(tree)}\0{hashlib.sha256(data).hexdigest()}\n".encode())
        size += len(data)
        count += 1
    return digest.hexdigest(), size, count


def dependencies(site: Path) -> dict[str, str]:
    versions = {}
    for metadata in sorted(site.glob("*.dist-info/METADATA")):
        headers = HeaderParser().parsestr(metadata.read_text())
        versions[headers["Name"]] = headers["Version"]
    return versions


def main() -> None:
    dist, python_wasm, snapshot_wasm, times = map(Path, sys.argv[1:5])
    runtime = dist / "runtime"
    lib = runtime / "usr/local/lib/python3.11"
    runtime_hash, runtime_bytes, runtime_files = tree_digest(runtime)
    manifest = {
        **dict(arg.split("=", 1) for arg in sys.argv[5:]),
        "sizes": {
            "python.wasm": python_wasm.stat().st_size,
            "cpython.aot.wasm": (dist / "cpython.aot.wasm").stat().st_size,
            "snapshot.wasm": snapshot_wasm.stat().st_size,
            "python.aot.wasm": (dist / "python.aot.wasm").stat().st_size,
            "snapshot_heap": (runtime / "usr/local/lib/python-snapshot.heap").stat().st_size,
            "runtime": runtime_bytes,
            "runtime_files": runtime_files,
        },
        "runtime_sha256": runtime_hash,
        "stdlib_modules": sum(1 for p in lib.rglob("*.pyc") if "dist-packages" not in p.parts),
        "dependencies": dependencies(lib / "dist-packages"),
        "step_seconds": {step: int(seconds) for step, seconds in (line.split() for line in times.open())},
    }
    (dist / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
