"""The HTTP contract, run against the wasm component and the native twin alike."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from devtools.servers import KINDS, Kind
from orders.api import ROUTES
from orders.http import MAX_BODY_BYTES
from tests.support.db_proxy import CountingProxy
from tests.support.payloads import DEMO_ORDERS, DEMO_UPDATE, ROOT, assert_error, order, post_json, stored_ids
from tests.support.servers import NATIVE_WORKERS, Service, ServiceFactory


class TestClassicFlow:
    def test_readme_curl_flow(self, client: httpx.Client) -> None:
        # curl -d sends application/x-www-form-urlencoded; the demo relies on it.
        form = {"content-type": "application/x-www-form-urlencoded"}
        assert client.get("/init").json() == {"status": True}
        created = client.post("/create_orders", content=(ROOT / "orders.json").read_bytes(), headers=form)
        assert created.json() == {"status": True}
        assert client.get("/orders").json() == DEMO_ORDERS

        updated = client.post("/update_order", content=(ROOT / "update_order.json").read_bytes(), headers=form)
        assert updated.json() == {"status": True}
        assert client.get("/delete_order", params={"id": 2}).json() == {"status": True}

        expected = [DEMO_UPDATE if row["order_id"] == 3 else row for row in DEMO_ORDERS if row["order_id"] != 2]
        assert client.get("/orders").json() == expected
        assert DEMO_UPDATE["shipping_address"] == "123 Main Street"

    def test_index_lists_every_route(self, client: httpx.Client) -> None:
        listed = {(entry["method"], entry["path"]) for entry in client.get("/").json()}
        assert listed == {(route.method, route.path) for route in ROUTES}

    def test_echo_returns_the_body(self, client: httpx.Client) -> None:
        body = "héllo \x00 wörld".encode() * 100
        response = client.post("/echo", content=body, headers={"content-type": "text/plain; charset=utf-8"})
        assert response.status_code == 200
        assert response.content == body
        assert response.headers["content-type"] == "text/plain; charset=utf-8"

    def test_init_empties_the_table(self, client: httpx.Client) -> None:
        post_json(client, "/create_order", order(1))
        assert client.get("/init").json() == {"status": True}
        assert client.get("/orders").json() == []

    def test_orders_are_listed_by_order_id(self, client: httpx.Client) -> None:
        for order_id in (30, 10, 20):
            assert post_json(client, "/create_order", order(order_id)).json() == {"status": True}
        assert stored_ids(client) == [10, 20, 30]

    def test_update_order_of_absent_order_is_404(self, client: httpx.Client) -> None:
        error = assert_error(post_json(client, "/update_order", order(42)), 404, "order_not_found")
        assert error["details"] == {"order_id": 42}

    def test_update_with_identical_data_is_still_found(self, client: httpx.Client) -> None:
        post_json(client, "/create_order", order(5))
        assert post_json(client, "/update_order", order(5)).json() == {"status": True}

    def test_delete_order_of_absent_order_is_404(self, client: httpx.Client) -> None:
        assert_error(client.get("/delete_order", params={"id": 42}), 404, "order_not_found")

    @pytest.mark.parametrize("query", ["", "?id=", "?id=abc", "?id=-1", "?id=0", "?id=1&id=2", "?id=1.5"])
    def test_delete_order_needs_one_positive_id(self, client: httpx.Client, query: str) -> None:
        error = assert_error(client.get(f"/delete_order{query}"), 422, "validation_failed")
        assert error["details"][0]["field"] == "id"


class TestRestRoutes:
    def test_lifecycle(self, client: httpx.Client) -> None:
        created = post_json(client, "/orders", order(9))
        assert created.status_code == 201
        assert created.headers["location"] == "/orders/9"
        assert created.json() == order(9)
        assert client.get("/orders/9").json() == order(9)

        replaced = client.put("/orders/9", content=json.dumps(order(9, quantity=4)))
        assert replaced.status_code == 200
        assert replaced.json() == order(9, quantity=4)
        assert client.get("/orders/9").json()["quantity"] == 4

        deleted = client.delete("/orders/9")
        assert deleted.status_code == 204
        assert deleted.content == b""
        assert_error(client.get("/orders/9"), 404, "order_not_found")
        assert_error(client.delete("/orders/9"), 404, "order_not_found")

    def test_put_may_omit_the_order_id(self, client: httpx.Client) -> None:
        post_json(client, "/orders", order(3))
        body = {key: value for key, value in order(3, tax=9.25).items() if key != "order_id"}
        assert client.put("/orders/3", content=json.dumps(body)).json() == order(3, tax=9.25)

    def test_put_cannot_change_the_order_id(self, client: httpx.Client) -> None:
        post_json(client, "/orders", order(3))
        error = assert_error(client.put("/orders/3", content=json.dumps(order(4))), 422, "validation_failed")
        assert error["details"] == [{"field": "order_id", "message": "must match the order id in the path"}]

    def test_put_of_absent_order_is_404(self, client: httpx.Client) -> None:
        assert_error(client.put("/orders/77", content=json.dumps(order(77))), 404, "order_not_found")

    def test_post_orders_duplicate_is_409(self, client: httpx.Client) -> None:
        post_json(client, "/orders", order(1))
        assert_error(post_json(client, "/orders", order(1)), 409, "duplicate_order_id")


class TestErrors:
    @pytest.mark.parametrize(
        "body",
        [
            b"",
            b"{",
            b"[1,",
            b"not json",
            b'{"a": NaN}',
            b'{"a": Infinity}',
            b'{"a": 1, "a": 2}',
            b"\xff\xfe{}",
            b"[" * 100_000 + b"]" * 100_000,
            b"1" * 5000,
        ],
        ids=[
            "empty",
            "open-brace",
            "open-array",
            "text",
            "nan",
            "infinity",
            "duplicate-key",
            "bad-utf8",
            "deep-nesting",
            "huge-integer",
        ],
    )
    def test_malformed_json_is_400(self, client: httpx.Client, body: bytes) -> None:
        assert_error(client.post("/create_order", content=body), 400, "malformed_json")

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({k: v for k, v in order(1).items() if k != "tax"}, "tax"),
            ({**order(1), "colour": "red"}, "colour"),
            (order(1, quantity="2"), "quantity"),
            (order(1, quantity=2.5), "quantity"),
            (order(1, quantity=True), "quantity"),
            (order(1, quantity=-1), "quantity"),
            (order(2**31), "order_id"),
            (order(1, amount=-0.01), "amount"),
            (order(1, amount="56.0"), "amount"),
            (order(1, amount=1e10), "amount"),
            (order(1, amount=0.001), "amount"),
            (order(1, shipping_address="x" * 256), "shipping_address"),
            (order(1, shipping_address=""), "shipping_address"),
            (order(1, shipping_address=None), "shipping_address"),
        ],
    )
    def test_schema_violation_is_422_naming_the_field(
        self, client: httpx.Client, payload: dict[str, Any], field: str
    ) -> None:
        error = assert_error(post_json(client, "/create_order", payload), 422, "validation_failed")
        assert [detail["field"] for detail in error["details"]] == [field]
        assert client.get("/orders").json() == []

    def test_every_bad_field_is_reported(self, client: httpx.Client) -> None:
        payload = {**order(1, quantity=-5, shipping_address="x" * 300), "extra": 1}
        del payload["amount"]
        error = assert_error(post_json(client, "/create_order", payload), 422, "validation_failed")
        assert sorted(detail["field"] for detail in error["details"]) == [
            "amount",
            "extra",
            "quantity",
            "shipping_address",
        ]

    @pytest.mark.parametrize(
        ("payload", "field"),
        [([], "(body)"), (order(1), "(body)"), ([order(1), "x"], "[1]"), ([order(1), order(2, tax=-1)], "[1].tax")],
    )
    def test_bad_batch_is_422(self, client: httpx.Client, payload: Any, field: str) -> None:
        error = assert_error(post_json(client, "/create_orders", payload), 422, "validation_failed")
        assert [detail["field"] for detail in error["details"]] == [field]
        assert client.get("/orders").json() == []

    def test_address_of_255_characters_is_accepted(self, client: httpx.Client) -> None:
        address = "é" * 254 + "🚚"
        assert post_json(client, "/create_order", order(1, shipping_address=address)).json() == {"status": True}
        assert client.get("/orders/1").json()["shipping_address"] == address

    def test_unknown_path_is_404(self, client: httpx.Client) -> None:
        assert_error(client.get("/nope"), 404, "not_found")
        assert_error(client.get("/orders/abc"), 404, "not_found")

    def test_wrong_method_is_405_with_allow(self, client: httpx.Client) -> None:
        response = client.delete("/orders")
        error = assert_error(response, 405, "method_not_allowed")
        assert response.headers["allow"] == "GET, HEAD, POST, OPTIONS"
        assert error["details"] == {"allowed": ["GET", "HEAD", "POST", "OPTIONS"]}
        assert_error(client.get("/create_order"), 405, "method_not_allowed")

    def test_unsupported_content_type_is_415(self, client: httpx.Client) -> None:
        response = client.post("/create_order", content=json.dumps(order(1)), headers={"content-type": "text/xml"})
        assert_error(response, 415, "unsupported_media_type")

    def test_body_at_the_limit_is_accepted(self, client: httpx.Client) -> None:
        body = b"x" * MAX_BODY_BYTES
        response = client.post("/echo", content=body)
        assert response.status_code == 200
        assert response.content == body

    def test_body_over_the_limit_is_413(self, client: httpx.Client) -> None:
        assert_error(client.post("/echo", content=b"x" * (MAX_BODY_BYTES + 1)), 413, "payload_too_large")

    def test_chunked_body_over_the_limit_is_413(self, client: httpx.Client) -> None:
        def chunks() -> Iterator[bytes]:
            for _ in range(20):
                yield b"[" + b" " * (MAX_BODY_BYTES // 16)

        assert_error(client.post("/create_orders", content=chunks()), 413, "payload_too_large")


class TestData:
    def test_batch_insert_is_atomic(self, client: httpx.Client) -> None:
        assert post_json(client, "/create_orders", DEMO_ORDERS).json() == {"status": True}
        clashing = [order(6), order(7), order(3)]
        assert_error(post_json(client, "/create_orders", clashing), 409, "duplicate_order_id")
        repeated = [order(8), order(8)]
        assert_error(post_json(client, "/create_orders", repeated), 409, "duplicate_order_id")
        assert stored_ids(client) == [1, 2, 3, 4, 5]

    @pytest.mark.parametrize("amount", ["0", "0.01", "0.1", "19.99", "12345678.9", "9999999999.99", "100"])
    def test_money_round_trips_exactly(self, client: httpx.Client, service: Service, amount: str) -> None:
        payload = json.dumps(order(1)).replace('"amount": 10.5', f'"amount": {amount}')
        assert client.post("/create_order", content=payload).json() == {"status": True}

        returned = json.loads(client.get("/orders/1").text, parse_float=Decimal)["amount"]
        assert Decimal(returned) == Decimal(amount)
        with service.mariadb.connect(service.database) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT amount FROM orders WHERE order_id = 1")
            row = cursor.fetchone()
        assert row is not None
        assert row[0] == Decimal(amount)

    def test_integers_stay_integers(self, client: httpx.Client) -> None:
        post_json(client, "/create_order", order(1, quantity=3))
        stored = client.get("/orders/1").json()
        assert all(type(stored[name]) is int for name in ("order_id", "product_id", "quantity"))

    def test_a_whole_number_written_with_a_fraction_is_an_integer(self, client: httpx.Client) -> None:
        assert post_json(client, "/create_order", order(1, quantity=3.0)).json() == {"status": True}
        assert client.get("/orders/1").json()["quantity"] == 3

    def test_untrusted_text_is_stored_verbatim(self, client: httpx.Client) -> None:
        address = '\'); DROP TABLE orders; -- \x00 "quoted" \\ ünïcode'
        assert post_json(client, "/create_order", order(1, shipping_address=address)).json() == {"status": True}
        assert client.get("/orders").json()[0]["shipping_address"] == address


class TestServing:
    def test_livez_and_readyz(self, client: httpx.Client) -> None:
        assert client.get("/livez").json() == {"status": True}
        assert client.get("/readyz").json() == {"status": True, "database": "reachable", "dapr": "disabled"}

    def test_data_survives_a_server_restart(self, service: Service) -> None:
        with service.client() as http:
            http.get("/init")
            post_json(http, "/create_orders", DEMO_ORDERS)
        service.restart()
        with service.client() as http:
            assert http.get("/orders").json() == DEMO_ORDERS

    @pytest.mark.parametrize("kind", KINDS)
    def test_requests_reuse_the_database_connection(self, make_service: ServiceFactory, kind: Kind) -> None:
        """Counts the connections this service itself opens, through a proxy of
        its own: no other client of the shared MariaDB moves the count."""
        with CountingProxy(make_service.mariadb) as proxy:
            service = make_service(kind, "connections", through=proxy.server)
            with service.client() as http:

                def served() -> None:
                    # A fresh TCP connection each time, so every native worker serves some.
                    assert http.get("/orders", headers={"connection": "close"}).status_code == 200

                for _ in range(20):
                    served()
                before = proxy.accepted
                for _ in range(100):
                    served()
                opened = proxy.accepted - before
        assert before >= 1, "the service never went through the proxy"
        # A worker that served none of the first 20 may open its connection now.
        assert opened <= NATIVE_WORKERS, f"100 requests opened {opened} new database connections"
