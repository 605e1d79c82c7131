"""Order payloads checked against the schemas in schemas.py.

fastjsonschema (pure Python, so it runs inside the component) is the authority
on whether a payload is valid. When it is not, each field is checked on its
own so that `InvalidOrder` names every offending field, not just the first.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import fastjsonschema

from . import schemas
from .models import MONEY_FIELDS, MONEY_SCALE, Order


class InvalidOrder(Exception):
    """The payload does not describe valid order data; `details` lists each
    offending field as ``{"field", "message"}``."""

    def __init__(self, details: list[dict[str, str]]) -> None:
        super().__init__("the request body does not describe valid order data")
        self.details = details


_INTEGER_FIELDS = frozenset(name for name, schema in schemas.ORDER_PROPERTIES.items() if schema["type"] == "integer")
_WHOLE_NUMBER_DIGITS = 19
_FRIENDLIER_MESSAGES = {"pattern": "must not contain unpaired UTF-16 surrogates"}

Validator = Callable[[Any], Any]
_validators: dict[str, Validator] = {
    "order": fastjsonschema.compile(schemas.ORDER),
    "order_update": fastjsonschema.compile(schemas.ORDER_UPDATE),
    "order_batch": fastjsonschema.compile(schemas.ORDER_BATCH),
}
_field_validators: dict[str, Validator] = {
    name: fastjsonschema.compile(schema) for name, schema in schemas.ORDER_PROPERTIES.items()
}


def validate_order(payload: Any) -> Order:
    payload = _whole_numbers_as_int(payload)
    _validate("order", payload, lambda: _object_errors(payload, "", schemas.ORDER))
    return Order.from_payload(payload)


def validate_order_update(payload: Any, order_id: int) -> Order:
    """A full replacement for `order_id`; the body may repeat the id but not change it."""
    payload = _whole_numbers_as_int(payload)
    _validate("order_update", payload, lambda: _object_errors(payload, "", schemas.ORDER_UPDATE))
    if payload.get("order_id", order_id) != order_id:
        raise InvalidOrder([_error("order_id", "must match the order id in the path")])
    return Order.from_payload({**payload, "order_id": order_id})


def validate_orders(payload: Any) -> list[Order]:
    if isinstance(payload, list):
        payload = [_whole_numbers_as_int(item) for item in payload]
    _validate("order_batch", payload, lambda: _batch_errors(payload))
    return [Order.from_payload(item) for item in payload]


def _validate(schema_name: str, payload: Any, field_errors: Callable[[], list[dict[str, str]]]) -> None:
    try:
        _validators[schema_name](payload)
    except fastjsonschema.JsonSchemaValueException as error:
        raise InvalidOrder(field_errors() or [_schema_error("", error)]) from None
    money_errors = [
        _error(field, f"must have at most {MONEY_SCALE} decimal places")
        for field, value in _money_values(payload)
        if isinstance(value, Decimal) and _decimal_places(value) > MONEY_SCALE
    ]
    if money_errors:
        raise InvalidOrder(money_errors)


def _whole_numbers_as_int(item: Any) -> Any:
    """JSON Schema counts 528.0 and 5.28e2 as integers, which the parser made Decimal."""
    if not isinstance(item, dict):
        return item
    return {name: int(value) if name in _INTEGER_FIELDS and _whole(value) else value for name, value in item.items()}


def _whole(value: Any) -> bool:
    # Below 10**19 only: int() of, say, 1e999999999 would build a huge integer.
    return (
        isinstance(value, Decimal)
        and value.is_finite()
        and value.adjusted() < _WHOLE_NUMBER_DIGITS
        and value == value.to_integral_value()
    )


def _batch_errors(payload: Any) -> list[dict[str, str]]:
    if not isinstance(payload, list):
        return [_error("", "must be a JSON array of orders")]
    if not payload:
        return [_error("", "must contain at least 1 order")]
    if len(payload) > schemas.MAX_BATCH_SIZE:
        return [_error("", f"must contain at most {schemas.MAX_BATCH_SIZE} orders")]
    return [error for index, item in enumerate(payload) for error in _object_errors(item, f"[{index}]", schemas.ORDER)]


def _object_errors(item: Any, prefix: str, schema: dict[str, Any]) -> list[dict[str, str]]:
    if not isinstance(item, dict):
        return [_error(prefix, "must be a JSON object")]
    errors = [_error(_join(prefix, name), "is required") for name in schema["required"] if name not in item]
    for name, value in item.items():
        if name not in _field_validators:
            errors.append(_error(_join(prefix, name), "is not a known field"))
            continue
        try:
            _field_validators[name](value)
        except fastjsonschema.JsonSchemaValueException as error:
            errors.append(_schema_error(_join(prefix, name), error))
    return errors


def _money_values(payload: Any) -> list[tuple[str, Any]]:
    if isinstance(payload, list):
        return [(f"[{index}].{name}", item[name]) for index, item in enumerate(payload) for name in MONEY_FIELDS]
    return [(name, payload[name]) for name in MONEY_FIELDS]


def _decimal_places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _schema_error(field: str, error: fastjsonschema.JsonSchemaValueException) -> dict[str, str]:
    message = _FRIENDLIER_MESSAGES.get(error.rule or "") or error.message.removeprefix(f"{error.name} ")
    return _error(field, message)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _error(field: str, message: str) -> dict[str, str]:
    return {"field": field or "(body)", "message": message}
