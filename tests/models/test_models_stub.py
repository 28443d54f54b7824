"""The stub model of a project without a trained model (`<project>/0`)."""

from __future__ import annotations

import numpy as np
import pytest

from framesieve import InvalidInputError, InvalidTypeError
from framesieve.models import Model, StubModel, load_model


def test_project_zero_is_the_stub():
    model = load_model("my-project/0")
    assert isinstance(model, StubModel)
    assert isinstance(model, Model)
    frame = np.zeros((4, 6, 3), np.uint8)
    result = model.predict(frame)
    assert set(result) == {"is_stub", "model_id", "task_type", "time"}
    assert result["is_stub"] is True
    assert result["model_id"] == "my-project/0"
    assert result["task_type"] == "object-detection"
    assert isinstance(result["time"], float) and result["time"] >= 0
    assert model.provider == "none"
    assert len(model.predict_arrays(frame)) == 0
    assert [r["model_id"] for r in model.predict_batch([frame, frame])] == ["my-project/0"] * 2


def test_stub_task_type_and_errors():
    assert load_model("p/0", task_type="classification").predict(np.zeros((2, 2), np.uint8))["task_type"] == (
        "classification"
    )
    with pytest.raises(InvalidInputError, match="task_type"):
        StubModel("p/0", task_type="segmentation-ish")
    with pytest.raises(InvalidTypeError, match="uint8"):
        StubModel("p/0").predict(np.zeros((2, 2, 3), np.float64))
    with pytest.raises(InvalidInputError, match="neither"):
        load_model("not a model")
