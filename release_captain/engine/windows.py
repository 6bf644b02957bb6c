"""Provides the evaluation of blockers (rule R4): whether one is active at an instant, why,
and when that next changes.

The engine asks "may this stage take a version now?" and `captain blockers` asks "until
when?"; both need the same reading of a blocker's dates, holidays and weekly windows, so
it lives here, pure: the instant is always an argument and the clock is never read. The
syntax of the entries is `config.windows_syntax`'s; this module only evaluates it.

A blocker is active at an instant when, on the local clock of its time zone, the instant
falls on a `deny` date or inside a `deny` range or window, falls on a public holiday of
its `holidays` calendar, or — when it has `allow` windows — falls inside none of them.

Daylight saving. The state is a function of the local wall clock as it reads (date and
minute), so:

- Spring forward: wall times in the skipped hour never happen. A boundary that falls in
  them takes effect at the first instant that exists after it, the instant the clocks
  jump. In Europe/London on 2026-03-29 an allow window `Sun 01:30-03:00` opens at
  02:00 BST (01:00Z) and closes at 03:00 BST (02:00Z): it lasts one real hour.
- Fall back: the repeated hour is read as it reads, both times. In Europe/London on
  2026-10-25 a deny window `Sun 00:00-01:30` is active from 00:00 BST (23:00Z) to
  01:30 BST (00:30Z), inactive until the clocks go back at 01:00Z, active again from
  01:00 GMT to 01:30 GMT (01:30Z). The moment the clocks change is itself a possible
  change of state.
- A whole day (a deny date, a holiday, a window without times) runs from one local
  midnight to the next, however long that day is (23 or 25 hours).

`next_change` therefore never scans minutes: it evaluates the blocker only at candidate
instants — every local midnight, every window's opening and closing minute (both
occurrences in a repeated hour), every UTC-offset change — in order, and returns the
first whose state differs. Between two consecutive candidates the wall clock crosses no
boundary, so the state cannot change there.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from msgspec import Struct

from release_captain.config.model import Blocker
from release_captain.config.windows_syntax import (
    DateRange,
    WeeklyWindow,
    parse_deny,
    parse_window,
)

if TYPE_CHECKING:
    from holidays import HolidayBase

UTC = dt.UTC
_MINUTES_PER_DAY = 24 * 60
#: How much of the horizon `next_change` examines at once; most blockers change sooner.
_CHUNK = dt.timedelta(days=7)
#: Step of the scan for UTC-offset changes; no zone changes its offset twice within it.
_OFFSET_STEP = dt.timedelta(hours=6)
#: Local dates around a UTC span that may hold its instants (offsets stay within ±26 h).
_DATE_MARGIN = dt.timedelta(days=2)


class BlockerState(Struct, frozen=True, kw_only=True):
    """A blocker's state at one instant, as `captain blockers` and `status` show it."""

    name: str
    active: bool
    #: When the blocker's state next changes (active -> inactive or back), aware UTC;
    #: None if it never changes within the search horizon.
    next_change: dt.datetime | None
    #: One short sentence a person reads: "active: 2026-12-25 is Christmas Day (GB-ENG)",
    #: "active: outside Mon-Fri 09:00-17:00 (Europe/London)", "inactive".
    reason: str


class _Rules(Struct, frozen=True, kw_only=True):
    """A blocker read once into what evaluation needs, entries kept with their text."""

    zone: ZoneInfo
    timezone: str
    dates: tuple[tuple[str, DateRange], ...]
    deny: tuple[tuple[str, WeeklyWindow], ...]
    allow: tuple[tuple[str, WeeklyWindow], ...]
    #: The `holidays` code as written, with its country and subdivision, or None.
    calendar: tuple[str, str, str | None] | None
    #: Per weekday (0 = Monday), the local minutes at which the state may change.
    boundaries: tuple[tuple[int, ...], ...]


def is_active(blocker: Blocker, at: dt.datetime) -> bool:
    """Whether `blocker` stops automatic promotion at the aware instant `at`."""
    return _why_active(_rules(blocker), _utc(at)) is not None


def next_change(
    blocker: Blocker, at: dt.datetime, *, horizon_days: int = 400
) -> dt.datetime | None:
    """The first instant after `at` where `is_active` differs from its value at `at`,
    as an aware UTC datetime; None when that is more than `horizon_days` away."""
    start = _utc(at)
    rules = _rules(blocker)
    was = _why_active(rules, start) is not None
    limit = start + dt.timedelta(days=horizon_days)
    low = start
    while low < limit:
        high = min(low + _CHUNK, limit)
        for candidate in _candidates(rules, low, high):
            if (_why_active(rules, candidate) is not None) != was:
                return candidate
        low = high
    return None


def evaluate(blocker: Blocker, at: dt.datetime) -> BlockerState:
    """Everything `captain blockers` shows for `blocker` at `at`: state, reason, next change."""
    instant = _utc(at)
    why = _why_active(_rules(blocker), instant)
    return BlockerState(
        name=blocker.name,
        active=why is not None,
        next_change=next_change(blocker, instant),
        reason="inactive" if why is None else f"active: {why}",
    )


def active_blockers(blockers: Iterable[Blocker], at: float) -> frozenset[str]:
    """The names of the `blockers` active at `at` (unix seconds), for the engine's gates."""
    instant = dt.datetime.fromtimestamp(at, UTC)
    return frozenset(blocker.name for blocker in blockers if is_active(blocker, instant))


def _utc(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{at.isoformat()} has no time zone; blockers need an aware instant")
    return at.astimezone(UTC)


@lru_cache(maxsize=256)
def _rules(blocker: Blocker) -> _Rules:
    """The blocker parsed once: `next_change` evaluates it hundreds of times."""
    dates: list[tuple[str, DateRange]] = []
    deny: list[tuple[str, WeeklyWindow]] = []
    for text in blocker.deny:
        entry = parse_deny(text)
        if isinstance(entry, DateRange):
            dates.append((text.strip(), entry))
        else:
            deny.append((text.strip(), entry))
    allow = tuple((text.strip(), parse_window(text)) for text in blocker.allow)
    calendar = None
    if blocker.holidays:
        country, _, subdivision = blocker.holidays.partition("-")
        calendar = (blocker.holidays, country, subdivision or None)
    windows = [window for _, window in (*deny, *allow)]
    return _Rules(
        zone=ZoneInfo(blocker.timezone),
        timezone=blocker.timezone,
        dates=tuple(dates),
        deny=tuple(deny),
        allow=allow,
        calendar=calendar,
        boundaries=tuple(_day_boundaries(windows, weekday) for weekday in range(7)),
    )


def _day_boundaries(windows: Iterable[WeeklyWindow], weekday: int) -> tuple[int, ...]:
    """Local minutes of a `weekday` where a window opens or closes, and midnight."""
    minutes = {0}
    for window in windows:
        crosses = window.end <= window.start
        if weekday in window.days:
            minutes.add(window.start)
            if not crosses:
                minutes.add(window.end)
        if crosses and (weekday - 1) % 7 in window.days:
            minutes.add(window.end)
    # 24:00 is the next day's midnight, already a boundary of that day.
    return tuple(sorted(minute for minute in minutes if minute < _MINUTES_PER_DAY))


def _inside(window: WeeklyWindow, weekday: int, minute: int) -> bool:
    if window.start < window.end:
        return weekday in window.days and window.start <= minute < window.end
    opened_today = weekday in window.days and minute >= window.start
    opened_yesterday = (weekday - 1) % 7 in window.days and minute < window.end
    return opened_today or opened_yesterday


@lru_cache(maxsize=64)
def _calendar(country: str, subdivision: str | None, year: int) -> HolidayBase:
    """One year of a `holidays` calendar; slow to build, so built once per process."""
    # Imported here: the package is large and the CLI imports this module at start.
    import holidays

    return holidays.country_holidays(country, subdiv=subdivision, years=year, expand=False)


def _holiday(rules: _Rules, day: dt.date) -> str | None:
    if rules.calendar is None:
        return None
    code, country, subdivision = rules.calendar
    name = _calendar(country, subdivision, day.year).get(day)
    return None if name is None else f"{day} is {name} ({code})"


def _why_active(rules: _Rules, instant: dt.datetime) -> str | None:
    """Why the blocker is active at `instant` (the reason without "active: "), or None."""
    local = instant.astimezone(rules.zone)
    day, weekday, minute = local.date(), local.weekday(), local.hour * 60 + local.minute
    for text, dates in rules.dates:
        if dates.first <= day <= dates.last:
            what = "a deny date" if dates.first == dates.last else f"within {text}"
            return f"{day} is {what} ({rules.timezone})"
    if holiday := _holiday(rules, day):
        return holiday
    for text, window in rules.deny:
        if _inside(window, weekday, minute):
            return f"inside {text} ({rules.timezone})"
    if rules.allow and not any(_inside(w, weekday, minute) for _, w in rules.allow):
        texts = ", ".join(text for text, _ in rules.allow)
        return f"outside {texts} ({rules.timezone})"
    return None


def _candidates(rules: _Rules, low: dt.datetime, high: dt.datetime) -> list[dt.datetime]:
    """Every instant in (low, high] where the blocker's state may change, in order."""
    found = set(_offset_changes(rules.zone, low, high))
    day = (low - _DATE_MARGIN).date()
    last = (high + _DATE_MARGIN).date()
    while day <= last:
        midnight = dt.datetime.combine(day, dt.time())
        for minute in rules.boundaries[day.weekday()]:
            wall = midnight + dt.timedelta(minutes=minute)
            # Both readings of a repeated wall time; a skipped one maps to nonsense that
            # is harmless, and the jump itself is among the offset changes.
            for fold in (0, 1):
                instant = wall.replace(tzinfo=rules.zone, fold=fold).astimezone(UTC)
                if low < instant <= high:
                    found.add(instant)
        day += dt.timedelta(days=1)
    return sorted(found)


def _offset(zone: ZoneInfo, instant: dt.datetime) -> dt.timedelta | None:
    return instant.astimezone(zone).utcoffset()


def _offset_changes(zone: ZoneInfo, low: dt.datetime, high: dt.datetime) -> Iterator[dt.datetime]:
    """The instants in (low, high] where `zone` changes its UTC offset: the wall clock
    jumps there, which may move it across a boundary without reading it."""
    before = low
    while before < high:
        after = min(before + _OFFSET_STEP, high)
        if _offset(zone, before) != _offset(zone, after):
            yield _first_with_new_offset(zone, before, after)
        before = after


def _first_with_new_offset(zone: ZoneInfo, before: dt.datetime, after: dt.datetime) -> dt.datetime:
    """The exact second in (before, after] where the offset `before` has ends."""
    old = _offset(zone, before)
    # Offsets change on whole UTC seconds, so a search over integer seconds is exact.
    low, high = math.floor(before.timestamp()), math.ceil(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if _offset(zone, dt.datetime.fromtimestamp(middle, UTC)) == old:
            low = middle
        else:
            high = middle
    return dt.datetime.fromtimestamp(high, UTC)
