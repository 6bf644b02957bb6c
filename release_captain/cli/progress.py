"""Provides the progress lines of `captain run` and `captain demo`: rich colours on a
terminal, plain text for a pipe or a log file — without importing rich in that case,
since a headless engine's start-up is on the critical path of every pipeline run."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from release_captain.wording import version_name

if TYPE_CHECKING:
    from release_captain.service import Event


def clock_time(at: float) -> str:
    """Local wall-clock time for progress lines."""
    return time.strftime("%H:%M:%S", time.localtime(at))


def plain_event_line(event: Event) -> str:
    """The same line as plain text, for a pipe or a file (no markup to render)."""
    where, version, actor = event_parts(event)
    return f"{clock_time(event.at)} {version:>4} {where:<24} {event.kind:<18} {event.detail}{actor}"


def event_printer() -> Callable[[Event], None]:
    """How `run` prints events: rich colours on a terminal, plain lines elsewhere (a
    pipe or a log file gets the same words at a fraction of the cost)."""
    if sys.stdout.isatty():
        from release_captain.cli.render import console, event_line

        return lambda event: console.print(event_line(event))

    def write(event: Event) -> None:
        sys.stdout.write(plain_event_line(event) + "\n")
        sys.stdout.flush()

    return write


def event_parts(event: Event) -> tuple[str, str, str]:
    where = event.stage or ""
    if event.target:
        where += f"/{event.target}"
    version = version_name(event.version) if event.version else ""
    actor = f" by {event.actor}" if event.actor not in ("captain", "") else ""
    return where, version, actor
