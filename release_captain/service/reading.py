"""Provides the read models behind `status`, `where`, `blockers` and `logs`, and reading
the names people type (`v12`, a commit prefix, `STAGE/TARGET`). Each asks the engine why
things wait and what is last good, so no rule is written twice."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

from release_captain.config.model import Approval, Pipeline, Stage
from release_captain.engine import decide
from release_captain.engine.gates import Hold, promotion_of
from release_captain.engine.last_good import last_good
from release_captain.engine.requests import Reply
from release_captain.engine.state import State
from release_captain.errors import StateConflict, UsageError
from release_captain.runtime.observation import observe
from release_captain.service.shapes import (
    ApprovalView,
    BlockerView,
    LogView,
    RollbackItem,
    RollbackView,
    StageView,
    StatusView,
    TargetView,
    WaitingView,
    WhereStage,
    WhereTarget,
    WhereView,
)
from release_captain.service.story import ROLLED_BACK, approvals_of, rejection_of, rollback_of
from release_captain.store import Store
from release_captain.store.views import StepRow
from release_captain.wording import iso, version_name

_VERSION = re.compile(r"^v?(\d+)$")
_SHA = re.compile(r"[0-9a-fA-F]{4,40}")


def status_of(
    pipeline: Pipeline,
    store: Store,
    now: float,
    engine_pid: int | None,
    engine_holding: str | None = None,
) -> StatusView:
    """Per stage: passed, in flight, waiting and why, targets and their approvals."""
    state = observe(pipeline, store, now)
    holds = decide(pipeline, state, now).holds
    stages = []
    for stage in pipeline.stages:
        passed, in_flight = store.views.stage_states(stage.name)
        control = state.controls.get(stage.name)
        paused = control is not None and control.paused
        stages.append(
            StageView(
                name=stage.name,
                promotion=promotion_of(stage, state),
                paused=paused,
                blockers_active=tuple(b for b in stage.blockers if b in state.active_blockers),
                passed=passed,
                in_flight=in_flight,
                waiting=_waiting(pipeline, stage, holds.get(stage.name), now),
                targets=tuple(
                    _target_view(store, stage, t.name, state, now) for t in stage.targets
                ),
                wave=stage.wave,
                group=stage.group,
                pause_reason=control.pause_reason if control is not None and paused else "",
                rejected=rejection_of(store, stage.name, passed),
            )
        )
    return StatusView(
        pipeline=pipeline.name,
        engine_pid=engine_pid,
        engine_holding=engine_holding,
        latest_version=store.views.latest_version(),
        stages=tuple(stages),
    )


def _waiting(pipeline: Pipeline, stage: Stage, hold: Hold | None, now: float) -> WaitingView | None:
    if hold is None:
        return None
    detail = hold.detail
    if hold.reason == "blocker":
        detail += _lift_time(pipeline, stage, now)
    return WaitingView(version=hold.version, reason=hold.reason, detail=detail)


def _lift_time(pipeline: Pipeline, stage: Stage, now: float) -> str:
    """When a stage's active blockers lift, for a blocker hold's sentence."""
    from release_captain.engine.windows import evaluate

    moment = dt.datetime.fromtimestamp(now, dt.UTC)
    lifts = []
    for name in stage.blockers:
        blocker = pipeline.blocker(name)
        if blocker is None:
            continue
        seen = evaluate(blocker, moment)
        if seen.active and seen.next_change is not None:
            lifts.append(seen.next_change)
    if not lifts:
        return " (no end in sight within 400 days)"
    return f"; lifts at {iso(max(lifts).timestamp())}"


def _target_view(store: Store, stage: Stage, target: str, state: State, now: float) -> TargetView:
    record = state.targets.get((stage.name, target))
    if record is None or record.version is None:
        return TargetView(name=target, version=None, state="idle", last_good=None)
    rollback = None
    if record.state in ROLLED_BACK:
        rollback = rollback_of(store, stage, target, now, approval_view)
    return TargetView(
        name=target,
        version=record.version,
        state=record.state,
        last_good=last_good(state, stage.name, target),
        approvals=approvals_of(store, stage, target, record.version, now, approval_view),
        rollback=rollback,
    )


def approval_view(
    approval: Approval, onebox: bool, step: StepRow | None, now: float
) -> ApprovalView:
    """An approval's state as `status` reports it, with the time left of a timer."""
    name = f"onebox:{approval.name}" if onebox else approval.name
    if step is None or step.state in ("interrupted", "cancelled"):
        return ApprovalView(name=name, state="pending", onebox=onebox)
    if step.state != "running":
        return ApprovalView(name=name, state=step.state, onebox=onebox, detail=step.detail)
    if approval.kind == "manual":
        return ApprovalView(name=name, state="waiting-for-person", onebox=onebox)
    checks = tuple((str(m), int(n)) for m, n in json.loads(step.checks or "[]"))
    if approval.kind not in ("wait", "bake"):
        return ApprovalView(name=name, state="running", onebox=onebox, checks=checks)
    return ApprovalView(
        name=name,
        state="running",
        onebox=onebox,
        remaining_s=max(0.0, approval.duration - (now - step.started_at)),
        duration_s=approval.duration,
        checks=checks,
    )


def blockers_of(pipeline: Pipeline, now: float) -> list[BlockerView]:
    """Each blocker: active now, until when, its next change, and which stages it holds."""
    from release_captain.engine.windows import evaluate

    moment = dt.datetime.fromtimestamp(now, dt.UTC)
    views = []
    for blocker in pipeline.blockers:
        seen = evaluate(blocker, moment)
        views.append(
            BlockerView(
                name=blocker.name,
                active=seen.active,
                next_change=seen.next_change.timestamp() if seen.next_change else None,
                reason=seen.reason,
                timezone=blocker.timezone,
                stages=tuple(s.name for s in pipeline.stages if blocker.name in s.blockers),
            )
        )
    return views


def where_of(pipeline: Pipeline, store: Store, number: int, status: StatusView) -> WhereView:
    """Where a version got: per stage and target, what became of it and why."""
    info = store.views.versions(numbers=[number])[0]
    names = [s.name for s in pipeline.stages]
    deployments = {(d.stage, d.target): d for d in store.views.deployments_of(number, names)}
    stages = []
    for stage in status.stages:
        recorded = store.views.stage_version(stage.name, number)
        if recorded is not None:
            state, reason = recorded
        elif stage.waiting is not None and stage.waiting.version == number:
            state, reason = "waiting", f"{stage.waiting.reason}: {stage.waiting.detail}"
        else:
            state, reason = "not-reached", ""
        targets = tuple(
            WhereTarget(
                target=t.name,
                running=t.version == number,
                deployment=d.state if (d := deployments.get((stage.name, t.name))) else None,
            )
            for t in stage.targets
        )
        stages.append(WhereStage(stage=stage.name, state=state, reason=reason, targets=targets))
    return WhereView(
        commit=info.commit,
        version=number,
        build=info.build,
        message=info.message,
        stages=tuple(stages),
    )


def where_named(
    pipeline: Pipeline, store: Store, commit: str, status: Callable[[], StatusView]
) -> WhereView:
    """`where` for a commit or a version (`v12`, `12`): a version that exists wins over a
    commit prefix, as in every command taking a version."""
    text = commit.strip().lower()
    named = _VERSION.match(text)
    if named and (store.views.version_exists(int(named.group(1))) or not _SHA.fullmatch(text)):
        return where_of(pipeline, store, resolve_version(store, text), status())
    if not _SHA.fullmatch(text):
        raise UsageError(
            f"'{commit}' is not a commit SHA (4 to 40 hex digits) or a version (v12, 12)"
        )
    found = store.views.versions_with_commit(text)
    if not found:
        raise StateConflict(f"no version includes commit {commit}; is it on the watched branch?")
    if len({sha for _, sha in found}) > 1:
        raise UsageError(f"commit prefix '{commit}' is ambiguous; give more characters")
    return where_of(pipeline, store, min(v for v, _ in found), status())


def logs_of(store: Store, number: int, stage: str, target: str) -> list[LogView]:
    """Where the output of every deploy and approval step of a version on one target
    is; the callers stream it (`LogView.chunks`) or read its end (`LogView.text`)."""
    views = [
        LogView(step=step, path=Path(step.log))
        for step in store.views.steps(stage=stage, target=target, version=number)
    ]
    if not views:
        raise StateConflict(f"{version_name(number)} has not run on {stage}/{target}")
    return views


def resolve_version(store: Store, text: str) -> int:
    """`v12`, `12` or a commit SHA prefix -> a recorded version number."""
    text = text.strip()
    match = _VERSION.match(text)
    views = store.views
    if match:
        number = int(match.group(1))
        if views.version_exists(number):
            return number
        if not _SHA.fullmatch(text):
            raise StateConflict(f"there is no version {version_name(number)}")
    if _SHA.fullmatch(text):
        found = views.version_by_commit(text) or [v for v, _ in views.versions_with_commit(text)]
        if len(set(found)) == 1:
            return found[0]
        if found:
            raise UsageError(f"commit prefix '{text}' is ambiguous; give more characters")
    raise StateConflict(f"there is no version or commit '{text}'")


def resolve_target(pipeline: Pipeline, text: str) -> tuple[Stage, list[str]]:
    """`STAGE/TARGET` -> that target; a bare `STAGE` -> all its targets."""
    stage_name, _, target = text.partition("/")
    stage = pipeline.stage(stage_name)
    if stage is None:
        names = ", ".join(s.name for s in pipeline.stages)
        raise StateConflict(f"no stage named '{stage_name}' (stages: {names})")
    if not target:
        return stage, [t.name for t in stage.targets]
    if stage.target(target) is None:
        names = ", ".join(t.name for t in stage.targets)
        raise StateConflict(f"stage {stage.name} has no target '{target}' (targets: {names})")
    return stage, [target]


def rollback_view_of(store: Store, reply: Reply, steps: tuple[int, ...]) -> RollbackView:
    """`rollback --json`'s view of a rollback request: each move and how its step went."""
    states = store.views.step_states(list(steps))
    names = {"passed": "succeeded", "failed": "failed", "running": "running"}
    items = []
    for move, step in zip(reply.rollbacks, steps, strict=True):
        state, detail = states.get(step, ("running", ""))
        items.append(
            RollbackItem(
                stage=move.stage,
                target=move.target,
                from_version=move.from_version,
                to_version=move.to_version,
                state=names.get(state, "failed"),
                detail=detail,
            )
        )
    return RollbackView(rollbacks=tuple(items))
