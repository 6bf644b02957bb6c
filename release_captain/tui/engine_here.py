"""Provides `EngineHere`: the TUI's side of an engine running in the same process
(`captain run` on a terminal) — running it on a worker thread, refreshing when it
records something, leaving when it stops, and asking before `q` stops it (and, with it,
the deploys in flight)."""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING

from textual import work

from release_captain.errors import CaptainError
from release_captain.service import Captain
from release_captain.tui import keymap
from release_captain.tui.dialogs.confirm import ConfirmDialog
from release_captain.tui.helm import Board

if TYPE_CHECKING:
    from textual.app import App

    from release_captain.service import Event

    _Base = App[None]
else:
    _Base = object


class EngineHere(_Base):
    """The engine in this process, as the App's workers and timers."""

    board: Board | None
    #: The engine's own service (its own database connection), when it runs here.
    engine: Captain | None
    until_idle: bool
    engine_stop: threading.Event
    engine_done: threading.Event
    engine_started: bool
    engine_error: BaseException | None
    _engine_events: threading.Event

    def refresh_now(self) -> None: ...  # provided by the App

    @work(thread=True, group="engine", exit_on_error=False)
    def run_engine(self) -> None:
        """Run the engine until stopped (or idle); never on the UI thread."""
        assert self.engine is not None
        try:
            self.engine.run(
                until_idle=self.until_idle, stop=self.engine_stop, on_event=self._engine_event
            )
        except BaseException as error:  # reported after the app closes
            self.engine_error = error
        finally:
            self.engine.close()
            self.engine_done.set()

    def _engine_event(self, event: Event) -> None:
        self._engine_events.set()

    def _engine_tick(self) -> None:
        if self._engine_events.is_set():
            self._engine_events.clear()
            self.refresh_now()
        if self.engine_done.is_set() and not self.engine_stop.is_set():
            self.engine_stop.set()
            if self.engine_error is not None:
                error = self.engine_error
                self.exit(return_code=error.exit_code if isinstance(error, CaptainError) else 1)
            else:
                self.exit()

    async def action_quit(self) -> None:
        """Leave; with the engine running here, only once the person confirms that it
        stops (and, with it, the deploys in flight)."""
        if self.engine_started and not self.engine_done.is_set():
            if not isinstance(self.screen, ConfirmDialog):
                self._quit()
            return
        self.exit()

    @work(group="quit", exclusive=True)
    async def _quit(self) -> None:
        title, lines = keymap.stopping_lines(self.board)
        answer = await self.push_screen_wait(ConfirmDialog(title, lines, confirm="Stop and quit"))
        if answer is None:
            return
        if not self.engine_done.is_set():
            self.engine_stop.set()
            self.notify("stopping the engine…", timeout=30)
            await asyncio.to_thread(self.engine_done.wait, 60)
        self.exit()

    def stop_from_signal(self) -> None:
        """SIGTERM: stop the engine and leave."""
        self.engine_stop.set()
        self.exit()
