"""Host-agnostic HTTP primitives: Request, Response and HTTPError, and the
strict reading of a JSON request body.

Every adapter translates its host's request into a `Request` and writes the
returned `Response` back. Every error a client sees is JSON of the form
``{"error": {"code", "message", "details"}}``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

MAX_BODY_BYTES = 1024 * 1024
# Every server gives a client this long to send its request, once it has begun.
REQUEST_TIMEOUT_SECONDS = 10.0

JSON_CONTENT_TYPE = "application/json"
JSON_BODY_CONTENT_TYPES = frozenset(
    # curl -d sends form-urlencoded; the classic demo flow must keep working.
    {JSON_CONTENT_TYPE, "application/x-www-form-urlencoded", "text/plain"}
)
# Valid payloads nest two levels deep. The bound also keeps the C JSON scanner
# from overflowing the component's fixed wasm stack, which would trap.
MAX_JSON_DEPTH = 32
# Decimal exponents beyond this are refused on every host: a 32-bit wasm
# decimal cannot hold beyond about 4.25e8, a 64-bit one can.
MAX_NUMBER_EXPONENT = 10**6
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")


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

    def declares_too_much(self) -> bool:
        """Its Content-Length is over the limit: adapters refuse it unread."""
        declared = self.header("content-length") or ""
        return declared.isdigit() and int(declared) > MAX_BODY_BYTES


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    def header_list(self) -> list[tuple[str, str]]:
        """Headers as sent: content-length is the body's unless set already,
        and never on a 204 or 304 (RFC 9110)."""
        if self.status in (204, 304) or any(name == "content-length" for name, _ in self.headers):
            return list(self.headers)
        return [*self.headers, ("content-length", str(len(self.body)))]

    def for_head(self) -> Response:
        """The answer to HEAD: the GET answer's headers, its length, no body."""
        return Response(self.status, b"", tuple(self.header_list()))


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
    """Compact UTF-8 JSON. Text with lone surrogates (a client may send them,
    escaped, and an error may repeat them) cannot be UTF-8: it goes out as
    ASCII with escapes, which is still valid JSON."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    try:
        return text.encode()
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":"), allow_nan=False).encode()


def json_response(value: Any, status: int = 200, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    return Response(status, encode_json(value), (("content-type", JSON_CONTENT_TYPE), *headers))


def payload_too_large() -> HTTPError:
    return HTTPError(
        413, "payload_too_large", f"request body exceeds {MAX_BODY_BYTES} bytes", {"limit": MAX_BODY_BYTES}
    )


def request_timeout() -> HTTPError:
    return HTTPError(408, "request_timeout", f"the request did not arrive within {REQUEST_TIMEOUT_SECONDS:g} s")


def bad_request(message: str) -> HTTPError:
    """A request the server could not frame (bad chunking, no Host, ...)."""
    return HTTPError(400, "bad_request", message)


def internal_error() -> HTTPError:
    return HTTPError(500, "internal_error", "unexpected server error")


def parse_json_body(request: Request) -> Any:
    """The request body as JSON, or a 400/415 HTTPError.

    Floats become Decimal so money is never rounded on the way in. NaN,
    Infinity, duplicate keys, invalid UTF-8 and absurd nesting are refused.
    """
    content_type = (request.header("content-type") or JSON_CONTENT_TYPE).split(";")[0].strip().lower()
    if content_type not in JSON_BODY_CONTENT_TYPES and not content_type.endswith("+json"):
        raise HTTPError(
            415,
            "unsupported_media_type",
            f"expected a JSON body, got content-type {content_type!r}",
            {"accepted": sorted(JSON_BODY_CONTENT_TYPES)},
        )
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _malformed(f"body is not valid UTF-8 (byte {error.start})") from None
    if _nested_deeper_than(MAX_JSON_DEPTH, text):
        raise _malformed(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(
            text,
            parse_float=_decimal,
            parse_constant=_refuse_constant,
            object_pairs_hook=_object_without_duplicate_keys,
        )
    except json.JSONDecodeError as error:
        raise _malformed(f"{error.msg} at line {error.lineno} column {error.colno}") from None
    except ValueError as error:
        raise _malformed(str(error)) from None


def _nested_deeper_than(limit: int, text: str) -> bool:
    depth = 0
    for bracket in _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > limit:
            return True
    return False


def _malformed(message: str) -> HTTPError:
    return HTTPError(400, "malformed_json", message)


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except ArithmeticError:
        value = Decimal("Infinity")
    if not value.is_finite() or abs(value.adjusted()) > MAX_NUMBER_EXPONENT:
        raise ValueError(f"number {text[:40]} is out of range")
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _object_without_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result
