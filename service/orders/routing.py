"""Routes and their matching: a known path with the wrong method is a 405 with
``Allow``, an unknown path a 404. Paths compile from templates like
``/orders/{order_id:int}``. Every GET route answers HEAD too, and every path
OPTIONS (RFC 9110). Paths are matched as sent, percent-encoded: only encoded
unreserved characters are decoded first, so ``/orders%2F1`` is not ``/orders/1``.

A route also carries what the contract says about it (summary, body, query
parameters, documented replies): openapi.py, ``GET /`` and the README's API
table are all built from the route table, so none of them can drift.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .http import JSON_CONTENT_TYPE, HTTPError, Request, Response

if TYPE_CHECKING:
    from .store import OrderStore

Endpoint = Callable[[Request, "OrderStore"], Response]

# At most 10 digits: every order id fits, and no path can feed int() a
# pathological number.
_PARAMETER = re.compile(r"{(\w+):int}")
_INT_PATTERN = r"(?P<\1>[0-9]{1,10})"
# A request body of any type, passed through as bytes.
ANY_BODY = "*/*"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# RFC 3986 section 2.3: encoding these changes nothing, so they are decoded.
_ENCODED = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


@dataclass(frozen=True)
class Reply:
    """One documented answer: `schema` names a components/schemas entry or is
    an inline JSON schema; None means no body."""

    description: str
    schema: str | dict[str, Any] | None = None
    media_type: str = JSON_CONTENT_TYPE
    headers: tuple[tuple[str, str], ...] = ()


# Every route that changes state may answer this (see cors.py).
FOREIGN_ORIGIN = Reply("A page on a foreign origin not listed in ORDERS_CORS_ORIGINS may not change state", "Error")


@dataclass(frozen=True)
class QueryParameter:
    name: str
    schema: dict[str, Any]
    description: str


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    endpoint: Endpoint
    summary: str
    replies: Mapping[int, Reply] = field(default_factory=dict, compare=False)
    # A components/schemas name for a JSON body, or ANY_BODY.
    body: str | None = None
    query: tuple[QueryParameter, ...] = ()
    # Whether it writes; None: it does unless its method is safe.
    changes_state: bool | None = None
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = _PARAMETER.sub(_INT_PATTERN, re.escape(self.path).replace(r"\{", "{").replace(r"\}", "}"))
        object.__setattr__(self, "pattern", re.compile(f"{regex}\\Z"))
        if self.changes_state is None:
            object.__setattr__(self, "changes_state", self.method not in SAFE_METHODS)

    @property
    def template(self) -> str:
        """The path as OpenAPI writes it: ``/orders/{order_id}``."""
        return _PARAMETER.sub(r"{\1}", self.path)

    @property
    def path_parameters(self) -> list[str]:
        return _PARAMETER.findall(self.path)

    @property
    def documented_replies(self) -> dict[int, Reply]:
        """The route's replies, with the refusal every state-changing route shares."""
        shared = {403: FOREIGN_ORIGIN} if self.changes_state else {}
        return dict(sorted({**self.replies, **shared}.items()))


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    params: dict[str, int]


class Router:
    def __init__(self, routes: Sequence[Route]) -> None:
        self.routes = tuple(routes)

    def resolve(self, method: str, path: str) -> RouteMatch:
        """The route for `method` on `path`; HEAD finds the GET route."""
        wanted = "GET" if method == "HEAD" else method
        path = normalized(path)
        for route in self.routes:
            found = route.pattern.match(path)
            if found is not None and route.method == wanted:
                return RouteMatch(route, {name: int(value) for name, value in found.groupdict().items()})
        allowed = self.allowed_methods(path)
        raise HTTPError(
            405,
            "method_not_allowed",
            f"{method} is not allowed on {path}",
            {"allowed": allowed},
            headers=(("allow", ", ".join(allowed)),),
        )

    def allowed_methods(self, path: str) -> list[str]:
        """What `path` answers, HEAD and OPTIONS included; 404 if nothing."""
        path = normalized(path)
        methods = [route.method for route in self.routes if route.pattern.match(path)]
        if not methods:
            raise HTTPError(404, "not_found", f"no route for {path}")
        if "GET" in methods:
            methods.insert(methods.index("GET") + 1, "HEAD")
        return [*methods, "OPTIONS"]


def normalized(path: str) -> str:
    """`path` with percent-encoded unreserved characters decoded, and every
    other escape kept, in upper case."""

    def decode(escape: re.Match[str]) -> str:
        character = chr(int(escape.group(1), 16))
        return character if character in _UNRESERVED else escape.group(0).upper()

    return _ENCODED.sub(decode, path)
