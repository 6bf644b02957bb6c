"""Provides `IncidentScreen` (`i`): the target that most recently failed or alarmed, the
output of the step or monitor that failed it, and the three things a person on call
does next — roll it back (picking the version), pause the next wave, reject the
version — each with a reason pre-filled from the failure. The service answers which
failure it is (`service.incident`); this screen only draws it and gives the orders."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from release_captain.errors import CaptainError
from release_captain.tui import look
from release_captain.tui.helm import Board
from release_captain.tui.screens.log import LogScreen
from release_captain.tui.widgets.header import CaptainHeader
from release_captain.tui.widgets.ticking import Ticking

if TYPE_CHECKING:
    from release_captain.service import IncidentView
    from release_captain.tui.app import CaptainApp

#: Actions of this screen that change the state (refused on a read-only screen).
INCIDENT_ORDERS = frozenset({"rollback", "pause_next", "reject"})


class IncidentScreen(Screen[None]):
    """The newest failure and what to do about it."""

    CSS_PATH = "incident.tcss"
    HELP_TITLE = "Incident"
    BINDINGS = [
        Binding("b", "rollback", "Roll back…"),
        Binding("p", "pause_next", "Pause next wave"),
        Binding("r", "reject", "Reject version"),
        Binding("o", "output", "Output"),
        Binding("escape", "app.back", "Back"),
    ]

    app: CaptainApp

    def __init__(self) -> None:
        super().__init__()
        #: The failure shown, once read; None also when nothing ever failed.
        self.incident: IncidentView | None = None

    def compose(self) -> ComposeResult:
        yield CaptainHeader(readonly=self.app.readonly)
        yield Ticking(self._headline, classes="headline")
        yield Static("", id="facts")
        with VerticalScroll(id="output") as box:
            box.border_title = "output"
            yield Static("", id="text")
        yield Static("", id="next")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#output").focus()
        self.load()
        if self.app.board is not None:
            self.query_one(CaptainHeader).show(self.app.board)

    def show_board(self, board: Board) -> None:
        """Read the incident again when the board changed (a newer failure, say)."""
        self.query_one(CaptainHeader).show(board)
        self.load()

    @work(exclusive=True, group="incident", thread=True)
    def load(self) -> None:
        """Ask the service for the newest failure, in a thread."""
        try:
            found = self.app.helm.incident()
        except CaptainError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error")
            return
        self.app.call_from_thread(self.draw, found)

    def draw(self, incident: IncidentView | None) -> None:
        """Draw `incident`, or say that nothing failed."""
        changed = incident != self.incident
        self.incident = incident
        self.query_one(Ticking).show_time(self.app.now())
        if incident is None:
            self.query_one("#facts", Static).update("no target has failed or alarmed")
            self.query_one("#text", Static).update("")
            self.query_one("#next", Static).update("")
        elif changed:
            self.query_one("#facts", Static).update(self._facts(incident))
            self.query_one("#text", Static).update(
                Content(incident.output or "(the step wrote nothing)")
            )
            self.query_one("#next", Static).update(self._next(incident))
        self.refresh_bindings()

    def _headline(self, now: float) -> Content:
        incident = self.incident
        if incident is None:
            return Content.styled("Incident", "b")
        return Content.assemble(
            (f"{incident.stage}/{incident.target}", "b"),
            "  ",
            (look.version(incident.version), "b $text-error"),
            "  ",
            (f"{incident.step} {incident.event.kind.rsplit('.', 1)[-1]}", "b $text-error"),
            "  ",
            (
                f"{look.clock(incident.event.at)} ({look.ago(incident.event.at, now)})",
                "$foreground-muted",
            ),
        )

    def _facts(self, incident: IncidentView) -> Content:
        runs = look.version(incident.running) if incident.running is not None else "nothing"
        now = f"{incident.target} runs {runs} now"
        if incident.over:  # say so before anyone rolls a healthy target back
            now += ", which succeeded there since: this incident is over"
        return Content.assemble((incident.event.detail, "i"), "\n", now)

    def _next(self, incident: IncidentView) -> Content:
        wave = incident.next_stage or "—"
        version = look.version(incident.version)
        return Content.assemble(
            ("b", "b $text-accent"),
            " roll back (pick the version)   ",
            ("p", "b $text-accent"),
            f" pause {wave}   ",
            *(
                [(f"{version} is rejected in {incident.stage}   ", "$foreground-muted")]
                if incident.rejected
                else [("r", "b $text-accent"), f" reject {version} in {incident.stage}   "]
            ),
            ("o", "b $text-accent"),
            " the whole log",
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in INCIDENT_ORDERS and self.app.readonly:
            return False
        incident = self.incident
        if action == "pause_next":
            return incident is not None and incident.next_stage is not None
        if action == "reject":
            return incident is not None and not incident.rejected
        if action in ("rollback", "output"):
            return incident is not None
        return True

    # -- actions: the board's orders, with the failure as the reason ----------------

    def action_rollback(self) -> None:
        if self.incident is not None:
            where = f"{self.incident.stage}/{self.incident.target}"
            self.app.order_rollback([where], reason=self.incident.reason)

    def action_pause_next(self) -> None:
        if self.incident is not None and self.incident.next_stage is not None:
            self.app.order_pause(self.incident.next_stage, reason=self.incident.reason)

    def action_reject(self) -> None:
        if self.incident is not None:
            incident = self.incident
            self.app.order_reject(incident.stage, incident.version, reason=incident.reason)

    def action_output(self) -> None:
        if self.incident is not None:
            i = self.incident  # on top of this screen, so `esc` comes back here
            self.app.push_screen(LogScreen(i.stage, i.target, i.version, event=i.event))
