"""What the engine derives once from a configuration (swapped whole on a config refresh)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from framesieve.errors import InvalidInputError
from framesieve.predictions import array_fields
from framesieve.sampling.batches import BatchNamer
from framesieve.sampling.sampler import Sampler


@dataclass(frozen=True, slots=True)
class Plan:
    """The configuration, in the shapes the hot path wants."""

    enabled: bool
    config: Any
    sampler: Any = None
    # strategy name -> its limits as the limiter takes them, [("minutely", 10), ...]
    limits: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    namer: BatchNamer | None = None
    max_batch_images: int | None = None
    max_size: tuple[int, int] | None = None  # (height, width)
    quality: int = 95
    persist_predictions: bool = False
    global_tags: tuple[str, ...] = ()
    config_tags: tuple[str, ...] = ()
    strategy_tags: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def evaluate_arrays(self, prediction: Any, prediction_type: str) -> list[str]:
        """The matching strategies of array detections (a dict with ``xyxy``, or an object)."""
        _, confidence, class_id, class_name = array_fields(prediction)
        if confidence is None:
            raise InvalidInputError("prediction['confidence']: missing (array detections need it)")
        if class_name is not None:
            return self.sampler.evaluate_detections(
                confidence, class_name=class_name, prediction_type=prediction_type
            )
        return self.sampler.evaluate_detections(
            confidence, class_id=class_id, prediction_type=prediction_type
        )

    def candidates(self, matched: list[str]) -> list[tuple[str, list[tuple[str, int]]]] | None:
        """The limiter's candidates, cut after the first unlimited strategy; ``None``
        when the first matching strategy is unlimited (no limiter call at all)."""
        out: list[tuple[str, list[tuple[str, int]]]] = []
        for name in matched:
            limits = self.limits.get(name, [])
            if not limits:
                if not out:
                    return None
                out.append((name, []))
                return out
            out.append((name, limits))
        return out


def build_plan(config: Any, *, seed: int | None = None, class_names: Any = None) -> Plan:
    """A :class:`Plan` for a loaded :class:`framesieve.Config`."""
    if not config.enabled:
        return Plan(enabled=False, config=config)
    data = config.to_dict()
    batching = data["batching_strategy"]
    strategies = data["sampling_strategies"]
    max_size = data.get("max_image_size")
    return Plan(
        enabled=True,
        config=config,
        sampler=Sampler(config, seed, class_names=class_names),
        limits={
            s["name"]: [(lim["type"], int(lim["value"])) for lim in s.get("limits", [])] for s in strategies
        },
        namer=BatchNamer(batching["batches_name_prefix"], batching["recreation_interval"]),
        max_batch_images=batching.get("max_batch_images"),
        max_size=(int(max_size[0]), int(max_size[1])) if max_size else None,
        quality=int(data.get("jpeg_compression_level", 95)),
        persist_predictions=bool(data.get("persist_predictions", False)),
        global_tags=tuple(getattr(config, "global_tags", ())),
        config_tags=tuple(data.get("tags", ())),
        strategy_tags={s["name"]: tuple(s.get("tags", ())) for s in strategies},
    )
