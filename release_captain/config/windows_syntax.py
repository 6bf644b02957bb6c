"""Provides the syntax of blocker windows and dates, shared by validation and evaluation.

A blocker's `allow` entries are weekly windows (`Mon-Fri 09:00-17:00`, `Sat`,
`Mon,Wed 22:00-02:00`, `Sun-Mon`); its `deny` entries are a date (`2026-12-25`), an
inclusive range of dates (`2026-12-24..2027-01-02`) or a weekly window. The config
loader only needs to know whether an entry is well formed, but whoever evaluates the
blocker needs the same reading, so the parsing lives here, pure and small.

Reading of a window: days are three-letter English names, capitalised as written in
SPEC §3. `A-B` is every day from A to B, wrapping past Sunday (`Sat-Mon` is Sat, Sun,
Mon); commas join day items. Without a time range the window is the whole of each day.
`HH:MM-HH:MM` starts on each listed day; when the end is not after the start, the window
crosses midnight into the next day (`Mon 22:00-02:00` ends Tuesday 02:00). `24:00` is
allowed as an end.
"""

from __future__ import annotations

import datetime as dt
import re

from msgspec import Struct

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_LIST = ", ".join(DAYS)
_EXAMPLES = '"Mon-Fri 09:00-17:00", "Sat", "Mon,Wed 22:00-02:00"'
_WINDOW = re.compile(r"(?P<days>\S+)(?:\s+(?P<start>\S+?)-(?P<end>\S+))?")
_TIME = re.compile(r"(\d{2}):(\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MINUTES_PER_DAY = 24 * 60


class WeeklyWindow(Struct, frozen=True, kw_only=True):
    """A parsed weekly window."""

    #: Days the window starts on, 0 for Monday as in `date.weekday()`.
    days: frozenset[int]
    #: Minutes after midnight the window opens (0 for whole days).
    start: int
    #: Minutes after midnight it closes (1440 for whole days); `end <= start` means the
    #: window closes on the next day.
    end: int


class DateRange(Struct, frozen=True, kw_only=True):
    """A parsed `deny` date or inclusive date range (a single date has `first == last`)."""

    first: dt.date
    last: dt.date


def _day(text: str, window: str) -> int:
    if text not in DAYS:
        raise ValueError(
            f'"{window}" is not a weekly window: unknown day "{text}" (use {_DAY_LIST})'
        )
    return DAYS.index(text)


def _minutes(text: str, window: str, *, end: bool) -> int:
    match = _TIME.fullmatch(text)
    if match:
        hours, minutes = int(match[1]), int(match[2])
        if (hours < 24 and minutes < 60) or (end and hours == 24 and minutes == 0):
            return hours * 60 + minutes
    raise ValueError(
        f'"{window}" is not a weekly window: "{text}" is not a time HH:MM from 00:00 to 23:59'
    )


def parse_window(text: str) -> WeeklyWindow:
    """The weekly window `text`; raises ValueError with a one-line explanation."""
    match = _WINDOW.fullmatch(text.strip())
    if match is None:
        raise ValueError(f'"{text}" is not a weekly window (use e.g. {_EXAMPLES})')
    days: set[int] = set()
    for item in match["days"].split(","):
        first, dash, last = item.partition("-")
        start_day = _day(first, text)
        end_day = _day(last, text) if dash else start_day
        days.update((start_day + k) % 7 for k in range((end_day - start_day) % 7 + 1))
    if match["start"] is None:
        return WeeklyWindow(days=frozenset(days), start=0, end=_MINUTES_PER_DAY)
    start = _minutes(match["start"], text, end=False)
    end = _minutes(match["end"], text, end=True)
    if start == end:
        raise ValueError(
            f'"{text}" is not a weekly window: it opens and closes at the same time '
            "(give days alone for whole days)"
        )
    return WeeklyWindow(days=frozenset(days), start=start, end=end)


def check_window(text: str) -> str | None:
    """Why `text` is not a weekly window (`allow` entries), or None when it is one."""
    try:
        parse_window(text)
    except ValueError as error:
        return str(error)
    return None


def _date(text: str) -> dt.date | None:
    if _DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    return None


def parse_deny(text: str) -> DateRange | WeeklyWindow:
    """The `deny` entry `text`: a date, an inclusive date range or a weekly window."""
    entry = text.strip()
    if ".." in entry:
        first_text, _, last_text = (part.strip() for part in entry.partition(".."))
        first, last = _date(first_text), _date(last_text)
        if first is None or last is None:
            bad = first_text if first is None else last_text
            raise ValueError(
                f'"{text}" is not a date range: "{bad}" is not a calendar date YYYY-MM-DD'
            )
        if last < first:
            raise ValueError(f'"{text}" is not a date range: it ends before it starts')
        return DateRange(first=first, last=last)
    if not entry[:1].isalpha():
        if (day := _date(entry)) is None:
            raise ValueError(
                f'"{text}" is not a date: use a calendar date YYYY-MM-DD, a range '
                "YYYY-MM-DD..YYYY-MM-DD or a weekly window"
            )
        return DateRange(first=day, last=day)
    # Only an entry that starts like a window gets a window's detailed complaint.
    if _WINDOW.fullmatch(entry) is None or entry[:3] not in DAYS:
        raise ValueError(
            f'"{text}" is not a deny entry (use a date YYYY-MM-DD, a range '
            f"YYYY-MM-DD..YYYY-MM-DD or a weekly window such as {_EXAMPLES})"
        )
    return parse_window(entry)


def check_deny(text: str) -> str | None:
    """Why `text` is not a `deny` entry, or None when it is one."""
    try:
        parse_deny(text)
    except ValueError as error:
        return str(error)
    return None
