"""``framesieve export coco ROOT``: a local dataset as COCO detection JSON."""

from __future__ import annotations

import argparse
import json
import sys

from framesieve.cli.common import EXIT_INVALID, EXIT_OK
from framesieve.destinations.coco import export_coco


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Registers ``export coco``."""
    export = subparsers.add_parser(
        "export",
        help="export a local dataset for labeling tools",
        description="Export a local dataset folder written by framesieve.",
    )
    formats = export.add_subparsers(dest="export_format", metavar="FORMAT", required=True)
    coco = formats.add_parser(
        "coco",
        help="COCO detection JSON (boxes, polygons, keypoints)",
        description="Write the dataset's detections as COCO JSON; file_name is relative to ROOT.",
        epilog="example:\n  framesieve export coco ./dataset -o ./dataset/coco.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    coco.add_argument("root", metavar="ROOT", help="the local dataset folder (holds manifest.jsonl)")
    coco.add_argument("-o", "--output", help="output file (default: stdout)")
    coco.add_argument("--batch", help="only this batch")
    coco.set_defaults(handler=run_coco)


def run_coco(args: argparse.Namespace) -> int:
    try:
        result = export_coco(args.root, args.output, batch=args.batch)
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INVALID
    if args.output is None:
        json.dump(result, sys.stdout)
        sys.stdout.write("\n")
    else:
        print(f"{len(result['images'])} images, {len(result['annotations'])} annotations -> {args.output}")
    return EXIT_OK
