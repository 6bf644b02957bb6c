"""Provides `BoardScreen`: the pipeline as columns of stages, left to right, each with
its gate, what waits for a person and a card per target; the last events below. The
board's keys act on what has focus: a prompt, a target card or a stage column."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static

from release_captain.tui import look
from release_captain.tui.helm import Board, Prompt
from release_captain.tui.widgets.approval_prompt import ApprovalPrompt
from release_captain.tui.widgets.filter_bar import FilterBar
from release_captain.tui.widgets.header import CaptainHeader
from release_captain.tui.widgets.stage_column import StageColumn
from release_captain.tui.widgets.target_card import TargetCard

if TYPE_CHECKING:
    from release_captain.tui.app import CaptainApp

#: Narrowest and widest a stage column gets, in cells.
COLUMN_MIN, COLUMN_MAX = 30, 60

#: Actions that change the state; hidden and refused on a read-only screen.
ORDERS = frozenset({"approve", "reject", "pause", "gate", "rollback"})


class BoardScreen(Screen[None]):
    """The board."""

    CSS_PATH = "board.tcss"
    #: The recent events take 2 lines below 32 rows, 5 up to 44, then 10.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall"), (44, "-towering")]
    HELP_TITLE = "Board (keys act on the focused prompt, target or stage)"
    BINDINGS = [
        Binding("a", "approve", "Approve"),
        Binding("r", "reject", "Reject"),
        Binding("p", "pause", "Pause"),
        Binding("g", "gate", "Gate"),
        Binding("b", "rollback", "Rollback"),
        Binding("l", "logs", "Logs"),
        Binding("enter", "open", "Details", show=False),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("escape", "clear_filter", "Clear the filter", show=False),
    ]

    app: CaptainApp

    def compose(self) -> ComposeResult:
        app = self.app
        yield CaptainHeader(readonly=app.readonly)
        with Horizontal(id="columns"):
            for stage in app.helm.pipeline.stages:
                yield StageColumn(stage, readonly=app.readonly)
        activity = Static(id="activity")
        activity.border_title = "recent events · v versions · h history"
        yield activity
        yield FilterBar("filter targets: name, stage, version or state", id="filter")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        first = self.query(StageColumn).first()
        first.focus()
        if self.app.board is not None:
            self.show_board(self.app.board)

    def on_resize(self) -> None:
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Share the width between the columns; when they do not fit, show as many whole
        columns as fit and scroll sideways to the others."""
        columns = [c for c in self.query(StageColumn) if not c.has_class("-hidden")]
        room = self.query_one("#columns").size.width or self.size.width
        if not columns or room <= 0:
            return
        width = room // len(columns)
        if width < COLUMN_MIN:
            width = room // max(1, room // COLUMN_MIN)
        width = min(width, COLUMN_MAX)
        for column in self.query(StageColumn):
            column.styles.width = width

    def show_board(self, board: Board) -> None:
        """Draw a newly read board."""
        self.query_one(CaptainHeader).show(board)
        for column in self.query(StageColumn):
            column.show(board)
        self.query_one("#activity", Static).update(self._activity(board))
        self.refresh_bindings()

    def _activity(self, board: Board) -> Content:
        rows = []
        for event in reversed(board.recent):
            where = event.stage or ""
            if event.target:
                where += f"/{event.target}"
            rows.append((event, where))
        width = min(28, max((len(where) for _, where in rows), default=0))
        lines = []
        for event, where in rows:
            actor = f" by {event.actor}" if event.actor not in ("captain", "") else ""
            lines.append(
                Content.assemble(
                    (look.clock(event.at), "$foreground-muted"),
                    " ",
                    ((look.version(event.version) if event.version else "").rjust(4), "b"),
                    " ",
                    where.ljust(width),
                    " ",
                    (event.kind.ljust(17), "$text-primary"),
                    " ",
                    event.detail + actor,
                )
            )
        return Content("\n").join(lines) if lines else Content("no events yet")

    # -- what has focus --------------------------------------------------------

    def _column(self) -> StageColumn | None:
        node: Widget | None = self.focused
        while node is not None and not isinstance(node, StageColumn):
            node = node.parent if isinstance(node.parent, Widget) else None
        return node

    def _card(self) -> TargetCard | None:
        return self.focused if isinstance(self.focused, TargetCard) else None

    def _prompt(self) -> Prompt | None:
        """The prompt a key acts on: the focused one, else the first of the focused
        stage, else the first on the board — so a newcomer's `a` answers what the
        header says waits for them, wherever the focus happens to be."""
        if isinstance(self.focused, ApprovalPrompt):
            return self.focused.prompt
        column, board = self._column(), self.app.board
        if board is None:
            return None
        if column is not None:
            prompts = board.prompts_of(column.stage.name)
            if prompts:
                return prompts[0]
        for stage in board.status.stages:
            prompts = board.prompts_of(stage.name)
            if prompts:
                return prompts[0]
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ORDERS and self.app.readonly:
            return False
        column, board = self._column(), self.app.board
        if action in ("approve",):
            return self._prompt() is not None
        if action == "reject":
            stage = board.stage(column.stage.name) if column and board else None
            return self._prompt() is not None or bool(stage and stage.in_flight)
        if action in ("pause", "gate"):
            return column is not None
        if action == "logs":
            card = self._card()
            return card is not None and card.view is not None and card.view.version is not None
        return True

    # -- actions ---------------------------------------------------------------

    def action_approve(self) -> None:
        prompt = self._prompt()
        if prompt is not None:
            self.app.order_decision(prompt, "approve")

    def action_reject(self) -> None:
        prompt = self._prompt()
        if prompt is not None:
            self.app.order_decision(prompt, "reject")
            return
        column = self._column()
        if column is not None:
            self.app.order_reject_in_flight(column.stage.name)

    def action_pause(self) -> None:
        column = self._column()
        if column is not None:
            self.app.order_pause(column.stage.name)

    def action_gate(self) -> None:
        column = self._column()
        if column is not None:
            self.app.order_gate(column.stage.name)

    def action_rollback(self) -> None:
        card, column = self._card(), self._column()
        if card is not None:
            self.app.order_rollback([card.where])
        elif column is not None:
            self.app.order_rollback([column.stage.name])

    def action_logs(self) -> None:
        card = self._card()
        if card is not None and card.view is not None and card.view.version is not None:
            self.app.open_logs(card.stage, card.target, card.view.version)

    def action_open(self) -> None:
        if isinstance(self.focused, ApprovalPrompt):
            self.app.order_decision(self.focused.prompt, "approve")
        elif self._card() is not None:
            self.action_logs()
        elif (column := self._column()) is not None:
            self.app.open_history(column.stage.name)

    def on_approval_prompt_chosen(self, message: ApprovalPrompt.Chosen) -> None:
        self.app.order_decision(message.prompt, "approve")

    # -- filtering -------------------------------------------------------------

    def action_filter(self) -> None:
        self.query_one(FilterBar).open()

    def action_clear_filter(self) -> None:
        bar = self.query_one(FilterBar)
        if bar.value or not bar.has_class("-closed"):
            bar.action_clear()

    def on_filter_bar_narrowed(self, message: FilterBar.Narrowed) -> None:
        for column in self.query(StageColumn):
            column.apply_filter(message.text)
        self._fit_columns()

    def on_filter_bar_done(self, message: FilterBar.Done) -> None:
        shown = [c for c in self.query(StageColumn) if not c.has_class("-hidden")]
        if shown:
            shown[0].focus()
        elif message.text:
            self.notify(f"no target matches '{message.text}'", severity="warning")
