"""The in-process tier: `App.handle` driven directly, against the real
MariaDB, in seconds. flaskr-style fixtures: `make_app` builds an app with its
own settings, `app` is the default one, `client` talks to it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest

from devtools.mariadb import MariaDBServer
from orders.app import App
from orders.config import Settings
from orders.routing import Route
from tests.support.contract import check_against_contract
from tests.support.inprocess import AppTransport

AppFactory = Callable[..., App]


@pytest.fixture(scope="module")
def database(mariadb: MariaDBServer) -> Iterator[str]:
    name = f"orders_test_inprocess_{uuid.uuid4().hex[:8]}"
    mariadb.create_database(name)
    yield name
    mariadb.drop_database(name)


@pytest.fixture
def make_app(mariadb: MariaDBServer, database: str) -> Iterator[AppFactory]:
    """`make_app(routes=[...], NAME=value...)`: an app on the test database,
    with extra routes and environment variables of its own."""
    apps: list[App] = []

    def make(routes: tuple[Route, ...] = (), **env: str) -> App:
        environ = {"DATABASE_URL": mariadb.url(database), **env}
        app = App(lambda: Settings.from_env(environ), extra_routes=routes)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()


@pytest.fixture
def app(make_app: AppFactory) -> App:
    return make_app()


def client_for(app: App, *, check_contract: bool = True) -> httpx.Client:
    hooks = {"response": [check_against_contract]} if check_contract else {}
    return httpx.Client(transport=AppTransport(app), base_url="http://orders.test", event_hooks=hooks)


@pytest.fixture
def client(app: App) -> Iterator[httpx.Client]:
    """A client of `app`, on an empty orders table; every answer is checked
    against the OpenAPI contract."""
    with client_for(app) as http:
        assert http.get("/init").json() == {"status": True}
        yield http
