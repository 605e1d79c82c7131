"""The OpenAPI 3.1 contract, built from the route table.

`build_spec` walks the routes, as starlette's schema generator does, so the
paths and operations it documents are exactly the ones served. The order
schemas come from schemas.py, the same ones the service validates with.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import schemas
from .http import JSON_CONTENT_TYPE, MAX_JSON_DEPTH
from .routing import ANY_BODY, Reply, Route

_DEFAULT = {
    "description": "Any other failure, as the same JSON error (500 internal_error or misconfigured)",
    "content": {JSON_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Error"}}},
}

COMPONENT_SCHEMAS: dict[str, Any] = {
    "Order": {
        **schemas.ORDER,
        "description": "Money has at most two decimal places and is stored exactly (DECIMAL(12,2)).",
    },
    "OrderUpdate": schemas.ORDER_UPDATE,
    "OrderBatch": {**schemas.ORDER_BATCH, "items": {"$ref": "#/components/schemas/Order"}},
    "StatusTrue": {
        "type": "object",
        "properties": {"status": {"const": True}},
        "required": ["status"],
        "additionalProperties": False,
    },
    "Readiness": {
        "type": "object",
        "properties": {
            "status": {"const": True},
            "database": {"const": "reachable"},
            "dapr": {"enum": ["healthy", "disabled"]},
        },
        "required": ["status", "database", "dapr"],
        "additionalProperties": False,
    },
    "EndpointList": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"method": {"type": "string"}, "path": {"type": "string"}, "summary": {"type": "string"}},
            "required": ["method", "path", "summary"],
            "additionalProperties": False,
        },
    },
    "Error": {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "details": {"description": "Per-field details, or other context; null when none"},
                },
                "required": ["code", "message", "details"],
                "additionalProperties": False,
            }
        },
        "required": ["error"],
        "additionalProperties": False,
    },
}

DESCRIPTION = (
    "Order CRUD, served natively and as WebAssembly. Every response carries "
    "`x-request-id` (the caller's `X-Request-ID` when it is a sane token). Every error is "
    "`{error: {code, message, details}}`. A known path with the wrong method is 405 "
    "`method_not_allowed` with `Allow`; an unknown path is 404 `not_found`. JSON nested deeper "
    f"than {MAX_JSON_DEPTH} levels is refused. Every GET operation also answers HEAD, and every "
    "path OPTIONS (204 with `Allow`). Browser pages on the origins listed in ORDERS_CORS_ORIGINS "
    "may call the API (CORS, preflight answered); a page on any other foreign origin gets 403 "
    "`origin_not_allowed` from every operation that changes state."
)


def build_spec(routes: Iterable[Route], version: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        item = paths.setdefault(route.template, {})
        if route.path_parameters:
            item["parameters"] = [_path_parameter(name) for name in route.path_parameters]
        item[route.method.lower()] = _operation(route)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Order service", "version": version, "description": DESCRIPTION},
        "paths": paths,
        "components": {"schemas": COMPONENT_SCHEMAS},
    }


def _operation(route: Route) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": route.summary,
        "responses": {
            **{str(status): _reply(reply) for status, reply in route.documented_replies.items()},
            "default": _DEFAULT,
        },
    }
    if route.query:
        operation["parameters"] = [
            {"name": q.name, "in": "query", "required": True, "description": q.description, "schema": q.schema}
            for q in route.query
        ]
    if route.body == ANY_BODY:
        operation["requestBody"] = {"content": {ANY_BODY: {}}}
    elif route.body is not None:
        operation["requestBody"] = {
            "required": True,
            "description": "JSON. Sent as application/json, text/plain or form-encoded (what `curl -d` sends).",
            "content": {JSON_CONTENT_TYPE: {"schema": _ref(route.body)}},
        }
    return operation


def _reply(reply: Reply) -> dict[str, Any]:
    documented: dict[str, Any] = {"description": reply.description}
    if reply.schema is not None:
        schema = _ref(reply.schema) if isinstance(reply.schema, str) else reply.schema
        documented["content"] = {reply.media_type: {"schema": schema}}
    elif reply.media_type != JSON_CONTENT_TYPE:
        documented["content"] = {reply.media_type: {}}
    if reply.headers:
        documented["headers"] = {
            name: {"schema": {"type": "string"}, "description": text} for name, text in reply.headers
        }
    return documented


def _path_parameter(name: str) -> dict[str, Any]:
    """Path parameters are order fields, and take the field's schema."""
    return {"name": name, "in": "path", "required": True, "schema": schemas.ORDER_PROPERTIES[name]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}
