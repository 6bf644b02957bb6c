"""Provides applying a person's command — approve, reject, gate, pause, resume — to the
recorded state, whoever applies it: the engine draining its request queue, or the
service itself when no engine runs (rule R11). One code path, so both behave the same.

Each function runs inside the caller's write transaction and returns an `ActionResult`;
a command that does not fit the state raises a `CaptainError` with one sentence.
"""

from __future__ import annotations

from msgspec import Struct, field

from release_captain.config.model import Pipeline, Stage
from release_captain.engine import StartStep, decide
from release_captain.engine.plan import ROLLBACK_STEP
from release_captain.engine.state import State
from release_captain.errors import StateConflict, UsageError
from release_captain.runtime.observation import observe
from release_captain.store import StartedStep, Store
from release_captain.wording import version_name


class ActionResult(Struct, frozen=True, kw_only=True):
    """What a command did, for the person (message) and for scripts (data)."""

    message: str
    data: dict[str, object] = field(default_factory=dict)
    #: Steps whose processes the engine must cut off now.
    cancel: tuple[int, ...] = ()
    #: Steps recorded as started whose processes must now run (rollbacks).
    started: tuple[StartedStep, ...] = ()


KINDS = ("approve", "reject", "gate", "pause", "resume", "rollback")


def apply_action(
    pipeline: Pipeline, store: Store, *, kind: str, args: dict[str, object], actor: str, now: float
) -> ActionResult:
    """Apply one command; the caller holds a write transaction."""
    if kind == "rollback":
        return _rollback(pipeline, store, args, actor, now)
    stage = _stage(pipeline, str(args.get("stage", "")))
    match kind:
        case "approve":
            return _approve(pipeline, store, stage, args, actor, now)
        case "reject":
            return _reject(pipeline, store, stage, args, actor, now)
        case "gate":
            mode = str(args.get("mode"))
            if mode not in ("manual", "automatic"):
                raise UsageError(f"gate mode must be manual or automatic, not '{mode}'")
            store.people.set_control(stage=stage.name, actor=actor, now=now, promotion=mode)
            return ActionResult(
                message=f"{stage.name} promotion is now {mode}",
                data={"stage": stage.name, "promotion": mode},
            )
        case "pause":
            reason = str(args.get("reason") or "")
            store.people.set_control(
                stage=stage.name, actor=actor, now=now, paused=True, reason=reason
            )
            return ActionResult(
                message=f"{stage.name} is paused: it takes no new version",
                data={"stage": stage.name, "paused": True},
            )
        case "resume":
            store.people.set_control(stage=stage.name, actor=actor, now=now, paused=False)
            return ActionResult(
                message=f"{stage.name} resumed", data={"stage": stage.name, "paused": False}
            )
    raise UsageError(f"unknown command '{kind}'")


def _stage(pipeline: Pipeline, name: str) -> Stage:
    stage = pipeline.stage(name)
    if stage is None:
        names = ", ".join(s.name for s in pipeline.stages)
        raise StateConflict(f"no stage named '{name}' (stages: {names})")
    return stage


def _version(store: Store, value: object) -> int | None:
    if value is None:
        return None
    number = int(value)  # type: ignore[arg-type]
    if not store.views.version_exists(number):
        raise StateConflict(f"there is no version {version_name(number)}")
    return number


def _signoffs(state: State, stage: str, version: int | None) -> list[int]:
    """Versions whose sign-off approval in the stage waits for a person."""
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


def _approve(
    pipeline: Pipeline, store: Store, stage: Stage, args: dict[str, object], actor: str, now: float
) -> ActionResult:
    version = _version(store, args.get("version"))
    comment = str(args.get("comment") or "")
    override = bool(args.get("override_blockers"))
    if override and not comment:
        raise UsageError("--override-blockers needs a --comment saying why")
    state = observe(pipeline, store, now)
    waiting = _signoffs(state, stage.name, version)
    if waiting and not override:
        number = waiting[-1]
        store.people.grant(
            stage=stage.name,
            version=number,
            kind="signoff",
            actor=actor,
            comment=comment,
            override_blockers=False,
            now=now,
        )
        return ActionResult(
            message=f"approved the sign-off of {version_name(number)} in {stage.name}",
            data={"stage": stage.name, "version": version_name(number), "approved": "signoff"},
        )
    hold = decide(pipeline, state, now).holds.get(stage.name)
    if version is None:
        if hold is None or hold.reason not in ("manual-approval", "blocker"):
            raise StateConflict(f"nothing in {stage.name} waits for a person")
        if hold.reason == "blocker" and not override:
            raise StateConflict(
                f"{version_name(hold.version)} waits for a blocker in {stage.name} "
                f"({hold.detail}); to let it through anyway: captain approve {stage.name} "
                f"--override-blockers --comment WHY"
            )
        version = hold.version
    recorded = store.views.stage_version(stage.name, version)
    if recorded is not None:
        raise StateConflict(
            f"{version_name(version)} was already {recorded[0]} in {stage.name}; nothing to approve"
        )
    store.people.grant(
        stage=stage.name,
        version=version,
        kind="entry",
        actor=actor,
        comment=comment,
        override_blockers=override,
        now=now,
    )
    message = f"approved {version_name(version)} to enter {stage.name}"
    if override:
        message += " (overriding blockers)"
    return ActionResult(
        message=message,
        data={"stage": stage.name, "version": version_name(version), "approved": "entry"},
    )


def _reject(
    pipeline: Pipeline, store: Store, stage: Stage, args: dict[str, object], actor: str, now: float
) -> ActionResult:
    version = _version(store, args.get("version"))
    comment = str(args.get("comment") or "")
    state = observe(pipeline, store, now)
    if version is None:
        waiting = _signoffs(state, stage.name, None)
        hold = decide(pipeline, state, now).holds.get(stage.name)
        in_flight = state.in_flight(stage.name)
        if waiting:
            version = waiting[-1]
        elif hold is not None and hold.reason == "manual-approval":
            version = hold.version
        elif in_flight is not None:
            version = in_flight.version
        else:
            raise StateConflict(f"nothing in {stage.name} to reject; name one with --version")
    recorded = store.views.stage_version(stage.name, version)
    name = version_name(version)
    data = {"stage": stage.name, "version": name, "rejected": True}
    if recorded is None:
        store.people.reject_candidate(
            stage=stage.name, version=version, actor=actor, comment=comment, now=now
        )
        return ActionResult(message=f"rejected {name} in {stage.name}", data=data)
    if recorded[0] != "in-flight":
        raise StateConflict(f"{name} was already {recorded[0]} in {stage.name}")
    store.people.grant(
        stage=stage.name,
        version=version,
        kind="reject",
        actor=actor,
        comment=comment,
        override_blockers=False,
        now=now,
    )
    why = f"rejected by {actor}" + (f": {comment}" if comment else "")
    cancel = store.people.fail_running_steps(
        stage=stage.name, version=version, actor=actor, why=why, now=now
    )
    return ActionResult(
        message=f"rejected {name} in {stage.name}; what ran of it there was stopped",
        data=data,
        cancel=tuple(cancel),
    )


def _rollback(
    pipeline: Pipeline, store: Store, args: dict[str, object], actor: str, now: float
) -> ActionResult:
    """Rule R8: pre-empt whatever runs on the targets, redeploy their last good version
    (or `to`), and reject the version rolled back from in the stage. All targets are
    checked before anything changes, so a bad one leaves every target untouched."""
    to = _version(store, args.get("to"))
    force = bool(args.get("force"))
    reason = str(args.get("reason") or "")
    planned = rollback_plan(pipeline, store, list(args.get("targets") or []), to=to, force=force)
    why = f"rolled back by {actor}" + (f": {reason}" if reason else "")
    cancel: list[int] = []
    decisions: list[StartStep] = []
    for stage, target, current, goal in planned:
        cancel += store.people.fail_running_on_target(
            stage=stage, target=target, actor=actor, why=f"pre-empted: {why}", now=now
        )
        store.people.reject_in_stage(stage=stage, version=current, actor=actor, why=why, now=now)
        decisions.append(
            StartStep(
                stage=stage,
                target=target,
                version=current,
                step=ROLLBACK_STEP,
                to=goal,
                previous=current,
                reason=why,
            )
        )
    started = [s for s in store.apply(decisions, now=now) if isinstance(s, StartedStep)]
    items = [
        {
            "stage": s.decision.stage,
            "target": s.decision.target,
            "from": version_name(s.decision.version),
            "to": version_name(s.decision.to or 0),
            "state": "running",
            "step": s.step_id,
        }
        for s in started
    ]
    names = ", ".join(f"{i['stage']}/{i['target']} {i['from']}→{i['to']}" for i in items)
    return ActionResult(
        message=f"rolling back {names}",
        data={"rollbacks": items},
        cancel=tuple(cancel),
        started=tuple(started),
    )


def rollback_plan(
    pipeline: Pipeline,
    store: Store,
    targets: list[str],
    *,
    to: int | None = None,
    force: bool = False,
) -> list[tuple[str, str, int, int]]:
    """(stage, target, from, to) for each named target, or the sentence why not."""
    if not targets:
        raise UsageError("name at least one target, as STAGE/TARGET or STAGE")
    records = store.views.targets()
    planned: list[tuple[str, str, int, int]] = []
    for text in targets:
        stage_name, _, only = str(text).partition("/")
        stage = _stage(pipeline, stage_name)
        names = [t.name for t in stage.targets]
        if only and only not in names:
            raise StateConflict(
                f"stage {stage.name} has no target '{only}' (targets: {', '.join(names)})"
            )
        for target in [only] if only else names:
            record = records.get((stage.name, target))
            current = record[0] if record else None
            if current is None:
                raise StateConflict(
                    f"{stage.name}/{target} never ran a version; nothing to roll back"
                )
            goal = (
                to if to is not None else store.views.last_good_before(stage.name, target, current)
            )
            if goal is None:
                raise StateConflict(
                    f"{stage.name}/{target} has no last good version before "
                    f"{version_name(current)} to roll back to"
                )
            if goal == current:
                raise StateConflict(f"{stage.name}/{target} already runs {version_name(goal)}")
            if store.views.build_state(goal) != "succeeded":
                raise StateConflict(f"{version_name(goal)} has no successful build to deploy")
            if (
                to is not None
                and not force
                and not store.views.succeeded_in_stage(stage.name, goal)
            ):
                raise StateConflict(
                    f"{version_name(goal)} never succeeded in {stage.name}; "
                    f"use --force to deploy it there anyway"
                )
            planned.append((stage.name, target, current, goal))
    return planned
