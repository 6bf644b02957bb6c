"""Provides what a stage's current state hides and a person needs to read it: the newest
version the stage rejected and why, and, on a target rolled back, the version that failed
there and how. `status` has them, so the CLI's JSON and the TUI's board tell the same
story without a face asking the store twice."""

from __future__ import annotations

from collections.abc import Callable

from msgspec.structs import replace

from release_captain.config.model import Stage
from release_captain.engine import plan_for
from release_captain.service.shapes import ApprovalView, RejectionStory, RollbackStory
from release_captain.store import Store
from release_captain.store.views import StepRow
from release_captain.wording import version_name

#: Target states that run an older version than the one that came last.
ROLLED_BACK = ("rolling_back", "rolled_back")

ApprovalOf = Callable[..., ApprovalView]


def rejection_of(store: Store, stage: str, passed: int | None) -> RejectionStory | None:
    """The stage's newest rejection, unless a later version has passed since."""
    found = store.views.last_rejection(stage)
    if found is None:
        return None
    version, reason, step, target, detail = found
    if passed is not None and passed > version:
        return None
    return RejectionStory(
        version=version, sentence=rejection_sentence(version, reason, step, target, detail)
    )


def rejection_sentence(version: int, reason: str, step: str, target: str, detail: str) -> str:
    """`v3 rejected here: health on eu-west-1: monitor errors in ALARM` for a failure,
    `v3 rejected by ada: wrong build` for a person's word."""
    name = version_name(version)
    if reason.startswith("rejected by "):
        return f"{name} {reason}"
    if step:
        return f"{name} rejected here: {step} on {target}: {detail or 'failed'}"
    return f"{name} rejected here: {reason or 'no reason recorded'}"


def approvals_of(
    store: Store, stage: Stage, target: str, version: int, now: float, view: ApprovalOf
) -> tuple[ApprovalView, ...]:
    """A rollout's approvals as its newest attempt at each step left them; each part of
    a rollback check is shown under its step's name (`rollback-safety: check new`)."""
    latest: dict[int, StepRow] = {}
    for step in store.views.steps(stage=stage.name, target=target, version=version):
        latest[step.index] = step
    return tuple(
        view(
            replace(planned.approval, name=planned.name),
            planned.onebox,
            latest.get(planned.index),
            now,
        )
        for planned in plan_for(stage)
        if planned.approval is not None
    )


def rollback_of(
    store: Store, stage: Stage, target: str, now: float, view: ApprovalOf
) -> RollbackStory | None:
    """The rollback behind a rolled-back target: the failed version's approvals as they
    ended and where the target went back to."""
    found = store.views.last_rollback(stage.name, target)
    if found is None:
        return None
    failed, back_to, state = found
    return RollbackStory(
        failed_version=failed,
        to_version=back_to,
        state=state,
        approvals=approvals_of(store, stage, target, failed, now, view),
    )
