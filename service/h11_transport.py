"""An httpx transport over plain sockets and h11, for a Python with sockets
but no ``ssl`` module (the WasmEdge module), where httpx's own transport
cannot be built: httpcore imports ``ssl``. It carries the order events to the
Dapr sidecar on 127.0.0.1.

- plaintext ``http://`` only; any other scheme raises httpx.UnsupportedProtocol;
- one connection per request, closed after it: the sidecar is local;
- httpx's connect, write and read timeouts apply to the socket;
- socket and protocol errors become httpx's exceptions, so callers handle
  httpx.HTTPError as with any transport.
"""

from __future__ import annotations

import socket

import h11
import httpx

__all__ = ["H11Transport"]

RECEIVE_BYTES = 64 * 1024


class H11Transport(httpx.BaseTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "http":
            raise httpx.UnsupportedProtocol(f"{request.url.scheme}:// needs TLS, absent here", request=request)
        timeouts = request.extensions.get("timeout", {})
        with _connect(request, timeouts.get("connect")) as sock:
            connection = h11.Connection(h11.CLIENT)
            _send(sock, request, connection, timeouts.get("write"))
            return _receive(sock, request, connection, timeouts.get("read"))


def _connect(request: httpx.Request, timeout: float | None) -> socket.socket:
    try:
        return socket.create_connection((request.url.host, request.url.port or 80), timeout=timeout)
    except TimeoutError as error:
        raise httpx.ConnectTimeout(str(error), request=request) from error
    except OSError as error:
        raise httpx.ConnectError(str(error), request=request) from error


def _send(sock: socket.socket, request: httpx.Request, connection: h11.Connection, timeout: float | None) -> None:
    body = request.read()
    headers = [(name, value) for name, value in request.headers.raw if name.lower() != b"connection"]
    headers.append((b"connection", b"close"))
    head = h11.Request(method=request.method, target=request.url.raw_path, headers=headers)
    data = connection.send(head) + (connection.send(h11.Data(data=body)) if body else b"")
    sock.settimeout(timeout)
    try:
        sock.sendall(data + connection.send(h11.EndOfMessage()))
    except TimeoutError as error:
        raise httpx.WriteTimeout(str(error), request=request) from error
    except OSError as error:
        raise httpx.WriteError(str(error), request=request) from error


def _receive(
    sock: socket.socket, request: httpx.Request, connection: h11.Connection, timeout: float | None
) -> httpx.Response:
    sock.settimeout(timeout)
    head: h11.Response | None = None
    body = bytearray()
    while True:
        try:
            event = connection.next_event()
        except h11.RemoteProtocolError as error:
            raise httpx.RemoteProtocolError(str(error), request=request) from error
        if event is h11.NEED_DATA:
            connection.receive_data(_recv(sock, request))
        elif isinstance(event, h11.Response):
            head = event
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage) and head is not None:
            return httpx.Response(
                head.status_code,
                headers=list(head.headers),
                content=bytes(body),
                request=request,
                extensions={"http_version": b"HTTP/1.1"},
            )
        elif isinstance(event, h11.ConnectionClosed):
            raise httpx.RemoteProtocolError("the server closed the connection before answering", request=request)


def _recv(sock: socket.socket, request: httpx.Request) -> bytes:
    try:
        return sock.recv(RECEIVE_BYTES)
    except TimeoutError as error:
        raise httpx.ReadTimeout(str(error), request=request) from error
    except OSError as error:
        raise httpx.ReadError(str(error), request=request) from error
