"""The browser client: three static files, read once at import (so, in the
component, at build time: they travel inside every artifact and no host file
is opened at run time), served under /ui/ with their content types, an ETag
and headers that keep the page to itself."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..http import Request, Response
from ..routing import Endpoint

_CONTENT_TYPES = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}
# The page talks to its own service, or to the one ?api= names.
_POLICY = "default-src 'self'; connect-src 'self' http: https:; frame-ancestors 'none'; base-uri 'none'"


@dataclass(frozen=True)
class Asset:
    body: bytes
    headers: tuple[tuple[str, str], ...]

    @classmethod
    def read(cls, name: str) -> Asset:
        body = Path(__file__).with_name(name).read_bytes()
        etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        headers = (
            ("content-type", _CONTENT_TYPES[name]),
            ("etag", etag),
            # Revalidate every time: a 304 is cheap, and a new release shows at once.
            ("cache-control", "no-cache"),
            ("x-content-type-options", "nosniff"),
            ("content-security-policy", _POLICY),
            ("referrer-policy", "no-referrer"),
        )
        return cls(body, headers)

    @property
    def etag(self) -> str:
        return dict(self.headers)["etag"]


ASSETS = {name: Asset.read(name) for name in _CONTENT_TYPES}


def serve(name: str) -> Endpoint:
    """The endpoint for one file: 304 when the browser's copy is current."""
    asset = ASSETS[name]

    def endpoint(request: Request, store: object) -> Response:
        if request.header("if-none-match") == asset.etag:
            return Response(304, headers=asset.headers)
        return Response(200, asset.body, asset.headers)

    return endpoint


def to_the_page(request: Request, store: object) -> Response:
    """/ui to /ui/, where the page's relative links resolve."""
    return Response(308, headers=(("location", "/ui/"),))
