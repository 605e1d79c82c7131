"""Fixtures: a real MariaDB, and the service served both ways over real sockets.

Each test session creates its own databases and drops them at the end. With no
MariaDB reachable and none installed, every test that needs one errors with
the install hint: nothing is skipped.
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx
import pytest
from hypothesis import HealthCheck, settings
from openapi_core import OpenAPI
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.testing import MockRequest, MockResponse

from devtools.mariadb import MariaDBNotFound, MariaDBServer, free_port, locate_or_start
from devtools.servers import KINDS, ROOT, WASM_ARTIFACT, Kind, ServerProcess
from orders.openapi import SPEC

CONTRACT = OpenAPI.from_dict(SPEC)

# Examples per fuzzing property: `make test` runs the default profile,
# `make soak` passes --hypothesis-profile=soak.
settings.register_profile(
    "default", max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.register_profile("soak", settings.get_profile("default"), max_examples=600)
settings.load_profile("default")

# Fuzz cases sent, by fuzzer; written to $ORDERS_FUZZ_TALLY for RELIABILITY.md.
FUZZ_CASES: Counter[str] = Counter()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if tally := os.environ.get("ORDERS_FUZZ_TALLY"):
        Path(tally).write_text(json.dumps(dict(FUZZ_CASES)) + "\n")


def check_against_contract(response: httpx.Response) -> None:
    """Fail unless the response is one the OpenAPI spec documents. Paths and
    methods outside the spec may only be answered with the documented 404/405."""
    response.read()
    request = response.request
    content_type = response.headers.get("content-type", "")
    try:
        CONTRACT.validate_response(
            MockRequest(
                f"{request.url.scheme}://{request.url.netloc.decode()}",
                request.method,
                request.url.path,
                args=dict(request.url.params),
            ),
            MockResponse(response.content, response.status_code, dict(response.headers), content_type),
        )
    except (PathNotFound, OperationNotFound):
        expected = "not_found" if response.status_code == 404 else "method_not_allowed"
        assert response.json()["error"]["code"] == expected, f"{request.method} {request.url.path} is not in the spec"


# wasmtime logs this line whenever a guest traps or fails to answer.
TRAP_MARKER = "worker failed:"
# The component plus test-only routes (tests/wasm_probe), built by `make test`.
PROBE = ROOT / "wasm-build" / "dist" / "orders-probe.cwasm"


class Service:
    """A running order service (wasm or native) with its own database."""

    def __init__(
        self, kind: Kind, mariadb: MariaDBServer, database: str, log: IO[bytes], artifact: Path, **env: str
    ) -> None:
        self.kind = kind
        self.mariadb = mariadb
        self.database = database
        self.log_path = Path(log.name)
        self.process = ServerProcess(
            kind, free_port(), {"DATABASE_URL": mariadb.url(database), **env}, log=log, artifact=artifact
        )
        self.base_url = self.process.base_url

    def client(self, *, check_contract: bool = True) -> httpx.Client:
        """A client whose every response is checked against the OpenAPI spec."""
        hooks = {"response": [check_against_contract]} if check_contract else {}
        return httpx.Client(base_url=self.base_url, timeout=30, event_hooks=hooks)

    def restart(self) -> None:
        self.process.stop()
        self.process.start()

    def traps(self) -> int:
        """How many times wasmtime has reported a guest failure in this server's log."""
        return self.log_path.read_text(errors="replace").count(TRAP_MARKER)


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


class ServiceFactory:
    """Starts services on fresh databases, and stops and drops them all at the end."""

    def __init__(self, mariadb: MariaDBServer, log_dir: Path) -> None:
        self.mariadb = mariadb
        self.log_dir = log_dir
        self.session_id = uuid.uuid4().hex[:8]
        self.services: list[Service] = []
        self._logs: list[IO[bytes]] = []

    def __call__(
        self, kind: Kind, name: str, *, start: bool = True, artifact: Path = WASM_ARTIFACT, **env: str
    ) -> Service:
        database = f"orders_test_{self.session_id}_{name}_{kind}"
        self.mariadb.create_database(database)
        log = (self.log_dir / f"{name}-{kind}.log").open("ab")
        self._logs.append(log)
        service = Service(kind, self.mariadb, database, log, artifact, **env)
        self.services.append(service)
        if start:
            service.process.start()
        return service

    def close(self) -> None:
        for service in self.services:
            service.process.stop()
            self.mariadb.drop_database(service.database)
        for log in self._logs:
            log.close()


@pytest.fixture(scope="session", params=KINDS)
def service(request: pytest.FixtureRequest, make_service: ServiceFactory) -> Service:
    """The order service, once as a wasm component on wasmtime and once natively."""
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
