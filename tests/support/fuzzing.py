"""Hypothesis profiles, and the tally of fuzz cases sent.

`make test` runs the default profile, `make soak` passes
--hypothesis-profile=soak. The tally goes to $ORDERS_FUZZ_TALLY for
RELIABILITY.md (see tests/conftest.py).
"""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.register_profile("soak", settings.get_profile("default"), max_examples=600)
settings.load_profile("default")

# Fuzz cases sent, by fuzzer.
FUZZ_CASES: Counter[str] = Counter()
