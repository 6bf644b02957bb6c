"""Provides `PreviewsScreen`: the preview environments (SPEC §11), one row per branch —
its state, URL, how long ago that state began, and the commit it runs — with the
highlighted preview's last outcome below.

The rows come from the board, which reads every preview in one call per refresh; the
ages are written again at every tick of the clock, so they move while nothing changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from release_captain.tui import look
from release_captain.tui.helm import Board
from release_captain.tui.widgets.header import CaptainHeader

if TYPE_CHECKING:
    from release_captain.service.previews import PreviewView
    from release_captain.tui.app import CaptainApp

_STATE_STYLE = {
    "deployed": "$text-success",
    "failed": "b $text-error",
    "building": "$text-accent",
    "deploying": "$text-accent",
    "tearing-down": "$text-warning",
}


class PreviewsScreen(Screen[None]):
    """The previews list."""

    CSS_PATH = "previews.tcss"
    HELP_TITLE = "Previews"
    BINDINGS = [Binding("escape", "app.back", "Back")]

    app: CaptainApp

    def __init__(self) -> None:
        super().__init__()
        self._shown: tuple[PreviewView, ...] | None = None

    def compose(self) -> ComposeResult:
        header = CaptainHeader(readonly=self.app.readonly)
        header.place = "previews"
        yield header
        yield DataTable(id="previews", cursor_type="row", zebra_stripes=True)
        yield Static("", id="detail")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("branch", key="branch")
        table.add_column("state", key="state", width=12)
        table.add_column("url", key="url")
        table.add_column("age", key="age", width=8)
        table.add_column("commit", key="commit", width=8)
        table.focus()
        if self.app.board is not None:
            self.show_board(self.app.board)

    def show_board(self, board: Board) -> None:
        """Redraw the rows when the previews changed, keeping the cursor on its branch."""
        self.query_one(CaptainHeader).show(board)
        if board.previews == self._shown:
            return
        self._shown = board.previews
        table = self.query_one(DataTable)
        chosen = self.selected()
        table.clear()
        now = self.app.now()
        for view in board.previews:
            table.add_row(
                view.branch,
                Content.styled(view.state, _STATE_STYLE.get(view.state, "")),
                view.url or "—",
                look.ago(view.updated_at, now),
                look.short_sha(view.commit),
                key=view.branch,
            )
        if chosen is not None and chosen.branch in table.rows:
            table.move_cursor(row=table.get_row_index(chosen.branch), animate=False)
        self._show_detail()

    def show_time(self, now: float) -> None:
        """Write the ages again for `now` (only the cells that changed)."""
        tables = self.query(DataTable)  # none while the screen is composed or torn down
        if self._shown is None or not tables:
            return
        table = tables.first()
        for view in self._shown:
            if view.branch in table.rows:
                age = look.ago(view.updated_at, now)
                if table.get_cell(view.branch, "age") != age:
                    table.update_cell(view.branch, "age", age)

    def selected(self) -> PreviewView | None:
        """The preview under the cursor."""
        table = self.query_one(DataTable)
        if not table.row_count or self._shown is None:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((v for v in self._shown if v.branch == key), None)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail()

    def _show_detail(self) -> None:
        """The highlighted preview's name and last outcome, or why there is none."""
        detail = self.query_one("#detail", Static)
        view = self.selected()
        if view is not None:
            detail.update(
                Content.assemble(
                    (view.branch, "b"),
                    f"  preview {view.preview}  at {look.short_sha(view.commit)}  ",
                    (view.detail or view.state, "i"),
                )
            )
        elif self.app.helm.pipeline.preview is None:
            # Content, not markup: `[preview]` is the table's name, not a style.
            detail.update(
                Content(
                    "this pipeline has no [preview] table: add one with a deploy command "
                    "to give branches previews"
                )
            )
        else:
            detail.update(Content("no previews: `captain preview BRANCH` deploys one"))
