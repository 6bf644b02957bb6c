"""Provides the key map's app-wide parts: the `?` help generated from every screen's
bindings (so what it lists is what the keys do), the CLI command a read-only wall
screen names for each order's key, and what quitting a screen that runs the engine
stops (the confirmation `q` asks for)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding, BindingType

from release_captain.tui import look
from release_captain.tui.dialogs.help import Sections
from release_captain.tui.screens.board import ORDERS, BoardScreen
from release_captain.tui.screens.history import HistoryScreen
from release_captain.tui.screens.incident import INCIDENT_ORDERS, IncidentScreen
from release_captain.tui.screens.log import LogScreen
from release_captain.tui.screens.metrics import MetricsScreen
from release_captain.tui.screens.previews import PreviewsScreen
from release_captain.tui.screens.versions import VersionsScreen
from release_captain.tui.widgets.filter_bar import FilterBar
from release_captain.tui.widgets.stage_column import StageColumn
from release_captain.tui.widgets.ticking import Line

if TYPE_CHECKING:
    from textual.app import App

    from release_captain.tui.helm import Board

#: An order's key -> the CLI command a read-only screen names instead of acting.
REFUSED = {
    "a": "captain approve STAGE --comment TEXT",
    "r": "captain reject STAGE --comment REASON",
    "p": "captain pause STAGE",
    "g": "captain gate STAGE manual|automatic",
    "b": "captain rollback STAGE/TARGET --reason REASON",
}


def help_sections(app: App[None], everywhere: list[BindingType]) -> Sections:
    """Every described binding, screen by screen; orders left out when read-only."""
    readonly = bool(getattr(app, "readonly", False))
    owners: list[tuple[str, list[BindingType]]] = [
        ("Everywhere", everywhere),
        (BoardScreen.HELP_TITLE, BoardScreen.BINDINGS),
        ("Moving on the board", [*StageColumn.BINDINGS, Binding("tab", "next", "Next")]),
        (IncidentScreen.HELP_TITLE, IncidentScreen.BINDINGS),
        (VersionsScreen.HELP_TITLE, VersionsScreen.BINDINGS),
        (HistoryScreen.HELP_TITLE, HistoryScreen.BINDINGS),
        (LogScreen.HELP_TITLE, LogScreen.BINDINGS),
        (MetricsScreen.HELP_TITLE, MetricsScreen.BINDINGS),
        (PreviewsScreen.HELP_TITLE, PreviewsScreen.BINDINGS),
        ("Filter line", [Binding("enter", "keep", "Keep the filter"), *FilterBar.BINDINGS]),
    ]
    sections: Sections = []
    for title, bindings in owners:
        rows = []
        for binding in bindings:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            if readonly and binding.action in ORDERS | INCIDENT_ORDERS:
                continue
            keys = binding.key_display or ", ".join(
                app.get_key_display(Binding(k.strip(), binding.action))
                for k in binding.key.split(",")
            )
            rows.append((keys, binding.description))
        sections.append((title, rows))
    return sections


def stopping_lines(board: Board | None) -> tuple[str, list[Line]]:
    """The question `q` asks when the engine runs in this process: what stops."""
    lines: list[Line] = ["The engine runs in this terminal: quitting stops it."]
    running = [
        f"{look.version(s.in_flight)} in {s.name}"
        for s in (board.status.stages if board else ())
        if s.in_flight is not None
    ]
    if running:
        lines.append(
            f"In flight: {', '.join(running)}; what it cuts off is recorded as interrupted "
            "and runs again at the next `captain run`."
        )
    else:
        lines.append("Nothing is in flight now.")
    return "Stop the engine and quit?", lines
