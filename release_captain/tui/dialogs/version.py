"""Provides `VersionDialog`: one version in detail — its commit, author and message,
and per stage whether it passed, runs, was rejected or superseded, or waits and why."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen

from release_captain.tui import look
from release_captain.tui.widgets.ticking import Line, line_widget

if TYPE_CHECKING:
    from release_captain.service import VersionRow, WhereView


class VersionDialog(ModalScreen[None]):
    """Shows prepared lines about a version; `esc` closes it."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape,q,enter", "close", "Close")]

    def __init__(self, title: str, lines: list[Line]) -> None:
        super().__init__()
        self._title = title
        self._lines = lines

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as box:
            box.border_title = self._title
            box.border_subtitle = "esc closes"
            with VerticalScroll(id="body"):
                for line in self._lines:
                    yield line_widget(line)

    def action_close(self) -> None:
        self.dismiss(None)


_STATE_STYLE = {
    "passed": "$text-success",
    "in-flight": "b $text-accent",
    "rejected": "b $text-error",
    "superseded": "$text-warning",
    "waiting": "$text-warning",
    "not-reached": "$foreground-muted",
}


def version_lines(row: VersionRow, where: WhereView, commits: list[str]) -> list[Line]:
    """The lines of a version's detail: its commit, then its state per stage."""

    def made(now: float) -> Content:
        return Content.assemble(
            f"by {row.author}  ",
            (look.ago(row.created_at, now), "$foreground-muted"),
            f"  build {row.build}",
            (f" ({row.build_detail})" if row.build_detail else "", "$foreground-muted"),
        )

    lines: list[Line] = [
        Content.assemble(
            (look.version(row.number), "b"),
            "  ",
            (row.commit, "$text-accent"),
        ),
        made,
        Content.styled(row.message.strip() or "(no message)", "i"),
    ]
    if commits:
        lines.append(Content.styled(f"{len(commits)} commits", "b"))
        lines += [Content.styled(f"  {c}", "$foreground-muted") for c in commits]
    lines.append(Content(""))
    width = max((len(s.stage) for s in where.stages), default=0)
    for stage in where.stages:
        symbol, _ = look.STREAM.get(
            stage.state if stage.state != "not-reached" else None, ("?", "")
        )
        running = [t.target for t in stage.targets if t.running]
        failed = [t.target for t in stage.targets if t.deployment == "failed"]
        tail = ""
        if running:
            tail += "  runs on " + ", ".join(running)
        if failed:
            tail += "  failed on " + ", ".join(failed)
        if stage.reason:
            tail += f"  — {stage.reason}"
        lines.append(
            Content.assemble(
                (f"{symbol} {stage.stage.ljust(width)}  ", "b"),
                (stage.state.ljust(12), _STATE_STYLE.get(stage.state, "")),
                (tail, "$foreground-muted"),
            )
        )
    return lines
