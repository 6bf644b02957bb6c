"""Provides `TargetCard`: one target of a stage with its version, last good, state
(colour and symbol), each approval, and a countdown bar with the time left of a running
bake or fixed wait (and the bake's monitor check counts)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.widget import Widget

from release_captain.tui import look
from release_captain.tui.stylesheet import beside
from release_captain.tui.widgets.ticking import TICKS

if TYPE_CHECKING:
    from release_captain.service import ApprovalView, TargetView

#: Narrowest countdown bar, in cells (it takes the card's width).
BAR_MIN = 10
_STATE_STYLE = {
    "succeeded": "$text-success",
    "failed": "$text-error",
    "rolling_back": "$text-warning",
    "rolled_back": "$text-warning",
    "deploying": "$text-accent",
    "verifying": "$text-accent",
    "idle": "$foreground-muted",
}
_APPROVAL_STYLE = {
    "passed": "$text-success",
    "failed": "$text-error",
    "running": "$text-accent",
    "waiting-for-person": "b $text-warning",
    "pending": "$foreground-muted",
}


class TargetCard(Widget, can_focus=True):
    """A target in its stage's column; the board's target actions apply to the focused
    card."""

    DEFAULT_CSS = beside(__file__)

    def __init__(self, stage: str, target: str) -> None:
        super().__init__(classes=f"-idle {TICKS}")
        #: The stage the target belongs to.
        self.stage = stage
        #: The target's name.
        self.target = target
        #: The view last shown, or None before the first refresh.
        self.view: TargetView | None = None
        self._checks = ""
        #: When `view` was read, and the moment the countdowns are painted for.
        self._read_at = self._now = 0.0

    @property
    def where(self) -> str:
        """`stage/target`, as the CLI writes it."""
        return f"{self.stage}/{self.target}"

    def show(self, view: TargetView, checks: str = "", read_at: float = 0.0) -> None:
        """Draw `view`, read at `read_at` (nothing happens when it did not change)."""
        if view == self.view and checks == self._checks:
            return
        old = self.view.state if self.view else "idle"
        self.view, self._checks = view, checks
        self._read_at = self._now = read_at
        self.remove_class(f"-{old}")
        self.add_class(f"-{view.state}")
        self.set_class(any(a.state == "waiting-for-person" for a in view.approvals), "-waiting")
        self.refresh(layout=True)

    def show_time(self, now: float) -> None:
        """Count a running bake or wait down to `now`, between two reads of the state."""
        self._now = now
        view = self.view
        if view is not None and any(a.remaining_s is not None for a in view.approvals):
            self.refresh()

    def matches(self, text: str) -> bool:
        """Whether the filter `text` picks this card (name, stage, version or state)."""
        view = self.view
        words = [self.where]
        if view is not None:
            words += [look.version(view.version), view.state.replace("_", " ")]
        return text.lower() in " ".join(words).lower()

    def render(self) -> Content:
        view = self.view
        if view is None:
            return Content.from_markup("[b]$name[/b]", name=self.target)
        symbol, word = look.TARGET_STATES.get(view.state, ("?", view.state))
        style = _STATE_STYLE.get(view.state, "")
        lines = [
            Content.assemble((f"{symbol} ", style), (self.target, "b")),
            Content.assemble((look.version(view.version), "b"), " ", (word, style)),
        ]
        if view.last_good is not None and view.last_good != view.version:
            lines.append(
                Content.styled(f"last good {look.version(view.last_good)}", "$foreground-muted")
            )
        for approval in view.approvals:
            lines.extend(self._approval_lines(approval))
        return Content("\n").join(lines)

    def _approval_lines(self, approval: ApprovalView) -> list[Content]:
        symbol = look.APPROVAL_SYMBOLS.get(approval.state, "?")
        style = _APPROVAL_STYLE.get(approval.state, "")
        head = Content.assemble((f"{symbol} ", style), approval.name)
        if approval.state == "waiting-for-person":
            return [head + Content.styled(" waits for a person", style)]
        if approval.state == "failed" and approval.detail:
            return [head + Content.styled(f": {approval.detail}", "$text-error")]
        if approval.state != "running" or approval.remaining_s is None:
            return [head]
        total = approval.duration_s or 0.0
        remaining = max(0.0, approval.remaining_s - max(0.0, self._now - self._read_at))
        elapsed = 1.0 - remaining / total if total > 0 else 0.0
        width = max(BAR_MIN, self.content_size.width - 2)
        lines = [
            head + Content.assemble(" ", (look.duration(remaining), "b"), " left"),
            Content.assemble("  ", (look.bar(elapsed, width), "$text-accent")),
        ]
        if self._checks:
            lines.append(Content.styled(f"  checks {self._checks}", "$foreground-muted"))
        return lines
