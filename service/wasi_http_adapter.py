"""The wasm adapter: the order service as a wasi:http/proxy component.

componentize-py runs this module's top level at build time and snapshots it,
so it imports everything needed later and reads no configuration here.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import preload  # noqa: F401  what the first request would import, into the snapshot
from componentize_py_types import Err, Ok
from poll_loop import Sink
from wasi_httpx import WasiHTTPTransport
from wasi_poll import run
from wit_world import exports
from wit_world.imports import monotonic_clock, poll
from wit_world.imports.poll import Pollable
from wit_world.imports.streams import InputStream, StreamError_Closed
from wit_world.imports.types import (
    Fields,
    IncomingBody,
    IncomingRequest,
    Method,
    Method_Head,
    Method_Other,
    OutgoingBody,
    OutgoingResponse,
    ResponseOutparam,
)

from orders.app import App
from orders.http import (
    MAX_BODY_BYTES,
    REQUEST_TIMEOUT_SECONDS,
    Request,
    Response,
    bad_request,
    internal_error,
    payload_too_large,
    request_timeout,
)
from orders.logs import configure as configure_logging

logger = logging.getLogger("orders.wasi")

READ_BYTES = 64 * 1024

configure_logging()


class IncomingHandler(exports.IncomingHandler):
    """Test and profiling builds subclass it with an `app` of their own."""

    app = App(http_transport=WasiHTTPTransport())

    def handle(self, request: IncomingRequest, response_out: ResponseOutparam) -> None:
        # Anything uncaught would trap the instance and reach the client as an
        # HTML 500, so every failure becomes a JSON response here. The app runs
        # outside any poll loop, so that its outbound httpx calls (through
        # WasiHTTPTransport) can run loops of their own.
        response = self._answer(request)
        head = isinstance(request.method(), Method_Head)
        try:
            outgoing = _outgoing_response(response, head)
        except Exception:
            logger.exception("response headers refused by the host")
            response = self.app.refuse(internal_error())
            outgoing = _outgoing_response(response, head)
        body = outgoing.body()
        ResponseOutparam.set(response_out, Ok(outgoing))
        try:
            run(_write_body(body, response.body))
        except Exception:
            # The status line is already on its way; all that is left is to log.
            logger.exception("failed writing the response body")

    def _answer(self, incoming: IncomingRequest) -> Response:
        try:
            request = _request_head(incoming)
        except Exception:
            logger.exception("adapter failure")
            return self.app.refuse(internal_error())
        if request.declares_too_much():
            return self.app.refuse(payload_too_large(), request)
        try:
            body = _read_body(incoming.consume())
        except TimeoutError:
            return self.app.refuse(request_timeout(), request)
        except Err as error:
            # The host could not frame the body (a bad chunk size, say), or
            # the client left: the client's doing either way.
            return self.app.refuse(bad_request(f"malformed request body ({type(error.value).__name__})"), request)
        return self.app.handle(replace(request, body=body))


def _outgoing_response(response: Response, head: bool) -> OutgoingResponse:
    """wasmtime holds a body to its Content-Length, and HEAD sends none: the
    answer to HEAD goes without one."""
    kept = [(name, value) for name, value in response.header_list() if not (head and name == "content-length")]
    headers = [(name, value.encode()) for name, value in kept]
    outgoing = OutgoingResponse(Fields.from_list(headers))
    outgoing.set_status_code(response.status)
    return outgoing


async def _write_body(body: OutgoingBody, data: bytes) -> None:
    # componentize-py's Err is a frozen dataclass: handle it here, never let a
    # context manager re-raise it (contextlib would assign its __traceback__).
    sink = Sink(body)
    try:
        await sink.send(data)
    except Err as error:
        # The host closes the body stream once content-length bytes are
        # written, or when the client goes away: nothing is left to send.
        if not isinstance(error.value, StreamError_Closed):
            raise
    try:
        sink.close()
    except Err as error:
        logger.warning("response body cut short: %s", error.value)


def _request_head(incoming: IncomingRequest) -> Request:
    """The request without its body; the path as sent, still percent-encoded."""
    path, _, query = (incoming.path_with_query() or "/").partition("?")
    headers = {name.lower(): value.decode("latin-1") for name, value in incoming.headers().entries()}
    # wasmtime moves Host into the request's authority.
    if "host" not in headers and (authority := incoming.authority()):
        headers["host"] = authority
    return Request(method=_method_name(incoming.method()), path=path, query_string=query, headers=headers)


def _read_body(body: IncomingBody) -> bytes:
    """At most MAX_BODY_BYTES + 1 bytes; the app answers 413 beyond that.

    Every request's body is read, even a GET's: wasmtime drops
    Transfer-Encoding, so a chunked body is invisible in the headers, and one
    left unread stalls the next request on the connection. A body that has not
    arrived within REQUEST_TIMEOUT_SECONDS raises TimeoutError: a stalled client must not
    hold one of the server's few instances.
    """
    stream = body.stream()
    deadline = monotonic_clock.subscribe_duration(int(REQUEST_TIMEOUT_SECONDS * 1e9))
    chunks: list[bytes] = []
    size = 0
    try:
        while size <= MAX_BODY_BYTES:
            try:
                chunk = stream.read(READ_BYTES)
            except Err as error:
                if isinstance(error.value, StreamError_Closed):
                    break
                raise
            if chunk:
                chunks.append(chunk)
                size += len(chunk)
            elif not _ready_before(stream, deadline):
                raise TimeoutError
    finally:
        # Children before parents, or the host traps ("resource has children").
        deadline.__exit__(None, None, None)
        stream.__exit__(None, None, None)
        body.__exit__(None, None, None)
    return b"".join(chunks)


def _ready_before(stream: InputStream, deadline: Pollable) -> bool:
    """Wait until the stream has data or the deadline passes; True for data."""
    readable = stream.subscribe()
    try:
        return 0 in poll.poll([readable, deadline])
    finally:
        readable.__exit__(None, None, None)


def _method_name(method: Method) -> str:
    if isinstance(method, Method_Other):
        return method.value
    return type(method).__name__.removeprefix("Method_").upper()
