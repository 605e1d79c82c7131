"""Faults under load, on a private MariaDB that this module starts and removes:
nothing acknowledged is lost, no write is half applied, and the service
recovers by itself."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devtools.mariadb import MariaDBNotFound, MariaDBServer, start_private
from devtools.servers import KINDS, Kind
from reliability.faults import FAST_RUN, database_crash, server_kill
from reliability.load import WRITES_AFTER_FAULT, Report, run_load
from tests.support.servers import ServiceFactory

RECOVERY_WITHIN_SECONDS = 5.0


@pytest.fixture(scope="module")
def private_mariadb() -> Iterator[MariaDBServer]:
    try:
        server = start_private(log=False)
    except MariaDBNotFound as error:
        pytest.fail(str(error), pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def make_faulty_service(
    private_mariadb: MariaDBServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceFactory]:
    factory = ServiceFactory(private_mariadb, tmp_path_factory.mktemp("fault-logs"))
    yield factory
    factory.close()


def assert_nothing_lost(report: Report) -> None:
    assert report.unexpected == []
    assert report.final_state_matches
    assert report.acknowledged_writes > 300
    assert report.acknowledged_after_fault >= FAST_RUN.concurrency * WRITES_AFTER_FAULT


@pytest.mark.timeout(300)
@pytest.mark.parametrize("kind", KINDS)
def test_database_crash_mid_load(
    kind: Kind, private_mariadb: MariaDBServer, make_faulty_service: ServiceFactory
) -> None:
    service = make_faulty_service(kind, "database_crash")
    report = run_load(service.base_url, FAST_RUN, fault=database_crash(private_mariadb, service.base_url))
    assert_nothing_lost(report)
    [fault] = report.faults
    assert set(fault["probes_while_down"]) == {"503 with Retry-After"}, fault
    assert report.statuses[503] > 0
    assert fault["service_ready_after_database_seconds"] < RECOVERY_WITHIN_SECONDS
    assert service.traps() == 0


@pytest.mark.timeout(300)
def test_wasmtime_killed_mid_load(make_faulty_service: ServiceFactory) -> None:
    service = make_faulty_service("wasm", "server_kill")
    report = run_load(service.base_url, FAST_RUN, fault=server_kill(service.process))
    assert_nothing_lost(report)
    [fault] = report.faults
    assert report.transport_errors["ConnectError"] > 0
    assert fault["service_ready_after_restart_seconds"] < RECOVERY_WITHIN_SECONDS
    assert service.traps() == 0
