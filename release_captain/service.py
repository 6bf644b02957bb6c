"""Provides `Captain`, the one facade the CLI and the TUI call.

Each method answers one command: it reads the store (and asks the engine why things
wait, so no rule is written twice), or runs the engine. The faces only parse and render.
"""

from __future__ import annotations

import getpass
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec import Struct

from release_captain.config import load_pipeline
from release_captain.config.model import Pipeline, Stage
from release_captain.engine import decide, plan_for
from release_captain.engine.gates import promotion_of
from release_captain.errors import CaptainError, StateConflict, UsageError, WaitTimeout
from release_captain.runtime.observation import observe
from release_captain.store import CommitRow, Event, Store
from release_captain.store.views import StepRow, VersionRow
from release_captain.wording import iso, version_name

if TYPE_CHECKING:
    from release_captain.actions import ActionResult
    from release_captain.runtime.shell import Runner


def current_user() -> str:
    """The OS user, recorded as the actor of every person's action."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        return "unknown"


class ApprovalView(Struct, frozen=True, kw_only=True):
    """One approval of a target's current rollout."""

    name: str
    state: str
    onebox: bool = False
    remaining_s: float | None = None
    detail: str = ""
    #: A bake's evaluations so far, as (monitor, count) pairs.
    checks: tuple[tuple[str, int], ...] = ()

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"name": self.name, "state": self.state}
        if self.remaining_s is not None:
            data["remaining_s"] = round(self.remaining_s, 1)
        return data


class TargetView(Struct, frozen=True, kw_only=True):
    """One target in `status`."""

    name: str
    version: int | None
    state: str
    last_good: int | None
    approvals: tuple[ApprovalView, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "version": _v(self.version),
            "state": self.state,
            "last_good": _v(self.last_good),
            "approvals": [a.to_json() for a in self.approvals],
        }


class WaitingView(Struct, frozen=True, kw_only=True):
    """The newest candidate a stage has not taken, and why."""

    version: int
    reason: str
    detail: str


class StageView(Struct, frozen=True, kw_only=True):
    """One stage in `status`."""

    name: str
    promotion: str
    paused: bool
    blockers_active: tuple[str, ...]
    passed: int | None
    in_flight: int | None
    waiting: WaitingView | None
    targets: tuple[TargetView, ...]
    wave: int | None = None
    group: str = ""
    #: Why a person paused the stage, when paused.
    pause_reason: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "promotion": self.promotion,
            "paused": self.paused,
            "blockers_active": list(self.blockers_active),
            "passed": _v(self.passed),
            "in_flight": _v(self.in_flight),
            "waiting": None
            if self.waiting is None
            else {"version": _v(self.waiting.version), "reason": self.waiting.reason},
            "targets": [t.to_json() for t in self.targets],
        }


class StatusView(Struct, frozen=True, kw_only=True):
    """The whole of `captain status`."""

    pipeline: str
    engine_pid: int | None
    latest_version: int | None
    stages: tuple[StageView, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "pipeline": self.pipeline,
            "engine": {"running": self.engine_pid is not None, "pid": self.engine_pid},
            "latest_version": _v(self.latest_version),
            "stages": [s.to_json() for s in self.stages],
        }


class LogView(Struct, frozen=True, kw_only=True):
    """One step's log, for `captain logs`."""

    step: StepRow
    path: Path
    text: str

    def __repr__(self) -> str:
        # The text may be megabytes: a debugger or a log line needs only where it is.
        return f"LogView(step={self.step!r}, path={self.path!r}, text=<{len(self.text)} chars>)"


class BlockerView(Struct, frozen=True, kw_only=True):
    """One blocker in `captain blockers`."""

    name: str
    active: bool
    next_change: float | None
    reason: str
    timezone: str
    stages: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        change = iso(self.next_change) if self.next_change is not None else None
        return {
            "name": self.name,
            "active": self.active,
            "until": change if self.active else None,
            "next_change": change,
            "reason": self.reason,
            "timezone": self.timezone,
            "stages": list(self.stages),
        }


class WhereTarget(Struct, frozen=True, kw_only=True):
    """A target in `captain where`: does it run the version, how did its rollout go."""

    target: str
    running: bool
    deployment: str | None


class WhereStage(Struct, frozen=True, kw_only=True):
    """A stage in `captain where`."""

    stage: str
    #: passed | rejected | superseded | in-flight | waiting | not-reached
    state: str
    reason: str
    targets: tuple[WhereTarget, ...]


class WhereView(Struct, frozen=True, kw_only=True):
    """The answer to "where is my commit?"."""

    commit: str
    version: int
    build: str
    message: str
    stages: tuple[WhereStage, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "commit": self.commit,
            "version": version_name(self.version),
            "build": self.build,
            "stages": [
                {
                    "stage": s.stage,
                    "state": s.state,
                    "reason": s.reason,
                    "targets": [
                        {"target": t.target, "running": t.running, "deployment": t.deployment}
                        for t in s.targets
                    ],
                }
                for s in self.stages
            ],
        }


class RollbackItem(Struct, frozen=True, kw_only=True):
    """One target's rollback."""

    stage: str
    target: str
    from_version: int | None
    to_version: int
    #: running | succeeded | failed
    state: str
    detail: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "stage": self.stage,
            "target": self.target,
            "from": _v(self.from_version),
            "to": _v(self.to_version),
            "state": self.state,
        }


class RollbackView(Struct, frozen=True, kw_only=True):
    """The outcome of `captain rollback`."""

    rollbacks: tuple[RollbackItem, ...]

    def to_json(self) -> dict[str, object]:
        return {"rollbacks": [r.to_json() for r in self.rollbacks]}

    @property
    def failed(self) -> bool:
        """True when any rollback deploy failed."""
        return any(r.state == "failed" for r in self.rollbacks)


def _v(number: int | None) -> str | None:
    return None if number is None else version_name(number)


_VERSION = re.compile(r"^v?(\d+)$")


class Captain:
    """The service over one pipeline and its state directory."""

    def __init__(
        self,
        pipeline: Pipeline,
        *,
        clock: Callable[[], float] = time.time,
        store: Store | None = None,
        runner: Runner | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.clock = clock
        self._store = store
        #: What runs commands when this process runs them (a scripted fake in tests).
        self._runner = runner

    @classmethod
    def from_config(cls, path: Path) -> Captain:
        """Load and validate `pipeline.toml`, then build the service over it."""
        return cls(load_pipeline(path))

    @property
    def store(self) -> Store:
        """The state database, opened on first use (so `validate` never creates it)."""
        if self._store is None:
            self._store = Store(self.pipeline.state_dir)
        return self._store

    def close(self) -> None:
        """Close the database."""
        if self._store is not None:
            self._store.close()
            self._store = None

    # -- the engine ----------------------------------------------------------------

    def run(
        self,
        *,
        until_idle: bool = False,
        on_event: Callable[[Event], None] | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        """Hold the engine lock and reconcile until stopped (or idle)."""
        from release_captain.runtime.lock import EngineLock
        from release_captain.runtime.reconciler import Reconciler

        store = self.store  # opened first: an unusable state directory is said plainly
        lock = EngineLock(self.pipeline.state_dir)
        lock.acquire()
        try:
            reconciler = Reconciler(
                self.pipeline,
                store,
                clock=self.clock,
                on_event=on_event,
                runner=self._runner,
                # A run that ends once idle reads the sources each poll and once more
                # before it ends; file watches would only cost it their set-up and
                # teardown (~20 ms of inotify at exit).
                watch=not until_idle,
            )
            reconciler.run(until_idle=until_idle, stop=stop)
        finally:
            lock.release()

    def step_names(self, stage: str) -> list[str]:
        """The steps each target of `stage` goes through, in order (`onebox:` marked)."""
        config = self.pipeline.stage(stage)
        assert config is not None, stage
        return [("onebox:" if s.onebox else "") + s.name for s in plan_for(config)]

    def engine_pid(self) -> int | None:
        """The pid of the `captain run` holding this state directory, if any."""
        from release_captain.runtime.lock import engine_pid

        return engine_pid(self.pipeline.state_dir)

    # -- people's commands (rule R11) --------------------------------------------------

    def act(self, kind: str, *, timeout: float = 10.0, **args: object) -> ActionResult:
        """Apply approve/reject/gate/pause/resume: through the running engine's request
        queue when one holds the state directory, else directly, in one transaction."""
        from release_captain.actions import ActionResult, apply_action

        actor = current_user()
        args = {k: v for k, v in args.items() if v is not None}
        pid = self.engine_pid()
        if pid is None:
            store = self.store
            with store.write():
                result = apply_action(
                    self.pipeline, store, kind=kind, args=args, actor=actor, now=self.clock()
                )
            return result
        with self.store.write():
            request_id = self.store.people.submit(
                kind=kind, args=args, actor=actor, now=self.clock()
            )
        from release_captain.runtime.doorbell import ring

        ring(self.pipeline.state_dir)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            request = self.store.people.request(request_id)
            if request is not None and request.state != "pending":
                if request.state == "failed":
                    raise _error_from(request.result)
                return ActionResult(
                    message=str(request.result.get("message", "")),
                    data=dict(request.result.get("data", {})),  # type: ignore[arg-type]
                )
            time.sleep(0.005)
        raise WaitTimeout(
            f"the engine (pid {pid}) did not apply the {kind} request within {timeout:g}s; "
            f"it stays queued and will be applied when the engine gets to it"
        )

    def rollback_plan(
        self, targets: list[str], to: str | None = None, *, force: bool = False
    ) -> list[tuple[str, str, int, int]]:
        """(stage, target, from, to) a rollback of `targets` would do, or the error why
        it cannot; for confirmations."""
        from release_captain.actions import rollback_plan

        goal = self.resolve_version(to) if to is not None else None
        return rollback_plan(self.pipeline, self.store, targets, to=goal, force=force)

    def rollback(
        self,
        targets: list[str],
        *,
        to: str | None = None,
        reason: str | None = None,
        force: bool = False,
        wait: bool = True,
        timeout: float = 1800.0,
    ) -> RollbackView:
        """Rule R8: roll the targets back to their last good version (or `to`).

        With an engine running, the engine does it through a request and `wait` follows
        it to the end; without one, this process holds the engine lock and does the
        work itself (so it always waits).
        """
        from release_captain.actions import apply_action
        from release_captain.runtime.lock import EngineLock
        from release_captain.runtime.reconciler import Reconciler

        args: dict[str, object] = {"targets": list(targets), "force": force}
        if to is not None:
            args["to"] = self.resolve_version(to)
        if reason:
            args["reason"] = reason
        deadline = time.monotonic() + timeout
        lock = EngineLock(self.pipeline.state_dir)
        if self.engine_pid() is None:
            try:
                lock.acquire()
            except StateConflict:
                pass  # an engine started meanwhile: hand it the request below
            else:
                try:
                    store = self.store
                    with store.write():
                        result = apply_action(
                            self.pipeline,
                            store,
                            kind="rollback",
                            args=args,
                            actor=current_user(),
                            now=self.clock(),
                        )
                    Reconciler(
                        self.pipeline, store, clock=self.clock, watch=False, runner=self._runner
                    ).execute(result.started)
                finally:
                    lock.release()
                return self._rollback_view(result.data)
        result = self.act("rollback", timeout=min(10.0, timeout), **args)
        view = self._rollback_view(result.data)
        while wait and any(r.state == "running" for r in view.rollbacks):
            if time.monotonic() > deadline:
                raise WaitTimeout(
                    f"the rollback did not finish within {timeout:g}s; it goes on in the engine"
                )
            time.sleep(0.1)
            view = self._rollback_view(result.data)
        return view

    def _rollback_view(self, data: dict[str, object]) -> RollbackView:
        items = list(data.get("rollbacks", []))  # type: ignore[call-overload]
        states = self.store.views.step_states([int(i["step"]) for i in items])
        names = {"passed": "succeeded", "failed": "failed", "running": "running"}
        return RollbackView(
            rollbacks=tuple(
                RollbackItem(
                    stage=i["stage"],
                    target=i["target"],
                    from_version=int(str(i["from"]).lstrip("v")),
                    to_version=int(str(i["to"]).lstrip("v")),
                    state=names.get(states.get(int(i["step"]), ("running", ""))[0], "failed"),
                    detail=states.get(int(i["step"]), ("", ""))[1],
                )
                for i in items
            )
        )

    # -- reading -------------------------------------------------------------------

    def status(self) -> StatusView:
        """Per stage: passed, in flight, waiting and why, targets and their approvals."""
        store = self.store
        now = self.clock()
        state = observe(self.pipeline, store, now)
        outcome = decide(self.pipeline, state, now)
        targets = store.views.targets()
        stages = []
        for stage in self.pipeline.stages:
            passed, in_flight = store.views.stage_states(stage.name)
            hold = outcome.holds.get(stage.name)
            control = state.controls.get(stage.name)
            stages.append(
                StageView(
                    name=stage.name,
                    promotion=promotion_of(stage, state),
                    paused=bool(control and control.paused),
                    blockers_active=tuple(b for b in stage.blockers if b in state.active_blockers),
                    passed=passed,
                    in_flight=in_flight,
                    waiting=None
                    if hold is None
                    else WaitingView(
                        version=hold.version,
                        reason=hold.reason,
                        detail=self._with_lift_time(stage, hold.reason, hold.detail, state, now),
                    ),
                    targets=tuple(
                        self._target_view(stage, t.name, targets.get((stage.name, t.name)), now)
                        for t in stage.targets
                    ),
                    wave=stage.wave,
                    group=stage.group,
                    pause_reason=control.pause_reason if control and control.paused else "",
                )
            )
        return StatusView(
            pipeline=self.pipeline.name,
            engine_pid=self.engine_pid(),
            latest_version=store.views.latest_version(),
            stages=tuple(stages),
        )

    def _with_lift_time(
        self, stage: Stage, reason: str, detail: str, state: object, now: float
    ) -> str:
        """A blocker hold's sentence, with when the blockers lift."""
        if reason != "blocker":
            return detail
        import datetime as dt

        from release_captain.engine.windows import evaluate

        moment = dt.datetime.fromtimestamp(now, dt.UTC)
        lifts = []
        for name in stage.blockers:
            blocker = self.pipeline.blocker(name)
            if blocker is None:
                continue
            seen = evaluate(blocker, moment)
            if seen.active and seen.next_change is not None:
                lifts.append(seen.next_change)
        if not lifts:
            return detail + " (no end in sight within 400 days)"
        return detail + f"; lifts at {iso(max(lifts).timestamp())}"

    def _target_view(
        self,
        stage: Stage,
        target: str,
        record: tuple[int | None, str, int | None] | None,
        now: float,
    ) -> TargetView:
        if record is None:
            return TargetView(name=target, version=None, state="idle", last_good=None)
        version, state, last_good = record
        approvals: list[ApprovalView] = []
        if version is not None:
            latest: dict[int, StepRow] = {}
            for step in self.store.views.steps(stage=stage.name, target=target, version=version):
                latest[step.index] = step
            for planned in plan_for(stage):
                if planned.approval is None:
                    continue
                approvals.append(
                    _approval_view(planned.approval, planned.onebox, latest.get(planned.index), now)
                )
        return TargetView(
            name=target,
            version=version,
            state=state,
            last_good=last_good,
            approvals=tuple(approvals),
        )

    def source_heads(self) -> dict[str, str]:
        """source name -> the newest head the engine has seen and recorded."""
        return self.store.source_heads()

    def commits(self, version: int) -> list[CommitRow]:
        """The commits a version includes (sha, author, summary), newest first."""
        return self.store.version_commits(version)

    def versions(self, *, limit: int | None = None) -> list[VersionRow]:
        """Versions newest first, with commit, author, message, build and how far each got."""
        return self.store.views.versions(limit=limit)

    def history(
        self,
        *,
        stage: str | None = None,
        target: str | None = None,
        limit: int | None = None,
    ) -> list[Event]:
        """The audit log, oldest first (the newest `limit` events when given)."""
        if stage is not None and self.pipeline.stage(stage) is None:
            raise UsageError(f"no stage named '{stage}' in {self.pipeline.path.name}")
        return self.store.events.history(stage=stage, target=target, limit=limit)

    def resolve_version(self, text: str) -> int:
        """`v12`, `12` or a commit SHA prefix -> a recorded version number."""
        text = text.strip()
        match = _VERSION.match(text)
        views = self.store.views
        if match:
            number = int(match.group(1))
            if views.version_exists(number):
                return number
            if not re.fullmatch(r"[0-9a-fA-F]{4,40}", text):
                raise StateConflict(f"there is no version {version_name(number)}")
        if re.fullmatch(r"[0-9a-fA-F]{4,40}", text):
            found = views.version_by_commit(text) or [
                v for v, _ in views.versions_with_commit(text)
            ]
            if len(set(found)) == 1:
                return found[0]
            if found:
                raise UsageError(f"commit prefix '{text}' is ambiguous; give more characters")
        raise StateConflict(f"there is no version or commit '{text}'")

    def resolve_target(self, text: str) -> tuple[Stage, list[str]]:
        """`STAGE/TARGET` -> that target; a bare `STAGE` -> all its targets."""
        stage_name, _, target = text.partition("/")
        stage = self.pipeline.stage(stage_name)
        if stage is None:
            names = ", ".join(s.name for s in self.pipeline.stages)
            raise StateConflict(f"no stage named '{stage_name}' (stages: {names})")
        if not target:
            return stage, [t.name for t in stage.targets]
        if stage.target(target) is None:
            names = ", ".join(t.name for t in stage.targets)
            raise StateConflict(f"stage {stage.name} has no target '{target}' (targets: {names})")
        return stage, [target]

    def blockers(self) -> list[BlockerView]:
        """Each blocker: active now, until when, its next change, and which stages it holds."""
        import datetime as dt

        from release_captain.engine.windows import evaluate

        now = dt.datetime.fromtimestamp(self.clock(), dt.UTC)
        views = []
        for blocker in self.pipeline.blockers:
            state = evaluate(blocker, now)
            views.append(
                BlockerView(
                    name=blocker.name,
                    active=state.active,
                    next_change=state.next_change.timestamp() if state.next_change else None,
                    reason=state.reason,
                    timezone=blocker.timezone,
                    stages=tuple(
                        s.name for s in self.pipeline.stages if blocker.name in s.blockers
                    ),
                )
            )
        return views

    def where(self, commit: str) -> WhereView:
        """Where a commit is: its version and, per stage and target, what became of it."""
        text = commit.strip().lower()
        if not re.fullmatch(r"[0-9a-f]{4,40}", text):
            raise UsageError(f"'{commit}' is not a commit SHA (4 to 40 hex digits)")
        store = self.store
        found = store.views.versions_with_commit(text)
        if not found:
            raise StateConflict(
                f"no version includes commit {commit}; is it on the watched branch?"
            )
        shas = {sha for _, sha in found}
        if len(shas) > 1:
            raise UsageError(f"commit prefix '{commit}' is ambiguous; give more characters")
        number = min(v for v, _ in found)
        status = self.status()
        info = store.views.versions(numbers=[number])[0]
        stage_names = [s.name for s in self.pipeline.stages]
        deployments = {
            (d.stage, d.target): d for d in store.views.deployments_of(number, stage_names)
        }
        stages = []
        for stage in status.stages:
            recorded = store.views.stage_version(stage.name, number)
            if recorded is not None:
                state, reason = recorded
            elif stage.waiting is not None and stage.waiting.version == number:
                state, reason = "waiting", f"{stage.waiting.reason}: {stage.waiting.detail}"
            else:
                state, reason = "not-reached", ""
            stages.append(
                WhereStage(
                    stage=stage.name,
                    state=state,
                    reason=reason,
                    targets=tuple(
                        WhereTarget(
                            target=t.name,
                            running=t.version == number,
                            deployment=d.state
                            if (d := deployments.get((stage.name, t.name)))
                            else None,
                        )
                        for t in stage.targets
                    ),
                )
            )
        return WhereView(
            commit=next(iter(shas)),
            version=number,
            build=info.build,
            message=info.message,
            stages=tuple(stages),
        )

    def logs(self, version: str, where: str) -> list[LogView]:
        """The output of every deploy and approval step of a version on one target."""
        number = self.resolve_version(version)
        stage, targets = self.resolve_target(where)
        if len(targets) != 1:
            raise UsageError(f"name one target, as {stage.name}/{targets[0]}")
        views: list[LogView] = []
        for step in self.store.views.steps(stage=stage.name, target=targets[0], version=number):
            path = Path(step.log)
            try:
                text = path.read_text(errors="replace")
            except OSError:
                text = ""
            views.append(LogView(step=step, path=path, text=text))
        if not views:
            raise StateConflict(f"{version_name(number)} has not run on {stage.name}/{targets[0]}")
        return views

    def follow_log(self, path: Path, *, running: Callable[[], bool]) -> Iterator[str]:
        """Lines appended to `path` while `running()` says the step still runs."""
        with open(path, errors="replace") as handle:
            handle.seek(0, 2)
            while True:
                line = handle.readline()
                if line:
                    yield line
                elif not running():
                    rest = handle.read()
                    if rest:
                        yield rest
                    return
                else:
                    time.sleep(0.2)


def _approval_view(approval, onebox: bool, step: StepRow | None, now: float) -> ApprovalView:  # noqa: ANN001
    """An approval's state as `status` reports it, with the time left of a timer."""
    name = f"onebox:{approval.name}" if onebox else approval.name
    if step is None or step.state in ("interrupted", "cancelled"):
        return ApprovalView(name=name, state="pending", onebox=onebox)
    if step.state != "running":
        return ApprovalView(name=name, state=step.state, onebox=onebox, detail=step.detail)
    if approval.kind == "manual":
        return ApprovalView(name=name, state="waiting-for-person", onebox=onebox)
    remaining = None
    if approval.kind in ("wait", "bake"):
        remaining = max(0.0, approval.duration - (now - step.started_at))
    checks = tuple((str(m), int(n)) for m, n in json.loads(step.checks or "[]"))
    return ApprovalView(
        name=name, state="running", onebox=onebox, remaining_s=remaining, checks=checks
    )


def _error_from(result: dict[str, object]) -> CaptainError:
    """Rebuild the error a request failed with in the engine, with its exit code."""
    error = CaptainError(str(result.get("error", "the engine could not apply the request")))
    error.exit_code = int(result.get("exit_code", 1))  # type: ignore[arg-type]
    return error
