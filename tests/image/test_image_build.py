"""libjpeg-turbo is compiled into the extension: no system JPEG library at run time."""

import shutil
import subprocess

import framesieve._core


def test_extension_links_no_jpeg_library():
    ldd = shutil.which("ldd")
    assert ldd is not None, "ldd is needed to check the extension's dynamic dependencies"
    out = subprocess.run([ldd, framesieve._core.__file__], capture_output=True, text=True, check=True).stdout
    libraries = [line.split()[0] for line in out.splitlines() if line.strip()]
    assert libraries, out
    assert not [lib for lib in libraries if "jpeg" in lib.lower()], out


def test_extension_contains_libjpeg_turbo():
    with open(framesieve._core.__file__, "rb") as f:
        binary = f.read()
    # libjpeg-turbo's own error strings are inside the extension's binary.
    assert b"libjpeg-turbo" in binary or b"TurboJPEG" in binary
