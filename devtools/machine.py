"""What machine a measurement ran on: for BENCHMARKS.md and RELIABILITY.md."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from devtools.mariadb import MariaDBServer
from devtools.servers import wasmedge_binary, wasmtime_binary


def machine(mariadb: MariaDBServer) -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    meminfo = Path("/proc/meminfo").read_text()
    with mariadb.connect() as connection, connection.cursor() as cursor:
        cursor.execute("SELECT VERSION()")
        row = cursor.fetchone()
    wasmedge = wasmedge_binary()
    return {
        "cpu": next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line), "?"),
        "cores": os.cpu_count(),
        "memory_gib": round(int(meminfo.split()[1]) / 2**20, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "wasmtime": _version(wasmtime_binary()),
        "wasmedge": _version(wasmedge).removeprefix(f"{wasmedge} version ") if wasmedge else None,
        "mariadb": row[0] if row else "?",
    }


def _version(binary: Path) -> str:
    """The first line a binary prints for --version."""
    printed = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=True).stdout
    return printed.splitlines()[0].strip()
