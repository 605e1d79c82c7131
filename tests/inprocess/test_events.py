"""Order events: published after the commit, one per order, and never for a
write that failed. The sidecar is a stand-in speaking Dapr's HTTP API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from devtools.mariadb import MariaDBServer
from orders.app import App
from tests.inprocess.conftest import AppFactory, client_for
from tests.support.dapr_sidecar import FakeSidecar
from tests.support.payloads import assert_error, order, post_json


@pytest.fixture
def sidecar() -> Iterator[FakeSidecar]:
    fake = FakeSidecar()
    yield fake
    fake.close()


@pytest.fixture
def app(make_app: AppFactory, sidecar: FakeSidecar) -> App:
    return make_app(DAPR_HTTP_PORT=str(sidecar.port), ORDERS_DAPR_TIMEOUT_SECONDS="1")


@pytest.fixture
def http(app: App, sidecar: FakeSidecar, mariadb: MariaDBServer, database: str) -> Iterator[httpx.Client]:
    def stored(body: dict[str, Any]) -> Any:
        """The order's row as the database holds it when its event arrives."""
        with mariadb.connect(database) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT quantity FROM orders WHERE order_id = %s", (body["order"]["order_id"],))
            return cursor.fetchone()

    with client_for(app) as client:
        client.get("/init")
        sidecar.on_publish = stored
        yield client


def test_every_write_route_publishes_after_its_commit(http: httpx.Client, sidecar: FakeSidecar) -> None:
    post_json(http, "/create_order", order(1))
    post_json(http, "/orders", order(2))
    post_json(http, "/create_orders", [order(3), order(4)])
    post_json(http, "/update_order", order(1, quantity=5))
    http.put("/orders/2", json=order(2, quantity=6))
    http.get("/delete_order", params={"id": 3})
    http.delete("/orders/4")
    published = [(call.body["type"], call.body["order"]["order_id"], call.observed) for call in sidecar.publishes()]
    assert published == [
        ("order.created", 1, (1,)),
        ("order.created", 2, (1,)),
        ("order.created", 3, (1,)),
        ("order.created", 4, (1,)),
        ("order.updated", 1, (5,)),
        ("order.updated", 2, (6,)),
        ("order.deleted", 3, None),
        ("order.deleted", 4, None),
    ]


def test_refused_writes_publish_nothing(http: httpx.Client, sidecar: FakeSidecar) -> None:
    post_json(http, "/create_order", order(1))
    sidecar.calls.clear()
    assert_error(post_json(http, "/create_order", order(1)), 409, "duplicate_order_id")
    assert_error(post_json(http, "/create_orders", [order(2), order(2)]), 409, "duplicate_order_id")
    assert_error(post_json(http, "/update_order", order(9)), 404, "order_not_found")
    assert_error(http.delete("/orders/9"), 404, "order_not_found")
    assert_error(post_json(http, "/create_order", {"order_id": 2}), 422, "validation_failed")
    assert sidecar.publishes() == []


def test_a_failing_sidecar_costs_the_event_not_the_write(http: httpx.Client, sidecar: FakeSidecar) -> None:
    sidecar.mode = "fail"
    assert post_json(http, "/create_orders", [order(1), order(2)]).json() == {"status": True}
    assert len(sidecar.publishes()) == 1, "the rest of the request's events are skipped"
    assert [row["order_id"] for row in http.get("/orders").json()] == [1, 2]
