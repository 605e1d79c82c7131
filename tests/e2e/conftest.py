"""The compose stack on a real Docker engine, for every test in tests/e2e.

One stack per session: the engine (started here if none runs, stopped at the
end only if started here), the stand-in base images, the project's images
built from nothing, and `docker compose up` of the database and every
service; at the end `docker compose down --volumes`. Progress lines go to the
terminal as each step starts, whatever pytest captures.

Without a WasmEdge build for the service (`make build-wasmedge`), the tests
against `orders-wasmedge` cannot run: they are set aside and the summary says
so loudly.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from devtools.docker.engine import Say, say_on_stderr, start_engine
from devtools.docker.stack import SERVICES, Stack, wasmedge_unavailable
from devtools.docker.standins import build_standins
from tests.support.contract import check_against_contract

WASMEDGE_SERVICE = "orders-wasmedge"
WASMEDGE_MISSING = wasmedge_unavailable()
COMPOSED = tuple(s for s in SERVICES if s != WASMEDGE_SERVICE or WASMEDGE_MISSING is None)
NOT_RUN = pytest.StashKey[int]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if WASMEDGE_MISSING is None:
        return
    needs_wasmedge = [item for item in items if _needs_wasmedge(item)]
    if needs_wasmedge:
        config.hook.pytest_deselected(items=needs_wasmedge)
        items[:] = [item for item in items if item not in needs_wasmedge]
        config.stash[NOT_RUN] = len(needs_wasmedge)


def _needs_wasmedge(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    on_wasmedge = callspec is not None and WASMEDGE_SERVICE in callspec.params.values()
    return on_wasmedge or item.get_closest_marker("wasmedge") is not None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "wasmedge: needs wasmedge-build/dist (make build-wasmedge)")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if not_run := config.stash.get(NOT_RUN, 0):
        terminalreporter.write_sep(
            "!", f"{WASMEDGE_MISSING}: {not_run} container tests of the wasmedge images NOT RUN", red=True, bold=True
        )


@pytest.fixture(scope="session")
def say(pytestconfig: pytest.Config) -> Say:
    """Progress on the terminal, past pytest's capture."""
    capture = pytestconfig.pluginmanager.getplugin("capturemanager")
    plain = say_on_stderr("e2e")

    def say(message: str) -> None:
        with capture.global_and_fixture_disabled():
            plain(message)

    if WASMEDGE_MISSING is not None:
        say(f"!!! {WASMEDGE_MISSING}: the wasmedge profile and images are NOT tested")
    return say


@pytest.fixture(scope="session")
def stack(say: Say) -> Iterator[Stack]:
    engine = start_engine(say)
    try:
        standins = build_standins(engine, say, wasmedge=WASMEDGE_MISSING is None)
        composed = Stack(engine, standins, say, services=COMPOSED)
        composed.down()  # whatever an interrupted run left
        try:
            composed.build_fresh()
            composed.up("db", *composed.services)
            yield composed
        finally:
            composed.down()
    finally:
        engine.stop(say)


@pytest.fixture(params=tuple(SERVICES))
def service(request: pytest.FixtureRequest) -> str:
    """Each composed service that serves the app."""
    name: str = request.param
    return name


@pytest.fixture
def client(stack: Stack, service: str) -> Iterator[httpx.Client]:
    """A client of the service on an empty orders table; every answer is held against the OpenAPI contract."""
    with httpx.Client(
        base_url=stack.url(service), timeout=30, event_hooks={"response": [check_against_contract]}
    ) as http:
        assert http.get("/init").json() == {"status": True}
        yield http
