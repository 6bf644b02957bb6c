"""Provides `ConfirmDialog`: a question that names exactly what will happen, with a
reason line (required for destructive actions); it answers the reason, or None when the
person cancels."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from release_captain.tui.widgets.ticking import Line, line_widget


class ConfirmDialog(ModalScreen[str | None]):
    """Confirm or cancel; `dismiss(reason)` on confirm, `dismiss(None)` on cancel."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        lines: list[Line],
        *,
        confirm: str = "Confirm",
        reason: str | None = None,
        reason_required: bool = False,
        destructive: bool = False,
        value: str = "",
    ) -> None:
        super().__init__(classes="-destructive" if destructive else "")
        self._title = title
        self._lines = lines
        self._confirm = confirm
        #: The placeholder of the reason line; None: no reason is asked.
        self._reason = reason
        self._required = reason_required
        #: The reason pre-filled (from a failure, say).
        self._value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as box:
            box.border_title = self._title
            for line in self._lines:
                yield line_widget(line)
            if self._reason is not None:
                yield Input(
                    self._value,
                    placeholder=self._reason,
                    id="reason",
                    select_on_focus=not self._value,  # a pre-filled reason is kept whole
                )
            yield Label("", id="problem")
            with Horizontal(id="buttons"):
                yield Button(
                    self._confirm,
                    id="confirm",
                    variant="error" if self.has_class("-destructive") else "primary",
                )
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        focus = self.query("#reason") or self.query("#confirm")
        focus.first().focus()
        if self._value:
            self.query_one("#reason", Input).cursor_position = 0  # read from its start

    @on(Button.Pressed, "#confirm")
    @on(Input.Submitted, "#reason")
    def confirm(self) -> None:
        reason = self.query_one("#reason", Input).value.strip() if self._reason is not None else ""
        if self._required and not reason:
            self.query_one("#problem", Label).update("a reason is required")
            self.query_one("#reason", Input).focus()
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
