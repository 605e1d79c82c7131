"""What the handlers work with: the order repository and the event publisher."""

from __future__ import annotations

from dataclasses import dataclass

from .events import OrderEvents
from .repository import OrderRepository


@dataclass(frozen=True)
class Services:
    orders: OrderRepository
    events: OrderEvents
