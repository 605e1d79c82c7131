"""Reading a JSON request body strictly, without a server."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from orders.http import HTTPError, Request, parse_json_body


def body(raw: bytes, content_type: str | None = "application/json") -> Any:
    headers = {"content-type": content_type} if content_type else {}
    return parse_json_body(Request("POST", "/", headers=headers, body=raw))


def refused(raw: bytes, content_type: str | None = "application/json") -> HTTPError:
    with pytest.raises(HTTPError) as caught:
        body(raw, content_type)
    return caught.value


def test_floats_parse_as_decimal() -> None:
    assert body(b'{"amount": 0.1}') == {"amount": Decimal("0.1")}


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "application/json; charset=utf-8",
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/merge-patch+json",
    ],
)
def test_json_is_accepted_under_common_content_types(content_type: str | None) -> None:
    assert body(b"[1]", content_type) == [1]


@pytest.mark.parametrize("content_type", ["text/xml", "multipart/form-data; boundary=x", "image/png"])
def test_other_content_types_are_415(content_type: str) -> None:
    assert refused(b"[1]", content_type).status == 415


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b'{"a": 1, "a": 2}', "duplicate key 'a'"),
        (b"[NaN]", "NaN is not valid JSON"),
        (b"[-Infinity]", "-Infinity is not valid JSON"),
        (b"\xc3\x28", "not valid UTF-8"),
        (b"[" * 50_000, "nested deeper than 32 levels"),
        (b"[" * 33 + b"]" * 33, "nested deeper than 32 levels"),
        (b"{", "line 1 column 2"),
    ],
)
def test_malformed_bodies_are_400_with_a_reason(raw: bytes, fragment: str) -> None:
    error = refused(raw)
    assert (error.status, error.code) == (400, "malformed_json")
    assert fragment in error.message


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = '["' + "[" * 100 + '\\"[[[[", {"a": "{{{{"}]'
    assert body(text.encode()) == ["[" * 100 + '"[[[[', {"a": "{{{{"}]


def test_nesting_up_to_the_limit_parses() -> None:
    assert body(b"[" * 32 + b"]" * 32) is not None


@pytest.mark.parametrize("number", ["1e425000001", "-1E+999999999", "1e-1000001", "0.1e-999999999"])
def test_numbers_beyond_any_hosts_decimal_range_are_400(number: str) -> None:
    error = refused(f'{{"amount": {number}}}'.encode())
    assert (error.status, error.code) == (400, "malformed_json")
    assert "out of range" in error.message


def test_large_but_representable_exponents_parse() -> None:
    assert body(b"[1e1000000, 1e-999999]") == [Decimal("1e1000000"), Decimal("1e-999999")]
