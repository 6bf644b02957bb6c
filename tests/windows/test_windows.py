"""Blocker evaluation (rule R4): active or not at an instant, why, and when that changes,
across week wraps, dates, holidays and daylight-saving changes. Time is always a value."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict, Unpack
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from release_captain.config.model import Blocker
from release_captain.engine.windows import active_blockers, evaluate, is_active, next_change

UTC = dt.UTC
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def london(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, s, tzinfo=LONDON)


def new_york(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, s, tzinfo=NEW_YORK)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, s, tzinfo=UTC)


class Entries(TypedDict, total=False):
    """A blocker's windows and calendar, as `blocker` takes them."""

    holidays: str
    deny: tuple[str, ...]
    allow: tuple[str, ...]


def blocker(timezone: str = "Europe/London", **entries: Unpack[Entries]) -> Blocker:
    return Blocker(name="b", timezone=timezone, **entries)


OFFICE_HOURS = blocker(allow=("Mon-Fri 09:00-17:00",))
NIGHTS = blocker(deny=("Mon,Wed 22:00-02:00",))


# Weekly windows -------------------------------------------------------------------------


# 2026-06-06 is a Saturday; 2026-06-09 a Tuesday; 2026-06-12 a Friday.
@pytest.mark.parametrize(
    ("at", "active"),
    [
        (london(2026, 6, 6, 12, 0), True),
        (london(2026, 6, 9, 10, 0), False),
        (london(2026, 6, 9, 9, 0), False),
        (london(2026, 6, 9, 8, 59, 59), True),
        (london(2026, 6, 9, 16, 59, 59), False),
        (london(2026, 6, 9, 17, 0), True),
    ],
)
def test_allow_window_is_active_outside_it(at: dt.datetime, active: bool) -> None:
    assert is_active(OFFICE_HOURS, at) is active


def test_allow_window_next_change_is_the_close_then_monday_morning() -> None:
    assert next_change(OFFICE_HOURS, london(2026, 6, 12, 16, 0)) == london(2026, 6, 12, 17, 0)
    assert next_change(OFFICE_HOURS, london(2026, 6, 12, 18, 0)) == london(2026, 6, 15, 9, 0)


def test_next_change_is_aware_utc() -> None:
    change = next_change(OFFICE_HOURS, london(2026, 6, 12, 16, 0))
    assert change == utc(2026, 6, 12, 16, 0)
    assert change is not None and change.tzinfo is UTC


def test_next_change_from_a_boundary_is_strictly_later() -> None:
    assert next_change(OFFICE_HOURS, london(2026, 6, 9, 17, 0)) == london(2026, 6, 10, 9, 0)
    assert next_change(OFFICE_HOURS, london(2026, 6, 9, 9, 0)) == london(2026, 6, 9, 17, 0)


def test_instants_in_any_zone_are_read_in_the_blockers_zone() -> None:
    # Tue 10:00 in London is 18:00 in Tokyo, 05:00 in New York.
    tokyo = dt.datetime(2026, 6, 9, 18, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert is_active(OFFICE_HOURS, tokyo) is False
    assert is_active(OFFICE_HOURS, utc(2026, 6, 9, 9, 0)) is False


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        is_active(OFFICE_HOURS, dt.datetime(2026, 6, 9, 10, 0))


# 2026-06-08 is a Monday.
@pytest.mark.parametrize(
    ("at", "active"),
    [
        (london(2026, 6, 8, 21, 59), False),
        (london(2026, 6, 8, 23, 0), True),
        (london(2026, 6, 9, 1, 59), True),
        (london(2026, 6, 9, 2, 0), False),
        (london(2026, 6, 9, 23, 0), False),
        (london(2026, 6, 10, 22, 0), True),
        (london(2026, 6, 11, 1, 0), True),
        (london(2026, 6, 12, 1, 0), False),
    ],
)
def test_deny_window_across_midnight(at: dt.datetime, active: bool) -> None:
    assert is_active(NIGHTS, at) is active


def test_deny_window_across_midnight_next_change() -> None:
    assert next_change(NIGHTS, london(2026, 6, 8, 23, 0)) == london(2026, 6, 9, 2, 0)
    assert next_change(NIGHTS, london(2026, 6, 9, 2, 0)) == london(2026, 6, 10, 22, 0)


def test_deny_window_wraps_from_sunday_into_monday() -> None:
    sunday_night = blocker(deny=("Sun 22:00-02:00",))
    # 2026-06-07 is a Sunday.
    assert is_active(sunday_night, london(2026, 6, 7, 21, 59)) is False
    assert is_active(sunday_night, london(2026, 6, 7, 22, 0)) is True
    assert is_active(sunday_night, london(2026, 6, 8, 1, 59)) is True
    assert is_active(sunday_night, london(2026, 6, 8, 2, 0)) is False
    assert is_active(sunday_night, london(2026, 6, 1, 1, 0)) is True
    assert next_change(sunday_night, london(2026, 6, 7, 23, 0)) == london(2026, 6, 8, 2, 0)
    assert next_change(sunday_night, london(2026, 6, 8, 2, 0)) == london(2026, 6, 14, 22, 0)


def test_whole_days_and_a_window_ending_at_2400() -> None:
    weekends = blocker(deny=("Sat-Sun", "Fri 18:00-24:00"))
    assert is_active(weekends, london(2026, 6, 12, 17, 59)) is False
    assert next_change(weekends, london(2026, 6, 12, 12, 0)) == london(2026, 6, 12, 18, 0)
    assert next_change(weekends, london(2026, 6, 12, 18, 0)) == london(2026, 6, 15, 0, 0)


# Dates and holidays ---------------------------------------------------------------------

HOLIDAYS = blocker(holidays="GB-ENG", deny=("2026-11-27", "2026-12-24..2027-01-02"))


@pytest.mark.parametrize(
    ("at", "active"),
    [
        (london(2026, 11, 26, 23, 59), False),
        (london(2026, 11, 27, 0, 0), True),
        (london(2026, 11, 27, 23, 59), True),
        (london(2026, 11, 28, 0, 0), False),
        (london(2026, 12, 23, 12, 0), False),
        (london(2026, 12, 24, 0, 0), True),
        (london(2027, 1, 2, 23, 59), True),
        (london(2027, 1, 3, 0, 0), False),
    ],
)
def test_deny_date_and_inclusive_range(at: dt.datetime, active: bool) -> None:
    assert is_active(HOLIDAYS, at) is active


def test_deny_range_ends_at_local_midnight_after_its_last_day() -> None:
    assert next_change(HOLIDAYS, london(2026, 12, 24, 9, 0)) == london(2027, 1, 3, 0, 0)
    assert next_change(HOLIDAYS, london(2026, 11, 27, 9, 0)) == utc(2026, 11, 28, 0, 0)


def test_holiday_of_an_english_calendar() -> None:
    christmas = blocker(holidays="GB-ENG")
    assert is_active(christmas, london(2026, 12, 25, 12, 0)) is True
    assert is_active(christmas, london(2026, 12, 23, 12, 0)) is False
    # Christmas Day is a Friday; Boxing Day a Saturday, observed on Monday the 28th.
    assert next_change(christmas, london(2026, 12, 25, 12, 0)) == london(2026, 12, 27, 0, 0)
    assert next_change(christmas, london(2026, 12, 27, 0, 0)) == london(2026, 12, 28, 0, 0)


def test_holiday_is_the_whole_local_day_of_its_zone() -> None:
    independence = blocker("America/New_York", holidays="US")
    assert is_active(independence, new_york(2026, 7, 4, 0, 0)) is True
    assert is_active(independence, new_york(2026, 7, 4, 23, 59)) is True
    # 2026-07-04 is a Saturday, observed on Friday the 3rd; the 5th is an ordinary Sunday.
    assert is_active(independence, new_york(2026, 7, 5, 0, 0)) is False
    # 03:00Z on the 5th is still the 4th in New York.
    assert is_active(independence, utc(2026, 7, 5, 3, 0)) is True
    assert next_change(independence, new_york(2026, 7, 4, 12, 0)) == utc(2026, 7, 5, 4, 0)


# Daylight saving ------------------------------------------------------------------------


def test_london_spring_forward_window_opening_in_the_skipped_hour() -> None:
    """2026-03-29: 01:00 GMT becomes 02:00 BST at 01:00Z, so 01:30 never reads on the wall.
    The window opens at the first instant after 01:30 that exists: the jump itself."""
    early_sunday = blocker(allow=("Sun 01:30-03:00",))
    assert is_active(early_sunday, utc(2026, 3, 29, 0, 30)) is True
    assert is_active(early_sunday, utc(2026, 3, 29, 0, 59)) is True
    assert next_change(early_sunday, utc(2026, 3, 29, 0, 30)) == utc(2026, 3, 29, 1, 0)
    assert is_active(early_sunday, utc(2026, 3, 29, 1, 0)) is False
    assert next_change(early_sunday, utc(2026, 3, 29, 1, 0)) == london(2026, 3, 29, 3, 0)
    assert london(2026, 3, 29, 3, 0) == utc(2026, 3, 29, 2, 0)


def test_london_spring_forward_day_is_23_hours_long() -> None:
    sunday = blocker(deny=("2026-03-29",))
    assert next_change(sunday, london(2026, 3, 29, 12, 0)) == utc(2026, 3, 29, 23, 0)
    assert next_change(sunday, utc(2026, 3, 28, 12, 0)) == utc(2026, 3, 29, 0, 0)


def test_london_fall_back_repeated_hour_reads_as_it_reads() -> None:
    """2026-10-25: 02:00 BST becomes 01:00 GMT at 01:00Z; 01:00-01:59 reads twice, so a
    window ending at 01:30 is left, entered again when the clocks go back, and left again."""
    after_midnight = blocker(deny=("Sun 00:00-01:30",))
    steps = [
        (utc(2026, 10, 24, 22, 30), False),
        (utc(2026, 10, 24, 23, 0), True),  # 00:00 BST
        (utc(2026, 10, 25, 0, 30), False),  # 01:30 BST
        (utc(2026, 10, 25, 1, 0), True),  # 01:00 GMT: the clocks go back
        (utc(2026, 10, 25, 1, 30), False),  # 01:30 GMT
    ]
    for (at, active), (change, _) in zip(steps, steps[1:], strict=False):
        assert is_active(after_midnight, at) is active
        assert next_change(after_midnight, at) == change
    assert is_active(after_midnight, utc(2026, 10, 25, 0, 59)) is False
    assert is_active(after_midnight, utc(2026, 10, 25, 1, 29)) is True


def test_london_fall_back_day_is_25_hours_long() -> None:
    sunday = blocker(deny=("2026-10-25",))
    assert next_change(sunday, utc(2026, 10, 25, 12, 0)) == utc(2026, 10, 26, 0, 0)
    assert next_change(sunday, utc(2026, 10, 24, 12, 0)) == utc(2026, 10, 24, 23, 0)


def test_new_york_office_hours_move_in_utc_with_the_clocks() -> None:
    office = blocker("America/New_York", deny=("Mon-Fri 09:00-17:00",))
    # Before 2026-03-08 New York is UTC-5, after it UTC-4.
    assert next_change(office, utc(2026, 3, 6, 12, 0)) == utc(2026, 3, 6, 14, 0)
    assert next_change(office, utc(2026, 3, 6, 18, 0)) == utc(2026, 3, 6, 22, 0)
    assert next_change(office, utc(2026, 3, 7, 12, 0)) == utc(2026, 3, 9, 13, 0)
    assert next_change(office, utc(2026, 3, 9, 13, 0)) == utc(2026, 3, 9, 21, 0)
    # After 2026-11-01 it is UTC-5 again.
    assert next_change(office, utc(2026, 10, 30, 12, 0)) == utc(2026, 10, 30, 13, 0)
    assert next_change(office, utc(2026, 10, 31, 12, 0)) == utc(2026, 11, 2, 14, 0)
    assert is_active(office, utc(2026, 11, 2, 13, 30)) is False
    assert is_active(office, utc(2026, 11, 2, 14, 0)) is True


def test_new_york_spring_forward_window_closing_in_the_skipped_hour() -> None:
    """2026-03-08: 02:00 EST becomes 03:00 EDT at 07:00Z; a window 01:30-02:30 closes
    at the jump, when the wall clock first reads past 02:30."""
    early_sunday = blocker("America/New_York", deny=("Sun 01:30-02:30",))
    assert next_change(early_sunday, utc(2026, 3, 8, 6, 0)) == utc(2026, 3, 8, 6, 30)
    assert next_change(early_sunday, utc(2026, 3, 8, 6, 30)) == utc(2026, 3, 8, 7, 0)
    assert is_active(early_sunday, utc(2026, 3, 8, 6, 59)) is True
    assert is_active(early_sunday, utc(2026, 3, 8, 7, 0)) is False


def test_new_york_fall_back_repeated_hour() -> None:
    """2026-11-01: 02:00 EDT becomes 01:00 EST at 06:00Z; 01:00-01:30 is denied twice."""
    after_midnight = blocker("America/New_York", deny=("Sun 00:00-01:30",))
    assert next_change(after_midnight, utc(2026, 11, 1, 4, 0)) == utc(2026, 11, 1, 5, 30)
    assert next_change(after_midnight, utc(2026, 11, 1, 5, 30)) == utc(2026, 11, 1, 6, 0)
    assert next_change(after_midnight, utc(2026, 11, 1, 6, 0)) == utc(2026, 11, 1, 6, 30)
    assert next_change(after_midnight, utc(2026, 11, 1, 6, 30)) == utc(2026, 11, 8, 5, 0)


def test_a_blocker_that_never_changes_has_no_next_change() -> None:
    always = blocker(deny=("Mon-Sun",))
    never = blocker(deny=("2020-01-01",))
    assert is_active(always, utc(2026, 6, 1)) is True
    assert next_change(always, utc(2026, 6, 1)) is None
    assert next_change(never, utc(2026, 6, 1)) is None
    assert next_change(never, utc(2019, 12, 30, 12, 0), horizon_days=1) is None
    assert next_change(never, utc(2019, 12, 30, 12, 0), horizon_days=2) == utc(2020, 1, 1)


# The engine's and the CLI's views --------------------------------------------------------


def test_active_blockers_names_the_active_ones() -> None:
    blockers = [
        Blocker(name="holidays", holidays="GB-ENG", timezone="Europe/London"),
        Blocker(name="office-hours", allow=("Mon-Fri 09:00-17:00",), timezone="Europe/London"),
        Blocker(name="nights", deny=("Mon-Sun 22:00-06:00",), timezone="Europe/London"),
    ]
    christmas_noon = utc(2026, 12, 25, 12, 0).timestamp()
    tuesday_ten = utc(2026, 6, 9, 9, 0).timestamp()
    sunday_night = utc(2026, 6, 7, 22, 0).timestamp()
    assert active_blockers(blockers, christmas_noon) == {"holidays"}
    assert active_blockers(blockers, tuesday_ten) == frozenset()
    assert active_blockers(blockers, sunday_night) == {"office-hours", "nights"}
    assert active_blockers([], tuesday_ten) == frozenset()


@pytest.mark.parametrize(
    ("entries", "at", "reason"),
    [
        (
            {"holidays": "GB-ENG"},
            london(2026, 12, 25, 12, 0),
            "active: 2026-12-25 is Christmas Day (GB-ENG)",
        ),
        (
            {"allow": ("Mon-Fri 09:00-17:00",)},
            london(2026, 6, 6, 12, 0),
            "active: outside Mon-Fri 09:00-17:00 (Europe/London)",
        ),
        (
            {"allow": ("Mon-Fri 09:00-17:00", "Sat 10:00-12:00")},
            london(2026, 6, 7, 12, 0),
            "active: outside Mon-Fri 09:00-17:00, Sat 10:00-12:00 (Europe/London)",
        ),
        (
            {"deny": ("Mon,Wed 22:00-02:00",)},
            london(2026, 6, 8, 23, 0),
            "active: inside Mon,Wed 22:00-02:00 (Europe/London)",
        ),
        (
            {"deny": ("2026-11-27",)},
            london(2026, 11, 27, 9, 0),
            "active: 2026-11-27 is a deny date (Europe/London)",
        ),
        (
            {"deny": ("2026-12-24..2027-01-02",)},
            london(2026, 12, 30, 9, 0),
            "active: 2026-12-30 is within 2026-12-24..2027-01-02 (Europe/London)",
        ),
        ({"allow": ("Mon-Fri 09:00-17:00",)}, london(2026, 6, 9, 10, 0), "inactive"),
    ],
)
def test_evaluate_reason_reads_well(entries: Entries, at: dt.datetime, reason: str) -> None:
    assert evaluate(blocker(**entries), at).reason == reason


def test_evaluate_gives_state_and_next_change() -> None:
    state = evaluate(
        Blocker(name="office-hours", allow=("Mon-Fri 09:00-17:00",), timezone="Europe/London"),
        london(2026, 6, 12, 18, 0),
    )
    assert state.name == "office-hours"
    assert state.active is True
    assert state.next_change == utc(2026, 6, 15, 8, 0)


# Property: next_change really is the next change ------------------------------------------

ZONES = ("Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@st.composite
def weekly_windows(draw: st.DrawFn) -> str:
    days = draw(st.lists(st.sampled_from(DAY_NAMES), min_size=1, max_size=3, unique=True))
    if draw(st.booleans()):
        days_text = f"{days[0]}-{draw(st.sampled_from(DAY_NAMES))}"
    else:
        days_text = ",".join(days)
    if draw(st.integers(0, 4)) == 0:
        return days_text
    # Quarter hours, so boundaries often land in a skipped or repeated hour.
    start = draw(st.integers(0, 24 * 4 - 1)) * 15
    end = draw(st.integers(1, 24 * 4).filter(lambda e: e * 15 != start)) * 15
    return f"{days_text} {start // 60:02}:{start % 60:02}-{end // 60:02}:{end % 60:02}"


dates_2026_2027 = st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31))


@st.composite
def deny_dates(draw: st.DrawFn) -> str:
    first = draw(dates_2026_2027)
    if draw(st.booleans()):
        return first.isoformat()
    return f"{first}..{first + dt.timedelta(days=draw(st.integers(0, 20)))}"


blockers = st.builds(
    Blocker,
    name=st.just("random"),
    holidays=st.sampled_from((None, None, None, "GB-ENG", "US")),
    deny=st.lists(st.one_of(weekly_windows(), deny_dates()), max_size=3).map(tuple),
    allow=st.lists(weekly_windows(), max_size=2).map(tuple),
    timezone=st.sampled_from(ZONES),
)
# Days on which one of ZONES changes its clocks, so that examples often meet a change.
CLOCK_CHANGES = tuple(
    dt.datetime.fromisoformat(day).replace(tzinfo=UTC)
    for day in (
        "2026-03-08",
        "2026-03-29",
        "2026-04-05",
        "2026-10-04",
        "2026-10-25",
        "2026-11-01",
        "2027-03-14",
        "2027-03-28",
        "2027-04-04",
        "2027-10-03",
    )
)
instants = st.one_of(
    st.datetimes(
        dt.datetime(2026, 1, 1), dt.datetime(2027, 12, 31, 23, 59), timezones=st.just(UTC)
    ),
    st.builds(
        lambda day, minutes: day + dt.timedelta(minutes=minutes),
        st.sampled_from(CLOCK_CHANGES),
        st.integers(-36 * 60, 36 * 60),
    ),
)


@settings(max_examples=150, deadline=None)
@given(blocker=blockers, at=instants)
def test_next_change_is_the_first_instant_whose_state_differs(
    blocker: Blocker, at: dt.datetime
) -> None:
    before = is_active(blocker, at)
    change = next_change(blocker, at)
    if change is None:
        for days in (1, 100, 200, 399):
            assert is_active(blocker, at + dt.timedelta(days=days)) == before
        return
    assert change > at
    assert change.tzinfo is UTC
    assert is_active(blocker, change) != before
    for share in (0.25, 0.5, 0.99):
        between = at + (change - at) * share
        assert at <= between < change
        assert is_active(blocker, between) == before
    assert is_active(blocker, change - dt.timedelta(microseconds=1)) == before


def first_change_by_scanning(blocker: Blocker, at: dt.datetime, days: int) -> dt.datetime | None:
    """The slow, obvious answer: every UTC minute (each zone above changes its offset on
    whole minutes, so the state changes only on them) until the state differs."""
    before = is_active(blocker, at)
    minute = at.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    for _ in range(days * 24 * 60):
        if is_active(blocker, minute) != before:
            return minute
        minute += dt.timedelta(minutes=1)
    return None


@settings(max_examples=40, deadline=None)
@given(blocker=blockers, at=instants)
def test_next_change_agrees_with_a_minute_by_minute_scan(blocker: Blocker, at: dt.datetime) -> None:
    scanned = first_change_by_scanning(blocker, at, days=2)
    assert next_change(blocker, at, horizon_days=2) == scanned
