"""The endpoints: each turns a Request into a Response using the repository."""

from __future__ import annotations

import re

from .http import HTTPError, Request, Response, json_response
from .repository import OrderRepository
from .validation import parse_json_body, validate_order, validate_order_update, validate_orders

_STATUS_TRUE = json_response({"status": True})
_ORDER_ID = re.compile(r"[1-9][0-9]{0,9}\Z")


def echo(request: Request, orders: OrderRepository) -> Response:
    content_type = request.header("content-type") or "application/octet-stream"
    return Response(200, request.body, (("content-type", content_type),))


def livez(request: Request, orders: OrderRepository) -> Response:
    return _STATUS_TRUE


def readyz(request: Request, orders: OrderRepository) -> Response:
    orders.ping()
    return json_response({"status": True, "database": "reachable"})


def init(request: Request, orders: OrderRepository) -> Response:
    orders.reset()
    return _STATUS_TRUE


def create_order(request: Request, orders: OrderRepository) -> Response:
    orders.add([validate_order(parse_json_body(request))])
    return _STATUS_TRUE


def create_orders(request: Request, orders: OrderRepository) -> Response:
    orders.add(validate_orders(parse_json_body(request)))
    return _STATUS_TRUE


def list_orders(request: Request, orders: OrderRepository) -> Response:
    return json_response([order.as_json() for order in orders.list_all()])


def update_order(request: Request, orders: OrderRepository) -> Response:
    orders.replace(validate_order(parse_json_body(request)))
    return _STATUS_TRUE


def delete_order_by_query(request: Request, orders: OrderRepository) -> Response:
    values = request.query.get("id", [])
    if len(values) != 1 or not _ORDER_ID.match(values[0]):
        raise HTTPError(
            422,
            "validation_failed",
            "query parameter id must be given once, as a positive integer",
            [{"field": "id", "message": "must be a positive integer"}],
        )
    orders.delete(int(values[0]))
    return _STATUS_TRUE


def add_order(request: Request, orders: OrderRepository) -> Response:
    order = validate_order(parse_json_body(request))
    orders.add([order])
    return json_response(order.as_json(), 201, (("location", f"/orders/{order.order_id}"),))


def get_order(request: Request, orders: OrderRepository) -> Response:
    return json_response(orders.get(request.path_params["order_id"]).as_json())


def replace_order(request: Request, orders: OrderRepository) -> Response:
    order = validate_order_update(parse_json_body(request), request.path_params["order_id"])
    orders.replace(order)
    return json_response(order.as_json())


def remove_order(request: Request, orders: OrderRepository) -> Response:
    orders.delete(request.path_params["order_id"])
    return Response(204)
