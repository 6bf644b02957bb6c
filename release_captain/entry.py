"""Provides the `captain` console script: the command line, with the TUI plugged in for
the commands that open it (`run` and `demo` in a terminal, `tui`).

It sits above both faces so that neither imports the other: the CLI reaches the TUI
only through `cli.launcher`, and Textual is imported only when a board opens.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from release_captain.cli import launcher
from release_captain.cli import main as cli_main

if TYPE_CHECKING:
    from release_captain.config.model import Pipeline
    from release_captain.service import Captain, ForecastView


class TextualTui:
    """The Textual TUI, as the CLI's commands open it."""

    def show(self, captain: Captain, *, readonly: bool, notify: bool = False) -> None:
        from release_captain.tui import make_app

        make_app(captain, readonly=readonly, notify=notify).run()

    def run(self, captain: Captain, *, until_idle: bool, notify: bool = False) -> None:
        from release_captain.tui import run_with_tui

        run_with_tui(captain, until_idle=until_idle, notify=notify)

    def demo(self, pipeline: Pipeline) -> dict[int, ForecastView]:
        """The engine runs in the app, the story commits beside it, and the person
        answers the gate and the sign-off on the board."""
        from release_captain.demo import Demo, DemoError, DemoStopped, stop_services
        from release_captain.service import Captain
        from release_captain.tui import make_app

        captain = Captain(pipeline)
        app = make_app(captain, engine=True)
        failure: list[BaseException] = []

        def say(text: str) -> None:
            app.call_from_thread(app.notify, text, title="demo", timeout=12)

        story = Demo(pipeline, say=say, approve=False, timeout=3600)
        story_over = threading.Event()

        def tell() -> None:
            while not app.is_running and not story_over.is_set():
                time.sleep(0.05)
            try:
                story.tell()
            except DemoError as error:
                failure.append(error)

        teller = threading.Thread(target=tell, name="captain-demo-story", daemon=True)
        teller.start()
        try:
            app.run()
        finally:
            story.stop()
            story_over.set()
            app.engine_stop.set()
            if app.engine_started:
                app.engine_done.wait(60)
            teller.join(timeout=5)
            stop_services(pipeline)
            captain.close()
        if app.engine_error is not None:
            raise app.engine_error
        if failure and not isinstance(failure[0], DemoStopped):
            raise failure[0]
        return story.forecasts


def main() -> None:
    """The console script: the CLI with the Textual TUI plugged in."""
    launcher.set_tui(TextualTui())
    cli_main()
