"""Provides the decisions the engine returns: what should happen next, and why.

Each decision is a small frozen record with a `reason` sentence that feeds the audit
log, `status` and `where`. The runtime records a decision before acting on it (R10).
"""

from __future__ import annotations

from msgspec import Struct

from release_captain.engine.plan import PlanStep


class StartBuild(Struct, frozen=True, kw_only=True):
    """Build this version once, in a clean checkout (rule R2)."""

    version: int
    reason: str


class EnterStage(Struct, frozen=True, kw_only=True):
    """The stage takes this version (rules R3, R4)."""

    stage: str
    version: int
    reason: str


class Supersede(Struct, frozen=True, kw_only=True):
    """A newer candidate makes this version obsolete in the stage: it never enters it."""

    stage: str
    version: int
    by: int
    reason: str


class StartStep(Struct, frozen=True, kw_only=True):
    """Start the next step of a target's rollout (rule R5) or its rollback (rule R7)."""

    stage: str
    target: str
    version: int
    step: PlanStep
    reason: str
    #: The target's version before this step, for `CAPTAIN_PREVIOUS_VERSION`.
    previous: int | None = None
    #: For a rollback: the version it redeploys (`version` is the one rolled back from).
    to: int | None = None


class FinishStep(Struct, frozen=True, kw_only=True):
    """A step whose outcome is a matter of time alone (a fixed wait) is over."""

    step_id: int
    passed: bool
    reason: str


class FinishTarget(Struct, frozen=True, kw_only=True):
    """A target is done with a version: every step passed, or one failed."""

    stage: str
    target: str
    version: int
    succeeded: bool
    reason: str


class PassStage(Struct, frozen=True, kw_only=True):
    """The version passed the stage (rule R6); the next stage may take it."""

    stage: str
    version: int
    reason: str


class RejectStage(Struct, frozen=True, kw_only=True):
    """The version failed in the stage (rule R7); it never passes it."""

    stage: str
    version: int
    reason: str


class CheckMonitors(Struct, frozen=True, kw_only=True):
    """Evaluate every monitor of a running bake once more (rule R9)."""

    step_id: int
    reason: str


class CheckAlarms(Struct, frozen=True, kw_only=True):
    """Evaluate a stage's `block_on_alarm` monitors just before it takes a version (R4)."""

    stage: str
    version: int
    reason: str


Decision = (
    StartBuild
    | EnterStage
    | Supersede
    | StartStep
    | FinishStep
    | FinishTarget
    | PassStage
    | RejectStage
    | CheckMonitors
    | CheckAlarms
)
