"""Structured logs with request ids, and credentials kept out of sight."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest

from devtools.mariadb import free_port
from devtools.servers import KINDS, Kind
from tests.support.payloads import assert_error, order, post_json
from tests.support.servers import Service, ServiceFactory


def log_entries(service: Service) -> list[dict[str, Any]]:
    """The JSON lines of a server's log; wasmtime prefixes each guest line."""
    entries = []
    for line in service.log_path.read_text(errors="replace").splitlines():
        start = line.find("{")
        if start != -1:
            try:
                entries.append(json.loads(line[start:]))
            except json.JSONDecodeError:
                continue
    return entries


def logged_for(service: Service, request_id: str) -> list[dict[str, Any]]:
    return [entry for entry in log_entries(service) if entry.get("request_id") == request_id]


def test_an_incoming_request_id_is_answered_and_logged(service: Service) -> None:
    request_id = f"trace-{uuid.uuid4().hex[:8]}.a:1"
    with service.client() as http:
        response = http.get("/livez", headers={"x-request-id": request_id})
    assert response.headers["x-request-id"] == request_id
    [entry] = logged_for(service, request_id)
    assert (entry["message"], entry["method"], entry["path"], entry["status"]) == ("request", "GET", "/livez", 200)
    assert entry["level"] == "INFO"
    assert 0 <= entry["latency_ms"] < 10_000


@pytest.mark.parametrize("given", [None, "", "has spaces", "x" * 129, "semi;colon", "ünïcode"])
def test_a_missing_or_unsafe_request_id_is_replaced(service: Service, given: str | None) -> None:
    headers = {} if given is None else {b"x-request-id": given.encode()}
    with service.client() as http:
        response = http.get("/nope", headers=headers)
    assert response.status_code == 404
    generated = response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    [entry] = logged_for(service, generated)
    assert entry["status"] == 404


def test_warnings_carry_the_request_id(make_service: ServiceFactory) -> None:
    service = make_service("wasm", "warnings", DATABASE_URL=f"mysql://root@127.0.0.1:{free_port()}/orders")
    with service.client() as http:
        response = http.get("/orders", headers={"x-request-id": "warned-1"})
    assert response.status_code == 503
    levels = {entry["message"]: entry["level"] for entry in logged_for(service, "warned-1")}
    assert levels == {"database unavailable": "WARNING", "request": "INFO"}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("host_and_port", ["127.0.0.1:{free}", "127.0.0.1:notaport", "[::1"])
def test_credentials_never_reach_bodies_or_logs(make_service: ServiceFactory, kind: Kind, host_and_port: str) -> None:
    secret = f"s3cret-{uuid.uuid4().hex}"
    url = f"mysql://orders:{secret}@{host_and_port.format(free=free_port())}/orders"
    service = make_service(kind, "secrets", DATABASE_URL=url)
    with service.client() as http:
        responses = [
            http.get("/"),
            http.get("/orders"),
            http.get("/readyz"),
            post_json(http, "/create_order", {"order_id": 1}),
            http.post("/create_order", content=b"{"),
        ]
    assert [r.status_code for r in responses][1] in (500, 503)
    for response in responses:
        assert secret not in response.text
        assert secret not in str(response.headers)
    assert secret not in service.log_path.read_text(errors="replace")
    assert log_entries(service), "the server logged nothing at all"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("password", ["p@ss-{secret}", "{secret}@more-{secret}", "a:b@{secret}", "x/{secret}@y#z"])
def test_no_part_of_an_unencoded_password_reaches_the_logs(
    make_service: ServiceFactory, kind: Kind, password: str
) -> None:
    secret = uuid.uuid4().hex
    password = password.format(secret=secret)
    service = make_service(kind, "atsecrets", DATABASE_URL=f"mysql://orders:{password}@127.0.0.1:{free_port()}/orders")
    with service.client() as http:
        responses = [http.get("/orders"), http.get("/readyz"), post_json(http, "/create_order", order(1))]
    for response in responses:
        error = assert_error(response, 500, "misconfigured")
        assert "%40" in error["message"]
    seen = service.log_path.read_text(errors="replace") + "".join(r.text + str(r.headers) for r in responses)
    for piece in re.split(r"[@:/#?]", password):
        if len(piece) >= 4:
            assert piece not in seen, f"{piece!r} of the password was shown"


def test_every_native_log_line_is_json(make_service: ServiceFactory) -> None:
    service = make_service("native", "json_lines")
    with service.client() as http:
        assert http.get("/orders/1").status_code == 404
    service.process.stop()
    entries = [json.loads(line) for line in service.log_path.read_text().splitlines()]
    assert any(entry["message"].startswith("Booting worker") for entry in entries)
    assert any(entry["message"].startswith("Worker exiting") for entry in entries)
    assert any(entry.get("status") == 404 for entry in entries)
