"""Orders to send, and how a JSON error must look."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
DEMO_ORDERS: list[dict[str, Any]] = json.loads((ROOT / "orders.json").read_text())
DEMO_UPDATE: dict[str, Any] = json.loads((ROOT / "update_order.json").read_text())


def order(order_id: int, **changes: Any) -> dict[str, Any]:
    """A valid order; `changes` replace or break its fields."""
    base = {
        "order_id": order_id,
        "product_id": 7,
        "quantity": 1,
        "amount": 10.5,
        "shipping": 1.0,
        "tax": 0.5,
        "shipping_address": f"{order_id} Test Street",
    }
    return {**base, **changes}


def post_json(client: httpx.Client, path: str, payload: Any) -> httpx.Response:
    return client.post(path, content=json.dumps(payload), headers={"content-type": "application/json"})


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is the JSON error `code` with `status`; returns its `error` object."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    error: dict[str, Any] = body["error"]
    return error


def stored_ids(client: httpx.Client) -> list[int]:
    return [row["order_id"] for row in client.get("/orders").json()]
