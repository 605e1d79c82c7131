"""HTTP as bytes on a socket, for what a well-behaved client would never send."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)


def exchange(base_url: str, data: bytes, *, timeout: float = 10.0) -> list[RawResponse]:
    """Send `data` as it is, read until the server closes or goes quiet, and
    parse every response that came back."""
    host, _, port = base_url.removeprefix("http://").partition(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            pass
        except ConnectionResetError:
            # A server may reset after its answer when the request was not read.
            pass
    return parse(received)


def parse(received: bytes) -> list[RawResponse]:
    responses = []
    while received:
        head, separator, rest = received.partition(b"\r\n\r\n")
        if not separator:
            raise AssertionError(f"an incomplete response: {received[:200]!r}")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
        status = int(status_line.split()[1])
        length = 0 if status in (204, 304) or "content-length" not in headers else int(headers["content-length"])
        responses.append(RawResponse(status, headers, rest[:length]))
        received = rest[length:]
    return responses
