"""The native adapter: the order service as a WSGI application.

Serve it with gunicorn: ``gunicorn -c service/gunicorn.conf.py wsgi_adapter:application``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from orders.app import App
from orders.http import MAX_BODY_BYTES, Request, internal_error
from orders.logs import configure as configure_logging

logger = logging.getLogger("orders.wsgi")

StartResponse = Callable[[str, list[tuple[str, str]]], Any]

configure_logging()
app = App()


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    try:
        response = app.handle(_request(environ))
    except Exception:
        logger.exception("adapter failure")
        response = internal_error().to_response()
    start_response(f"{response.status} {HTTPStatus(response.status).phrase}", response.header_list())
    return [response.body]


def _request(environ: dict[str, Any]) -> Request:
    headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    return Request(
        method=environ["REQUEST_METHOD"],
        path=_wsgi_text(environ.get("PATH_INFO", "")) or "/",
        query_string=_wsgi_text(environ.get("QUERY_STRING", "")),
        headers=headers,
        body=environ["wsgi.input"].read(MAX_BODY_BYTES + 1),
    )


def _wsgi_text(value: str) -> str:
    """PEP 3333 hands text over as latin-1 decoded bytes; recover the UTF-8."""
    return value.encode("latin-1").decode("utf-8", "replace")
