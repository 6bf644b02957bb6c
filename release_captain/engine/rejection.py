"""Rules R7 and R8: a version rejected in a stage — by a failure, or by a person — never
passes it and is never deployed there again unless a person forces it.

A version not yet taken (`captain reject`), or one a rollback moves targets off even
after it passed, is rejected at once; one in flight is rejected by a person's word (a
`reject` grant) and settled by the engine once nothing of it runs there
(`engine.passing`). `captain reject` itself refuses a version that already passed or
was superseded there (`engine.people`).
"""

from __future__ import annotations

from release_captain.engine.decisions import Decision, GrantApproval, RejectStage, StopStep
from release_captain.engine.gates import rejected_by_person
from release_captain.engine.state import State


def rejected_in(state: State, stage: str, version: int) -> bool:
    """True when the version is rejected in the stage: settled, or asked for by a person
    while it is still in flight there."""
    return (stage, version) in state.rejected or rejected_by_person(state, stage, version)


def reject(
    state: State, stage: str, version: int, *, actor: str, why: str, comment: str = ""
) -> list[Decision]:
    """Reject the version in the stage, whatever became of it there: settled at once, or,
    in flight, by a person's word the engine settles once nothing of it runs there.
    Nothing when it is already rejected."""
    recorded = state.stage_versions.get((stage, version))
    if recorded is not None and recorded.state == "in-flight":
        if rejected_by_person(state, stage, version):
            return []
        return [
            GrantApproval(
                stage=stage,
                version=version,
                kind="reject",
                actor=actor,
                comment=comment,
                reason="rejected while in flight",
            )
        ]
    if rejected_in(state, stage, version):
        return []
    return [RejectStage(stage=stage, version=version, reason=why, actor=actor, comment=comment)]


def stop_running(state: State, stage: str, version: int, *, actor: str, why: str) -> list[Decision]:
    """Cut off every step of the version running in the stage."""
    return [
        StopStep(step_id=s.id, actor=actor, reason=why)
        for s in state.steps
        if s.stage == stage and s.version == version and s.state == "running"
    ]
