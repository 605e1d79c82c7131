"""What the handlers work with: the orders, stored and then announced.

Every write goes to the repository first and, once committed, to the event
publisher, in this one place, so no write endpoint can forget its event or
announce a write that failed.
"""

from __future__ import annotations

from collections.abc import Sequence

from .events import OrderEvents
from .models import Order, rows_json
from .repository import OrderRepository


class OrderStore:
    def __init__(self, repository: OrderRepository, events: OrderEvents) -> None:
        self._repository = repository
        self._events = events

    def add(self, orders: Sequence[Order]) -> None:
        """Insert all orders or none, then announce each."""
        self._repository.add(orders)
        self._events.publish("order.created", [order.as_json() for order in orders])

    def replace(self, order: Order) -> None:
        self._repository.replace(order)
        self._events.publish("order.updated", [order.as_json()])

    def delete(self, order_id: int) -> None:
        self._repository.delete(order_id)
        self._events.publish("order.deleted", [{"order_id": order_id}])

    def get(self, order_id: int) -> Order:
        return self._repository.get(order_id)

    def list_json(self) -> bytes:
        """Every order, by order_id, as a JSON array."""
        return rows_json(self._repository.list_rows())

    def reset(self) -> None:
        """Drop and recreate the table. Not an order event: nothing is announced."""
        self._repository.reset()

    def close(self) -> None:
        self._repository.close()
        self._events.close()

    def readiness(self) -> dict[str, str]:
        """The database answers, and the sidecar when events are on; raises otherwise."""
        self._repository.ping()
        return {"database": "reachable", "dapr": self._events.check_sidecar()}
