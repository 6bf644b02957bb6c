"""`parse_duration`: the one reading of durations in pipeline.toml."""

from __future__ import annotations

import pytest

from release_captain.config import parse_duration


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("500ms", 0.5),
        ("30s", 30.0),
        ("10m", 600.0),
        ("2h", 7200.0),
        ("1d", 86400.0),
        ("1h30m", 5400.0),
        ("1d2h3m4s5ms", 93784.005),
        ("1h 30m", 5400.0),
        ("1.5s", 1.5),
        (" 15s ", 15.0),
        ("0s", 0.0),
        (0, 0.0),
        (90, 90.0),
        (2.5, 2.5),
    ],
)
def test_valid(value: object, seconds: float) -> None:
    assert parse_duration(value) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("10 minutes", "'10 minutes' is not a duration (use e.g."),
        ("", "'' is not a duration"),
        ("30", "'30' is not a duration"),
        ("s", "'s' is not a duration"),
        ("30m1h", "'30m1h' is not a duration"),
        ("1h1h", "'1h1h' is not a duration"),
        ("5 s", "'5 s' is not a duration"),
        ("-5s", "'-5s' is negative; a duration is zero or more"),
        (-1, "-1 is negative; a duration is zero or more"),
        (-0.5, "-0.5 is negative"),
        (True, "true is not a duration"),
        (float("inf"), "inf is not a duration"),
        (float("nan"), "nan is not a duration"),
        (["1s"], "a list is not a duration"),
        ({"s": 1}, "a table is not a duration"),
    ],
)
def test_invalid(value: object, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration(value)
    assert message in str(caught.value)
