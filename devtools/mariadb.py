"""Find a MariaDB server to use, or start a private one.

In order: the server named by DATABASE_URL; the MariaDB at 127.0.0.1:3306
(root, no password) if it answers; a private ``mariadbd`` in a temporary
directory if one is installed. Otherwise `MariaDBNotFound` says what to install.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pymysql
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_fixed

INSTALL_HINT = (
    "MariaDB is needed and none was found. Install it (Debian/Ubuntu: `sudo apt-get install mariadb-server`), "
    "or point DATABASE_URL at a MySQL/MariaDB server: mysql://user:pass@host:port/db"
)
SHARED_HOST = "127.0.0.1"
SHARED_PORT = 3306
SERVER_BINARIES = ("mariadbd", "mysqld")
INSTALL_DB_BINARIES = ("mariadb-install-db", "mysql_install_db")
SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/usr/bin")


class MariaDBNotFound(RuntimeError):
    pass


@dataclass
class MariaDBServer:
    host: str
    port: int
    user: str = "root"
    password: str = ""
    private_command: list[str] | None = field(default=None, repr=False)
    private_datadir: Path | None = None
    private_process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def url(self, database: str) -> str:
        credentials = quote(self.user, safe="") + (f":{quote(self.password, safe='')}" if self.password else "")
        return f"mysql://{credentials}@{self.host}:{self.port}/{database}"

    def connect(self, database: str | None = None) -> pymysql.Connection[pymysql.cursors.Cursor]:
        return pymysql.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            database=database,
            connect_timeout=3,
            ssl_disabled=True,
            autocommit=True,
        )

    def execute(self, sql: str) -> None:
        with self.connect() as connection, connection.cursor() as cursor:
            cursor.execute(sql)

    def create_database(self, name: str) -> None:
        self.execute(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4")

    def drop_database(self, name: str) -> None:
        self.execute(f"DROP DATABASE IF EXISTS `{name}`")

    def start(self) -> None:
        """(Re)start a private server on its own datadir and port; returns once it answers."""
        if self.private_command is None or self.private_datadir is None:
            raise RuntimeError("only a private server can be started")
        self.private_process = subprocess.Popen(
            self.private_command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            _wait_until_up(self)
        except Exception:
            error_log = (self.private_datadir / "error.log").read_text(errors="replace")[-2000:]
            self.crash()
            raise MariaDBNotFound(f"the private mariadbd did not start:\n{error_log}") from None

    def crash(self) -> None:
        """Kill a private server with SIGKILL, keeping its data, as a crash would."""
        if self.private_process is not None:
            self.private_process.kill()
            self.private_process.wait()
            self.private_process = None

    def stop(self) -> None:
        """Stop the server if this process started it, and delete its data; leave shared ones alone."""
        if self.private_process is not None:
            self.private_process.terminate()
            try:
                self.private_process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.crash()
            self.private_process = None
        if self.private_datadir is not None:
            shutil.rmtree(self.private_datadir, ignore_errors=True)
            self.private_datadir = None


def locate_or_start(database_url: str | None = None, log: bool = True) -> MariaDBServer:
    if database_url:
        return _from_url(database_url)
    shared = MariaDBServer(SHARED_HOST, SHARED_PORT)
    if _answers(shared):
        _say(log, f"mariadb: using the server at {SHARED_HOST}:{SHARED_PORT}")
        return shared
    return start_private(log)


def start_private(log: bool = True) -> MariaDBServer:
    """A new mariadbd of our own, in a temporary datadir on a free port."""
    server_binary = find_binary(SERVER_BINARIES)
    install_db = find_binary(INSTALL_DB_BINARIES)
    if server_binary is None or install_db is None:
        raise MariaDBNotFound(INSTALL_HINT)
    datadir = Path(tempfile.mkdtemp(prefix="orders-mariadb-"))
    port = free_port()
    user_flag = [f"--user={getpass.getuser()}"]
    _say(log, f"mariadb: starting a private {Path(server_binary).name} on 127.0.0.1:{port} in {datadir}")
    subprocess.run(
        [
            install_db,
            "--no-defaults",
            f"--datadir={datadir / 'data'}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            *user_flag,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    command = [
        server_binary,
        "--no-defaults",
        f"--datadir={datadir / 'data'}",
        f"--socket={datadir / 'mariadb.sock'}",
        f"--pid-file={datadir / 'mariadb.pid'}",
        f"--log-error={datadir / 'error.log'}",
        f"--port={port}",
        "--bind-address=127.0.0.1",
        *user_flag,
    ]
    server = MariaDBServer("127.0.0.1", port, private_command=command, private_datadir=datadir)
    try:
        server.start()
    except MariaDBNotFound:
        server.stop()
        raise
    return server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@retry(
    stop=stop_after_delay(60),
    wait=wait_fixed(0.2),
    retry=retry_if_exception_type(pymysql.err.OperationalError),
    reraise=True,
)
def _wait_until_up(server: MariaDBServer) -> None:
    if server.private_process is not None and server.private_process.poll() is not None:
        raise RuntimeError("mariadbd exited")
    server.connect().close()


def _answers(server: MariaDBServer) -> bool:
    try:
        server.connect().close()
    except pymysql.err.MySQLError:
        return False
    return True


def _from_url(database_url: str) -> MariaDBServer:
    parts = urlsplit(database_url)
    return MariaDBServer(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=unquote(parts.username or "root"),
        password=unquote(parts.password or ""),
    )


def find_binary(names: tuple[str, ...]) -> str | None:
    search_path = os.pathsep.join([os.environ.get("PATH", ""), *SBIN_DIRS])
    return next((found for name in names if (found := shutil.which(name, path=search_path))), None)


def _say(enabled: bool, message: str) -> None:
    if enabled:
        print(message, file=sys.stderr, flush=True)
