"""Every response a test receives can be held against the OpenAPI contract."""

from __future__ import annotations

import httpx
from openapi_core import OpenAPI
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.testing import MockRequest, MockResponse

from orders.api import SPEC

CONTRACT = OpenAPI.from_dict(SPEC)


def check_against_contract(response: httpx.Response) -> None:
    """Fail unless the response is one the OpenAPI spec documents. Paths and
    methods outside the spec may only be answered with the documented 404/405.
    HEAD and OPTIONS answer as the spec's description says."""
    response.read()
    request = response.request
    if request.method in ("HEAD", "OPTIONS"):
        _check_head_or_options(response)
        return
    content_type = response.headers.get("content-type", "")
    try:
        CONTRACT.validate_response(
            MockRequest(
                f"{request.url.scheme}://{request.url.netloc.decode()}",
                request.method,
                request.url.path,
                args=dict(request.url.params),
            ),
            MockResponse(response.content, response.status_code, dict(response.headers), content_type),
        )
    except (PathNotFound, OperationNotFound):
        expected = "not_found" if response.status_code == 404 else "method_not_allowed"
        assert response.json()["error"]["code"] == expected, f"{request.method} {request.url.path} is not in the spec"


def _check_head_or_options(response: httpx.Response) -> None:
    """HEAD: no body, ever. OPTIONS: 204 with Allow, or a JSON error."""
    if response.request.method == "HEAD":
        assert response.content == b"", "HEAD answered with a body"
    elif response.status_code == 204:
        assert "OPTIONS" in response.headers["allow"].split(", ")
    else:
        assert set(response.json()["error"]) == {"code", "message", "details"}
