"""The socket server that serves the WasmEdge module, run natively in a
thread with short deadlines: keep-alive, pipelining, framing errors, body
limits and slow clients, in seconds. The HTTP suite runs it under WasmEdge."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest
from socket_server import Limits, Server, listen

from orders.app import App
from orders.http import MAX_BODY_BYTES, Request, Response
from orders.routing import Route
from orders.store import OrderStore
from tests.inprocess.conftest import AppFactory
from tests.support.payloads import order, post_json
from tests.support.raw_http import exchange

LIMITS = Limits(request_seconds=0.5, idle_seconds=0.5, write_seconds=1.0, max_connections=20)


@contextmanager
def serving(app: App) -> Iterator[str]:
    """The socket server on a free port, in a thread; its base URL."""
    listener = listen("127.0.0.1", 0)
    served = Server(app, listener, LIMITS)
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            served.serve_once()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        served.close()


@pytest.fixture
def server(app: App) -> Iterator[str]:
    with serving(app) as base_url:
        yield base_url


def test_keep_alive_serves_many_requests_on_one_connection(server: str) -> None:
    with httpx.Client(base_url=server) as http:
        http.get("/init")
        for order_id in range(1, 6):
            assert post_json(http, "/create_order", order(order_id)).json() == {"status": True}
        assert [row["order_id"] for row in http.get("/orders").json()] == [1, 2, 3, 4, 5]


def test_pipelined_requests_are_answered_in_order(server: str) -> None:
    two = b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    assert [response.status for response in exchange(server, two)] == [200, 404]


def test_a_chunked_body_is_read(server: str) -> None:
    head = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    data = head + b"3\r\nabc\r\n0\r\n\r\n"
    [response] = exchange(server, data)
    assert (response.status, response.body) == (200, b"abc")


def test_a_chunked_body_over_the_limit_is_413(server: str) -> None:
    chunk = b"%x\r\n%s\r\n" % (MAX_BODY_BYTES, b"x" * MAX_BODY_BYTES)
    data = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk * 2 + b"0\r\n\r\n"
    [response] = exchange(server, data)
    assert response.status == 413
    assert response.headers["connection"] == "close"


def test_expect_100_continue_is_honoured(server: str) -> None:
    host, _, port = server.removeprefix("http://").partition(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        assert sock.recv(1024).startswith(b"HTTP/1.1 100 ")
        sock.sendall(b"ok")
        assert b"\r\n\r\nok" in sock.recv(4096)


def test_an_idle_connection_is_closed_and_a_slow_request_gets_408(server: str) -> None:
    host, _, port = server.removeprefix("http://").partition(":")
    with socket.create_connection((host, int(port)), timeout=5) as idle:
        assert idle.recv(1024) == b""
    started = time.monotonic()
    [response] = exchange(server, b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\nabc")
    assert response.status == 408
    assert time.monotonic() - started < 3


def test_beyond_the_connection_limit_clients_wait_their_turn(server: str) -> None:
    host, _, port = server.removeprefix("http://").partition(":")
    held = [socket.create_connection((host, int(port))) for _ in range(LIMITS.max_connections + 5)]
    try:
        assert httpx.get(f"{server}/livez", timeout=5).status_code == 200
    finally:
        for sock in held:
            sock.close()


def test_a_client_that_never_reads_is_dropped(server: str, app: App) -> None:
    host, _, port = server.removeprefix("http://").partition(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 1_000_000)
        time.sleep(LIMITS.write_seconds + 1)
        assert httpx.get(f"{server}/livez", timeout=5).status_code == 200


def test_a_whole_head_too_large_is_refused(server: str) -> None:
    headers = b"".join(b"X-Filler-%d: %s\r\n" % (index, b"v" * 200) for index in range(200))
    [response] = exchange(server, b"GET /livez HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    assert response.status == 431
    [response] = exchange(server, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert response.status == 414


def test_a_kept_alive_client_is_answered_after_the_app_held_the_loop(make_app: AppFactory) -> None:
    def slow(request: Request, store: OrderStore) -> Response:
        time.sleep(LIMITS.idle_seconds * 3)
        return Response(204)

    app = make_app(routes=(Route("GET", "/slow", slow, "Holds the loop"),))
    with (
        serving(app) as base_url,
        httpx.Client(base_url=base_url, timeout=10) as kept,
        httpx.Client(base_url=base_url, timeout=10) as other,
    ):
        assert kept.get("/livez").status_code == 200
        with ThreadPoolExecutor(1) as pool:
            held = pool.submit(other.get, "/slow")
            time.sleep(0.2)
            # Sent while the loop is held, long after the idle deadline passed.
            assert kept.get("/livez").status_code == 200
            assert held.result().status_code == 204
