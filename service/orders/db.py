"""Connections to the database: PyMySQL, pooled by SQLAlchemy's QueuePool,
created lazily on first use.

One `Database` lives per process natively, and per component instance in
wasm: a reused instance keeps its pool and connection across requests.

Round trips are what a request costs, most of all inside wasm, so:

- connections run in autocommit, and a read or a one-statement write is one
  round trip; batches open a transaction of their own (repository.py);
- there is no SQLAlchemy engine: its dialect's set-up (five SELECTs, a
  ROLLBACK, a second SET NAMES) would run on every new pool, that is on every
  new component instance. SQLAlchemy's dialect still turns the URL into
  PyMySQL's arguments, and compiles the statements;
- a connection taken from the pool is checked for life without a round trip
  (the server closed it if its socket reads as closed), instead of a ping.
  A dead one is replaced, so a database restart costs no failed request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeAlias, cast

import pymysql
from pymysql.constants import CLIENT, FIELD_TYPE
from pymysql.constants.SERVER_STATUS import SERVER_STATUS_IN_TRANS
from pymysql.converters import conversions
from sqlalchemy import event, exc, make_url
from sqlalchemy.dialects.mysql.pymysql import MySQLDialect_pymysql
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection, PoolResetState, QueuePool

from .config import Settings

Connection: TypeAlias = "pymysql.Connection[pymysql.cursors.Cursor]"
POOL_RECYCLE_SECONDS = 3600
# DECIMAL comes back as its text: already the JSON number the list sends.
CONVERSIONS = {**conversions, FIELD_TYPE.DECIMAL: str, FIELD_TYPE.NEWDECIMAL: str}


class Database:
    def __init__(self, settings: Callable[[], Settings]) -> None:
        self._settings = settings
        self._pool: QueuePool | None = None

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A pooled connection, in autocommit, back to the pool afterwards."""
        if self._pool is None:
            self._pool = build_pool(self._settings())
        proxy = self._pool.connect()
        try:
            yield cast(Connection, proxy.dbapi_connection)
        finally:
            proxy.close()

    def close(self) -> None:
        """Close the pooled connections, saying goodbye to the server."""
        if self._pool is not None:
            self._pool.dispose()


def connect_arguments(settings: Settings) -> dict[str, Any]:
    """PyMySQL's arguments for the URL. TLS is off unless the URL asks for it
    with ``ssl_*`` query parameters: the component has no ssl module, and the
    native twin must speak to the database the same way."""
    _, arguments = MySQLDialect_pymysql().create_connect_args(make_url(settings.database_url))
    if "ssl" not in arguments:
        arguments["ssl_disabled"] = True
    return {
        "charset": "utf8mb4",
        **arguments,
        "autocommit": True,
        "conv": CONVERSIONS,
        # UPDATE counts the rows it matched, so an unchanged order still counts as found.
        "client_flag": arguments.get("client_flag", 0) | CLIENT.FOUND_ROWS,
        "connect_timeout": settings.db_timeout_seconds,
        "read_timeout": settings.db_timeout_seconds,
        "write_timeout": settings.db_timeout_seconds,
    }


def build_pool(settings: Settings) -> QueuePool:
    arguments = connect_arguments(settings)

    def creator() -> DBAPIConnection:
        return cast(DBAPIConnection, pymysql.connect(**arguments))

    pool = QueuePool(
        creator,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        recycle=POOL_RECYCLE_SECONDS,
        reset_on_return=None,
    )
    event.listen(pool, "checkout", refuse_dead_connection)
    event.listen(pool, "reset", roll_back_open_transaction)
    return pool


def refuse_dead_connection(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection) -> None:
    """SQLAlchemy's custom pessimistic disconnect check: the pool replaces a
    connection whose checkout raises DisconnectionError."""
    if not is_open(dbapi_connection):
        raise exc.DisconnectionError("the server closed this pooled connection")


def is_open(connection: Any) -> bool:
    """Whether the server still holds the connection, asked of the socket
    alone: an idle connection has nothing to read, and one the server closed
    (a restart, wait_timeout) reads as closed or reset. Reading never
    consumes a live connection's data, as there is none."""
    sock = connection._sock  # PyMySQL keeps its socket there; None once closed
    if sock is None:
        return False
    timeout = sock.gettimeout()
    sock.setblocking(False)
    try:
        sock.recv(1)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.settimeout(timeout)
    return False


def roll_back_open_transaction(dbapi_connection: Any, record: ConnectionPoolEntry, reset_state: PoolResetState) -> None:
    """The pool's reset on return, without a round trip: roll back only while
    the server reports a transaction in progress (a batch that failed)."""
    if dbapi_connection.server_status & SERVER_STATUS_IN_TRANS:
        dbapi_connection.rollback()
