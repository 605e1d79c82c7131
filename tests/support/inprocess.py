"""An httpx transport that hands requests straight to `App.handle`: the app
tested in-process, with no server and no socket between."""

from __future__ import annotations

import httpx

from orders.app import App
from orders.http import Request


class AppTransport(httpx.BaseTransport):
    def __init__(self, app: App) -> None:
        self.app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.app.handle(
            Request(
                method=request.method,
                path=request.url.raw_path.decode("ascii").partition("?")[0],
                query_string=request.url.query.decode("ascii"),
                headers={name.lower(): value for name, value in request.headers.items()},
                body=request.read(),
            )
        )
        return httpx.Response(response.status, headers=response.header_list(), content=response.body)
