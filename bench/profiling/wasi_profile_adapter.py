"""The component with a profiler: the real wasi:http adapter, plus
``GET /__profile__?count=N``, which times and profiles App.handle for
GET /orders inside the guest. Built only by `make profile`; never shipped."""

from __future__ import annotations

from dataclasses import replace

import wasi_http_adapter

from bench.profiling.profile_groups import HandleProfiler
from orders.http import Request, Response, json_response

_handle = wasi_http_adapter.app.handle
_profiler = HandleProfiler(_handle)


def _handle_with_profile(request: Request) -> Response:
    if request.path != "/__profile__":
        return _handle(request)
    count = int(request.query.get("count", ["200"])[0])
    return json_response(_profiler.measure(replace(request, path="/orders", query_string=""), count))


wasi_http_adapter.app.handle = _handle_with_profile  # type: ignore[method-assign]
IncomingHandler = wasi_http_adapter.IncomingHandler
