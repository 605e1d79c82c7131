"""The component with a profiler: the real wasi:http adapter, plus
``GET /__profile__?count=N``, which times and profiles App.handle for
GET /orders inside the guest. Built only by `make profile`; never shipped."""

from __future__ import annotations

from dataclasses import replace

import wasi_http_adapter
from wasi_httpx import WasiHTTPTransport

from bench.profiling.profile_groups import HandleProfiler
from orders.app import App
from orders.http import Request, Response, json_response
from orders.routing import Route
from orders.store import OrderStore


def profile(request: Request, store: OrderStore) -> Response:
    count = int(request.query.get("count", ["200"])[0])
    return json_response(_profiler.measure(replace(request, path="/orders", query_string=""), count))


class IncomingHandler(wasi_http_adapter.IncomingHandler):
    app = App(
        http_transport=WasiHTTPTransport(),
        extra_routes=[Route("GET", "/__profile__", profile, "Profile App.handle for GET /orders")],
    )


_profiler = HandleProfiler(IncomingHandler.app.handle)
