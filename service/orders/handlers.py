"""The endpoints: each turns a Request into a Response through the OrderStore.
The classic routes and the REST ones share their work and differ only in
what they answer."""

from __future__ import annotations

import re

from .http import JSON_CONTENT_TYPE, HTTPError, Request, Response, json_response, parse_json_body
from .models import Order
from .store import OrderStore
from .validation import validate_order, validate_order_update, validate_orders

_STATUS_TRUE = json_response({"status": True})
_ORDER_ID = re.compile(r"[1-9][0-9]{0,9}\Z")


def echo(request: Request, store: OrderStore) -> Response:
    content_type = request.header("content-type") or "application/octet-stream"
    return Response(200, request.body, (("content-type", content_type),))


def livez(request: Request, store: OrderStore) -> Response:
    return _STATUS_TRUE


def readyz(request: Request, store: OrderStore) -> Response:
    return json_response({"status": True, **store.readiness()})


def init(request: Request, store: OrderStore) -> Response:
    store.reset()
    return _STATUS_TRUE


def create_order(request: Request, store: OrderStore) -> Response:
    _add_one(request, store)
    return _STATUS_TRUE


def create_orders(request: Request, store: OrderStore) -> Response:
    store.add(validate_orders(parse_json_body(request)))
    return _STATUS_TRUE


def list_orders(request: Request, store: OrderStore) -> Response:
    return Response(200, store.list_json(), (("content-type", JSON_CONTENT_TYPE),))


def update_order(request: Request, store: OrderStore) -> Response:
    store.replace(validate_order(parse_json_body(request)))
    return _STATUS_TRUE


def delete_order_by_query(request: Request, store: OrderStore) -> Response:
    values = request.query.get("id", [])
    if len(values) != 1 or not _ORDER_ID.match(values[0]):
        raise HTTPError(
            422,
            "validation_failed",
            "query parameter id must be given once, as a positive integer",
            [{"field": "id", "message": "must be a positive integer"}],
        )
    store.delete(int(values[0]))
    return _STATUS_TRUE


def add_order(request: Request, store: OrderStore) -> Response:
    order = _add_one(request, store)
    return json_response(order.as_json(), 201, (("location", f"/orders/{order.order_id}"),))


def get_order(request: Request, store: OrderStore) -> Response:
    return json_response(store.get(request.path_params["order_id"]).as_json())


def replace_order(request: Request, store: OrderStore) -> Response:
    order = validate_order_update(parse_json_body(request), request.path_params["order_id"])
    store.replace(order)
    return json_response(order.as_json())


def remove_order(request: Request, store: OrderStore) -> Response:
    store.delete(request.path_params["order_id"])
    return Response(204)


def _add_one(request: Request, store: OrderStore) -> Order:
    order = validate_order(parse_json_body(request))
    store.add([order])
    return order
