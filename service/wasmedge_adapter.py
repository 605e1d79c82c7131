"""The WasmEdge adapter: the order service as a wasm32-wasi module serving
HTTP on its own sockets.

    python -m wasmedge_adapter        (wasmedge-build/serve.sh runs it under WasmEdge)

WasmEdge cannot load WASI 0.2 components, so this flavour is CPython built as
a WASI preview 1 module, with sockets over WasmEdge's own socket extension
(wasmedge-build/sockets). WASI has no threads: socket_server.py serves every
connection from one loop. Scale with replicas, or several processes on their
own ports behind a balancer. HOST and PORT say where to listen.

The settings come from the environment, as everywhere; serve.sh hands them
over on stdin instead (see `settings_from_stdin`), because WasmEdge's CLI
would show them in its command line.
"""

from __future__ import annotations

import logging
import os
import sys

import preload  # noqa: F401  the build keeps only the modules imported here
from h11_transport import H11Transport
from socket_server import Server, listen

from orders.app import App
from orders.config import ENVIRONMENT
from orders.logs import configure as configure_logging

logger = logging.getLogger("orders.wasmedge")


def settings_from_stdin() -> None:
    """With ORDERS_SETTINGS_ON_STDIN=1, read NAME=VALUE lines from stdin into
    the environment, for the declared settings only."""
    if os.environ.get("ORDERS_SETTINGS_ON_STDIN") != "1":
        return
    for line in sys.stdin.read().splitlines():
        name, separator, value = line.partition("=")
        if separator and name in ENVIRONMENT:
            os.environ[name] = value


def main() -> None:
    settings_from_stdin()
    configure_logging()
    host, port = os.environ.get("HOST", "0.0.0.0"), int(os.environ.get("PORT", "8080"))
    server = Server(App(http_transport=H11Transport()), listen(host, port))
    logger.info("listening", extra={"address": f"{host}:{port}"})
    server.serve_forever()


if __name__ == "__main__":
    main()
