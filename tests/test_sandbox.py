"""What the component cannot reach: host files, and host environment
variables other than the settings serve.sh passes by name."""

from __future__ import annotations

from typing import Any

from orders.config import ENVIRONMENT
from tests.support.servers import PROBE, Service, ServiceFactory

# Set by `wasmtime serve` itself for each instance, not taken from the host.
SET_BY_THE_RUNTIME = {"INSTANCE_ID"}
# A valid value for every setting, so each one must reach the guest.
EVERY_SETTING = {name: "3" for name in ENVIRONMENT if name != "DATABASE_URL"}


def sandbox(service: Service) -> dict[str, Any]:
    with service.client(check_contract=False) as http:
        report: dict[str, Any] = http.get("/__sandbox__").raise_for_status().json()
    return report


def test_no_host_file_or_directory_is_readable(probe: Service) -> None:
    report = sandbox(probe)
    assert report["read"], "the probe tried no files"
    for path, outcome in {**report["read"], **report["list"]}.items():
        assert set(outcome) == {"error"}, f"the guest could read {path}: {outcome}"


def test_every_setting_and_nothing_else_is_visible(make_service: ServiceFactory) -> None:
    service = make_service(
        "wasm", "sandboxenv", artifact=PROBE, env=EVERY_SETTING, HOST_ONLY_SECRET="not-for-the-guest"
    )
    assert set(sandbox(service)["environment"]) == set(ENVIRONMENT) | SET_BY_THE_RUNTIME
