"""`docker compose up` for real: the README's curl flow, a slice of the HTTP
suite, the memory limits the manifests promise, and the database killed under
load, against every composed service (runner, native, wasmedge-runner)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import time
from typing import Any

import httpx
import pytest
from tenacity import Retrying, retry_if_result, stop_after_delay, wait_fixed

from devtools.docker.stack import Stack, cgroup_memory, container_uids
from reliability.faults import DOWN_SECONDS, FAULT_AFTER_SECONDS, PROBE_INTERVAL_SECONDS
from reliability.load import WRITES_AFTER_FAULT, Fault, Run, run_load
from tests.support.manifests import memory_limit
from tests.support.payloads import DEMO_ORDERS, DEMO_UPDATE, ROOT, assert_error, order, post_json, stored_ids
from tests.support.traffic import BURST_CLIENTS, HELD_CONNECTIONS, burst, held_connections

pytestmark = pytest.mark.timeout(900)  # the first test waits for the stack: engine, stand-ins, images

README = (ROOT / "README.md").read_text()
TRY_IT = README[README.index("## Try it") :]
CURL_FLOW = re.search(r"```\n(curl .*?)```", TRY_IT, flags=re.DOTALL)
# The Kubernetes limit each service is held to, from the rendered manifests.
MANIFESTS = {
    "orders": ("k8s", "orders-wasm"),
    "orders-native": ("k8s", "orders-native"),
    "orders-wasmedge": ("k8s/overlays/crun-wasmedge", "orders-wasm"),
}
FAULT_RUN = Run(requests=800, concurrency=8, seconds=150)
RECOVERY_WITHIN_SECONDS = 30.0
STOP_WITHIN_SECONDS, SIGKILLED = 5.0, 128 + 9


def test_the_readme_curl_flow(stack: Stack, service: str) -> None:
    """The commands of the README's "Try it", with curl, on the service's published port."""
    assert CURL_FLOW is not None, "no curl block in the README's Try it"
    commands = CURL_FLOW.group(1).strip().splitlines()
    port = stack.ports[service]
    answers = []
    for command in commands:
        argv = shlex.split(command.replace("localhost:8080", f"localhost:{port}"))
        done = subprocess.run(
            ["curl", "--silent", "--show-error", "--fail-with-body", *argv[1:]],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
        assert done.returncode == 0, f"{command}: {done.stderr}{done.stdout}"
        answers.append(json.loads(done.stdout))
    expected = [DEMO_UPDATE if row["order_id"] == 3 else row for row in DEMO_ORDERS if row["order_id"] != 2]
    ok = {"status": True}
    assert answers == [ok, ok, DEMO_ORDERS, ok, ok, expected], commands


class TestHTTP:
    def test_rest_lifecycle(self, client: httpx.Client) -> None:
        created = post_json(client, "/orders", order(9))
        assert created.status_code == 201
        assert created.headers["location"] == "/orders/9"
        assert client.get("/orders/9").json() == order(9)
        replaced = client.put("/orders/9", content=json.dumps(order(9, quantity=4)))
        assert replaced.json() == order(9, quantity=4)
        assert client.delete("/orders/9").status_code == 204
        assert_error(client.get("/orders/9"), 404, "order_not_found")
        post_json(client, "/orders", order(1))
        assert_error(post_json(client, "/orders", order(1)), 409, "duplicate_order_id")

    def test_errors(self, client: httpx.Client) -> None:
        assert_error(client.get("/nope"), 404, "not_found")
        not_allowed = client.delete("/orders")
        assert_error(not_allowed, 405, "method_not_allowed")
        assert "GET" in not_allowed.headers["allow"].split(", ")
        assert_error(client.post("/create_order", content=b"{"), 400, "malformed_json")
        error = assert_error(post_json(client, "/create_order", order(1, quantity=-1)), 422, "validation_failed")
        assert [detail["field"] for detail in error["details"]] == ["quantity"]
        assert_error(client.get("/delete_order", params={"id": 42}), 404, "order_not_found")
        assert_error(post_json(client, "/update_order", order(42)), 404, "order_not_found")
        assert stored_ids(client) == []

    def test_the_browser_client_is_served(self, client: httpx.Client) -> None:
        for path, content_type in (("/ui/", "text/html"), ("/ui/app.js", "text/javascript")):
            response = client.get(path)
            assert response.status_code == 200, path
            assert response.headers["content-type"].startswith(content_type)

    def test_a_foreign_page_may_not_change_state(self, client: httpx.Client) -> None:
        post_json(client, "/create_order", order(1))
        response = client.post("/update_order", json=order(1, quantity=9), headers={"origin": "http://evil.example"})
        error = assert_error(response, 403, "origin_not_allowed")
        assert error["details"] == {"origin": "http://evil.example"}
        assert "access-control-allow-origin" not in response.headers
        assert client.get("/orders").json() == [order(1)]


def test_runs_as_an_unprivileged_user(stack: Stack, service: str) -> None:
    inspected = stack.inspect(service)
    assert inspected["Config"]["User"] == "65534:65534"
    uids = container_uids(inspected["Id"])
    assert uids, "no process in the container"
    assert set(uids.values()) == {65534}, uids


def test_a_burst_stays_within_the_manifests_memory_limit(stack: Stack, service: str) -> None:
    """The Kubernetes limit, applied by compose, holds a burst of clients and
    hundreds of held connections: nothing OOM-killed, nothing restarted."""
    limit = memory_limit(*MANIFESTS[service])
    httpx.get(f"{stack.url(service)}/init", timeout=30).raise_for_status()
    before = stack.inspect(service)
    assert before["HostConfig"]["Memory"] == limit, "docker-compose.yml and the manifest disagree"
    with held_connections(stack.url(service)):
        statuses = burst(stack.url(service))
    memory = cgroup_memory(before["Id"])
    after = stack.inspect(service)
    stack.say(
        f"memory: {service} peaked at {memory['peak'] / 2**20:.0f} MiB of {limit / 2**20:.0f} MiB "
        f"under {BURST_CLIENTS} clients and {HELD_CONNECTIONS} held connections"
    )
    assert not after["State"]["OOMKilled"]
    assert after["State"]["Running"]
    assert after["RestartCount"] == before["RestartCount"]
    assert after["State"]["StartedAt"] == before["State"]["StartedAt"]
    assert set(statuses) == {200}, statuses


def test_killing_the_database_under_load_loses_nothing_acknowledged(stack: Stack, service: str) -> None:
    report = run_load(stack.url(service), FAULT_RUN, fault=database_kill(stack, stack.url(service)))
    [fault] = report.faults
    stack.say(
        f"fault: {service}: {report.acknowledged_writes} writes acknowledged, "
        f"transport errors {dict(report.transport_errors)}; {fault}"
    )
    assert report.unexpected == []
    assert report.final_state_matches
    assert report.acknowledged_after_fault >= FAULT_RUN.concurrency * WRITES_AFTER_FAULT
    answered = {kind for kind in fault["probes_while_down"] if not kind.startswith("no answer")}
    assert answered == {"503 with Retry-After"}, fault
    assert fault["service_ready_after_database_seconds"] < RECOVERY_WITHIN_SECONDS


def test_docker_stop_is_prompt_and_clean(stack: Stack, service: str) -> None:
    """`docker compose stop` right after a request ends the server with the
    signal it answers, not with SIGKILL after the 10 s grace; `start` brings
    it back."""
    httpx.get(f"{stack.url(service)}/orders", timeout=30).raise_for_status()
    started = time.monotonic()
    stack.compose("stop", service)
    seconds = time.monotonic() - started
    state = stack.inspect(service)["State"]
    stack.say(f"stop: {service} stopped in {seconds:.1f} s with exit code {state['ExitCode']}")
    stack.compose("start", service)
    stack.wait_ready(service)
    assert state["ExitCode"] != SIGKILLED, f"{service} ignored its stop signal"
    assert seconds < STOP_WITHIN_SECONDS


def database_kill(stack: Stack, base_url: str) -> Fault:
    """`docker compose kill db` (SIGKILL), probe the service, `docker compose start db`."""

    def inject() -> dict[str, Any]:
        time.sleep(FAULT_AFTER_SECONDS)
        stack.compose("kill", "db")
        try:
            probes = probe_while_down(base_url, DOWN_SECONDS)
        finally:
            stack.compose("start", "db")
        started = time.monotonic()
        healthy = Retrying(stop=stop_after_delay(120), wait=wait_fixed(0.2), retry=retry_if_result(lambda ok: not ok))
        healthy(lambda: stack.inspect("db")["State"].get("Health", {}).get("Status") == "healthy")
        database_seconds = round(time.monotonic() - started, 2)
        started = time.monotonic()
        stack.wait_ready(stack_service(stack, base_url), RECOVERY_WITHIN_SECONDS)
        return {
            "fault": "docker compose kill db (SIGKILL), then docker compose start db on the same volume",
            "probes_while_down": probes,
            "database_healthy_after_seconds": database_seconds,
            "service_ready_after_database_seconds": round(time.monotonic() - started, 2),
        }

    return inject


def stack_service(stack: Stack, base_url: str) -> str:
    return next(service for service in stack.services if stack.url(service) == base_url)


def probe_while_down(base_url: str, seconds: float) -> dict[str, int]:
    """What GET /orders answers while the database is down, by kind of answer.
    A connection closed without an answer counts too (the WasmEdge server,
    single-threaded, can drop a keep-alive connection it left waiting)."""
    answers: dict[str, int] = {}
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=base_url, timeout=10) as http:
        while time.monotonic() < deadline:
            try:
                response = http.get("/orders")
            except httpx.TransportError as error:
                kind = f"no answer ({type(error).__name__})"
            else:
                retry_after = response.status_code == 503 and response.headers.get("retry-after")
                kind = "503 with Retry-After" if retry_after else str(response.status_code)
            answers[kind] = answers.get(kind, 0) + 1
            time.sleep(PROBE_INTERVAL_SECONDS)
    return answers
