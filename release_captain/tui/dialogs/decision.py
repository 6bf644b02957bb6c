"""Provides `DecisionDialog`: the answer to a prompt. It names the version, the commits
and files it brings over what the stage last passed (`dialogs.changes`), and what
approving or rejecting will do, takes a comment (required to reject, and to let
a version through a blocker), and answers a `Decision`, or None when cancelled."""

from __future__ import annotations

from typing import Literal

from msgspec import Struct
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from release_captain.tui.widgets.ticking import Line, line_widget

Verdict = Literal["approve", "reject"]


class Decision(Struct, frozen=True):
    """What the person decided, and why."""

    verdict: Verdict
    comment: str


class DecisionDialog(ModalScreen[Decision | None]):
    """Approve or reject with a comment."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        lines: list[Line],
        *,
        changes: list[Content | str] | None = None,
        effects: list[Line] | None = None,
        verdict: Verdict = "approve",
        approve_label: str = "Approve",
        approve_needs_comment: bool = False,
    ) -> None:
        super().__init__(classes="-destructive" if verdict == "reject" else "")
        self._title = title
        self._lines = lines
        #: The diff before approve, in its own scrolling box so the buttons stay in view.
        self._changes = changes or []
        #: What approving and rejecting will do, under the changes.
        self._effects = effects or []
        #: What `enter` in the comment line does.
        self.verdict: Verdict = verdict
        self._approve_label = approve_label
        self._approve_needs_comment = approve_needs_comment

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as box:
            box.border_title = self._title
            for line in self._lines:
                yield line_widget(line)
            if self._changes:
                with VerticalScroll(id="changes", can_focus=False):
                    for line in self._changes:
                        yield Static(line, classes="line")
            for effect in self._effects:
                yield line_widget(effect)
            placeholder = (
                "reason (required)"
                if self.verdict == "reject" or self._approve_needs_comment
                else "comment (optional; required to reject)"
            )
            yield Input(placeholder=placeholder, id="comment")
            yield Label("", id="problem")
            with Horizontal(id="buttons"):
                yield Button(self._approve_label, id="approve", variant="success")
                yield Button("Reject", id="reject", variant="error")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#comment", Input).focus()

    @on(Input.Submitted, "#comment")
    def submitted(self) -> None:
        self.decide(self.verdict)

    @on(Button.Pressed, "#approve")
    def approve(self) -> None:
        self.decide("approve")

    @on(Button.Pressed, "#reject")
    def reject(self) -> None:
        self.decide("reject")

    def decide(self, verdict: Verdict) -> None:
        """Answer, unless the comment the verdict needs is missing."""
        comment = self.query_one("#comment", Input).value.strip()
        needs = verdict == "reject" or self._approve_needs_comment
        if needs and not comment:
            what = "to reject" if verdict == "reject" else "to let it through the blocker"
            self.query_one("#problem", Label).update(f"a reason is required {what}")
            self.query_one("#comment", Input).focus()
            return
        self.dismiss(Decision(verdict, comment))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
