"""The OpenAPI contract is valid and covers exactly the route table."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from orders.api import ROUTER, SPEC


def test_the_spec_is_valid_openapi_3_1() -> None:
    validate(SPEC)
    assert SPEC["openapi"].startswith("3.1")


def test_the_spec_documents_every_route_and_no_other() -> None:
    documented = {
        (method.upper(), path) for path, item in SPEC["paths"].items() for method in item if method != "parameters"
    }
    routed = {(route.method, re.sub(r"{(\w+):int}", r"{\1}", route.path)) for route in ROUTER.routes}
    assert documented == routed


def test_every_operation_documents_its_errors() -> None:
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                assert "default" in operation["responses"], f"{method} {path}"
