"""Provides `change_lines`: the diff before approve, as the approval dialog shows it —
the commits a waiting version brings over what the stage last passed (short SHA, author,
subject) and the files they touch, both capped so the dialog fits a small terminal. The
service computes the answer (`Captain.changes`); this only writes it for people."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content

from release_captain.tui import look

if TYPE_CHECKING:
    from release_captain.service import ChangesView

#: Commits listed before "and N more".
COMMITS_SHOWN = 5
#: Files listed before "and N more".
FILES_SHOWN = 8


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def change_lines(view: ChangesView) -> list[Content | str]:
    """A heading, the newest commits, and the files they touch."""
    since = (
        f"since {look.version(view.since)}, which {view.stage} passed"
        if view.since is not None
        else f"in {look.version(view.version)} itself (nothing passed {view.stage} yet)"
    )
    counts = _plural(len(view.commits), "commit")
    if view.files:
        counts += f", {_plural(len(view.files), 'file')}"
    lines: list[Content | str] = [Content.assemble(("changes ", "b"), since, ": ", (counts, "b"))]
    for change in view.commits[:COMMITS_SHOWN]:
        lines.append(
            Content.assemble(
                "  ",
                (look.short_sha(change.sha), "$text-accent"),
                f" {change.author}: ",
                change.summary,
            )
        )
    if len(view.commits) > COMMITS_SHOWN:
        more = len(view.commits) - COMMITS_SHOWN
        lines.append(Content.styled(f"  and {more} more", "$foreground-muted"))
    lines += _file_lines(view)
    return lines


def _file_lines(view: ChangesView) -> list[Content | str]:
    """The files, most touched first, `×N` beside one touched by N commits."""
    lines: list[Content | str] = []
    if view.files:
        names = [
            f.path + (f" ×{f.commits}" if f.commits > 1 else "") for f in view.files[:FILES_SHOWN]
        ]
        more = len(view.files) - FILES_SHOWN
        if more > 0:
            names.append(f"and {more} more")
        lines.append(Content.assemble(("  files ", "$foreground-muted"), " · ".join(names)))
    if view.files_note:
        lines.append(Content.styled(f"  files: {view.files_note}", "$text-warning"))
    return lines
