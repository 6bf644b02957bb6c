"""Provides `VersionsScreen`: every version, newest first, with its short SHA, author,
message, age, build state and how far it got — one cell per stage (passed, in flight,
rejected, superseded, waiting, or not reached)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from release_captain.tui import look
from release_captain.tui.helm import Board
from release_captain.tui.widgets.filter_bar import FilterBar
from release_captain.tui.widgets.header import CaptainHeader

if TYPE_CHECKING:
    from release_captain.service import VersionRow
    from release_captain.tui.app import CaptainApp

_STREAM_STYLE = {
    "passed": "$text-success",
    "in-flight": "b $text-accent",
    "rejected": "b $text-error",
    "superseded": "$text-warning",
    "waiting": "$text-warning",
    None: "$foreground-muted",
}
_BUILD_STYLE = {"succeeded": "$text-success", "failed": "b $text-error", "building": "$text-accent"}


def stream(row: VersionRow, stages: list[str], waiting: dict[str, int]) -> Content:
    """The value stream of one version: one symbol per stage, left to right."""
    cells = []
    for stage in stages:
        state = row.stages.get(stage)
        if state is None and waiting.get(stage) == row.number:
            state = "waiting"
        symbol, _ = look.STREAM.get(state, ("?", ""))
        cells.append(Content.styled(symbol, _STREAM_STYLE.get(state, "")))
    return Content(" ").join(cells)


class VersionsScreen(Screen[None]):
    """The versions list."""

    CSS_PATH = "versions.tcss"
    HELP_TITLE = "Versions"
    BINDINGS = [
        Binding("enter", "open", "Details"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("escape", "app.back", "Back"),
    ]

    app: CaptainApp

    def __init__(self) -> None:
        super().__init__()
        self._filter = ""
        self._shown: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        header = CaptainHeader(readonly=self.app.readonly)
        header.place = "versions"
        yield header
        stages = [s.name for s in self.app.helm.pipeline.stages]
        legend = "  ".join(f"{symbol} {word}" for symbol, word in look.STREAM.values())
        yield Static(
            Content.assemble(
                ("stages ", "$foreground-muted"),
                " › ".join(stages),
                "\n",
                (legend, "$foreground-muted"),
            ),
            id="legend",
        )
        table: DataTable[object] = DataTable(id="versions", cursor_type="row", zebra_stripes=True)
        yield table
        yield FilterBar("filter versions: number, SHA, author or message", id="filter")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        stages = len(self.app.helm.pipeline.stages)
        table.add_column("version", key="version", width=7)
        table.add_column("commit", key="commit", width=8)
        table.add_column("author", key="author")
        table.add_column("age", key="age", width=8)
        table.add_column("build", key="build", width=11)
        table.add_column("stages", key="stages", width=max(6, 2 * stages - 1))
        table.add_column("message", key="message")
        table.focus()
        if self.app.board is not None:
            self.show_board(self.app.board)

    def show_board(self, board: Board) -> None:
        """Redraw the list when the versions changed (the ages move with `show_time`)."""
        self.query_one(CaptainHeader).show(board)
        shown = (board.versions, board.status, self._filter)
        if shown == self._shown:
            return
        self._shown = shown
        table = self.query_one(DataTable)
        stages = [s.name for s in self.app.helm.pipeline.stages]
        waiting = {s.name: s.waiting.version for s in board.status.stages if s.waiting}
        cursor = table.cursor_row
        table.clear()
        now = self.app.now()
        for row in board.versions:
            if not self._matches(row):
                continue
            table.add_row(
                Content.styled(look.version(row.number), "b"),
                look.short_sha(row.commit),
                row.author,
                look.ago(row.created_at, now),
                Content.styled(
                    f"{look.BUILD_SYMBOLS.get(row.build, '?')} {row.build}",
                    _BUILD_STYLE.get(row.build, ""),
                ),
                stream(row, stages, waiting),
                look.first_line(row.message),
                key=str(row.number),
            )
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))

    def show_time(self, now: float) -> None:
        """Write the ages again for `now` (only the cells that changed)."""
        board = self.app.board
        if board is None or self._shown is None:
            return
        table = self.query_one(DataTable)
        for row in board.versions:
            key = str(row.number)
            if key not in table.rows:
                continue
            age = look.ago(row.created_at, now)
            if table.get_cell(key, "age") != age:
                table.update_cell(key, "age", age)

    def _matches(self, row: VersionRow) -> bool:
        if not self._filter:
            return True
        text = " ".join([f"v{row.number}", row.commit, row.author, row.message]).lower()
        return self._filter.lower() in text

    def selected(self) -> int | None:
        """The version under the cursor."""
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(key) if key else None

    def action_open(self) -> None:
        number = self.selected()
        if number is not None:
            self.app.open_version(number)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_filter(self) -> None:
        self.query_one(FilterBar).open()

    def on_filter_bar_narrowed(self, message: FilterBar.Narrowed) -> None:
        self._filter = message.text
        if self.app.board is not None:
            self.show_board(self.app.board)

    def on_filter_bar_done(self, message: FilterBar.Done) -> None:
        self.query_one(DataTable).focus()
