"""Provides a target's plan: the ordered steps a version goes through on one target.

Rule R5: with onebox, the onebox is deployed and verified first, then the full target;
approvals run in the order written; a rollback check is four steps (SPEC §11). The plan
is derived from the stage alone, so the position of a step (`index`) identifies it
across restarts.
"""

from __future__ import annotations

from typing import Literal

from msgspec import Struct

from release_captain.config.model import Approval, Stage
from release_captain.engine.state import StepKind

CheckPart = Literal["redeploy", "check-old", "deploy-again", "check-new"]

#: The four parts of a rollback check (SPEC §11, `engine.rollback_check`) in the order
#: they run: (part, step kind, what the step's name says after the approval's name).
CHECK_PARTS: tuple[tuple[CheckPart, StepKind, str], ...] = (
    ("redeploy", "rollback-check", "redeploy last good"),
    ("check-old", "run", "check last good"),
    ("deploy-again", "deploy", "deploy new again"),
    ("check-new", "run", "check new"),
)


class PlanStep(Struct, frozen=True, kw_only=True):
    """One step of a target's rollout."""

    index: int
    name: str
    kind: StepKind
    onebox: bool
    #: The approval this step runs; None for deploys and rollbacks.
    approval: Approval | None = None
    #: Which part of a rollback check (`engine.rollback_check`) this step is, if any.
    check_part: CheckPart | None = None

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

    def add_approvals(approvals: tuple[Approval, ...], onebox: bool) -> None:
        for approval in approvals:
            if not approval.rollback_check:
                add(approval.name, approval.kind, onebox, approval)
                continue
            for part, kind, words in CHECK_PARTS:
                steps.append(
                    PlanStep(
                        index=len(steps),
                        name=f"{approval.name}: {words}",
                        kind=kind,
                        onebox=onebox,
                        approval=approval,
                        check_part=part,
                    )
                )

    if stage.onebox is not None:
        add("onebox-deploy", "deploy", True)
        add_approvals(stage.onebox.approvals, True)
    add("deploy", "deploy", False)
    add_approvals(stage.approvals, False)
    return tuple(steps)
