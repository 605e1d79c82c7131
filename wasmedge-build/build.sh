#!/usr/bin/env bash
# Build the order service for the WasmEdge CLI: CPython 3.11 as a wasm32-wasi
# (preview 1) module whose sockets use WasmEdge's own ABI, a snapshot of it
# with the service imported (Wizer), their AOT forms, and the read-only file
# tree they run on. Run as root on Debian bookworm.
#
#   build.sh [ENTRY_MODULE [APP_DIR]]   default: wasmedge_adapter in service/
#
# The app is APP_DIR's packages and those of its top-level modules that the
# entry module (APP_DIR/ENTRY_MODULE.py) imports. The entry must not serve when
# imported (the import probe and the snapshot import it), and serves from its
# main().
# Outputs, in dist/:
#   python.aot.wasm    the service: CPython with the entry imported, a Wizer
#                      snapshot, AOT-compiled for this WasmEdge; serve.sh runs it
#   cpython.aot.wasm   CPython, not initialized, AOT-compiled; serve.sh runs it
#                      when given Python arguments (-c, -m)
#   runtime/           the tree: the stdlib the service imports, the pinned
#                      dependencies and the app (orders + the entry), precompiled,
#                      and the snapshot's heap (usr/local/lib/python-snapshot.heap)
#   socktest.aot.wasm  the socket library's test program, for the tests
#   manifest.json      versions, sizes, input hashes, step times
# The interpreter (step 3, ~2 min), the AOT compiles (steps 4 and 9, ~90 s each)
# and the snapshot (step 8, ~5 s) are cached in
# ${XDG_CACHE_HOME:-~/.cache}/orders-service/wasmedge, keyed by the hashes of
# all they depend on; with all cached, a build takes seconds. A change to the
# app makes a new snapshot, so steps 8 and 9 run again.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
entry=${1:-wasmedge_adapter}
app_dir=$(realpath "${2:-$root/service}")
cache=${XDG_CACHE_HOME:-$HOME/.cache}/orders-service/wasmedge
build=$here/.build
[ -f "$app_dir/$entry.py" ] || { echo "no entry module $app_dir/$entry.py" >&2; exit 1; }

steps=10
step=0
mkdir -p "$build" "$cache/src"
: >"$build/times"
progress() {
    if ((step > 0)); then
        echo "$step_name $((SECONDS - step_started))" >>"$build/times"
    fi
    step=$((step + 1))
    step_name=$1
    step_started=$SECONDS
    echo "wasmedge-build [$step/$steps] $2" >&2
}

# Runs a command quietly, showing its output only if it fails.
quietly() {
    local log
    log=$(mktemp)
    "$@" >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; return 1; }
    rm -f "$log"
}

# apt may be busy with another install: retry for a while.
apt_get() {
    local attempt
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
        quietly apt-get -o DPkg::Lock::Timeout=60 "$@" && return
        echo "  apt-get $1 failed (attempt $attempt); retrying in 30 s" >&2
        sleep 30
    done
    return 1
}

progress packages "Debian packages"
packages=(
    "clang-19:compiles C to wasm32-wasi"
    "lld-19:links wasm32-wasi modules"
    "llvm-19:llvm-ar and llvm-strip for wasm32 objects"
    "libclang-rt-19-dev-wasm32:compiler builtins for wasm32"
    "wasi-libc:the C library for wasm32-wasi"
    "dpkg-dev:dpkg-source unpacks Debian source packages, with their patches"
    "make:builds zlib and CPython"
)
command -v python3.11 >/dev/null || packages+=("python3.11:CPython's cross build runs a Python 3.11")
# Wizer (the snapshotter) comes from the npm registry, as a static binary.
wizer_version=11.0.3
# The sha512 of @bytecodealliance/wizer-linux-x64@11.0.3's tarball (its "integrity").
wizer_sha512=1efaa221c9d275a35e43f0ff43ad773978325b86d6b776d7ae5eb692ff8cbdc09e88cb2460b725463bef0c7f0cbeb8efb63b71d06c2eca1c8fe206056a2210c6
wizer=$cache/wizer-$wizer_version/wizer
[ -x "$wizer" ] || command -v npm >/dev/null || packages+=("npm:fetches Wizer, which snapshots the service")
python3.11 -m pip --version >/dev/null 2>&1 || packages+=("python3-pip:fetches the pure-Python dependencies")
missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "${package%%:*}" 2>/dev/null | grep -q 'ok installed'; then
        echo "  installing ${package%%:*}: ${package#*:}" >&2
        missing+=("${package%%:*}")
    fi
done
deb_src=/etc/apt/sources.list.d/orders-service-deb-src.sources
if ! grep -qs '^Types:.*deb-src' /etc/apt/sources.list.d/*.sources &&
    ! grep -qs '^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list; then
    [ -f /etc/apt/sources.list.d/debian.sources ] ||
        { echo "no /etc/apt/sources.list.d/debian.sources to take the Debian mirror from" >&2; exit 1; }
    echo "  adding $deb_src: apt-get source needs deb-src entries for the Debian mirror" >&2
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$deb_src"
fi
if ((${#missing[@]})) || ! apt-cache showsrc python3.11 2>/dev/null | grep -q '^Version:'; then
    apt_get update
fi
if ((${#missing[@]})); then
    DEBIAN_FRONTEND=noninteractive apt_get install -y --no-install-recommends "${missing[@]}"
fi
python3.11 -c 'import sys; assert sys.version_info[:2] == (3, 11)' ||
    { echo "python3.11 on PATH is not a Python 3.11" >&2; exit 1; }
wasmedge=${WASMEDGE:-$(command -v wasmedge || echo "$HOME/.wasmedge/bin/wasmedge")}
[ -x "$wasmedge" ] || {
    echo "no WasmEdge CLI: set WASMEDGE, put wasmedge on PATH, or install it in ~/.wasmedge" >&2
    exit 1
}
wasmedge_version=$("$wasmedge" --version | sed -n '1s/.* version //p')

progress sources "Debian sources of python3.11 and zlib"
# Prints the .dsc of the newest version of PKG whose files the mirror serves.
# (A security update may be listed before its files reach the mirror.)
fetch_source() {
    local version log=$build/apt-get-source.log
    for version in $(apt-cache showsrc "$1" | sed -n 's/^Version: //p' | sort -rV); do
        if (cd "$cache/src" && apt-get source --download-only "$1=$version") >"$log" 2>&1; then
            echo "$cache/src/$1_${version#*:}.dsc"
            return
        fi
        echo "  $1 $version: not on the mirror, trying an older version" >&2
    done
    echo "apt-get source $1: no version the mirror lists could be fetched" >&2
    return 1
}
python_dsc=$(fetch_source python3.11)
zlib_dsc=$(fetch_source zlib)

# Everything the interpreter build reads, for its cache key.
interpreter_key=$(
    {
        (cd "$here" && sha256sum build-python.sh sockets/*.[ch] sockets/include/*.h sockets/tests/*.c cpython/* snapshot/entry.c)
        (cd "$cache/src" && sha256sum "$(basename "$python_dsc")" "$(basename "$zlib_dsc")")
        dpkg-query -W clang-19 lld-19 llvm-19 libclang-rt-19-dev-wasm32 wasi-libc
        python3.11 -VV
    } | sha256sum | cut -c1-16
)
interpreter=$cache/python-$interpreter_key
cpython_version=$(sed -n 's/^Version: //p' "$python_dsc")
if [ -f "$interpreter/python.wasm" ]; then
    progress interpreter "CPython $cpython_version for wasm32-wasi (cached: $interpreter)"
else
    progress interpreter "CPython $cpython_version for wasm32-wasi, with the socket library (about 2 min)"
    "$here/build-python.sh" "$python_dsc" "$zlib_dsc" "$interpreter"
fi

progress aot "AOT compile of CPython for WasmEdge $wasmedge_version (about 90 s; cached per module and WasmEdge version)"
# A generic binary runs on any x86-64, not just on CPUs like the build
# machine's; measured no slower for python.wasm.
aot_flags=(--generic-binary)
# Prints the AOT form of a module, compiling it unless cached.
aot() {
    local key out
    key=$({ sha256sum <"$1"; echo "$wasmedge_version ${aot_flags[*]}"; } | sha256sum | cut -c1-16)
    out=$cache/aot-$key/$(basename "$1" .wasm).aot.wasm
    if [ ! -f "$out" ]; then
        mkdir -p "$(dirname "$out")"
        quietly nice -n 10 "$wasmedge" compile "${aot_flags[@]}" "$1" "$out.partial"
        mv "$out.partial" "$out"
    fi
    echo "$out"
}
python_aot=$(aot "$interpreter/python.wasm")
socktest_aot=$(aot "$interpreter/socktest.wasm")

progress dependencies "pure-Python dependencies from PyPI, as pinned"
mapfile -t requirements < <(python3.11 -c '
import sys, tomllib
print(*tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"], sep="\n")' "$root/pyproject.toml")
rm -rf "$build/deps"
# Only pure wheels (any platform, no ABI); constraints.txt pins what they pull in.
python3.11 -m pip install --quiet --quiet --disable-pip-version-check --root-user-action=ignore \
    --no-compile --only-binary=:all: --platform any --implementation py --abi none \
    --python-version 3.11 --target "$build/deps" -c "$root/constraints.txt" "${requirements[@]}"
rm -rf "$build/deps/bin"

progress probe "import probe: which stdlib modules $entry needs"
rm -rf "$build/app" "$build/probe"
mkdir -p "$build/app" "$build/probe/runtime/usr/local/lib"
shopt -s nullglob
for path in "$app_dir"/*.py "$app_dir"/*/__init__.py; do
    cp -r "${path%/__init__.py}" "$build/app/"
done
find "$build/app" -name __pycache__ -prune -exec rm -rf {} +
stage=$build/probe/runtime/usr/local/lib/python3.11
cp -r "$interpreter/lib/python3.11" "$stage"
mkdir -p "$stage/dist-packages"
cp -r "$build/deps/." "$build/app/." "$stage/dist-packages/"
ln -s "$python_aot" "$build/probe/cpython.aot.wasm"
# Runs probe.py under python.wasm on the tree in dist directory $1.
probe() {
    WASMEDGE=$wasmedge WASMEDGE_DIST=$1 "$here/serve.sh" -c "$(cat "$here/runtime/probe.py")" "$entry"
}
probe "$build/probe" >"$build/modules.txt"

progress runtime "runtime tree: pruned stdlib, dependencies and app, precompiled"
rm -rf "$build/dist"
mkdir -p "$build/dist"
python3.11 "$here/runtime/layout.py" "$interpreter/lib/python3.11" "$build/modules.txt" "$build/deps" \
    "$build/app" "$build/dist/runtime"
cp "$python_aot" "$build/dist/cpython.aot.wasm"
cp "$socktest_aot" "$build/dist/"
# The entry module must load from the pruned tree too.
probe "$build/dist" >/dev/null

progress snapshot "snapshot: Wizer $wizer_version runs CPython to $entry imported (cached per interpreter, tree and entry)"
if [ ! -x "$wizer" ]; then
    echo "  fetching Wizer $wizer_version from the npm registry" >&2
    fetched=$(mktemp -d)
    (cd "$fetched" && quietly npm pack "@bytecodealliance/wizer-linux-x64@$wizer_version")
    tarball=$fetched/bytecodealliance-wizer-linux-x64-$wizer_version.tgz
    echo "$wizer_sha512  $tarball" | sha512sum --check --quiet ||
        { echo "Wizer's tarball is not the one expected (sha512)" >&2; exit 1; }
    tar -xzf "$tarball" -C "$fetched" package/wizer
    mkdir -p "$(dirname "$wizer")"
    mv "$fetched/package/wizer" "$wizer"
    rm -rf "$fetched"
fi
# Wizer's output differs from run to run (the random state, hash key and
# snapshot id it captures), so it is cached by what goes in.
snapshot_key=$(
    {
        sha256sum <"$interpreter/python-snapshot.wasm"
        (cd "$here" && sha256sum snapshot/module.py)
        (cd "$build/dist/runtime" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
        echo "$entry wizer $wizer_version"
    } | sha256sum | cut -c1-16
)
snapshot=$cache/snapshot-$snapshot_key
if [ ! -f "$snapshot/python.wasm" ]; then
    rm -rf "$snapshot.partial"
    mkdir -p "$snapshot.partial"
    (
        cd "$snapshot.partial"
        python3.11 "$here/snapshot/module.py" hide "$interpreter/python-snapshot.wasm" input.wasm sockets.wat
        # WASI for the imports: the tree at /, as WasmEdge will give it. An empty
        # environment but for the entry's name: nothing of the build's gets in.
        quietly nice -n 10 env -i SNAPSHOT_ENTRY="$entry" "$wizer" --allow-wasi --inherit-env true \
            --mapdir "/::$build/dist/runtime" --preload wasi_snapshot_sockets1=sockets.wat \
            --init-func wizer.initialize --rename-func _start=wizer.resume -o snapshot.wasm input.wasm
        python3.11 "$here/snapshot/module.py" finish snapshot.wasm "$interpreter/python-snapshot.wasm" \
            python.wasm python-snapshot.heap
        rm input.wasm sockets.wat snapshot.wasm
    )
    mv "$snapshot.partial" "$snapshot"
fi

progress snapshot_aot "AOT compile of the snapshot (about 90 s; cached per snapshot and WasmEdge version)"
snapshot_aot=$(aot "$snapshot/python.wasm")
cp "$snapshot_aot" "$build/dist/python.aot.wasm"
# Where snapshot/entry.c reads it from.
cp "$snapshot/python-snapshot.heap" "$build/dist/runtime/usr/local/lib/"

progress dist "dist/ and its manifest"
python3.11 "$here/manifest.py" "$build/dist" "$interpreter/python.wasm" "$snapshot/python.wasm" "$build/times" \
    entry="$entry" cpython="$cpython_version" zlib="$(sed -n 's/^Version: //p' "$zlib_dsc")" \
    wasmedge="$wasmedge_version" wizer="$wizer_version" interpreter_key="$interpreter_key" \
    aot_key="$(basename "$(dirname "$python_aot")")" snapshot_key="$snapshot_key" \
    snapshot_aot_key="$(basename "$(dirname "$snapshot_aot")")"
rm -rf "$here/dist"
mv "$build/dist" "$here/dist"
echo "wasmedge-build: done in $SECONDS s; see dist/manifest.json" >&2
