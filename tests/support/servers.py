"""The order service under test, served for real over sockets, each on a
database of its own."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import httpx

from devtools.mariadb import MariaDBServer, free_port
from devtools.servers import ROOT, WASM_ARTIFACT, Kind, ServerProcess
from tests.support.contract import check_against_contract

# How each runtime logs a guest that trapped or failed to answer.
TRAP_MARKERS = {"wasm": "worker failed:", "wasmedge": "[error]"}
# wasmtime refuses a request with no Host itself, before any guest runs; its
# log line starts like a trap's.
HOST_REFUSALS = ("missing authority in URI and host header",)
# The component plus test-only routes (tests/wasm_probe), built by `make test`.
PROBE = ROOT / "wasm-build" / "dist" / "orders-probe.cwasm"
# gunicorn would start one worker per CPU; tests that count workers' work pin it.
NATIVE_WORKERS = 2


class Service:
    """A running order service (wasm or native) with its own database."""

    def __init__(
        self,
        kind: Kind,
        mariadb: MariaDBServer,
        database: str,
        log: IO[bytes],
        artifact: Path,
        *,
        through: MariaDBServer | None = None,
        **env: str,
    ) -> None:
        """`through`: the server whose address the service is given, when it
        is not `mariadb` itself (a proxy in front of it)."""
        self.kind = kind
        self.mariadb = mariadb
        self.database = database
        self.log_path = Path(log.name)
        url = (through or mariadb).url(database)
        env = {"DATABASE_URL": url, "WEB_CONCURRENCY": str(NATIVE_WORKERS), **env}
        self.process = ServerProcess(kind, free_port(), env, log=log, artifact=artifact)
        self.base_url = self.process.base_url

    def client(self, *, check_contract: bool = True) -> httpx.Client:
        """A client whose every response is checked against the OpenAPI spec."""
        hooks = {"response": [check_against_contract]} if check_contract else {}
        return httpx.Client(base_url=self.base_url, timeout=30, event_hooks=hooks)

    def restart(self) -> None:
        self.process.stop()
        self.process.start()

    def traps(self) -> int:
        """How many times the runtime has reported a guest failure in this server's log."""
        marker = TRAP_MARKERS.get(self.kind)
        if marker is None:
            return 0
        lines = self.log_path.read_text(errors="replace").splitlines()
        return sum(marker in line and not any(refusal in line for refusal in HOST_REFUSALS) for line in lines)


class ServiceFactory:
    """Starts services on fresh databases, and stops and drops them all at the end."""

    def __init__(self, mariadb: MariaDBServer, log_dir: Path) -> None:
        self.mariadb = mariadb
        self.log_dir = log_dir
        self.session_id = uuid.uuid4().hex[:8]
        self.services: list[Service] = []
        self._logs: list[IO[bytes]] = []

    def __call__(
        self,
        kind: Kind,
        name: str,
        *,
        start: bool = True,
        artifact: Path = WASM_ARTIFACT,
        through: MariaDBServer | None = None,
        env: Mapping[str, str] | None = None,
        **more_env: str,
    ) -> Service:
        """`env` and `more_env` are added to the server's environment."""
        database = f"orders_test_{self.session_id}_{name}_{kind}"
        self.mariadb.create_database(database)
        log = (self.log_dir / f"{name}-{kind}.log").open("ab")
        self._logs.append(log)
        service = Service(kind, self.mariadb, database, log, artifact, through=through, **{**(env or {}), **more_env})
        self.services.append(service)
        if start:
            service.process.start()
        return service

    def close(self) -> None:
        for service in self.services:
            service.process.stop()
            self.mariadb.drop_database(service.database)
        for log in self._logs:
            log.close()
