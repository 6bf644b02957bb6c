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
    from release_captain.service import ApprovalView, RollbackStory, TargetView

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


def _classes(view: TargetView | None) -> str:
    """The card's state class (`-deploying`), and `-waiting` while a person is awaited."""
    if view is None:
        return "-idle"
    waiting = any(a.state == "waiting-for-person" for a in view.approvals)
    return f"-{view.state} -waiting" if waiting else f"-{view.state}"


class TargetCard(Widget, can_focus=True):
    """A target in its stage's column; the board's target actions apply to the focused
    card."""

    DEFAULT_CSS = beside(__file__)

    def __init__(
        self,
        stage: str,
        target: str,
        view: TargetView | None = None,
        checks: str = "",
        read_at: float = 0.0,
    ) -> None:
        """With `view` the card is built in its state's classes (no restyle at mount)."""
        super().__init__(classes=f"{_classes(view)} {TICKS}")
        #: The stage the target belongs to.
        self.stage = stage
        #: The target's name.
        self.target = target
        #: The view last shown, or None before the first refresh.
        self.view = view
        self._checks = checks
        #: When `view` was read, and the moment the countdowns are painted for.
        self._read_at = self._now = read_at

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

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def render(self) -> Content:
        view = self.view
        mark = Content.styled("▶ ", "b") if self.has_focus else Content("")
        if view is None:
            return mark + Content.styled(self.target, "b")
        symbol, word = look.TARGET_STATES.get(view.state, ("?", view.state))
        style = _STATE_STYLE.get(view.state, "")
        head = mark + Content.assemble((f"{symbol} ", style), (self.target, "b"))
        if self.has_class("-compact"):
            return head + Content.assemble(
                " ", (look.version(view.version), "b"), self._story_mark()
            )
        lines = [head, Content.assemble((look.version(view.version), "b"), " ", (word, style))]
        if view.last_good is not None and view.last_good != view.version:
            lines.append(
                Content.styled(f"last good {look.version(view.last_good)}", "$foreground-muted")
            )
        if view.rollback is not None:
            lines.extend(self._rollback_lines(view.rollback))
        else:
            for approval in view.approvals:
                lines.extend(self._approval_lines(approval))
        return Content("\n").join(lines)

    def full_height(self) -> int:
        """How many lines the card takes when it is not compact, its margin included."""
        view = self.view
        if view is None:
            return 2
        approvals = view.rollback.approvals if view.rollback is not None else view.approvals
        extra = 2 if view.rollback is not None else 0
        timed = sum(2 if a.remaining_s is not None else 0 for a in approvals)
        good = int(view.last_good is not None and view.last_good != view.version)
        return 3 + good + extra + len(approvals) + timed

    def _story_mark(self) -> Content:
        """In a compact card: `←v3✗` when the target went back from a failed version."""
        view = self.view
        if view is None or view.rollback is None:
            return Content("")
        return Content.styled(f" ←{look.version(view.rollback.failed_version)}✗", "$text-error")

    def _rollback_lines(self, story: RollbackStory) -> list[Content]:
        """The failed version's approvals as they ended, then the rollback: what a
        person needs to know why the target runs an older version."""
        lines = [
            Content.styled(f"{look.version(story.failed_version)} failed here:", "b $text-error")
        ]
        for approval in story.approvals:
            lines.extend(self._approval_lines(approval))
        back = look.version(story.to_version)
        said = {
            "running": ("↺", f"rolling back to {back}", "$text-warning"),
            "failed": ("✗", f"rollback to {back} failed", "$text-error"),
        }.get(story.state, ("↩", f"rolled back to {back}", "$text-warning"))
        lines.append(Content.styled(f"{said[0]} {said[1]}", said[2]))
        return lines

    def _approval_lines(self, approval: ApprovalView) -> list[Content]:
        symbol = look.APPROVAL_SYMBOLS.get(approval.state, "?")
        style = _APPROVAL_STYLE.get(approval.state, "")
        # A name longer than the card (`onebox:onebox-bake` in a narrow column) is cut
        # with an ellipsis rather than broken mid-word onto the next line.
        name = Content(approval.name).truncate(max(4, self.content_size.width - 2), ellipsis=True)
        head = Content.assemble((f"{symbol} ", style), name)
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
