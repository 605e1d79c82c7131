"""Route matching: a known path with the wrong method is a 405 with ``Allow``,
an unknown path a 404. Paths compile from templates like ``/orders/{order_id:int}``."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .http import HTTPError, Request, Response

if TYPE_CHECKING:
    from .services import Services

Endpoint = Callable[[Request, "Services"], Response]

# At most 10 digits: every order id fits, and no path can feed int() a
# pathological number.
_PARAMETER = re.compile(r"{(\w+):int}")
_INT_PATTERN = r"(?P<\1>[0-9]{1,10})"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    endpoint: Endpoint
    summary: str
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = _PARAMETER.sub(_INT_PATTERN, re.escape(self.path).replace(r"\{", "{").replace(r"\}", "}"))
        object.__setattr__(self, "pattern", re.compile(f"{regex}\\Z"))


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    params: dict[str, int]


class Router:
    def __init__(self, routes: Sequence[Route]) -> None:
        self.routes = tuple(routes)

    def resolve(self, method: str, path: str) -> RouteMatch:
        allowed: list[str] = []
        for route in self.routes:
            found = route.pattern.match(path)
            if found is None:
                continue
            if route.method == method:
                return RouteMatch(route, {name: int(value) for name, value in found.groupdict().items()})
            allowed.append(route.method)
        if allowed:
            raise HTTPError(
                405,
                "method_not_allowed",
                f"{method} is not allowed on {path}",
                {"allowed": allowed},
                headers=(("allow", ", ".join(allowed)),),
            )
        raise HTTPError(404, "not_found", f"no route for {path}")
