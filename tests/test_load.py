"""A fast version of the soak: mixed load at concurrency 16 on each server,
zero unexpected answers, and the table equal to what was acknowledged."""

from __future__ import annotations

import httpx
import pytest

from reliability.load import Run, run_load
from tests.support.servers import Service


@pytest.mark.timeout(300)
def test_mixed_load_loses_nothing(service: Service, client: httpx.Client) -> None:
    report = run_load(service.base_url, Run(requests=2000, concurrency=16, seconds=120))
    assert report.unexpected == []
    assert report.requests >= 1900, f"only {report.requests} requests within the time limit"
    assert report.acknowledged_writes > 500
    assert report.final_state_matches, f"{report.orders_found} orders found, {report.orders_expected} acknowledged"
