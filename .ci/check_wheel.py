"""Checks what `make wheel` left in dist/: one portable abi3 wheel and an sdist (SPEC §10).

The wheel's tag must be manylinux_2_28 or older, its extension must link nothing
beyond the libraries every manylinux system has (libjpeg-turbo is compiled in),
and no symbol may need a glibc newer than 2.28. Exits 1 naming what is wrong.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

MAX_GLIBC = (2, 28)
# PEP 600: the libraries a manylinux wheel may assume on the system.
ALLOWED = {
    "libc.so.6",
    "libm.so.6",
    "libdl.so.2",
    "libpthread.so.0",
    "librt.so.1",
    "libgcc_s.so.1",
    "ld-linux-x86-64.so.2",
    "ld-linux-aarch64.so.1",
}
TAG = re.compile(r"-cp3\d+-abi3-(?P<platform>[a-z0-9_.]+)\.whl$")
MANYLINUX = re.compile(r"manylinux_(\d+)_(\d+)_|manylinux2014_")


def problems_of_wheel(wheel: Path) -> list[str]:
    found = TAG.search(wheel.name)
    if found is None:
        return [f"{wheel.name}: not an abi3 wheel (expected -cp3X-abi3-<platform>.whl)"]
    out = []
    tags = found["platform"].split(".")
    versions = [m for t in tags if (m := MANYLINUX.match(t + "_"))]
    if not versions:
        out.append(f"{wheel.name}: no manylinux platform tag ({found['platform']})")
    for m in versions:
        if m.group(1) and (int(m.group(1)), int(m.group(2))) > MAX_GLIBC:
            out.append(f"{wheel.name}: tag {m.group(0).rstrip('_')} needs a glibc newer than 2.28")
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if n.endswith(".so")]
        if names != ["framesieve/_core.abi3.so"]:
            out.append(f"{wheel.name}: expected one extension framesieve/_core.abi3.so, got {names}")
        for name in names:
            path = Path(archive.extract(name, tmp))
            dynamic = subprocess.run(
                ["readelf", "-d", "-W", path], capture_output=True, text=True, check=True
            )
            needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic.stdout))
            if extra := needed - ALLOWED:
                out.append(f"{name}: links libraries a manylinux system may lack: {sorted(extra)}")
            symbols = subprocess.run(
                ["readelf", "--dyn-syms", "-W", path], capture_output=True, text=True, check=True
            )
            glibc = {tuple(map(int, v.split("."))) for v in re.findall(r"@GLIBC_([0-9.]+)", symbols.stdout)}
            if glibc and max(glibc) > MAX_GLIBC:
                out.append(f"{name}: needs GLIBC_{'.'.join(map(str, max(glibc)))} (> 2.28)")
    return out


def problems_of_sdist(sdist: Path) -> list[str]:
    with tarfile.open(sdist) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    needed = {"Cargo.toml", "Cargo.lock", "pyproject.toml", "rust/lib.rs", "python/framesieve/__init__.py"}
    missing = sorted(needed - names)
    return [f"{sdist.name}: lacks {missing}"] if missing else []


def main(dist: str) -> int:
    folder = Path(dist)
    wheels, sdists = sorted(folder.glob("*.whl")), sorted(folder.glob("*.tar.gz"))
    problems = []
    if len(wheels) != 1 or len(sdists) != 1:
        problems.append(
            f"{dist}: expected one wheel and one sdist, got {[p.name for p in [*wheels, *sdists]]}"
        )
    for wheel in wheels:
        problems += problems_of_wheel(wheel)
    for sdist in sdists:
        problems += problems_of_sdist(sdist)
    for problem in problems:
        print(f"check_wheel: {problem}", file=sys.stderr)
    if not problems:
        print(f"check_wheel: {', '.join(p.name for p in [*wheels, *sdists])}: ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "dist"))
