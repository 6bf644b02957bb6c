"""Provides how the captain writes things for people and scripts: version names,
durations in reasons, and instants as ISO 8601 in UTC (SPEC §6). Every layer uses it."""

from __future__ import annotations

import datetime as dt


def version_name(number: int) -> str:
    """`12` -> `"v12"`: how a version is written everywhere a person reads it."""
    return f"v{number}"


def seconds(value: float) -> str:
    """`4.0` -> `"4s"`, `1.3333` -> `"1.3s"`: a duration as people read it in a reason."""
    return f"{value:.1f}".rstrip("0").rstrip(".") + "s"


def iso(at: float) -> str:
    """Unix seconds -> `2026-11-26T07:42:45.123Z`."""
    moment = dt.datetime.fromtimestamp(at, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def span(seconds: float) -> str:
    """`252` -> `4m12s`, `3900` -> `1h05m`, `180000` -> `2d02h`: a measured duration
    (a metric, a lead time) in its two largest units."""
    whole = round(seconds)
    if whole >= 86400:
        return f"{whole // 86400}d{whole % 86400 // 3600:02d}h"
    if whole >= 3600:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
    if whole >= 60:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole}s"
