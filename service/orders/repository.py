"""Order CRUD against the database, with no HTTP in sight.

Database failures leave this module as one of three domain errors, so the
layer above maps them to responses in a single place.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pymysql
from sqlalchemy import Connection, bindparam, delete, exc, insert, select, text, update
from sqlalchemy.dialects.mysql.pymysql import MySQLDialect_pymysql

from .db import Database
from .models import Order, orders_table

MYSQL_DUPLICATE_ENTRY = 1062

# Built once, so each carries its cache key and compiles once per engine. In
# the component they are built at snapshot time.
_by_id = orders_table.c.order_id == bindparam("key")
SELECT_ALL = select(orders_table).order_by(orders_table.c.order_id)
SELECT_ONE = select(orders_table).where(_by_id)
INSERT = insert(orders_table)
UPDATE = update(orders_table).where(_by_id)
DELETE = delete(orders_table).where(_by_id)
PING = text("SELECT 1")
SELECT_ALL_SQL = str(SELECT_ALL.compile(dialect=MySQLDialect_pymysql()))


class OrderNotFound(Exception):
    def __init__(self, order_id: int) -> None:
        super().__init__(f"order {order_id} not found")
        self.order_id = order_id


class DuplicateOrder(Exception):
    """An order_id that already exists, in the table or twice in one batch."""


class DatabaseUnavailable(Exception):
    """The database cannot be reached or did not answer in time."""


class OrderRepository:
    def __init__(self, database: Database) -> None:
        self._database = database

    def reset(self) -> None:
        with _translated_errors():
            self._database.reset_schema()

    def ping(self) -> None:
        with self._transaction() as connection:
            connection.execute(PING)

    def add(self, orders: Sequence[Order]) -> None:
        """Insert all orders or none."""
        with self._transaction() as connection:
            connection.execute(INSERT, [order.as_row() for order in orders])

    def list_all(self) -> list[Order]:
        # The one query that returns many rows reads plain tuples from the
        # DBAPI cursor: inside the component SQLAlchemy has no compiled
        # extensions, and its Row objects cost more than the query (see
        # "Where the time goes" in BENCHMARKS.md).
        with self._transaction() as connection:
            cursor = connection.connection.cursor()
            try:
                cursor.execute(SELECT_ALL_SQL)
                return [Order(*row) for row in cursor.fetchall()]
            finally:
                cursor.close()

    def get(self, order_id: int) -> Order:
        with self._transaction() as connection:
            row = connection.execute(SELECT_ONE, {"key": order_id}).first()
        if row is None:
            raise OrderNotFound(order_id)
        return Order(*row)

    def replace(self, order: Order) -> None:
        changes = {name: value for name, value in order.as_row().items() if name != "order_id"}
        with self._transaction() as connection:
            # SQLAlchemy's MySQL dialects count matched rows, so an unchanged
            # order still counts as found.
            if connection.execute(UPDATE, {"key": order.order_id, **changes}).rowcount == 0:
                raise OrderNotFound(order.order_id)

    def delete(self, order_id: int) -> None:
        with self._transaction() as connection:
            if connection.execute(DELETE, {"key": order_id}).rowcount == 0:
                raise OrderNotFound(order_id)

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with _translated_errors(), self._database.engine.begin() as connection:
            yield connection


@contextmanager
def _translated_errors() -> Iterator[None]:
    try:
        yield
    except exc.IntegrityError as error:
        if _mysql_error_code(error) == MYSQL_DUPLICATE_ENTRY:
            raise DuplicateOrder("an order with this order_id already exists") from error
        raise
    except (
        exc.OperationalError,
        exc.InterfaceError,
        exc.TimeoutError,
        pymysql.err.OperationalError,
        pymysql.err.InterfaceError,
    ) as error:
        raise DatabaseUnavailable(str(error.__cause__ or error)) from error


def _mysql_error_code(error: exc.DBAPIError) -> int | None:
    args = getattr(error.orig, "args", ())
    return args[0] if args and isinstance(args[0], int) else None
