"""The native adapter: the order service as a WSGI application.

Serve it with gunicorn: ``gunicorn -c service/gunicorn.conf.py wsgi_adapter:application``.

The path is routed as the client sent it (gunicorn's RAW_URI, when there is
one), so an encoded slash stays encoded. A declared body over the limit is
refused before it is read, and reading a body has a deadline.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterable
from dataclasses import replace
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

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

logger = logging.getLogger("orders.wsgi")

StartResponse = Callable[[str, list[tuple[str, str]]], Any]

configure_logging()
app = App()


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    response = answer(app, environ)
    start_response(f"{response.status} {HTTPStatus(response.status).phrase}", response.header_list())
    return [response.body]


def answer(app: App, environ: dict[str, Any]) -> Response:
    try:
        request = _request(environ)
    except Exception:
        logger.exception("adapter failure")
        return app.refuse(internal_error())
    if environ.get("SERVER_PROTOCOL") == "HTTP/1.1" and request.header("host") is None:
        # RFC 9112 section 3.2; gunicorn lets it through, h11 and wasmtime do not.
        return app.refuse(bad_request("an HTTP/1.1 request needs a Host header"), request)
    if request.declares_too_much():
        return app.refuse(payload_too_large(), request)
    try:
        body = _body(environ)
    except TimeoutError:
        return app.refuse(request_timeout(), request)
    except Exception as error:
        # The server could not frame the body (a bad chunk size, say), or the
        # client left: the client's doing either way.
        return app.refuse(bad_request(f"malformed request body ({type(error).__name__})"), request)
    return app.handle(replace(request, body=body))


def _request(environ: dict[str, Any]) -> Request:
    headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    raw_path = environ.get("RAW_URI", "").partition("?")[0] or quote(_wsgi_text(environ.get("PATH_INFO", "")))
    return Request(
        method=environ["REQUEST_METHOD"],
        path=raw_path or "/",
        query_string=_wsgi_text(environ.get("QUERY_STRING", "")),
        headers=headers,
    )


def _body(environ: dict[str, Any]) -> bytes:
    """At most MAX_BODY_BYTES + 1 bytes, each read bounded by
    REQUEST_TIMEOUT_SECONDS on the client's socket when the server shares it
    (gunicorn does)."""
    client = environ.get("gunicorn.socket")
    if isinstance(client, socket.socket):
        client.settimeout(REQUEST_TIMEOUT_SECONDS)
    body: bytes = environ["wsgi.input"].read(MAX_BODY_BYTES + 1)
    return body


def _wsgi_text(value: str) -> str:
    """PEP 3333 hands text over as latin-1 decoded bytes; recover the UTF-8."""
    return value.encode("latin-1").decode("utf-8", "replace")
