"""Rule R8: manual rollback.

`captain rollback` pre-empts whatever runs on the named targets, redeploys their last
good version (`engine.last_good`, the same rule as R7's automatic rollback) or the
version named with `--to`, and rejects the version each target is rolled back from in
its stage. Every target is checked before anything is decided, so a bad one leaves all
of them untouched.

A rollback of several targets rejects what each of them runs, so none is sent to a
version the same command rejects: the destinations are chosen knowing every version
being left. A bare `STAGE` means the targets that run the newest version any target of
the stage runs: a target already rolled back, or one that never got that version,
keeps what it runs.
"""

from __future__ import annotations

from collections import defaultdict

from release_captain.config.model import Pipeline, Stage
from release_captain.engine.decisions import Decision, StartStep, StopStep
from release_captain.engine.last_good import last_good, succeeded_in_stage
from release_captain.engine.plan import ROLLBACK_STEP
from release_captain.engine.rejection import reject, rejected_in
from release_captain.engine.requests import (
    Answer,
    Rollback,
    RollbackMove,
    known_version,
    stage_named,
)
from release_captain.engine.state import State
from release_captain.errors import StateConflict, UsageError
from release_captain.wording import version_name


def roll_back(pipeline: Pipeline, state: State, request: Rollback) -> Answer:
    """The decisions of a manual rollback, or the sentence why it cannot happen."""
    if not request.targets:
        raise UsageError("name at least one target, as STAGE/TARGET or STAGE")
    to = known_version(state, request.to)
    chosen = _targets(pipeline, state, request.targets)
    leaving = _leaving(state, chosen)
    moves = [_move(state, s, t, to, leaving[s], request.force) for s, t in chosen]
    why = f"rolled back by {request.actor}" + (f": {request.reason}" if request.reason else "")
    said = "rolled back" + (f": {request.reason}" if request.reason else "")
    decisions: list[Decision] = [
        # The event of a stop names its actor: the reason does not repeat it.
        StopStep(step_id=s.id, actor=request.actor, reason=f"pre-empted: {said}")
        for s in state.steps
        if s.state == "running" and (s.stage, s.target) in set(chosen)
    ]
    for stage, versions in leaving.items():
        for version in sorted(versions):
            decisions += reject(state, stage, version, actor=request.actor, why=why, comment=said)
    decisions += [
        StartStep(
            stage=m.stage,
            target=m.target,
            version=m.from_version,
            step=ROLLBACK_STEP,
            to=m.to_version,
            previous=m.from_version,
            reason=why,
        )
        for m in moves
    ]
    names = ", ".join(
        f"{m.stage}/{m.target} {version_name(m.from_version)}→{version_name(m.to_version)}"
        for m in moves
    )
    return Answer(
        message=f"rolling back {names}", decisions=tuple(decisions), rollbacks=tuple(moves)
    )


def _targets(pipeline: Pipeline, state: State, texts: tuple[str, ...]) -> list[tuple[str, str]]:
    """(stage, target) of every target the request names, in order, each once."""
    named: list[tuple[str, str]] = []
    whole: list[tuple[str, str]] = []
    for text in texts:
        stage_name, _, only = text.partition("/")
        stage = stage_named(pipeline, stage_name)
        if only:
            named.append((stage.name, _target_named(stage, only)))
        else:
            whole += [(stage.name, t.name) for t in stage.targets]
    for stage_name, target in named:
        if state.target(stage_name, target).version is None:
            raise StateConflict(f"{stage_name}/{target} never ran a version; nothing to roll back")
    chosen = list(dict.fromkeys(named))
    chosen += _of_whole_stages([w for w in dict.fromkeys(whole) if w not in chosen], state, chosen)
    if not chosen:
        stages = ", ".join(dict.fromkeys(s for s, _ in whole))
        raise StateConflict(f"nothing to roll back in {stages}: no target of it ever ran a version")
    return chosen


def _of_whole_stages(
    candidates: list[tuple[str, str]], state: State, chosen: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The targets a bare STAGE means: those running the newest version any target of
    the stage runs (what a person rolls back when a stage misbehaves), plus any whose
    version this rollback rejects anyway."""
    running = [(s, t) for s, t in candidates if state.target(s, t).version is not None]
    newest: dict[str, int] = {}
    for s, t in running:
        newest[s] = max(newest.get(s, 0), state.target(s, t).version or 0)
    taken = [(s, t) for s, t in running if state.target(s, t).version == newest[s]]
    while True:
        leaving = _leaving(state, chosen + taken)
        more = [
            (s, t)
            for s, t in running
            if (s, t) not in taken and state.target(s, t).version in leaving[s]
        ]
        if not more:
            return taken
        taken += more


def _target_named(stage: Stage, name: str) -> str:
    if stage.target(name) is None:
        names = ", ".join(t.name for t in stage.targets)
        raise StateConflict(f"stage {stage.name} has no target '{name}' (targets: {names})")
    return name


def _leaving(state: State, chosen: list[tuple[str, str]]) -> dict[str, set[int]]:
    """stage -> the versions the rollback moves targets off, and so rejects there."""
    leaving: dict[str, set[int]] = defaultdict(set)
    for stage, target in chosen:
        current = state.target(stage, target).version
        if current is not None:
            leaving[stage].add(current)
    return leaving


def _move(
    state: State, stage: str, target: str, to: int | None, leaving: set[int], force: bool
) -> RollbackMove:
    """Where one target goes, after every check a person's rollback must pass."""
    current = state.target(stage, target).version
    assert current is not None, (stage, target)
    where = f"{stage}/{target}"
    goal = to if to is not None else last_good(state, stage, target, also_rejected=leaving)
    if goal is None:
        raise StateConflict(
            f"{where} has no last good version before {version_name(current)} to roll back to"
        )
    if goal == current:
        raise StateConflict(f"{where} already runs {version_name(goal)}")
    if to is None:  # a last good version deployed there, so it was built
        return RollbackMove(stage=stage, target=target, from_version=current, to_version=goal)
    record = state.version(goal)
    if record is None or record.build != "succeeded":
        raise StateConflict(f"{version_name(goal)} has no successful build to deploy")
    if not force:
        if goal in leaving:
            raise StateConflict(
                f"this rollback moves another target of {stage} off {version_name(goal)} and "
                f"rejects it there; use --force to deploy it on {where} anyway"
            )
        if rejected_in(state, stage, goal):
            raise StateConflict(
                f"{version_name(goal)} was rejected in {stage}; "
                f"use --force to deploy it there anyway"
            )
        if not succeeded_in_stage(state, stage, goal):
            raise StateConflict(
                f"{version_name(goal)} never succeeded in {stage}; "
                f"use --force to deploy it there anyway"
            )
    return RollbackMove(stage=stage, target=target, from_version=current, to_version=goal)
