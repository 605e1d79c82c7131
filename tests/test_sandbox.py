"""What the component cannot reach: host files, and host environment
variables other than those serve.sh passes by name."""

from __future__ import annotations

import re
from typing import Any

from devtools.servers import SERVE_WASM
from tests.conftest import PROBE, Service, ServiceFactory

# Set by `wasmtime serve` itself for each instance, not taken from the host.
SET_BY_THE_RUNTIME = {"INSTANCE_ID"}


def passed_by_name() -> set[str]:
    """The variable names wasm-build/serve.sh hands to the component."""
    script = SERVE_WASM.read_text()
    listing = re.search(r"^for name in (.*?); do", script, flags=re.MULTILINE | re.DOTALL)
    assert listing is not None
    return set(listing.group(1).replace("\\", " ").split())


def sandbox(service: Service) -> dict[str, Any]:
    with service.client(check_contract=False) as http:
        report: dict[str, Any] = http.get("/__sandbox__").raise_for_status().json()
    return report


def test_no_host_file_or_directory_is_readable(probe: Service) -> None:
    report = sandbox(probe)
    assert report["read"], "the probe tried no files"
    for path, outcome in {**report["read"], **report["list"]}.items():
        assert set(outcome) == {"error"}, f"the guest could read {path}: {outcome}"


def test_only_variables_passed_by_name_are_visible(make_service: ServiceFactory) -> None:
    service = make_service(
        "wasm", "sandboxenv", artifact=PROBE, HOST_ONLY_SECRET="not-for-the-guest", ORDERS_DB_POOL_SIZE="3"
    )
    visible = set(sandbox(service)["environment"])
    assert {"DATABASE_URL", "ORDERS_DB_POOL_SIZE"} <= visible
    assert visible <= passed_by_name() | SET_BY_THE_RUNTIME
    assert not visible & {"HOST_ONLY_SECRET", "PATH", "HOME", "USER"}
    assert "DAPR_HTTP_PORT" in passed_by_name()
