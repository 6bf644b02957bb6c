"""Provides the reading of `[blockers.NAME]`: time windows that stop automatic promotion.

Everything a blocker names is checked here so that a typo fails `captain validate`
rather than silently never blocking: the holidays calendar against the `holidays`
package, the time zone against the IANA database, and the syntax of every date and
window (their evaluation at run time lives elsewhere and reuses `windows_syntax`).
"""

from __future__ import annotations

from functools import cache

from release_captain.config.model import Blocker
from release_captain.config.reader import Table, close_hint, describe, index_path, name_problem
from release_captain.config.shape import BLOCKER
from release_captain.config.windows_syntax import check_deny, check_window


@cache  # building a calendar costs a millisecond; validating on every reload adds up
def calendar_problem(code: str) -> str | None:
    """Why `code` (`GB` or `GB-ENG`) is not a calendar of the `holidays` package, or None."""
    # Imported here: the package is large and only pipelines with a calendar need it.
    import holidays

    country, _, subdivision = code.partition("-")
    try:
        holidays.country_holidays(country, subdiv=subdivision or None)
    except NotImplementedError as error:
        return f"'{code}' is not a calendar of the holidays package ({error})"
    return None


def timezone_problem(name: str) -> str | None:
    """Why `name` is not an IANA time zone, or None."""
    try:
        import zoneinfo  # here: only a pipeline with blockers needs time zones

        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        hint = close_hint(name, zoneinfo.available_timezones())
        return f"'{name}' is not an IANA time zone (e.g. \"Europe/London\"){hint}"
    return None


def read_blocker(table: Table, name: str) -> Blocker | None:
    """One `[blockers.NAME]` table; None when it has problems (they are recorded)."""
    before = len(table.problems)
    calendar = table.str_("holidays", None)
    if calendar is not None and (problem := calendar_problem(calendar)):
        table.problem("holidays", problem)
    deny = table.list_of_str("deny", ())
    for i, entry in enumerate(deny):
        if problem := check_deny(entry):
            table.problems.add(index_path(table.path_of("deny"), i), problem)
    allow = table.list_of_str("allow", ())
    for i, entry in enumerate(allow):
        if problem := check_window(entry):
            table.problems.add(index_path(table.path_of("allow"), i), problem)
    timezone = table.str_("timezone", "UTC")
    if problem := timezone_problem(timezone):
        table.problem("timezone", problem)
    table.finish()
    # A misspelt or broken kind was reported already; saying none is given would repeat it.
    if len(table.problems) == before and not any(table.raw(key) for key in BLOCKER.at_least_one):
        table.problem(None, "give at least one of holidays, deny or allow")
    if len(table.problems) > before:
        return None
    return Blocker(name=name, holidays=calendar, deny=deny, allow=allow, timezone=timezone)


def read_blockers(doc: Table) -> tuple[Blocker, ...]:
    """Every `[blockers.NAME]` table, in the order written."""
    section = doc.table("blockers", expected="tables like [blockers.NAME]")
    if section is None:
        return ()
    blockers = []
    for name, value in section.data.items():
        if problem := name_problem(name):
            section.problem(name, problem)
        if not isinstance(value, dict):
            section.problem(name, f"expected a table [blockers.{name}], got {describe(value)}")
            continue
        blocker = read_blocker(Table(value, section.path_of(name), section.problems, BLOCKER), name)
        if blocker is not None:
            blockers.append(blocker)
    return tuple(blockers)
