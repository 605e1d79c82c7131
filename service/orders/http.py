"""Host-agnostic HTTP primitives: Request, Response and HTTPError.

Both adapters (wasi:http and WSGI) translate their host's request into a
`Request` and write the returned `Response` back. Every error a client sees is
JSON of the form ``{"error": {"code", "message", "details"}}``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

MAX_BODY_BYTES = 1024 * 1024

JSON_CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query_string: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    path_params: dict[str, int] = field(default_factory=dict)

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.query_string, keep_blank_values=True)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    def header_list(self) -> list[tuple[str, str]]:
        """Headers as sent, with content-length always set."""
        return [*self.headers, ("content-length", str(len(self.body)))]


class HTTPError(Exception):
    """An error that becomes a JSON error response."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Any = None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers

    def to_response(self) -> Response:
        body = {"error": {"code": self.code, "message": self.message, "details": self.details}}
        return json_response(body, status=self.status, headers=self.headers)


def encode_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=False).encode()


def json_response(value: Any, status: int = 200, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    return Response(status, encode_json(value), (("content-type", JSON_CONTENT_TYPE), *headers))


def payload_too_large() -> HTTPError:
    return HTTPError(
        413, "payload_too_large", f"request body exceeds {MAX_BODY_BYTES} bytes", {"limit": MAX_BODY_BYTES}
    )


def internal_error() -> HTTPError:
    return HTTPError(500, "internal_error", "unexpected server error")
