"""gunicorn's gevent worker, answering what gunicorn refuses itself (a bad
request line, headers too large, a malformed chunk) with the service's JSON
errors instead of gunicorn's HTML page, logged with a request id like any
other answer."""

from __future__ import annotations

import socket
from http import HTTPStatus
from typing import Any

from gunicorn.http import errors
from gunicorn.workers.ggevent import GeventWorker
from wsgi_adapter import app

from orders.http import HTTPError, Request

LINGER_SECONDS = 0.5
LINGER_BYTES = 256 * 1024
# gunicorn's own refusals, by the status it gives them; 400 for the rest.
_STATUSES: tuple[tuple[type[Exception], int, str], ...] = (
    (errors.LimitRequestLine, 414, "uri_too_long"),
    (errors.LimitRequestHeaders, 431, "headers_too_large"),
    (errors.ExpectationFailed, 417, "expectation_failed"),
    (errors.UnsupportedTransferCoding, 501, "not_implemented"),
    (errors.ParseException, 400, "bad_request"),
)


class JSONErrorsGeventWorker(GeventWorker):  # type: ignore[misc]
    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        status, code = next(((s, c) for kind, s, c in _STATUSES if isinstance(exc, kind)), (500, "internal_error"))
        if status == 500:
            self.log.exception("error handling a request")
        message = f"malformed HTTP request: {exc}" if status < 500 else "unexpected server error"
        known = Request(req.method, req.path) if req is not None and getattr(req, "method", None) else None
        response = app.refuse(HTTPError(status, code, message), known)
        head = [f"HTTP/1.1 {response.status} {HTTPStatus(response.status).phrase}"]
        head += [f"{name}: {value}" for name, value in [*response.header_list(), ("connection", "close")]]
        try:
            client.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + response.body)
            _linger(client)
        except OSError:
            self.log.debug("the client left before its error was sent")


def _linger(client: Any) -> None:
    """Close gently: stop sending, then read off what the client still sends
    for a moment. Closing with unread bytes would reset the connection, and the
    client could lose the answer."""
    client.shutdown(socket.SHUT_WR)
    client.settimeout(LINGER_SECONDS)
    drained = 0
    while drained < LINGER_BYTES and (data := client.recv(65536)):
        drained += len(data)
