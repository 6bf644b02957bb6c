"""Provides `VersionsScreen`: every version's journey, newest first — one row per
version, one column per stage in pipeline order, each cell what happened there and when
(`journey`) — with its commit, author, age and build where the width allows, and the
highlighted row's detail (why it stopped, full times) under the table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from release_captain.tui import journey, look
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
    "forecast": "i $foreground-muted",
    None: "$foreground-muted",
}
_BUILD_STYLE = {"succeeded": "$text-success", "failed": "b $text-error", "building": "$text-accent"}
#: Below this width the commit, author, age and build columns make room for the stages.
_FULL_WIDTH = 110
#: The width of the fixed columns at full width, and what the message keeps at least.
_FIXED_WIDTH, _MESSAGE_ROOM = 60, 24


def _wide_cells(width: int, stages: int) -> bool:
    """Whether the stage cells get their words: only with room left for the message."""
    return width - _FIXED_WIDTH - stages * (journey.WIDE_CELL + 2) >= _MESSAGE_ROOM


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
        yield Static("", id="detail")
        yield FilterBar("filter versions: number, SHA, author or message", id="filter")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        if self.app.board is not None:
            self.show_board(self.app.board)

    def on_resize(self) -> None:
        """Lay the columns out again when the width crosses a step."""
        if self.app.board is not None:
            self.show_board(self.app.board)

    def _layout(self) -> tuple[bool, bool]:
        """(show commit, author, age and build; give the stage cells their words)."""
        width = self.size.width or self.app.size.width
        stages = len(self.app.helm.pipeline.stages)
        return width >= _FULL_WIDTH, _wide_cells(width, stages)

    def _columns(self, full: bool, wide: bool) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_column("version", key="version", width=7)
        if full:
            table.add_column("commit", key="commit", width=8)
            table.add_column("author", key="author", width=12)
            table.add_column("age", key="age", width=8)
            table.add_column("build", key="build", width=11)
        width = journey.WIDE_CELL if wide else journey.NARROW_CELL
        for stage in self.app.helm.pipeline.stages:
            table.add_column(journey.header(stage, width), key=stage.name, width=width)
        table.add_column("message", key="message")

    def show_board(self, board: Board) -> None:
        """Redraw the journey when the versions changed, the width crossed a step, or a
        minute passed (a time of another day is written as a date); the ages move with
        `show_time`."""
        self.query_one(CaptainHeader).show(board)
        full, wide = self._layout()
        shown = (
            board.versions,
            board.status,
            board.forecasts,
            self._filter,
            int(board.now // 60),
            full,
            wide,
        )
        if shown == self._shown:
            return
        if self._shown is None or self._shown[-2:] != (full, wide):
            self._columns(full, wide)
        self._shown = shown
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        for row in board.versions:
            if self._matches(row):
                table.add_row(*self._cells(row, board, full, wide), key=str(row.number))
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
        self._show_detail()

    def _cells(self, row: VersionRow, board: Board, full: bool, wide: bool) -> list[object]:
        """The row of one version: its name, what it is (at full width), its journey."""
        name = look.version(row.number)
        if not full and row.build != "succeeded":
            name += " " + look.BUILD_SYMBOLS.get(row.build, "?")
        cells: list[object] = [Content.styled(name, "b")]
        if full:
            cells += [
                look.short_sha(row.commit),
                row.author,
                look.ago(row.created_at, self.app.now()),
                Content.styled(
                    f"{look.BUILD_SYMBOLS.get(row.build, '?')} {row.build}",
                    _BUILD_STYLE.get(row.build, ""),
                ),
            ]
        for cell in journey.journey(row, self._stages(), _known(board, row.number)):
            text = journey.cell_text(cell, board.now, wide=wide)
            cells.append(Content.styled(text, _STREAM_STYLE.get(cell.state, "")))
        cells.append(look.first_line(row.message))
        return cells

    def _stages(self) -> list[str]:
        return [s.name for s in self.app.helm.pipeline.stages]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail()

    def _show_detail(self) -> None:
        """The highlighted version in words: what it is, and stage by stage what became
        of it, with full times and the reason it was rejected or superseded."""
        board, number = self.app.board, self.selected()
        row = board.version_row(number) if board is not None and number is not None else None
        detail = self.query_one("#detail", Static)
        if board is None or row is None:
            detail.update("")
            return
        cells = journey.journey(row, self._stages(), _known(board, row.number))
        stops = journey.details(cells, self._stages()) or ["not in any stage yet"]
        build = f"build {row.build}" + (f": {row.build_detail}" if row.build_detail else "")
        detail.update(
            Content.assemble(
                (look.version(row.number), "b"),
                f"  {look.short_sha(row.commit)}  {row.author}  {build}  ",
                (look.first_line(row.message), "i"),
                "\n",
                (" · ".join(stops), "$foreground-muted"),
            )
        )

    def show_time(self, now: float) -> None:
        """Write the ages again for `now` (only the cells that changed)."""
        board = self.app.board
        tables = self.query(DataTable)  # none while the screen is composed or torn down
        if board is None or self._shown is None or not tables:
            return
        table = tables.first()
        if "age" not in table.columns:  # narrow: the journey took its room
            return
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


def _known(board: Board, number: int) -> journey.Known:
    """What the journey's sources know of version `number` beside its row: which
    version waits at each stage's door, and its forecast."""
    waiting = {s.name: s.waiting.version for s in board.status.stages if s.waiting}
    return journey.Known(waiting=waiting, forecast=board.forecast(number))
