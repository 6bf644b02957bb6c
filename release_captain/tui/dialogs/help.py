"""Provides `HelpDialog`: every key binding of the TUI, screen by screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

#: (section title, [(keys, what they do)])
Sections = list[tuple[str, list[tuple[str, str]]]]


class HelpDialog(ModalScreen[None]):
    """The list of bindings; any of `esc`, `q`, `?` closes it."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close"),
    ]

    def __init__(self, sections: Sections) -> None:
        super().__init__()
        self._sections = sections

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as box:
            box.border_title = "Keys"
            box.border_subtitle = "esc closes"
            with VerticalScroll(id="body"):
                for title, rows in self._sections:
                    yield Static(Content.styled(title, "b $text-primary"), classes="section")
                    width = max((len(k) for k, _ in rows), default=0)
                    text = Content("\n").join(
                        Content.assemble((keys.ljust(width + 2), "b"), what) for keys, what in rows
                    )
                    yield Static(text, classes="line")

    def action_close(self) -> None:
        self.dismiss(None)
