"""Provides `RollbackDialog`: the confirmation of a rollback that names from and to, lets
a person pick the version to go to (`--to`: the last good one by default, or an older
version that succeeded there; the versions the engine refuses are listed with its
reason), and takes a reason, pre-filled when the rollback answers a failure."""

from __future__ import annotations

from msgspec import Struct
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from release_captain.service import RollbackChoice
from release_captain.tui import look
from release_captain.tui.widgets.ticking import Line, line_widget


class RollbackOrder(Struct, frozen=True):
    """What the person confirmed: where to (None: the last good version) and why."""

    to: int | None
    reason: str


def choice_options(choices: tuple[RollbackChoice, ...]) -> list[tuple[str, int]]:
    """The versions the picker offers: those the engine accepts, last good marked."""
    return [
        (look.version(c.version) + (" (last good)" if c.last_good else ""), c.version)
        for c in choices
        if not c.refused
    ]


class RollbackDialog(ModalScreen[RollbackOrder | None]):
    """Confirm a rollback, with a version picker and a required reason."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        lines: list[Line],
        *,
        choices: tuple[RollbackChoice, ...] = (),
        reason: str = "",
    ) -> None:
        super().__init__(classes="-destructive")
        self._title = title
        self._lines = lines
        self._choices = choices
        self._reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as box:
            box.border_title = self._title
            for line in self._lines:
                yield line_widget(line)
            options = choice_options(self._choices)
            if options:
                default = next((c.version for c in self._choices if c.last_good), Select.BLANK)
                yield Select(options, value=default, prompt="the last good version", id="to")
            for choice in self._choices:
                if choice.refused:
                    yield line_widget(
                        Content.styled(
                            f"not {look.version(choice.version)}: {choice.refused}",
                            "$foreground-muted",
                        )
                    )
            # Pre-filled: kept whole on focus (not selected, so typing adds to it).
            yield Input(
                self._reason, placeholder="reason (required)", id="reason", select_on_focus=False
            )
            yield Label("", id="problem")
            with Horizontal(id="buttons"):
                yield Button("Roll back", id="confirm", variant="error")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        reason = self.query_one("#reason", Input)
        reason.focus()
        reason.cursor_position = 0  # a pre-filled reason is read from its start

    @on(Button.Pressed, "#confirm")
    @on(Input.Submitted, "#reason")
    def confirm(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.query_one("#problem", Label).update("a reason is required")
            self.query_one("#reason", Input).focus()
            return
        self.dismiss(RollbackOrder(self.chosen(), reason))

    def chosen(self) -> int | None:
        """The version picked, or None for the last good one (no `--to`)."""
        picker = self.query("#to")
        if not picker:
            return None
        value = picker.first(Select).value
        last_good = next((c.version for c in self._choices if c.last_good), None)
        return value if isinstance(value, int) and value != last_good else None

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
