"""Provides what a person may ask of the pipeline (rule R11) and what the engine answers.

A request goes into the engine with the recorded state and the time, like every other
pass, and comes out as an `Answer`: the decisions to record, with reasons, and one
sentence for the person. Whoever applies it (the running engine from its queue, or the
command itself when no engine runs) records the same decisions the same way.
"""

from __future__ import annotations

from typing import Literal

from msgspec import Struct

from release_captain.config.model import Pipeline, Stage
from release_captain.engine.decisions import Decision
from release_captain.engine.state import State
from release_captain.errors import StateConflict
from release_captain.wording import version_name


class Approve(Struct, frozen=True, kw_only=True):
    """Grant what waits for a person in a stage: its manual entry gate or a sign-off."""

    stage: str
    #: The version to approve; None means the one that waits.
    version: int | None = None
    comment: str = ""
    override_blockers: bool = False
    actor: str = ""


class Reject(Struct, frozen=True, kw_only=True):
    """Reject a version in a stage: it never passes it; in flight, it is stopped."""

    stage: str
    #: The version to reject; None means the one that waits, else the one in flight.
    version: int | None = None
    comment: str = ""
    actor: str = ""


class SetGate(Struct, frozen=True, kw_only=True):
    """Switch a stage's promotion mode at run time."""

    stage: str
    mode: Literal["manual", "automatic"]
    actor: str = ""


class Pause(Struct, frozen=True, kw_only=True):
    """Stop a stage taking new versions; what is in flight there finishes."""

    stage: str
    reason: str = ""
    actor: str = ""


class Resume(Struct, frozen=True, kw_only=True):
    """Let a paused stage take new versions again."""

    stage: str
    actor: str = ""


class Rollback(Struct, frozen=True, kw_only=True):
    """Rule R8: roll targets back to their last good version, or to `to`."""

    #: `STAGE/TARGET`, or `STAGE` for every target of the stage.
    targets: tuple[str, ...]
    to: int | None = None
    #: Allow `to` a version that never succeeded in the stage or was rejected there.
    force: bool = False
    reason: str = ""
    actor: str = ""


Request = Approve | Reject | SetGate | Pause | Resume | Rollback


class RollbackMove(Struct, frozen=True, kw_only=True):
    """One target of a rollback: from the version it runs to the one it gets."""

    stage: str
    target: str
    from_version: int
    to_version: int


class Reply(Struct, frozen=True, kw_only=True):
    """What a request did, as the person's command reports it."""

    message: str
    stage: str | None = None
    version: int | None = None
    #: approve: what was granted.
    approved: Literal["entry", "signoff"] | None = None
    rejected: bool = False
    promotion: Literal["manual", "automatic"] | None = None
    paused: bool | None = None
    rollbacks: tuple[RollbackMove, ...] = ()


class Answer(Reply, frozen=True, kw_only=True):
    """What the engine makes of a request: the reply, and the decisions to record."""

    decisions: tuple[Decision, ...] = ()

    def reply(self) -> Reply:
        """The answer without its decisions: what is kept for the person."""
        return Reply(**{name: getattr(self, name) for name in Reply.__struct_fields__})


def stage_named(pipeline: Pipeline, name: str) -> Stage:
    """The stage called `name`, or the conflict naming the stages there are."""
    stage = pipeline.stage(name)
    if stage is None:
        names = ", ".join(s.name for s in pipeline.stages)
        raise StateConflict(f"no stage named '{name}' (stages: {names})")
    return stage


def known_version(state: State, version: int | None) -> int | None:
    """`version` when it was recorded (the state holds every version a request names)."""
    if version is not None and state.version(version) is None:
        raise StateConflict(f"there is no version {version_name(version)}")
    return version
