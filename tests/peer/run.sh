#!/usr/bin/env bash
# `make peer`: the conformance suite (tests/peer/) against the real Roboflow inference 1.8.3.
#
# inference lives in its own venv, outside the work tree and its test path, so that it is kept
# between runs on the same machine even though CI runs in a fresh clone:
# $FRAMESIEVE_PEER_VENV, default ~/.cache/framesieve/peer-venv (about 5 GB: torch's CUDA libraries).
# It is built from requirements-peer.txt with --no-deps (into a temporary folder, then moved into
# place) and rebuilt only when that file or the Python interpreter changes. A failed install fails
# this script (set -e): the suite is never skipped.
#
# framesieve goes into it as a built wheel, not `pip install -e`: the wheel is what users install,
# and an editable install would need maturin and a Rust build inside the peer venv. The wheel of
# dist/ (`make wheel`, as CI does), or the last one built here, is used when it is newer than every
# source file; otherwise a fresh one is built into .peer/dist with the dev venv's maturin (a dev
# build, reusing its cargo cache).
set -euo pipefail
cd "$(dirname "$0")/../.."

PEER=.peer  # this checkout's framesieve wheel (gitignored)
PEER_VENV=${FRAMESIEVE_PEER_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/framesieve/peer-venv}
VENV_DIR=${VENV:-.venv}
PYTHON=${PEER_PYTHON:-python3}
stamp="$(sha256sum requirements-peer.txt | cut -d' ' -f1) $("$PYTHON" -c 'import sys; print(sys.version)')"

if [ ! -x "$PEER_VENV/bin/python" ] || [ "$(cat "$PEER_VENV/.stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "peer: building $PEER_VENV from requirements-peer.txt (a few minutes, cached afterwards)"
    building="$PEER_VENV.building-$$"
    rm -rf "$building"
    mkdir -p "$(dirname "$PEER_VENV")"
    "$PYTHON" -m venv "$building"
    "$building/bin/python" -m pip install -q --no-deps -r requirements-peer.txt
    echo "$stamp" > "$building/.stamp"
    rm -rf "$PEER_VENV"
    mv "$building" "$PEER_VENV"
fi

wheel=$(ls -t dist/framesieve-*.whl "$PEER"/dist/framesieve-*.whl 2>/dev/null | head -n 1 || true)
if [ -z "$wheel" ] || [ -n "$(find python rust Cargo.toml pyproject.toml -newer "$wheel" -print -quit)" ]; then
    rm -rf "$PEER/dist"
    "$VENV_DIR/bin/maturin" build -q -o "$PEER/dist"
    wheel=$(ls -t "$PEER"/dist/framesieve-*.whl | head -n 1)
fi
echo "peer: framesieve from $wheel"
"$PEER_VENV/bin/python" -m pip install -q --no-deps --force-reinstall "$wheel"

# -p no:anyio: anyio's pytest plugin imports a name pytest 9 deprecates (an error under
# filterwarnings = error); the suite has no async test.
FRAMESIEVE_PEER=1 "$PEER_VENV/bin/python" -m pytest -q -p no:cacheprovider -p no:anyio tests/peer "$@"
