"""Provides `StageColumn`: one stage of the board with its passed and in-flight
version, its gate (manual or automatic, paused, active blockers and when they lift),
what waits for a person there, and a card per target."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from release_captain.tui import look
from release_captain.tui.helm import Board, Prompt
from release_captain.tui.stylesheet import beside
from release_captain.tui.widgets.approval_prompt import ApprovalPrompt
from release_captain.tui.widgets.target_card import TargetCard

if TYPE_CHECKING:
    from release_captain.config.model import Stage
    from release_captain.service import StageView
    from release_captain.tui.app import CaptainApp

#: Waiting reasons that are shown as prompts rather than as a line of the summary.
PROMPTED = ("manual-approval", "blocker")


def stage_label(stage: Stage) -> str:
    """`gamma`, or `prod · wave 2/3` for a stage expanded from waves."""
    if stage.wave:
        return f"{stage.group} · wave {stage.wave}/{stage.waves}"
    return stage.name


class StageColumn(VerticalScroll, can_focus=True):
    """A stage as a column; its cards and prompts are focused with the arrow keys."""

    DEFAULT_CSS = beside(__file__)
    BINDINGS = [
        Binding("k,up", "move(-1)", "Previous target", show=False),
        Binding("j,down", "move(1)", "Next target", show=False),
        Binding("h,left", "across(-1)", "Previous stage", show=False),
        Binding("l,right", "across(1)", "Next stage", show=False),
    ]

    app: CaptainApp

    def __init__(self, stage: Stage, *, readonly: bool, board: Board | None = None) -> None:
        """With `board` (read before the screen is composed) the column and its cards
        are built with their data and classes, so they are styled and laid out once
        instead of drawn empty and then again."""
        self._shown: tuple[Any, ...] | None = None if board is None else self._read(stage, board)
        super().__init__(id=f"stage-{stage.name.replace('.', '_')}", classes=self._marks())
        #: The stage's configuration.
        self.stage = stage
        self.border_title = self._title()
        if stage.wave:
            self.border_subtitle = stage.name
        self._readonly = readonly
        self._now = board.now if board is not None else 0.0
        self._filter = ""

    def _title(self, focused: Widget | None = None) -> str:
        """The stage's name, marked `▶` while the focus is in it (readable without
        colour)."""
        inside = focused is not None and (focused is self or self in focused.ancestors)
        return f"▶ {stage_label(self.stage)}" if inside else stage_label(self.stage)

    def mark_focus(self, focused: Widget | None) -> None:
        """Mark the title when `focused`, the screen's focus, is in this column."""
        self.border_title = self._title(focused)

    def compose(self) -> ComposeResult:
        if self._shown is None:
            yield Static(classes="summary")
            yield Vertical(classes="prompts")
            for target in self.stage.targets:
                yield TargetCard(self.stage.name, target.name)
            return
        view, prompts, blockers, checks = self._shown
        yield Static(self._summary(view, blockers), classes="summary")
        with Vertical(classes="prompts"):
            for prompt in prompts:
                yield ApprovalPrompt(prompt, readonly=self._readonly)
        views = dict(enumerate(zip(view.targets, checks, strict=False)))
        for n, target in enumerate(self.stage.targets):
            shown, count = views.get(n, (None, ""))
            yield TargetCard(self.stage.name, target.name, shown, count, self._now)

    # -- drawing -------------------------------------------------------------------

    @staticmethod
    def _read(stage: Stage, board: Board) -> tuple[Any, ...] | None:
        """What `stage` shows of `board`: its view, prompts, blockers and checks."""
        view = board.stage(stage.name)
        if view is None:
            return None
        prompts = board.prompts_of(stage.name)
        blockers = tuple(board.blocker(b) for b in view.blockers_active)
        checks = tuple(board.checks.get((stage.name, t.name), "") for t in view.targets)
        return (view, prompts, blockers, checks)

    def _marks(self) -> str:
        """The classes that colour the column's border for what it shows."""
        if self._shown is None:
            return ""
        view, prompts = self._shown[:2]
        marks = {
            "-paused": view.paused,
            "-blocked": bool(view.blockers_active),
            "-waiting": bool(prompts),
            "-busy": view.in_flight is not None,
        }
        return " ".join(name for name, on in marks.items() if on)

    def show(self, board: Board) -> None:
        """Draw this stage as `board` has it (nothing happens when it did not change)."""
        shown = self._read(self.stage, board)
        if shown is None or shown == self._shown:
            return
        self._shown = shown
        view, prompts, blockers, checks = shown
        marks = self._marks().split()
        for name in ("-paused", "-blocked", "-waiting", "-busy"):
            self.set_class(name in marks, name)
        self.query_one(".summary", Static).update(self._summary(view, blockers))
        self._show_prompts(prompts)
        for card, target, count in zip(self.query(TargetCard), view.targets, checks, strict=False):
            card.show(target, count, board.now)
        self.apply_filter(self._filter)

    def needs_compact(self, room: int | None = None) -> bool:
        """Whether this stage's cards, drawn whole, would not fit its height: measured
        once laid out, or guessed from `room`, the column's inner height, before the
        first layout (the board checks the guess after it, so it only saves a pass)."""
        cards = [c for c in self.query(TargetCard) if not c.has_class("-hidden")]
        if room is None:
            room = self.scrollable_content_region.height
            taken = sum(w.outer_size.height for w in self.query_children(".summary, .prompts"))
        elif self._shown is not None:
            view, prompts, blockers = self._shown[:3]
            lines = len(self._summary(view, blockers).split("\n"))
            taken = lines + 1 + len(prompts) * (2 if self._readonly else 3)
        else:
            return False
        if room <= 0:
            return False
        return sum(c.full_height() for c in cards) > room - taken

    def set_compact(self, compact: bool) -> None:
        """Compact mode: each target takes one line (state symbol, name, version), so a
        30-region production reads as a grid of waves × regions; the cards stay
        focusable and act as before."""
        for card in self.query(TargetCard):
            card.set_class(compact, "-compact")

    def _summary(self, view: StageView, blockers: tuple[Any, ...]) -> Content:
        # Two short lines rather than one that a narrow column breaks mid-phrase; the
        # second only while a version is in flight.
        lines = [
            Content.assemble(
                ("passed ", "$foreground-muted"),
                (look.version(view.passed), "b $text-success" if view.passed else ""),
            )
        ]
        if view.in_flight is not None:
            lines.append(
                Content.assemble(
                    ("in flight ", "$foreground-muted"),
                    (look.version(view.in_flight), "b $text-accent"),
                )
            )
        gate = (
            Content.styled("◆ manual gate", "b $text-warning")
            if view.promotion == "manual"
            else Content.styled("⇉ automatic", "$foreground-muted")
        )
        if view.paused:
            gate += Content.styled("  ‖ PAUSED", "b $text-error")
        lines.append(gate)
        for name, blocker in zip(view.blockers_active, blockers, strict=True):
            until = ""
            if blocker is not None and blocker.next_change is not None:
                until = " until " + look.local_time(blocker.next_change, blocker.timezone)
            lines.append(Content.styled(f"⊗ {name}{until}", "$text-error"))
        if view.rejected is not None:
            lines.append(Content.styled(f"✗ {view.rejected.sentence}", "$text-error"))
        waiting = view.waiting
        if waiting is not None and waiting.reason not in PROMPTED:
            lines.append(
                Content.styled(
                    f"◌ {look.version(waiting.version)} waits: {waiting.reason}",
                    "$text-warning",
                )
            )
        return Content("\n").join(lines)

    def _show_prompts(self, prompts: tuple[Prompt, ...]) -> None:
        box = self.query_one(".prompts", Vertical)
        current = {w.prompt.key: w for w in box.query(ApprovalPrompt)}
        wanted = {p.key for p in prompts}
        for key, widget in current.items():
            if key not in wanted:
                widget.remove()
        new = [ApprovalPrompt(p, readonly=self._readonly) for p in prompts if p.key not in current]
        if new:
            box.mount_all(new)

    # -- filtering -----------------------------------------------------------------

    def apply_filter(self, text: str) -> bool:
        """Hide the cards `text` does not pick; True when the column has any left (or
        its name matches)."""
        self._filter = text
        named = not text or text.lower() in self.stage.name.lower()
        any_card = False
        for card in self.query(TargetCard):
            picked = named or card.matches(text)
            card.set_class(not picked, "-hidden")
            any_card = any_card or picked
        self.set_class(not (named or any_card), "-hidden")
        return named or any_card

    # -- moving --------------------------------------------------------------------

    def stops(self) -> list[Widget]:
        """The column and what can be focused in it, top to bottom."""
        inner = [w for w in self.query("ApprovalPrompt, TargetCard") if w.display]
        return [self, *[w for w in inner if not w.has_class("-hidden")]]

    def action_move(self, step: int) -> None:
        stops = self.stops()
        here = self.screen.focused
        index = stops.index(here) if here in stops else 0
        target = stops[max(0, min(len(stops) - 1, index + step))]
        target.focus()
        if target is self:
            self.scroll_home(animate=False)

    def action_across(self, step: int) -> None:
        columns = [c for c in self.screen.query(StageColumn) if not c.has_class("-hidden")]
        if self not in columns:
            return
        index = columns.index(self) + step
        if not 0 <= index < len(columns):
            return
        here = self.screen.focused
        stops = self.stops()
        depth = stops.index(here) if here in stops else 0
        theirs = columns[index].stops()
        theirs[min(depth, len(theirs) - 1)].focus(scroll_visible=False)
        columns[index].scroll_into_row()

    def scroll_into_row(self) -> None:
        """Scroll the row of columns sideways by whole columns until this one shows."""
        row = self.parent
        if not isinstance(row, Widget):
            return
        left, width = self.virtual_region.x, self.outer_size.width
        view = row.scrollable_content_region.width
        if left < row.scroll_x:
            row.scroll_to(x=left, animate=False)
        elif left + width > row.scroll_x + view:
            row.scroll_to(x=left + width - view, animate=False)
