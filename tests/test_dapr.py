"""Order events through a Dapr sidecar, for the wasm and the native server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from devtools.mariadb import free_port
from devtools.servers import KINDS, Kind
from tests.support.dapr_sidecar import FakeSidecar
from tests.support.payloads import assert_error, order, post_json
from tests.support.servers import Service, ServiceFactory

PUBLISH_PATH = "/v1.0/publish/orderpubsub/orders"


@pytest.fixture(scope="module")
def sidecar() -> Iterator[FakeSidecar]:
    fake = FakeSidecar()
    yield fake
    fake.close()


@pytest.fixture(scope="module", params=KINDS)
def dapr_service(request: pytest.FixtureRequest, make_service: ServiceFactory, sidecar: FakeSidecar) -> Service:
    kind: Kind = request.param
    return make_service(kind, "dapr", DAPR_HTTP_PORT=str(sidecar.port), ORDERS_DAPR_TIMEOUT_SECONDS="1")


@pytest.fixture
def http(dapr_service: Service, sidecar: FakeSidecar) -> Iterator[httpx.Client]:
    with dapr_service.client() as client:
        client.get("/init")
        sidecar.calls.clear()
        sidecar.mode = "ok"
        sidecar.on_publish = None
        yield client


def stored(service: Service, order_id: int) -> dict[str, Any] | None:
    """The row as the database has it right now, from outside the service."""
    with service.mariadb.connect(service.database) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT shipping_address FROM orders WHERE order_id = %s", (order_id,))
        row = cursor.fetchone()
    return {"shipping_address": row[0]} if row else None


def test_writes_publish_events_after_their_commit(
    http: httpx.Client, dapr_service: Service, sidecar: FakeSidecar
) -> None:
    sidecar.on_publish = lambda body: stored(dapr_service, body["order"]["order_id"])
    assert post_json(http, "/create_order", order(1)).json() == {"status": True}
    assert post_json(http, "/update_order", order(1, shipping_address="2 New Road")).json() == {"status": True}
    assert http.get("/delete_order", params={"id": 1}).json() == {"status": True}

    calls = sidecar.publishes()
    assert [(call.method, call.path, call.content_type) for call in calls] == [
        ("POST", PUBLISH_PATH, "application/json")
    ] * 3
    assert [call.body for call in calls] == [
        {"type": "order.created", "order": order(1)},
        {"type": "order.updated", "order": order(1, shipping_address="2 New Road")},
        {"type": "order.deleted", "order": {"order_id": 1}},
    ]
    # What the database held when each event reached the sidecar.
    assert [call.observed for call in calls] == [
        {"shipping_address": "1 Test Street"},
        {"shipping_address": "2 New Road"},
        None,
    ]


def test_rest_routes_publish_too(http: httpx.Client, sidecar: FakeSidecar) -> None:
    post_json(http, "/orders", order(4))
    http.put("/orders/4", content=post_body(order(4, quantity=2)))
    http.delete("/orders/4")
    assert [call.body["type"] for call in sidecar.publishes()] == ["order.created", "order.updated", "order.deleted"]


def test_a_batch_publishes_each_order(http: httpx.Client, sidecar: FakeSidecar) -> None:
    assert post_json(http, "/create_orders", [order(1), order(2), order(3)]).json() == {"status": True}
    assert [call.body["order"]["order_id"] for call in sidecar.publishes()] == [1, 2, 3]


def test_refused_writes_publish_nothing(http: httpx.Client, sidecar: FakeSidecar) -> None:
    post_json(http, "/create_order", order(1))
    sidecar.calls.clear()
    assert_error(post_json(http, "/create_order", order(1)), 409, "duplicate_order_id")
    assert_error(post_json(http, "/create_order", {"order_id": 2}), 422, "validation_failed")
    assert_error(post_json(http, "/update_order", order(9)), 404, "order_not_found")
    assert sidecar.publishes() == []


def test_a_failing_sidecar_loses_the_event_not_the_write(
    http: httpx.Client, dapr_service: Service, sidecar: FakeSidecar
) -> None:
    sidecar.mode = "fail"
    assert post_json(http, "/create_order", order(7)).json() == {"status": True}
    assert stored(dapr_service, 7) is not None
    log = dapr_service.log_path.read_text()
    assert '"message": "order event not published"' in log
    assert '"order_id": 7' in log


def test_a_hanging_sidecar_costs_one_timeout_per_request(
    http: httpx.Client, dapr_service: Service, sidecar: FakeSidecar
) -> None:
    sidecar.mode = "hang"
    started = time.monotonic()
    response = post_json(http, "/create_orders", [order(1), order(2), order(3), order(4)])
    elapsed = time.monotonic() - started
    assert response.json() == {"status": True}
    assert 1 <= elapsed < 4, f"took {elapsed:.1f} s with a 1 s sidecar timeout"
    assert len(sidecar.publishes()) == 1
    assert all(stored(dapr_service, order_id) for order_id in (1, 2, 3, 4))


def test_readiness_reports_the_sidecar(http: httpx.Client, sidecar: FakeSidecar) -> None:
    assert http.get("/readyz").json() == {"status": True, "database": "reachable", "dapr": "healthy"}
    assert ("GET", "/v1.0/healthz/outbound") in [(call.method, call.path) for call in sidecar.calls]
    sidecar.mode = "fail"
    response = http.get("/readyz")
    assert_error(response, 503, "dapr_unavailable")
    assert response.headers["retry-after"] == "2"


@pytest.mark.parametrize("kind", KINDS)
def test_pubsub_name_comes_from_the_environment(make_service: ServiceFactory, kind: Kind) -> None:
    custom = FakeSidecar()
    try:
        service = make_service(kind, "custompubsub", DAPR_HTTP_PORT=str(custom.port), DAPR_PUBSUB_NAME="events")
        with service.client() as http:
            assert post_json(http, "/create_order", order(1)).json() == {"status": True}
        assert [call.path for call in custom.publishes()] == ["/v1.0/publish/events/orders"]
    finally:
        custom.close()


@pytest.mark.parametrize("kind", KINDS)
def test_no_sidecar_listening_still_stores_the_order(make_service: ServiceFactory, kind: Kind) -> None:
    service = make_service(kind, "nosidecar", DAPR_HTTP_PORT=str(free_port()))
    with service.client() as http:
        assert post_json(http, "/create_order", order(3)).json() == {"status": True}
        assert http.get("/orders/3").status_code == 200
        assert_error(http.get("/readyz"), 503, "dapr_unavailable")
    assert "ConnectError" in service.log_path.read_text()


def post_body(payload: dict[str, Any]) -> bytes:
    return httpx.Request("POST", "/", json=payload).read()
