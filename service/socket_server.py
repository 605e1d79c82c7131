"""A small HTTP/1.1 server over plain sockets, for hosts that give a Python
program sockets but no server of their own: the WasmEdge module, where WASI
has no threads.

One thread serves every connection. A poll-based selector watches them all,
h11 frames the protocol (keep-alive, pipelining, chunked bodies, 100-continue),
and each complete request goes to `App.handle`. While the app runs, the other
connections wait, as they would for a single worker; a slow or idle client
costs only a socket and its buffers, never the loop:

- a request must arrive whole within `Limits.request_seconds` of its first
  byte (else 408), and an idle keep-alive connection closes after
  `Limits.idle_seconds`;
- a declared body over the app's limit is refused (413) before it is read;
- a client that stops reading its response is dropped after `Limits.write_seconds`;
- beyond `Limits.max_connections`, new connections wait in the listen backlog.

Every refusal is a JSON error with a request id, logged like any request.
"""

from __future__ import annotations

import selectors
import socket
import time
from dataclasses import dataclass
from http import HTTPStatus

import h11

from orders.app import App
from orders.http import (
    MAX_BODY_BYTES,
    REQUEST_TIMEOUT_SECONDS,
    HTTPError,
    Request,
    Response,
    bad_request,
    payload_too_large,
    request_timeout,
)

RECEIVE_BYTES = 64 * 1024
# A request line longer than this is refused with 414 rather than 431.
MAX_REQUEST_LINE_BYTES = 8 * 1024
MAX_HEADERS = 100


@dataclass(frozen=True)
class Limits:
    request_seconds: float = REQUEST_TIMEOUT_SECONDS
    idle_seconds: float = 5.0
    write_seconds: float = 10.0
    max_connections: int = 1000
    max_header_bytes: int = 16 * 1024
    backlog: int = 1024


class Connection:
    """One client: h11's state, the request being read, the answer being written."""

    def __init__(self, sock: socket.socket, limits: Limits, now: float) -> None:
        self.sock = sock
        self.limits = limits
        self.h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=limits.max_header_bytes)
        self.request: h11.Request | None = None
        self.body = bytearray()
        self.outbound = bytearray()
        self.request_started: float | None = None
        self.deadline = now + limits.idle_seconds
        self.closing = False
        self.closed = False

    def wants_to_write(self) -> bool:
        return bool(self.outbound)

    def receive(self, app: App, now: float) -> None:
        try:
            data = self.sock.recv(RECEIVE_BYTES)
        except BlockingIOError:
            return
        except OSError:
            self.close()
            return
        if data and self.request_started is None:
            self.request_started = now
            self.deadline = now + self.limits.request_seconds
        self.h11.receive_data(data)
        self.process(app, now)

    def process(self, app: App, now: float) -> None:
        """Handle every event h11 can give until it needs more data."""
        while not self.closed and not self.closing and not self.outbound:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as error:
                self.refuse(app, _protocol_error(error, self.h11), now)
                return
            if event is h11.NEED_DATA:
                return
            if event is h11.PAUSED:
                self._next_cycle(now)
                continue
            if isinstance(event, h11.Request):
                self._start_request(event, app, now)
            elif isinstance(event, h11.Data):
                self.body += event.data
                if len(self.body) > MAX_BODY_BYTES:
                    self.refuse(app, payload_too_large(), now)
            elif isinstance(event, h11.EndOfMessage):
                self.answer(app.handle(self._complete_request()), now)
            elif isinstance(event, h11.ConnectionClosed):
                self.close()

    def _start_request(self, request: h11.Request, app: App, now: float) -> None:
        self.request = request
        self.body.clear()
        # h11 bounds only what has not fully arrived; a whole head can be bigger.
        if len(request.target) > MAX_REQUEST_LINE_BYTES:
            self.refuse(app, _uri_too_long(), now)
        elif len(request.headers) > MAX_HEADERS or _head_bytes(request) > self.limits.max_header_bytes:
            too_large = f"over {MAX_HEADERS} header fields or {self.limits.max_header_bytes} bytes of them"
            self.refuse(app, HTTPError(431, "headers_too_large", too_large), now)
        elif _request(request, b"").declares_too_much():
            # Refused before a byte of the body is read; the unread body
            # leaves the connection unusable, so it closes.
            self.refuse(app, payload_too_large(), now)
        elif self.h11.they_are_waiting_for_100_continue:
            self.outbound += self.h11.send(h11.InformationalResponse(status_code=100, headers=[]))

    def answer(self, response: Response, now: float) -> None:
        """Queue the app's answer to a complete request; h11 decides whether
        the connection stays open after it."""
        reason = HTTPStatus(response.status).phrase.encode()
        head = h11.Response(status_code=response.status, headers=response.header_list(), reason=reason)
        self.outbound += self.h11.send(head)
        if response.body:
            self.outbound += self.h11.send(h11.Data(data=response.body))
        self.outbound += self.h11.send(h11.EndOfMessage())
        self.deadline = now + self.limits.write_seconds

    def refuse(self, app: App, error: HTTPError, now: float) -> None:
        """Answer with a JSON error and close once it is sent. Written without
        h11, which has no answer for a request it could not parse or that has
        not fully arrived."""
        response = app.refuse(error, None if self.request is None else _request(self.request, b""))
        head = [f"HTTP/1.1 {response.status} {HTTPStatus(response.status).phrase}"]
        head += [f"{name}: {value}" for name, value in [*response.header_list(), ("connection", "close")]]
        self.outbound += ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + response.body
        self.closing = True
        self.deadline = now + self.limits.write_seconds

    def send(self, app: App, now: float) -> None:
        try:
            sent = self.sock.send(self.outbound)
        except BlockingIOError:
            return
        except OSError:
            self.close()
            return
        del self.outbound[:sent]
        self.deadline = now + self.limits.write_seconds
        if not self.outbound:
            self._next_cycle(now)
            # A pipelined request may already wait in h11's buffer.
            self.process(app, now)

    def _next_cycle(self, now: float) -> None:
        """After a complete answer: close, or get ready for the next request."""
        if self.closing or self.h11.our_state is h11.MUST_CLOSE or self.h11.their_state is h11.MUST_CLOSE:
            self.close()
            return
        if self.h11.our_state is not h11.DONE or self.h11.their_state is not h11.DONE:
            return
        self.h11.start_next_cycle()
        self.request = None
        self.body.clear()
        pending, _ = self.h11.trailing_data
        self.request_started = now if pending else None
        self.deadline = now + (self.limits.request_seconds if pending else self.limits.idle_seconds)

    def expire(self, app: App, now: float) -> None:
        """Past the deadline: a request still arriving gets 408; an idle
        connection, or one whose client stopped reading, closes."""
        if self.request_started is not None and not self.outbound and not self.closing:
            self.refuse(app, request_timeout(), now)
            return
        self.close()

    def _complete_request(self) -> Request:
        assert self.request is not None
        return _request(self.request, bytes(self.body))

    def close(self) -> None:
        """Done with: the server unregisters and closes the socket."""
        self.closed = True


class Server:
    def __init__(self, app: App, listener: socket.socket, limits: Limits = Limits()) -> None:
        self.app = app
        self.listener = listener
        self.limits = limits
        self.connections: dict[socket.socket, Connection] = {}
        self.selector = selectors.DefaultSelector()
        listener.setblocking(False)
        self.selector.register(listener, selectors.EVENT_READ)
        self.accepting = True

    def serve_forever(self) -> None:
        while True:
            self.serve_once()

    def close(self) -> None:
        """Drop every connection and stop listening."""
        for connection in list(self.connections.values()):
            connection.close()
            self._watch(connection)
        self.selector.close()
        self.listener.close()

    def serve_once(self) -> None:
        now = time.monotonic()
        timeout = max(0.0, min((c.deadline for c in self.connections.values()), default=now + 1.0) - now)
        for key, events in self.selector.select(timeout):
            now = time.monotonic()
            if key.fileobj is self.listener:
                self._accept(now)
                continue
            connection = self.connections[key.fileobj]  # type: ignore[index]
            if events & selectors.EVENT_WRITE and connection.wants_to_write():
                connection.send(self.app, now)
            elif events & selectors.EVENT_READ:
                connection.receive(self.app, now)
            self._watch(connection)
        now = time.monotonic()
        if late := [c for c in self.connections.values() if c.deadline <= now]:
            # The app may have held the loop past their deadlines (a slow
            # database): one whose client has sent something is read first.
            waiting = {key.fileobj for key, _ in self.selector.select(0)}
            for connection in late:
                if connection.sock not in waiting or connection.closing:
                    connection.expire(self.app, now)
                    self._watch(connection)
        self._throttle()

    def _accept(self, now: float) -> None:
        while len(self.connections) < self.limits.max_connections:
            try:
                sock, _ = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            sock.setblocking(False)
            self.connections[sock] = Connection(sock, self.limits, now)
            self.selector.register(sock, selectors.EVENT_READ)

    def _watch(self, connection: Connection) -> None:
        """Keep the selector in step with what the connection waits for."""
        if connection.closed:
            self.selector.unregister(connection.sock)
            connection.sock.close()
            del self.connections[connection.sock]
            return
        wanted = selectors.EVENT_WRITE if connection.wants_to_write() else selectors.EVENT_READ
        if self.selector.get_key(connection.sock).events != wanted:
            self.selector.modify(connection.sock, wanted)

    def _throttle(self) -> None:
        """Stop accepting at the connection limit; the backlog holds the rest."""
        full = len(self.connections) >= self.limits.max_connections
        if full and self.accepting:
            self.selector.unregister(self.listener)
        elif not full and not self.accepting:
            self.selector.register(self.listener, selectors.EVENT_READ)
        self.accepting = not full


def listen(host: str, port: int, backlog: int = Limits.backlog) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(backlog)
    return listener


def _request(request: h11.Request, body: bytes) -> Request:
    path, _, query = request.target.decode("latin-1").partition("?")
    headers: dict[str, str] = {}
    for name, value in request.headers:
        key = name.decode("latin-1")
        headers[key] = f"{headers[key]}, {value.decode('latin-1')}" if key in headers else value.decode("latin-1")
    return Request(method=request.method.decode("ascii"), path=path, query_string=query, headers=headers, body=body)


def _uri_too_long() -> HTTPError:
    return HTTPError(414, "uri_too_long", f"the request line is over {MAX_REQUEST_LINE_BYTES} bytes")


def _head_bytes(request: h11.Request) -> int:
    return sum(len(name) + len(value) + 4 for name, value in request.headers)


def _protocol_error(error: h11.RemoteProtocolError, connection: h11.Connection) -> HTTPError:
    status = error.error_status_hint
    pending, _ = connection.trailing_data
    if status == 431 and len(pending.partition(b"\r\n")[0]) > MAX_REQUEST_LINE_BYTES:
        return _uri_too_long()
    if status == 431:
        return HTTPError(431, "headers_too_large", f"malformed HTTP request: {error}")
    return bad_request(f"malformed HTTP request: {error}")
