#!/usr/bin/env bash
# Build CPython 3.11 as a wasm32-wasi (preview 1) module whose socket module
# talks to WasmEdge's socket ABI, from Debian's source packages.
#
#   build-python.sh PYTHON_DSC ZLIB_DSC OUT
#
# The .dsc files are Debian's python3.11 and zlib source packages, as
# `apt-get source --download-only` fetched them. OUT receives:
#   python.wasm           the interpreter, stripped
#   python-snapshot.wasm  the same interpreter with snapshot/entry.c instead of
#                         its main(), for Wizer (build.sh's snapshot step), stripped
#   lib/python3.11/       its full standard library (sources), for build.sh to prune
#   socktest.wasm         the C test program of the socket library
# build.sh calls this only when the hash of its inputs (this file among them)
# has no cached OUT yet.
set -euo pipefail

python_dsc=$(realpath "$1")
zlib_dsc=$(realpath "$2")
out=$3
here=$(cd "$(dirname "$0")" && pwd)
# A work directory named after OUT, not a random one: its path gets compiled
# in (__FILE__), and the same inputs should give the same python.wasm.
work=$out.work
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

# Debian's clang also searches /usr/include for wasm32-wasi, where host
# headers (netdb.h, libintl.h, ...) would leak into configure's probes. A
# sysroot of links to wasi-libc alone keeps them out.
mkdir -p "$work/sysroot/include" "$work/sysroot/lib"
ln -s /usr/include/wasm32-wasi "$work/sysroot/include/wasm32-wasi"
ln -s /usr/lib/wasm32-wasi "$work/sysroot/lib/wasm32-wasi"
target=(--target=wasm32-wasi --sysroot="$work/sysroot")
jobs=$(nproc)

# Debian's patches (security fixes among them), then ours.
dpkg-source --no-check -x "$python_dsc" "$work/cpython" >/dev/null
dpkg-source --no-check -x "$zlib_dsc" "$work/zlib" >/dev/null
for patch in "$here"/cpython/*.patch; do
    patch --quiet -d "$work/cpython" -p1 <"$patch"
done
# __DATE__ and __TIME__ (in sys.version) from Debian's changelog: an unchanged
# interpreter then has the same bytes, and keeps its cached AOT form.
SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l "$work/cpython/debian/changelog" -STimestamp)
export SOURCE_DATE_EPOCH

sockets=$work/sockets
mkdir -p "$sockets"
sockflags=("${target[@]}" -O2 -Wall -Wextra -Werror -I"$here/sockets/include" -include wasmedge_sockets.h)
for src in socket netdb; do
    clang-19 "${sockflags[@]}" -c "$here/sockets/$src.c" -o "$sockets/$src.o"
done
llvm-ar-19 rcs "$sockets/libwasmedge_sockets.a" "$sockets"/*.o
clang-19 "${sockflags[@]}" "$here/sockets/tests/socktest.c" -L"$sockets" -lwasmedge_sockets \
    -o "$work/socktest.wasm"

(
    cd "$work/zlib"
    CC="clang-19 ${target[*]}" CFLAGS="-O2 -Wno-deprecated-non-prototype" \
        AR=llvm-ar-19 RANLIB=llvm-ranlib-19 ./configure --static >/dev/null
    nice -n 10 make -j"$jobs" libz.a >/dev/null
)

build_python=$(python3.11 -c 'import sys; print(sys.executable)')
mkdir -p "$work/build"
cd "$work/build"
# CFLAGS: the socket declarations go into every file, as into configure's
# compile probes (not CPPFLAGS: configure learns the compiler's name from
# preprocessor output). -Wno-int-conversion: wasi-libc's clockid_t is a pointer.
# ac_cv_func_*: configure's generic function probes declare their own
# prototype ("char shutdown ();"), which clashes with the real declarations
# in wasmedge_sockets.h, so they fail for functions that do exist.
# --enable-ipv6: configure turns IPv6 off for WASI unless asked; WasmEdge has it.
# PKG_CONFIG_*: no host libraries (lzma, sqlite3, ...) for wasm32.
PKG_CONFIG_PATH='' PKG_CONFIG_LIBDIR=$work/sysroot/lib/pkgconfig \
    CONFIG_SITE=$work/cpython/Tools/wasm/config.site-wasm32-wasi \
    "$work/cpython/configure" \
    --host=wasm32-unknown-wasi --build="$("$work/cpython/config.guess")" \
    --with-build-python="$build_python" \
    --disable-test-modules --without-ensurepip --enable-ipv6 \
    CC="clang-19 ${target[*]}" CPP="clang-cpp-19 ${target[*]}" \
    AR=llvm-ar-19 RANLIB=llvm-ranlib-19 \
    CPPFLAGS="-I$here/sockets/include" CFLAGS="-include wasmedge_sockets.h -Wno-int-conversion" \
    LIBS="$sockets/libwasmedge_sockets.a" \
    ZLIB_CFLAGS="-I$work/zlib" ZLIB_LIBS="$work/zlib/libz.a" \
    ac_cv_func_accept4=yes ac_cv_func_gai_strerror=yes ac_cv_func_getnameinfo=yes \
    ac_cv_func_getpeername=yes ac_cv_func_shutdown=yes \
    >configure.out 2>&1 || { tail -40 configure.out >&2; exit 1; }

nice -n 10 make -j"$jobs" >make.out 2>&1 || { tail -40 make.out >&2; exit 1; }

# Fail here rather than at run time if a socket feature went missing.
for feature in ACCEPT ACCEPT4 BIND CONNECT GAI_STRERROR GETADDRINFO GETNAMEINFO GETPEERNAME GETSOCKNAME \
    LISTEN POLL RECVFROM SENDTO SETSOCKOPT SHUTDOWN SOCKET; do
    grep -q "^#define HAVE_$feature 1" pyconfig.h || { echo "configure found no $feature" >&2; exit 1; }
done
grep -q '^#define ENABLE_IPV6 1' pyconfig.h

# The snapshot's interpreter: the same objects, linked with snapshot/entry.c
# in place of Programs/python.o and without wasi-libc's _start (crt1), so the
# constructors run only when entry.c calls them. The exports give
# snapshot/module.py where the heap starts and where the snapshot's id is.
cat >snapshot.mk <<'MAKE'
include Makefile
Programs/snapshot.o: $(SNAPSHOT_ENTRY) $(PYTHON_HEADERS)
	$(MAINCC) -c $(PY_CORE_CFLAGS) -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -o $@ $(SNAPSHOT_ENTRY)
python-snapshot.wasm: Programs/snapshot.o $(LINK_PYTHON_DEPS)
	$(LINKCC) $(PY_CORE_LDFLAGS) $(LINKFORSHARED) -nostartfiles -Wl,--no-entry \
		-Wl,--export=__heap_base -Wl,--export=snapshot_id \
		-o $@ Programs/snapshot.o $(LINK_PYTHON_OBJS) $(LIBS) $(MODLIBS) $(SYSLIBS)
MAKE
make -f snapshot.mk SNAPSHOT_ENTRY="$here/snapshot/entry.c" python-snapshot.wasm >>make.out 2>&1 ||
    { tail -40 make.out >&2; exit 1; }

mkdir -p "$out.partial/lib"
llvm-strip-19 -o "$out.partial/python.wasm" python.wasm
llvm-strip-19 -o "$out.partial/python-snapshot.wasm" python-snapshot.wasm
stdlib=$out.partial/lib/python3.11
cp -r "$work/cpython/Lib" "$stdlib"
rm -rf "$stdlib/test"
# getpath finds sys.exec_prefix by this directory, and warns without it.
mkdir "$stdlib/lib-dynload"
# Debian's sysconfig (sysconfigdata-name.diff) imports
# _sysconfigdata_<abiflags>_<multiarch>; the build writes the upstream name.
make_var() { sed -n "s/^$1=[[:space:]]*//p" Makefile; }
cp "$(cat pybuilddir.txt)"/_sysconfigdata_*.py "$stdlib/_sysconfigdata_$(make_var ABIFLAGS)_$(make_var MULTIARCH).py"
cp "$work/socktest.wasm" "$out.partial/"
rm -rf "$out"
mv "$out.partial" "$out"
