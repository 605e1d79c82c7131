"""The wasm adapter: the order service as a wasi:http/proxy component.

componentize-py runs this module's top level at build time and snapshots it,
so it imports everything needed later and reads no configuration here.
"""

from __future__ import annotations

import encodings.idna  # noqa: F401  PyMySQL connects fail without it: "unknown encoding: idna"
import logging
from urllib.parse import unquote

import pymysql  # noqa: F401  imported by the dialect only when an engine is created
import sqlalchemy.dialects.mysql.pymysql  # noqa: F401  loaded by name at engine creation
from componentize_py_types import Err, Ok
from poll_loop import Sink, Stream
from wasi_httpx import WasiHTTPTransport, release, run
from wit_world import exports
from wit_world.imports.streams import StreamError_Closed
from wit_world.imports.types import (
    Fields,
    IncomingRequest,
    Method,
    Method_Other,
    OutgoingBody,
    OutgoingResponse,
    ResponseOutparam,
)

from orders.app import App
from orders.http import MAX_BODY_BYTES, Request, Response, internal_error
from orders.logs import configure as configure_logging

logger = logging.getLogger("orders.wasi")

# Methods whose request body no route here reads.
_METHODS_WITHOUT_BODY = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})

configure_logging()
app = App(http_transport=WasiHTTPTransport())


class IncomingHandler(exports.IncomingHandler):
    def handle(self, request: IncomingRequest, response_out: ResponseOutparam) -> None:
        # Anything uncaught would trap the instance and reach the client as an
        # HTML 500, so every failure becomes a JSON response here. The app runs
        # outside any poll loop, so that its outbound httpx calls (through
        # WasiHTTPTransport) can run loops of their own.
        try:
            response = app.handle(run(_request(request)))
        except Exception:
            logger.exception("adapter failure")
            response = internal_error().to_response()
        try:
            outgoing = _outgoing_response(response)
        except Exception:
            logger.exception("response headers refused by the host")
            response = internal_error().to_response()
            outgoing = _outgoing_response(response)
        body = outgoing.body()
        ResponseOutparam.set(response_out, Ok(outgoing))
        try:
            run(_write_body(body, response.body))
        except Exception:
            # The status line is already on its way; all that is left is to log.
            logger.exception("failed writing the response body")


def _outgoing_response(response: Response) -> OutgoingResponse:
    outgoing = OutgoingResponse(Fields.from_list([(name, value.encode()) for name, value in response.header_list()]))
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


async def _request(incoming: IncomingRequest) -> Request:
    path, _, query = (incoming.path_with_query() or "/").partition("?")
    headers = {name.lower(): value.decode("latin-1") for name, value in incoming.headers().entries()}
    # wasmtime drops Transfer-Encoding before the guest sees it, so a chunked
    # body shows only as a missing Content-Length. Reading nothing when no body
    # can matter spares a GET the body stream's host calls.
    method = _method_name(incoming.method())
    declared = headers.get("content-length")
    has_body = declared != "0" if declared is not None else method not in _METHODS_WITHOUT_BODY
    return Request(
        method=method,
        path=unquote(path),
        query_string=query,
        headers=headers,
        body=await _read_body(Stream(incoming.consume())) if has_body else b"",
    )


async def _read_body(stream: Stream) -> bytes:
    """Read at most MAX_BODY_BYTES + 1 bytes; the app answers 413 beyond that."""
    chunks: list[bytes] = []
    size = 0
    try:
        while size <= MAX_BODY_BYTES and (chunk := await stream.next()) is not None:
            chunks.append(chunk)
            size += len(chunk)
    finally:
        release(stream)
    return b"".join(chunks)


def _method_name(method: Method) -> str:
    if isinstance(method, Method_Other):
        return method.value
    return type(method).__name__.removeprefix("Method_").upper()
