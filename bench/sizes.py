"""Sizes of what each variant ships, each with how it was obtained."""

from __future__ import annotations

import gzip
import io
import sys
import sysconfig
import tarfile
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement

from devtools import oci_image
from devtools.servers import ROOT, WASM_ARTIFACT

COMPONENT = WASM_ARTIFACT.with_suffix(".wasm")
# python:3.11.15-slim-bookworm, linux/amd64, compressed transfer size, as
# recorded in docker-library/repo-info for the digest the Dockerfile pins.
PYTHON_BASE_IMAGE_BYTES = 47_773_110


def measure() -> dict[str, Any]:
    component = COMPONENT.read_bytes()
    shipped = native_site_packages()
    shipped_bytes = sum(path.stat().st_size for path in shipped)
    layer_gzip = gzipped_tar_bytes(shipped)
    return {
        "wasm_bytes": len(component),
        "wasm_gzip_bytes": len(gzip.compress(component, compresslevel=9)),
        "cwasm_bytes": WASM_ARTIFACT.stat().st_size,
        "native_interpreter_bytes": interpreter_bytes(),
        "native_site_packages_bytes": shipped_bytes,
        "oci_wasm_image_bytes": oci_image.build()["oci_archive_bytes"],
        "oci_native_image_estimate_bytes": PYTHON_BASE_IMAGE_BYTES + layer_gzip,
        "how": {
            "wasm_gzip_bytes": "gzip -9 of orders.wasm",
            "native_interpreter_bytes": "this machine's CPython: the python binary, libpython and the stdlib "
            "without tests, site-packages, bytecode or static libraries (what the slim image keeps)",
            "native_site_packages_bytes": "the app's code plus the files installed for orders-service[native] "
            "and everything it requires, bytecode included",
            "oci_wasm_image_bytes": "the FROM scratch image built by buildah (Dockerfile target wasm) and "
            "saved as an OCI archive: compressed layer, config and manifest",
            "oci_native_image_estimate_bytes": "not built here (no engine, no registry): the pinned "
            "python:3.11.15-slim-bookworm base's compressed amd64 size from docker-library/repo-info plus a "
            "gzipped tar of the site-packages above",
        },
    }


def interpreter_bytes() -> int:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    kept = [
        path
        for path in stdlib.rglob("*")
        if path.is_file()
        and path.suffix != ".a"
        and not {"site-packages", "test", "tests", "idle_test", "__pycache__"} & set(path.relative_to(stdlib).parts)
    ]
    library_dir = Path(sysconfig.get_config_var("LIBDIR") or "")
    libraries = list(library_dir.glob(f"libpython{sys.version_info.major}.{sys.version_info.minor}*.so*"))
    binary = Path(sys.executable).resolve()
    return sum(path.stat().st_size for path in [*kept, *libraries, binary])


def native_site_packages() -> list[Path]:
    """The app's code, and every installed file of the packages it requires
    (the app itself is installed editable here, so its files are added)."""
    seen: set[str] = set()
    pending = requirements("orders-service", extra="native")
    files: list[Path] = []
    while pending:
        name = pending.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        seen.add(key)
        distribution = metadata.distribution(name)
        files += [Path(str(distribution.locate_file(file))) for file in distribution.files or []]
        pending += requirements(name)
    files += [*(ROOT / "service" / "orders").glob("*.py"), ROOT / "service" / "wsgi_adapter.py"]
    return [path for path in files if path.is_file() and not path.is_symlink() and ".pth" not in path.name]


def requirements(name: str, extra: str = "") -> list[str]:
    """What `name` (with `extra`) needs installed."""
    return [
        requirement.name
        for requirement in map(Requirement, metadata.requires(name) or [])
        if requirement.marker is None or requirement.marker.evaluate({"extra": extra})
    ]


def gzipped_tar_bytes(paths: list[Path]) -> int:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in paths:
            archive.add(path, arcname=str(path).lstrip("/"))
    return buffer.tell()
