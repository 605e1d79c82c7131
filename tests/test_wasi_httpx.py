"""The wasi:http transport for httpx: the same requests natively (httpx's own
transport) and inside the component (WasiHTTPTransport), against a real local
HTTP server, with the same outcomes expected of both."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from devtools.mariadb import free_port
from tests.support.http_target import HTTPTarget
from tests.support.servers import Service
from tests.wasm_probe.fetch import fetch, payload

Fetch = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture(scope="module")
def target() -> Iterator[HTTPTarget]:
    server = HTTPTarget()
    yield server
    server.close()


@pytest.fixture(params=["native", "wasm"])
def run(request: pytest.FixtureRequest, probe: Service) -> Iterator[Fetch]:
    if request.param == "native":
        with httpx.Client() as client:
            yield lambda spec: fetch(client, spec)
    else:
        with probe.client(check_contract=False) as client:
            yield lambda spec: client.post("/__fetch__", content=json.dumps(spec)).raise_for_status().json()


@pytest.mark.parametrize("status", [200, 201, 404, 503])
def test_status_codes_and_bodies(run: Fetch, target: HTTPTarget, status: int) -> None:
    result = run({"url": f"{target.base_url}/status/{status}"})
    assert result["status"] == status
    assert json.loads(result["body_text"]) == {"status": "as asked"}


def test_headers_go_out_and_come_back(run: Fetch, target: HTTPTarget) -> None:
    result = run(
        {
            "url": f"{target.base_url}/headers",
            "headers": {"x-request-id": "abc-123", "accept": "application/json"},
            "want_headers": ["x-target", "content-type"],
        }
    )
    assert result["headers"] == {"x-target": "yes", "content-type": "application/json"}
    echoed = json.loads(result["body_text"])
    assert echoed["x-request-id"] == "abc-123"
    assert echoed["accept"] == "application/json"
    assert echoed["host"] == target.base_url.removeprefix("http://")


@pytest.mark.parametrize("route", ["bytes", "chunked"])
def test_response_bodies_over_one_mebibyte(run: Fetch, target: HTTPTarget, route: str) -> None:
    size = 3 * 1024 * 1024 + 17
    result = run({"url": f"{target.base_url}/{route}/{size}"})
    assert result["status"] == 200
    assert result["body_length"] == size
    assert result["body_sha256"] == hashlib.sha256(payload(size)).hexdigest()


def test_request_body_over_one_mebibyte(run: Fetch, target: HTTPTarget) -> None:
    size = 2 * 1024 * 1024 + 5
    body = payload(size)
    result = run({"method": "POST", "url": f"{target.base_url}/echo", "body_size": size})
    assert json.loads(result["body_text"]) == {"length": len(body), "sha256": hashlib.sha256(body).hexdigest()}


def test_connection_refused_is_a_connect_error(run: Fetch) -> None:
    assert run({"url": f"http://127.0.0.1:{free_port()}/"}) == {"error": "ConnectError", "is_timeout": False}


def test_a_slow_answer_is_a_read_timeout(run: Fetch, target: HTTPTarget) -> None:
    assert run({"url": f"{target.base_url}/slow/3", "timeout": 0.5}) == {"error": "ReadTimeout", "is_timeout": True}
