"""Rule R4, last gate: never start a deployment while production is already hurting.

Just before a stage with `block_on_alarm` monitors would take a version, those monitors
are evaluated once; any ALARM holds the stage (reason `alarm`) and the check is retried
every `ALARM_RETRY` seconds until it clears. A check counts as "just before" while it is
younger than `ALARM_FRESH` seconds and was made for the version about to enter.
"""

from __future__ import annotations

from release_captain.config.model import Stage
from release_captain.engine.decisions import CheckAlarms, Decision
from release_captain.engine.gates import Hold
from release_captain.engine.rollout_timing import Slots, Timers
from release_captain.engine.state import State

#: How long a clean check lets the stage enter.
ALARM_FRESH = 5.0
#: How long after an ALARM the monitors are evaluated again.
ALARM_RETRY = 5.0


def alarm_gate(
    *, stage: Stage, state: State, version: int, now: float, slots: Slots, timers: Timers
) -> tuple[list[Decision], Hold | None, bool]:
    """(decisions, hold, may_enter) for a version the other gates admit."""
    if not stage.block_on_alarm:
        return [], None, True
    check = state.alarm_checks.get(stage.name)
    if check is not None and check.running:
        return [], None, False
    age = None if check is None or check.checked_at is None else now - check.checked_at
    if check is not None and check.alarming and age is not None and age < ALARM_RETRY:
        timers.at(now + (ALARM_RETRY - age))
        names = ", ".join(check.alarming)
        hold = Hold(version=version, reason="alarm", detail=f"monitor {names} is in ALARM")
        return [], hold, False
    fresh = check is not None and age is not None and age < ALARM_FRESH
    if check is not None and fresh and check.version == version and not check.alarming:
        return [], None, True
    if not slots.take("run"):
        return [], None, False
    names = ", ".join(stage.block_on_alarm)
    decision = CheckAlarms(
        stage=stage.name,
        version=version,
        reason=f"checking {names} before {stage.name} takes v{version}",
    )
    return [decision], None, False
