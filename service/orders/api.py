"""The HTTP API: the route table, each route with what the contract says of it.

``GET /`` lists it, ``GET /openapi.json`` is built from it, and the README's
API table is generated from it (``make readme``).
"""

from __future__ import annotations

from . import __version__, handlers, ui
from .http import MAX_BODY_BYTES, Request, Response, json_response
from .openapi import build_spec
from .routing import ANY_BODY, QueryParameter, Reply, Route, Router
from .schemas import ORDER_ID
from .store import OrderStore


def error(description: str) -> Reply:
    return Reply(description, "Error")


STATUS_TRUE = Reply("Done", "StatusTrue")
UNAVAILABLE = error("The database is unreachable; retry after `Retry-After` seconds")
NO_SUCH_ORDER = error("No such order")
BODY_ERRORS = {
    400: error("Malformed JSON (also NaN, Infinity, duplicate keys, invalid UTF-8, deep nesting)"),
    413: error(f"Body over {MAX_BODY_BYTES} bytes"),
    415: error("Body is not JSON, text/plain or form-encoded"),
    422: error("Schema violation; `details` lists every offending field"),
}
ORDER = Reply("The order", "Order")
NOT_MODIFIED = Reply("The copy the browser has is current (If-None-Match)")


def page(name: str, media_type: str) -> dict[int, Reply]:
    return {200: Reply(f"The client's {name}", media_type=media_type), 304: NOT_MODIFIED}


def list_endpoints(request: Request, store: OrderStore) -> Response:
    return _ENDPOINTS


def openapi_document(request: Request, store: OrderStore) -> Response:
    return _OPENAPI_DOCUMENT


ROUTES = (
    Route("GET", "/", list_endpoints, "List the endpoints", {200: Reply("The route table", "EndpointList")}),
    Route(
        "GET",
        "/openapi.json",
        openapi_document,
        "This OpenAPI 3.1 contract",
        {200: Reply("OpenAPI 3.1", {"type": "object"})},
    ),
    Route(
        "POST",
        "/echo",
        handlers.echo,
        "Echo the request body, with its content type",
        {200: Reply("The body as sent", media_type=ANY_BODY), 413: BODY_ERRORS[413]},
        body=ANY_BODY,
        changes_state=False,
    ),
    Route("GET", "/livez", handlers.livez, "The process is up; never touches the database", {200: STATUS_TRUE}),
    Route(
        "GET",
        "/readyz",
        handlers.readyz,
        "The database (and the Dapr sidecar, when on) answers",
        {200: Reply("Ready", "Readiness"), 503: error("Not ready; `Retry-After` says when to ask")},
    ),
    Route(
        "GET",
        "/init",
        handlers.init,
        "Drop and recreate the orders table",
        {200: STATUS_TRUE, 503: UNAVAILABLE},
        changes_state=True,
    ),
    Route(
        "POST",
        "/create_order",
        handlers.create_order,
        "Create one order",
        {200: STATUS_TRUE, **BODY_ERRORS, 409: error("order_id exists"), 503: UNAVAILABLE},
        body="Order",
    ),
    Route(
        "POST",
        "/create_orders",
        handlers.create_orders,
        "Create a batch of orders, all or none",
        {200: STATUS_TRUE, **BODY_ERRORS, 409: error("An order_id exists or repeats"), 503: UNAVAILABLE},
        body="OrderBatch",
    ),
    Route(
        "GET",
        "/orders",
        handlers.list_orders,
        "All orders, by order_id",
        {
            200: Reply("The orders", {"type": "array", "items": {"$ref": "#/components/schemas/Order"}}),
            503: UNAVAILABLE,
        },
    ),
    Route(
        "POST",
        "/update_order",
        handlers.update_order,
        "Replace an order, found by its order_id",
        {200: STATUS_TRUE, **BODY_ERRORS, 404: NO_SUCH_ORDER, 503: UNAVAILABLE},
        body="Order",
    ),
    Route(
        "GET",
        "/delete_order",
        handlers.delete_order_by_query,
        "Delete the order ?id=N",
        {
            200: STATUS_TRUE,
            404: NO_SUCH_ORDER,
            422: error("id missing, repeated or not a positive integer"),
            503: UNAVAILABLE,
        },
        query=(QueryParameter("id", ORDER_ID, "The order_id"),),
        changes_state=True,
    ),
    Route(
        "POST",
        "/orders",
        handlers.add_order,
        "Create one order; answers with it and its `Location`",
        {
            201: Reply("Created", "Order", headers=(("location", "/orders/{order_id}"),)),
            **BODY_ERRORS,
            409: error("order_id exists"),
            503: UNAVAILABLE,
        },
        body="Order",
    ),
    Route(
        "GET",
        "/orders/{order_id:int}",
        handlers.get_order,
        "One order",
        {200: ORDER, 404: NO_SUCH_ORDER, 503: UNAVAILABLE},
    ),
    Route(
        "PUT",
        "/orders/{order_id:int}",
        handlers.replace_order,
        "Replace one order; the body may omit order_id but not change it",
        {200: Reply("The order as stored", "Order"), **BODY_ERRORS, 404: NO_SUCH_ORDER, 503: UNAVAILABLE},
        body="OrderUpdate",
    ),
    Route(
        "DELETE",
        "/orders/{order_id:int}",
        handlers.remove_order,
        "Delete one order",
        {204: Reply("Deleted"), 404: NO_SUCH_ORDER, 503: UNAVAILABLE},
    ),
    Route("GET", "/ui", ui.to_the_page, "Redirects to the browser client", {308: Reply("To /ui/")}),
    Route("GET", "/ui/", ui.serve("index.html"), "The browser client", page("page", "text/html")),
    Route("GET", "/ui/app.js", ui.serve("app.js"), "The browser client's script", page("script", "text/javascript")),
    Route("GET", "/ui/style.css", ui.serve("style.css"), "The browser client's style sheet", page("style", "text/css")),
)

ROUTER = Router(ROUTES)
SPEC = build_spec(ROUTES, __version__)
_ENDPOINTS = json_response([{"method": r.method, "path": r.path, "summary": r.summary} for r in ROUTES])
_OPENAPI_DOCUMENT = json_response(SPEC)
