"""Servers in bad situations: database unreachable, configuration missing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devtools.mariadb import free_port
from devtools.servers import KINDS, WASM_ARTIFACT, WASMEDGE_MODULE, Kind, wasmtime_binary
from tests.support.payloads import assert_error, order, post_json
from tests.support.servers import ServiceFactory


@pytest.mark.parametrize("kind", KINDS)
def test_unreachable_database_is_503_with_retry_after(make_service: ServiceFactory, kind: Kind) -> None:
    nobody_listens = f"mysql://root@127.0.0.1:{free_port()}/orders"
    service = make_service(kind, "unreachable", DATABASE_URL=nobody_listens)
    with service.client() as http:
        for response in (http.get("/orders"), http.get("/readyz"), post_json(http, "/create_order", order(1))):
            assert_error(response, 503, "database_unavailable")
            assert response.headers["retry-after"] == "2"
        assert http.get("/livez").json() == {"status": True}
        # Validation still comes first: a bad body is the client's error.
        assert_error(post_json(http, "/create_order", {"order_id": 1}), 422, "validation_failed")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("database_url", ["", "postgres://root@127.0.0.1/orders", "mysql://root@127.0.0.1:3306"])
def test_bad_configuration_is_a_json_500(make_service: ServiceFactory, kind: Kind, database_url: str) -> None:
    service = make_service(kind, "misconfigured", DATABASE_URL=database_url)
    with service.client() as http:
        error = assert_error(http.get("/orders"), 500, "misconfigured")
        assert "DATABASE_URL" in error["message"]
        assert http.get("/livez").status_code == 200


def test_wasm_server_is_wasmtime_running_the_component(make_service: ServiceFactory) -> None:
    service = make_service("wasm", "identity")
    process = service.process.process
    assert process is not None
    # serve.sh execs the runtime, so the server's own process is wasmtime.
    assert Path(os.readlink(f"/proc/{process.pid}/exe")) == wasmtime_binary().resolve()
    cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
    assert b"serve" in cmdline
    assert str(WASM_ARTIFACT).encode() in cmdline
    with service.client() as http:
        assert http.get("/livez").status_code == 200


@pytest.mark.wasmedge
def test_wasmedge_server_runs_the_aot_module_in_aot_mode_with_no_secret_in_its_command_line(
    make_service: ServiceFactory,
) -> None:
    secret = "p4ss-in-the-url"
    service = make_service("wasmedge", "wasmedge_identity", DATABASE_URL=f"mysql://root:{secret}@127.0.0.1:1/orders")
    process = service.process.process
    assert process is not None
    # serve.sh execs the runtime, so the server's own process is wasmedge.
    assert Path(os.readlink(f"/proc/{process.pid}/exe")).name == "wasmedge"
    cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
    assert cmdline[cmdline.index(b"--run-mode") + 1] == b"aot", "WasmEdge 0.17 would run the module interpreted"
    assert str(WASMEDGE_MODULE).encode() in cmdline
    assert not any(secret.encode() in argument for argument in cmdline)
    with service.client() as http:
        assert http.get("/livez").status_code == 200
        assert_error(http.get("/orders"), 503, "database_unavailable")
