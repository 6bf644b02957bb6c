"""Rule R5: parallel targets. Advancing each target of a stage through its plan.

All targets of a stage deploy in parallel within `max_parallel`; a target's approvals
start as soon as its own deployment finishes, whatever the others do; approvals of one
target run in the order written and a failure stops the rest. Once the version failed on
some target, targets that have not begun do not begin (those that have carry on).
"""

from __future__ import annotations

from collections.abc import Mapping

from release_captain.config.model import Stage
from release_captain.engine.bake import bake_decisions
from release_captain.engine.decisions import Decision, FinishStep, FinishTarget, StartStep
from release_captain.engine.failure import no_rollback_note, rollback_for
from release_captain.engine.plan import ROLLBACK_STEP, plan_for
from release_captain.engine.rollback_check import shape_start
from release_captain.engine.rollout_timing import Slots, Timers
from release_captain.engine.state import DeploymentRecord, State, StepRecord
from release_captain.wording import version_name

#: Why a target succeeded with a version.
ALL_PASSED = "deployed and every approval passed"


def advance_target(
    *,
    stage: Stage,
    target: str,
    version: int,
    steps: Mapping[int, StepRecord],
    deployment: DeploymentRecord | None,
    failing: bool,
    state: State,
    rejected: bool = False,
    now: float,
    slots: Slots,
    timers: Timers,
) -> list[Decision]:
    """The next decision for one target's rollout of `version`, if any.

    `steps` maps plan index -> latest attempt; `failing` is True once the version failed
    on another target of the stage; `rejected` once a person rejected it there.
    """
    rollback = steps.get(ROLLBACK_STEP.index)
    if rollback is not None and rollback.state == "running":
        return []
    if deployment is not None and deployment.state != "running":
        return rollback_for(
            stage=stage,
            target=target,
            version=version,
            deployment=deployment,
            rollback=rollback,
            state=state,
            slots=slots,
        )
    running = [s for s in steps.values() if s.state == "running"]
    if running:
        return _watch_running(
            running[0], stage=stage, state=state, now=now, slots=slots, timers=timers
        )
    failed = next((s for s in steps.values() if s.state == "failed"), None)
    if failed is not None or (rejected and deployment is not None):
        why = f"{failed.name} failed" if failed is not None else "rejected by a person"
        if rollback is not None:
            why += f"; rolled back by a person to {version_name(rollback.to_version or 0)}"
        note = no_rollback_note(stage, state, target, version)
        return [_finish(stage, target, version, succeeded=False, reason=why + note)]
    if (deployment is None and failing) or rollback is not None:
        return _next_step(stage, target, version, steps, state, slots, start=False)
    return _next_step(stage, target, version, steps, state, slots, start=True)


def _finish(stage: Stage, target: str, version: int, *, succeeded: bool, reason: str) -> Decision:
    return FinishTarget(
        stage=stage.name, target=target, version=version, succeeded=succeeded, reason=reason
    )


def _next_step(
    stage: Stage,
    target: str,
    version: int,
    steps: Mapping[int, StepRecord],
    state: State,
    slots: Slots,
    *,
    start: bool,
) -> list[Decision]:
    """The target's next step of the plan, or its success once every step passed.
    `start` is False when nothing new may begin on it (the version is failing in the
    stage and the target never began, or a person rolled it back)."""
    plan = plan_for(stage)
    index = next((s.index for s in plan if not _passed(steps.get(s.index))), len(plan))
    if index == len(plan):
        return [_finish(stage, target, version, succeeded=True, reason=ALL_PASSED)]
    step = plan[index]
    if not start:
        return []
    retry = steps.get(index) is not None
    reason = (
        f"{step.name} was {steps[index].state}; running it again"
        if retry
        else ("first step of the rollout" if index == 0 else "previous step passed")
    )
    decision = StartStep(
        stage=stage.name,
        target=target,
        version=version,
        step=step,
        reason=reason,
        previous=previous_of(stage.name, target, version, state),
    )
    if step.check_part is not None:
        decision = shape_start(decision, step.check_part, steps, state)
    if not decision.passes_at_once and not slots.take(step.kind):
        return []
    return [decision]


def previous_of(stage: str, target: str, version: int, state: State) -> int | None:
    """What the target ran before this rollout of `version` began: recorded with the
    rollout's first step, so later steps and re-runs after a crash get the same
    `CAPTAIN_PREVIOUS_VERSION` (rules R10, §5)."""
    deployment = state.deployments.get((stage, target, version))
    if deployment is not None:
        return deployment.previous
    return state.target(stage, target).version


def _passed(step: StepRecord | None) -> bool:
    return step is not None and step.state == "passed"


def _watch_running(
    step: StepRecord, *, stage: Stage, state: State, now: float, slots: Slots, timers: Timers
) -> list[Decision]:
    """Steps the engine itself drives: bakes, fixed waits and a person's sign-off."""
    approval = next((s.approval for s in plan_for(stage) if s.index == step.index), None)
    if step.kind == "bake" and approval is not None:
        return bake_decisions(step, approval, now=now, slots=slots, timers=timers)
    if step.kind == "wait" and approval is not None:
        ends = step.started_at + approval.duration
        if now >= ends:
            return [FinishStep(step_id=step.id, passed=True, reason="wait elapsed")]
        timers.at(ends)
    elif step.kind == "manual":
        signed = any(
            g.stage == stage.name and g.version == step.version and g.kind == "signoff"
            for g in state.grants
        )
        if signed:
            return [FinishStep(step_id=step.id, passed=True, reason="signed off by a person")]
    return []
