"""``framesieve export coco|yolo|voc|labelstudio DATASET -o OUT``: a local dataset for other tools."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Callable
from typing import Any

from framesieve.cli.common import EXIT_INVALID, EXIT_OK
from framesieve.errors import ExportError, ExportWarning

FORMATS: dict[str, tuple[str, str]] = {
    "coco": (
        "COCO detection JSON (boxes, polygons, keypoints)",
        "framesieve export coco ./collected -o coco.json",
    ),
    "yolo": (
        "Ultralytics YOLO folder: images/, labels/*.txt, data.yaml",
        "framesieve export yolo ./collected -o ./yolo",
    ),
    "voc": (
        "Pascal VOC folder: JPEGImages/, Annotations/*.xml",
        "framesieve export voc ./collected -o ./voc",
    ),
    "labelstudio": (
        "Label Studio tasks JSON with predictions, and a labeling config",
        "framesieve export labelstudio ./collected -o tasks.json",
    ),
}

EPILOG = """\
example:
  {example}

Boxes, polygons and keypoints are clipped to the image; class ids are the model's.
exit status: 0 written; 2 DATASET is not a dataset, the batch is unknown, or OUT
cannot be written (one line on stderr, nothing written).
"""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Registers ``export FORMAT``."""
    export = subparsers.add_parser(
        "export",
        help="export a local dataset for labeling and training tools",
        description="Export a local dataset folder written by framesieve (SPEC §8).",
    )
    formats = export.add_subparsers(dest="export_format", metavar="FORMAT", required=True)
    for name, (text, example) in FORMATS.items():
        sub = formats.add_parser(
            name,
            help=text,
            description=f"Write the dataset as {text}.",
            epilog=EPILOG.format(example=example),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.add_argument("dataset", metavar="DATASET", help="the local dataset folder (holds manifest.jsonl)")
        if name == "coco":
            sub.add_argument("-o", "--output", metavar="OUT", help="the JSON file (default: stdout)")
        else:
            what = "the JSON file" if name == "labelstudio" else "the folder to create (absent or empty)"
            sub.add_argument("-o", "--output", metavar="OUT", required=True, help=what)
        sub.add_argument("--batch", metavar="B", help="only this batch")
        if name in ("yolo", "voc"):
            sub.add_argument("--link", action="store_true", help="hard-link the images instead of copying")
        if name == "labelstudio":
            sub.add_argument(
                "--image-root-url",
                metavar="URL",
                default="/data/local-files/?d=",
                help="prefix of data.image before the image's path in DATASET (default: Label Studio's "
                "local files, with LOCAL_FILES_DOCUMENT_ROOT=DATASET)",
            )
        sub.set_defaults(handler=run_export)


def report(command: str, work: Callable[[], Any]) -> tuple[int, Any]:
    """Runs ``work``: warnings go to stderr as ``warning: ...``, an ExportError (or a missing
    optional package) as one line; returns the exit status and what ``work`` returned."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ExportWarning)
        try:
            result = work()
        except (ExportError, ImportError) as err:
            # Only the error: nothing was written, so what would have been left out is moot.
            print(f"framesieve {command}: {_one_line(err)}", file=sys.stderr)
            return EXIT_INVALID, None
    for warning in caught:
        if issubclass(warning.category, ExportWarning):
            print(f"warning: {_one_line(warning.message)}", file=sys.stderr)
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return EXIT_OK, result


def _one_line(message: object) -> str:
    return " ".join(str(message).split())


def run_export(args: argparse.Namespace) -> int:
    from framesieve import exports

    fmt = args.export_format
    options: dict[str, Any] = {"batch": args.batch}
    if fmt in ("yolo", "voc"):
        options["link"] = args.link
    if fmt == "labelstudio":
        options["image_root_url"] = args.image_root_url
    if fmt == "coco":
        status, coco = report("export", lambda: exports.export_coco(args.dataset, args.output, **options))
        if status == EXIT_OK:
            if args.output is None:
                json.dump(coco, sys.stdout)
                sys.stdout.write("\n")
            else:
                print(
                    f"{len(coco['images'])} images, {len(coco['annotations'])} annotations -> {args.output}"
                )
        return status
    writer: dict[str, Callable[..., exports.ExportSummary]] = {
        "yolo": exports.export_yolo,
        "voc": exports.export_voc,
        "labelstudio": exports.export_labelstudio,
    }
    status, summary = report("export", lambda: writer[fmt](args.dataset, args.output, **options))
    if status == EXIT_OK:
        print(f"{summary.images} images, {summary.objects} objects -> {summary.output} ({fmt})")
    return status
