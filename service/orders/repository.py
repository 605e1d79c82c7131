"""Order CRUD against the database, with no HTTP in sight.

Database failures leave this module as one of three domain errors, so the
layer above maps them to responses in a single place.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection, delete, exc, insert, select, text, update

from .db import Database
from .models import Order, orders_table

MYSQL_DUPLICATE_ENTRY = 1062


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
            connection.execute(text("SELECT 1"))

    def add(self, orders: Sequence[Order]) -> None:
        """Insert all orders or none."""
        with self._transaction() as connection:
            connection.execute(insert(orders_table), [order.as_row() for order in orders])

    def list_all(self) -> list[Order]:
        with self._transaction() as connection:
            rows = connection.execute(select(orders_table).order_by(orders_table.c.order_id))
            return [Order(*row) for row in rows]

    def get(self, order_id: int) -> Order:
        with self._transaction() as connection:
            query = select(orders_table).where(orders_table.c.order_id == order_id)
            row = connection.execute(query).first()
        if row is None:
            raise OrderNotFound(order_id)
        return Order(*row)

    def replace(self, order: Order) -> None:
        changes = {name: value for name, value in order.as_row().items() if name != "order_id"}
        statement = update(orders_table).where(orders_table.c.order_id == order.order_id).values(changes)
        with self._transaction() as connection:
            # SQLAlchemy's MySQL dialects count matched rows, so an unchanged
            # order still counts as found.
            if connection.execute(statement).rowcount == 0:
                raise OrderNotFound(order.order_id)

    def delete(self, order_id: int) -> None:
        statement = delete(orders_table).where(orders_table.c.order_id == order_id)
        with self._transaction() as connection:
            if connection.execute(statement).rowcount == 0:
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
    except (exc.OperationalError, exc.InterfaceError, exc.TimeoutError) as error:
        raise DatabaseUnavailable(str(error.__cause__ or error)) from error


def _mysql_error_code(error: exc.DBAPIError) -> int | None:
    args = getattr(error.orig, "args", ())
    return args[0] if args and isinstance(args[0], int) else None
