"""Order payloads against the schemas, without a server."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from orders.http import Request, parse_json_body
from orders.models import Order
from orders.validation import InvalidOrder, validate_order, validate_order_update, validate_orders

VALID = {
    "order_id": 1,
    "product_id": 12,
    "quantity": 2,
    "amount": Decimal("56.0"),
    "shipping": 15,
    "tax": Decimal("2.25"),
    "shipping_address": "Mataderos 2312",
}


def parsed(raw: bytes) -> Any:
    return parse_json_body(Request("POST", "/", headers={"content-type": "application/json"}, body=raw))


def invalid(call: Callable[..., Any], *args: Any) -> InvalidOrder:
    with pytest.raises(InvalidOrder) as caught:
        call(*args)
    return caught.value


def test_valid_order_becomes_an_order_with_decimal_money() -> None:
    assert validate_order(dict(VALID)) == Order(
        1, 12, 2, Decimal("56.0"), Decimal(15), Decimal("2.25"), "Mataderos 2312"
    )


def test_all_field_errors_are_collected() -> None:
    payload = {**VALID, "quantity": 0, "tax": Decimal("-1"), "bogus": True}
    del payload["product_id"]
    error = invalid(validate_order, payload)
    assert {(d["field"], d["message"]) for d in error.details} == {
        ("product_id", "is required"),
        ("quantity", "must be bigger than or equal to 1"),
        ("tax", "must be bigger than or equal to 0"),
        ("bogus", "is not a known field"),
    }


def test_money_with_more_than_two_decimal_places_is_refused_not_rounded() -> None:
    error = invalid(validate_order, {**VALID, "amount": Decimal("1.005")})
    assert error.details == [{"field": "amount", "message": "must have at most 2 decimal places"}]


def test_trailing_zeros_do_not_count_as_decimal_places() -> None:
    assert validate_order({**VALID, "amount": Decimal("1.50")}).amount == Decimal("1.5")
    assert validate_order({**VALID, "amount": Decimal("1E+2")}).amount == 100


def test_whole_numbers_written_with_a_fraction_or_exponent_are_integers() -> None:
    # JSON Schema's "integer" is any whole number, however it is written.
    payload = {**VALID, "order_id": Decimal("7.0"), "quantity": Decimal("5.28E+2")}
    order = validate_order(payload)
    assert (order.order_id, order.quantity) == (7, 528)
    assert type(order.quantity) is int
    assert validate_orders([payload])[0].quantity == 528


@pytest.mark.parametrize("quantity", ["2.5", "1E+999999", "-1E+999999", "1E+20"])
def test_fractions_and_enormous_numbers_are_not_integers(quantity: str) -> None:
    error = invalid(validate_order, {**VALID, "quantity": parsed(f'{{"q": {quantity}}}'.encode())["q"]})
    assert error.details == [{"field": "quantity", "message": "must be integer"}]


def test_lone_surrogates_in_the_address_are_refused() -> None:
    payload = json.loads('{"shipping_address": "a\\ud800b"}')
    error = invalid(validate_order, {**VALID, **payload})
    assert error.details == [{"field": "shipping_address", "message": "must not contain unpaired UTF-16 surrogates"}]


def test_batch_errors_name_the_item() -> None:
    error = invalid(validate_orders, [dict(VALID), {**VALID, "order_id": 2, "quantity": "many"}])
    assert [d["field"] for d in error.details] == ["[1].quantity"]


def test_batch_money_places_are_checked_per_item() -> None:
    error = invalid(validate_orders, [dict(VALID), {**VALID, "order_id": 2, "shipping": Decimal("0.001")}])
    assert error.details == [{"field": "[1].shipping", "message": "must have at most 2 decimal places"}]


def test_batch_size_is_bounded() -> None:
    error = invalid(validate_orders, [dict(VALID)] * 10_001)
    assert error.details == [{"field": "(body)", "message": "must contain at most 10000 orders"}]


def test_update_takes_the_id_from_the_path() -> None:
    payload = {key: value for key, value in VALID.items() if key != "order_id"}
    assert validate_order_update(payload, 9).order_id == 9
    assert invalid(validate_order_update, dict(VALID), 9).details[0]["field"] == "order_id"
