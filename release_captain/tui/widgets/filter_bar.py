"""Provides `FilterBar`: the `/` filter line at the bottom of a screen; it narrows what
the screen shows as the person types, `enter` keeps the filter, `esc` clears it."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

from release_captain.tui.stylesheet import beside


class FilterBar(Input):
    """An input that posts `FilterBar.Narrowed` on every keystroke and hides itself when
    done."""

    DEFAULT_CSS = beside(__file__)
    BINDINGS = [Binding("escape", "clear", "Clear filter", show=False)]

    @dataclass
    class Narrowed(Message):
        """The filter text changed (empty: no filter)."""

        text: str

    @dataclass
    class Done(Message):
        """The person finished with the filter line."""

        text: str

    def __init__(self, placeholder: str = "filter…", id: str | None = None) -> None:
        super().__init__(placeholder=placeholder, id=id, classes="-closed")

    def open(self) -> None:
        """Show the line and put the cursor in it."""
        self.remove_class("-closed")
        self.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Narrowed(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not self.value:
            self.add_class("-closed")
        self.post_message(self.Done(self.value))

    def action_clear(self) -> None:
        self.value = ""
        self.add_class("-closed")
        self.post_message(self.Done(""))
