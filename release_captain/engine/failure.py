"""Rule R7: failure and automatic rollback.

A failed deploy or approval fails its target; the version is rejected in the stage once
nothing of it runs there. With `rollback = true` (the default) a failed target is
redeployed with its last good version (`engine.last_good`, the same rule a manual
rollback uses), recorded as a rollback step with its own
outcome; a target with no last good version stays failed and says so. A rollback cut
off by a crash runs again, to the same version (rule R10).
"""

from __future__ import annotations

from collections.abc import Mapping

from release_captain.config.model import Stage
from release_captain.engine.decisions import Decision, StartStep
from release_captain.engine.last_good import last_good
from release_captain.engine.plan import ROLLBACK_STEP
from release_captain.engine.rollout_timing import Slots
from release_captain.engine.state import DeploymentRecord, State, StepRecord
from release_captain.wording import version_name


def rollback_for(
    *,
    stage: Stage,
    target: str,
    version: int,
    deployment: DeploymentRecord,
    rollback: StepRecord | None,
    state: State,
    slots: Slots,
) -> list[Decision]:
    """Roll a failed target back to its last good version, once."""
    if deployment.state != "failed" or not stage.rollback or rollback is not None:
        return []
    good = last_good(state, stage.name, target)
    if good is None:
        return []
    if not slots.take("rollback"):
        return []
    return [
        StartStep(
            stage=stage.name,
            target=target,
            version=version,
            step=ROLLBACK_STEP,
            to=good,
            previous=version,
            reason=f"{version_name(version)} failed here; rolling back to last good "
            f"{version_name(good)}",
        )
    ]


def no_rollback_note(stage: Stage, state: State, target: str, version: int) -> str:
    """What a failed target's record should add about rollback, if anything."""
    if not stage.rollback:
        return ""
    if last_good(state, stage.name, target) is None:
        return "; no last good version to roll back to, the target stays failed"
    return ""


def rerun_cut_off_rollbacks(
    steps: Mapping[tuple[str, str, int], Mapping[int, StepRecord]], slots: Slots
) -> list[Decision]:
    """Rollbacks whose latest attempt a crash cut off run again, to the same version."""
    decisions: list[Decision] = []
    for (stage, target, version), by_index in steps.items():
        last = by_index.get(ROLLBACK_STEP.index)
        if last is None or last.state != "interrupted" or last.to_version is None:
            continue
        if not slots.take("rollback"):
            break
        decisions.append(
            StartStep(
                stage=stage,
                target=target,
                version=version,
                step=ROLLBACK_STEP,
                to=last.to_version,
                previous=version,
                reason="the rollback was cut off when the engine stopped; running it again",
            )
        )
    return decisions
