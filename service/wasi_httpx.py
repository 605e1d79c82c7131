"""An httpx transport that sends requests through wasi:http's outgoing-handler.

    client = httpx.Client(transport=WasiHTTPTransport(), trust_env=False)

The same httpx code then runs natively (with httpx's own transport) and inside
a WASI 0.2 component built by componentize-py for a world that imports
``wasi:http/outgoing-handler@0.2.0``, such as ``wasi:http/proxy``. It uses the
``poll_loop`` module that componentize-py generates with the bindings, through
``wasi_poll.py``.

- Request bodies are streamed to the host; response bodies are streamed back
  into ``httpx.Response`` as they arrive.
- httpx's connect and read timeouts become wasi:http's connect, first-byte
  and between-bytes timeouts. wasi:http has no write timeout.
- Host errors become httpx's exceptions: ``ConnectError``,
  ``ConnectTimeout``, ``ReadTimeout``, ``RemoteProtocolError``...
- Only the synchronous ``httpx.Client``. Call it from synchronous code: each
  call runs a poll loop of its own and must not run inside another one.
- ``trust_env=False`` keeps httpx from building proxy transports, which need
  the ``ssl`` module that components lack.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable, Iterator
from typing import Any, TypeVar

import httpx
from componentize_py_types import Err
from poll_loop import Sink, Stream, register
from wasi_poll import release, run
from wit_world.imports import outgoing_handler, types
from wit_world.imports.streams import StreamError_Closed, StreamError_LastOperationFailed

__all__ = ["WasiHTTPTransport"]

T = TypeVar("T")

# Connection-level headers belong to the host's HTTP stack, which refuses them.
_FORBIDDEN_HEADERS = frozenset(
    {"connection", "host", "http2-settings", "keep-alive", "proxy-connection", "te", "transfer-encoding", "upgrade"}
)
_METHODS: dict[str, types.Method] = {
    "GET": types.Method_Get(),
    "HEAD": types.Method_Head(),
    "POST": types.Method_Post(),
    "PUT": types.Method_Put(),
    "DELETE": types.Method_Delete(),
    "CONNECT": types.Method_Connect(),
    "OPTIONS": types.Method_Options(),
    "TRACE": types.Method_Trace(),
    "PATCH": types.Method_Patch(),
}
_ERRORS: dict[type, type[httpx.TransportError]] = {
    types.ErrorCode_DnsTimeout: httpx.ConnectTimeout,
    types.ErrorCode_DnsError: httpx.ConnectError,
    types.ErrorCode_DestinationNotFound: httpx.ConnectError,
    types.ErrorCode_DestinationUnavailable: httpx.ConnectError,
    types.ErrorCode_DestinationIpProhibited: httpx.ConnectError,
    types.ErrorCode_DestinationIpUnroutable: httpx.ConnectError,
    types.ErrorCode_ConnectionRefused: httpx.ConnectError,
    types.ErrorCode_ConnectionLimitReached: httpx.ConnectError,
    types.ErrorCode_HttpRequestDenied: httpx.ConnectError,
    types.ErrorCode_ConnectionTimeout: httpx.ConnectTimeout,
    types.ErrorCode_ConnectionReadTimeout: httpx.ReadTimeout,
    types.ErrorCode_HttpResponseTimeout: httpx.ReadTimeout,
    types.ErrorCode_ConnectionWriteTimeout: httpx.WriteTimeout,
    types.ErrorCode_ConnectionTerminated: httpx.RemoteProtocolError,
    types.ErrorCode_HttpResponseIncomplete: httpx.RemoteProtocolError,
    types.ErrorCode_HttpProtocolError: httpx.RemoteProtocolError,
    types.ErrorCode_HttpRequestMethodInvalid: httpx.UnsupportedProtocol,
    types.ErrorCode_HttpRequestUriInvalid: httpx.UnsupportedProtocol,
}


class WasiHTTPTransport(httpx.BaseTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(request.stream, httpx.SyncByteStream):
            raise TypeError("WasiHTTPTransport serves httpx.Client, not httpx.AsyncClient")
        outgoing = _outgoing_request(request)
        future = _run(_send(outgoing, request.stream, _options(request)), request)
        incoming = _run(_response(future), request)
        return httpx.Response(
            incoming.status(),
            headers=[(name.encode("latin-1"), value) for name, value in incoming.headers().entries()],
            stream=_ResponseStream(request, future, incoming),
            extensions={"http_version": b"HTTP/1.1"},
        )


class _ResponseStream(httpx.SyncByteStream):
    """The incoming body, read chunk by chunk as httpx asks for it."""

    def __init__(
        self, request: httpx.Request, future: types.FutureIncomingResponse, incoming: types.IncomingResponse
    ) -> None:
        self._request = request
        self._resources: list[Any] = [future, incoming]
        self._stream = Stream(incoming.consume())

    def __iter__(self) -> Iterator[bytes]:
        while (chunk := _run(self._stream.next(), self._request)) is not None:
            yield chunk

    def close(self) -> None:
        release(self._stream)
        while self._resources:
            self._resources.pop().__exit__(None, None, None)


def _outgoing_request(request: httpx.Request) -> types.OutgoingRequest:
    headers = [
        (name.decode("latin-1"), value)
        for name, value in request.headers.raw
        if name.decode("latin-1").lower() not in _FORBIDDEN_HEADERS
    ]
    outgoing = types.OutgoingRequest(types.Fields.from_list(headers))
    outgoing.set_method(_METHODS.get(request.method) or types.Method_Other(request.method))
    scheme = request.url.scheme
    outgoing.set_scheme(
        types.Scheme_Http()
        if scheme == "http"
        else types.Scheme_Https()
        if scheme == "https"
        else types.Scheme_Other(scheme)
    )
    outgoing.set_authority(request.url.netloc.decode("ascii"))
    outgoing.set_path_with_query(request.url.raw_path.decode("ascii"))
    return outgoing


def _options(request: httpx.Request) -> types.RequestOptions:
    timeouts = request.extensions.get("timeout", {})
    options = types.RequestOptions()
    for setter, seconds in (
        (options.set_connect_timeout, timeouts.get("connect")),
        (options.set_first_byte_timeout, timeouts.get("read")),
        (options.set_between_bytes_timeout, timeouts.get("read")),
    ):
        if seconds is not None:
            setter(int(seconds * 1e9))
    return options


async def _send(
    outgoing: types.OutgoingRequest, body: Iterable[bytes], options: types.RequestOptions
) -> types.FutureIncomingResponse:
    """Hand the request to the host, then stream its body out. A server may
    answer before it has read the whole body; the response then says why."""
    outgoing_body = outgoing.body()
    future = outgoing_handler.handle(outgoing, options)
    sink = Sink(outgoing_body)
    try:
        for chunk in body:
            if chunk:
                await sink.send(chunk)
    except Err as error:
        if not isinstance(error.value, StreamError_Closed):
            raise
    sink.close()
    return future


async def _response(future: types.FutureIncomingResponse) -> types.IncomingResponse:
    loop = asyncio.get_event_loop()
    while (result := future.get()) is None:
        await register(loop, future.subscribe())  # type: ignore[arg-type]
    if isinstance(result, Err):
        raise result  # the response was already taken
    if isinstance(result.value, Err):
        raise result.value  # the host's error code
    response: types.IncomingResponse = result.value.value
    return response


def _run(coroutine: Coroutine[Any, Any, T], request: httpx.Request) -> T:
    """`run`, with host errors as httpx's."""
    try:
        return run(coroutine)
    except Err as error:
        raise _httpx_error(error.value, request) from None


def _httpx_error(value: Any, request: httpx.Request) -> httpx.TransportError:
    if isinstance(value, StreamError_Closed):
        return httpx.RemoteProtocolError("the connection closed before the body ended", request=request)
    if isinstance(value, StreamError_LastOperationFailed):
        # A body stream failed: wasi:http says why, when it knows.
        value = types.http_error_code(value.value) or value
    error_class = _ERRORS.get(type(value), httpx.TransportError)
    return error_class(f"wasi:http: {type(value).__name__.removeprefix('ErrorCode_')}", request=request)
