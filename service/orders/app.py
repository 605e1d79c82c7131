"""The application: routes a Request to its handler and turns every failure
into a JSON error response, in this one place."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace

import httpx

from .api import ROUTES
from .config import ConfigError, Settings
from .cors import OriginPolicy, is_preflight
from .db import Database
from .events import OrderEvents, SidecarUnavailable
from .http import MAX_BODY_BYTES, HTTPError, Request, Response, internal_error, payload_too_large
from .logs import current_request_id
from .repository import DatabaseUnavailable, DuplicateOrder, OrderNotFound, OrderRepository
from .routing import Route, Router
from .store import OrderStore
from .validation import InvalidOrder

logger = logging.getLogger("orders")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class App:
    def __init__(
        self,
        load_settings: Callable[[], Settings] = Settings.from_env,
        http_transport: httpx.BaseTransport | None = None,
        extra_routes: Sequence[Route] = (),
    ) -> None:
        """`http_transport` carries outbound HTTP (to the Dapr sidecar); httpx's
        own by default, wasi:http's inside the component. `extra_routes` are
        served after the API's own (test and profiling builds add theirs)."""
        self._load_settings = load_settings
        self._settings: Settings | None = None
        self.router = Router([*ROUTES, *extra_routes])
        self.store = OrderStore(
            OrderRepository(Database(self.settings)),
            OrderEvents(self.settings, http_transport),
        )

    def settings(self) -> Settings:
        """Settings, read on first use rather than at import (build) time."""
        if self._settings is None:
            self._settings = self._load_settings()
        return self._settings

    def close(self) -> None:
        """Close the database connections and the sidecar client; a server calls
        it when a worker or the process stops."""
        self.store.close()

    def handle(self, request: Request) -> Response:
        """Answer a request, logging it with its id and latency. Adapters read
        at most MAX_BODY_BYTES + 1 of the body."""
        return self._answer(request, self._checked_dispatch)

    def refuse(self, error: HTTPError, request: Request | None = None) -> Response:
        """The answer to a request an adapter or its server refused before the
        app could see it (bad framing, a body too large, a timeout, a failure
        of the adapter itself): the same JSON error, request id and log line
        as any other. `request` is what is known of it, if anything."""

        def refused(request: Request) -> Response:
            raise error

        return self._answer(request or Request("-", "-"), refused)

    def _answer(self, request: Request, produce: Callable[[Request], Response]) -> Response:
        started = time.perf_counter()
        request_id = _request_id(request)
        token = current_request_id.set(request_id)
        try:
            try:
                response = produce(request)
            except HTTPError as error:
                response = error.to_response()
            if request.header("origin") is not None:
                response = self._readable_by_origin(request, response)
            if request.method == "HEAD":
                response = response.for_head()
            logger.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status,
                    "latency_ms": round((time.perf_counter() - started) * 1000, 3),
                },
            )
            return replace(response, headers=(*response.headers, ("x-request-id", request_id)))
        finally:
            current_request_id.reset(token)

    def _checked_dispatch(self, request: Request) -> Response:
        if _body_too_large(request):
            raise payload_too_large()
        try:
            return self._dispatch(request)
        except InvalidOrder as error:
            raise HTTPError(422, "validation_failed", str(error), error.details) from None
        except OrderNotFound as error:
            raise HTTPError(404, "order_not_found", str(error), {"order_id": error.order_id}) from None
        except DuplicateOrder as error:
            raise HTTPError(409, "duplicate_order_id", str(error)) from None
        except DatabaseUnavailable as error:
            logger.warning("database unavailable", extra={"error": str(error)})
            raise self._unavailable("database_unavailable", "the database is unreachable; retry later") from None
        except SidecarUnavailable as error:
            logger.warning("dapr sidecar unavailable", extra={"error": str(error)})
            raise self._unavailable("dapr_unavailable", "the Dapr sidecar is not healthy") from None
        except ConfigError as error:
            logger.error("configuration error", extra={"error": str(error)})
            raise HTTPError(500, "misconfigured", str(error)) from None
        except HTTPError:
            raise
        except Exception:
            logger.exception("unexpected error", extra={"method": request.method, "path": request.path})
            raise internal_error() from None

    def _dispatch(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            allowed = self.router.allowed_methods(request.path)
            if is_preflight(request):
                return self._origins().preflight(request, allowed)
            return Response(204, headers=(("allow", ", ".join(allowed)),))
        match = self.router.resolve(request.method, request.path)
        if match.route.changes_state and request.header("origin") is not None:
            self._origins().check_may_change_state(request)
        return match.route.endpoint(replace(request, path_params=match.params), self.store)

    def _origins(self) -> OriginPolicy:
        return OriginPolicy(self.settings().cors_origins)

    def _readable_by_origin(self, request: Request, response: Response) -> Response:
        """CORS headers for an allowed foreign origin. Without a usable
        configuration no origin is known to be allowed."""
        try:
            policy = self._origins()
        except ConfigError:
            return response
        return policy.decorate(request, response)

    def _unavailable(self, code: str, message: str) -> HTTPError:
        retry_after = str(self.settings().retry_after_seconds)
        return HTTPError(503, code, message, headers=(("retry-after", retry_after),))


def _request_id(request: Request) -> str:
    """The caller's X-Request-ID when it is a sane token, else a new one."""
    given = request.header("x-request-id") or ""
    return given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _body_too_large(request: Request) -> bool:
    return len(request.body) > MAX_BODY_BYTES or request.declares_too_much()
