"""Provides `ApprovalPrompt`: something that waits for a person — a manual gate, a
sign-off, or a version held by a blocker — shown in place in its stage's column, where
it is answered (approve or reject with a comment)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.content import Content
from textual.message import Message
from textual.widget import Widget

from release_captain.tui import look
from release_captain.tui.helm import Prompt
from release_captain.tui.stylesheet import beside


def prompt_title(prompt: Prompt) -> str:
    """What waits, in one line: `v7 waits to enter gamma`."""
    name = look.version(prompt.version)
    match prompt.kind:
        case "entry":
            return f"{name} waits for approval to enter {prompt.stage}"
        case "signoff":
            where = ", ".join(prompt.targets)
            return f"{name} waits for sign-off {prompt.approval} on {where}"
        case _:
            return f"{name} is held by a blocker from entering {prompt.stage}"


class ApprovalPrompt(Widget, can_focus=True):
    """A prompt; `a` approves and `r` rejects it (bindings of the board), a click opens
    the approval dialog."""

    DEFAULT_CSS = beside(__file__)

    @dataclass
    class Chosen(Message):
        """The person picked this prompt to answer it."""

        prompt: Prompt

    def __init__(self, prompt: Prompt, *, readonly: bool = False) -> None:
        super().__init__(id=f"prompt-{prompt.key}", classes=f"-{prompt.kind}")
        #: What waits.
        self.prompt = prompt
        self._readonly = readonly

    def render(self) -> Content:
        title = Content.styled("? " + prompt_title(self.prompt), "b")
        if self._readonly:
            return title
        if self.prompt.kind == "override":
            keys = "[b]a[/b] let through with a reason · [b]r[/b] reject"
        else:
            keys = "[b]a[/b] approve · [b]r[/b] reject"
        return Content("\n").join([title, Content.from_markup(keys)])

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.focus()
        if not self._readonly:
            self.post_message(self.Chosen(self.prompt))
