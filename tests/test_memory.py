"""Memory stays within what the Kubernetes manifests promise, under a burst
of clients and hundreds of held connections, and does not grow with the
bytes a server has sent.

The limit of each server is read from the rendered manifests (the wasm and
native Deployments, and the crun-wasmedge overlay's). The figure is the
resident memory of the server's whole process tree, sampled throughout: for
gunicorn that counts shared pages once per process, which overstates it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from bench.measure import tree_rss_bytes
from tests.support.manifests import memory_limit
from tests.support.payloads import order
from tests.support.servers import Service
from tests.support.traffic import burst, held_connections

# Large responses, about 60 kB each, and how much a server may grow while
# sending a few thousand of them, some 100 MB in all.
LIST_LENGTH, WARM_UP, REQUESTS = 500, 400, 1600
GROWTH_ALLOWED = 48 * 2**20

MANIFESTS = {
    "wasm": ("k8s", "orders-wasm"),
    "native": ("k8s", "orders-native"),
    "wasmedge": ("k8s/overlays/crun-wasmedge", "orders-wasm"),
}


@contextmanager
def peak_memory(pid: int) -> Iterator[dict[str, int]]:
    """Samples the process tree's RSS every 20 ms; `peak` holds the highest."""
    found = {"peak": tree_rss_bytes(pid)}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            found["peak"] = max(found["peak"], tree_rss_bytes(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield found
    finally:
        done.set()
        sampler.join()


@pytest.mark.timeout(300)
def test_a_burst_stays_within_the_manifests_memory_limit(service: Service, client: httpx.Client) -> None:
    limit = memory_limit(*MANIFESTS[service.kind])
    process = service.process.process
    assert process is not None
    with peak_memory(process.pid) as memory, held_connections(service.base_url):
        statuses = burst(service.base_url)
    assert set(statuses) == {200}, statuses
    assert memory["peak"] < limit, f"peak {memory['peak'] / 2**20:.0f} MiB, limit {limit / 2**20:.0f} MiB"


@pytest.mark.timeout(300)
def test_memory_does_not_grow_with_the_bytes_served(service: Service, client: httpx.Client) -> None:
    """componentize-py leaks a copy of every byte string the guest hands the
    host, each response body included; serve.sh recycles instances to bound
    it. The peak while sending many large responses must stay near the peak
    of the warm-up, which lets every instance reach its working size."""
    assert client.post("/create_orders", json=[order(i) for i in range(1, LIST_LENGTH + 1)]).status_code == 200
    process = service.process.process
    assert process is not None
    with service.client(check_contract=False) as plain:
        with peak_memory(process.pid) as warm_up:
            for _ in range(WARM_UP):
                assert plain.get("/orders").status_code == 200
        with peak_memory(process.pid) as loaded:
            for _ in range(REQUESTS):
                assert plain.get("/orders").status_code == 200
    growth = loaded["peak"] - warm_up["peak"]
    assert growth < GROWTH_ALLOWED, f"grew {growth / 2**20:.0f} MiB over {REQUESTS} responses"
