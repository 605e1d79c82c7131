"""The orders table and the Order value it stores."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Integer, MetaData, Numeric, String, Table

MONEY_PRECISION = 12
MONEY_SCALE = 2
ADDRESS_MAX_LENGTH = 255
INT_MAX = 2**31 - 1

metadata = MetaData()

orders_table = Table(
    "orders",
    metadata,
    Column("order_id", Integer, primary_key=True, autoincrement=False),
    Column("product_id", Integer, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("amount", Numeric(MONEY_PRECISION, MONEY_SCALE), nullable=False),
    Column("shipping", Numeric(MONEY_PRECISION, MONEY_SCALE), nullable=False),
    Column("tax", Numeric(MONEY_PRECISION, MONEY_SCALE), nullable=False),
    Column("shipping_address", String(ADDRESS_MAX_LENGTH), nullable=False),
    mysql_charset="utf8mb4",
    mysql_collate="utf8mb4_bin",
)

FIELDS = tuple(column.name for column in orders_table.columns)
MONEY_FIELDS = ("amount", "shipping", "tax")


@dataclass(frozen=True, slots=True)
class Order:
    order_id: int
    product_id: int
    quantity: int
    amount: Decimal
    shipping: Decimal
    tax: Decimal
    shipping_address: str

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Order:
        """Build an Order from a validated payload; money becomes Decimal."""
        money = {name: Decimal(payload[name]) for name in MONEY_FIELDS}
        return cls(
            order_id=payload["order_id"],
            product_id=payload["product_id"],
            quantity=payload["quantity"],
            shipping_address=payload["shipping_address"],
            **money,
        )

    def as_row(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIELDS}

    def as_json(self) -> dict[str, Any]:
        """JSON-ready form. Money is at most 12 significant digits, so a float
        carries it exactly: its repr is the shortest decimal that round-trips."""
        return {
            "order_id": self.order_id,
            "product_id": self.product_id,
            "quantity": self.quantity,
            "amount": float(self.amount),
            "shipping": float(self.shipping),
            "tax": float(self.tax),
            "shipping_address": self.shipping_address,
        }
