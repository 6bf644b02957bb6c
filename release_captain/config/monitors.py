"""Provides the reading of `[monitors.NAME]`: an http check or a command, per bake tick.

A monitor is exactly one of `http` (a URL template, OK when it answers `expect_status`
within `max_latency`) or `run` (a command template, OK when it exits 0). Its texts are
templates, so their placeholders are checked here, at load time, rather than failing in
the middle of a bake.
"""

from __future__ import annotations

from typing import cast

from release_captain.config.model import Monitor, MonitorKind
from release_captain.config.placeholders import template_problems
from release_captain.config.reader import Table, describe, name_problem
from release_captain.config.shape import MONITOR


def read_monitor(table: Table, name: str) -> Monitor | None:
    """One `[monitors.NAME]` table; None when it has problems (they are recorded)."""
    before = len(table.problems)
    kinds = [variant.key for variant in MONITOR.variants if variant.key in table]
    if len(kinds) != 1:
        found = " and ".join(kinds) or "none"
        table.problem(None, f"give exactly one of http or run (found {found})")
        table.finish()
        return None
    kind = cast(MonitorKind, kinds[0])
    text = table.str_(kind, None)
    for problem in template_problems(text or ""):
        table.problem(kind, problem)
    timeout = table.duration("timeout", 10.0)
    if kind == "http":
        monitor = Monitor(
            name=name,
            kind="http",
            http=text,
            expect_status=table.int_("expect_status", 200),
            max_latency=table.duration("max_latency", 5.0),
            timeout=timeout,
        )
    else:
        monitor = Monitor(name=name, kind="run", run=text, timeout=timeout)
    table.finish(kind=kind)
    return monitor if len(table.problems) == before else None


def read_monitors(doc: Table) -> tuple[Monitor, ...]:
    """Every `[monitors.NAME]` table, in the order written."""
    section = doc.table("monitors", expected="tables like [monitors.NAME]")
    if section is None:
        return ()
    monitors = []
    for name, value in section.data.items():
        if problem := name_problem(name):
            section.problem(name, problem)
        if not isinstance(value, dict):
            section.problem(name, f"expected a table [monitors.{name}], got {describe(value)}")
            continue
        monitor = read_monitor(Table(value, section.path_of(name), section.problems, MONITOR), name)
        if monitor is not None:
            monitors.append(monitor)
    return tuple(monitors)
