"""Provides how times are written for scripts: ISO 8601 in UTC, as SPEC §6 fixes."""

from __future__ import annotations

import datetime as dt


def iso(at: float) -> str:
    """Unix seconds -> `2026-11-26T07:42:45.123Z`."""
    moment = dt.datetime.fromtimestamp(at, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
