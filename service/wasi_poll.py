"""Running wasi:io work from synchronous code, inside a componentize-py
component: one poll loop per call, and incoming bodies dropped child first.

The inbound adapter (wasi_http_adapter.py) and the outbound httpx transport
(wasi_httpx.py) both use these; neither depends on the other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from poll_loop import PollLoop, Stream

__all__ = ["release", "run"]

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to the end on a poll loop of its own, then restore
    whichever loop was running before (poll_loop leaves its own set)."""
    previous = asyncio.events._get_running_loop()
    try:
        return PollLoop().run_until_complete(coroutine)  # type: ignore[no-any-return]
    finally:
        asyncio.events._set_running_loop(previous)


def release(stream: Stream) -> None:
    """Drop an incoming body that may not have been read to its end, child
    resource first: the host traps ("resource has children") when a parent
    goes first, as garbage collection order may have it."""
    if stream.stream is not None:
        stream.stream.__exit__(None, None, None)
        stream.stream = None
    if stream.body is not None:
        stream.body.__exit__(None, None, None)
        stream.body = None
