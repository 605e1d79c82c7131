"""Fixtures: a real MariaDB, and the service served both ways over real sockets.

Each test session creates its own databases and drops them at the end. With no
MariaDB reachable and none installed, every test that needs one errors with
the install hint: nothing is skipped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devtools.mariadb import MariaDBNotFound, MariaDBServer, locate_or_start
from devtools.servers import KINDS, Kind, wasmedge_binary
from tests.support.fuzzing import FUZZ_CASES
from tests.support.servers import PROBE, Service, ServiceFactory

NOT_RUN_ON_WASMEDGE = pytest.StashKey[int]()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if tally := os.environ.get("ORDERS_FUZZ_TALLY"):
        Path(tally).write_text(json.dumps(dict(FUZZ_CASES)) + "\n")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without a WasmEdge CLI, the tests against the wasmedge server cannot
    run: they are set aside and counted, and the summary says so loudly."""
    if wasmedge_binary() is not None:
        return
    on_wasmedge = [
        item for item in items if "wasmedge" in _parameters(item).values() or item.get_closest_marker("wasmedge")
    ]
    if on_wasmedge:
        config.hook.pytest_deselected(items=on_wasmedge)
        items[:] = [item for item in items if item not in on_wasmedge]
        config.stash[NOT_RUN_ON_WASMEDGE] = len(on_wasmedge)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if not_run := config.stash.get(NOT_RUN_ON_WASMEDGE, 0):
        terminalreporter.write_sep(
            "!",
            f"NO WASMEDGE CLI (none in $WASMEDGE, on PATH or in ~/.wasmedge/bin): {not_run} tests on WasmEdge NOT RUN",
            red=True,
            bold=True,
        )


def _parameters(item: pytest.Item) -> dict[str, object]:
    callspec = getattr(item, "callspec", None)
    return dict(callspec.params) if callspec is not None else {}


@pytest.fixture(scope="session")
def mariadb() -> Iterator[MariaDBServer]:
    try:
        server = locate_or_start(os.environ.get("DATABASE_URL"), log=False)
    except MariaDBNotFound as error:
        pytest.fail(str(error), pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def make_service(mariadb: MariaDBServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceFactory]:
    factory = ServiceFactory(mariadb, tmp_path_factory.mktemp("server-logs"))
    yield factory
    factory.close()


@pytest.fixture(scope="session", params=KINDS)
def service(request: pytest.FixtureRequest, make_service: ServiceFactory) -> Service:
    """The order service: as a component on wasmtime, natively, and as a module on WasmEdge."""
    kind: Kind = request.param
    return make_service(kind, "main")


@pytest.fixture
def client(service: Service) -> Iterator[httpx.Client]:
    """A client on an empty orders table. The test fails if the server trapped."""
    traps_before = service.traps()
    with service.client() as http:
        assert http.get("/init").json() == {"status": True}
        yield http
    assert service.traps() == traps_before, f"the {service.kind} server trapped; see {service.log_path}"


@pytest.fixture(scope="session")
def probe(make_service: ServiceFactory) -> Service:
    """The component with its test-only routes, served by wasmtime."""
    assert PROBE.exists(), "run the tests through `make test`, which builds the probe component"
    return make_service("wasm", "probe", artifact=PROBE)
