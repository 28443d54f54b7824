"""The embedded default destination: a dataset folder on the local disk.

Layout::

    <root>/<batch>/images/<id>.jpg
    <root>/<batch>/annotations/<id>.json      (or .txt: multi-class classification, as uploaded)
    <root>/manifest.jsonl                     one JSON line per datapoint

Every file is written atomically. Batch names and datapoint ids become single
path components made of ``A-Z a-z 0-9 . _ -`` (anything else becomes ``_``, a
leading dot too; a batch named like the manifest gets a leading ``_``), every
path is checked to lie inside ``<root>``, and the manifest is never a symlink;
``image_name`` is recorded in the manifest only (its last path component,
without control characters), never used as a path.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from pathlib import Path
from typing import Any

from framesieve._util.atomic import write_atomic
from framesieve.destinations.base import Delivery
from framesieve.destinations.datapoint import Datapoint
from framesieve.errors import InvalidInputError, PermanentDeliveryError

MANIFEST = "manifest.jsonl"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_component(name: str, *, limit: int = 200) -> str:
    """``name`` as one harmless path component (never empty, ``.`` or ``..``)."""
    clean = _UNSAFE.sub("_", name)[:limit]
    if clean.startswith("."):
        clean = "_" + clean[1:]
    return clean or "_"


def safe_image_name(name: str | None) -> str | None:
    """The last component of a user's ``image_name``, without control characters."""
    if name is None:
        return None
    base = re.split(r"[/\\]", str(name))[-1]
    base = _CONTROL.sub("", base)[:255]
    return base if base not in ("", ".", "..") else None


def _batch_component(batch: str) -> str:
    component = safe_component(batch)
    return "_" + component if component == MANIFEST else component


class LocalDataset:
    """Writes datapoints under ``path`` and nowhere else (see the module docstring)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.root = Path(path).resolve()
        if self.root.exists() and not self.root.is_dir():
            raise InvalidInputError(f"local dataset: {str(self.root)!r} exists and is not a folder")
        self.root.mkdir(parents=True, exist_ok=True)
        self._manifest = self.root / MANIFEST
        if self._manifest.is_symlink():
            raise InvalidInputError(
                f"local dataset: {str(self._manifest)!r} is a symlink; refusing to write through it"
            )
        self._lock = threading.Lock()

    @property
    def key(self) -> str:
        return "local-" + hashlib.sha256(str(self.root).encode()).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"LocalDataset({str(self.root)!r})"

    def _inside(self, path: Path) -> Path:
        resolved = path.resolve()
        if resolved != self.root and self.root not in resolved.parents:
            raise PermanentDeliveryError(f"local dataset: refusing to write outside {str(self.root)!r}")
        return path

    def batch_dir(self, batch: str) -> Path:
        return self._inside(self.root / _batch_component(batch))

    def deliver(self, datapoint: Datapoint, progress: dict[str, Any], save_progress: Any) -> Delivery:
        """Writes image, annotation, then the manifest line (once, also when re-delivered)."""
        batch_dir = self.batch_dir(datapoint.batch)
        ident = safe_component(datapoint.id)
        images, annotations = batch_dir / "images", batch_dir / "annotations"
        image_path = self._inside(images / f"{ident}.jpg")
        again = image_path.exists()
        try:
            images.mkdir(parents=True, exist_ok=True)
            write_atomic(image_path, datapoint.jpeg)
            annotation_rel = None
            if datapoint.annotation is not None:
                annotations.mkdir(parents=True, exist_ok=True)
                ext = safe_component(datapoint.annotation_ext or "json")
                annotation_path = self._inside(annotations / f"{ident}.{ext}")
                write_atomic(annotation_path, datapoint.annotation.encode())
                annotation_rel = annotation_path.relative_to(self.root).as_posix()
            line = {
                "id": datapoint.id,
                "batch": datapoint.batch,
                "strategy": datapoint.strategy,
                "tags": datapoint.tags,
                "image_name": safe_image_name(datapoint.image_name),
                "metadata": datapoint.metadata,
                "inference_id": datapoint.inference_id,
                "model_id": datapoint.model_id,
                "timestamp": datapoint.timestamp,
                "prediction_type": datapoint.prediction_type,
                "original_size": list(datapoint.original_size),
                "size": list(datapoint.size),
                "image": image_path.relative_to(self.root).as_posix(),
                "annotation": annotation_rel,
            }
            with self._lock:
                if again and datapoint.id in self.manifest_ids():
                    return Delivery(duplicate=False, image_id=datapoint.id)
                self._append(json.dumps(line, ensure_ascii=False).encode() + b"\n")
        except OSError as e:
            raise PermanentDeliveryError(f"local dataset: cannot write {datapoint.id}: {e}") from None
        return Delivery(duplicate=False, image_id=datapoint.id)

    def _append(self, data: bytes) -> None:
        # O_NOFOLLOW: a symlink put there meanwhile is refused (ELOOP), never written through
        fd = os.open(self._manifest, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        with open(fd, "a+b") as f:
            end = f.seek(0, os.SEEK_END)
            if end:
                f.seek(end - 1)
                if f.read(1) != b"\n":  # a line torn by a crash: keep it apart from ours
                    data = b"\n" + data
            f.write(data)
            f.flush()
            os.fsync(f.fileno())

    def manifest_ids(self) -> set[str]:
        """Ids of the datapoints in the manifest."""
        return {entry["id"] for entry in self.manifest()}

    def manifest(self) -> list[dict[str, Any]]:
        """The manifest's entries, in order (a torn last line after a crash is skipped)."""
        if not self._manifest.exists():
            return []
        out = []
        with open(self._manifest, encoding="utf-8") as f:
            for raw in f:
                try:
                    out.append(json.loads(raw))
                except ValueError:
                    continue
        return out

    def batch_image_count(self, batch: str) -> int | None:
        folder = self.root / _batch_component(batch) / "images"
        return sum(1 for _ in folder.glob("*.jpg")) if folder.is_dir() else 0

    def close(self) -> None:
        pass
