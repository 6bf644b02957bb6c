"""Provides how the TUI writes things for people: version names, durations, ages, times
in a blocker's zone, countdown bars and the symbol of every state (so a state reads
without colour too). No Textual here: plain text in, plain text out."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: A target's state -> (symbol, the word shown beside it).
TARGET_STATES: dict[str, tuple[str, str]] = {
    "idle": ("·", "idle"),
    "deploying": ("▲", "deploying"),
    "verifying": ("◔", "verifying"),
    "succeeded": ("✓", "succeeded"),
    "failed": ("✗", "failed"),
    "rolling_back": ("↺", "rolling back"),
    "rolled_back": ("↩", "rolled back"),
}

#: An approval's state -> its symbol.
APPROVAL_SYMBOLS: dict[str, str] = {
    "pending": "·",
    "running": "◔",
    "passed": "✓",
    "failed": "✗",
    "waiting-for-person": "?",
}

#: How far a version got in one stage -> (symbol, word); `None` is "not reached".
STREAM: dict[str | None, tuple[str, str]] = {
    "passed": ("●", "passed"),
    "in-flight": ("◐", "in flight"),
    "rejected": ("✗", "rejected"),
    "superseded": ("⊘", "superseded"),
    "waiting": ("◌", "waiting"),
    "forecast": ("~", "due"),
    None: ("·", "unreached"),
}

#: A build's state -> its symbol.
BUILD_SYMBOLS: dict[str, str] = {
    "pending": "·",
    "building": "◔",
    "succeeded": "✓",
    "failed": "✗",
}


def version(number: int | None) -> str:
    """`12` -> `v12`; nothing -> `—`."""
    return "—" if number is None else f"v{number}"


def duration(seconds: float) -> str:
    """`252` -> `4m12s`, `3900` -> `1h05m`, `9` -> `9s` (rounded up: a countdown never
    shows 0s while it still runs)."""
    whole = max(0, int(-(-seconds // 1)))
    if whole >= 3600:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
    if whole >= 60:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole}s"


def ago(at: float, now: float) -> str:
    """How long ago, in the largest unit: `3m ago`, `2d ago`, `now`."""
    seconds = max(0, int(now - at))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return "now"


def bar(fraction: float, width: int) -> str:
    """A countdown bar: the part already elapsed full, the rest light."""
    fraction = min(1.0, max(0.0, fraction))
    done = round(fraction * width)
    return "█" * done + "░" * (width - done)


def short_sha(sha: str) -> str:
    """The first 8 characters of a commit SHA."""
    return sha[:8]


def first_line(message: str) -> str:
    """The summary line of a commit message."""
    return message.strip().splitlines()[0] if message.strip() else ""


def local_time(at: float, timezone: str | None = None) -> str:
    """`Mon 09:00 BST` in `timezone` (the local zone when None), for blocker changes."""
    zone: dt.tzinfo | None = None
    if timezone:
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            zone = None
    moment = dt.datetime.fromtimestamp(at, zone) if zone else dt.datetime.fromtimestamp(at)
    return moment.strftime("%a %H:%M %Z").strip()


def clock(at: float) -> str:
    """`14:03:07`, local time, for the history and the activity lines."""
    return dt.datetime.fromtimestamp(at).strftime("%H:%M:%S")


def day_clock(at: float) -> str:
    """`09-21 14:03:07`, local time."""
    return dt.datetime.fromtimestamp(at).strftime("%m-%d %H:%M:%S")


def date_minute(at: float) -> str:
    """`2026-09-21 14:03`, local time, for the ends of a period."""
    return dt.datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M")


def off_screen(
    spans: list[tuple[str, int, int]], scrolled: float, width: int
) -> tuple[list[str], list[str]]:
    """The names of the (name, left, width) spans not wholly inside a view of `width`
    cells scrolled `scrolled` cells sideways: (those to the left, those to the right)."""
    left = [name for name, x, w in spans if x < scrolled]
    right = [name for name, x, w in spans if x >= scrolled and x + w > scrolled + width]
    return left, right
