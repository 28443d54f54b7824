# One entry point for humans and CI.
#
# Every target works in the one venv $(VENV) (default ./.venv), whatever venv the
# caller's shell has active: tools run as $(VENV)/bin/..., and maturin is told
# where to install (VIRTUAL_ENV=...), since it would otherwise honour the active one.
VENV ?= .venv
VENV_DIR := $(abspath $(VENV))
PY := $(VENV_DIR)/bin/python
MATURIN := VIRTUAL_ENV=$(VENV_DIR) PATH=$(VENV_DIR)/bin:$$PATH $(VENV_DIR)/bin/maturin
# The oldest glibc the wheel runs on: 2.28 (RHEL 8; Ubuntu 20.04 has 2.31). zig links
# against that glibc whatever the build machine's is.
WHEEL_TAG := manylinux_2_28
SOURCES := Cargo.toml Cargo.lock pyproject.toml $(shell find rust python -type f \( -name '*.rs' -o -name '*.py' -o -name '*.pyi' -o -name py.typed \))

.PHONY: setup system-deps browser-deps venv build-venv build build-release wheel install install-wheel \
	smoke test test-rust test-python lint fmt bench

# A bare Debian machine: system packages, the venv with the dev requirements, and the
# wheel installed in it (built once; `make build` then makes an editable dev build).
setup: system-deps
	$(MAKE) venv install-wheel

# cmake and nasm build libjpeg-turbo into the extension; redis-server runs the Redis tests
# (Debian's is built with TLS), openssl makes their CA and server certificates.
system-deps:
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq cmake nasm redis-server redis-tools openssl >/dev/null

# Debian's Chromium and its driver: the review page's browser test (tests/exports/test_review_browser.py).
browser-deps:
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null

# The venv itself, with what building a wheel needs (maturin, zig).
build-venv:
	test -x $(PY) || python3 -m venv $(VENV_DIR)
	$(PY) -m pip install -q "maturin>=1.9.4,<2" "ziglang>=0.13"

venv: build-venv
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q --no-deps -r requirements-nodeps.txt

# The dev profile optimises dependencies (-O3) and our crate (-O1); `cargo test`
# then reuses the same dependency builds instead of compiling them again.
build:
	$(MATURIN) develop -q

build-release:
	$(MATURIN) develop -q --release

# What `pip install` of prebuilt wheels needs (SPEC §10): one abi3 wheel tagged
# $(WHEEL_TAG) (maturin's audit checks the tag against the symbols it links) and an
# sdist, in dist/. Rebuilt only when a source changed.
wheel: dist/.built

dist/.built: $(SOURCES) | build-venv
	rm -rf dist
	$(MATURIN) build -q --release --zig --compatibility $(WHEEL_TAG) --auditwheel check --out dist
	$(MATURIN) sdist --out dist
	$(PY) .ci/check_wheel.py dist
	touch $@

# The wheel with its model runtime and the sample videos, into $(VENV), from
# binaries only (no Rust, cmake or nasm needed to install it).
install: system-deps
	$(MAKE) wheel install-wheel
	$(PY) -m pip install -q --no-deps -r requirements-nodeps.txt
	@echo "installed into $(VENV_DIR): run $(VENV)/bin/framesieve"

install-wheel: wheel
	$(PY) -m pip install -q --force-reinstall --no-deps dist/framesieve-*.whl
	$(PY) -m pip install -q --only-binary :all: "$$(ls dist/framesieve-*.whl)[models]"

# The built wheel in a fresh venv, binaries only, running the main job.
smoke: wheel
	bash .ci/smoke dist

lint:
	cargo fmt --check
	cargo clippy -q --all-targets -- -D warnings
	cargo clippy -q --all-targets --features python -- -D warnings
	$(VENV_DIR)/bin/ruff check python tests benches .ci
	$(VENV_DIR)/bin/ruff format --check python tests benches .ci
	$(VENV_DIR)/bin/mypy python/framesieve
	$(PY) -m mypy.stubtest framesieve._core

fmt:
	cargo fmt
	$(VENV_DIR)/bin/ruff format python tests benches .ci
	$(VENV_DIR)/bin/ruff check --fix python tests benches .ci

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
