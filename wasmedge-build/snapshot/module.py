"""Rewrites python-snapshot.wasm around Wizer (build.sh's snapshot step).

    module.py hide INPUT OUTPUT STUBS
        Before Wizer. OUTPUT is INPUT with its sock_* imports moved from
        wasi_snapshot_preview1 to wasi_snapshot_sockets1; STUBS (.wat) defines
        them, as traps, for Wizer's --preload.
    module.py finish SNAPSHOT INPUT OUTPUT HEAP
        After Wizer. OUTPUT is SNAPSHOT with those imports moved back (so it
        imports exactly what INPUT does) and without the memory above
        __heap_base, which goes to the file HEAP instead, for entry.c's
        restore_heap to read back at start.

Wizer runs the module in wasmtime, whose wasi_snapshot_preview1 lacks
WasmEdge's socket calls (sock_open, sock_connect, ...): the module would not
instantiate. Nothing uses a socket during initialization. The two import
module names have the same length, so moving imports changes only those bytes
(checked).

The heap leaves the module because WasmEdge keeps a data segment's bytes
three times besides the memory they initialize. The static data (below
__heap_base: CPython's and wasi-libc's globals, the C stack) stays in the
module. Everything else passes unchanged (checked), and the memory the new
module and HEAP make is the memory SNAPSHOT would (checked).
"""

import struct
import sys
from dataclasses import dataclass
from pathlib import Path

WASI = b"wasi_snapshot_preview1"
HIDDEN = b"wasi_snapshot_sockets1"
assert len(WASI) == len(HIDDEN)
SOCKETS = b"sock_"
MAGIC = b"\0asm\1\0\0\0"
TYPE, IMPORT, GLOBAL, EXPORT, DATA, DATA_COUNT = 1, 2, 6, 7, 11, 12
FUNC, GLOBAL_KIND = 0, 3
I32_CONST, END = 0x41, 0x0B
VALUE_TYPES = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64"}
# The heap file: magic, the snapshot's id, where the bytes go, how many.
HEAP_MAGIC = b"WASMHEAP"
HEAP_HEADER = struct.Struct("<8s16sII")
ID_LENGTH = 16

Signature = tuple[tuple[str, ...], tuple[str, ...]]


class Invalid(Exception):
    """The module is not what this expects, or a rewrite would change more than it should."""


def check(condition: bool, problem: str) -> None:
    if not condition:
        raise Invalid(problem)


class Reader:
    def __init__(self, data: bytes, offset: int = 0) -> None:
        self.data = data
        self.offset = offset

    def byte(self) -> int:
        value = self.data[self.offset]
        self.offset += 1
        return value

    def u32(self) -> int:
        return self._leb128(signed=False)

    def i32(self) -> int:
        return self._leb128(signed=True)

    def _leb128(self, *, signed: bool) -> int:
        value = shift = 0
        while True:
            byte = self.byte()
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value - (1 << shift) if signed and byte & 0x40 else value

    def bytes(self) -> tuple[bytes, int]:
        """A length-prefixed byte string and where its bytes start."""
        length = self.u32()
        start = self.offset
        self.offset += length
        return self.data[start : self.offset], start

    def const_i32(self) -> int:
        if self.byte() != I32_CONST:
            raise Invalid("an initializer that is not i32.const")
        value = self.i32()
        if self.byte() != END:
            raise Invalid("an initializer longer than i32.const")
        return value


def u32(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def i32(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        done = (value == 0 and not byte & 0x40) or (value == -1 and byte & 0x40)
        out.append(byte | (0 if done else 0x80))
        if done:
            return bytes(out)


@dataclass(frozen=True)
class Section:
    id: int
    start: int  # of its contents
    end: int


def sections(data: bytes) -> list[Section]:
    if not data.startswith(MAGIC):
        raise Invalid("not a WebAssembly module (version 1)")
    found = []
    reader = Reader(data, len(MAGIC))
    while reader.offset < len(data):
        section = reader.byte()
        size = reader.u32()
        found.append(Section(section, reader.offset, reader.offset + size))
        reader.offset += size
    return found


def section(data: bytes, wanted: int) -> Section | None:
    return next((s for s in sections(data) if s.id == wanted), None)


@dataclass(frozen=True)
class Import:
    module: bytes
    name: bytes
    module_offset: int  # where the module name's bytes start in the file
    signature: Signature


def function_types(data: bytes) -> list[Signature]:
    found = section(data, TYPE)
    if found is None:
        return []
    reader = Reader(data, found.start)
    types = []
    for _ in range(reader.u32()):
        if reader.byte() != 0x60:
            raise Invalid("a type that is not a function type")
        params = tuple(VALUE_TYPES[reader.byte()] for _ in range(reader.u32()))
        results = tuple(VALUE_TYPES[reader.byte()] for _ in range(reader.u32()))
        types.append((params, results))
    return types


def imports(data: bytes) -> list[Import]:
    found = section(data, IMPORT)
    if found is None:
        return []
    types = function_types(data)
    reader = Reader(data, found.start)
    result = []
    for _ in range(reader.u32()):
        module, module_offset = reader.bytes()
        name, _ = reader.bytes()
        if reader.byte() != FUNC:
            raise Invalid(f"{module!r} {name!r}: only function imports are expected")
        result.append(Import(module, name, module_offset, types[reader.u32()]))
    check(reader.offset == found.end, "a section longer than its contents")
    return result


def move_imports(data: bytes, old: bytes, new: bytes, only_sockets: bool) -> tuple[bytes, list[Import]]:
    """The module with those imports' module names rewritten in place, and those imports."""
    out = bytearray(data)
    moved = [i for i in imports(data) if i.module == old and (not only_sockets or i.name.startswith(SOCKETS))]
    for i in moved:
        out[i.module_offset : i.module_offset + len(old)] = new
    # Only those names' bytes changed: putting them back gives the input.
    undone = bytearray(out)
    for i in moved:
        undone[i.module_offset : i.module_offset + len(old)] = old
    check(undone == data, "moving imports changed other bytes")
    return bytes(out), moved


def stubs(moved: list[Import]) -> str:
    lines = ["(module"]
    for i in moved:
        params = "".join(f" (param {t})" for t in i.signature[0])
        results = "".join(f" (result {t})" for t in i.signature[1])
        lines.append(f'  (func (export "{i.name.decode()}"){params}{results} unreachable)')
    return "\n".join([*lines, ")"]) + "\n"


def exported_address(data: bytes, name: bytes) -> int:
    """The value of the i32 global that `name` exports (wasm-ld's --export of a data symbol)."""
    exports, globals_ = section(data, EXPORT), section(data, GLOBAL)
    if exports is None or globals_ is None:
        raise Invalid("no exports or no globals")
    reader = Reader(data, exports.start)
    index = None
    for _ in range(reader.u32()):
        export, _ = reader.bytes()
        kind, at = reader.byte(), reader.u32()
        if export == name and kind == GLOBAL_KIND:
            index = at
    if index is None:
        raise Invalid(f"the module exports no global {name.decode()}")
    reader = Reader(data, globals_.start)
    for at in range(reader.u32()):
        reader.byte()  # value type
        reader.byte()  # mutability
        value = reader.const_i32()
        if at == index:
            return value
    raise Invalid(f"no global {index}")


@dataclass(frozen=True)
class Segment:
    offset: int | None  # None: passive
    data: bytes

    def encode(self) -> bytes:
        if self.offset is None:
            return u32(1) + u32(len(self.data)) + self.data
        return u32(0) + bytes([I32_CONST]) + i32(self.offset) + bytes([END]) + u32(len(self.data)) + self.data


def segments(data: bytes) -> list[Segment]:
    found = section(data, DATA)
    if found is None:
        return []
    reader = Reader(data, found.start)
    result = []
    for _ in range(reader.u32()):
        mode = reader.u32()
        if mode not in (0, 1):
            raise Invalid(f"a data segment of mode {mode} (memory index or an unknown form)")
        offset = reader.const_i32() if mode == 0 else None
        content, _ = reader.bytes()
        result.append(Segment(offset, content))
    check(reader.offset == found.end, "a section longer than its contents")
    return result


def memory(segments: list[Segment]) -> bytearray:
    """The memory the active segments make (up to their end)."""
    active = [s for s in segments if s.offset is not None]
    image = bytearray(max((s.offset + len(s.data) for s in active if s.offset is not None), default=0))
    for s in active:
        assert s.offset is not None
        image[s.offset : s.offset + len(s.data)] = s.data
    return image


def replace_sections(data: bytes, contents: dict[int, bytes]) -> bytes:
    out = bytearray(MAGIC)
    for s in sections(data):
        body = contents.get(s.id, data[s.start : s.end]) if s.id else data[s.start : s.end]
        out += bytes([s.id]) + u32(len(body)) + body
    return bytes(out)


def split_heap(data: bytes) -> tuple[bytes, bytes]:
    """The module without the memory above __heap_base, and the heap file."""
    heap_base = exported_address(data, b"__heap_base")
    id_at = exported_address(data, b"snapshot_id")
    check(id_at + ID_LENGTH <= heap_base, "snapshot_id is not static data")
    original = segments(data)
    # Passive segments are named by index (memory.init, data.drop): they stay first.
    passive = [s for s in original if s.offset is None]
    if original[: len(passive)] != passive:
        raise Invalid("passive data segments after active ones")
    kept = list(passive)
    for s in original[len(passive) :]:
        assert s.offset is not None
        if s.offset < heap_base:
            kept.append(Segment(s.offset, s.data[: heap_base - s.offset]))
    image = memory(original)
    heap = bytes(image[heap_base:])
    snapshot_id = bytes(image[id_at : id_at + ID_LENGTH])
    if len(snapshot_id) != ID_LENGTH or not any(snapshot_id):
        raise Invalid("snapshot_id is not set: was this module initialized?")
    contents = {DATA: u32(len(kept)) + b"".join(s.encode() for s in kept)}
    if section(data, DATA_COUNT) is not None:
        contents[DATA_COUNT] = u32(len(kept))
    out = replace_sections(data, contents)

    # The same module but for those sections, and the same memory.
    check(
        [(s.id, data[s.start : s.end]) for s in sections(data) if s.id not in contents]
        == [(s.id, out[s.start : s.end]) for s in sections(out) if s.id not in contents],
        "a section besides the data changed",
    )
    rebuilt = memory(segments(out))
    check(len(rebuilt) <= heap_base, "static data above __heap_base")
    rebuilt += bytes(heap_base - len(rebuilt)) + heap
    check(rebuilt == image, "the module and the heap would not make the snapshot's memory")
    return out, HEAP_HEADER.pack(HEAP_MAGIC, snapshot_id, heap_base, len(heap)) + heap


def key(i: Import) -> tuple[bytes, bytes, Signature]:
    return i.module, i.name, i.signature


def main() -> None:
    try:
        run(*sys.argv[1:])
    except Invalid as problem:
        sys.exit(f"module.py: {problem}")


def run(command: str = "", *paths: str) -> None:
    if command == "hide" and len(paths) == 3:
        source, target, stub_path = paths
        out, moved = move_imports(Path(source).read_bytes(), WASI, HIDDEN, only_sockets=True)
        if not moved:
            raise Invalid(f"{source} imports no {SOCKETS.decode()}* from {WASI.decode()}")
        Path(stub_path).write_text(stubs(moved))
        Path(target).write_bytes(out)
    elif command == "finish" and len(paths) == 4:
        snapshot, original, target, heap_path = paths
        restored, _ = move_imports(Path(snapshot).read_bytes(), HIDDEN, WASI, only_sockets=False)
        if [key(i) for i in imports(restored)] != [key(i) for i in imports(Path(original).read_bytes())]:
            raise Invalid(f"{snapshot} would not import what {original} imports")
        out, heap = split_heap(restored)
        Path(target).write_bytes(out)
        Path(heap_path).write_bytes(heap)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
