"""The route table. ``GET /`` lists it."""

from __future__ import annotations

from . import handlers
from .http import Request, Response, json_response
from .routing import Route, Router
from .services import Services


def list_endpoints(request: Request, services: Services) -> Response:
    return json_response(
        [{"method": route.method, "path": route.path, "summary": route.summary} for route in ROUTER.routes]
    )


ROUTER = Router(
    [
        Route("GET", "/", list_endpoints, "List the endpoints"),
        Route("GET", "/openapi.json", handlers.openapi_document, "The OpenAPI 3.1 contract"),
        Route("POST", "/echo", handlers.echo, "Echo the request body"),
        Route("GET", "/livez", handlers.livez, "The process is up; never touches the database"),
        Route("GET", "/readyz", handlers.readyz, "The database is reachable"),
        Route("GET", "/init", handlers.init, "Drop and recreate the orders table"),
        Route("POST", "/create_order", handlers.create_order, "Create one order"),
        Route("POST", "/create_orders", handlers.create_orders, "Create a batch of orders, all or none"),
        Route("GET", "/orders", handlers.list_orders, "All orders, by order_id"),
        Route("POST", "/update_order", handlers.update_order, "Replace an order, identified by its order_id"),
        Route("GET", "/delete_order", handlers.delete_order_by_query, "Delete the order ?id=N"),
        Route("POST", "/orders", handlers.add_order, "Create one order; 201 with the order"),
        Route("GET", "/orders/{order_id:int}", handlers.get_order, "One order"),
        Route("PUT", "/orders/{order_id:int}", handlers.replace_order, "Replace one order"),
        Route("DELETE", "/orders/{order_id:int}", handlers.remove_order, "Delete one order; 204"),
    ]
)
