"""Body limits: what is declared and what is sent are both held to 1 MiB."""

from __future__ import annotations

import httpx

from orders.http import MAX_BODY_BYTES
from orders.schemas import MAX_BATCH_SIZE
from tests.support.payloads import assert_error, order, post_json


def test_a_body_at_the_limit_is_accepted(client: httpx.Client) -> None:
    response = client.post("/echo", content=b"x" * MAX_BODY_BYTES)
    assert response.status_code == 200
    assert len(response.content) == MAX_BODY_BYTES


def test_a_body_over_the_limit_is_413(client: httpx.Client) -> None:
    error = assert_error(client.post("/echo", content=b"x" * (MAX_BODY_BYTES + 1)), 413, "payload_too_large")
    assert error["details"] == {"limit": MAX_BODY_BYTES}


def test_a_declared_length_over_the_limit_is_413_before_anything_is_read(client: httpx.Client) -> None:
    headers = {"content-length": str(MAX_BODY_BYTES + 1)}
    request = client.build_request("POST", "/create_order", content=b"{}", headers=headers)
    assert_error(client.send(request), 413, "payload_too_large")


def test_a_batch_over_the_size_limit_is_422(client: httpx.Client) -> None:
    minimal = [{**order(index), "shipping_address": "x"} for index in range(1, MAX_BATCH_SIZE + 2)]
    response = post_json(client, "/create_orders", minimal)
    # A batch this long is also over the byte limit; either refusal is documented.
    assert response.status_code in (413, 422)
    assert client.get("/orders").json() == []
