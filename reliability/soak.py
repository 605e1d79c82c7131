"""`make soak`: the long load, and the faults under load, on both servers and a
private MariaDB; then RELIABILITY.md from these figures and the fuzz tally.

    python -m reliability.soak [REQUESTS] [CONCURRENCY] [SECONDS]

Writes reliability/soak.json and RELIABILITY.md; exits 1 if anything
acknowledged was lost or any answer was unexpected.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from devtools.machine import machine
from devtools.mariadb import MariaDBServer, free_port, start_private
from devtools.servers import ROOT, Kind, ServerProcess, available_kinds
from reliability.faults import database_crash, server_kill
from reliability.load import Fault, Report, Run, run_load
from reliability.report import render

RESULTS = ROOT / "reliability" / "soak.json"
FUZZ_TALLY = ROOT / "reliability" / "fuzz.json"
# A run: its name, the server, how many requests, and the fault to inject, if any.
Plan = tuple[str, Kind, int, Callable[[ServerProcess], Fault | None]]
# Requests per fault run, as a share of the soak's.
FAULT_RUN_SHARE = 4


def soak(requests: int, concurrency: int, seconds: float) -> dict[str, Any]:
    mariadb = start_private()
    try:
        fault_run_requests = requests // FAULT_RUN_SHARE
        kinds = available_kinds()
        plans: list[Plan] = [
            *(("load", kind, requests, _no_fault) for kind in kinds),
            *(("database crash", kind, fault_run_requests, partial(_database_crash, mariadb)) for kind in kinds),
            ("server kill", "wasm", fault_run_requests, server_kill),
        ]
        runs = [_run(mariadb, plan, concurrency, seconds) for plan in plans]
        machine_used = machine(mariadb)
    finally:
        mariadb.stop()
    return {
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "machine": machine_used,
        "command": "make soak",
        "requests": requests,
        "fault_run_requests": fault_run_requests,
        "concurrency": concurrency,
        "runs": runs,
        "fuzz_cases": json.loads(FUZZ_TALLY.read_text()) if FUZZ_TALLY.exists() else {},
    }


def _no_fault(server: ServerProcess) -> None:
    return None


def _database_crash(mariadb: MariaDBServer, server: ServerProcess) -> Fault:
    return database_crash(mariadb, server.base_url)


def _run(
    mariadb: MariaDBServer,
    plan: Plan,
    concurrency: int,
    seconds: float,
) -> dict[str, Any]:
    name, kind, requests, fault_for = plan
    database = f"orders_soak_{name.replace(' ', '_')}_{kind}"
    mariadb.create_database(database)
    with ServerProcess(kind, free_port(), {"DATABASE_URL": mariadb.url(database)}, log=subprocess.DEVNULL) as server:
        print(f"soak: {name}, {requests} mixed requests at concurrency {concurrency} on {kind}", file=sys.stderr)
        report: Report = run_load(
            server.base_url, Run(requests, concurrency, seconds), fault=fault_for(server), progress_every=10
        )
    mariadb.drop_database(database)
    result = {"run": name, "server": kind, **report.as_json()}
    print(json.dumps(result), file=sys.stderr)
    return result


def main() -> int:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 600.0
    results = soak(requests, concurrency, seconds)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    (ROOT / "RELIABILITY.md").write_text(render(results))
    passed = all(run["final_state_matches"] and not run["unexpected"] for run in results["runs"])
    print(f"soak: {'passed' if passed else 'FAILED'}; figures in RELIABILITY.md", file=sys.stderr)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
