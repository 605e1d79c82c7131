"""The component plus two test routes, built by `make test` and never shipped:

- ``POST /__fetch__``: the body describes one httpx request, which runs
  through WasiHTTPTransport; the answer is `fetch`'s report.
- ``GET /__sandbox__``: what the guest can see of the host: the environment,
  and the result of reading host files and listing directories.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import wasi_http_adapter
from wasi_httpx import WasiHTTPTransport

from orders.http import Request, Response, json_response
from tests.wasm_probe.fetch import fetch

HOST_FILES = ("/etc/passwd", "/etc/hostname", "/proc/self/environ", "pyproject.toml")
HOST_DIRS = ("/", ".", "/etc", "/tmp")

_handle = wasi_http_adapter.app.handle
_client = httpx.Client(transport=WasiHTTPTransport(), trust_env=False)


def _handle_with_probes(request: Request) -> Response:
    if request.path == "/__fetch__":
        return json_response(fetch(_client, json.loads(request.body)))
    if request.path == "/__sandbox__":
        return json_response(_sandbox())
    return _handle(request)


def _sandbox() -> dict[str, Any]:
    return {
        "environment": sorted(os.environ),
        "cwd": os.getcwd(),
        "read": {path: _attempt(_read, path) for path in HOST_FILES},
        "list": {path: _attempt(_list, path) for path in HOST_DIRS},
    }


def _read(path: str) -> str:
    return Path(path).read_text()[:100]


def _list(path: str) -> list[str]:
    return sorted(os.listdir(path))


def _attempt(action: Callable[[str], Any], path: str) -> dict[str, Any]:
    try:
        return {"ok": action(path)}
    except OSError as error:
        return {"error": type(error).__name__}


wasi_http_adapter.app.handle = _handle_with_probes  # type: ignore[method-assign]
IncomingHandler = wasi_http_adapter.IncomingHandler
