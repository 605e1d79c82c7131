"""Order events through an optional Dapr sidecar's pub/sub HTTP API.

Off unless DAPR_HTTP_PORT is set. Each created, updated or deleted order is
published after its database commit as ``{"type": "order.created" | ...,
"order": {...}}`` to ``/v1.0/publish/{pubsub}/orders``; Dapr wraps it in a
CloudEvent. Delivery is at most once: a write never fails because its event
could not be published. The failure is logged (as JSON, see logs.py) instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import httpx

from .config import Settings

TOPIC = "orders"

logger = logging.getLogger("orders.events")


class SidecarUnavailable(Exception):
    """Dapr is enabled but its sidecar does not report healthy."""


class OrderEvents:
    def __init__(self, settings: Callable[[], Settings], transport: httpx.BaseTransport | None = None) -> None:
        self._settings = settings
        self._transport = transport
        self._client: httpx.Client | None = None

    def enabled(self) -> bool:
        return self._settings().dapr_http_port is not None

    def publish(self, event_type: str, orders: Iterable[dict[str, Any]]) -> None:
        """Publish one event per order; stop at the first failure, so a sidecar
        that is down or hanging costs one timeout per request at most."""
        if not self.enabled():
            return
        settings = self._settings()
        url = f"/v1.0/publish/{settings.dapr_pubsub_name}/{TOPIC}"
        pending = list(orders)
        for published, order in enumerate(pending):
            try:
                self.client().post(url, json={"type": event_type, "order": order}).raise_for_status()
            except httpx.HTTPError as error:
                logger.warning(
                    "order event not published",
                    extra={
                        "event_type": event_type,
                        "order_id": order.get("order_id"),
                        "unpublished": len(pending) - published,
                        "error": f"{type(error).__name__}: {error}",
                    },
                )
                return

    def check_sidecar(self) -> str:
        """ "healthy" or "disabled"; SidecarUnavailable when enabled but not healthy."""
        if not self.enabled():
            return "disabled"
        try:
            self.client().get("/v1.0/healthz/outbound").raise_for_status()
        except httpx.HTTPError as error:
            raise SidecarUnavailable(f"{type(error).__name__}: {error}") from error
        return "healthy"

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def client(self) -> httpx.Client:
        if self._client is None:
            settings = self._settings()
            self._client = httpx.Client(
                base_url=f"http://127.0.0.1:{settings.dapr_http_port}",
                transport=self._transport,
                timeout=settings.dapr_timeout_seconds,
                trust_env=False,
            )
        return self._client
