"""Rule R9: bake. A monitor bake evaluates every monitor each `interval` for the bake's
duration; any ALARM fails it at once (the runtime records that with the monitor's
output); it passes only when the duration has elapsed and every monitor was evaluated
at least `min_checks` times — so a bake too short for its checks runs on until it has
them. The first evaluation happens as the bake starts.
"""

from __future__ import annotations

from release_captain.config.model import Approval
from release_captain.engine.decisions import CheckMonitors, Decision, FinishStep
from release_captain.engine.rollout_timing import Slots, Timers
from release_captain.engine.state import StepRecord
from release_captain.wording import seconds


def bake_decisions(
    step: StepRecord, approval: Approval, *, now: float, slots: Slots, timers: Timers
) -> list[Decision]:
    """What a running bake needs now: another evaluation, its end, or nothing yet."""
    if step.checking:
        return []
    counts = dict(step.checks)
    ends = step.started_at + approval.duration
    enough = all(counts.get(m, 0) >= approval.min_checks for m in approval.monitors)
    if now >= ends and enough:
        least = min((counts.get(m, 0) for m in approval.monitors), default=0)
        return [
            FinishStep(
                step_id=step.id,
                passed=True,
                reason=f"baked {seconds(approval.duration)} with every monitor OK "
                f"({least}+ checks each)",
            )
        ]
    due = step.started_at if step.last_check_at is None else step.last_check_at + approval.interval
    if now >= due:
        if not slots.take("bake"):
            return []
        return [CheckMonitors(step_id=step.id, reason=f"{approval.name}: time for a check")]
    timers.at(due if enough is False or due < ends else ends)
    return []


def remaining(step: StepRecord, approval: Approval, now: float) -> float:
    """Seconds left of a running bake or wait, for the countdowns of status and the TUI."""
    return max(0.0, step.started_at + approval.duration - now)
