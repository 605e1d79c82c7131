"""Sockets in the WasmEdge flavour: the C library over WasmEdge's socket ABI
(wasmedge-build/sockets), then CPython's socket module on top of it.

Guests run under the WasmEdge CLI against native peers on 127.0.0.1 (threads
in this process): the library's C test program (socktest.c), and the built
python.wasm with a small script (guest.py), through serve.sh. The artifacts
come from `make build-wasmedge`.
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest

from devtools.servers import wasmedge_binary

BUILD = Path(__file__).resolve().parents[1] / "wasmedge-build"
DIST = BUILD / "dist"
SOCKTEST = DIST / "socktest.aot.wasm"
SERVE = BUILD / "serve.sh"
GUEST = (BUILD / "sockets" / "tests" / "guest.py").read_text()
TIMEOUT = 30  # seconds for any one step; the whole module takes about 3
LARGE = 6 << 20  # bytes, each way


WASMEDGE = wasmedge_binary()
# Without a WasmEdge CLI, tests/conftest.py sets these aside and says so.
pytestmark = pytest.mark.wasmedge
ENV = {**os.environ, "WASMEDGE": str(WASMEDGE)}  # serve.sh runs the same CLI
T = TypeVar("T")


@pytest.fixture(scope="module", autouse=True)
def built() -> None:
    missing = [path.name for path in (SOCKTEST, DIST / "python.aot.wasm", DIST / "runtime") if not path.exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing from {DIST}: run make build-wasmedge", pytrace=False)


def socktest(*args: object) -> list[str]:
    assert WASMEDGE is not None
    return [str(WASMEDGE), "--run-mode", "aot", str(SOCKTEST), *map(str, args)]


def python(case: str, *args: object) -> list[str]:
    return [str(SERVE), "-c", GUEST, case, *map(str, args)]


def parse(lines: str) -> dict[str, str]:
    """A guest's key=value lines; a repeated key's values joined by newlines."""
    out: dict[str, str] = {}
    for line in lines.splitlines():
        key, _, value = line.partition("=")
        out[key] = f"{out[key]}\n{value}" if key in out else value
    return out


def run(command: list[str]) -> dict[str, str]:
    """Runs a guest to its end: its output, exit status and stderr."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, env=ENV, check=False)
    return parse(done.stdout) | {"exit": str(done.returncode), "stderr": done.stderr}


@contextmanager
def launch(command: list[str]) -> Iterator[subprocess.Popen[str]]:
    """Starts a guest that speaks first (read_key); ended on the way out."""
    guest = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=ENV)
    try:
        yield guest
    finally:
        guest.kill()  # a no-op once rest() has collected it
        guest.communicate()


def read_key(guest: subprocess.Popen[str], key: str) -> str:
    assert guest.stdout is not None
    line = guest.stdout.readline().rstrip("\n")
    assert line.startswith(f"{key}="), f"expected {key}=..., the guest said {line!r}"
    return line.partition("=")[2]


def rest(guest: subprocess.Popen[str]) -> dict[str, str]:
    """The rest of a launched guest's output, once it has ended."""
    out, _ = guest.communicate(timeout=TIMEOUT)
    return parse(out) | {"exit": str(guest.returncode)}


@contextmanager
def peer(handle: Callable[[socket.socket], T], host: str = "127.0.0.1") -> Iterator[tuple[int, Future[T]]]:
    """A native TCP peer: handle() serves one connection in a thread.

    Yields the port and the handler's future result."""
    with ThreadPoolExecutor(1) as pool, socket.create_server((host, 0), family=family_of(host)) as listener:

        def serve() -> T:
            listener.settimeout(TIMEOUT)
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(TIMEOUT)
                return handle(conn)

        try:
            yield listener.getsockname()[1], pool.submit(serve)
        finally:
            listener.shutdown(socket.SHUT_RDWR)  # wakes accept() if no guest came


def family_of(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def address(addr: tuple[object, ...]) -> str:
    """An IP address and port as the guests print them."""
    return f"{addr[0]} {addr[1]}"


def echo(conn: socket.socket) -> dict[str, str]:
    """Echoes until EOF: what it received, and where both ends were."""
    total = crc = 0
    while chunk := conn.recv(1 << 20):
        crc = zlib.crc32(chunk, crc)
        total += len(chunk)
        conn.sendall(chunk)
    return {"received": f"{total} {crc:08x}", "peer": address(conn.getpeername()), "me": address(conn.getsockname())}


def sink_then_source(nbytes: int) -> Callable[[socket.socket], dict[str, str]]:
    """Reads nbytes, then sends nbytes of its own."""

    def handle(conn: socket.socket) -> dict[str, str]:
        got = bytearray()
        while len(got) < nbytes and (chunk := conn.recv(1 << 20)):
            got += chunk
        reply = os.urandom(nbytes)
        conn.sendall(reply)
        return {
            "received": f"{len(got)} {zlib.crc32(got):08x}",
            "sent": f"{nbytes} {zlib.crc32(reply):08x}",
            "peer": address(conn.getpeername()),
            "me": address(conn.getsockname()),
        }

    return handle


def reset(conn: socket.socket) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close sends RST


def answer_eof(conn: socket.socket) -> bytes:
    """Reads up to EOF, then answers."""
    got = bytearray()
    while chunk := conn.recv(64):
        got += chunk
    conn.sendall(b"bye")
    return bytes(got)


def answer_go(conn: socket.socket) -> None:
    """Waits for b"go", then sends one byte."""
    assert conn.recv(2) == b"go"
    conn.sendall(b"!")


def silent(conn: socket.socket) -> None:
    conn.recv(1)


@contextmanager
def refusing_port() -> Iterator[int]:
    """A port bound on 127.0.0.1 with nothing listening: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def exchange(sock: socket.socket, data: bytes) -> bytes:
    """Sends data, then EOF, from a thread while reading the reply up to EOF."""
    with ThreadPoolExecutor(1) as pool:

        def send() -> None:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)

        sending = pool.submit(send)
        reply = bytearray()
        while chunk := sock.recv(1 << 20):
            reply += chunk
        sending.result(TIMEOUT)
    return bytes(reply)


def crc(data: bytes) -> str:
    return f"{len(data)} {zlib.crc32(data):08x}"


def has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


IPV6 = pytest.mark.skipif(not has_ipv6_loopback(), reason="no IPv6 loopback on this host")


# The C library


@pytest.mark.parametrize(
    ("node", "service", "kind", "expected"),
    [
        ("127.0.0.1", "8080", "stream", ["inet stream 127.0.0.1 8080"]),
        ("::1", "http", "stream", ["inet6 stream ::1 80"]),
        ("127.0.0.1", "53", "any", ["inet stream 127.0.0.1 53", "inet dgram 127.0.0.1 53"]),
    ],
)
def test_c_resolves_numeric_addresses(node: str, service: str, kind: str, expected: list[str]) -> None:
    assert run(socktest("resolve", node, service, kind))["addr"].splitlines() == expected


def test_c_resolves_names_as_the_host_does() -> None:
    native = {
        f"{'inet6' if ai[0] == socket.AF_INET6 else 'inet'} stream {address(ai[4])}"
        for ai in socket.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM)
    }
    assert set(run(socktest("resolve", "localhost", "80", "stream"))["addr"].splitlines()) == native


def test_c_reports_unknown_names() -> None:
    out = run(socktest("resolve", "no-such-host.invalid", "80", "any"))
    assert out["gai_error"] in {"Name or service not known", "Temporary failure in name resolution"}


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", pytest.param("::1", marks=IPV6)])
def test_c_large_echo_with_poll_and_non_blocking_io(host: str) -> None:
    with peer(echo, "::1" if host == "::1" else "127.0.0.1") as (port, native):
        out = run(socktest("echo", host, port, LARGE))
        seen = native.result(TIMEOUT)
    assert out["exit"] == "0", out
    assert out["sent"] == out["received"] == seen["received"]
    assert out["sent"].startswith(f"{LARGE} ")
    assert (out["sockname"], out["peername"]) == (seen["peer"], seen["me"])


def test_c_connection_refused() -> None:
    with refusing_port() as port:
        assert run(socktest("echo", "127.0.0.1", port, 1))["error"] == "connect: Connection refused"


def test_c_connection_reset() -> None:
    with peer(reset) as (port, native):
        out = run(socktest("reset", "127.0.0.1", port))
        native.result(TIMEOUT)
    assert out["recv_error"] == "Connection reset by peer"
    assert out["send_error"] in {"Broken pipe", "Connection reset by peer"}


def test_c_shutdown_half_closes() -> None:
    with peer(answer_eof) as (port, native):
        out = run(socktest("halfclose", "127.0.0.1", port))
        assert native.result(TIMEOUT) == b"hello"
    assert out["reply"] == "bye"


def test_c_poll_times_out_then_sees_data() -> None:
    with peer(answer_go) as (port, native):
        out = run(socktest("wait", "127.0.0.1", port))
        native.result(TIMEOUT)
    assert out["idle_recv"] == "Resource temporarily unavailable"
    ready, elapsed_ms = out["poll_timeout"].split()
    assert ready == "0"
    assert 250 <= int(elapsed_ms) < 2000
    assert out["poll_data"].split()[0] == "1"
    assert out["byte"] == "!"


def test_c_listens_and_accepts() -> None:
    data = os.urandom(LARGE)
    with launch(socktest("serve", LARGE)) as guest:
        port = int(read_key(guest, "port"))
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as client:
            me = address(client.getsockname())
            reply = exchange(client, data)
        out = rest(guest)
    assert out["exit"] == "0", out
    assert out["received"] == crc(reply) == crc(data)
    assert out["accepted_from"] == out["accepted_peername"] == me
    assert out["accepted_sockname"] == f"127.0.0.1 {port}"
    # accept4(SOCK_NONBLOCK) affects the new socket only, despite WasmEdge's accept
    assert out["nonblocking"] == "conn=1 listener=0"


def test_c_socket_options() -> None:
    out = run(socktest("options"))
    assert out["exit"] == "0", out
    assert {key: out[key] for key in ("nonblocking", "tcp_nodelay", "keepalive", "type_is_stream", "so_error")} == {
        "nonblocking": "1",
        "tcp_nodelay": "0",  # accepted, but Nagle stays on: WasmEdge has no IPPROTO_TCP level
        "keepalive": "1",
        "type_is_stream": "1",
        "so_error": "0",
    }
    assert out["tcp_keepidle"] == "Protocol not available"


def test_c_datagrams() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, ThreadPoolExecutor(1) as pool:
        udp.bind(("127.0.0.1", 0))
        udp.settimeout(TIMEOUT)
        native = address(udp.getsockname())

        def reply() -> str:
            data, sender = udp.recvfrom(64)
            udp.sendto(data.upper(), sender)
            return address(sender)

        replied = pool.submit(reply)
        out = run(socktest("udp", "127.0.0.1", udp.getsockname()[1]))
        sender = replied.result(TIMEOUT)
    assert out["reply"] == "PING"
    assert out["from"] == native
    assert sender.startswith("127.0.0.1 ")


# CPython's socket module


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_python_create_connection_and_large_transfers(host: str) -> None:
    with peer(sink_then_source(LARGE)) as (port, native):
        out = run(python("connect", host, port, LARGE))
        seen = native.result(TIMEOUT)
    assert out["exit"] == "0", out["stderr"]
    assert out["sent"] == seen["received"]
    assert out["received"] == seen["sent"]
    assert (out["sockname"], out["peername"]) == (seen["peer"], seen["me"])


def test_python_connection_refused() -> None:
    with refusing_port() as port:
        assert run(python("refused", "127.0.0.1", port))["error"] == "ConnectionRefusedError"


def test_python_connection_reset() -> None:
    with peer(reset) as (port, native):
        out = run(python("reset", "127.0.0.1", port))
        native.result(TIMEOUT)
    assert out.get("error") == "ConnectionResetError", out


def test_python_listens_and_accepts() -> None:
    data = os.urandom(LARGE)
    with launch(python("serve", LARGE)) as guest:
        port = int(read_key(guest, "port"))
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as client:
            me = address(client.getsockname())
            reply = exchange(client, data)
        out = rest(guest)
    assert out["exit"] == "0"
    assert out["received"] == crc(reply) == crc(data)
    assert out["accepted_from"] == me


def test_python_settimeout() -> None:
    with peer(silent) as (port, native):
        out = run(python("timeout", "127.0.0.1", port))
        native.result(TIMEOUT)
    assert out["error"] == "TimeoutError"
    assert 0.29 <= float(out["elapsed"]) < 2


def test_python_select_poll() -> None:
    with peer(answer_go) as (port, native):
        out = run(python("poll", "127.0.0.1", port))
        native.result(TIMEOUT)
    assert out["exit"] == "0", out["stderr"]
    assert out["idle"] == "[]"
    assert 0.29 <= float(out["elapsed"]) < 2
    assert out["ready"] == "[True]"
    assert out["byte"] == "!"


@pytest.mark.parametrize("name", ["localhost", "127.0.0.1", "::1", "no-such-host.invalid"])
def test_python_getaddrinfo_answers_as_natively(name: str) -> None:
    try:
        native = [
            f"{ai[0].name} {ai[2]} {address(ai[4])}" for ai in socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)
        ]
        expected = {"addr": "\n".join(native)}
    except socket.gaierror as error:
        expected = {"gaierror": str(error.errno)}
    out = run(python("resolve", name, 80))
    assert {key: out[key] for key in expected} == expected
