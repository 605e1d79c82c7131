"""The JSON schemas of an order, a batch and a replacement.

validation.py enforces them and openapi.py publishes them, so the checks and
the contract cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from .models import ADDRESS_MAX_LENGTH, INT_MAX, MONEY_PRECISION, MONEY_SCALE

MAX_BATCH_SIZE = 10_000

ORDER_ID: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": INT_MAX}
# Not `multipleOf: 0.01`: validators that work in binary floating point
# misjudge it (19.99 / 0.01 is not a whole float). validation.py checks the
# decimal places exactly.
MONEY: dict[str, Any] = {
    "type": "number",
    "minimum": 0,
    "exclusiveMaximum": 10 ** (MONEY_PRECISION - MONEY_SCALE),
    "description": f"At most {MONEY_SCALE} decimal places",
}
NO_LONE_SURROGATES = "^[^\\ud800-\\udfff]*$"

ORDER_PROPERTIES: dict[str, dict[str, Any]] = {
    "order_id": ORDER_ID,
    "product_id": ORDER_ID,
    "quantity": {"type": "integer", "minimum": 1, "maximum": INT_MAX},
    "amount": MONEY,
    "shipping": MONEY,
    "tax": MONEY,
    "shipping_address": {
        "type": "string",
        "minLength": 1,
        "maxLength": ADDRESS_MAX_LENGTH,
        "pattern": NO_LONE_SURROGATES,
    },
}

ORDER: dict[str, Any] = {
    "type": "object",
    "properties": ORDER_PROPERTIES,
    "required": list(ORDER_PROPERTIES),
    "additionalProperties": False,
}

ORDER_UPDATE: dict[str, Any] = {**ORDER, "required": [name for name in ORDER_PROPERTIES if name != "order_id"]}

ORDER_BATCH: dict[str, Any] = {"type": "array", "minItems": 1, "maxItems": MAX_BATCH_SIZE, "items": ORDER}
