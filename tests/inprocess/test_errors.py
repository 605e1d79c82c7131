"""Every failure becomes the documented JSON error, mapped in one place."""

from __future__ import annotations

import httpx
import pytest

from devtools.mariadb import free_port
from orders.http import Request, Response
from orders.routing import Route
from orders.store import OrderStore
from tests.inprocess.conftest import AppFactory, client_for
from tests.support.payloads import assert_error, order, post_json


def test_unknown_path_is_404_and_wrong_method_405_with_allow(client: httpx.Client) -> None:
    assert_error(client.get("/nope"), 404, "not_found")
    response = client.delete("/orders")
    allowed = ["GET", "HEAD", "POST", "OPTIONS"]
    assert assert_error(response, 405, "method_not_allowed")["details"] == {"allowed": allowed}
    assert response.headers["allow"] == ", ".join(allowed)


def test_bad_body_is_400_415_or_422(client: httpx.Client) -> None:
    assert_error(client.post("/create_order", content=b"{"), 400, "malformed_json")
    assert_error(
        client.post("/create_order", content=b"{}", headers={"content-type": "text/xml"}), 415, "unsupported_media_type"
    )
    details = assert_error(post_json(client, "/create_order", {"order_id": 0}), 422, "validation_failed")["details"]
    assert {"field": "order_id", "message": "must be bigger than or equal to 1"} in details


def test_repository_errors_become_404_and_409(client: httpx.Client) -> None:
    assert post_json(client, "/create_order", order(1)).json() == {"status": True}
    assert_error(post_json(client, "/create_order", order(1)), 409, "duplicate_order_id")
    error = assert_error(client.get("/orders/2"), 404, "order_not_found")
    assert error["details"] == {"order_id": 2}


def test_unreachable_database_is_503_with_retry_after(make_app: AppFactory) -> None:
    app = make_app(DATABASE_URL=f"mysql://root@127.0.0.1:{free_port()}/orders", ORDERS_RETRY_AFTER_SECONDS="7")
    with client_for(app) as http:
        response = http.get("/orders")
        assert_error(response, 503, "database_unavailable")
        assert response.headers["retry-after"] == "7"
        assert http.get("/livez").status_code == 200


@pytest.mark.parametrize("url", ["", "postgres://root@localhost/orders", "mysql://root@localhost:notaport/orders"])
def test_bad_configuration_is_500_misconfigured(make_app: AppFactory, url: str) -> None:
    with client_for(make_app(DATABASE_URL=url)) as http:
        assert "DATABASE_URL" in assert_error(http.get("/orders"), 500, "misconfigured")["message"]


def test_an_unexpected_exception_is_500_internal_error(make_app: AppFactory) -> None:
    def broken(request: Request, store: OrderStore) -> Response:
        raise RuntimeError("a bug, with a secret: hunter2")

    app = make_app(routes=(Route("GET", "/broken", broken, "Always fails"),))
    with client_for(app, check_contract=False) as http:
        response = http.get("/broken")
    error = assert_error(response, 500, "internal_error")
    assert "hunter2" not in response.text
    assert error["details"] is None
