"""A compose project over docker-compose.yml and devtools/standins/compose.yml,
on free ports, with its images rebuilt from nothing and everything removed
(volumes too) at the end; and what the tests read of its containers: cgroup
memory, users, image sizes.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from tenacity import Retrying, retry_if_result, stop_after_delay, wait_fixed

from devtools.docker.engine import BuildFailed, DockerFailed, Engine, Say
from devtools.docker.standins import STANDIN_LABEL, STANDINS, Standins
from devtools.mariadb import free_port
from devtools.servers import ROOT, wasmedge_binary

COMPOSE_FILES = (ROOT / "docker-compose.yml", STANDINS / "compose.yml")
WASMEDGE_DIST = ROOT / "wasmedge-build" / "dist"
# The module the wasmedge images run (their ENTRYPOINT); the dist must be built for it.
WASMEDGE_ENTRY = "wasmedge_adapter"
# Compose services that serve the app, with the Dockerfile target each runs.
SERVICES = {"orders": "runner", "orders-native": "native", "orders-wasmedge": "wasmedge-runner"}
PORT_VARIABLES = {
    "orders": "ORDERS_PORT",
    "orders-native": "ORDERS_NATIVE_PORT",
    "orders-wasmedge": "ORDERS_WASMEDGE_PORT",
}
PROFILES = {"orders": None, "orders-native": "native", "orders-wasmedge": "wasmedge"}
# The FROM scratch image of the wasmedge target, as k8s/overlays/crun-wasmedge names it.
WASMEDGE_IMAGE_TAG = "orders-service:0.1.0-wasmedge"


@dataclass
class Stack:
    """One compose project over docker-compose.yml and the stand-ins' override."""

    engine: Engine
    standins: Standins
    say: Say
    project: str = "orders-e2e"
    services: tuple[str, ...] = ("orders", "orders-native")
    ports: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ports = {service: free_port() for service in self.services}

    @property
    def env(self) -> dict[str, str]:
        ports = {PORT_VARIABLES[service]: str(port) for service, port in self.ports.items()}
        return {**self.engine.env, **self.standins.compose_env(), **ports}

    def compose_command(self, *args: str) -> list[str]:
        profiles = [f"--profile={PROFILES[s]}" for s in self.services if PROFILES[s]]
        files = [f"--file={path}" for path in COMPOSE_FILES]
        return [self.engine.client, "compose", f"--project-name={self.project}", *files, *profiles, *args]

    def compose(self, *args: str, check: bool = True) -> str:
        """`docker compose ARGS` on this project; its error output in the exception if it fails."""
        done = subprocess.run(
            self.compose_command(*args), env=self.env, cwd=ROOT, capture_output=True, text=True, check=False
        )
        if check and done.returncode != 0:
            raise DockerFailed(f"docker compose {' '.join(args)}: {done.stderr.strip()[-2000:]}")
        return done.stdout

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def images(self) -> dict[str, str]:
        config = json.loads(self.compose("config", "--format=json"))
        return {name: config["services"][name]["image"] for name in self.services}

    def build_fresh(self) -> dict[str, float]:
        """Remove the project's images and every dangling layer built on the
        stand-ins (the previous run's stage caches), then build the services
        one by one: each stage is built once, from nothing, in this run, and
        no cached layer can hide a build that no longer works. Returns the
        seconds each build took."""
        for image in self.images().values():
            if self.engine.image_exists(image):
                self.say(f"build: removing the old {image} and its layers")
                self.engine.docker("image", "rm", "--force", image)
        self.say("build: removing dangling layers built on the stand-ins (stage caches of earlier runs)")
        self.engine.docker("image", "prune", "--force", f"--filter=label={STANDIN_LABEL}")
        seconds = {}
        for service in self.services:
            self.say(f"build: docker compose build {service} (target {SERVICES[service]}; the first takes minutes)")
            started = time.monotonic()
            done = subprocess.run(
                ["nice", "-n", "10", *self.compose_command("build", service)],
                env=self.env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise BuildFailed(f"docker compose build {service} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
            seconds[service] = round(time.monotonic() - started, 1)
            self.say(f"build: {service} built in {seconds[service]} s")
        return seconds

    def up(self, *services: str, timeout: float = 120) -> None:
        """`docker compose up -d`, then wait until each service answers /readyz."""
        self.say(f"up: docker compose up -d {' '.join(services)}")
        self.compose("up", "--detach", "--no-build", *services)
        for service in services:
            if service in self.ports:
                self.wait_ready(service, timeout)

    def wait_ready(self, service: str, timeout: float = 120) -> None:
        self.wait_ready_at(self.url(service), service, timeout)

    def wait_ready_at(self, url: str, what: str, timeout: float = 120) -> None:
        """Until `url` answers /readyz with 200; the logs of the stack in the error if it never does."""
        waiting = Retrying(
            stop=stop_after_delay(timeout),
            wait=wait_fixed(0.1),
            retry=retry_if_result(lambda ok: not ok),
            retry_error_callback=lambda _: False,
        )
        if not waiting(_ready, url):
            logs = self.compose("logs", "--no-color", "--tail=40", check=False)
            raise AssertionError(f"{what} was not ready within {timeout} s:\n{logs}")
        self.say(f"up: {what} answers /readyz at {url}")

    def container(self, service: str) -> str:
        ids = self.compose("ps", "--all", "--quiet", service).split()
        assert len(ids) == 1, f"{service}: containers {ids}"
        return ids[0]

    def inspect(self, service: str) -> dict[str, Any]:
        inspected: list[dict[str, Any]] = json.loads(self.engine.docker("inspect", self.container(service)))
        return inspected[0]

    def down(self) -> None:
        self.say(f"down: docker compose down --volumes ({self.project})")
        self.compose("down", "--volumes", "--remove-orphans", "--timeout=10", check=False)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _memory_cgroup(container_id: str) -> tuple[Path, int]:
    """The container's memory cgroup directory, and the cgroup version."""
    candidates = [
        (Path("/sys/fs/cgroup/memory/docker") / container_id, 1),
        (Path("/sys/fs/cgroup/memory/system.slice") / f"docker-{container_id}.scope", 1),
        (Path("/sys/fs/cgroup/system.slice") / f"docker-{container_id}.scope", 2),
        (Path("/sys/fs/cgroup/docker") / container_id, 2),
    ]
    for directory, version in candidates:
        if directory.is_dir():
            return directory, version
    raise FileNotFoundError(f"no memory cgroup found for container {container_id}")


def cgroup_memory(container_id: str) -> dict[str, int]:
    """The container's memory as its cgroup counts it: `usage` (what the
    limit is held against, page cache included), `working_set` (usage less
    inactive file pages, what the kubelet watches), `rss` (anonymous memory)
    and `peak` (the most usage since the container started)."""
    directory, version = _memory_cgroup(container_id)
    stat = _memory_stat(directory / "memory.stat")
    if version == 1:
        usage = int((directory / "memory.usage_in_bytes").read_text())
        inactive_file, rss = stat.get("total_inactive_file", 0), stat.get("total_rss", 0)
        peak = int((directory / "memory.max_usage_in_bytes").read_text())
    else:
        usage = int((directory / "memory.current").read_text())
        inactive_file, rss = stat.get("inactive_file", 0), stat.get("anon", 0)
        peak_file = directory / "memory.peak"
        peak = int(peak_file.read_text()) if peak_file.exists() else usage
    return {"usage": usage, "working_set": usage - inactive_file, "rss": rss, "peak": peak}


def container_uids(container_id: str) -> dict[int, int]:
    """Each process in the container (host PID) and its real user id."""
    directory, _ = _memory_cgroup(container_id)
    uids = {}
    for pid in map(int, (directory / "cgroup.procs").read_text().split()):
        status = Path(f"/proc/{pid}/status").read_text()
        uids[pid] = int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])
    return uids


def _memory_stat(path: Path) -> dict[str, int]:
    return {name: int(value) for name, value in (line.split() for line in path.read_text().splitlines())}


def image_sizes(engine: Engine, tags: Sequence[str]) -> dict[str, dict[str, int]]:
    """Each image's size as the engine reports it, and `docker save | gzip`'s."""
    sizes = {}
    for tag in tags:
        [inspected] = json.loads(engine.docker("image", "inspect", tag))
        with subprocess.Popen([engine.client, "save", tag], env=engine.env, stdout=subprocess.PIPE) as save:
            gzip = subprocess.run(["gzip", "-6"], stdin=save.stdout, capture_output=True, check=True)
        if save.returncode != 0:
            raise RuntimeError(f"docker save {tag} failed")
        sizes[tag] = {"size": int(inspected["Size"]), "save_gzip": len(gzip.stdout)}
    return sizes


def wasmedge_unavailable() -> str | None:
    """Why the wasmedge images cannot be built and run here; None if they can."""
    manifest = WASMEDGE_DIST / "manifest.json"
    if not (WASMEDGE_DIST / "python.aot.wasm").is_file() or not manifest.is_file():
        return "NO wasmedge-build/dist (make build-wasmedge)"
    entry = json.loads(manifest.read_text()).get("entry")
    if entry != WASMEDGE_ENTRY:
        return f"wasmedge-build/dist holds a build for {entry!r}, not {WASMEDGE_ENTRY} (make build-wasmedge)"
    if wasmedge_binary() is None:
        return "NO WasmEdge CLI on this machine to build the wasmedge stand-in from"
    return None
