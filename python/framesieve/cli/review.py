"""``framesieve review DATASET -o OUT.html``: a page to look at what was collected."""

from __future__ import annotations

import argparse
from pathlib import Path

from framesieve.cli.common import EXIT_OK
from framesieve.cli.export import report

EPILOG = """\
examples:
  framesieve review ./collected                      # ./collected/review.html
  framesieve review ./collected -o today.html --batch al_2026_12_02
  framesieve review ./collected -o mail.html --embed # the images inside the page

The page works from disk (file://) in any browser, without a server or network:
boxes, classes and confidences drawn over every image, strategy, batch, tags and
provenance beneath, filters by strategy and batch, images per strategy.
exit status: 0 written; 2 DATASET is not a dataset, the batch is unknown, or OUT
cannot be written (one line on stderr, nothing written).
"""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Registers ``review``."""
    review = subparsers.add_parser(
        "review",
        help="write a static HTML page showing every collected image with its predictions",
        description="Write a static HTML page of a local dataset (SPEC §8).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    review.add_argument("dataset", metavar="DATASET", help="the local dataset folder (holds manifest.jsonl)")
    review.add_argument("-o", "--output", metavar="OUT.html", help="default: DATASET/review.html")
    review.add_argument("--batch", metavar="B", help="only this batch")
    review.add_argument(
        "--embed",
        action="store_true",
        help="put the images inside the page (one portable file) instead of linking them",
    )
    review.set_defaults(handler=run_review)


def run_review(args: argparse.Namespace) -> int:
    from framesieve.exports import write_review

    output = args.output or str(Path(args.dataset) / "review.html")
    status, summary = report(
        "review", lambda: write_review(args.dataset, output, batch=args.batch, embed=args.embed)
    )
    if status == EXIT_OK:
        print(f"{summary.images} images, {summary.objects} objects -> {summary.output}")
    return status
