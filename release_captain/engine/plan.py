"""Provides a target's plan: the ordered steps a version goes through on one target.

Rule R5: with onebox, the onebox is deployed and verified first, then the full target;
approvals run in the order written. The plan is derived from the stage alone, so the
position of a step (`index`) identifies it across restarts.
"""

from __future__ import annotations

from msgspec import Struct

from release_captain.config.model import Approval, Stage
from release_captain.engine.state import StepKind


class PlanStep(Struct, frozen=True, kw_only=True):
    """One step of a target's rollout."""

    index: int
    name: str
    kind: StepKind
    onebox: bool
    #: The approval this step runs; None for deploys and rollbacks.
    approval: Approval | None = None

    @property
    def is_deploy(self) -> bool:
        """True for the steps that put a version onto the target (or its onebox)."""
        return self.kind in ("deploy", "rollback")


#: The step that redeploys a target's last good version after a failure (rule R7).
ROLLBACK_STEP = PlanStep(index=-1, name="rollback", kind="rollback", onebox=False)


#: Plans by the identity of their stage. A frozen record hashes all its fields on
#: every lookup, which for a stage of 200 targets made each pass quadratic.
_PLANS: dict[int, tuple[Stage, tuple[PlanStep, ...]]] = {}


def plan_for(stage: Stage) -> tuple[PlanStep, ...]:
    """The steps of one rollout on any target of `stage`, in the order they run."""
    known = _PLANS.get(id(stage))
    if known is not None and known[0] is stage:
        return known[1]
    plan = _make_plan(stage)
    _PLANS[id(stage)] = (stage, plan)
    return plan


def _make_plan(stage: Stage) -> tuple[PlanStep, ...]:
    steps: list[PlanStep] = []

    def add(name: str, kind: StepKind, onebox: bool, approval: Approval | None = None) -> None:
        steps.append(
            PlanStep(index=len(steps), name=name, kind=kind, onebox=onebox, approval=approval)
        )

    if stage.onebox is not None:
        add("onebox-deploy", "deploy", True)
        for approval in stage.onebox.approvals:
            add(approval.name, approval.kind, True, approval)
    add("deploy", "deploy", False)
    for approval in stage.approvals:
        add(approval.name, approval.kind, False, approval)
    return tuple(steps)
