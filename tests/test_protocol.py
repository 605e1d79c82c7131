"""HTTP as clients really send it, and as they should not: the same answers
from every server, as JSON errors wherever the server lets the app answer.

wasmtime's HTTP stack (hyper) refuses some requests itself, before the
component runs; those answers are its own (see the README, "Errors"), and
`HOST_REFUSALS` says which.
"""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orders.api import ROUTES
from orders.http import MAX_BODY_BYTES
from tests.support.payloads import order, post_json
from tests.support.raw_http import RawResponse, exchange
from tests.support.servers import Service

GET_PATHS = [route.template.replace("{order_id}", "1") for route in ROUTES if route.method == "GET"]
# What wasmtime answers itself, with no body, where the others answer JSON.
HOST_REFUSALS = {
    "content-length beyond 64 bits": 400,
    "request line over the limit": 414,
}


def assert_json_error(response: RawResponse, status: int, code: str) -> None:
    assert response.status == status, response
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == code
    assert response.headers["x-request-id"]


def request(method: str, path: str, *headers: str, body: bytes = b"", version: str = "1.1") -> bytes:
    lines = [f"{method} {path} HTTP/{version}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class TestMethods:
    @pytest.mark.parametrize("path", GET_PATHS)
    def test_head_answers_like_get_without_a_body(self, client: httpx.Client, path: str) -> None:
        post_json(client, "/create_order", order(1))
        got = client.get(path, params={"id": 1} if path == "/delete_order" else None)
        if path in ("/init", "/delete_order"):
            return  # they change state; GET already ran them, HEAD would again
        head = client.head(path)
        assert head.status_code == got.status_code
        assert head.content == b""
        assert head.headers.get("content-type") == got.headers.get("content-type")
        if "content-length" in head.headers:
            assert int(head.headers["content-length"]) == len(got.content)

    @pytest.mark.parametrize("path", sorted({route.template.replace("{order_id}", "7") for route in ROUTES}))
    def test_options_lists_what_a_path_allows(self, client: httpx.Client, path: str) -> None:
        response = client.options(path)
        assert response.status_code == 204
        allowed = response.headers["allow"].split(", ")
        expected = {route.method for route in ROUTES if route.pattern.match(path)}
        assert set(allowed) == expected | {"OPTIONS"} | ({"HEAD"} if "GET" in expected else set())

    def test_options_on_an_unknown_path_is_404(self, client: httpx.Client) -> None:
        response = client.options("/nope")
        assert response.status_code == 404


class TestPaths:
    @pytest.mark.parametrize("path", ["/orders%2F1", "/orders%2f1", "/%6Frders%2F1"])
    def test_an_encoded_slash_is_part_of_a_segment(self, service: Service, path: str) -> None:
        [response] = exchange(service.base_url, request("GET", path, "Host: x", "Connection: close"))
        assert_json_error(response, 404, "not_found")

    def test_encoded_unreserved_characters_mean_themselves(self, client: httpx.Client) -> None:
        post_json(client, "/create_order", order(42))
        raw = client.build_request("GET", "/")
        raw.url = raw.url.copy_with(raw_path=b"/%6Frders/%34%32")
        assert client.send(raw).json() == order(42)


class TestFraming:
    @given(size=st.sampled_from(["zz", "-1", "1x", "0x10", " ", "1;\x01", "g", "+5"]))
    @settings(max_examples=20)
    def test_a_malformed_chunk_is_400(self, service: Service, size: str) -> None:
        data = request(
            "POST", "/create_order", "Host: x", "Transfer-Encoding: chunked", body=f"{size}\r\n{{}}\r\n".encode()
        )
        [response] = exchange(service.base_url, data, timeout=5)
        assert_json_error(response, 400, "bad_request")

    def test_a_chunked_body_on_a_get_does_not_stall_the_next_request(self, service: Service) -> None:
        first = request("GET", "/livez", "Host: x", "Transfer-Encoding: chunked", body=b"5\r\nhello\r\n0\r\n\r\n")
        second = request("GET", "/livez", "Host: x", "Connection: close")
        for _ in range(30):
            responses = exchange(service.base_url, first + second, timeout=5)
            assert [r.status for r in responses] == [200, 200]

    @pytest.mark.parametrize("length", [str(MAX_BODY_BYTES + 1), str(2**63), "9" * 20])
    def test_an_absurd_declared_length_is_refused_before_reading(self, service: Service, length: str) -> None:
        data = request("POST", "/create_order", "Host: x", f"Content-Length: {length}", body=b"{")
        [response] = exchange(service.base_url, data, timeout=5)
        if service.kind == "wasm" and int(length) >= 2**64:
            assert response.status == HOST_REFUSALS["content-length beyond 64 bits"]
        else:
            assert_json_error(response, 413, "payload_too_large")

    @pytest.mark.parametrize("version", ["1.1", "1.0"])
    def test_a_request_without_host(self, service: Service, version: str) -> None:
        [response] = exchange(service.base_url, request("GET", "/livez", "Connection: close", version=version))
        if service.kind == "wasm":
            # wasmtime needs an authority before it will call the component.
            assert response.status == 500
            assert response.headers["content-type"].startswith("text/html")
        elif version == "1.1":
            assert_json_error(response, 400, "bad_request")
        else:
            assert response.status == 200

    @given(extra=st.integers(1, 64 * 1024))
    @settings(max_examples=8)
    def test_a_request_line_too_long(self, service: Service, extra: int) -> None:
        path = "/orders/" + "9" * (64 * 1024 + extra)
        [response] = exchange(service.base_url, request("GET", path, "Host: x", "Connection: close"), timeout=5)
        if service.kind == "wasm":
            assert response.status == HOST_REFUSALS["request line over the limit"]
        else:
            assert_json_error(response, 414, "uri_too_long")

    def test_too_many_headers_is_431(self, service: Service) -> None:
        headers = [f"X-Filler-{index}: {'v' * 200}" for index in range(200)]
        [response] = exchange(service.base_url, request("GET", "/livez", "Host: x", *headers), timeout=5)
        assert response.status == 431
        if service.kind != "wasm":
            assert_json_error(response, 431, "headers_too_large")


class TestAnswers:
    def test_every_answer_has_a_request_id_even_a_refusal(self, service: Service) -> None:
        data = request("POST", "/echo", "Host: x", "Transfer-Encoding: chunked", body=b"zz\r\n")
        [response] = exchange(service.base_url, data, timeout=5)
        assert response.headers["x-request-id"]
        request_id = response.headers["x-request-id"]
        logged = [line for line in service.log_path.read_text().splitlines() if request_id in line]
        assert logged, "the refusal left no log line"

    def test_204_has_no_content_length(self, client: httpx.Client) -> None:
        post_json(client, "/orders", order(3))
        response = client.delete("/orders/3")
        assert response.status_code == 204
        assert "content-length" not in response.headers or response.headers["content-length"] == "0"
