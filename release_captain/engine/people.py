"""Rules R4 and R11: people's commands — approve, reject, gate, pause, resume — decided
like every other move, from the recorded state and the time, with a reason each.

`answer` is the one entry for every request (rollback included, see
`engine.manual_rollback`). A request that does not fit the state raises a `CaptainError`
with one sentence and decides nothing.
"""

from __future__ import annotations

from release_captain.config.model import Pipeline, Stage
from release_captain.engine.decide import decide
from release_captain.engine.decisions import GrantApproval, RejectStage, SetControl
from release_captain.engine.gates import promotion_of
from release_captain.engine.manual_rollback import roll_back
from release_captain.engine.rejection import reject, stop_running
from release_captain.engine.requests import (
    Answer,
    Approve,
    Pause,
    Reject,
    Request,
    Resume,
    Rollback,
    SetGate,
    known_version,
    stage_named,
)
from release_captain.engine.state import State
from release_captain.errors import StateConflict, UsageError
from release_captain.wording import version_name


def answer(pipeline: Pipeline, state: State, request: Request, now: float) -> Answer:
    """What the request decides now, or the `CaptainError` saying why it cannot."""
    match request:
        case Rollback():
            return roll_back(pipeline, state, request)
        case Approve():
            return _approve(pipeline, state, request, now)
        case Reject():
            return _reject(pipeline, state, request, now)
        case SetGate(stage=name, mode=mode, actor=actor):
            stage = stage_named(pipeline, name)
            change = SetControl(
                stage=stage.name, actor=actor, promotion=mode, reason=f"promotion {mode}"
            )
            return Answer(
                message=f"{stage.name} promotion is now {mode}",
                decisions=(change,),
                stage=stage.name,
                promotion=mode,
            )
        case Pause(stage=name, reason=why, actor=actor):
            stage = stage_named(pipeline, name)
            change = SetControl(
                stage=stage.name, actor=actor, paused=True, pause_reason=why, reason=why
            )
            return Answer(
                message=f"{stage.name} is paused: it takes no new version",
                decisions=(change,),
                stage=stage.name,
                paused=True,
            )
        case Resume(stage=name, actor=actor):
            stage = stage_named(pipeline, name)
            change = SetControl(stage=stage.name, actor=actor, paused=False, reason="")
            return Answer(
                message=f"{stage.name} resumed", decisions=(change,), stage=stage.name, paused=False
            )


def signoffs_waiting(state: State, stage: str, version: int | None = None) -> list[int]:
    """Versions whose sign-off approval in the stage waits for a person, oldest first."""
    return sorted(
        {
            s.version
            for s in state.steps
            if s.stage == stage
            and s.kind == "manual"
            and s.state == "running"
            and (version is None or s.version == version)
        }
    )


def _approve(pipeline: Pipeline, state: State, request: Approve, now: float) -> Answer:
    stage = stage_named(pipeline, request.stage)
    version = known_version(state, request.version)
    override = request.override_blockers
    if override and not request.comment:
        raise UsageError("--override-blockers needs a --comment saying why")
    waiting = signoffs_waiting(state, stage.name, version)
    if waiting and not override:
        number = waiting[-1]
        grant = _grant(request, stage.name, number, "signoff")
        return Answer(
            message=f"approved the sign-off of {version_name(number)} in {stage.name}",
            decisions=(grant,),
            stage=stage.name,
            version=number,
            approved="signoff",
        )
    if version is None:
        version = _waiting_entry(pipeline, state, stage, override, now)
    else:
        _check_entry(pipeline, state, stage, version, override, now)
    message = f"approved {version_name(version)} to enter {stage.name}"
    return Answer(
        message=message + (" (overriding blockers)" if override else ""),
        decisions=(_grant(request, stage.name, version, "entry"),),
        stage=stage.name,
        version=version,
        approved="entry",
    )


def _check_entry(
    pipeline: Pipeline, state: State, stage: Stage, version: int, override: bool, now: float
) -> None:
    """Refuse an entry approval that could never let the version in (rules R3, R4)."""
    name = version_name(version)
    recorded = state.stage_versions.get((stage.name, version))
    if recorded is not None:
        raise StateConflict(
            f"{name} was already {recorded.state} in {stage.name}; nothing to approve"
        )
    taken = state.last_taken.get(stage.name, 0)
    if version <= taken:
        raise StateConflict(
            f"{name} is older than {version_name(taken)}, which {stage.name} already took; "
            f"a stage never takes an older version"
        )
    if promotion_of(stage, state) == "automatic" and not override:
        hold = decide(pipeline, state, now).holds.get(stage.name)
        if hold is not None and hold.reason == "blocker" and hold.version == version:
            _waiting_entry(pipeline, state, stage, override, now)  # says how to override
        raise StateConflict(
            f"promotion into {stage.name} is automatic: {name} needs no approval to enter it"
        )


def _waiting_entry(
    pipeline: Pipeline, state: State, stage: Stage, override: bool, now: float
) -> int:
    """The version held at the stage's gate for a person: a manual gate, or a blocker
    when the person overrides it."""
    hold = decide(pipeline, state, now).holds.get(stage.name)
    if hold is None or hold.reason not in ("manual-approval", "blocker"):
        raise StateConflict(f"nothing in {stage.name} waits for a person")
    if hold.reason == "blocker" and not override:
        raise StateConflict(
            f"{version_name(hold.version)} waits for a blocker in {stage.name} "
            f"({hold.detail}); to let it through anyway: captain approve {stage.name} "
            f"--override-blockers --comment WHY"
        )
    return hold.version


def _grant(request: Approve, stage: str, version: int, kind: str) -> GrantApproval:
    what = "entry" if kind == "entry" else "sign-off"
    extra = " overriding blockers" if request.override_blockers and kind == "entry" else ""
    return GrantApproval(
        stage=stage,
        version=version,
        kind="entry" if kind == "entry" else "signoff",
        actor=request.actor,
        comment=request.comment,
        override_blockers=request.override_blockers and kind == "entry",
        reason=f"approved {what}{extra}",
    )


def _reject(pipeline: Pipeline, state: State, request: Reject, now: float) -> Answer:
    stage = stage_named(pipeline, request.stage)
    version = known_version(state, request.version)
    if version is None:
        version = _rejectable(pipeline, state, stage, now)
    name = version_name(version)
    why = f"rejected by {request.actor}" + (f": {request.comment}" if request.comment else "")
    recorded = state.stage_versions.get((stage.name, version))
    if recorded is None:
        return Answer(
            message=f"rejected {name} in {stage.name}",
            decisions=(
                RejectStage(
                    stage=stage.name,
                    version=version,
                    reason=why,
                    actor=request.actor,
                    comment=request.comment,
                ),
            ),
            stage=stage.name,
            version=version,
            rejected=True,
        )
    if recorded.state != "in-flight":
        raise StateConflict(f"{name} was already {recorded.state} in {stage.name}")
    decisions = reject(
        state, stage.name, version, actor=request.actor, why=why, comment=request.comment
    )
    # The history names the actor in its own column: the stopped steps' reason need not.
    stopped = "rejected" + (f": {request.comment}" if request.comment else "")
    decisions += stop_running(state, stage.name, version, actor=request.actor, why=stopped)
    return Answer(
        message=f"rejected {name} in {stage.name}; what ran of it there was stopped",
        decisions=tuple(decisions),
        stage=stage.name,
        version=version,
        rejected=True,
    )


def _rejectable(pipeline: Pipeline, state: State, stage: Stage, now: float) -> int:
    """What a reject without a version means: a waiting sign-off, else the version
    waiting at the manual gate, else the one in flight."""
    waiting = signoffs_waiting(state, stage.name)
    if waiting:
        return waiting[-1]
    hold = decide(pipeline, state, now).holds.get(stage.name)
    if hold is not None and hold.reason == "manual-approval":
        return hold.version
    in_flight = state.in_flight(stage.name)
    if in_flight is not None:
        return in_flight.version
    raise StateConflict(f"nothing in {stage.name} to reject; name one with --version")
