"""What the benchmark measures: cold starts, memory, and load with wrk."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

LUA_CREATE_ORDER = Path(__file__).with_name("create_order.lua")
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


@dataclass(frozen=True)
class ColdStart:
    to_livez_s: float
    to_orders_s: float
    # CPU time (user + system) the server's process tree had used by then:
    # the figure a loaded machine stretches least.
    cpu_s: float
    rss_bytes: int
    pss_bytes: int


@dataclass(frozen=True)
class Load:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants."""
    found: list[int] = []
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            children = [
                int(child)
                for task in Path(f"/proc/{current}/task").iterdir()
                for child in (task / "children").read_text().split()
            ]
        except (FileNotFoundError, ProcessLookupError):
            continue
        found.append(current)
        pending.extend(children)
    return found


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants: pages shared
    between them (gunicorn's workers and master) count once per process."""
    return _tree_sum(pid, "status", r"^VmRSS:\s+(\d+) kB")


def tree_pss_bytes(pid: int) -> int:
    """Proportional set size of a process and its descendants: each shared
    page counts once in all, split among its sharers."""
    return _tree_sum(pid, "smaps_rollup", r"^Pss:\s+(\d+) kB")


def _tree_sum(pid: int, proc_file: str, pattern: str) -> int:
    """The sum over the process tree of a kB figure from /proc/PID/<proc_file>."""
    total = 0
    for member in process_tree(pid):
        try:
            text = Path(f"/proc/{member}/{proc_file}").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        match = re.search(pattern, text, flags=re.MULTILINE)
        total += int(match.group(1)) * 1024 if match else 0
    return total


def tree_cpu_seconds(pid: int) -> float:
    """User plus system CPU time used so far by a process and its descendants."""
    ticks = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rpartition(")")[2].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def first_200(port: int, path: str, started: float, timeout: float) -> float:
    """Seconds from `started` until GET `path` answers 200, polling every ms."""
    deadline = started + timeout
    while time.perf_counter() < deadline:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return time.perf_counter() - started
        except OSError:
            time.sleep(0.001)
        finally:
            connection.close()
    raise TimeoutError(f"no 200 from {path} within {timeout} s")


def cold_start(process: subprocess.Popen[bytes], port: int, started: float, timeout: float = 120.0) -> ColdStart:
    """Launch to first 200 from /livez, then from /orders (asked right after)."""
    to_livez = first_200(port, "/livez", started, timeout)
    to_orders = first_200(port, "/orders", started, timeout)
    pid = process.pid
    return ColdStart(to_livez, to_orders, tree_cpu_seconds(pid), tree_rss_bytes(pid), tree_pss_bytes(pid))


def wrk(url: str, connections: int, seconds: int, script: Path | None = None) -> Load:
    binary = shutil.which("wrk")
    if binary is None:
        raise RuntimeError("wrk is needed: sudo apt-get install wrk (make bench installs it as root)")
    command = [binary, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> Load:
    def number(pattern: str) -> float:
        match = re.search(pattern, output, flags=re.MULTILINE)
        if match is None:
            raise ValueError(f"wrk output lacks {pattern!r}:\n{output}")
        return float(match.group(1))

    def latency(percentile: int) -> float:
        match = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s|m)$", output, flags=re.MULTILINE)
        if match is None:
            raise ValueError(f"wrk output lacks the {percentile}% latency:\n{output}")
        return float(match.group(1)) * _UNITS[match.group(2)]

    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = sum(int(count) for count in socket_errors.groups()) if socket_errors else 0
    errors += int(non_2xx.group(1)) if non_2xx else 0
    return Load(
        requests_per_s=number(r"^Requests/sec:\s+([\d.]+)"),
        p50_ms=latency(50),
        p99_ms=latency(99),
        requests=int(number(r"^\s+(\d+) requests in")),
        errors=errors,
    )
