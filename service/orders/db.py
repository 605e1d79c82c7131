"""The SQLAlchemy engine, created lazily on first use.

One `Database` lives per process natively, and per component instance in wasm:
a reused instance keeps its engine and pooled connection across requests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pymysql.constants.SERVER_STATUS import SERVER_STATUS_IN_TRANS
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.pool import ConnectionPoolEntry, PoolResetState

from .config import Settings
from .models import metadata


class Database:
    def __init__(self, settings: Callable[[], Settings]) -> None:
        self._settings = settings
        self._engine: Engine | None = None
        self._schema_ready = False

    @property
    def engine(self) -> Engine:
        """The engine, with the orders table created on the first use if missing."""
        if self._engine is None:
            self._engine = build_engine(self._settings())
        if not self._schema_ready:
            metadata.create_all(self._engine, checkfirst=True)
            self._schema_ready = True
        return self._engine

    def reset_schema(self) -> None:
        """Drop and recreate every table."""
        metadata.drop_all(self.engine)
        metadata.create_all(self.engine)


def build_engine(settings: Settings) -> Engine:
    """A small pre-pinging pool. TLS is off unless the URL asks for it with
    ``ssl_*`` query parameters: the component has no ssl module, and the native
    twin must speak to the database the same way."""
    url = make_url(settings.database_url)
    connect_args: dict[str, object] = {
        "connect_timeout": settings.db_timeout_seconds,
        "read_timeout": settings.db_timeout_seconds,
        "write_timeout": settings.db_timeout_seconds,
        "charset": "utf8mb4",
    }
    if not any(key.startswith("ssl") for key in url.query):
        connect_args["ssl_disabled"] = True
    engine = create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_pre_ping=True,
        pool_recycle=3600,
        pool_reset_on_return=None,
        connect_args=connect_args,
    )
    event.listen(engine, "reset", roll_back_open_transaction)
    return engine


def roll_back_open_transaction(
    dbapi_connection: Any, connection_record: ConnectionPoolEntry, reset_state: PoolResetState
) -> None:
    """The pool's reset on return, without a ROLLBACK round trip after every
    COMMIT: roll back only while the server reports a transaction in progress."""
    if dbapi_connection.server_status & SERVER_STATUS_IN_TRANS:
        dbapi_connection.rollback()
