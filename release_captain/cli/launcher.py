"""Provides the seam through which the CLI opens the TUI without importing it: the
console script (`release_captain.entry`) plugs the TUI in at start; a CLI run without it
(`typer`'s test runner, a script calling `app`) says so in one sentence."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from release_captain.errors import UsageError

if TYPE_CHECKING:
    from release_captain.config.model import Pipeline
    from release_captain.service import Captain, ForecastView


class Tui(Protocol):
    """What the CLI asks of the TUI: the three ways a command opens it."""

    def show(self, captain: Captain, *, readonly: bool, notify: bool = False) -> None:
        """`captain tui`: the board over the state; return when the person quits.
        `notify`: ring the bell (and OSC 9) when something waits for a person or fails."""

    def run(self, captain: Captain, *, until_idle: bool, notify: bool = False) -> None:
        """`captain run` in a terminal: the engine in this process with the board over it."""

    def demo(self, pipeline: Pipeline) -> dict[int, ForecastView]:
        """`captain demo` in a terminal: the story told on the board; returns the
        forecast taken when each version was built."""


_tui: Tui | None = None


def set_tui(tui: Tui | None) -> None:
    """Plug in (or, with None, take out) the TUI the commands open."""
    global _tui
    _tui = tui


def tui() -> Tui:
    """The TUI plugged in; a usage error when there is none."""
    if _tui is None:
        raise UsageError("this captain has no TUI plugged in; add --headless for plain output")
    return _tui
