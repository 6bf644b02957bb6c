"""Provides `Ticking`, a line whose relative times (`3m ago`, `4m12s left`) are written
at paint from the clock, and `ShowsTime`, what the app's one-second tick calls: an age
computed when the state last changed would freeze while nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual.content import Content
from textual.widgets import Static

if TYPE_CHECKING:
    from release_captain.tui.app import CaptainApp

#: The class that marks a widget the tick repaints (a screen always is asked).
TICKS = "-ticks"

#: Writes a line for the moment `now`.
Paint = Callable[[float], Content]
#: A line of a dialog: fixed, or written again at every tick.
Line = Content | str | Paint


@runtime_checkable
class ShowsTime(Protocol):
    """A screen or widget that shows times relative to now."""

    def show_time(self, now: float) -> None:
        """Write the relative times again for `now`."""


class Ticking(Static):
    """A line written again, from `paint`, at every tick of the clock."""

    app: CaptainApp

    def __init__(self, paint: Paint, *, classes: str = "") -> None:
        super().__init__(classes=f"{classes} {TICKS}".strip())
        self._paint = paint

    def on_mount(self) -> None:
        self.show_time(self.app.now())

    def show_time(self, now: float) -> None:
        self.update(self._paint(now))


def line_widget(line: Line, classes: str = "line") -> Static:
    """The widget of one dialog line: a `Ticking` one when it tells a relative time."""
    if callable(line):
        return Ticking(line, classes=classes)
    return Static(line, classes=classes)
