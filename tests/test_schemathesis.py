"""Schema-driven fuzzing: schemathesis generates requests from the OpenAPI spec,
valid and invalid, for every operation, and checks every answer against it.

Each server gets a database of its own, so generated writes touch no other test.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case
from schemathesis.hooks import HookContext
from schemathesis.openapi.checks import RejectedPositiveData

from devtools.servers import KINDS, Kind
from orders.api import SPEC
from tests.support.fuzzing import FUZZ_CASES
from tests.support.servers import Service, ServiceFactory

# The refusals the spec documents for bad input.
DOCUMENTED_REFUSALS = ["400", "404", "405", "409", "413", "415", "422"]
# Valid data is accepted, unless a schema-valid batch is larger than the
# documented 1 MiB body limit (413), or names an order that is missing (404)
# or already there (409). /ui redirects to /ui/ (308).
ACCEPTED_OUTCOMES = ["2xx", "308", "404", "409", "413"]
schema = schemathesis.openapi.from_dict(
    SPEC,
    config=SchemathesisConfig.from_dict(
        {
            "checks": {
                "negative_data_rejection": {"expected-statuses": DOCUMENTED_REFUSALS},
                "positive_data_acceptance": {"expected-statuses": ACCEPTED_OUTCOMES},
            }
        }
    ),
)


# Two rules the spec states in prose only, so schemathesis may take data that
# breaks them for valid; test_api checks both 422s.
RULES_IN_PROSE = (
    # A PUT body may repeat the path's order_id but not contradict it.
    "must match the order id in the path",
    # Money has at most two decimal places (see MONEY in orders/schemas.py).
    "must have at most 2 decimal places",
)


@schema.hook
def filter_failure(context: HookContext, failure: Failure, case: Case[Any], response: Response) -> bool:
    if not response.headers.get("content-type", [""])[0].startswith("application/json"):
        return True
    details = response.json().get("error", {}).get("details", [])
    breaks_a_prose_rule = isinstance(failure, RejectedPositiveData) and all(
        isinstance(detail, dict) and detail.get("message") in RULES_IN_PROSE for detail in details
    )
    return not (details and breaks_a_prose_rule)


@pytest.fixture(scope="module", params=KINDS)
def fuzzed(request: pytest.FixtureRequest, make_service: ServiceFactory) -> Service:
    kind: Kind = request.param
    return make_service(kind, "schemathesis")


@schema.parametrize()
# A third of the profile's examples per operation: there are fifteen operations.
@settings(max_examples=settings().max_examples // 3, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_the_spec_says(case: Case[Any], fuzzed: Service) -> None:
    FUZZ_CASES["schemathesis"] += 1
    traps_before = fuzzed.traps()
    case.call_and_validate(base_url=fuzzed.base_url, timeout=30)
    assert fuzzed.traps() == traps_before, f"the {fuzzed.kind} server trapped; see {fuzzed.log_path}"
