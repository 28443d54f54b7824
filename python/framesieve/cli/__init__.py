"""The ``framesieve`` command line.

Each command group lives in its own module exposing ``add_parser(subparsers)``, which
registers its subcommands with a ``handler(args) -> int`` default; :func:`main` only
dispatches. Adding a command = one module plus one line in :data:`COMMAND_GROUPS`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence

# OpenCV and its FFmpeg backend print "[ WARN ..." lines on stderr before our own clear
# messages; the CLI reports problems itself. Set before cv2 is imported (a user's own
# setting wins).
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

from framesieve import __version__
from framesieve.cli import config, export, review, run

#: ``add_parser(subparsers)`` of every command group, in the order ``--help`` lists them.
COMMAND_GROUPS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = [
    run.add_parser,
    config.add_parser,
    export.add_parser,
    review.add_parser,
]

EPILOG = """\
examples:
  framesieve run --source sample:bikes          # stub model, random 10%, into ./collected
  framesieve config validate examples/config.json
  framesieve review ./collected                 # a page of what was collected
  framesieve export yolo ./collected -o ./yolo  # also coco, voc, labelstudio

exit status: 0 on success, 2 on a usage or configuration error; each command's
--help lists its others (run: 1, 3, 130/143; config get/set: 3 refused, 4 unreachable).
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="framesieve",
        description="Pick the frames worth labeling from production computer-vision inference.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"framesieve {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add_parser in COMMAND_GROUPS:
        add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit status (0 ok, 2 usage error, others per command)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse exits on --help and on usage errors
        return exit_.code if isinstance(exit_.code, int) else 2
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)
