"""Provides the decisions the engine returns: what should happen next, and why.

Each decision is a small frozen record with a `reason` sentence that feeds the audit
log, `status` and `where`. The runtime records a decision before acting on it (R10).
"""

from __future__ import annotations

from typing import Literal

from msgspec import Struct

from release_captain.engine.plan import PlanStep
from release_captain.engine.state import COMMAND_KINDS


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
    #: The version the step's command works on when it is not `version`: the one a
    #: rollback redeploys, or the last good one a rollback check redeploys and checks.
    to: int | None = None
    #: The step passes as soon as it is recorded, running nothing, with `reason` as its
    #: outcome (a rollback check on a target with no last good version, SPEC §11).
    passes_at_once: bool = False

    @property
    def runs_a_command(self) -> bool:
        """True when the runtime runs a command for this step and reports its end."""
        return self.step.kind in COMMAND_KINDS and not self.passes_at_once


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
    """The version is rejected in the stage (rules R7, R8): it never passes it and is
    never deployed there automatically again, whatever became of it there before."""

    stage: str
    version: int
    reason: str
    #: Who rejected it, when a person did.
    actor: str = ""
    #: The person's own words, for the history (which names the actor in its own column).
    comment: str = ""


class GrantApproval(Struct, frozen=True, kw_only=True):
    """A person's word on a version in a stage (rule R4): its entry, a sign-off, or the
    rejection of the version while it is in flight there."""

    stage: str
    version: int
    kind: Literal["entry", "signoff", "reject"]
    actor: str
    comment: str = ""
    override_blockers: bool = False
    reason: str


class StopStep(Struct, frozen=True, kw_only=True):
    """A person's command cuts a running step off: it fails, and its process is ended."""

    step_id: int
    actor: str
    reason: str


class SetControl(Struct, frozen=True, kw_only=True):
    """A person pauses or resumes a stage, or switches its promotion mode (rule R4)."""

    stage: str
    actor: str
    paused: bool | None = None
    pause_reason: str = ""
    promotion: Literal["automatic", "manual"] | None = None
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
    | GrantApproval
    | StopStep
    | SetControl
)
