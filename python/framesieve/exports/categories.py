"""Class ids that follow the model, not the order classes first appear in the manifest.

A class keeps the ``class_id`` the model gave it (the most frequent one, should
it vary), so an export trains back into the same head and two exports of the same
dataset agree. A class the model gave no id, or whose id another class already
holds (two models in one dataset), gets the next free id, in name order; each
such move is a warning. Keypoint names are kept per class, at the place of each
keypoint's ``class_id``.
"""

from __future__ import annotations

import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from framesieve.errors import ExportWarning
from framesieve.exports.dataset import Box, Item


@dataclass(frozen=True)
class Categories:
    """``ids``: class name -> class id (0-based); ``keypoints``: class name -> keypoint names."""

    ids: dict[str, int]
    keypoints: dict[str, list[str]] = field(default_factory=dict)

    def names(self) -> list[str]:
        """Names indexed by id; a gap in the model's ids holds ``class_<id>`` so that the
        ids stay the model's (Ultralytics and supervision read ``names`` by position)."""
        size = max(self.ids.values(), default=-1) + 1
        out = [f"class_{i}" for i in range(size)]
        for name, index in self.ids.items():
            out[index] = name
        return out

    def ordered(self) -> list[tuple[int, str]]:
        """``(id, name)`` of the classes present, by id."""
        return sorted((index, name) for name, index in self.ids.items())

    def keypoint_count(self) -> int:
        """The longest skeleton (YOLO pose: one ``kpt_shape`` for every class)."""
        return max((len(names) for names in self.keypoints.values()), default=0)


def slot(keypoint_index: int | None, position: int) -> int:
    """Where a keypoint goes in its class's list: its ``class_id``, else its position."""
    return keypoint_index if keypoint_index is not None else position


def categories(items: Iterable[Item]) -> Categories:
    """The categories of every object of ``items``."""
    ids_seen: dict[str, Counter[int]] = defaultdict(Counter)
    keypoint_names: dict[str, dict[int, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for item in items:
        for box in item.objects:
            ids_seen[box.class_name].update([box.class_id] if box.class_id is not None else [])
            _count_keypoints(box, keypoint_names[box.class_name])
    ids = _assign(ids_seen)
    keypoints = {}
    for name, slots in keypoint_names.items():
        if slots:
            size = max(slots) + 1
            keypoints[name] = [
                slots[i].most_common(1)[0][0] if i in slots else f"keypoint_{i}" for i in range(size)
            ]
    return Categories(ids, keypoints)


def _count_keypoints(box: Box, slots: dict[int, Counter[str]]) -> None:
    for position, keypoint in enumerate(box.keypoints):
        slots[slot(keypoint.index, position)][keypoint.name] += 1


def _assign(ids_seen: dict[str, Counter[int]]) -> dict[str, int]:
    # The preferred id of a class: its most frequent one, the smaller on a tie.
    preferred = {
        name: min(seen, key=lambda i: (-seen[i], i)) if seen else None for name, seen in ids_seen.items()
    }
    ids: dict[str, int] = {}
    taken: dict[int, str] = {}
    later: list[str] = []
    # Classes that use their id most often claim it first; ties go by name.
    for name in sorted(preferred, key=lambda n: (preferred[n] is None, -_uses(ids_seen[n]), n)):
        index = preferred[name]
        if index is None or index in taken:
            later.append(name)
            continue
        ids[name], taken[index] = index, name
    next_free = max(taken, default=-1) + 1
    for name in sorted(later):
        index = preferred[name]
        if index is not None:
            warnings.warn(
                f"classes {taken[index]!r} and {name!r} both have class_id {index}; "
                f"{name!r} is exported as id {next_free}",
                ExportWarning,
                stacklevel=4,
            )
        ids[name], taken[next_free] = next_free, name
        next_free += 1
    return ids


def _uses(seen: Counter[int]) -> int:
    return max(seen.values(), default=0)
