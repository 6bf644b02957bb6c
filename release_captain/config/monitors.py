"""Provides the reading of `[monitors.NAME]`: an http check or a command, per bake tick.

A monitor is exactly one of `http` (a URL template, OK when it answers `expect_status`
within `max_latency`) or `run` (a command template, OK when it exits 0). Its texts are
templates, so their placeholders are checked here, at load time, rather than failing in
the middle of a bake.
"""

from __future__ import annotations

from release_captain.config.model import Monitor, MonitorKind
from release_captain.config.placeholders import template_problems
from release_captain.config.reader import Table, describe, name_problem

KINDS: tuple[MonitorKind, ...] = ("http", "run")
_HTTP_ONLY = {key: f"{key} is only for http monitors" for key in ("expect_status", "max_latency")}


def read_monitor(table: Table, name: str) -> Monitor | None:
    """One `[monitors.NAME]` table; None when it has problems (they are recorded)."""
    before = len(table.problems)
    kinds = [kind for kind in KINDS if kind in table]
    if len(kinds) != 1:
        found = " and ".join(kinds) or "none"
        table.problem(None, f"give exactly one of http or run (found {found})")
        table.known("timeout", *_HTTP_ONLY)
        table.finish()
        return None
    kind = kinds[0]
    text = table.str_(kind, None)
    for problem in template_problems(text or ""):
        table.problem(kind, problem)
    timeout = table.duration("timeout", 10.0, positive=True)
    if kind == "http":
        monitor = Monitor(
            name=name,
            kind="http",
            http=text,
            expect_status=table.int_("expect_status", 200, minimum=100, maximum=599),
            max_latency=table.duration("max_latency", 5.0, positive=True),
            timeout=timeout,
        )
    else:
        monitor = Monitor(name=name, kind="run", run=text, timeout=timeout)
    table.finish(_HTTP_ONLY)
    return monitor if len(table.problems) == before else None


def read_monitors(doc: Table) -> tuple[Monitor, ...]:
    """Every `[monitors.NAME]` table, in the order written."""
    section = doc.table("monitors", shape="tables like [monitors.NAME]")
    if section is None:
        return ()
    monitors = []
    for name, value in section.data.items():
        section.known(name)
        if problem := name_problem(name):
            section.problem(name, problem)
        if not isinstance(value, dict):
            section.problem(name, f"expected a table [monitors.{name}], got {describe(value)}")
            continue
        monitor = read_monitor(Table(value, section.path_of(name), section.problems), name)
        if monitor is not None:
            monitors.append(monitor)
    return tuple(monitors)
