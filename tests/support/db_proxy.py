"""A TCP proxy in front of MariaDB that counts the connections made through
it, so a test can count exactly the connections its own service opens."""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import threading

from devtools.mariadb import MariaDBServer


class CountingProxy:
    def __init__(self, mariadb: MariaDBServer) -> None:
        self._upstream = (mariadb.host, mariadb.port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        port = self._listener.getsockname()[1]
        self.server = dataclasses.replace(
            mariadb, host="127.0.0.1", port=port, private_command=None, private_datadir=None, private_process=None
        )
        self.accepted = 0
        self._closed = threading.Event()
        threading.Thread(target=self._accept_forever, daemon=True).start()

    def _accept_forever(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            upstream = socket.create_connection(self._upstream)
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(source, target), daemon=True).start()

    def close(self) -> None:
        self._closed.set()
        self._listener.close()

    def __enter__(self) -> CountingProxy:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _pipe(source: socket.socket, target: socket.socket) -> None:
    """Copy one direction until either side closes, then close both."""
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, target):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()
