"""The httpx transport that the WasmEdge module uses for the Dapr sidecar,
against the sidecar stand-in and against nothing at all."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from h11_transport import H11Transport

from devtools.mariadb import free_port
from tests.support.dapr_sidecar import FakeSidecar


@pytest.fixture
def sidecar() -> Iterator[FakeSidecar]:
    fake = FakeSidecar(hang_seconds=2)
    yield fake
    fake.close()


def client(port: int) -> httpx.Client:
    return httpx.Client(base_url=f"http://127.0.0.1:{port}", transport=H11Transport(), timeout=0.5)


def test_a_publish_reaches_the_sidecar(sidecar: FakeSidecar) -> None:
    with client(sidecar.port) as http:
        assert http.post("/v1.0/publish/p/orders", json={"order": 1}).status_code == 204
        assert http.get("/v1.0/healthz/outbound").status_code == 204
    assert [(call.method, call.body) for call in sidecar.calls] == [("POST", {"order": 1}), ("GET", None)]


def test_errors_are_httpx_errors(sidecar: FakeSidecar) -> None:
    with client(free_port()) as http, pytest.raises(httpx.ConnectError):
        http.get("/")
    sidecar.mode = "hang"
    with client(sidecar.port) as http, pytest.raises(httpx.ReadTimeout):
        http.get("/v1.0/healthz/outbound")
    with client(sidecar.port) as http, pytest.raises(httpx.UnsupportedProtocol):
        http.get("https://127.0.0.1/")
