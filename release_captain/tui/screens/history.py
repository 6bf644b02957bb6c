"""Provides `HistoryScreen`: the audit log, newest first, narrowed by a filter over
stage, target, version, kind, actor and detail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from release_captain.errors import CaptainError
from release_captain.tui import look
from release_captain.tui.helm import Board
from release_captain.tui.widgets.filter_bar import FilterBar
from release_captain.tui.widgets.header import CaptainHeader

if TYPE_CHECKING:
    from release_captain.service import Event
    from release_captain.tui.app import CaptainApp

_KIND_STYLE = {
    "passed": "$text-success",
    "succeeded": "$text-success",
    "granted": "$text-success",
    "failed": "b $text-error",
    "rejected": "b $text-error",
    "superseded": "$text-warning",
    "interrupted": "$text-warning",
    "entered": "b $text-accent",
    "detected": "b",
}


#: Wide enough for the longest event kind (`rollback.succeeded`).
EVENT_WIDTH = 20


def event_text(event: Event) -> str:
    """Everything a filter may match in one event."""
    where = f"{event.stage or ''}/{event.target or ''}"
    version = f"v{event.version}" if event.version else ""
    return " ".join([version, where, event.kind, event.actor, event.detail]).lower()


class HistoryScreen(Screen[None]):
    """The audit log."""

    CSS_PATH = "history.tcss"
    HELP_TITLE = "History"
    BINDINGS = [
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("escape", "app.back", "Back"),
    ]

    app: CaptainApp

    def __init__(self, filter_text: str = "") -> None:
        super().__init__()
        #: The filter the screen opened with (a stage's name, from the board).
        self.filter_text = filter_text
        self._events: list[Event] = []
        self._last_id: int | None = None

    def compose(self) -> ComposeResult:
        header = CaptainHeader(readonly=self.app.readonly)
        header.place = "history"
        yield header
        yield DataTable(id="history", cursor_type="row", zebra_stripes=True)
        yield FilterBar("filter events: stage, target, version, kind, actor or text", id="filter")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("time", key="time", width=14)
        table.add_column("version", key="version", width=7)
        table.add_column("where", key="where")
        table.add_column("event", key="event", width=EVENT_WIDTH)
        table.add_column("actor", key="actor")
        table.add_column("detail", key="detail")
        table.focus()
        if self.filter_text:
            bar = self.query_one(FilterBar)
            bar.value = self.filter_text
            bar.remove_class("-closed")
        if self.app.board is not None:
            self.show_board(self.app.board)

    def show_board(self, board: Board) -> None:
        """Read the history again when something new was recorded."""
        self.query_one(CaptainHeader).show(board)
        newest = board.recent[-1].id if board.recent else 0
        if newest != self._last_id:
            self._last_id = newest
            self.load()

    @work(exclusive=True, group="history", thread=True)
    def load(self) -> None:
        """Read the events in a thread, then draw them."""
        try:
            events = self.app.helm.history()
        except CaptainError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error")
            return
        self.app.call_from_thread(self._draw, events)

    def _draw(self, events: list[Event]) -> None:
        self._events = events
        table = self.query_one(DataTable)
        table.clear()
        text = self.filter_text.lower()
        for event in reversed(events):
            if text and text not in event_text(event):
                continue
            where = event.stage or ""
            if event.target:
                where += f"/{event.target}"
            verb = event.kind.rsplit(".", 1)[-1]
            table.add_row(
                look.day_clock(event.at),
                look.version(event.version) if event.version else "",
                where,
                Content.styled(event.kind, _KIND_STYLE.get(verb, "")),
                event.actor,
                event.detail,
                key=str(event.id),
            )

    def action_filter(self) -> None:
        self.query_one(FilterBar).open()

    def on_filter_bar_narrowed(self, message: FilterBar.Narrowed) -> None:
        self.filter_text = message.text
        self._draw(self._events)

    def on_filter_bar_done(self, message: FilterBar.Done) -> None:
        self.query_one(DataTable).focus()
