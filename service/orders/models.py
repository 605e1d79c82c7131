"""The orders table, the Order value it stores, and the JSON of its rows."""

from __future__ import annotations

import json
from collections.abc import Sequence
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
# A row as the database returns it: three ints, the money as DECIMAL text
# (db.py asks PyMySQL not to convert it), the address.
Row = tuple[Any, ...]
# One order's JSON, filled from a row: the money text is a JSON number as it is.
_ROW_JSON = "{" + ",".join(f'"{name}":%s' for name in FIELDS) + "}"


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

    @classmethod
    def from_row(cls, row: Row) -> Order:
        order_id, product_id, quantity, amount, shipping, tax, address = row
        return cls(order_id, product_id, quantity, Decimal(amount), Decimal(shipping), Decimal(tax), address)

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


def rows_json(rows: Sequence[Row]) -> bytes:
    """The JSON array of these orders, written straight from their rows: no
    Order, dict or Decimal per row (a 1000-row list is the costliest answer,
    and the costlier still in wasm)."""
    return (
        "[" + ",".join(_ROW_JSON % (*row[:6], json.dumps(row[6], ensure_ascii=False)) for row in rows) + "]"
    ).encode()
