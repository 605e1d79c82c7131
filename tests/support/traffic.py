"""Heavy traffic for the memory tests: a burst of clients creating and listing
orders, with hundreds of connections held open meanwhile."""

from __future__ import annotations

import socket
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager

import httpx

from tests.support.payloads import order

BURST_CLIENTS, HELD_CONNECTIONS, BURST_SECONDS = 64, 500, 6.0


@contextmanager
def held_connections(base_url: str, count: int = HELD_CONNECTIONS) -> Iterator[None]:
    """`count` connections, each with a keep-alive request sent and kept open."""
    host, _, port = base_url.removeprefix("http://").partition(":")
    with ExitStack() as stack:
        for _ in range(count):
            sock = stack.enter_context(socket.create_connection((host, int(port))))
            sock.sendall(b"GET /orders HTTP/1.1\r\nHost: x\r\n\r\n")
        yield


def burst(base_url: str) -> Counter[int]:
    """BURST_CLIENTS clients creating and listing orders for BURST_SECONDS; the statuses they got."""
    with ThreadPoolExecutor(BURST_CLIENTS) as pool:
        return sum(pool.map(lambda client: _client(base_url, client), range(BURST_CLIENTS)), Counter())


def _client(base_url: str, client: int) -> Counter[int]:
    statuses: Counter[int] = Counter()
    deadline = time.monotonic() + BURST_SECONDS
    order_id = (client + 1) * 100_000
    with httpx.Client(base_url=base_url, timeout=60) as http:
        while time.monotonic() < deadline:
            order_id += 1
            for response in (http.post("/create_order", json=order(order_id)), http.get("/orders")):
                statuses[response.status_code] += 1
    return statuses
