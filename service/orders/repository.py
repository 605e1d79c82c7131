"""Order CRUD against the database, with no HTTP in sight.

The statements are SQLAlchemy Core, compiled once for PyMySQL and run on a
pooled connection in autocommit (db.py): a read, an insert of one order, an
update or a delete is one round trip; a batch runs in a transaction of its
own. The table is created on first use, when a statement finds it missing.

Database failures leave this module as one of three domain errors, so the
layer above maps them to responses in a single place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import pymysql
from sqlalchemy import bindparam, delete, exc, insert, select, update
from sqlalchemy.dialects.mysql.pymysql import MySQLDialect_pymysql
from sqlalchemy.schema import CreateTable, DropTable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

from .db import Connection, Database
from .models import FIELDS, Order, Row, orders_table

MYSQL_DUPLICATE_ENTRY = 1062
MYSQL_NO_SUCH_TABLE = 1146
T = TypeVar("T")


class Statement:
    """A statement compiled for PyMySQL, with its parameters in order."""

    def __init__(self, clause: ClauseElement) -> None:
        compiled = clause.compile(dialect=MySQLDialect_pymysql())
        self.sql = str(compiled)
        # DDL has no parameters, and its compiler no list of them.
        self.parameters = tuple(compiled.positiontup or ()) if isinstance(compiled, SQLCompiler) else ()

    def arguments(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(values[name] for name in self.parameters)


_by_id = orders_table.c.order_id == bindparam("key")
SELECT_ALL = Statement(select(orders_table).order_by(orders_table.c.order_id))
SELECT_ONE = Statement(select(orders_table).where(_by_id))
INSERT = Statement(insert(orders_table))
UPDATE = Statement(update(orders_table).where(_by_id).values({name: bindparam(name) for name in FIELDS[1:]}))
DELETE = Statement(delete(orders_table).where(_by_id))
CREATE = Statement(CreateTable(orders_table, if_not_exists=True))
DROP = Statement(DropTable(orders_table, if_exists=True))
PING = "SELECT 1"


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

    def close(self) -> None:
        self._database.close()

    def reset(self) -> None:
        def drop_and_create(connection: Connection) -> None:
            _execute(connection, DROP.sql)
            _execute(connection, CREATE.sql)

        self._run(drop_and_create)

    def ping(self) -> None:
        self._run(lambda connection: _execute(connection, PING))

    def add(self, orders: Sequence[Order]) -> None:
        """Insert all orders or none."""
        rows = [INSERT.arguments(order.as_row()) for order in orders]

        def insert_all(connection: Connection) -> None:
            if len(rows) == 1:
                _execute(connection, INSERT.sql, rows[0])
                return
            # PyMySQL may split a long batch into several statements. If one
            # fails, the pool rolls the transaction back (db.py).
            connection.begin()
            with connection.cursor() as cursor:
                cursor.executemany(INSERT.sql, rows)
            connection.commit()

        self._run(insert_all)

    def list_rows(self) -> list[Row]:
        """Every order as a row (money as the database's text), by order_id."""
        return self._run(lambda connection: _fetch(connection, SELECT_ALL.sql))

    def get(self, order_id: int) -> Order:
        rows = self._run(lambda connection: _fetch(connection, SELECT_ONE.sql, (order_id,)))
        if not rows:
            raise OrderNotFound(order_id)
        return Order.from_row(rows[0])

    def replace(self, order: Order) -> None:
        arguments = UPDATE.arguments({**order.as_row(), "key": order.order_id})
        if self._run(lambda connection: _execute(connection, UPDATE.sql, arguments)) == 0:
            raise OrderNotFound(order.order_id)

    def delete(self, order_id: int) -> None:
        if self._run(lambda connection: _execute(connection, DELETE.sql, (order_id,))) == 0:
            raise OrderNotFound(order_id)

    def _run(self, work: Callable[[Connection], T]) -> T:
        """`work` on a pooled connection; once more after creating the table
        if it was missing."""
        with _translated_errors(), self._database.connection() as connection:
            try:
                return work(connection)
            except pymysql.err.ProgrammingError as error:
                if _mysql_error_code(error) != MYSQL_NO_SUCH_TABLE:
                    raise
            _execute(connection, CREATE.sql)
            return work(connection)


def _execute(connection: Connection, sql: str, arguments: Sequence[Any] = ()) -> int:
    """Run one statement; the rows it changed."""
    with connection.cursor() as cursor:
        return cursor.execute(sql, arguments)


def _fetch(connection: Connection, sql: str, arguments: Sequence[Any] = ()) -> list[Row]:
    with connection.cursor() as cursor:
        cursor.execute(sql, arguments)
        return list(cursor.fetchall())


@contextmanager
def _translated_errors() -> Iterator[None]:
    try:
        yield
    except pymysql.err.IntegrityError as error:
        if _mysql_error_code(error) == MYSQL_DUPLICATE_ENTRY:
            raise DuplicateOrder("an order with this order_id already exists") from error
        raise
    except (pymysql.err.OperationalError, pymysql.err.InterfaceError, exc.TimeoutError) as error:
        raise DatabaseUnavailable(str(error)) from error


def _mysql_error_code(error: pymysql.err.MySQLError) -> int | None:
    return error.args[0] if error.args and isinstance(error.args[0], int) else None
