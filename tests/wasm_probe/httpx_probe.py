"""The component plus ``POST /__fetch__``: the body describes one httpx request,
which runs through WasiHTTPTransport; the answer is `fetch`'s report. Built by
`make test` for the transport tests; never shipped."""

from __future__ import annotations

import json

import httpx
import wasi_http_adapter
from wasi_httpx import WasiHTTPTransport

from orders.http import Request, Response, json_response
from tests.wasm_probe.fetch import fetch

_handle = wasi_http_adapter.app.handle
_client = httpx.Client(transport=WasiHTTPTransport(), trust_env=False)


def _handle_with_fetch(request: Request) -> Response:
    if request.path != "/__fetch__":
        return _handle(request)
    return json_response(fetch(_client, json.loads(request.body)))


wasi_http_adapter.app.handle = _handle_with_fetch  # type: ignore[method-assign]
IncomingHandler = wasi_http_adapter.IncomingHandler
