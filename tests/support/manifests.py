"""The Kubernetes manifests as kustomize renders them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from devtools.servers import ROOT

BIN = Path(sys.executable).parent
_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def kustomize(path: str) -> list[dict[str, Any]]:
    done = subprocess.run(
        [str(BIN / "kubectl"), "kustomize", path], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"kubectl kustomize {path}\n{done.stderr}"
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def deployment(objects: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == name)


def memory_limit(path: str, name: str) -> int:
    """The memory limit of the Deployment's first container, in bytes."""
    container = deployment(kustomize(path), name)["spec"]["template"]["spec"]["containers"][0]
    found = re.fullmatch(r"(\d+)(Ki|Mi|Gi)", container["resources"]["limits"]["memory"])
    assert found is not None, container["resources"]
    return int(found.group(1)) * _UNITS[found.group(2)]
