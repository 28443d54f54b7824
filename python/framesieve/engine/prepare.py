"""Worker side of the engine: turning an accepted frame into a :class:`Datapoint`.

Runs on the engine's worker threads, never on the caller's: decoding (for
encoded inputs), resize and JPEG (in Rust, GIL released), per-axis rescaling of
the prediction, the annotation text and the tags (SPEC §4.4–4.7).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from framesieve.destinations.datapoint import Datapoint
from framesieve.engine.admission import Ticket
from framesieve.image import decode, prepare_image, rescale_prediction
from framesieve.predictions import (
    DETECTION_TYPES,
    array_prediction_to_json,
    is_array_prediction,
    is_classification,
)
from framesieve.sampling import Plan, datapoint_tags


@dataclass(slots=True)
class Job:
    """One accepted frame on its way from ``register()`` to the outbox."""

    plan: Plan
    ticket: Ticket
    image: Any
    prediction: Any
    prediction_type: str
    image_name: str | None
    metadata: dict[str, Any] | None
    inference_id: str | None
    auto_orient: bool

    def known(self, datapoint_id: str) -> dict[str, Any]:
        """What a ``failed/`` record says of a frame that never became a datapoint."""
        ticket = self.ticket
        return {
            "id": datapoint_id,
            "batch": ticket.batch,
            "strategy": ticket.strategy,
            "timestamp": ticket.timestamp,
            "prediction_type": self.prediction_type,
            "image_name": self.image_name,
            "inference_id": self.inference_id,
            "metadata": self.metadata,
        }


def annotation_for(
    prediction: dict[str, Any], prediction_type: str, prepared: Any
) -> tuple[str | None, str | None]:
    """The pre-annotation to upload and its extension (SPEC §4.7), or ``(None, None)``.

    Stubs and empty predictions get none. Detection-like types: the prediction
    rescaled per axis to the uploaded image, as JSON. Multi-class classification:
    the top class name (``.txt``). Multi-label classification has no upload format
    in the Roboflow API (the reference raises there): none. Another prediction
    type matched by ``random`` is uploaded as its JSON, as the reference does.
    """
    if prediction.get("is_stub"):
        return None, None
    objects = prediction.get("predictions")
    if not objects and "top" not in prediction:
        return None, None
    if prediction_type in DETECTION_TYPES:
        return json.dumps(rescale_prediction(prediction, prepared, prediction_type)), "json"
    if is_classification(prediction_type):
        if "top" in prediction:
            return str(prediction["top"]), "txt"
        return None, None
    return json.dumps(prediction), "json"


def prepare(
    job: Job, seq: int, datapoint_id: str, model_id: str | None, channel_order: str, class_names: Any
) -> Datapoint:
    """Decodes, resizes, encodes and annotates one accepted frame."""
    plan: Plan = job.plan
    image, order = decode(job.image, channel_order, job.auto_orient)
    prepared = prepare_image(image, max_size=plan.max_size, quality=plan.quality, channel_order=order)
    prediction = job.prediction
    if is_array_prediction(prediction):
        width, height = prepared.original_size
        prediction = array_prediction_to_json(prediction, width, height, class_names)
    annotation, ext = (None, None)
    if plan.persist_predictions:
        annotation, ext = annotation_for(prediction, job.prediction_type, prepared)
    ticket = job.ticket
    tags = datapoint_tags(
        plan.global_tags,
        plan.config_tags,
        plan.strategy_tags.get(ticket.strategy, ()),
        model_id,
        plan.persist_predictions,
    )
    return Datapoint(
        seq=seq,
        id=datapoint_id,
        batch=ticket.batch,
        strategy=ticket.strategy,
        tags=tags,
        jpeg=prepared.jpeg,
        prediction_type=job.prediction_type,
        timestamp=ticket.timestamp,
        original_size=(int(prepared.original_size[0]), int(prepared.original_size[1])),
        size=(int(prepared.size[0]), int(prepared.size[1])),
        annotation=annotation,
        annotation_ext=ext,
        image_name=job.image_name,
        metadata=job.metadata,
        inference_id=job.inference_id,
        model_id=model_id,
    )
