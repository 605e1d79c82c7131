"""Browser pages on other origins: what CORS lets them read, and what they may
not change. Nothing is allowed by default, the service's own origin always."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devtools.servers import KINDS, Kind
from tests.support.payloads import assert_error, order, post_json
from tests.support.servers import Service, ServiceFactory

ALLOWED = "http://shop.example:3000"
# Every route that changes state, as a browser on a foreign page could send it.
WRITES = [
    ("GET", "/init", None),
    ("GET", "/delete_order?id=1", None),
    ("POST", "/create_order", order(2)),
    ("POST", "/create_orders", [order(2)]),
    ("POST", "/update_order", order(1, quantity=9)),
    ("POST", "/orders", order(2)),
    ("PUT", "/orders/1", order(1, quantity=9)),
    ("DELETE", "/orders/1", None),
]
foreign_origins = st.builds(
    "{}://{}{}".format,
    st.sampled_from(["http", "https"]),
    st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z]{2,6}){0,2}", fullmatch=True),
    st.sampled_from(["", ":80", ":8080", ":3000"]),
).filter(lambda origin: origin != ALLOWED) | st.just("null")


@pytest.fixture(scope="module", params=KINDS)
def cors_service(request: pytest.FixtureRequest, make_service: ServiceFactory) -> Service:
    kind: Kind = request.param
    return make_service(kind, "cors", ORDERS_CORS_ORIGINS=f"{ALLOWED}, https://admin.example")


@pytest.fixture
def http(cors_service: Service) -> Iterator[httpx.Client]:
    with cors_service.client() as client:
        client.get("/init")
        post_json(client, "/create_order", order(1))
        yield client


def assert_unchanged(http: httpx.Client) -> None:
    assert http.get("/orders").json() == [order(1)]


@pytest.mark.parametrize(("method", "path", "payload"), WRITES)
def test_a_foreign_page_may_not_change_state(http: httpx.Client, method: str, path: str, payload: object) -> None:
    response = http.request(method, path, json=payload, headers={"origin": "http://evil.example"})
    error = assert_error(response, 403, "origin_not_allowed")
    assert error["details"] == {"origin": "http://evil.example"}
    assert "access-control-allow-origin" not in response.headers
    assert_unchanged(http)


@given(origin=foreign_origins)
@settings(max_examples=25)
def test_no_unlisted_origin_may_wipe_the_orders(cors_service: Service, origin: str) -> None:
    with cors_service.client() as http:
        post_json(http, "/create_order", order(5))
        assert_error(http.get("/init", headers={"origin": origin}), 403, "origin_not_allowed")
        assert any(row["order_id"] == 5 for row in http.get("/orders").json())


def test_an_allowed_page_may_write_and_read_the_answer(http: httpx.Client) -> None:
    response = http.post("/orders", json=order(2), headers={"origin": ALLOWED})
    assert response.status_code == 201
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "x-request-id" in response.headers["access-control-expose-headers"]
    assert "origin" in response.headers["vary"].lower()
    error = http.get("/orders/99", headers={"origin": ALLOWED})
    assert error.status_code == 404
    assert error.headers["access-control-allow-origin"] == ALLOWED


def test_the_services_own_page_needs_no_listing(http: httpx.Client, cors_service: Service) -> None:
    own = cors_service.base_url
    response = http.post("/orders", json=order(3), headers={"origin": own})
    assert response.status_code == 201
    assert "access-control-allow-origin" not in response.headers


def test_a_preflight_from_an_allowed_origin_is_answered(http: httpx.Client) -> None:
    headers = {
        "origin": ALLOWED,
        "access-control-request-method": "PUT",
        "access-control-request-headers": "content-type",
    }
    response = http.options("/orders/1", headers=headers)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "PUT" in response.headers["access-control-allow-methods"].split(", ")
    assert "content-type" in response.headers["access-control-allow-headers"]
    assert int(response.headers["access-control-max-age"]) > 0


def test_a_preflight_from_an_unlisted_origin_is_refused(http: httpx.Client) -> None:
    headers = {"origin": "http://evil.example", "access-control-request-method": "DELETE"}
    response = http.options("/orders/1", headers=headers)
    assert_error(response, 403, "origin_not_allowed")


def test_reads_are_answered_to_anyone_but_readable_only_by_allowed_pages(http: httpx.Client) -> None:
    response = http.get("/orders", headers={"origin": "http://evil.example"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("kind", KINDS)
def test_nothing_is_allowed_by_default(make_service: ServiceFactory, kind: Kind) -> None:
    service = make_service(kind, "nocors")
    with service.client() as http:
        http.get("/init")
        assert_error(http.post("/orders", json=order(1), headers={"origin": ALLOWED}), 403, "origin_not_allowed")
        assert http.get("/orders").json() == []
        preflight = {"origin": ALLOWED, "access-control-request-method": "POST"}
        assert_error(http.options("/orders", headers=preflight), 403, "origin_not_allowed")
