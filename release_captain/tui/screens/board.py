"""Provides `BoardScreen`: the pipeline as columns of stages, left to right, each with
its gate, what waits for a person and a card per target; the last events below. The
board's keys act on what has focus: a prompt, a target card or a stage column."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.css.scalar import Scalar
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
    from textual.events import Resize

    from release_captain.tui.app import CaptainApp

#: Narrowest and widest a stage column gets, in cells.
COLUMN_MIN, COLUMN_MAX = 24, 60

#: The most lines the recent events take (their border included), by the screen's
#: vertical breakpoint: `board.tcss` caps them so.
ACTIVITY_LINES = {"-short": 3, "-tall": 6, "-towering": 11}

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
        Binding("o", "logs", "Output"),
        Binding("enter", "open", "Details", show=False),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("escape", "clear_filter", "Clear the filter", show=False),
    ]

    app: CaptainApp
    #: The breadcrumbs shown.
    _crumbs = Content("")

    def compose(self) -> ComposeResult:
        app = self.app
        yield CaptainHeader(readonly=app.readonly)
        yield Static(id="crumbs", classes="-none")
        with Horizontal(id="columns"):
            for stage in app.helm.pipeline.stages:
                yield StageColumn(stage, readonly=app.readonly, board=app.board)
        activity = Static(id="activity")
        activity.border_title = "recent events · v versions · e events"
        yield activity
        yield FilterBar("filter targets: name, stage, version or state", id="filter")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        first = self.query(StageColumn).first()
        first.focus()
        self.watch(self, "focused", self._focus_moved)
        self.watch(self.query_one("#columns"), "scroll_x", self._show_crumbs, init=False)
        if self.app.board is not None:
            self.show_board(self.app.board)
        # Fitted to the app's size before the first layout, which then is most likely
        # the last: every pass lays out and paints each card again.
        self._fit_columns(self.app.size.width)
        self._guess_compact(self.app.size.height)

    def _focus_moved(self, focused: Widget | None) -> None:
        for column in self.query(StageColumn):
            column.mark_focus(focused)

    def on_resize(self, event: Resize) -> None:
        self._fit_columns(event.size.width)
        self.call_after_refresh(self._fit)

    def _fit_columns(self, room: int) -> None:
        """Share the screen's width between the shown columns; when they do not fit at
        their narrowest, show as many whole columns as fit and scroll sideways to the
        others. Measured from the screen, whose size a resize has already set (the row's
        own size is the last layout's, which left one column wide after 10×3 and back).
        A width is set only when it changes: each change costs a layout pass."""
        shown = [c for c in self.query(StageColumn) if not c.has_class("-hidden")]
        if not shown or room <= 0:
            return
        fit = max(1, min(len(shown), room // COLUMN_MIN))
        width = Scalar.from_number(min(COLUMN_MAX, room // fit))
        for column in self.query(StageColumn):
            if column.styles.width != width:
                column.styles.width = width

    def _fit(self) -> None:
        """After a resize or a redraw: compact the stages that need it (all waves of a
        stage alike, so they read as one grid) and say what scrolls off."""
        self._compact(None)
        self._show_crumbs()

    def _guess_compact(self, height: int) -> None:
        """Before the first layout, compact the stages from the screen's height less
        what surrounds the columns (header, events, footer, borders), so the first
        layout is most likely the right one; `_fit` measures it after."""
        recent = len(self.app.board.recent) if self.app.board is not None else 0
        events = min(ACTIVITY_LINES[self._breakpoint(height)], max(1, recent) + 1)
        self._compact(height - 1 - events - 1 - 2)

    @staticmethod
    def _breakpoint(height: int) -> str:
        return [name for at, name in BoardScreen.VERTICAL_BREAKPOINTS if height >= at][-1]

    def _compact(self, room: int | None) -> None:
        groups: dict[str, list[StageColumn]] = {}
        for column in self.query(StageColumn):
            groups.setdefault(column.stage.group or column.stage.name, []).append(column)
        for columns in groups.values():
            compact = any(c.needs_compact(room) for c in columns)
            for column in columns:
                column.set_compact(compact)

    def _show_crumbs(self) -> None:
        """Breadcrumbs for the stages scrolled off to either side (the columns share
        the width, down to their narrowest; past that the row scrolls sideways)."""
        row = self.query_one("#columns", Horizontal)
        left, right = look.off_screen(
            [
                (c.stage.name, c.virtual_region.x, c.outer_size.width)
                for c in self.query(StageColumn)
                if c.display and not c.has_class("-hidden")
            ],
            row.scroll_x,
            row.scrollable_content_region.width,
        )
        crumbs = self.query_one("#crumbs", Static)
        crumbs.set_class(not (left or right), "-none")
        text = Content.assemble(
            ("◀ " + " · ".join(left) if left else "", "b"),
            ("   " if left and right else "", ""),
            (" · ".join(right) + " ▶" if right else "", "b"),
        )
        if text != self._crumbs:  # an update lays the screen out again
            self._crumbs = text
            crumbs.update(text)

    def show_board(self, board: Board) -> None:
        """Draw a newly read board."""
        self.query_one(CaptainHeader).show(board)
        for column in self.query(StageColumn):
            column.show(board)
        self.query_one("#activity", Static).update(self._activity(board))
        self.refresh_bindings()
        self.call_after_refresh(self._fit)

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
        self._fit_columns(self.size.width)
        self.call_after_refresh(self._fit)

    def on_filter_bar_done(self, message: FilterBar.Done) -> None:
        shown = [c for c in self.query(StageColumn) if not c.has_class("-hidden")]
        if shown:
            shown[0].focus()
        elif message.text:
            self.notify(f"no target matches '{message.text}'", severity="warning")
