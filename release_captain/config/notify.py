"""Provides the reading of `[[notify]]` (SPEC §11): commands run on recorded events.

Each entry names the event kinds it wants as glob patterns (`"rollback.*"`). A pattern
that can match nothing the captain records is almost always a typo that would stay
silent forever (no notification ever comes), so it is refused here, at load time.
`notify.failed` is not among them: it is never notified (`Notify.wants`).
"""

from __future__ import annotations

import fnmatch

from release_captain.config.model import Notify
from release_captain.config.reader import Table, close_hint, index_path

#: Every event kind the captain records: what a `[[notify]]` pattern can match.
EVENT_KINDS = (
    "approval.granted",
    "approval.waiting",
    "build.failed",
    "build.interrupted",
    "build.started",
    "build.succeeded",
    "engine.leftovers-ended",
    "engine.started",
    "engine.stopped",
    "gate.switched",
    "preview.deployed",
    "preview.down",
    "preview.failed",
    "rejection.requested",
    "rollback.failed",
    "rollback.succeeded",
    "source.recovered",
    "source.unavailable",
    "stage.alarm",
    "stage.alarm-cleared",
    "stage.entered",
    "stage.passed",
    "stage.paused",
    "stage.rejected",
    "stage.resumed",
    "stage.superseded",
    "step.failed",
    "step.interrupted",
    "step.passed",
    "step.started",
    "target.failed",
    "target.succeeded",
    "version.detected",
)

#: What a mistyped pattern is compared with for a did-you-mean hint.
_PATTERNS = (*EVENT_KINDS, *sorted({kind.split(".")[0] + ".*" for kind in EVENT_KINDS}))


def read_notify(doc: Table) -> tuple[Notify, ...]:
    """Every `[[notify]]` entry, in the order written."""
    tables = doc.tables("notify", expected="an array of tables ([[notify]])")
    entries = []
    for table in tables or ():
        before = len(table.problems)
        on = table.list_of_str("on", ())
        if not on and len(table.problems) == before:
            table.problem("on", 'name at least one event kind, e.g. on = ["rollback.*"]')
        for i, pattern in enumerate(on):
            if not any(fnmatch.fnmatchcase(kind, pattern) for kind in EVENT_KINDS):
                table.problems.add(
                    index_path(table.path_of("on"), i),
                    f"'{pattern}' matches no event kind the captain records"
                    + close_hint(pattern, _PATTERNS),
                )
        run = table.str_("run", None, required=True)
        timeout = table.duration("timeout", 30.0)
        table.finish()
        if run is not None and len(table.problems) == before:
            entries.append(Notify(on=on, run=run, timeout=timeout))
    return tuple(entries)
