"""Provides how the CLI shows things to people with rich: event lines, tables, times.
Scripts use `--json` instead, whose shapes are fixed by SPEC §6."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from release_captain.cli.progress import clock_time, event_parts

if TYPE_CHECKING:
    from release_captain.service import Event, OutlookView, StatusView

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


def ago(at: float, now: float | None = None) -> str:
    """`3m ago`, for tables."""
    seconds = max(0, int((now or time.time()) - at))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def event_line(event: Event) -> str:
    """One readable line per recorded event (rich markup)."""
    where, version, actor = event_parts(event)
    style = _STYLE.get(event.kind.rsplit(".", 1)[-1], "")
    padded = f"{event.kind:<18}"
    kind = f"[{style}]{padded}[/]" if style else padded
    return (
        f"[dim]{clock_time(event.at)}[/] {version:>4} {escape(where):<24} {kind} "
        f"{escape(event.detail)}{escape(actor)}"
    )


def table(*columns: str, title: str | None = None) -> Table:
    """A plain table in the CLI's style."""
    result = Table(title=title, title_justify="left", box=None, pad_edge=False, header_style="bold")
    for column in columns:
        result.add_column(column)
    return result


_MARK = {
    "passed": "[green]✓[/]",
    "failed": "[bold red]✗[/]",
    "running": "[cyan]⟳[/]",
    "pending": "[dim]·[/]",
    "waiting-for-person": "[bold yellow]?[/]",
}
_TARGET_STYLE = {
    "succeeded": "green",
    "failed": "bold red",
    "deploying": "cyan",
    "verifying": "cyan",
    "rolling_back": "bold yellow",
    "rolled_back": "yellow",
}


def status_lines(view: StatusView) -> list[str]:
    """`captain status` for people: one block per stage, one line per target, readable
    at 80 columns and without colour (each state is also a word or a symbol)."""
    engine = f"engine pid {view.engine_pid}" if view.engine_pid else "no engine running"
    if view.engine_holding:
        engine += f", holding: {escape(view.engine_holding)}"
    latest = f"v{view.latest_version}" if view.latest_version else "no version yet"
    lines = [f"[bold]{escape(view.pipeline)}[/]  latest {latest}  [dim]{engine}[/]"]
    if view.forecast is not None:
        lines.append(escape(outlook_line(view.forecast)))
    for stage in view.stages:
        flags = [stage.promotion] if stage.promotion == "manual" else []
        if stage.paused:
            flags.append("[bold yellow]paused[/]")
        flags += [f"[bold red]blocked by {b}[/]" for b in stage.blockers_active]
        head = f"\n[bold]{stage.name}[/]" + (f" ({', '.join(flags)})" if flags else "")
        head += f"  passed {_v(stage.passed)}"
        if stage.in_flight is not None:
            head += f"  in flight [cyan]{_v(stage.in_flight)}[/]"
        lines.append(head)
        if stage.waiting is not None:
            lines.append(
                f"  [yellow]waiting: v{stage.waiting.version} — {escape(stage.waiting.detail)}[/]"
            )
        for target in stage.targets:
            style = _TARGET_STYLE.get(target.state, "")
            state = f"[{style}]{target.state}[/]" if style else target.state
            good = (
                f" [dim](last good {_v(target.last_good)})[/]"
                if target.last_good not in (None, target.version)
                else ""
            )
            steps = "  ".join(
                f"{_MARK.get(a.state, a.state)} {a.name}"
                + (f" {a.remaining_s:.0f}s left" if a.remaining_s is not None else "")
                + (" (waiting for a person)" if a.state == "waiting-for-person" else "")
                for a in target.approvals
            )
            lines.append(f"  {target.name:<16} {_v(target.version):<5} {state}{good}  {steps}")
    return lines


def outlook_line(outlook: OutlookView) -> str:
    """`v7 expected through prod-wave-3 at 01 Dec 14:05 (in 2h 10m), waits for
    manual-approval in gamma`: the newest version's forecast in one line."""
    from release_captain.cli.forecasting import in_how_long, when

    name, stage = f"v{outlook.version}", outlook.stage
    if outlook.state == "passed" and outlook.pass_at is not None:
        return f"{name} passed {stage} at {when(outlook.pass_at)}"
    if outlook.pass_at is None:
        line = f"{name} is not expected through {stage}"
        line += f" ({outlook.why_not})" if outlook.why_not else ""
    else:
        eta = in_how_long(outlook.pass_at, outlook.now)
        line = f"{name} expected through {stage} at {when(outlook.pass_at)} ({eta})"
    if outlook.waits_for and not outlook.why_not:
        line += ", waits for " + ", ".join(f"{why} in {s}" for s, why in outlook.waits_for)
    return line


def _v(number: int | None) -> str:
    return f"v{number}" if number is not None else "-"
