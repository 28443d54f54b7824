"""One collected frame, ready for a destination: JPEG, annotation and metadata."""

from __future__ import annotations

import json
import re
import struct
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any

_MAGIC = b"FSDP"
_HEADER = struct.Struct("<4sI")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: at most this many bytes of UTF-8 in an upload name (SPEC §4.7)
MAX_NAME_BYTES = 200


def upload_name(image_name: str | None, datapoint_id: str) -> str:
    """``<image_name>.jpg`` as Roboflow's dataset-upload block names an upload, else ``<id>.jpg``.

    Only the last path component of ``image_name`` counts, without control characters,
    cut (on a character boundary) so that the whole name is at most 200 bytes of UTF-8;
    a name already ending in ``.jpg`` (any case) gets no second one. A name left empty,
    ``.`` or ``..`` falls back to the id.
    """
    if image_name:
        base = _CONTROL.sub("", re.split(r"[/\\]", image_name)[-1]).strip()
        if base.lower().endswith(".jpg"):
            base = base[:-4]
        raw = base.encode()[: MAX_NAME_BYTES - 4]
        base = raw.decode(errors="ignore")
        if base not in ("", ".", ".."):
            return f"{base}.jpg"
    return f"{datapoint_id}.jpg"


@dataclass(slots=True)
class Datapoint:
    """What the outbox stores and a destination receives.

    ``id`` is chosen once per datapoint; the upload name is ``<image_name>.jpg``
    when an ``image_name`` was given, else ``<id>.jpg`` (:func:`upload_name`); it
    is fixed per datapoint, so a re-upload after a crash is a duplicate on the
    destination, not a second image. ``annotation`` is the text uploaded as pre-annotation (``None``: no
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
        return upload_name(self.image_name, self.id)

    @property
    def annotation_name(self) -> str:
        """The upload's name with the annotation's extension (``cam-000042.json``), as the
        reference names an annotation after its image."""
        return f"{self.upload_name[:-4]}.{self.annotation_ext}"

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
        try:
            header = json.loads(data[_HEADER.size : _HEADER.size + length])
        except (ValueError, RecursionError) as e:
            raise ValueError(f"outbox record: the header is not JSON ({e})") from None
        if not isinstance(header, dict):
            raise ValueError("outbox record: the header is not a JSON object")
        known = {k: v for k, v in header.items() if k in _FIELDS}
        missing = sorted(_REQUIRED - known.keys())
        if missing:
            raise ValueError(f"outbox record: the header lacks {', '.join(missing)}")
        for name, value in known.items():
            if not _TYPES[name](value):
                raise ValueError(f"outbox record: header field {name!r} has an unusable value {value!r:.80}")
        known["jpeg"] = data[_HEADER.size + length :]
        known["tags"] = list(known["tags"])
        known["original_size"] = tuple(known["original_size"])
        known["size"] = tuple(known["size"])
        return cls(**known)


_FIELDS = frozenset(f.name for f in fields(Datapoint)) - {"jpeg"}
_REQUIRED = frozenset(
    f.name for f in fields(Datapoint) if f.default is MISSING and f.default_factory is MISSING
) - {"jpeg"}


def _optional(kind: type | tuple[type, ...]) -> Any:
    return lambda v: v is None or (isinstance(v, kind) and not isinstance(v, bool))


def _pair(v: Any) -> bool:
    return isinstance(v, list | tuple) and len(v) == 2 and all(type(x) is int and x >= 0 for x in v)


# What a usable header value looks like, per field (a record of another version, or
# edited by hand, must fail here with a reason rather than later in a sender).
_TYPES: dict[str, Any] = {
    "seq": lambda v: type(v) is int and v >= 0,
    "id": lambda v: type(v) is str and v != "",
    "batch": lambda v: type(v) is str,
    "strategy": lambda v: type(v) is str,
    "tags": lambda v: isinstance(v, list) and all(type(t) is str for t in v),
    "prediction_type": lambda v: type(v) is str,
    "timestamp": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "original_size": _pair,
    "size": _pair,
    "annotation": _optional(str),
    "annotation_ext": _optional(str),
    "image_name": _optional(str),
    "metadata": _optional(dict),
    "inference_id": _optional(str),
    "model_id": _optional(str),
}
