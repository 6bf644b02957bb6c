"""Provides how the CLI shows things to people with rich: event lines, tables, times.
Scripts use `--json` instead, whose shapes are fixed by SPEC §6."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from release_captain.state import version_name
from release_captain.times import iso

if TYPE_CHECKING:
    from release_captain.store import Event

console = Console(highlight=False, soft_wrap=True)

_STYLE = {
    "passed": "green",
    "succeeded": "green",
    "failed": "bold red",
    "rejected": "bold red",
    "superseded": "yellow",
    "interrupted": "yellow",
    "unavailable": "yellow",
    "started": "cyan",
    "entered": "bold cyan",
    "detected": "bold",
}


def clock_time(at: float) -> str:
    """Local wall-clock time for progress lines."""
    return time.strftime("%H:%M:%S", time.localtime(at))


def ago(at: float, now: float | None = None) -> str:
    """`3m ago`, for tables."""
    seconds = max(0, int((now or time.time()) - at))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def event_line(event: Event) -> str:
    """One readable line per recorded event (rich markup)."""
    where = event.stage or ""
    if event.target:
        where += f"/{event.target}"
    version = version_name(event.version) if event.version else ""
    verb = event.kind.rsplit(".", 1)[-1]
    style = _STYLE.get(verb, "")
    padded = f"{event.kind:<18}"
    kind = f"[{style}]{padded}[/]" if style else padded
    actor = f" by {escape(event.actor)}" if event.actor not in ("captain", "") else ""
    return (
        f"[dim]{clock_time(event.at)}[/] {version:>4} {escape(where):<24} {kind} "
        f"{escape(event.detail)}{actor}"
    )


def event_json(event: Event) -> dict[str, object]:
    """An event as one line of `history --json`."""
    return {
        "id": event.id,
        "at": iso(event.at),
        "kind": event.kind,
        "version": version_name(event.version) if event.version else None,
        "stage": event.stage,
        "target": event.target,
        "actor": event.actor,
        "detail": event.detail,
    }


def table(*columns: str, title: str | None = None) -> Table:
    """A plain table in the CLI's style."""
    result = Table(title=title, title_justify="left", box=None, pad_edge=False, header_style="bold")
    for column in columns:
        result.add_column(column)
    return result
