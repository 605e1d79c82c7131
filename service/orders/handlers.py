"""The endpoints: each turns a Request into a Response. Writes publish their
order events after the repository has committed them."""

from __future__ import annotations

import re

from .http import HTTPError, Request, Response, json_response
from .openapi import SPEC
from .services import Services
from .validation import parse_json_body, validate_order, validate_order_update, validate_orders

_STATUS_TRUE = json_response({"status": True})
_OPENAPI_DOCUMENT = json_response(SPEC)
_ORDER_ID = re.compile(r"[1-9][0-9]{0,9}\Z")


def echo(request: Request, services: Services) -> Response:
    content_type = request.header("content-type") or "application/octet-stream"
    return Response(200, request.body, (("content-type", content_type),))


def openapi_document(request: Request, services: Services) -> Response:
    return _OPENAPI_DOCUMENT


def livez(request: Request, services: Services) -> Response:
    return _STATUS_TRUE


def readyz(request: Request, services: Services) -> Response:
    services.orders.ping()
    dapr = services.events.check_sidecar()
    return json_response({"status": True, "database": "reachable", "dapr": dapr})


def init(request: Request, services: Services) -> Response:
    services.orders.reset()
    return _STATUS_TRUE


def create_order(request: Request, services: Services) -> Response:
    order = validate_order(parse_json_body(request))
    services.orders.add([order])
    services.events.publish("order.created", [order.as_json()])
    return _STATUS_TRUE


def create_orders(request: Request, services: Services) -> Response:
    orders = validate_orders(parse_json_body(request))
    services.orders.add(orders)
    services.events.publish("order.created", [order.as_json() for order in orders])
    return _STATUS_TRUE


def list_orders(request: Request, services: Services) -> Response:
    return json_response([order.as_json() for order in services.orders.list_all()])


def update_order(request: Request, services: Services) -> Response:
    order = validate_order(parse_json_body(request))
    services.orders.replace(order)
    services.events.publish("order.updated", [order.as_json()])
    return _STATUS_TRUE


def delete_order_by_query(request: Request, services: Services) -> Response:
    values = request.query.get("id", [])
    if len(values) != 1 or not _ORDER_ID.match(values[0]):
        raise HTTPError(
            422,
            "validation_failed",
            "query parameter id must be given once, as a positive integer",
            [{"field": "id", "message": "must be a positive integer"}],
        )
    _delete(services, int(values[0]))
    return _STATUS_TRUE


def add_order(request: Request, services: Services) -> Response:
    order = validate_order(parse_json_body(request))
    services.orders.add([order])
    services.events.publish("order.created", [order.as_json()])
    return json_response(order.as_json(), 201, (("location", f"/orders/{order.order_id}"),))


def get_order(request: Request, services: Services) -> Response:
    return json_response(services.orders.get(request.path_params["order_id"]).as_json())


def replace_order(request: Request, services: Services) -> Response:
    order = validate_order_update(parse_json_body(request), request.path_params["order_id"])
    services.orders.replace(order)
    services.events.publish("order.updated", [order.as_json()])
    return json_response(order.as_json())


def remove_order(request: Request, services: Services) -> Response:
    _delete(services, request.path_params["order_id"])
    return Response(204)


def _delete(services: Services, order_id: int) -> None:
    services.orders.delete(order_id)
    services.events.publish("order.deleted", [{"order_id": order_id}])
