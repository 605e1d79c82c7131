"""Every answer carries a request id, and every log line of the request too."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from devtools.mariadb import free_port
from orders.logs import configure
from tests.inprocess.conftest import AppFactory, client_for


@pytest.fixture
def log_lines(capsys: pytest.CaptureFixture[str]) -> Any:
    configure()

    def lines() -> list[dict[str, Any]]:
        return [json.loads(line) for line in capsys.readouterr().err.splitlines()]

    return lines


def test_a_sane_request_id_is_kept_and_logged(client: httpx.Client, log_lines: Any) -> None:
    log_lines()
    response = client.get("/orders/5", headers={"x-request-id": "abc.DEF:1-2_3"})
    assert response.headers["x-request-id"] == "abc.DEF:1-2_3"
    [entry] = log_lines()
    assert entry["request_id"] == "abc.DEF:1-2_3"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/orders/5", 404)


@pytest.mark.parametrize("given", ["", "with space", "x" * 129, "ünïcode", "a;b"])
def test_an_unsafe_request_id_is_replaced(client: httpx.Client, log_lines: Any, given: str) -> None:
    log_lines()
    response = client.get("/livez", headers={b"x-request-id": given.encode()})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])
    assert [entry["request_id"] for entry in log_lines()] == [response.headers["x-request-id"]]


def test_warnings_carry_the_id_of_their_request(make_app: AppFactory, log_lines: Any) -> None:
    app = make_app(DATABASE_URL=f"mysql://root@127.0.0.1:{free_port()}/orders")
    log_lines()
    with client_for(app) as http:
        assert http.get("/orders", headers={"x-request-id": "warned-1"}).status_code == 503
    entries = log_lines()
    assert [(entry["level"], entry["message"]) for entry in entries] == [
        ("WARNING", "database unavailable"),
        ("INFO", "request"),
    ]
    assert {entry["request_id"] for entry in entries} == {"warned-1"}
