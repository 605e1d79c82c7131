"""The tooling that finds or starts MariaDB for `make run` and the tests."""

from __future__ import annotations

import socket

import pytest

from devtools import mariadb
from devtools.mariadb import MariaDBNotFound, free_port, locate_or_start, start_private


def test_private_mariadbd_starts_survives_a_crash_and_is_removed() -> None:
    server = start_private(log=False)
    datadir, port = server.private_datadir, server.port
    assert datadir is not None
    try:
        server.create_database("orders")
        with server.connect("orders") as connection, connection.cursor() as cursor:
            cursor.execute("CREATE TABLE kept (id INT PRIMARY KEY) ENGINE=InnoDB")
            cursor.execute("INSERT INTO kept VALUES (7)")
        server.crash()
        with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
        server.start()
        with server.connect("orders") as connection, connection.cursor() as cursor:
            cursor.execute("SELECT id FROM kept")
            assert cursor.fetchall() == ((7,),)
    finally:
        server.stop()
    assert not datadir.exists()
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


def test_nothing_found_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mariadb, "SHARED_PORT", free_port())
    monkeypatch.setattr(mariadb, "SBIN_DIRS", ())
    monkeypatch.setenv("PATH", "")
    with pytest.raises(MariaDBNotFound, match=r"apt-get install mariadb-server"):
        locate_or_start(log=False)


def test_database_url_names_the_server() -> None:
    server = locate_or_start("mysql://app:p%40ss@db.example:3307/orders", log=False)
    assert (server.host, server.port, server.user, server.password) == ("db.example", 3307, "app", "p@ss")
    assert server.url("other") == "mysql://app:p%40ss@db.example:3307/other"
