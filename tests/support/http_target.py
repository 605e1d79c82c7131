"""A local HTTP server for the transport tests, on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.wasm_probe.fetch import CHUNK, payload


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        kind, _, argument = self.path.strip("/").partition("/")
        if kind == "status":
            self.send(int(argument), b'{"status": "as asked"}', "application/json")
        elif kind == "headers":
            echoed = {name.lower(): value for name, value in self.headers.items()}
            self.send(200, json.dumps(echoed).encode(), "application/json", [("x-target", "yes")])
        elif kind == "bytes":
            self.send(200, payload(int(argument)), "application/octet-stream")
        elif kind == "chunked":
            self.send_chunked(payload(int(argument)))
        elif kind == "slow":
            time.sleep(float(argument))
            self.send(200, b"late", "text/plain")
        else:
            self.send(404, b"no such route", "text/plain")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        report = {"length": len(body), "sha256": hashlib.sha256(body).hexdigest()}
        self.send(200, json.dumps(report).encode(), "application/json")

    def send(self, status: int, body: bytes, content_type: str, extra: list[tuple[str, str]] | None = None) -> None:
        self.send_response(status)
        for name, value in [("content-type", content_type), ("content-length", str(len(body))), *(extra or [])]:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def send_chunked(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/octet-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        for start in range(0, len(body), CHUNK):
            piece = body[start : start + CHUNK]
            self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, *args: Any) -> None:
        pass


class HTTPTarget:
    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
