"""The OpenAPI 3.1 contract, served at GET /openapi.json.

The order schemas are the ones validation.py enforces, so the contract and
the checks cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from .http import MAX_BODY_BYTES
from .validation import MAX_BATCH_SIZE, MAX_JSON_DEPTH, ORDER_SCHEMA, ORDER_UPDATE_SCHEMA

JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


_UNAVAILABLE = _error("The database is unreachable; retry after `Retry-After` seconds")
_DEFAULT = _error("Any other failure, as the same JSON error (500 internal_error or misconfigured)")
_BODY_ERRORS = {
    "400": _error("Malformed JSON (also NaN, Infinity, duplicate keys, invalid UTF-8, deep nesting)"),
    "413": _error(f"Body over {MAX_BODY_BYTES} bytes"),
    "415": _error("Body is not JSON, text/plain or form-encoded"),
    "422": _error("Schema violation; `details` lists every offending field"),
}
_STATUS_TRUE = _json(_ref("StatusTrue"), "Done")
_ORDER_ID = {"name": "order_id", "in": "path", "required": True, "schema": ORDER_SCHEMA["properties"]["order_id"]}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "required": True,
        "description": "JSON. Sent as application/json, text/plain or form-encoded (what `curl -d` sends).",
        "content": {JSON: {"schema": schema}},
    }


def _operation(summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "responses": {**responses, "default": _DEFAULT}, **extra}


SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Order service",
        "version": "0.1.0",
        "description": (
            "Order CRUD, served natively and as a WASI 0.2 component. Every response carries "
            "`x-request-id` (the caller's `X-Request-ID` when it is a sane token). Every error is "
            "`{error: {code, message, details}}`. A known path with the wrong method is 405 "
            f"`method_not_allowed` with `Allow`; an unknown path is 404 `not_found`. JSON nested deeper "
            f"than {MAX_JSON_DEPTH} levels is refused."
        ),
    },
    "paths": {
        "/": {"get": _operation("List the endpoints", {"200": _json(_ref("EndpointList"), "The route table")})},
        "/openapi.json": {"get": _operation("This document", {"200": _json({"type": "object"}, "OpenAPI 3.1")})},
        "/echo": {
            "post": _operation(
                "Echo the request body, with its content type",
                {"200": {"description": "The body as sent", "content": {"*/*": {}}}, "413": _BODY_ERRORS["413"]},
                requestBody={"content": {"*/*": {}}},
            )
        },
        "/livez": {"get": _operation("The process is up; never touches the database", {"200": _STATUS_TRUE})},
        "/readyz": {
            "get": _operation(
                "The database (and the Dapr sidecar, when on) answers",
                {"200": _json(_ref("Readiness"), "Ready"), "503": _error("Not ready; `Retry-After` says when to ask")},
            )
        },
        "/init": {"get": _operation("Drop and recreate the orders table", {"200": _STATUS_TRUE, "503": _UNAVAILABLE})},
        "/create_order": {
            "post": _operation(
                "Create one order",
                {"200": _STATUS_TRUE, **_BODY_ERRORS, "409": _error("order_id exists"), "503": _UNAVAILABLE},
                requestBody=_body(_ref("Order")),
            )
        },
        "/create_orders": {
            "post": _operation(
                "Create a batch of orders, all or none",
                {
                    "200": _STATUS_TRUE,
                    **_BODY_ERRORS,
                    "409": _error("An order_id exists or repeats"),
                    "503": _UNAVAILABLE,
                },
                requestBody=_body(_ref("OrderBatch")),
            )
        },
        "/orders": {
            "get": _operation(
                "All orders, by order_id",
                {"200": _json({"type": "array", "items": _ref("Order")}, "The orders"), "503": _UNAVAILABLE},
            ),
            "post": _operation(
                "Create one order",
                {
                    "201": {
                        **_json(_ref("Order"), "Created"),
                        "headers": {"location": {"schema": {"type": "string"}, "description": "/orders/{order_id}"}},
                    },
                    **_BODY_ERRORS,
                    "409": _error("order_id exists"),
                    "503": _UNAVAILABLE,
                },
                requestBody=_body(_ref("Order")),
            ),
        },
        "/update_order": {
            "post": _operation(
                "Replace an order, found by its order_id",
                {"200": _STATUS_TRUE, **_BODY_ERRORS, "404": _error("No such order"), "503": _UNAVAILABLE},
                requestBody=_body(_ref("Order")),
            )
        },
        "/delete_order": {
            "get": _operation(
                "Delete the order ?id=N",
                {
                    "200": _STATUS_TRUE,
                    "404": _error("No such order"),
                    "422": _error("id missing, repeated or not a positive integer"),
                    "503": _UNAVAILABLE,
                },
                parameters=[{**_ORDER_ID, "name": "id", "in": "query"}],
            )
        },
        "/orders/{order_id}": {
            "parameters": [_ORDER_ID],
            "get": _operation(
                "One order",
                {"200": _json(_ref("Order"), "The order"), "404": _error("No such order"), "503": _UNAVAILABLE},
            ),
            "put": _operation(
                "Replace one order; the body may omit order_id but not change it",
                {
                    "200": _json(_ref("Order"), "The order as stored"),
                    **_BODY_ERRORS,
                    "404": _error("No such order"),
                    "503": _UNAVAILABLE,
                },
                requestBody=_body(_ref("OrderUpdate")),
            ),
            "delete": _operation(
                "Delete one order",
                {"204": {"description": "Deleted"}, "404": _error("No such order"), "503": _UNAVAILABLE},
            ),
        },
    },
    "components": {
        "schemas": {
            "Order": {
                **ORDER_SCHEMA,
                "description": "Money has at most two decimal places and is stored exactly (DECIMAL(12,2)).",
            },
            "OrderUpdate": ORDER_UPDATE_SCHEMA,
            "OrderBatch": {"type": "array", "minItems": 1, "maxItems": MAX_BATCH_SIZE, "items": _ref("Order")},
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
                    "properties": {
                        "method": {"type": "string"},
                        "path": {"type": "string"},
                        "summary": {"type": "string"},
                    },
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
    },
}
