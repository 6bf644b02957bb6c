"""Provides `parse_duration`: the one way a duration in pipeline.toml becomes seconds.

Every timeout, bake, wait, interval and poll period is written the same way (SPEC §3):
a string with a unit (`"500ms"`, `"30s"`, `"10m"`, `"2h"`, `"1d"`, or a combination in
decreasing units such as `"1h30m"`) or a plain TOML number of seconds. Keeping a single
parser means a duration that validates in one place validates everywhere.

No duration is longer than `MAX_SECONDS` (365 days): nothing in a pipeline sensibly
waits longer, and the waits of the runtime (threads, `poll`, timers) have limits of
their own that an absurd value such as `"99999999999999999999d"` would overflow.
"""

from __future__ import annotations

import math
import re

HINT = 'use e.g. "500ms", "30s", "10m", "2h", "1d" or a number of seconds'

_NUMBER = r"(\d+(?:\.\d+)?)"
# Each unit at most once and in decreasing order, so "1h30m" reads one way only.
_DURATION = re.compile(
    rf"(?:{_NUMBER}d)?\s*(?:{_NUMBER}h)?\s*(?:{_NUMBER}m)?\s*(?:{_NUMBER}s)?\s*(?:{_NUMBER}ms)?"
)
#: `_DURATION` for JSON Schema (`captain schema`): the whole text, surrounding spaces
#: allowed as `strip` allows them. A text with no part at all matches it too, so the
#: schema also asks for a digit (without a lookahead, which editors' engines lack).
JSON_PATTERN = rf"^\s*{_DURATION.pattern}\s*$"
_UNIT_SECONDS = (86400.0, 3600.0, 60.0, 1.0, 0.001)
#: The longest duration accepted anywhere in pipeline.toml: 365 days.
MAX_SECONDS = 365 * 86400.0
_TOO_LONG = "is more than 365 days, the longest duration the captain accepts"


def parse_duration(value: object) -> float:
    """Seconds in `value`; raises ValueError with a sentence fit for a config problem.

    >>> parse_duration("1h30m"), parse_duration("500ms"), parse_duration(2)
    (5400.0, 0.5, 2.0)
    """
    if isinstance(value, bool):
        raise ValueError(f"{'true' if value else 'false'} is not a duration ({HINT})")
    if isinstance(value, int | float):
        # Compared before any conversion: an integer past 1e308 has no float.
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{value} is not a duration ({HINT})")
        if value < 0:
            raise ValueError(f"{_shown(value)} is negative; a duration is zero or more")
        if value > MAX_SECONDS:
            raise ValueError(f"{_shown(value)} seconds {_TOO_LONG}")
        return float(value)
    if not isinstance(value, str):
        kind = {"list": "a list", "dict": "a table"}.get(type(value).__name__, "a date or time")
        raise ValueError(f"{kind} is not a duration ({HINT})")
    text = value.strip()
    if text.startswith("-") and _matches(text[1:].strip()):
        raise ValueError(f"'{_shown(value)}' is negative; a duration is zero or more")
    match = _matches(text)
    if match is None:
        raise ValueError(f"'{_shown(value)}' is not a duration ({HINT})")
    total = sum(
        float(number) * seconds
        for number, seconds in zip(match.groups(), _UNIT_SECONDS, strict=True)
        if number is not None
    )
    if total > MAX_SECONDS:  # inf too, for digits past what a float holds
        raise ValueError(f"'{_shown(value)}' {_TOO_LONG}")
    return total


def _shown(value: object) -> str:
    """`value` as written, cut short when it is absurdly long."""
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _matches(text: str) -> re.Match[str] | None:
    match = _DURATION.fullmatch(text)
    # The pattern also matches the empty string; a duration needs at least one part.
    if match is None or not any(match.groups()):
        return None
    return match
