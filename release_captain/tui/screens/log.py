"""Provides `LogScreen`: the deploy and approval steps of one version on one target,
and the output of the chosen step — scrollable, and following while the step runs, then
on to the version's next step there. `[` and `]` step to the version deployed on the
target before or after, so an older version's failure stays one key away."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Log, OptionList
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from release_captain.errors import CaptainError
from release_captain.service import step_of
from release_captain.tui import look
from release_captain.tui.helm import Board
from release_captain.tui.widgets.header import CaptainHeader

if TYPE_CHECKING:
    from release_captain.service import Event, LogView
    from release_captain.tui.app import CaptainApp

_STEP_SYMBOL = {
    "running": "◔",
    "passed": "✓",
    "failed": "✗",
    "interrupted": "!",
    "cancelled": "⊘",
}
#: Seconds between two checks of whether a followed step still runs.
FOLLOW_CHECK = 1.0


class LogScreen(Screen[None]):
    """One rollout's steps and logs."""

    CSS_PATH = "log.tcss"
    HELP_TITLE = "Logs"
    BINDINGS = [
        Binding("escape", "app.back", "Back"),
        Binding("f", "toggle_follow", "Follow on/off"),
        Binding("left_square_bracket", "deployment(-1)", "Version before", key_display="["),
        Binding("right_square_bracket", "deployment(1)", "Version after", key_display="]"),
        Binding("tab", "switch", "Steps/log", show=False),
    ]

    app: CaptainApp

    def __init__(
        self, stage: str, target: str, version: int, *, event: Event | None = None
    ) -> None:
        super().__init__()
        self.stage, self.target, self.version = stage, target, version
        #: The history event the screen opens at: its step is chosen first.
        self._event = event
        #: The steps as last read, in the order they started.
        self.views: list[LogView] = []
        #: Whether the log follows a running step.
        self.following = True
        self._chosen: int | None = None
        self._target_view: object = None

    def compose(self) -> ComposeResult:
        header = CaptainHeader(readonly=self.app.readonly)
        header.place = self._place()
        yield header
        with Horizontal():
            steps = OptionList(id="steps")
            steps.border_title = "steps"
            yield steps
            text = Log(id="text", highlight=False, auto_scroll=True)
            text.border_title = "log"
            yield text
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#steps").focus()
        self.load()
        if self.app.board is not None:
            self.show_board(self.app.board)

    def show_board(self, board: Board) -> None:
        """Read the steps again when this target's rollout changed."""
        self.query_one(CaptainHeader).show(board)
        stage = board.stage(self.stage)
        view = next((t for t in stage.targets if t.name == self.target), None) if stage else None
        if view != self._target_view:
            if self._target_view is not None:
                self.load()
            self._target_view = view

    @work(exclusive=True, group="log-load", thread=True)
    def load(self) -> None:
        """Read every step's log in a thread, then draw the list."""
        try:
            views = self.app.helm.logs(self.version, self.stage, self.target)
        except CaptainError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error")
            return
        self.app.call_from_thread(self._draw_steps, views)

    def _draw_steps(self, views: list[LogView]) -> None:
        old = self.views
        states = {v.step.id: v.step.state for v in old}
        self.views = views
        steps = self.query_one("#steps", OptionList)
        steps.clear_options()
        for view in views:
            step = view.step
            label = ("onebox " if step.onebox else "") + step.name
            if step.attempt > 1:
                label += f" #{step.attempt}"
            symbol = _STEP_SYMBOL.get(step.state, "?")
            took = ""
            if step.finished_at is not None:
                took = "  " + look.duration(step.finished_at - step.started_at)
            steps.add_option(Option(f"{symbol} {label}  {step.state}{took}", id=str(step.id)))
        if not views:
            return
        index = self._choice(old)
        steps.highlighted = index
        step = views[index].step
        if step.id != self._chosen or states.get(step.id) != step.state:
            self._show_step(index)

    def _choice(self, old: list[LogView]) -> int:
        """Which step to show: the history event's, else the one chosen before — unless
        following, it was the newest and a newer one started — else the newest running,
        else the newest failed (the rollback after a failure explains less), else the
        newest."""
        ids = [v.step.id for v in self.views]
        if self._event is not None:
            event, self._event = self._event, None
            found = step_of(event, self.views)
            if found is not None:
                return ids.index(found.step.id)
        newest = old[-1].step.id if old else None
        moved_on = self.following and self._chosen == newest and ids[-1] != newest
        if self._chosen in ids and not moved_on:
            return ids.index(self._chosen)
        for state in ("running", "failed"):
            those = [i for i, v in enumerate(self.views) if v.step.state == state]
            if those:
                return those[-1]
        return len(ids) - 1

    @on(OptionList.OptionHighlighted, "#steps")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        index = event.option_index
        if 0 <= index < len(self.views) and self.views[index].step.id != self._chosen:
            self._show_step(index)

    def _show_step(self, index: int) -> None:
        view = self.views[index]
        self._chosen = view.step.id
        text = self.query_one("#text", Log)
        text.clear()
        step = view.step
        text.border_title = f"{step.name}: {step.state}"
        text.border_subtitle = step.detail[:60]
        text.write(view.text or "(no output)\n")
        if step.state == "running" and self.following:
            self.follow(view)
        else:
            self.workers.cancel_group(self, "log-follow")

    @work(exclusive=True, group="log-follow", thread=True)
    def follow(self, view: LogView) -> None:
        """Write what the running step appends to its log, until it ends."""
        worker = get_current_worker()
        checked = [0.0, True]

        def running() -> bool:
            if worker.is_cancelled:
                return False
            if time.monotonic() - checked[0] >= FOLLOW_CHECK:
                checked[0] = time.monotonic()
                try:
                    again = self.app.helm.logs(self.version, self.stage, self.target)
                except CaptainError:
                    return False
                same = [v for v in again if v.step.id == view.step.id]
                checked[1] = bool(same) and same[0].step.state == "running"
            return bool(checked[1])

        text = self.query_one("#text", Log)
        try:
            for line in self.app.helm.follow(view, running):
                if worker.is_cancelled:
                    return
                self.app.call_from_thread(text.write, line)
        except OSError:
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self.load)

    def action_toggle_follow(self) -> None:
        self.following = not self.following
        self.notify("following the log" if self.following else "not following the log")
        text = self.query_one("#text", Log)
        text.auto_scroll = self.following
        if self.following and self._chosen is not None:
            ids = [v.step.id for v in self.views]
            if self._chosen in ids:
                self._show_step(ids.index(self._chosen))
        else:
            self.workers.cancel_group(self, "log-follow")

    def action_switch(self) -> None:
        steps, text = self.query_one("#steps"), self.query_one("#text")
        (text if steps.has_focus else steps).focus()

    def _place(self) -> str:
        return f"{look.version(self.version)} on {self.stage}/{self.target}"

    @work(exclusive=True, group="log-load", thread=True)
    def action_deployment(self, step: int) -> None:
        """Show the version deployed on this target before (`-1`) or after (`1`) this one."""
        try:
            versions = self.app.helm.deployments(self.stage, self.target)
        except CaptainError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error")
            return
        around = [v for v in versions if (v - self.version) * step > 0]
        if not around:
            word = "first" if step < 0 else "newest"
            where = f"{self.stage}/{self.target}"
            self.app.call_from_thread(
                self.notify, f"{look.version(self.version)} is the {word} deployment on {where}"
            )
            return
        self.app.call_from_thread(self._switch, min(around, key=lambda v: abs(v - self.version)))

    def _switch(self, version: int) -> None:
        """Show `version`'s steps on the same target, its newest step first."""
        self.workers.cancel_group(self, "log-follow")
        self.version, self.views, self._chosen = version, [], None
        header = self.query_one(CaptainHeader)
        header.place = self._place()
        header.refresh()
        self.load()

    def log_text(self) -> str:
        """What the log pane shows (for tests)."""
        return "\n".join(self.query_one("#text", Log).lines)
