"""SPEC §2 "last good", the one definition that rules R7 and R8, `status` and the TUI use.

A target's last good version is the newest version older than the one it runs that
succeeded there (deploy and every approval) and is not rejected in its stage. A version
a failure or a person rejected in a stage is never a rollback destination there, unless
a person names it with `--to … --force`; so after any sequence of rejections and
rollbacks, no target's last good is a rejected version.
"""

from __future__ import annotations

from collections.abc import Collection

from release_captain.engine.rejection import rejected_in
from release_captain.engine.state import State


def last_good(
    state: State, stage: str, target: str, *, also_rejected: Collection[int] = ()
) -> int | None:
    """The target's last good version, or None when it has none.

    `also_rejected` names versions about to be rejected in the stage by the same
    decision (a rollback of several targets rejects what each runs), so no target is
    sent to a version the same command rejects.
    """
    record = state.target(stage, target)
    return next(
        (
            version
            for version in record.succeeded
            if version not in also_rejected and not rejected_in(state, stage, version)
        ),
        None,
    )


def succeeded_in_stage(state: State, stage: str, version: int) -> bool:
    """True when the version passed the stage or succeeded on one of its targets."""
    recorded = state.stage_versions.get((stage, version))
    if recorded is not None and recorded.state == "passed":
        return True
    return any(
        d.state == "succeeded" and d.version == version and d.stage == stage
        for d in state.deployments.values()
    )
