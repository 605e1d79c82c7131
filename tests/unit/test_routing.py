"""Route matching, and the model's column order that row mapping relies on."""

from __future__ import annotations

import pytest

from orders.api import ROUTER
from orders.http import HTTPError
from orders.models import FIELDS, Order
from orders.routing import normalized


def test_path_parameters_are_ints() -> None:
    match = ROUTER.resolve("GET", "/orders/42")
    assert match.route.path == "/orders/{order_id:int}"
    assert match.params == {"order_id": 42}


def test_known_path_with_wrong_method_is_405_listing_allowed_methods() -> None:
    with pytest.raises(HTTPError) as caught:
        ROUTER.resolve("PATCH", "/orders/1")
    assert caught.value.status == 405
    assert dict(caught.value.headers)["allow"] == "GET, HEAD, PUT, DELETE, OPTIONS"


def test_head_finds_the_get_route_and_options_lists_every_method() -> None:
    assert ROUTER.resolve("HEAD", "/orders/7").route.method == "GET"
    assert ROUTER.allowed_methods("/orders") == ["GET", "HEAD", "POST", "OPTIONS"]
    assert ROUTER.allowed_methods("/init") == ["GET", "HEAD", "OPTIONS"]


@pytest.mark.parametrize("path", ["/orders%2F1", "/orders%2f1", "/%6Frders%2F1"])
def test_an_encoded_slash_is_not_a_separator(path: str) -> None:
    with pytest.raises(HTTPError) as caught:
        ROUTER.resolve("GET", path)
    assert caught.value.status == 404


def test_encoded_unreserved_characters_are_decoded() -> None:
    assert ROUTER.resolve("GET", "/%6Frders/%34%32").params == {"order_id": 42}
    assert normalized("/a%2fb%7E%20") == "/a%2Fb~%20"


@pytest.mark.parametrize("path", ["/orders/", "/orders/1/x", "/orders/-1", "/orders/12345678901", "/ORDERS", "/echo/"])
def test_unknown_paths_are_404(path: str) -> None:
    with pytest.raises(HTTPError) as caught:
        ROUTER.resolve("GET", path)
    assert caught.value.status == 404


def test_order_fields_follow_the_table_columns() -> None:
    assert Order.__slots__ == FIELDS
