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

from orders.app import App
from orders.http import Request, Response, json_response
from orders.routing import Route
from orders.store import OrderStore
from tests.wasm_probe.fetch import fetch

HOST_FILES = ("/etc/passwd", "/etc/hostname", "/proc/self/environ", "pyproject.toml")
HOST_DIRS = ("/", ".", "/etc", "/tmp")

_client = httpx.Client(transport=WasiHTTPTransport(), trust_env=False)


def fetch_route(request: Request, store: OrderStore) -> Response:
    return json_response(fetch(_client, json.loads(request.body)))


def sandbox_route(request: Request, store: OrderStore) -> Response:
    return json_response(
        {
            "environment": sorted(os.environ),
            "cwd": os.getcwd(),
            "read": {path: _attempt(_read, path) for path in HOST_FILES},
            "list": {path: _attempt(_list, path) for path in HOST_DIRS},
        }
    )


def _read(path: str) -> str:
    return Path(path).read_text()[:100]


def _list(path: str) -> list[str]:
    return sorted(os.listdir(path))


def _attempt(action: Callable[[str], Any], path: str) -> dict[str, Any]:
    try:
        return {"ok": action(path)}
    except OSError as error:
        return {"error": type(error).__name__}


class IncomingHandler(wasi_http_adapter.IncomingHandler):
    app = App(
        http_transport=WasiHTTPTransport(),
        extra_routes=[
            Route("POST", "/__fetch__", fetch_route, "Run one httpx request through wasi:http"),
            Route("GET", "/__sandbox__", sandbox_route, "What the guest sees of the host"),
        ],
    )
