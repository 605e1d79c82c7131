"""Faults to inject while `reliability.load` runs: the database is killed and
restarted, or the server is. Each returns what it observed."""

from __future__ import annotations

import time
from typing import Any

import httpx
from tenacity import retry, retry_if_not_result, stop_after_delay, wait_fixed

from devtools.mariadb import MariaDBServer
from devtools.servers import ServerProcess
from reliability.load import Fault, Run

# Let the load get going before the fault, and keep the fault up long enough
# for every worker to run into it.
FAULT_AFTER_SECONDS = 1.5
DOWN_SECONDS = 3.0
PROBE_INTERVAL_SECONDS = 0.2
RECOVERY_LIMIT_SECONDS = 30.0


# The fault runs of `make test` (tests/test_faults.py); `make soak` runs bigger ones.
FAST_RUN = Run(requests=1500, concurrency=16, seconds=150)


def database_crash(mariadb: MariaDBServer, base_url: str, down_seconds: float = DOWN_SECONDS) -> Fault:
    """SIGKILL the (private) MariaDB, probe the service while it is down, restart it."""

    def inject() -> dict[str, Any]:
        time.sleep(FAULT_AFTER_SECONDS)
        mariadb.crash()
        answers = _probe_while_down(base_url, down_seconds)
        restarting = time.monotonic()
        mariadb.start()
        database_back = time.monotonic()
        return {
            "fault": "MariaDB killed with SIGKILL, restarted on the same data",
            "down_seconds": round(database_back - restarting + down_seconds, 2),
            "probes_while_down": answers,
            "service_ready_after_database_seconds": _seconds_until_ready(base_url),
        }

    return inject


def server_kill(server: ServerProcess, down_seconds: float = DOWN_SECONDS) -> Fault:
    """SIGKILL the server process, leave it down, start it again on its port."""

    def inject() -> dict[str, Any]:
        time.sleep(FAULT_AFTER_SECONDS)
        server.kill()
        time.sleep(down_seconds)
        restart_seconds = server.start()
        return {
            "fault": f"{server.kind} server killed with SIGKILL, restarted on the same port",
            "down_seconds": round(down_seconds + restart_seconds, 2),
            "restart_to_live_seconds": round(restart_seconds, 3),
            "service_ready_after_restart_seconds": _seconds_until_ready(server.base_url),
        }

    return inject


def _probe_while_down(base_url: str, seconds: float) -> dict[str, int]:
    """What GET /orders answers while the database is down, by kind of answer."""
    answers: dict[str, int] = {}
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=base_url, timeout=10) as http:
        while time.monotonic() < deadline:
            response = http.get("/orders")
            kind = (
                "503 with Retry-After"
                if response.status_code == 503 and response.headers.get("retry-after")
                else f"{response.status_code}"
            )
            answers[kind] = answers.get(kind, 0) + 1
            time.sleep(PROBE_INTERVAL_SECONDS)
    return answers


def _seconds_until_ready(base_url: str) -> float:
    started = time.monotonic()
    with httpx.Client(base_url=base_url, timeout=5) as http:
        if not _ready(http):
            raise AssertionError(f"{base_url} was not ready {RECOVERY_LIMIT_SECONDS} s after the fault ended")
    return round(time.monotonic() - started, 3)


@retry(
    stop=stop_after_delay(RECOVERY_LIMIT_SECONDS),
    wait=wait_fixed(0.05),
    retry=retry_if_not_result(bool),
    retry_error_callback=lambda state: False,
)
def _ready(http: httpx.Client) -> bool:
    try:
        return http.get("/readyz").status_code == 200
    except httpx.HTTPError:
        return False
