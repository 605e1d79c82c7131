"""A bounded, mixed load against one server, checking that nothing acknowledged
is lost: used by the fast test in `make test` and by `make soak`.

    python -m tests.load [REQUESTS] [CONCURRENCY] [SECONDS]     (make soak)

runs it against a wasm and a native server on a database of its own.

Each worker owns a disjoint range of order ids and keeps its own model of what
the server acknowledged, so every answer has one right expectation. At the end
the orders table must equal the union of the models, exactly.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

from devtools.mariadb import free_port, locate_or_start
from devtools.servers import KINDS, ServerProcess

IDS_PER_WORKER = 1_000_000
ADDRESS_SUFFIXES = ("", "ü", "🚚", "O'Brien", "'); --")
# Weighted operations; listing the whole table is the expensive one.
OPERATIONS = (
    ["create"] * 30 + ["batch"] * 10 + ["update"] * 20 + ["delete"] * 10 + ["get_order"] * 25 + ["list_orders"] * 5
)


@dataclass
class Report:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    acknowledged_writes: int = 0
    orders_expected: int = 0
    orders_found: int = 0
    final_state_matches: bool = False
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {**self.__dict__, "statuses": dict(sorted(self.statuses.items()))}


class Worker:
    def __init__(self, index: int, base_url: str, report: Report, lock: threading.Lock, seed: int) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.random = random.Random(seed + index)
        self.ids = range(index * IDS_PER_WORKER + 1, (index + 1) * IDS_PER_WORKER + 1)
        self.next_id = self.ids.start
        self.model: dict[int, dict[str, Any]] = {}
        self.deleted: set[int] = set()
        self.report = report
        self.lock = lock

    def run(self, requests: int, deadline: float) -> None:
        with self.http:
            for _ in range(requests):
                if time.monotonic() > deadline:
                    return
                getattr(self, self.random.choice(OPERATIONS))()

    def new_order(self) -> dict[str, Any]:
        order_id, self.next_id = self.next_id, self.next_id + 1
        return {
            "order_id": order_id,
            "product_id": self.random.randint(1, 99),
            "quantity": self.random.randint(1, 9),
            "amount": self.random.randint(0, 10**6) / 100,
            "shipping": self.random.randint(0, 5000) / 100,
            "tax": self.random.randint(0, 9999) / 100,
            "shipping_address": f"{order_id} Load Street {self.random.choice(ADDRESS_SUFFIXES)}",
        }

    def create(self) -> None:
        order = self.new_order()
        if self.send("POST", "/create_order", {200}, json=order):
            self.model[order["order_id"]] = order
            self.acknowledge()

    def batch(self) -> None:
        orders = [self.new_order() for _ in range(self.random.randint(2, 5))]
        if self.send("POST", "/create_orders", {200}, json=orders):
            self.model.update((order["order_id"], order) for order in orders)
            self.acknowledge()

    def update(self) -> None:
        if not self.model:
            return self.create()
        order_id = self.random.choice(list(self.model))
        changed = {**self.model[order_id], "quantity": self.random.randint(1, 9), "tax": self.random.randint(0, 99) / 4}
        if self.send("POST", "/update_order", {200}, json=changed):
            self.model[order_id] = changed
            self.acknowledge()
        return None

    def delete(self) -> None:
        if not self.model:
            return self.create()
        order_id = self.random.choice(list(self.model))
        if self.send("GET", "/delete_order", {200}, params={"id": order_id}):
            del self.model[order_id]
            self.deleted.add(order_id)
            self.acknowledge()
        return None

    def get_order(self) -> None:
        if self.deleted and self.random.random() < 0.2:
            self.send("GET", f"/orders/{self.random.choice(list(self.deleted))}", {404})
        elif self.model:
            order_id = self.random.choice(list(self.model))
            response = self.send("GET", f"/orders/{order_id}", {200})
            if response and response.json() != self.model[order_id]:
                self.unexpected(f"GET /orders/{order_id} returned {response.text}, acknowledged {self.model[order_id]}")

    def list_orders(self) -> None:
        response = self.send("GET", "/orders", {200})
        if response:
            mine = {row["order_id"]: row for row in response.json() if row["order_id"] in self.ids}
            if mine != self.model:
                self.unexpected(
                    f"GET /orders shows {len(mine)} of this worker's orders, {len(self.model)} acknowledged"
                )

    def send(self, method: str, path: str, expected: set[int], **options: Any) -> httpx.Response | None:
        try:
            response = self.http.request(method, path, **options)
        except httpx.HTTPError as error:
            self.unexpected(f"{method} {path}: {type(error).__name__}: {error}")
            return None
        with self.lock:
            self.report.requests += 1
            self.report.statuses[response.status_code] += 1
        if response.status_code not in expected:
            self.unexpected(f"{method} {path}: {response.status_code} {response.text[:200]}")
            return None
        return response

    def acknowledge(self) -> None:
        with self.lock:
            self.report.acknowledged_writes += 1

    def unexpected(self, what: str) -> None:
        with self.lock:
            self.report.unexpected.append(what)


def run_load(base_url: str, requests: int, concurrency: int, seconds: float, seed: int = 1) -> Report:
    """`requests` in all, spread over `concurrency` workers, stopped after `seconds`."""
    report = Report()
    lock = threading.Lock()
    with httpx.Client(base_url=base_url, timeout=30) as http:
        http.get("/init").raise_for_status()
        workers = [Worker(index + 1, base_url, report, lock, seed) for index in range(concurrency)]
        started = time.monotonic()
        with ThreadPoolExecutor(concurrency) as pool:
            for future in [pool.submit(w.run, requests // concurrency, started + seconds) for w in workers]:
                future.result()
        report.seconds = round(time.monotonic() - started, 2)
        expected = {order_id: order for worker in workers for order_id, order in worker.model.items()}
        found = {row["order_id"]: row for row in http.get("/orders").raise_for_status().json()}
    report.orders_expected, report.orders_found = len(expected), len(found)
    report.final_state_matches = found == expected
    return report


def soak(requests: int, concurrency: int, seconds: float) -> bool:
    mariadb = locate_or_start(os.environ.get("DATABASE_URL"))
    database = f"orders_soak_{os.getpid()}"
    mariadb.create_database(database)
    passed = True
    try:
        for kind in KINDS:
            with ServerProcess(
                kind, free_port(), {"DATABASE_URL": mariadb.url(database)}, log=subprocess.DEVNULL
            ) as server:
                print(f"soak: {requests} mixed requests at concurrency {concurrency} against {kind}", file=sys.stderr)
                result = run_load(server.base_url, requests, concurrency, seconds)
            print(json.dumps({"server": kind, **result.as_json()}, indent=2))
            passed = passed and result.final_state_matches and not result.unexpected
    finally:
        mariadb.drop_database(database)
        mariadb.stop()
    return passed


if __name__ == "__main__":
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    limit = float(sys.argv[3]) if len(sys.argv) > 3 else 600.0
    sys.exit(0 if soak(total, workers, limit) else 1)
