"""A stand-in for the Dapr sidecar, speaking its HTTP API for the calls the
service makes: publish (POST /v1.0/publish/{pubsub}/{topic}) and outbound
health (GET /v1.0/healthz/outbound). It records every call, and can be told to
fail (500) or to hang. No real daprd can be installed from our registries."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Mode = Literal["ok", "fail", "hang"]


@dataclass
class Call:
    method: str
    path: str
    content_type: str | None
    body: Any
    observed: Any = None


@dataclass
class FakeSidecar:
    """Serve on 127.0.0.1:`port`. `on_publish` runs for each publish, before
    the answer, so a test can look at the database at that moment."""

    mode: Mode = "ok"
    hang_seconds: float = 10.0
    on_publish: Callable[[Any], Any] | None = None
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        sidecar = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                sidecar.record(self, None)
                self.answer(204 if self.path == "/v1.0/healthz/outbound" else 404)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", "0")))
                call = sidecar.record(self, json.loads(raw) if raw else None)
                if self.path.startswith("/v1.0/publish/") and sidecar.on_publish is not None:
                    call.observed = sidecar.on_publish(call.body)
                self.answer(204 if self.path.startswith("/v1.0/publish/") else 404)

            def answer(self, status: int) -> None:
                if sidecar.mode == "hang":
                    time.sleep(sidecar.hang_seconds)
                self.send_response(500 if sidecar.mode == "fail" else status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port: int = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def record(self, handler: BaseHTTPRequestHandler, body: Any) -> Call:
        call = Call(handler.command, handler.path, handler.headers.get("content-type"), body)
        self.calls.append(call)
        return call

    def publishes(self) -> list[Call]:
        return [call for call in self.calls if call.path.startswith("/v1.0/publish/")]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
