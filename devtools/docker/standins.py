"""Stand-in base images. No registry is reachable here, so the bases are
built locally from the recipes in devtools/standins: Debian by debootstrap,
then Python, MariaDB and the WasmEdge CLI on it. Each is tagged with a hash of
its recipe and inputs, kept between runs, and rebuilt when they change.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from devtools.docker.engine import Engine, EngineUnavailable, Say, install_packages
from devtools.servers import ROOT, wasmedge_binary

STANDINS = ROOT / "devtools" / "standins"
DEBIAN_SUITE = "bookworm"
STANDIN_REPOSITORY = "orders-standin"
# Every stand-in carries it, and so does every layer built on one.
STANDIN_LABEL = "dev.orders-service.standin"


@dataclass(frozen=True)
class Standins:
    """The stand-in base images' tags."""

    debian: str
    python: str
    mariadb: str
    wasmedge: str | None

    def compose_env(self) -> dict[str, str]:
        env = {"STANDIN_DEBIAN": self.debian, "STANDIN_PYTHON": self.python, "STANDIN_MARIADB": self.mariadb}
        return env | ({"STANDIN_WASMEDGE": self.wasmedge} if self.wasmedge else {})

    def build_args(self) -> dict[str, str]:
        args = {"PYTHON_IMAGE": self.python, "RUNNER_IMAGE": self.debian}
        return args | ({"WASMEDGE_IMAGE": self.wasmedge} if self.wasmedge else {})


def build_standins(engine: Engine, say: Say, *, wasmedge: bool) -> Standins:
    """The stand-in bases, from the cache when their recipes and inputs are unchanged."""
    debian = _debian(engine, say)
    with tempfile.TemporaryDirectory(prefix="orders-standin-") as scratch:
        python_context = Path(scratch) / "python"
        shutil.copytree(STANDINS / "python", python_context)
        for certificate in sorted(Path("/usr/local/share/ca-certificates").glob("**/*.crt")):
            shutil.copy(certificate, python_context / certificate.name)
        python = _derived(engine, say, ("python", "3.11"), context=python_context, base=debian)
        mariadb = _derived(engine, say, ("mariadb", "10.11"), context=STANDINS / "mariadb", base=debian)
        wasmedge_tag = None
        if wasmedge:
            context, version, packages = _wasmedge_context(Path(scratch) / "wasmedge")
            library_packages = {"LIBRARY_PACKAGES": " ".join(packages)}
            wasmedge_tag = _derived(
                engine, say, ("wasmedge", version), context=context, base=debian, build_args=library_packages
            )
    return Standins(debian, python, mariadb, wasmedge_tag)


def _debian(engine: Engine, say: Say) -> str:
    mirror, security = _apt_mirrors()
    recipe = STANDINS / "debian" / "finish-rootfs.sh"
    key = _digest([recipe.read_bytes(), f"{DEBIAN_SUITE} minbase {mirror} {security}".encode()])
    tag = f"{STANDIN_REPOSITORY}/debian:{DEBIAN_SUITE}-{key}"
    if engine.image_exists(tag):
        say(f"stand-ins: {tag} (cached)")
        return tag
    install_packages(say)  # debootstrap, when a daemon was already running
    say(f"stand-ins: debootstrap --variant=minbase {DEBIAN_SUITE} from {mirror}, then docker import (about 50 s)")
    with tempfile.TemporaryDirectory(prefix="orders-debootstrap-") as scratch:
        rootfs = Path(scratch) / "rootfs"
        subprocess.run(
            ["nice", "-n", "10", "debootstrap", "--variant=minbase", DEBIAN_SUITE, str(rootfs), mirror],
            check=True,
            capture_output=True,
        )
        subprocess.run([str(recipe), str(rootfs), DEBIAN_SUITE, mirror, security], check=True)
        changes = ["--change", 'CMD ["bash"]', "--change", f"LABEL {STANDIN_LABEL}=debian"]
        tar_command = ["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."]
        with subprocess.Popen(tar_command, stdout=subprocess.PIPE) as tar:
            subprocess.run(
                [engine.client, "import", *changes, "-", tag],
                stdin=tar.stdout,
                env=engine.env,
                check=True,
                capture_output=True,
            )
        if tar.returncode != 0:
            raise RuntimeError("tar of the debootstrap tree failed")
    _forget_other_tags(engine, tag)
    return tag


def _derived(
    engine: Engine,
    say: Say,
    name_and_version: tuple[str, str],
    *,
    context: Path,
    base: str,
    build_args: Mapping[str, str] | None = None,
) -> str:
    """The stand-in built from `context` on `base`, tagged NAME:VERSION-KEY."""
    name, version = name_and_version
    files = sorted(p for p in context.rglob("*") if p.is_file())
    key = _digest(
        [base.encode(), json.dumps(build_args or {}, sort_keys=True).encode()]
        + [str(p.relative_to(context)).encode() + b"\0" + p.read_bytes() for p in files]
    )
    tag = f"{STANDIN_REPOSITORY}/{name}:{version}-{key}"
    if engine.image_exists(tag):
        say(f"stand-ins: {tag} (cached)")
        return tag
    say(f"stand-ins: building {tag} from devtools/standins/{name} (about 30 s)")
    engine.build(context, tag, build_args={"BASE": base, **(build_args or {})})
    _forget_other_tags(engine, tag)
    return tag


def _wasmedge_context(context: Path) -> tuple[Path, str, list[str]]:
    """A build context holding this machine's WasmEdge CLI (bin/, lib/), its
    version, and the Debian packages of the libraries it links to."""
    binary = wasmedge_binary()
    if binary is None:
        raise EngineUnavailable("no WasmEdge CLI on this machine to put in the wasmedge stand-in")
    prefix = binary.resolve().parent.parent
    shutil.copytree(STANDINS / "wasmedge", context)
    (context / "bin").mkdir()
    shutil.copy2(binary.resolve(), context / "bin" / "wasmedge")
    shutil.copytree(
        prefix / "lib",
        context / "lib",
        symlinks=True,
        ignore=lambda _dir, names: [n for n in names if not n.startswith("libwasmedge")],
    )
    linked = subprocess.run(["ldd", str(binary.resolve())], capture_output=True, text=True, check=True).stdout
    if "not found" in linked:
        raise EngineUnavailable(f"the WasmEdge CLI at {binary} misses libraries:\n{linked}")
    libraries = [Path(line.split("=>")[1].split()[0]) for line in linked.splitlines() if "=> /" in line]
    packages = sorted({_package_of(library) for library in libraries if not library.resolve().is_relative_to(prefix)})
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=True)
    return context, version.stdout.split()[2], packages


def _package_of(library: Path) -> str:
    """The Debian package that holds `library`, whichever of its merged-/usr names dpkg knows."""
    for candidate in (library, Path("/usr") / library.relative_to("/"), library.resolve()):
        owner = subprocess.run(["dpkg", "-S", str(candidate)], capture_output=True, text=True, check=False)
        if owner.returncode == 0:
            return owner.stdout.split(":")[0]
    raise EngineUnavailable(f"no Debian package holds {library}, which the WasmEdge CLI links to")


def _forget_other_tags(engine: Engine, keep: str) -> None:
    """Untag older builds of the same stand-in (their layers go when unused)."""
    repository = keep.rsplit(":", 1)[0]
    tags = engine.docker("image", "ls", repository, "--format", "{{.Repository}}:{{.Tag}}").split()
    for tag in tags:
        if tag != keep:
            engine.docker("image", "rm", tag, check=False)


def _apt_mirrors() -> tuple[str, str]:
    """This machine's Debian mirror and security mirror (deb.debian.org's if none found)."""
    mirror, security = "http://deb.debian.org/debian", "http://deb.debian.org/debian-security"
    sources = [*Path("/etc/apt").glob("sources.list.d/*.sources")]
    for path in sources:
        for stanza in path.read_text().split("\n\n"):
            fields = dict(line.split(":", 1) for line in stanza.splitlines() if ":" in line and line[0] != "#")
            uri, suites = fields.get("URIs", "").strip(), fields.get("Suites", "").split()
            if "deb" not in fields.get("Types", "").split() or not uri:
                continue
            if DEBIAN_SUITE in suites:
                mirror = uri
            elif f"{DEBIAN_SUITE}-security" in suites:
                security = uri
    return mirror, security


def _digest(parts: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:12]
