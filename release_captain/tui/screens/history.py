"""Provides `HistoryScreen`: the audit log, newest first, narrowed by a filter over
stage, target, version, kind, actor and detail.

New events are added to the table as they come, never by clearing it: the cursor stays
on the event a person is reading (and the rows they see stay put) however busy the
engine is. The highlighted event is shown whole below the table; `enter` opens it, and
an event about a step leads to that step's log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from release_captain.errors import CaptainError
from release_captain.service import speaks_of_a_step
from release_captain.tui import look
from release_captain.tui.dialogs.event import EventDialog, describe, where
from release_captain.tui.helm import HISTORY_SHOWN, Board
from release_captain.tui.screens.log import LogScreen
from release_captain.tui.widgets.filter_bar import FilterBar
from release_captain.tui.widgets.header import CaptainHeader
from release_captain.tui.widgets.ticking import Ticking

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


class Stamp(str):
    """A row's time cell, which knows its event: the table sorts by it, newest first."""

    event_id: int


def _stamp(event: Event) -> Stamp:
    stamp = Stamp(look.day_clock(event.at))
    stamp.event_id = event.id
    return stamp


class HistoryScreen(Screen[None]):
    """The audit log."""

    CSS_PATH = "history.tcss"
    HELP_TITLE = "History"
    BINDINGS = [
        Binding("enter", "open", "Open the event"),
        Binding("o", "logs", "Step's log"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("escape", "app.back", "Back"),
    ]

    app: CaptainApp

    def __init__(self, filter_text: str = "") -> None:
        super().__init__()
        #: The filter the screen opened with (a stage's name, from the board).
        self.filter_text = filter_text
        #: The events read so far, by id, oldest first.
        self._events: dict[int, Event] = {}
        self._last_id: int | None = None

    def compose(self) -> ComposeResult:
        header = CaptainHeader(readonly=self.app.readonly)
        header.place = "history"
        yield header
        yield DataTable(id="history", cursor_type="row", zebra_stripes=True)
        yield Ticking(self._paint_detail, classes="detail")
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
        """Read the events in a thread, then add the new ones."""
        try:
            events = self.app.helm.history()
        except CaptainError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error")
            return
        self.app.call_from_thread(self.add_events, events)

    # -- the table -----------------------------------------------------------------

    def add_events(self, events: list[Event]) -> None:
        """Add the events not shown yet (oldest first in `events`) above the others,
        keeping the cursor on its event and, once scrolled, the rows in view."""
        newest = max(self._events, default=0)
        fresh = [e for e in events if e.id > newest]
        if not fresh:
            return
        table = self.query_one(DataTable)
        chosen = self.selected()
        for event in fresh:
            self._events[event.id] = event
        added = [e for e in fresh if self._matches(e)]
        for event in added:
            self._add_row(event)
        for old in list(self._events)[: max(0, len(self._events) - HISTORY_SHOWN)]:
            del self._events[old]
            if str(old) in table.rows:
                table.remove_row(str(old))
        if not added:
            return
        table.sort("time", key=lambda stamp: stamp.event_id, reverse=True)
        if chosen is not None and str(chosen.id) in table.rows:
            if table.scroll_y > 0:
                table.scroll_to(y=table.scroll_y + len(added), animate=False, immediate=True)
            table.move_cursor(row=table.get_row_index(str(chosen.id)), animate=False)
        self._show_detail()

    def _draw_all(self) -> None:
        """Draw the table again from the events read (the filter changed)."""
        table = self.query_one(DataTable)
        chosen = self.selected()
        table.clear()
        for event in reversed(self._events.values()):
            if self._matches(event):
                self._add_row(event)
        if chosen is not None and str(chosen.id) in table.rows:
            table.move_cursor(row=table.get_row_index(str(chosen.id)), animate=False)
        self._show_detail()

    def _matches(self, event: Event) -> bool:
        return not self.filter_text or self.filter_text.lower() in event_text(event)

    def _add_row(self, event: Event) -> None:
        verb = event.kind.rsplit(".", 1)[-1]
        self.query_one(DataTable).add_row(
            _stamp(event),
            look.version(event.version) if event.version else "",
            where(event),
            Content.styled(event.kind, _KIND_STYLE.get(verb, "")),
            event.actor,
            event.detail,
            key=str(event.id),
        )

    def selected(self) -> Event | None:
        """The event under the cursor."""
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._events.get(int(key)) if key else None

    # -- the selected event ----------------------------------------------------------

    def _paint_detail(self, now: float) -> Content:
        event = self.selected() if self.is_mounted else None
        if event is None:
            return Content.styled("no event", "$foreground-muted")
        return describe(event, now)

    def _show_detail(self) -> None:
        self.query_one(".detail", Ticking).show_time(self.app.now())

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    @work(group="history-open")
    async def action_open(self) -> None:
        """The event whole, and from there its step's log."""
        chosen = self.selected()
        if chosen is not None and await self.app.push_screen_wait(EventDialog(chosen)):
            self._open_log(chosen)

    def action_logs(self) -> None:
        chosen = self.selected()
        if chosen is None or not speaks_of_a_step(chosen):
            self.notify("this event is not about a step; it has no log", severity="warning")
            return
        self._open_log(chosen)

    def _open_log(self, event: Event) -> None:
        assert event.stage and event.target and event.version is not None
        self.app.push_screen(LogScreen(event.stage, event.target, event.version, event=event))

    # -- the filter ----------------------------------------------------------------

    def action_filter(self) -> None:
        self.query_one(FilterBar).open()

    def on_filter_bar_narrowed(self, message: FilterBar.Narrowed) -> None:
        self.filter_text = message.text
        self._draw_all()

    def on_filter_bar_done(self, message: FilterBar.Done) -> None:
        self.query_one(DataTable).focus()
