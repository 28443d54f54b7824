"""``framesieve review``: one static HTML page to look at what was collected.

The page needs no server and loads nothing from the network (its Content
Security Policy forbids it): the data is a JSON block inside it, the style and
script are inline, and each image is a path relative to the page (or, with
``embed``, the JPEG itself as a ``data:`` URI, so that the page can be mailed).
Every image has its boxes, polygons and keypoints drawn over it (SVG), with class
and confidence; strategy, batch, tags and provenance (``image_name``,
``metadata``, time, model, sizes) beneath; filters by strategy and batch; a bar
chart of the images per strategy.
"""

from __future__ import annotations

import base64
import html
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from framesieve.errors import ExportError
from framesieve.exports.dataset import Dataset, Item, read_dataset
from framesieve.exports.output import ExportSummary, check_file, write_file
from framesieve.exports.review_assets import CSS, JS

#: Content Security Policy of the page: images from disk or inline, inline style and script, no network.
CSP = "default-src 'none'; img-src file: data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
NO_STRATEGY = "(none)"


def write_review(
    root: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    batch: str | None = None,
    embed: bool = False,
) -> ExportSummary:
    """Writes the review page of the dataset at ``root`` (one ``batch``, or all) to ``output``."""
    dataset = read_dataset(Path(root), batch)
    out = check_file(output)
    page = review_page(dataset, out.resolve().parent, embed=embed)
    write_file(out, page.encode())
    return ExportSummary("review", out, len(dataset.items), sum(len(i.objects) for i in dataset.items))


def review_page(dataset: Dataset, page_dir: Path, *, embed: bool = False) -> str:
    """The page's HTML; image paths are relative to ``page_dir``, where the page will be."""
    data = review_data(dataset, page_dir, embed=embed)
    title = f"framesieve review: {dataset.root.name}" + (f" ({dataset.batch})" if dataset.batch else "")
    count = len(data["items"])
    objects = sum(len(item["objects"]) for item in data["items"])
    summary = (
        f"{count} image{'s' if count != 1 else ''}, {objects} object{'s' if objects != 1 else ''}, "
        f"{len(data['classes'])} classes, {len(data['batches'])} batches, from {dataset.root}"
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{CSS}</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<div class="summary">{html.escape(summary)}</div>
<div class="top">
<div class="controls">
<label>strategy <select id="strategy"><option value="">all</option></select></label>
<label>batch <select id="batch"><option value="">all</option></select></label>
<div id="shown"></div>
</div>
<div id="chart"></div>
</div>
<div id="grid"></div>
<button id="more" hidden>show more</button>
<script type="application/json" id="review-data">{script_json(data)}</script>
<script>{JS}</script>
</body>
</html>
"""


def script_json(value: Any) -> str:
    """JSON that can sit inside a ``<script>`` element: no ``<``, ``>`` or ``&`` left to
    end the element or open a comment, whatever the dataset's strings hold."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except ValueError:  # NaN/Infinity: JSON.parse would reject the whole page
        raise ExportError("the manifest holds a number that is not finite (NaN or Infinity)") from None
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def review_data(dataset: Dataset, page_dir: Path, *, embed: bool = False) -> dict[str, Any]:
    """What the page's script shows: one record per image, and the filter values."""
    # In the order they were collected (video time when given), not of delivery.
    ordered = sorted(dataset.items, key=lambda item: (_time(item.entry) or 0.0, item.line))
    items = [_record(item, page_dir, embed) for item in ordered]
    return {
        "items": items,
        "strategies": list(dict.fromkeys(record["strategy"] or NO_STRATEGY for record in items)),
        "batches": list(dict.fromkeys(record["batch"] for record in items)),
        "classes": sorted({o["c"] for record in items for o in record["objects"]}),
    }


def _record(item: Item, page_dir: Path, embed: bool) -> dict[str, Any]:
    entry = item.entry
    return {
        "id": item.id,
        "src": _source(item, page_dir, embed),
        "w": item.width,
        "h": item.height,
        "orig": entry.get("original_size"),
        "batch": item.batch,
        "strategy": item.strategy,
        "tags": list(item.tags),
        "name": entry.get("image_name"),
        "meta": entry.get("metadata") if isinstance(entry.get("metadata"), dict) else None,
        "time": _time(entry),
        "model": entry.get("model_id"),
        "inference_id": entry.get("inference_id"),
        "type": item.prediction_type,
        "label": item.label,
        "objects": [
            {
                "c": box.class_name,
                "p": box.confidence,
                "b": [box.x1, box.y1, box.x2, box.y2],
                "poly": [list(p) for p in box.polygon] if box.polygon else None,
                "kp": [[k.x, k.y, k.name] for k in box.keypoints],
            }
            for box in item.objects
        ],
    }


def _time(entry: dict[str, Any]) -> float | None:
    value = entry.get("timestamp")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _source(item: Item, page_dir: Path, embed: bool) -> str:
    if embed:
        try:
            data = item.image.read_bytes()
        except OSError as e:
            raise ExportError(f"cannot read {item.image_rel}: {e.strerror or e}") from None
        return "data:image/jpeg;base64," + base64.b64encode(data).decode()
    return quote(Path(os.path.relpath(item.image, page_dir)).as_posix())
