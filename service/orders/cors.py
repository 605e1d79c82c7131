"""Browser origins: which may call the API from their pages (CORS), and which
may change its state.

Nothing is allowed by default: `ORDERS_CORS_ORIGINS` lists the origins that
are. The service's own origin (the one its `Host` names, as when it serves its
own page) is always allowed.

CORS only hides answers from a page; it does not stop a browser from sending
a "simple" request (a GET, or a form or text/plain POST) to any origin. So a
request that would change state and carries an `Origin` that is neither the
service's own nor allowed is refused before it reaches the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import urlsplit

from .http import HTTPError, Request, Response

ANY_ORIGIN = "*"  # the value of ORDERS_CORS_ORIGINS that allows every origin
# What a page may send beyond the CORS-safelisted headers, and read back.
ALLOWED_HEADERS = ("content-type", "x-request-id")
EXPOSED_HEADERS = ("x-request-id", "location", "retry-after", "allow")
PREFLIGHT_MAX_AGE_SECONDS = 600


class OriginPolicy:
    def __init__(self, allowed: Sequence[str]) -> None:
        self._allowed = frozenset(allowed)

    def allows(self, origin: str) -> bool:
        return ANY_ORIGIN in self._allowed or origin.lower() in self._allowed

    def check_may_change_state(self, request: Request) -> None:
        """403 for a request from a page on a foreign, unlisted origin."""
        origin = request.header("origin")
        if origin is not None and not same_origin(request, origin) and not self.allows(origin):
            raise HTTPError(
                403,
                "origin_not_allowed",
                "a page on this origin may not change orders here; see ORDERS_CORS_ORIGINS",
                {"origin": origin},
            )

    def preflight(self, request: Request, allowed_methods: Sequence[str]) -> Response:
        """The answer to a browser asking whether it may send a request."""
        origin = request.header("origin") or ""
        if not (same_origin(request, origin) or self.allows(origin)):
            raise HTTPError(403, "origin_not_allowed", "this origin is not allowed to call the API", {"origin": origin})
        methods = ", ".join(allowed_methods)
        return Response(
            204,
            headers=(
                ("allow", methods),
                ("access-control-allow-origin", origin),
                ("access-control-allow-methods", methods),
                ("access-control-allow-headers", ", ".join(ALLOWED_HEADERS)),
                ("access-control-max-age", str(PREFLIGHT_MAX_AGE_SECONDS)),
                ("vary", "origin, access-control-request-method, access-control-request-headers"),
            ),
        )

    def decorate(self, request: Request, response: Response) -> Response:
        """Let an allowed foreign page read the answer, errors included."""
        origin = request.header("origin")
        answered = any(name == "access-control-allow-origin" for name, _ in response.headers)
        if origin is None or answered or same_origin(request, origin) or not self.allows(origin):
            return response
        headers = (
            ("access-control-allow-origin", origin),
            ("access-control-expose-headers", ", ".join(EXPOSED_HEADERS)),
            ("vary", "origin"),
        )
        return replace(response, headers=(*response.headers, *headers))


def is_preflight(request: Request) -> bool:
    return (
        request.method == "OPTIONS"
        and request.header("origin") is not None
        and (request.header("access-control-request-method") is not None)
    )


def same_origin(request: Request, origin: str) -> bool:
    """The page comes from this service: its origin names the host the request was sent to."""
    host = request.header("host")
    return host is not None and urlsplit(origin).netloc.lower() == host.lower()
