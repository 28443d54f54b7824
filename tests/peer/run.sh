#!/usr/bin/env bash
# `make peer`: the conformance suite (tests/peer/) against the real Roboflow inference 1.8.3.
#
# inference lives in its own venv, .peer/venv (gitignored, outside the test path), built from
# requirements-peer.txt with --no-deps and kept between runs on the same machine: it is rebuilt
# only when that file or the Python interpreter changes. A failed install fails this script
# (set -e): the suite is never skipped.
#
# framesieve goes into it as a built wheel, not `pip install -e`: the wheel is what users install,
# and an editable install would need maturin and a Rust build inside the peer venv. The wheel of
# dist/ (`make wheel`, as CI does), or the last one built here, is used when it is newer than every
# source file; otherwise a fresh one is built into .peer/dist with the dev venv's maturin (a dev
# build, reusing its cargo cache).
set -euo pipefail
cd "$(dirname "$0")/../.."

PEER=.peer
VENV_DIR=${VENV:-.venv}
PYTHON=${PEER_PYTHON:-python3}
stamp="$(sha256sum requirements-peer.txt | cut -d' ' -f1) $("$PYTHON" -c 'import sys; print(sys.version)')"

if [ ! -x "$PEER/venv/bin/python" ] || [ "$(cat "$PEER/venv/.stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "peer: building $PEER/venv from requirements-peer.txt (a few minutes, cached afterwards)"
    rm -rf "$PEER/venv"
    "$PYTHON" -m venv "$PEER/venv"
    "$PEER/venv/bin/python" -m pip install -q --no-deps -r requirements-peer.txt
    echo "$stamp" > "$PEER/venv/.stamp"
fi

wheel=$(ls -t dist/framesieve-*.whl "$PEER"/dist/framesieve-*.whl 2>/dev/null | head -n 1 || true)
if [ -z "$wheel" ] || [ -n "$(find python rust Cargo.toml pyproject.toml -newer "$wheel" -print -quit)" ]; then
    rm -rf "$PEER/dist"
    "$VENV_DIR/bin/maturin" build -q -o "$PEER/dist"
    wheel=$(ls -t "$PEER"/dist/framesieve-*.whl | head -n 1)
fi
echo "peer: framesieve from $wheel"
"$PEER/venv/bin/python" -m pip install -q --no-deps --force-reinstall "$wheel"

# -p no:anyio: anyio's pytest plugin imports a name pytest 9 deprecates (an error under
# filterwarnings = error); the suite has no async test.
FRAMESIEVE_PEER=1 "$PEER/venv/bin/python" -m pytest -q -p no:cacheprovider -p no:anyio tests/peer "$@"
