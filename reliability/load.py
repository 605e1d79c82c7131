"""A bounded, mixed load against one server, checking that nothing acknowledged
is lost: used by the fast tests in `make test` and by `make soak`.

Each worker owns a disjoint range of order ids and keeps its own model of what
the server acknowledged, so every answer has one right expectation. At the end
every acknowledged order must be in the table exactly as acknowledged, and
nothing else may be.

Under faults (`faults_expected`), a write can end without an answer: a 503,
or a connection lost after the request went out. Such a write is *in doubt*:
it may or may not have been committed. The worker never touches its ids
again, and at the end they must show either the whole write or none of it,
so a batch is never half there. A connection that could not be opened sent
nothing, so that write is simply not done.
"""

from __future__ import annotations

import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import httpx

IDS_PER_WORKER = 1_000_000
ADDRESS_SUFFIXES = ("", "ü", "🚚", "O'Brien", "'); --")
# Weighted operations; listing the whole table is the expensive one.
OPERATIONS = (
    ["create"] * 30 + ["batch"] * 10 + ["update"] * 20 + ["delete"] * 10 + ["get_order"] * 25 + ["list_orders"] * 5
)
# Under faults, how long a worker waits after a 503 or a refused connection.
BACKOFF_SECONDS = 0.1
# Under faults, the writes each worker still makes once the fault is over.
WRITES_AFTER_FAULT = 10

Order = dict[str, Any]
Fault = Callable[[], dict[str, Any]]


class Outcome(Enum):
    DONE = "done"
    NOT_DONE = "not done"
    IN_DOUBT = "in doubt"


@dataclass
class Doubt:
    """A write whose outcome is unknown: its ids hold either `before` or `after`."""

    before: dict[int, Order | None]
    after: dict[int, Order | None]


@dataclass
class Report:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    transport_errors: Counter[str] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    acknowledged_writes: int = 0
    acknowledged_after_fault: int = 0
    writes_in_doubt: int = 0
    in_doubt_found_applied: int = 0
    orders_expected: int = 0
    orders_found: int = 0
    final_state_matches: bool = False
    seconds: float = 0.0
    faults: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            **self.__dict__,
            "statuses": dict(sorted(self.statuses.items())),
            "transport_errors": dict(sorted(self.transport_errors.items())),
        }


class Worker:
    def __init__(self, index: int, base_url: str, report: Report, lock: threading.Lock, seed: int) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.random = random.Random(seed + index)
        self.ids = range(index * IDS_PER_WORKER + 1, (index + 1) * IDS_PER_WORKER + 1)
        self.next_id = self.ids.start
        self.model: dict[int, Order] = {}
        self.deleted: set[int] = set()
        self.doubts: list[Doubt] = []
        self.report = report
        self.lock = lock
        self.fault_over: threading.Event | None = None
        self.writes_after_fault = 0

    def run(self, requests: int, deadline: float, fault_over: threading.Event | None) -> None:
        """`requests` operations; under a fault, also until it is over and a few writes followed."""
        self.fault_over = fault_over
        with self.http:
            done = 0
            while time.monotonic() < deadline and (done < requests or not self.caught_up()):
                getattr(self, self.random.choice(OPERATIONS))()
                done += 1

    @property
    def faults_expected(self) -> bool:
        return self.fault_over is not None

    def caught_up(self) -> bool:
        return self.fault_over is None or self.writes_after_fault >= WRITES_AFTER_FAULT

    def new_order(self) -> Order:
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
        outcome, _ = self.send("POST", "/create_order", {200}, json=order)
        self.settle(outcome, {order["order_id"]: order})

    def batch(self) -> None:
        orders = [self.new_order() for _ in range(self.random.randint(2, 5))]
        outcome, _ = self.send("POST", "/create_orders", {200}, json=orders)
        self.settle(outcome, {order["order_id"]: order for order in orders})

    def update(self) -> None:
        if not self.model:
            return self.create()
        order_id = self.random.choice(list(self.model))
        changed = {**self.model[order_id], "quantity": self.random.randint(1, 9), "tax": self.random.randint(0, 99) / 4}
        outcome, _ = self.send("POST", "/update_order", {200}, json=changed)
        self.settle(outcome, {order_id: changed})
        return None

    def delete(self) -> None:
        if not self.model:
            return self.create()
        order_id = self.random.choice(list(self.model))
        outcome, _ = self.send("GET", "/delete_order", {200}, params={"id": order_id})
        self.settle(outcome, {order_id: None})
        return None

    def settle(self, outcome: Outcome, after: dict[int, Order | None]) -> None:
        """Record a write's outcome: each id maps to its new order, or None once deleted."""
        if outcome is Outcome.NOT_DONE:
            return
        before = {order_id: self.model.pop(order_id, None) for order_id in after}
        if outcome is Outcome.IN_DOUBT:
            self.doubts.append(Doubt(before, after))
            with self.lock:
                self.report.writes_in_doubt += 1
            return
        for order_id, order in after.items():
            if order is None:
                self.deleted.add(order_id)
            else:
                self.model[order_id] = order
        after_fault = self.fault_over is not None and self.fault_over.is_set()
        self.writes_after_fault += after_fault
        with self.lock:
            self.report.acknowledged_writes += 1
            self.report.acknowledged_after_fault += after_fault

    def get_order(self) -> None:
        if self.deleted and self.random.random() < 0.2:
            self.send("GET", f"/orders/{self.random.choice(list(self.deleted))}", {404})
        elif self.model:
            order_id = self.random.choice(list(self.model))
            outcome, response = self.send("GET", f"/orders/{order_id}", {200})
            if outcome is Outcome.DONE and response is not None and response.json() != self.model[order_id]:
                self.unexpected(f"GET /orders/{order_id} returned {response.text}, acknowledged {self.model[order_id]}")

    def list_orders(self) -> None:
        outcome, response = self.send("GET", "/orders", {200})
        if outcome is Outcome.DONE and response is not None:
            in_doubt = {order_id for doubt in self.doubts for order_id in doubt.after}
            mine = {
                row["order_id"]: row
                for row in response.json()
                if row["order_id"] in self.ids and row["order_id"] not in in_doubt
            }
            if mine != self.model:
                self.unexpected(
                    f"GET /orders shows {len(mine)} of this worker's settled orders, {len(self.model)} acknowledged"
                )

    def send(self, method: str, path: str, expected: set[int], **options: Any) -> tuple[Outcome, httpx.Response | None]:
        try:
            response = self.http.request(method, path, **options)
        except httpx.HTTPError as error:
            return self.transport_error(method, path, error), None
        with self.lock:
            self.report.requests += 1
            self.report.statuses[response.status_code] += 1
        if response.status_code in expected:
            return Outcome.DONE, response
        if response.status_code == 503 and self.faults_expected:
            if "retry-after" not in response.headers:
                self.unexpected(f"{method} {path}: 503 without Retry-After")
            time.sleep(BACKOFF_SECONDS)
            return Outcome.IN_DOUBT, response
        self.unexpected(f"{method} {path}: {response.status_code} {response.text[:200]}")
        return Outcome.IN_DOUBT, response

    def transport_error(self, method: str, path: str, error: httpx.HTTPError) -> Outcome:
        with self.lock:
            self.report.transport_errors[type(error).__name__] += 1
        if not self.faults_expected:
            self.unexpected(f"{method} {path}: {type(error).__name__}: {error}")
        time.sleep(BACKOFF_SECONDS)
        # A connection that was never opened carried no request.
        return Outcome.NOT_DONE if isinstance(error, httpx.ConnectError) else Outcome.IN_DOUBT

    def unexpected(self, what: str) -> None:
        with self.lock:
            self.report.unexpected.append(what)


@dataclass(frozen=True)
class Run:
    """How much load: `requests` in all, over `concurrency` workers, stopped after `seconds`."""

    requests: int
    concurrency: int
    seconds: float


def run_load(
    base_url: str,
    size: Run,
    *,
    fault: Fault | None = None,
    seed: int = 1,
    progress_every: float | None = None,
) -> Report:
    """A run of `size`.

    With a `fault`, it runs alongside the workers, which then tolerate 503s and
    lost connections and keep going until it is over; what it returns is
    recorded in the report. With `progress_every`, a line on stderr that often.
    """
    report = Report()
    lock = threading.Lock()
    with httpx.Client(base_url=base_url, timeout=30) as http:
        http.get("/init").raise_for_status()
        workers = [Worker(index + 1, base_url, report, lock, seed) for index in range(size.concurrency)]
        fault_over = threading.Event() if fault else None
        started = time.monotonic()
        deadline = started + size.seconds
        with ThreadPoolExecutor(size.concurrency + 1) as pool:
            runs = [pool.submit(w.run, size.requests // size.concurrency, deadline, fault_over) for w in workers]
            if fault and fault_over:
                runs.append(pool.submit(_run_fault, fault, fault_over, report))
            while wait(runs, timeout=progress_every).not_done:
                print(
                    f"load: {report.requests} answers, {report.acknowledged_writes} writes acknowledged",
                    file=sys.stderr,
                    flush=True,
                )
            for run in runs:
                run.result()
        report.seconds = round(time.monotonic() - started, 2)
        found = {row["order_id"]: row for row in http.get("/orders").raise_for_status().json()}
    _check_final_state(workers, found, report)
    return report


def _run_fault(fault: Fault, fault_over: threading.Event, report: Report) -> None:
    try:
        report.faults.append(fault())
    finally:
        fault_over.set()


def _check_final_state(workers: list[Worker], found: dict[int, Order], report: Report) -> None:
    expected = {order_id: order for worker in workers for order_id, order in worker.model.items()}
    doubts = [doubt for worker in workers for doubt in worker.doubts]
    report.orders_expected, report.orders_found = len(expected), len(found)
    problems = [
        f"order {order_id} acknowledged, not found as acknowledged"
        for order_id in expected
        if found.get(order_id) != expected[order_id]
    ]
    for doubt in doubts:
        state = {order_id: found.get(order_id) for order_id in doubt.after}
        if state == doubt.after:
            report.in_doubt_found_applied += 1
        elif state != doubt.before:
            problems.append(f"a write in doubt is half applied: {sorted(doubt.after)}")
    accounted = set(expected) | {order_id for doubt in doubts for order_id in doubt.after}
    problems += [f"order {order_id} found, never acknowledged" for order_id in sorted(set(found) - accounted)]
    report.unexpected += problems[:20]
    report.final_state_matches = not problems
