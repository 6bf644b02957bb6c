"""Rule R4: gates. What must hold before a stage takes a version.

A stage takes a candidate only when it is not paused, none of its blockers is active
(unless a person approved the version with `--override-blockers`), none of its
`block_on_alarm` monitors is in ALARM, and, with manual promotion, a person approved
that version for that stage. Gates are checked on entry only. (The alarm check, which
needs monitors evaluated just before entry, is in `engine.alarms`.)
"""

from __future__ import annotations

from typing import Literal

from msgspec import Struct

from release_captain.config.model import Stage
from release_captain.engine.state import Grant, State

HoldReason = Literal["manual-approval", "blocker", "alarm", "paused", "busy"]


class Hold(Struct, frozen=True, kw_only=True):
    """Why a version waits at a stage's gate."""

    version: int
    reason: HoldReason
    #: The sentence a person reads ("blocker office-hours is active").
    detail: str


def promotion_of(stage: Stage, state: State) -> Literal["automatic", "manual"]:
    """The promotion mode in force: `captain gate` overrides the configured one."""
    control = state.controls.get(stage.name)
    if control is not None and control.promotion is not None:
        return control.promotion
    return stage.promotion


def approved(state: State, stage: str, version: int) -> Grant | None:
    """A person's approval of the version's entry into the stage, if given."""
    return next(
        (
            g
            for g in state.grants
            if g.stage == stage and g.version == version and g.kind == "entry"
        ),
        None,
    )


def eligible(stage: Stage, state: State, candidates: list[int]) -> int | None:
    """The newest candidate the promotion mode lets in: any, or the newest approved."""
    if promotion_of(stage, state) == "automatic":
        return candidates[-1] if candidates else None
    for version in reversed(candidates):
        if approved(state, stage.name, version) is not None:
            return version
    return None


def hold_on(stage: Stage, state: State, version: int) -> Hold | None:
    """What holds `version` at the stage's gate right now, or None when it may enter."""
    control = state.controls.get(stage.name)
    if control is not None and control.paused:
        why = f": {control.pause_reason}" if control.pause_reason else ""
        return Hold(version=version, reason="paused", detail=f"stage is paused{why}")
    active = [b for b in stage.blockers if b in state.active_blockers]
    grant = approved(state, stage.name, version)
    if active and not (grant is not None and grant.override_blockers):
        names = ", ".join(active)
        return Hold(version=version, reason="blocker", detail=f"blocker {names} is active")
    return None


def rejected_by_person(state: State, stage: str, version: int) -> bool:
    """True when a person rejected the in-flight version in the stage (`captain reject`)."""
    return any(
        g.stage == stage and g.version == version and g.kind == "reject" for g in state.grants
    )
