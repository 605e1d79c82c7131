"""The Dockerfile on a real engine: every target builds under BuildKit as under
the classic builder, the classic builder needs no local build output for the
targets that do not use it, and the FROM scratch WasmEdge image holds a tree
the module runs on as crun's handler would run it."""

from __future__ import annotations

import io
import json
import re
import shutil
import tarfile
from pathlib import Path

import httpx
import pytest

from devtools.docker.engine import BuildFailed
from devtools.docker.stack import SERVICES, WASMEDGE_ENTRY, WASMEDGE_IMAGE_TAG, Stack
from devtools.servers import ROOT

pytestmark = pytest.mark.timeout(900)

WASMEDGE = pytest.mark.wasmedge
# BuildKit cannot fetch the `# syntax=docker/dockerfile:1` frontend here: the
# daemon's built-in one reads the same file without that line.
BUILDKIT_TARGETS = [
    pytest.param("native", {}, id="native"),
    pytest.param("runner", {}, id="runner"),
    pytest.param("wasm", {}, id="wasm"),
    pytest.param("wasm", {"COMPONENT_STAGE": "prebuilt"}, id="wasm-prebuilt"),
    pytest.param("wasmedge", {}, id="wasmedge", marks=WASMEDGE),
    pytest.param("wasmedge-runner", {}, id="wasmedge-runner", marks=WASMEDGE),
]
# What `docker export` shows of any container: mount points and the engine's own files.
ENGINE_FILES = {".dockerenv", "dev/console", "etc/hostname", "etc/hosts", "etc/resolv.conf", "etc/mtab"}


@pytest.fixture
def syntaxless_dockerfile(tmp_path: Path) -> Path:
    lines = (ROOT / "Dockerfile").read_text().splitlines(keepends=True)
    assert lines[0].startswith("# syntax=")
    path = tmp_path / "Dockerfile"
    path.write_text("".join(lines[1:]))
    return path


@pytest.mark.parametrize(("target", "build_args"), BUILDKIT_TARGETS)
def test_every_target_builds_with_buildkit(
    stack: Stack, syntaxless_dockerfile: Path, target: str, build_args: dict[str, str]
) -> None:
    if build_args.get("COMPONENT_STAGE") == "prebuilt" and not (ROOT / "wasm-build/dist/orders.wasm").exists():
        pytest.fail("wasm-build/dist/orders.wasm is missing: run `make build` first", pytrace=False)
    tag = f"orders-e2e-buildkit:{target}"
    stack.say(f"buildkit: building target {target} {build_args or ''}")
    stack.engine.build(
        ROOT,
        tag,
        dockerfile=syntaxless_dockerfile,
        target=target,
        build_args={**stack.standins.build_args(), **build_args},
        buildkit=True,
    )
    [image] = json.loads(stack.engine.docker("image", "inspect", tag))
    stack.engine.docker("image", "rm", tag)
    composed = {SERVICES[service]: tag for service, tag in stack.images().items()}
    if target in composed:
        [classic] = json.loads(stack.engine.docker("image", "inspect", composed[target]))
        for setting in ("Entrypoint", "User", "Env", "ExposedPorts"):
            assert image["Config"][setting] == classic["Config"][setting], setting


@pytest.fixture
def bare_context(tmp_path: Path) -> Path:
    """The build context as a fresh checkout has it: no wasm-build/dist, no wasmedge-build/dist."""
    context = tmp_path / "context"
    context.mkdir()
    for name in ("Dockerfile", ".dockerignore", "pyproject.toml", "constraints.txt", "README.md"):
        shutil.copy(ROOT / name, context / name)
    ignore = shutil.ignore_patterns("__pycache__", "dist", ".build", ".venv", ".bindings")
    for directory in ("service", "wasm-build", "wasmedge-build"):
        shutil.copytree(ROOT / directory, context / directory, ignore=ignore)
    return context


def test_the_classic_builder_needs_no_local_build_output(stack: Stack, bare_context: Path) -> None:
    """It builds every stage up to the target: building `runner` builds all
    the stages before the wasmedge ones (native, component, prebuilt, wasm),
    and none may need what only `make build` or `make build-wasmedge` leaves."""
    stages = re.findall(r"^FROM \S+ AS (\S+)", (ROOT / "Dockerfile").read_text(), flags=re.MULTILINE)
    assert stages.index("runner") == stages.index("wasmedge") - 1
    stack.say("classic: building target runner (every stage before the wasmedge ones) without any dist/")
    stack.engine.build(bare_context, "orders-e2e-bare:runner", target="runner", build_args=stack.standins.build_args())
    stack.engine.docker("image", "rm", "orders-e2e-bare:runner")
    with pytest.raises(BuildFailed, match="wasmedge-build/dist"):
        stack.engine.build(
            bare_context, "orders-e2e-bare:wasmedge", target="wasmedge", build_args=stack.standins.build_args()
        )


@pytest.fixture(scope="module")
def wasmedge_image(stack: Stack) -> str:
    stack.say(f"classic: building target wasmedge as {WASMEDGE_IMAGE_TAG}")
    stack.engine.build(ROOT, WASMEDGE_IMAGE_TAG, target="wasmedge", build_args=stack.standins.build_args())
    return WASMEDGE_IMAGE_TAG


@pytest.fixture(scope="module")
def exported_root(stack: Stack, wasmedge_image: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The image's file system, as a container of it would see it."""
    container = stack.engine.docker("create", wasmedge_image).strip()
    try:
        exported = stack.engine.docker_bytes("export", container)
    finally:
        stack.engine.docker("rm", container)
    root = tmp_path_factory.mktemp("wasmedge-image") / "root"
    with tarfile.open(fileobj=io.BytesIO(exported)) as archive:
        archive.extractall(root, [m for m in archive if m.name not in ENGINE_FILES], filter="data")
    return root


@WASMEDGE
def test_the_wasmedge_image_holds_the_module_and_its_tree_only(
    stack: Stack, wasmedge_image: str, exported_root: Path
) -> None:
    [image] = json.loads(stack.engine.docker("image", "inspect", wasmedge_image))
    assert image["Config"]["Entrypoint"] == ["/python.wasm", "-m", WASMEDGE_ENTRY]
    assert (exported_root / "python.wasm").read_bytes() == (ROOT / "wasmedge-build/dist/python.aot.wasm").read_bytes()
    files = {str(p.relative_to(exported_root)) for p in exported_root.rglob("*") if not p.is_dir()}
    tree = ROOT / "wasmedge-build/dist/runtime"
    shipped = {str(p.relative_to(tree)) for p in tree.rglob("*") if not p.is_dir()}
    assert files - ENGINE_FILES == shipped | {"python.wasm"}
    assert not (exported_root / "bin").exists(), "a shell in the FROM scratch image"


@WASMEDGE
def test_the_wasmedge_image_serves_as_crun_would_run_it(stack: Stack, exported_root: Path) -> None:
    """The image's root as the guest's /, its entrypoint and environment, on
    the WasmEdge CLI of the stand-in (crun's handler embeds the same library),
    next to the composed database."""
    assert stack.standins.wasmedge is not None
    [image] = json.loads(stack.engine.docker("image", "inspect", WASMEDGE_IMAGE_TAG))
    env = [f"--env={variable}" for variable in image["Config"]["Env"] if not variable.startswith("PATH=")]
    database_url = "mysql://orders:orders@db:3306/orders"
    entrypoint = image["Config"]["Entrypoint"]
    container = stack.engine.docker(
        "run",
        "--detach",
        "--rm",
        f"--network={stack.project}_default",
        "--publish=127.0.0.1::8080",
        f"--volume={exported_root}:/image:ro",
        "--user=65534:65534",
        "--entrypoint=wasmedge",
        stack.standins.wasmedge,
        "--run-mode=aot",
        "--dir=/:/image:readonly",
        *env,
        f"--env=DATABASE_URL={database_url}",
        f"/image{entrypoint[0]}",
        *entrypoint[1:],
    ).strip()
    try:
        port = stack.engine.docker("port", container, "8080/tcp").split(":")[-1].strip()
        url = f"http://127.0.0.1:{port}"
        stack.wait_ready_at(url, "the wasmedge image's tree on the WasmEdge CLI")
        assert httpx.get(f"{url}/orders", timeout=10).status_code == 200
    finally:
        stack.engine.docker("rm", "--force", container, check=False)
