"""One httpx request, described as JSON, with what came back or what was
raised. The transport tests run it natively and inside the component."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx

CHUNK = 64 * 1024


def payload(size: int) -> bytes:
    """`size` bytes that differ from chunk to chunk, so a dropped or repeated
    chunk changes the digest."""
    block = bytes(range(256)) * (CHUNK // 256)
    return b"".join(bytes([index % 251]) + block[1:] for index in range(size // CHUNK + 1))[:size]


def fetch(client: httpx.Client, spec: dict[str, Any]) -> dict[str, Any]:
    """`spec`: url, and optionally method, headers, body_size (a payload of that
    many bytes is sent), timeout (seconds), want_headers (to report)."""
    body = payload(spec["body_size"]) if "body_size" in spec else b""
    try:
        with client.stream(
            spec.get("method", "GET"),
            spec["url"],
            headers=spec.get("headers"),
            content=body or None,
            timeout=spec.get("timeout", 10),
        ) as response:
            received = b"".join(response.iter_raw())
            return {
                "status": response.status_code,
                "headers": {name: response.headers[name] for name in spec.get("want_headers", [])},
                "body_length": len(received),
                "body_sha256": hashlib.sha256(received).hexdigest(),
                "body_text": received.decode("utf-8", "replace") if len(received) < 4096 else None,
            }
    except httpx.HTTPError as error:
        return {"error": type(error).__name__, "is_timeout": isinstance(error, httpx.TimeoutException)}
