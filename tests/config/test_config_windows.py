"""The syntax of blocker windows and dates, shared with their evaluation at run time."""

from __future__ import annotations

import datetime as dt

import pytest

from release_captain.config import check_deny, check_window
from release_captain.config.windows_syntax import DateRange, WeeklyWindow, parse_window

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("Mon-Fri 09:00-17:00", WeeklyWindow(days=frozenset(range(5)), start=540, end=1020)),
        ("Sat 10:00-12:00", WeeklyWindow(days=frozenset({SAT}), start=600, end=720)),
        ("Mon,Wed 22:00-02:00", WeeklyWindow(days=frozenset({MON, WED}), start=1320, end=120)),
        ("Sun-Mon", WeeklyWindow(days=frozenset({SUN, MON}), start=0, end=1440)),
        ("Fri-Tue", WeeklyWindow(days=frozenset({FRI, SAT, SUN, MON, TUE}), start=0, end=1440)),
        ("Mon-Wed,Fri", WeeklyWindow(days=frozenset({MON, TUE, WED, FRI}), start=0, end=1440)),
        ("Thu 18:00-24:00", WeeklyWindow(days=frozenset({THU}), start=1080, end=1440)),
    ],
)
def test_parse_window(text: str, window: WeeklyWindow) -> None:
    assert parse_window(text) == window
    assert check_window(text) is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Mon-Fry 09:00-17:00", 'unknown day "Fry"'),
        ("mon", 'unknown day "mon"'),
        ("Mon 9:00-17:00", '"9:00" is not a time HH:MM'),
        ("Mon 09:00-24:01", '"24:01" is not a time HH:MM'),
        ("Mon 24:00-02:00", '"24:00" is not a time HH:MM'),
        ("Mon 09:60-10:00", '"09:60" is not a time HH:MM'),
        ("Mon 09:00-09:00", "opens and closes at the same time"),
        ("Mon 09:00", "is not a weekly window (use e.g."),
        ("", "is not a weekly window"),
        ("09:00-17:00", 'unknown day "09:00"'),
        ("Mon,,Tue", 'unknown day ""'),
    ],
)
def test_bad_window(text: str, problem: str) -> None:
    found = check_window(text)
    assert found is not None and problem in found
    assert found.startswith(f'"{text}" is not a weekly window')


@pytest.mark.parametrize(
    "text", ["2026-12-25", "2026-12-24..2027-01-02", "2026-12-24 .. 2026-12-24", "Sat-Sun"]
)
def test_good_deny(text: str) -> None:
    assert check_deny(text) is None


def test_deny_date_range_reading() -> None:
    from release_captain.config.windows_syntax import parse_deny

    assert parse_deny("2026-12-24..2027-01-02") == DateRange(
        first=dt.date(2026, 12, 24), last=dt.date(2027, 1, 2)
    )
    assert parse_deny("2026-12-25") == DateRange(
        first=dt.date(2026, 12, 25), last=dt.date(2026, 12, 25)
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2026-02-30", '"2026-02-30" is not a date'),
        ("2026-1-5", '"2026-1-5" is not a date'),
        ("2027-01-02..2026-12-24", "it ends before it starts"),
        ("2026-12-24..2027-13-01", '"2027-13-01" is not a calendar date'),
        ("Christmas", '"Christmas" is not a deny entry'),
        ("Sat 25:00-26:00", '"25:00" is not a time'),
    ],
)
def test_bad_deny(text: str, problem: str) -> None:
    found = check_deny(text)
    assert found is not None and problem in found
