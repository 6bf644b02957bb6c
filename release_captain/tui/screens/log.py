"""Provides `LogScreen`: the deploy and approval steps of one version on one target,
and the output of the chosen step — scrollable, and following while the step runs."""

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
from release_captain.tui import look
from release_captain.tui.helm import Board
from release_captain.tui.widgets.header import CaptainHeader

if TYPE_CHECKING:
    from release_captain.service import LogView
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
        Binding("tab", "switch", "Steps/log", show=False),
    ]

    app: CaptainApp

    def __init__(self, stage: str, target: str, version: int) -> None:
        super().__init__()
        self.stage, self.target, self.version = stage, target, version
        #: The steps as last read, in the order they started.
        self.views: list[LogView] = []
        #: Whether the log follows a running step.
        self.following = True
        self._chosen: int | None = None
        self._target_view: object = None

    def compose(self) -> ComposeResult:
        header = CaptainHeader(readonly=self.app.readonly)
        header.place = f"{look.version(self.version)} on {self.stage}/{self.target}"
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
        old = {v.step.id: v.step.state for v in self.views}
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
        ids = [v.step.id for v in views]
        if (
            self._chosen in ids
            and old.get(self._chosen) == views[ids.index(self._chosen)].step.state
        ):
            steps.highlighted = ids.index(self._chosen)
            return
        running = [i for i, v in enumerate(views) if v.step.state == "running"]
        index = running[-1] if running else len(views) - 1
        if self._chosen in ids:
            index = ids.index(self._chosen)
        steps.highlighted = index
        self._show_step(index)

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

    def log_text(self) -> str:
        """What the log pane shows (for tests)."""
        return "\n".join(self.query_one("#text", Log).lines)
