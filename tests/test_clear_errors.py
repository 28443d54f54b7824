"""Bad input that used to surface as an unrelated Python error (OverflowError,
AttributeError, UnicodeEncodeError, a TurboJPEG message) gets an exception that names it."""

from __future__ import annotations

import re

import numpy as np
import pytest

import framesieve as fs
from framesieve.image import prepare_image, rescale_prediction

BASE = {
    "enabled": True,
    "persist_predictions": True,
    "batching_strategy": {"batches_name_prefix": "al", "recreation_interval": "never"},
    "sampling_strategies": [{"name": "a", "type": "random", "traffic_percentage": 0.5}],
}


def test_rescale_without_a_prepared_image_names_it():
    with pytest.raises(fs.InvalidTypeError, match="PreparedImage"):
        rescale_prediction({"predictions": []}, None, "object-detection")


def test_a_quality_beyond_any_int_is_out_of_range_not_the_wrong_type():
    with pytest.raises(fs.InvalidInputError, match="out of range"):
        prepare_image(np.zeros((4, 4, 3), np.uint8), quality=2**70)


@pytest.mark.parametrize(
    ("path", "change"),
    [
        (
            "sampling_strategies[0].name",
            {"sampling_strategies": [{**BASE["sampling_strategies"][0], "name": "a\udc80"}]},
        ),
        (
            "batching_strategy.batches_name_prefix",
            {"batching_strategy": {"batches_name_prefix": "al\ud800", "recreation_interval": "never"}},
        ),
    ],
)
def test_a_lone_surrogate_in_the_configuration_is_a_config_error_naming_the_field(path, change):
    with pytest.raises(fs.ConfigError, match=re.escape(path)):
        fs.load_config({**BASE, **change})


def test_the_jpeg_side_limit_is_the_encoders_and_is_said_before_encoding():
    prepare_image(np.zeros((1, 65_500), np.uint8))  # the largest side libjpeg-turbo takes
    for width in (65_501, 65_535):
        with pytest.raises(fs.InvalidInputError, match=r"at most 65500 pixels a side.*max_size"):
            prepare_image(np.zeros((1, width), np.uint8))
