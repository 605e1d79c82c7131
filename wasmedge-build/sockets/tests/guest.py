"""CPython's socket module on WasmEdge: the guest half of tests/test_wasmedge_sockets.py.

The test passes this file's text to the built python.wasm as `-c`, with a case
and its arguments; native peers sit on the other end. It prints key=value lines.

    connect HOST PORT NBYTES   create_connection; send NBYTES, then read NBYTES back
    refused HOST PORT          connect where nothing listens
    reset HOST PORT            the peer resets the connection
    timeout HOST PORT          recv on a silent peer with settimeout
    poll HOST PORT             select.poll: a timeout, then data
    serve NBYTES               listen, accept one client, echo NBYTES
    resolve NAME PORT          socket.getaddrinfo
"""

import os
import select
import socket
import sys
import time
import zlib
from collections.abc import Callable


def say(key: str, value: object) -> None:
    print(f"{key}={value}", flush=True)


def receive(sock: socket.socket, nbytes: int) -> bytes:
    chunks = []
    while nbytes > 0:
        chunk = sock.recv(min(nbytes, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        nbytes -= len(chunk)
    return b"".join(chunks)


def address(addr: tuple[str, int]) -> str:
    return f"{addr[0]} {addr[1]}"


def say_error(call: Callable[[], object]) -> None:
    try:
        call()
    except OSError as error:
        say("error", type(error).__name__)
    else:
        say("error", "none")


def connect(host: str, port: str, nbytes: str) -> None:
    data = os.urandom(int(nbytes))
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        say("sockname", address(sock.getsockname()))
        say("peername", address(sock.getpeername()))
        sock.sendall(data)
        say("sent", f"{len(data)} {zlib.crc32(data):08x}")
        reply = receive(sock, len(data))
        say("received", f"{len(reply)} {zlib.crc32(reply):08x}")


def refused(host: str, port: str) -> None:
    say_error(lambda: socket.create_connection((host, int(port)), timeout=10))


def reset(host: str, port: str) -> None:
    def connect_and_read() -> None:
        # The reset may beat the end of connect(), which then reports it.
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.recv(1)

    say_error(connect_and_read)


def timeout(host: str, port: str) -> None:
    with socket.create_connection((host, int(port))) as sock:
        sock.settimeout(0.3)
        start = time.monotonic()
        say_error(lambda: sock.recv(1))
        say("elapsed", round(time.monotonic() - start, 3))


def poll(host: str, port: str) -> None:
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        start = time.monotonic()
        say("idle", poller.poll(300))
        say("elapsed", round(time.monotonic() - start, 3))
        sock.sendall(b"go")
        say("ready", [bool(event & select.POLLIN) for _, event in poller.poll(10_000)])
        say("byte", sock.recv(1).decode())


def serve(nbytes: str) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        say("port", listener.getsockname()[1])
        conn, peer = listener.accept()
        with conn:
            say("accepted_from", address(peer))
            data = receive(conn, int(nbytes))
            say("received", f"{len(data)} {zlib.crc32(data):08x}")
            conn.sendall(data)


def resolve(name: str, port: str) -> None:
    try:
        infos = socket.getaddrinfo(name, int(port), type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        say("gaierror", error.errno)
        return
    for family, _, proto, _, addr in infos:
        say("addr", f"{family.name} {proto} {addr[0]} {addr[1]}")


CASES = {f.__name__: f for f in (connect, refused, reset, timeout, poll, serve, resolve)}
CASES[sys.argv[1]](*sys.argv[2:])
