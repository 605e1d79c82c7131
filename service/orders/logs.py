"""Logs as JSON lines on stderr, each carrying the id of the request it
belongs to. The adapters call `configure` once, at import."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)


class _RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is when a record is emitted, as the
    logging module's own last-resort handler does: in the component this
    handler is created at build time."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


def configure(level: int = logging.INFO) -> None:
    handler = _CurrentStderr()
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}{request_id}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level"},
        )
    )
    handler.addFilter(_RequestId())
    logger = logging.getLogger("orders")
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False
