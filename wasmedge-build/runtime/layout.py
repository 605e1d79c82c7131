"""Lays out the read-only file tree that python.wasm runs on (build.sh step 7).

    layout.py STDLIB MODULES DEPS APP TREE

STDLIB  the interpreter's whole standard library (sources)
MODULES what the import probe (probe.py) printed: NAME ORIGIN lines
DEPS    the pure-Python dependencies, as pip installed them
APP     the app: its packages and top-level modules, the entry among them
TREE    receives usr/local/lib/python3.11/ with
        - the stdlib modules named in MODULES, precompiled, without sources;
        - in dist-packages/ (where Debian's site.py looks), the dependencies,
          precompiled, without sources but with their data files, and the
          app's packages and the top-level modules named in MODULES, as
          sources with precompiled copies (for tracebacks with lines).

Every .pyc is unchecked-hash: the tree is read-only and never goes stale, and
mtimes need not survive copying. The host's python3.11 compiles them, so its
bytecode must be the target's (checked).
"""

import importlib.util
import py_compile
import re
import shutil
import sys
from pathlib import Path

GUEST_LIB = Path("/usr/local/lib/python3.11")
SITE = "dist-packages"
# getpath finds sys.prefix by this file, though os itself is frozen in.
LANDMARK = "os.py"
UNCHECKED = py_compile.PycInvalidationMode.UNCHECKED_HASH


def check_magic(stdlib: Path) -> None:
    source = (stdlib / "importlib" / "_bootstrap_external.py").read_text()
    match = re.search(r"^MAGIC_NUMBER = \((\d+)\)\.to_bytes", source, re.MULTILINE)
    assert match, "no MAGIC_NUMBER in the target's importlib"
    target = int(match[1]).to_bytes(2, "little") + b"\r\n"
    if target != importlib.util.MAGIC_NUMBER:
        sys.exit(f"layout.py: {sys.executable} writes bytecode the target cannot read")


def compile_to(source: Path, pyc: Path, guest: Path) -> None:
    pyc.parent.mkdir(parents=True, exist_ok=True)
    py_compile.compile(str(source), str(pyc), str(guest), doraise=True, invalidation_mode=UNCHECKED)


def stdlib_files(origins: dict[str, str]) -> set[str]:
    """The stdlib source files (relative) of the modules the probe saw."""
    files = {LANDMARK}
    for origin in map(Path, origins.values()):
        if origin.is_relative_to(GUEST_LIB) and not origin.is_relative_to(GUEST_LIB / SITE):
            files.add(str(origin.relative_to(GUEST_LIB)))
    return files


def add_packages(source: Path, site: Path, keep_sources: bool, leave_out: frozenset[Path] = frozenset()) -> None:
    """Copies a directory of packages and modules into dist-packages, compiling the modules."""
    for path in sorted(source.rglob("*")):
        name = path.relative_to(source)
        if path.is_dir() or "__pycache__" in name.parts or name in leave_out:
            continue
        copy = site / name
        if path.suffix == ".py" and not keep_sources:
            compile_to(path, copy.with_suffix(".pyc"), GUEST_LIB / SITE / name)
            continue
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, copy)
        if path.suffix == ".py":
            compile_to(path, Path(importlib.util.cache_from_source(str(copy))), GUEST_LIB / SITE / name)


def lay_out(stdlib: Path, modules: Path, deps: Path, app: Path, tree: Path) -> None:
    origins = dict(line.split(" ", 1) for line in modules.read_text().splitlines())
    lib = tree / GUEST_LIB.relative_to("/")
    # getpath finds sys.exec_prefix by this directory, and warns without it.
    (lib / "lib-dynload").mkdir(parents=True)
    for name in sorted(stdlib_files(origins)):
        compile_to(stdlib / name, lib / f"{name}c", GUEST_LIB / name)
    add_packages(deps, lib / SITE, keep_sources=False)
    unused = frozenset(path.relative_to(app) for path in app.glob("*.py") if path.stem not in origins)
    add_packages(app, lib / SITE, keep_sources=True, leave_out=unused)


if __name__ == "__main__":
    stdlib, modules, deps, app, tree = map(Path, sys.argv[1:])
    check_magic(stdlib)
    lay_out(stdlib, modules, deps, app, tree)
