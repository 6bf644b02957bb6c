"""Provides `decide`: recorded state + time -> the decisions to act on, with reasons.

Pure and deterministic: the same pipeline, state and `now` give the same decisions, so
the loop can recompute everything each pass and a restart after a crash needs no
special path. Each rule lives in its own module; this one only walks the stages.
"""

from __future__ import annotations

from collections import defaultdict

from msgspec import Struct

from release_captain.config.model import Pipeline, Stage
from release_captain.engine.alarms import alarm_gate
from release_captain.engine.builds import build_decisions, builds_running
from release_captain.engine.candidates import candidates_for
from release_captain.engine.decisions import Decision, EnterStage, Supersede
from release_captain.engine.failure import rerun_cut_off_rollbacks
from release_captain.engine.gates import (
    Hold,
    eligible,
    hold_on,
    promotion_of,
    rejected_by_person,
)
from release_captain.engine.passing import settle_stage
from release_captain.engine.plan import ROLLBACK_STEP
from release_captain.engine.rollout import advance_target
from release_captain.engine.rollout_timing import Slots, Timers
from release_captain.engine.state import State, StepRecord


class Outcome(Struct, frozen=True, kw_only=True):
    """The result of one decision pass."""

    decisions: tuple[Decision, ...]
    #: When a pass is due because of time alone (a wait or bake_after ends).
    wake_at: float | None
    #: True while anything runs or a timer is pending: the pipeline is not idle.
    busy: bool
    #: stage -> why its newest candidate waits (for status and where).
    holds: dict[str, Hold]


def decide(pipeline: Pipeline, state: State, now: float) -> Outcome:
    """Everything that should happen now, in the pipeline's order."""
    running = [s for s in state.steps if s.state == "running"]
    slots = Slots(
        free=pipeline.max_parallel
        - builds_running(state)
        - sum(1 for s in running if s.holds_slot)
        - sum(1 for c in state.alarm_checks.values() if c.running)
    )
    timers = Timers()
    decisions: list[Decision] = build_decisions(state, slots)
    steps = _latest_steps(state)
    decisions += rerun_cut_off_rollbacks(steps, slots)
    holds: dict[str, Hold] = {}
    for stage in pipeline.stages:
        decisions += _enter(pipeline, stage, state, holds, now, slots, timers)
        decisions += _advance(stage, state, steps, now, slots, timers)
    busy = (
        any(s.kind != "manual" for s in running)
        or builds_running(state) > 0
        or timers.wake_at is not None
        or any(c.running for c in state.alarm_checks.values())
    )
    return Outcome(decisions=tuple(decisions), wake_at=timers.wake_at, busy=busy, holds=holds)


def _latest_steps(state: State) -> dict[tuple[str, str, int], dict[int, StepRecord]]:
    """(stage, target, version) -> plan index -> the latest attempt of that step."""
    found: dict[tuple[str, str, int], dict[int, StepRecord]] = defaultdict(dict)
    for step in state.steps:
        by_index = found[(step.stage, step.target, step.version)]
        known = by_index.get(step.index)
        if known is None or step.id > known.id:
            by_index[step.index] = step
    return found


def _enter(
    pipeline: Pipeline,
    stage: Stage,
    state: State,
    holds: dict[str, Hold],
    now: float,
    slots: Slots,
    timers: Timers,
) -> list[Decision]:
    """Rules R3 and R4: supersede older candidates; take the newest one the gate admits."""
    candidates = candidates_for(pipeline, state, stage)
    if not candidates:
        return []
    chosen = eligible(stage, state, candidates)
    decisions: list[Decision] = [
        Supersede(
            stage=stage.name,
            version=older,
            reason=f"v{chosen} is newer and may enter {stage.name}",
        )
        for older in candidates
        if chosen is not None and older < chosen
    ]
    newest = candidates[-1]
    in_flight = state.in_flight(stage.name)
    if chosen is None:
        holds[stage.name] = Hold(
            version=newest,
            reason="manual-approval",
            detail=f"promotion into {stage.name} is manual: waiting for a person's approval",
        )
        return decisions
    gate = hold_on(stage, state, chosen)
    if gate is not None:
        holds[stage.name] = gate
    elif in_flight is not None:
        holds[stage.name] = Hold(
            version=chosen, reason="busy", detail=f"v{in_flight.version} is in flight"
        )
    else:
        checks, alarm, may_enter = alarm_gate(
            stage=stage, state=state, version=chosen, now=now, slots=slots, timers=timers
        )
        decisions += checks
        if alarm is not None:
            holds[stage.name] = alarm
        if may_enter:
            mode = promotion_of(stage, state)
            why = "approved by a person" if mode == "manual" else "newest candidate"
            decisions.append(EnterStage(stage=stage.name, version=chosen, reason=why))
    if newest != chosen and stage.name not in holds:
        holds[stage.name] = Hold(
            version=newest, reason="manual-approval", detail="waiting for a person's approval"
        )
    return decisions


def _advance(
    stage: Stage,
    state: State,
    steps: dict[tuple[str, str, int], dict[int, StepRecord]],
    now: float,
    slots: Slots,
    timers: Timers,
) -> list[Decision]:
    """Rules R5 and R6: move each target of the in-flight version on; settle the stage."""
    entry = state.in_flight(stage.name)
    if entry is None:
        return []
    version = entry.version
    deployments = {
        t.name: d
        for t in stage.targets
        if (d := state.deployments.get((stage.name, t.name, version))) is not None
    }
    rejected = rejected_by_person(state, stage.name, version)
    failing = rejected or any(d.state == "failed" for d in deployments.values())
    decisions: list[Decision] = []
    for target in stage.targets:
        decisions += advance_target(
            stage=stage,
            target=target.name,
            version=version,
            steps=steps.get((stage.name, target.name, version), {}),
            deployment=deployments.get(target.name),
            failing=failing,
            rejected=rejected,
            state=state,
            now=now,
            slots=slots,
            timers=timers,
        )
    rollbacks_running = any(
        (r := steps.get((stage.name, t.name, version), {}).get(ROLLBACK_STEP.index)) is not None
        and r.state in ("running", "interrupted")
        for t in stage.targets
    )
    if not decisions:
        decisions += settle_stage(
            stage=stage,
            version=version,
            deployments=deployments,
            rollbacks_running=rollbacks_running,
            now=now,
            rejected=rejected,
            timers=timers,
        )
    return decisions
