"""The project's requirements from pyproject.toml, for environments that must
hold only some of them (the component's build venv, the native runtime venv,
the WasmEdge module's tree).

    python -m devtools.requirements [EXTRA ...]

prints the runtime dependencies, plus those of each named extra, one per
line, for `pip install -c constraints.txt -r -`.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

# Standalone on purpose: it runs before any venv exists.
ROOT = Path(__file__).resolve().parent.parent


def requirements(*extras: str) -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    optional = project["optional-dependencies"]
    unknown = set(extras) - set(optional)
    if unknown:
        raise SystemExit(f"requirements: no such extra: {', '.join(sorted(unknown))}")
    return [*project["dependencies"], *(line for extra in extras for line in optional[extra])]


if __name__ == "__main__":
    print("\n".join(requirements(*sys.argv[1:])))
