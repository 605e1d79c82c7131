"""The application: routes a Request to its handler and turns every failure
into a JSON error response, in this one place."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import replace

import httpx

from .config import ConfigError, Settings
from .db import Database
from .events import OrderEvents, SidecarUnavailable
from .http import MAX_BODY_BYTES, HTTPError, Request, Response, internal_error, payload_too_large
from .logs import current_request_id
from .repository import DatabaseUnavailable, DuplicateOrder, OrderNotFound, OrderRepository
from .routes import ROUTER
from .services import Services

logger = logging.getLogger("orders")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class App:
    def __init__(
        self,
        load_settings: Callable[[], Settings] = Settings.from_env,
        http_transport: httpx.BaseTransport | None = None,
    ) -> None:
        """`http_transport` carries outbound HTTP (to the Dapr sidecar); httpx's
        own by default, wasi:http's inside the component."""
        self._load_settings = load_settings
        self._settings: Settings | None = None
        self.services = Services(
            orders=OrderRepository(Database(self.settings)),
            events=OrderEvents(self.settings, http_transport),
        )

    def settings(self) -> Settings:
        """Settings, read on first use rather than at import (build) time."""
        if self._settings is None:
            self._settings = self._load_settings()
        return self._settings

    def handle(self, request: Request) -> Response:
        """Answer a request, logging it with its id and latency. Adapters read
        at most MAX_BODY_BYTES + 1 of the body."""
        started = time.perf_counter()
        request_id = _request_id(request)
        token = current_request_id.set(request_id)
        try:
            try:
                if _body_too_large(request):
                    raise payload_too_large()
                response = self._dispatch(request)
            except HTTPError as error:
                response = error.to_response()
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

    def _dispatch(self, request: Request) -> Response:
        match = ROUTER.resolve(request.method, request.path)
        try:
            return match.route.endpoint(replace(request, path_params=match.params), self.services)
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

    def _unavailable(self, code: str, message: str) -> HTTPError:
        retry_after = str(self.settings().retry_after_seconds)
        return HTTPError(503, code, message, headers=(("retry-after", retry_after),))


def _request_id(request: Request) -> str:
    """The caller's X-Request-ID when it is a sane token, else a new one."""
    given = request.header("x-request-id") or ""
    return given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _body_too_large(request: Request) -> bool:
    declared = request.header("content-length") or ""
    return len(request.body) > MAX_BODY_BYTES or (declared.isdigit() and int(declared) > MAX_BODY_BYTES)
