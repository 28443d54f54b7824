"""One collected frame, ready for a destination: JPEG, annotation and metadata."""

from __future__ import annotations

import json
import struct
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any

_MAGIC = b"FSDP"
_HEADER = struct.Struct("<4sI")


@dataclass(slots=True)
class Datapoint:
    """What the outbox stores and a destination receives.

    ``id`` is chosen once per datapoint; the upload name is ``<id>.jpg``, so a
    re-upload after a crash is a duplicate on the destination, not a second
    image. ``annotation`` is the text uploaded as pre-annotation (``None``: no
    annotation), ``annotation_ext`` its file extension (``json`` or ``txt``).
    """

    seq: int
    id: str
    batch: str
    strategy: str
    tags: list[str]
    jpeg: bytes = field(repr=False)
    prediction_type: str
    timestamp: float
    original_size: tuple[int, int]
    size: tuple[int, int]
    annotation: str | None = field(default=None, repr=False)
    annotation_ext: str | None = None
    image_name: str | None = None
    metadata: dict[str, Any] | None = None
    inference_id: str | None = None
    model_id: str | None = None

    @property
    def upload_name(self) -> str:
        return f"{self.id}.jpg"

    @property
    def annotation_name(self) -> str:
        return f"{self.id}.{self.annotation_ext}"

    def header(self) -> dict[str, Any]:
        out = asdict(self)
        del out["jpeg"]
        return out

    def to_bytes(self) -> bytes:
        """The outbox record: magic, header length, JSON header, JPEG."""
        header = json.dumps(self.header(), separators=(",", ":"), ensure_ascii=False).encode()
        return _HEADER.pack(_MAGIC, len(header)) + header + self.jpeg

    @classmethod
    def from_bytes(cls, data: bytes) -> Datapoint:
        """A record written by :meth:`to_bytes`; ``ValueError`` naming what is wrong otherwise.

        Keys of the header this version does not know (a newer or older version's
        record) are ignored; a missing one that has no default is an error.
        """
        if len(data) < _HEADER.size:
            raise ValueError("outbox record: truncated header")
        magic, length = _HEADER.unpack_from(data)
        if magic != _MAGIC or _HEADER.size + length > len(data):
            raise ValueError("outbox record: not a framesieve datapoint")
        header = json.loads(data[_HEADER.size : _HEADER.size + length])
        if not isinstance(header, dict):
            raise ValueError("outbox record: the header is not a JSON object")
        known = {k: v for k, v in header.items() if k in _FIELDS}
        missing = sorted(_REQUIRED - known.keys())
        if missing:
            raise ValueError(f"outbox record: the header lacks {', '.join(missing)}")
        known["jpeg"] = data[_HEADER.size + length :]
        known["tags"] = list(known["tags"])
        known["original_size"] = tuple(known["original_size"])
        known["size"] = tuple(known["size"])
        return cls(**known)


_FIELDS = frozenset(f.name for f in fields(Datapoint)) - {"jpeg"}
_REQUIRED = frozenset(
    f.name for f in fields(Datapoint) if f.default is MISSING and f.default_factory is MISSING
) - {"jpeg"}
