"""Slow and idle clients: they cost a socket, never the server.

The socket server (WasmEdge) and gevent (native) hold a stalled client in a
buffer or a greenlet. wasmtime hands a request to a component instance as
soon as its head is in, so a stalled body holds one of the
`--max-concurrent-requests` instances (one per core) until the adapter's
body deadline frees it: others wait up to that deadline for each round of
stalled clients. The README ("Slow clients") says so, and what to put in
front of it.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx
import pytest

from orders.http import REQUEST_TIMEOUT_SECONDS
from tests.support.raw_http import exchange
from tests.support.servers import Service

STALLED, IDLE = 40, 300
# wasmtime serve's instances: serve.sh's default, one per core.
WASM_INSTANCES = os.cpu_count() or 1


@contextmanager
def clients(service: Service, count: int, first_bytes: bytes) -> Iterator[list[socket.socket]]:
    host, _, port = service.base_url.removeprefix("http://").partition(":")
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.create_connection((host, int(port)))) for _ in range(count)]
        for sock in sockets:
            if first_bytes:
                sock.sendall(first_bytes)
        yield sockets


def seconds_to_livez(service: Service) -> float:
    started = time.monotonic()
    assert httpx.get(f"{service.base_url}/livez", timeout=REQUEST_TIMEOUT_SECONDS + 10).status_code == 200
    return time.monotonic() - started


@pytest.mark.timeout(120)
def test_idle_connections_do_not_block_the_server(service: Service) -> None:
    with clients(service, IDLE, b""):
        assert seconds_to_livez(service) < 1.0


@pytest.mark.timeout(120)
def test_stalled_bodies_do_not_block_the_server(service: Service) -> None:
    head = b"POST /create_order HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"
    stalled = WASM_INSTANCES if service.kind == "wasm" else STALLED
    with clients(service, stalled, head), clients(service, IDLE, b""):
        time.sleep(0.2)
        waited = seconds_to_livez(service)
    # On wasm, as many stalled clients as instances hold them all until the deadline.
    assert waited < (REQUEST_TIMEOUT_SECONDS + 3.0 if service.kind == "wasm" else 1.0)


@pytest.mark.timeout(60)
def test_a_stalled_body_is_refused_with_408_after_the_deadline(service: Service) -> None:
    head = b"POST /create_order HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{"
    started = time.monotonic()
    [response] = exchange(service.base_url, head, timeout=REQUEST_TIMEOUT_SECONDS + 10)
    assert REQUEST_TIMEOUT_SECONDS - 1 <= time.monotonic() - started < REQUEST_TIMEOUT_SECONDS + 5
    assert response.status == 408
    assert response.json()["error"]["code"] == "request_timeout"
