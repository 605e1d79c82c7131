"""Dockerfile, docker-compose.yml and k8s/, checked offline: no engine, no cluster."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from devtools import oci_image
from devtools.docker.stack import WASMEDGE_ENTRY, WASMEDGE_IMAGE_TAG
from orders.api import ROUTER
from tests.support.manifests import deployment, kustomize, memory_limit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()
KUSTOMIZATIONS = ["k8s", "k8s/overlays/dapr", "k8s/overlays/crun-wasmedge"]
README = (ROOT / "README.md").read_text()
COMPOSE_DOCS = README[README.index("### Docker Compose") : README.index("### Images")]


def run(*command: str) -> str:
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def dockerfile_stages() -> dict[str, str]:
    """Stage name -> its instructions."""
    parts = re.split(r"^FROM\s+\S+\s+AS\s+(\S+)\s*$", DOCKERFILE, flags=re.MULTILINE | re.IGNORECASE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


class TestCompose:
    def test_validates_against_the_compose_specification(self) -> None:
        run(str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "docker-compose.yml")

    def test_default_service_runs_the_component_next_to_a_healthy_database(self) -> None:
        services = COMPOSE["services"]
        default = {name for name, service in services.items() if "profiles" not in service}
        assert default == {"db", "orders"}
        orders = services["orders"]
        assert orders["build"]["target"] == "runner"
        assert orders["depends_on"] == {"db": {"condition": "service_healthy"}}
        assert orders["restart"] == "unless-stopped"
        assert orders["ports"] == ["${ORDERS_PORT:-8080}:8080"]
        assert "@db:3306/" in orders["environment"]["DATABASE_URL"]
        db = services["db"]
        assert db["healthcheck"]["test"][:2] == ["CMD", "healthcheck.sh"]
        assert db["volumes"] == ["db-data:/var/lib/mysql"]
        assert "db-data" in COMPOSE["volumes"]

    def test_shim_profile_uses_the_wasm_shim(self) -> None:
        shim = COMPOSE["services"]["orders-shim"]
        assert shim["platform"] == "wasi/wasm"
        assert shim["runtime"] == "io.containerd.wasmtime.v1"
        assert shim["build"]["target"] == "wasm"

    def test_wasmedge_profile_runs_the_module_on_the_wasmedge_cli(self) -> None:
        wasmedge = COMPOSE["services"]["orders-wasmedge"]
        assert wasmedge["profiles"] == ["wasmedge"]
        assert wasmedge["build"]["target"] == "wasmedge-runner"
        assert wasmedge["ports"] == ["${ORDERS_WASMEDGE_PORT:-8083}:8080"]
        assert wasmedge["depends_on"] == {"db": {"condition": "service_healthy"}}
        # WasmEdge ignores SIGTERM as PID 1.
        assert wasmedge["init"] is True

    @pytest.mark.parametrize(
        ("service", "path", "name"),
        [
            ("orders", "k8s", "orders-wasm"),
            ("orders-native", "k8s", "orders-native"),
            ("orders-wasmedge", "k8s/overlays/crun-wasmedge", "orders-wasm"),
        ],
    )
    def test_memory_limits_are_the_manifests(self, service: str, path: str, name: str) -> None:
        limit = COMPOSE["services"][service]["deploy"]["resources"]["limits"]["memory"]
        found = re.fullmatch(r"(\d+)M", limit)
        assert found is not None, limit
        assert int(found.group(1)) * 2**20 == memory_limit(path, name)

    def test_build_targets_exist_in_the_dockerfile(self) -> None:
        targets = {s["build"]["target"] for s in COMPOSE["services"].values() if "build" in s}
        assert targets <= set(dockerfile_stages())

    def test_readme_mentions_only_what_compose_has(self) -> None:
        profiles = {p for s in COMPOSE["services"].values() for p in s.get("profiles", [])}
        mentioned_profiles = set(re.findall(r"--profile (\w+)", COMPOSE_DOCS))
        assert mentioned_profiles == profiles
        compose_text = (ROOT / "docker-compose.yml").read_text()
        for port in set(re.findall(r"localhost:(\d+)", COMPOSE_DOCS)):
            assert re.search(rf":-{port}\}}:8080", compose_text), f"README mentions port {port}"
        for variable in set(re.findall(r"`([A-Z][A-Z0-9_]{2,})`", COMPOSE_DOCS)):
            assert f"${{{variable}" in compose_text or variable in COMPOSE["services"]["orders"]["environment"], (
                f"README mentions {variable}"
            )
        for service in set(re.findall(r"service `([\w-]+)`", COMPOSE_DOCS)):
            assert service in COMPOSE["services"]


class TestKubernetes:
    @pytest.mark.parametrize("path", KUSTOMIZATIONS)
    def test_builds_and_validates_against_current_kubernetes(self, path: str, tmp_path: Path) -> None:
        built = tmp_path / "built.yaml"
        objects = kustomize(path)
        built.write_text(yaml.safe_dump_all([o for o in objects if not o["apiVersion"].startswith("dapr.io/")]))
        run(str(BIN / "kubernetes-validate"), "--strict", "--quiet", str(built))

    def test_dapr_components_match_the_dapr_crd(self) -> None:
        crd = yaml.safe_load((ROOT / "tests" / "schemas" / "dapr-components-crd.yaml").read_text())
        schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
        components = [o for o in kustomize("k8s/overlays/dapr") if o["kind"] == "Component"]
        components.append(yaml.safe_load((ROOT / "dapr" / "components" / "pubsub.yaml").read_text()))
        assert [c["metadata"]["name"] for c in components] == ["orderpubsub", "orderpubsub"]
        for component in components:
            jsonschema.validate(component, schema)
            assert component["spec"]["type"].startswith("pubsub.")

    def test_probes_point_at_routes_that_exist(self) -> None:
        for name in ("orders-wasm", "orders-native"):
            container = deployment(kustomize("k8s"), name)["spec"]["template"]["spec"]["containers"][0]
            assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
            for probe in ("livenessProbe", "readinessProbe"):
                ROUTER.resolve("GET", container[probe]["httpGet"]["path"])

    @pytest.mark.parametrize(
        ("name", "compose_service", "target"),
        [
            ("orders-wasm", "orders-shim", "wasm"),
            ("orders-native", "orders-native", "native"),
        ],
    )
    def test_image_and_port_match_the_dockerfile(self, name: str, compose_service: str, target: str) -> None:
        container = deployment(kustomize("k8s"), name)["spec"]["template"]["spec"]["containers"][0]
        assert container["image"] == COMPOSE["services"][compose_service]["image"]
        assert COMPOSE["services"][compose_service]["build"]["target"] == target
        exposed = re.findall(r"^EXPOSE (\d+)", dockerfile_stages()[target], flags=re.MULTILINE)
        assert [port["containerPort"] for port in container["ports"]] == [int(p) for p in exposed]

    def test_wasm_deployment_runs_on_the_wasmtime_runtime_class(self) -> None:
        objects = kustomize("k8s")
        runtime_classes = {o["metadata"]["name"]: o for o in objects if o["kind"] == "RuntimeClass"}
        spec = deployment(objects, "orders-wasm")["spec"]["template"]["spec"]
        assert spec["runtimeClassName"] == "wasmtime"
        assert runtime_classes["wasmtime"]["handler"] == "wasmtime"
        assert runtime_classes["crun-wasmedge"]["handler"] == "crun"
        [env] = spec["containers"][0]["env"]
        secret_ref = env["valueFrom"]["secretKeyRef"]
        assert (env["name"], secret_ref["key"]) == ("DATABASE_URL", "DATABASE_URL")
        secrets = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Secret"}
        assert "DATABASE_URL" in secrets[secret_ref["name"]]["data"]

    def test_crun_overlay_marks_the_wasm_variant(self) -> None:
        template = deployment(kustomize("k8s/overlays/crun-wasmedge"), "orders-wasm")["spec"]["template"]
        assert template["spec"]["runtimeClassName"] == "crun-wasmedge"
        assert template["metadata"]["annotations"] == {"module.wasm.image/variant": "compat-smart"}

    def test_crun_overlay_runs_the_wasmedge_image(self) -> None:
        container = deployment(kustomize("k8s/overlays/crun-wasmedge"), "orders-wasm")["spec"]["template"]["spec"][
            "containers"
        ][0]
        assert container["image"] == WASMEDGE_IMAGE_TAG
        exposed = re.findall(r"^EXPOSE (\d+)", dockerfile_stages()["wasmedge"], flags=re.MULTILINE)
        assert [port["containerPort"] for port in container["ports"]] == [int(p) for p in exposed]

    def test_dapr_overlay_annotates_both_deployments(self) -> None:
        objects = kustomize("k8s/overlays/dapr")
        app_ids = set()
        for name in ("orders-wasm", "orders-native"):
            annotations = deployment(objects, name)["spec"]["template"]["metadata"]["annotations"]
            assert annotations["dapr.io/enabled"] == "true"
            assert annotations["dapr.io/app-port"] == "8080"
            app_ids.add(annotations["dapr.io/app-id"])
        assert len(app_ids) == 2


class TestDockerfile:
    def test_passes_hadolint(self) -> None:
        run(str(BIN / "hadolint"), "Dockerfile")

    def test_base_images_are_pinned(self) -> None:
        """By version and digest; WasmEdge's by version only (its digest could not be checked)."""
        bases = dict(re.findall(r"^ARG (\w+_IMAGE)=(\S+)$", DOCKERFILE, flags=re.MULTILINE))
        assert set(bases) == {"PYTHON_IMAGE", "RUNNER_IMAGE", "WASMEDGE_IMAGE"}
        for name, image in bases.items():
            digest = "" if name == "WASMEDGE_IMAGE" else r"@sha256:[0-9a-f]{64}"
            assert re.fullmatch(rf"[\w./-]+:[\w.-]*\d[\w.-]*{digest}", image), image
        froms = re.findall(r"^FROM (\S+)", DOCKERFILE, flags=re.MULTILINE)
        assert set(froms) <= {f"${{{name}}}" for name in bases} | {"${COMPONENT_STAGE}", "scratch"}

    def test_has_the_five_targets(self) -> None:
        stages = dockerfile_stages()
        assert {"wasm", "runner", "native", "wasmedge", "wasmedge-runner"} <= set(stages)
        assert re.search(r"^FROM scratch AS wasm$", DOCKERFILE, flags=re.MULTILINE)
        assert 'ENTRYPOINT ["/orders.wasm"]' in stages["wasm"]
        assert re.search(r"^FROM scratch AS wasmedge$", DOCKERFILE, flags=re.MULTILINE)
        assert f'ENTRYPOINT ["/python.wasm", "-m", "{WASMEDGE_ENTRY}"]' in stages["wasmedge"]

    def test_only_the_last_stages_need_the_wasmedge_build(self) -> None:
        """The classic builder builds every stage up to its target: the others
        must come before any stage that copies wasmedge-build/dist."""
        names = list(dockerfile_stages())
        needing = [
            name for name, body in dockerfile_stages().items() if re.search(r"^COPY .*wasmedge-build/dist", body, re.M)
        ]
        assert needing == names[len(names) - len(needing) :] == ["wasmedge", "wasmedge-runner"]

    def test_the_runner_stops_promptly_on_a_signal_wasmtime_handles(self) -> None:
        runner = dockerfile_stages()["runner"]
        assert re.search(r"^STOPSIGNAL SIGINT$", runner, flags=re.MULTILINE)
        # wasmtime waits out its idle instances before exiting; docker stop waits 10 s.
        assert re.search(r"^ENV .*WASM_IDLE_INSTANCE_TIMEOUT=1s", runner, flags=re.MULTILINE)

    def test_wasm_image_is_assembled_from_scratch_with_only_the_component(self) -> None:
        sizes = oci_image.build()
        with tarfile.open(oci_image.ARCHIVE) as archive:
            index = json.loads(member_bytes(archive, "index.json"))
            manifest = json.loads(member_bytes(archive, blob_path(index["manifests"][0]["digest"])))
            config = json.loads(member_bytes(archive, blob_path(manifest["config"]["digest"])))
            assert (config["os"], config["architecture"]) == ("wasi", "wasm")
            assert config["config"]["Entrypoint"] == ["/orders.wasm"]
            assert len(manifest["layers"]) == 1
            layer_bytes = member_bytes(archive, blob_path(manifest["layers"][0]["digest"]))
            with tarfile.open(fileobj=io.BytesIO(layer_bytes)) as layer:
                files = [m for m in layer.getmembers() if m.isfile()]
                assert [m.name.lstrip("./") for m in files] == ["orders.wasm"]
                shipped = layer.extractfile(files[0])
                assert shipped is not None
                component = (ROOT / "wasm-build" / "dist" / "orders.wasm").read_bytes()
                assert hashlib.sha256(shipped.read()).digest() == hashlib.sha256(component).digest()
        assert json.loads(oci_image.SIZES.read_text()) == sizes


def member_bytes(archive: tarfile.TarFile, name: str) -> bytes:
    member = archive.extractfile(name)
    assert member is not None, name
    return member.read()


def blob_path(digest: str) -> str:
    return f"blobs/sha256/{digest.removeprefix('sha256:')}"


def test_no_file_refers_to_a_machine_path() -> None:
    files = [ROOT / "Dockerfile", ROOT / "docker-compose.yml", ROOT / ".dockerignore"]
    files += [*(ROOT / "k8s").rglob("*.yaml"), *(ROOT / "dapr").rglob("*.yaml")]
    for path in files:
        assert not re.search(r"/(work|tmp|root|home|Users)/", path.read_text()), path
