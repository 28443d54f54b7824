"""Batch names (UTC, never/daily/weekly/monthly) and datapoint tags."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from framesieve.sampling.batches import BatchNamer, batch_name
from framesieve.sampling.tags import datapoint_tags

# 2024-01-03 23:59:59 UTC is a Wednesday; local time anywhere west of UTC is the same day,
# anywhere east of UTC+0 already Thursday: UTC must decide.
WED = dt.datetime(2024, 1, 3, 23, 59, 59, tzinfo=dt.timezone.utc).timestamp()


@pytest.mark.parametrize(
    ("interval", "expected"),
    [("never", "al"), ("daily", "al_2024_01_03"), ("weekly", "al_2024_01_01"), ("monthly", "al_2024_01_01")],
)
def test_batch_names(interval, expected):
    assert batch_name("al", interval, WED) == expected
    assert BatchNamer("al", interval)(WED) == expected


def test_week_starts_on_monday_and_month_on_the_first():
    sunday = dt.datetime(2024, 3, 31, 12, tzinfo=dt.timezone.utc).timestamp()
    assert batch_name("p", "weekly", sunday) == "p_2024_03_25"
    assert batch_name("p", "monthly", sunday) == "p_2024_03_01"
    assert batch_name("p", "weekly", sunday + 86400) == "p_2024_04_01"  # Monday itself


@given(st.floats(min_value=0, max_value=4e9))
def test_batch_name_is_the_utc_date(ts):
    day = dt.datetime.fromtimestamp(ts, dt.timezone.utc).date()
    monday = day - dt.timedelta(days=day.weekday())
    namer = BatchNamer("x", "weekly")
    assert batch_name("x", "daily", ts) == day.strftime("x_%Y_%m_%d")
    assert namer(ts) == namer(ts) == monday.strftime("x_%Y_%m_%d")


def test_unknown_interval_is_an_error():
    with pytest.raises(ValueError, match="recreation_interval"):
        batch_name("x", "hourly", 0.0)


def test_tags_order_and_model_id():
    assert datapoint_tags(["env"], ["cfg", "env"], ["strat"], "proj/3", True) == [
        "env",
        "cfg",
        "strat",
        "proj-3",
    ]
    assert datapoint_tags(["env"], ["cfg"], [], "proj/3", False) == ["env", "cfg"]
    assert datapoint_tags([], [], [], None, True) == []
