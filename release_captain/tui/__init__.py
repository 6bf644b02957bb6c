"""Provides the Textual TUI (SPEC §7): `make_app` builds it over a `Captain`, and
`run_with_tui` runs the engine and the TUI together for `captain run` in a terminal."""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING

from release_captain.tui.app import CaptainApp, make_app

if TYPE_CHECKING:
    from release_captain.service import Captain

__all__ = ["CaptainApp", "make_app", "run_with_tui"]

#: Seconds `run_with_tui` waits for the engine to stop after the screen closed.
ENGINE_STOP_WAIT = 60.0


def run_with_tui(captain: Captain, *, until_idle: bool = False, notify: bool = False) -> None:
    """Run the engine in a thread of this process and the TUI over it; return when the
    person quits (or, with `until_idle`, when the engine is idle). The engine's error,
    if it failed (another engine holds the state dir, say), is raised again here so the
    CLI prints its sentence and exit code."""
    app = make_app(captain, engine=True, until_idle=until_idle, notify=notify)
    # A closed terminal or a `kill` stops the engine the way `q` does: what it cut off
    # is recorded as interrupted.
    previous = {
        sig: signal.signal(sig, lambda signum, frame: app.stop_from_signal())
        for sig in (signal.SIGTERM, signal.SIGHUP)
    }
    try:
        app.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        app.engine_stop.set()
        if app.engine_started:
            app.engine_done.wait(ENGINE_STOP_WAIT)
    if app.engine_error is not None:
        raise app.engine_error
