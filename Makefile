# One entry point for humans and CI.
VENV ?= .venv
PY := $(VENV)/bin/python
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: setup system-deps venv build build-release test test-rust test-python lint fmt bench

# A bare Debian machine: system packages, a venv with the dev requirements, one build.
setup: system-deps
	$(MAKE) venv build

# cmake and nasm build libjpeg-turbo into the extension; redis-server runs the Redis tests.
system-deps:
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq cmake nasm redis-server >/dev/null

venv:
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q --no-deps -r requirements-nodeps.txt

# The dev profile optimises dependencies (-O3) and our crate (-O1); `cargo test`
# then reuses the same dependency builds instead of compiling them again.
build:
	$(VENV)/bin/maturin develop -q

build-release:
	$(VENV)/bin/maturin develop -q --release

lint:
	cargo fmt --check
	cargo clippy -q --all-targets -- -D warnings
	cargo clippy -q --all-targets --features python -- -D warnings
	$(VENV)/bin/ruff check python tests benches
	$(VENV)/bin/ruff format --check python tests benches
	$(VENV)/bin/mypy python/framesieve

fmt:
	cargo fmt
	$(VENV)/bin/ruff format python tests benches
	$(VENV)/bin/ruff check --fix python tests benches

test-rust:
	cargo test -q

test-python:
	$(PY) -m pytest -q

test: lint test-rust test-python

bench: build-release
	for b in benches/bench_*.py; do $(PY) $$b || exit 1; done

# The conformance suite against the real Roboflow inference 1.8.3 in its own cached venv
# (.peer/, rebuilt when requirements-peer.txt changes); see tests/peer/run.sh.
.PHONY: peer
peer:
	VENV=$(VENV) bash tests/peer/run.sh
