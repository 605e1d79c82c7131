"""Request payloads: strict JSON parsing and the order schemas.

fastjsonschema (pure Python, so it runs inside the component) is the authority
on whether a payload is valid. When it is not, each field is checked on its
own so that the 422 names every offending field, not just the first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import fastjsonschema

from .http import HTTPError, Request
from .models import ADDRESS_MAX_LENGTH, INT_MAX, MONEY_FIELDS, MONEY_PRECISION, MONEY_SCALE, Order

JSON_BODY_CONTENT_TYPES = frozenset(
    # curl -d sends form-urlencoded; the classic demo flow must keep working.
    {"application/json", "application/x-www-form-urlencoded", "text/plain"}
)
MAX_BATCH_SIZE = 10_000
# Valid payloads nest two levels deep. The bound also keeps the C JSON scanner
# from overflowing the component's fixed wasm stack, which would trap.
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")

_ID = {"type": "integer", "minimum": 1, "maximum": INT_MAX}
# Not `multipleOf: 0.01`: validators that work in binary floating point
# misjudge it (19.99 / 0.01 is not a whole float). `_validate` checks the
# decimal places exactly.
_MONEY = {
    "type": "number",
    "minimum": 0,
    "exclusiveMaximum": 10 ** (MONEY_PRECISION - MONEY_SCALE),
    "description": f"At most {MONEY_SCALE} decimal places",
}
_NO_LONE_SURROGATES = "^[^\\ud800-\\udfff]*$"

ORDER_PROPERTIES: dict[str, dict[str, Any]] = {
    "order_id": _ID,
    "product_id": _ID,
    "quantity": {"type": "integer", "minimum": 1, "maximum": INT_MAX},
    "amount": _MONEY,
    "shipping": _MONEY,
    "tax": _MONEY,
    "shipping_address": {
        "type": "string",
        "minLength": 1,
        "maxLength": ADDRESS_MAX_LENGTH,
        "pattern": _NO_LONE_SURROGATES,
    },
}

ORDER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": ORDER_PROPERTIES,
    "required": list(ORDER_PROPERTIES),
    "additionalProperties": False,
}

ORDER_UPDATE_SCHEMA: dict[str, Any] = {
    **ORDER_SCHEMA,
    "required": [name for name in ORDER_PROPERTIES if name != "order_id"],
}

ORDER_BATCH_SCHEMA: dict[str, Any] = {
    "type": "array",
    "minItems": 1,
    "maxItems": MAX_BATCH_SIZE,
    "items": ORDER_SCHEMA,
}

_INTEGER_FIELDS = frozenset(name for name, schema in ORDER_PROPERTIES.items() if schema["type"] == "integer")
_WHOLE_NUMBER_DIGITS = 19
_FRIENDLIER_MESSAGES = {"pattern": "must not contain unpaired UTF-16 surrogates"}

Validator = Callable[[Any], Any]
_validators: dict[str, Validator] = {
    "order": fastjsonschema.compile(ORDER_SCHEMA),
    "order_update": fastjsonschema.compile(ORDER_UPDATE_SCHEMA),
    "order_batch": fastjsonschema.compile(ORDER_BATCH_SCHEMA),
}
_field_validators: dict[str, Validator] = {
    name: fastjsonschema.compile(schema) for name, schema in ORDER_PROPERTIES.items()
}


def parse_json_body(request: Request) -> Any:
    """The request body as JSON, or a 400/415 HTTPError.

    Floats become Decimal so money is never rounded on the way in. NaN,
    Infinity, duplicate keys, invalid UTF-8 and absurd nesting are refused.
    """
    content_type = (request.header("content-type") or "application/json").split(";")[0].strip().lower()
    if content_type not in JSON_BODY_CONTENT_TYPES and not content_type.endswith("+json"):
        raise HTTPError(
            415,
            "unsupported_media_type",
            f"expected a JSON body, got content-type {content_type!r}",
            {"accepted": sorted(JSON_BODY_CONTENT_TYPES)},
        )
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _malformed(f"body is not valid UTF-8 (byte {error.start})") from None
    if _nested_deeper_than(MAX_JSON_DEPTH, text):
        raise _malformed(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(
            text,
            parse_float=Decimal,
            parse_constant=_refuse_constant,
            object_pairs_hook=_object_without_duplicate_keys,
        )
    except json.JSONDecodeError as error:
        raise _malformed(f"{error.msg} at line {error.lineno} column {error.colno}") from None
    except ValueError as error:
        raise _malformed(str(error)) from None


def _nested_deeper_than(limit: int, text: str) -> bool:
    depth = 0
    for bracket in _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > limit:
            return True
    return False


def validate_order(payload: Any) -> Order:
    payload = _whole_numbers_as_int(payload)
    _validate("order", payload, lambda: _object_errors(payload, "", ORDER_SCHEMA))
    return Order.from_payload(payload)


def validate_order_update(payload: Any, order_id: int) -> Order:
    """A full replacement for `order_id`; the body may repeat the id but not change it."""
    payload = _whole_numbers_as_int(payload)
    _validate("order_update", payload, lambda: _object_errors(payload, "", ORDER_UPDATE_SCHEMA))
    if payload.get("order_id", order_id) != order_id:
        raise _invalid([_error("order_id", "must match the order id in the path")])
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
        raise _invalid(field_errors() or [_schema_error("", error)]) from None
    money_errors = [
        _error(field, f"must have at most {MONEY_SCALE} decimal places")
        for field, value in _money_values(payload)
        if isinstance(value, Decimal) and _decimal_places(value) > MONEY_SCALE
    ]
    if money_errors:
        raise _invalid(money_errors)


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
    if len(payload) > MAX_BATCH_SIZE:
        return [_error("", f"must contain at most {MAX_BATCH_SIZE} orders")]
    return [error for index, item in enumerate(payload) for error in _object_errors(item, f"[{index}]", ORDER_SCHEMA)]


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


def _invalid(details: list[dict[str, str]]) -> HTTPError:
    return HTTPError(422, "validation_failed", "the request body does not describe valid order data", details)


def _malformed(message: str) -> HTTPError:
    return HTTPError(400, "malformed_json", message)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _object_without_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result
