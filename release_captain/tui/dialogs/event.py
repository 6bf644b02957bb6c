"""Provides `EventDialog`: one history event whole — when (and how long ago), what,
where, who, and its detail wrapped, never cut — and, for an event about a step, the way
to that step's log. `event_text` writes the same description for the history's pane."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button

from release_captain.service import speaks_of_a_step
from release_captain.tui import look
from release_captain.tui.widgets.ticking import Ticking

if TYPE_CHECKING:
    from release_captain.service import Event


def where(event: Event) -> str:
    """`stage/target`, `stage`, or nothing."""
    return "/".join(p for p in (event.stage, event.target) if p)


def describe(event: Event, now: float) -> Content:
    """An event whole, for a person: its moment and age, kind, version, place, actor,
    then its detail (wrapped by the widget that shows it)."""
    moment = dt.datetime.fromtimestamp(event.at).strftime("%Y-%m-%d %H:%M:%S")
    head = Content.assemble(
        (event.kind, "b"),
        "  ",
        (look.version(event.version), "b") if event.version else "",
        f"  {where(event)}" if where(event) else "",
        "\n",
        (f"{moment} ({look.ago(event.at, now)})", "$foreground-muted"),
        "  by ",
        (event.actor, "b"),
    )
    return head + Content("\n" + (event.detail or "(no detail)"))


class EventDialog(ModalScreen[bool]):
    """One event; answers True when the person asks for its step's log."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("o", "logs", "Step's log"),
    ]

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as box:
            box.border_title = f"event {self.event.id}"
            box.border_subtitle = "esc closes"
            with VerticalScroll(id="body"):
                yield Ticking(lambda now: describe(self.event, now), classes="line")
            with Horizontal(id="buttons"):
                if speaks_of_a_step(self.event):
                    yield Button("Open the step's log (o)", id="logs", variant="primary")
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        self.query("Button").first().focus()

    @on(Button.Pressed, "#logs")
    def action_logs(self) -> None:
        if speaks_of_a_step(self.event):
            self.dismiss(True)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(False)
