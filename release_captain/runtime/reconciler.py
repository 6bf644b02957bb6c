"""Provides the reconcile loop: load the state, decide, record, act, record results.

Level-triggered, like a Kubernetes controller: every pass recomputes the decisions from
what is recorded, so a restart after a crash takes the same path as any other pass.
The loop starts step commands itself; the reaper thread reports when one ends, pool
threads when a build or a monitor check ends, the watcher when a ref changes. All of
them fill one queue the loop blocks on, so it reacts to each event at once and never
sleeps a fixed time between decisions. Only this thread writes the database.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path

from msgspec import Struct
from msgspec.structs import replace

from release_captain.actions import ActionResult, apply_action
from release_captain.config.model import Pipeline
from release_captain.engine import (
    CheckAlarms,
    CheckMonitors,
    Outcome,
    StartBuild,
    StartStep,
    decide,
    plan_for,
)
from release_captain.errors import CaptainError
from release_captain.runtime.artefacts import ArtefactStore, StoredArtefact
from release_captain.runtime.builder import Builder, BuildOutcome
from release_captain.runtime.detection import Detector
from release_captain.runtime.doorbell import Doorbell
from release_captain.runtime.execution import StepExecutor, StepResult, VersionFacts
from release_captain.runtime.git import GitSource
from release_captain.runtime.monitors import MonitorEvaluator, MonitorResult, Where
from release_captain.runtime.observation import observe
from release_captain.runtime.shell import Runner, Running, ShellRunner
from release_captain.runtime.watcher import RefWatcher
from release_captain.store import (
    ArtefactRow,
    Event,
    Started,
    StartedAlarmCheck,
    StartedBuild,
    StartedCheck,
    StartedStep,
    Store,
)
from release_captain.wording import version_name

#: The longest the loop waits without a pass, so requests from other processes are
#: applied within a second (rule R11).
MAX_IDLE_WAIT = 0.5
#: A guard against a decision that does not change the state it was decided from.
MAX_PASSES_PER_TICK = 10_000


class _BuildDone(Struct, frozen=True, kw_only=True):
    version: int
    outcome: BuildOutcome


class _ChecksDone(Struct, frozen=True, kw_only=True):
    step_id: int
    results: tuple[MonitorResult, ...]


class _AlarmsDone(Struct, frozen=True, kw_only=True):
    stage: str
    results: tuple[MonitorResult, ...]


class _Wake(Struct, frozen=True):
    """A watched ref changed, or a fetch finished: look at the sources again."""

    sources_changed: bool = True


def _waits_for_an_outcome(decision: object) -> bool:
    """True for a decision that only starts a process: nothing follows until it ends."""
    if isinstance(decision, StartStep):
        return decision.step.kind in ("deploy", "run", "rollback")
    return isinstance(decision, StartBuild | CheckMonitors | CheckAlarms)


_Item = StepResult | _BuildDone | _ChecksDone | _AlarmsDone | _Wake


class Reconciler:
    """Runs the engine over one state directory (the caller holds the engine lock)."""

    def __init__(
        self,
        pipeline: Pipeline,
        store: Store,
        *,
        runner: Runner | None = None,
        clock: Callable[[], float] = time.time,
        sources: Mapping[str, GitSource] | None = None,
        pool: Executor | None = None,
        base_env: Mapping[str, str] | None = None,
        on_event: Callable[[Event], None] | None = None,
        watch: bool = True,
    ) -> None:
        self.pipeline = pipeline
        self.store = store
        self.clock = clock
        self._runner = runner or ShellRunner()
        self._sources = (
            dict(sources)
            if sources is not None
            else {s.name: GitSource(s) for s in pipeline.sources}
        )
        self._pool = pool or ThreadPoolExecutor(
            max_workers=pipeline.max_parallel + 2, thread_name_prefix="captain"
        )
        self._env = dict(os.environ if base_env is None else base_env)
        self._artefacts = ArtefactStore(pipeline.state_dir / "artefacts")
        self._executor = StepExecutor(
            pipeline=pipeline, runner=self._runner, artefacts=self._artefacts, base_env=self._env
        )
        self._builder = Builder(
            pipeline=pipeline,
            runner=self._runner,
            store=self._artefacts,
            sources=self._sources,
            base_env=self._env,
        )
        self._detector = Detector(pipeline, store, self._sources, clock)
        self._on_event = on_event or (lambda event: None)
        self._monitors = MonitorEvaluator(
            pipeline=pipeline, runner=self._runner, base_env=self._env
        )
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._running: set[int | str] = set()
        #: The running commands of steps, by step id (to cancel them).
        self._processes: dict[int, Running] = {}
        self._build_cancels: dict[int, threading.Event] = {}
        self._facts: dict[int, VersionFacts] = {}
        self._watcher: RefWatcher | None = None
        self._doorbell: Doorbell | None = None
        self._watch = watch
        self._sources_dirty = True
        self._next_poll = 0.0
        self._fetching = False
        self._stopping = False
        self.last_outcome: Outcome | None = None

    # -- lifecycle ---------------------------------------------------------------

    def start(self) -> None:
        """Recover what a crash cut off, prepare the sources and start watching them."""
        now = self.clock()
        self.store.append_event("engine.started", now=now, detail=f"pid {os.getpid()}")
        self.store.recover(now=now)
        for name, source in self._sources.items():
            try:
                source.prepare()
            except CaptainError as error:
                self.store.append_event("source.unavailable", now=now, detail=str(error))
                del name
        self._doorbell = Doorbell(self.pipeline.state_dir, lambda: self._queue.put(_Wake(False)))
        self._doorbell.start()
        if self._watch:
            paths = [p for s in self._sources.values() for p in s.watch_paths()]
            if paths:
                self._watcher = RefWatcher(paths, self._wake)
                # Setting the watches up takes tens of milliseconds: do it beside the
                # first passes, then look at the sources once more (a commit made
                # meanwhile is not missed).
                watcher = self._watcher
                threading.Thread(
                    target=lambda: (watcher.start(), self._wake()),
                    name="captain-watch-setup",
                    daemon=True,
                ).start()
        self._report()

    def stop(self) -> None:
        """Stop watching, cut off running commands, and record them as interrupted."""
        if self._watcher is not None:
            # Its threads end on their own; a wake they send now is never read.
            self._watcher.stop(wait=False)
        if self._doorbell is not None:
            self._doorbell.stop()
        self._stopping = True
        for running in self._processes.values():
            running.cancel()
        for cancel in self._build_cancels.values():
            cancel.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
        for running in list(self._processes.values()):
            running.wait()
        self._drain()
        now = self.clock()
        self.store.recover(now=now)
        self.store.append_event("engine.stopped", now=now)
        for source in self._sources.values():
            source.close()
        self._report()

    def run(self, *, until_idle: bool = False, stop: threading.Event | None = None) -> None:
        """Reconcile until `stop` is set, or until idle when `until_idle`."""
        stop = stop or threading.Event()
        self.start()
        try:
            while not stop.is_set():
                outcome = self.tick()
                if until_idle and self.idle(outcome) and not self._new_version():
                    break
                self._wait(self._timeout(outcome), stop)
        finally:
            self.stop()

    def execute(self, started: Sequence[StartedStep]) -> None:
        """Run already-recorded steps to their end and record the results, without
        deciding anything else (a rollback done by `captain rollback` with no engine)."""
        self._launch_all(started)
        ids = {s.step_id for s in started}
        while ids & self._running:
            self._wait(MAX_IDLE_WAIT, threading.Event())
        self._drain()
        self._pool.shutdown(wait=True)
        self._report()

    # -- one pass ------------------------------------------------------------------

    def tick(self) -> Outcome:
        """Record finished work, look at the sources, apply people's requests, then decide
        and act until settled."""
        self._drain()
        self._poll_sources()
        self._apply_requests()
        outcome = self._decide_and_act()
        self._report()
        self.last_outcome = outcome
        return outcome

    def idle(self, outcome: Outcome) -> bool:
        """True when nothing runs and nothing can start without a person, a new commit
        or a blocker lifting."""
        return (
            not outcome.busy
            and not outcome.decisions
            and not self._running
            and self._queue.empty()
            and not self._fetching
        )

    def _new_version(self) -> bool:
        """Look at the sources once more before ending idle: True when a commit arrived
        since the last look (it is recorded, and the loop goes on to build it)."""
        return self._detector.detect() is not None

    def quiet(self) -> bool:
        """True when no finished work waits in the queue to be recorded."""
        return self._queue.empty()

    def _decide_and_act(self) -> Outcome:
        for _ in range(MAX_PASSES_PER_TICK):
            state = observe(self.pipeline, self.store, self.clock())
            outcome = decide(self.pipeline, state, self.clock())
            if not outcome.decisions:
                return outcome
            self._launch_all(self.store.apply(outcome.decisions, now=self.clock()))
            self._report()
            if all(_waits_for_an_outcome(d) for d in outcome.decisions):
                # Nothing decided can enable another decision before a process reports
                # back, so the next pass would find nothing: skip it (it halves the
                # database reads per finished step).
                return replace(outcome, decisions=(), busy=True)
        raise RuntimeError("the engine kept deciding without the state changing")

    def _launch_all(self, started: Sequence[Started]) -> None:
        """Act on recorded decisions: start the steps' commands together (each version's
        artefacts checked once), everything else one by one."""
        steps: list[tuple[StartedStep, VersionFacts]] = []
        for item in started:
            if not isinstance(item, StartedStep):
                self._launch(item)
            elif item.decision.step.kind in ("deploy", "run", "rollback"):
                # Other steps (waits, sign-offs, bakes) run no command of their own.
                self._running.add(item.step_id)
                decision = item.decision
                version = decision.to if decision.to is not None else decision.version
                steps.append((item, self._facts_of(version)))
        if steps:
            self._executor.start_all(steps, self._step_ended, self._processes)

    def _step_ended(self, result: StepResult) -> None:
        """From the reaper's thread: hand a step's result to the loop. A step cut off
        because the engine is stopping is left unrecorded; `recover` marks it
        interrupted, and it runs again at the next start."""
        if not (self._stopping and result.cancelled):
            self._queue.put(result)

    def _launch(self, started: StartedCheck | StartedAlarmCheck | StartedBuild) -> None:
        if isinstance(started, StartedCheck):
            self._running.add(f"check-{started.step_id}")
            where = self._where(started.stage, started.target, started.version, started.onebox)
            stage = self.pipeline.stage(started.stage)
            assert stage is not None
            approval = plan_for(stage)[started.index].approval
            assert approval is not None
            self._pool.submit(self._check, started, where, approval.monitors)
            return
        if isinstance(started, StartedAlarmCheck):
            self._running.add(f"alarm-{started.stage}")
            self._pool.submit(self._check_alarms, started.stage, self._deployed(started.stage))
            return
        if isinstance(started, StartedBuild):
            self._running.add(f"build-{started.version}")
            info = self.store.version_info(started.version) or {}
            env = {
                "CAPTAIN_COMMIT_MESSAGE": str(info.get("message", "")),
                "CAPTAIN_COMMIT_AUTHOR": str(info.get("author", "")),
            }
            heads = self.store.version_heads(started.version)
            cancel = self._build_cancels[started.version] = threading.Event()
            self._pool.submit(self._build, started, heads, env, cancel)

    def _build(
        self,
        started: StartedBuild,
        heads: dict[str, str],
        env: dict[str, str],
        cancel: threading.Event,
    ) -> None:
        try:
            outcome = self._builder.build(
                version=version_name(started.version),
                commits=heads,
                log=started.log,
                extra_env=env,
                cancel=cancel,
            )
        except Exception as error:  # noqa: BLE001 - a result must always be recorded
            outcome = BuildOutcome(
                ok=False, artefacts=(), detail=f"the captain failed to build: {error!r}"
            )
        if not (self._stopping and cancel.is_set()):
            self._queue.put(_BuildDone(version=started.version, outcome=outcome))

    def _where(self, stage: str, target: str, version: int | None, onebox: bool) -> Where:
        config = self.pipeline.stage(stage)
        assert config is not None
        commits = self._facts_of(version).commits if version is not None else {}
        return Where(stage=config, target=target, version=version, onebox=onebox, commits=commits)

    def _deployed(self, stage: str) -> list[Where]:
        """The targets of a stage that run something: the ones an alarm can be about."""
        records = self.store.views.targets()
        config = self.pipeline.stage(stage)
        assert config is not None
        return [
            self._where(stage, t.name, record[0], False)
            for t in config.targets
            if (record := records.get((stage, t.name))) is not None and record[0] is not None
        ]

    def _evaluate(self, names: Sequence[str], where: Where, log: Path) -> list[MonitorResult]:
        results = []
        for name in names:
            monitor = self.pipeline.monitor(name)
            assert monitor is not None, name
            try:
                results.append(self._monitors.evaluate(monitor, where, log=log))
            except Exception as error:  # noqa: BLE001 - a failed evaluation is an ALARM
                results.append(
                    MonitorResult(monitor=name, ok=False, output=f"could not evaluate: {error!r}")
                )
        return results

    def _check(self, started: StartedCheck, where: Where, names: Sequence[str]) -> None:
        results = self._evaluate(names, where, started.log)
        self._queue.put(_ChecksDone(step_id=started.step_id, results=tuple(results)))

    def _check_alarms(self, stage: str, targets: list[Where]) -> None:
        config = self.pipeline.stage(stage)
        assert config is not None
        log = self.pipeline.state_dir / "logs" / "alarms" / f"{stage}.log"
        results: list[MonitorResult] = []
        for where in targets:
            for result in self._evaluate(config.block_on_alarm, where, log):
                results.append(
                    MonitorResult(
                        monitor=result.monitor,
                        ok=result.ok,
                        output=f"{stage}/{where.target}: {result.output}",
                    )
                )
        self._queue.put(_AlarmsDone(stage=stage, results=tuple(results)))

    # -- recording results -------------------------------------------------------------

    def _drain(self, first: _Item | None = None) -> None:
        """Record every finished step and build waiting in the queue, in one transaction
        (steps that end together are written together)."""
        items = [] if first is None else [first]
        while True:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        if not items:
            return
        with self.store.write():
            for item in items:
                self._record(item)

    def _record(self, item: _Item) -> None:
        now = self.clock()
        match item:
            case StepResult():
                self._running.discard(item.step_id)
                self._processes.pop(item.step_id, None)
                self.store.finish_step(
                    item.step_id,
                    passed=item.passed,
                    exit_code=item.exit_code,
                    detail=item.detail,
                    now=now,
                )
            case _BuildDone(version=version, outcome=outcome):
                self._running.discard(f"build-{version}")
                self._build_cancels.pop(version, None)
                self.store.finish_build(
                    version,
                    ok=outcome.ok,
                    artefacts=[
                        ArtefactRow(name=a.name, sha256=a.sha256, size=a.size)
                        for a in outcome.artefacts
                    ],
                    detail=outcome.detail,
                    now=now,
                )
                self._facts.pop(version, None)
            case _ChecksDone(step_id=step_id, results=results):
                self._running.discard(f"check-{step_id}")
                self.store.record_checks(
                    step_id, results=[(r.monitor, r.ok, r.output) for r in results], now=now
                )
            case _AlarmsDone(stage=stage, results=results):
                self._running.discard(f"alarm-{stage}")
                alarming = sorted({r.monitor for r in results if not r.ok})
                detail = "; ".join(r.output for r in results if not r.ok)
                self.store.record_alarm_check(stage, alarming=alarming, detail=detail, now=now)
            case _Wake(sources_changed=changed):
                if changed:
                    self._sources_dirty = True

    # -- people's requests (rule R11) ---------------------------------------------------

    def _apply_requests(self) -> None:
        """Apply each queued request exactly once: its effect and its settlement commit
        together, so a crash leaves it either wholly applied or still pending."""
        for request in self.store.people.pending():
            result: ActionResult | None = None
            try:
                with self.store.write():
                    result = apply_action(
                        self.pipeline,
                        self.store,
                        kind=request.kind,
                        args=request.args,
                        actor=request.actor,
                        now=self.clock(),
                    )
                    self.store.people.settle(
                        request.id,
                        ok=True,
                        result={"message": result.message, "data": result.data},
                        now=self.clock(),
                    )
            except CaptainError as error:
                with self.store.write():
                    self.store.people.settle(
                        request.id,
                        ok=False,
                        result={"error": str(error), "exit_code": error.exit_code},
                        now=self.clock(),
                    )
            if result is not None:
                for step_id in result.cancel:
                    running = self._processes.get(step_id)
                    if running is not None:
                        running.cancel()
                self._launch_all(result.started)
        self._report()

    # -- sources -----------------------------------------------------------------------

    def _poll_sources(self) -> None:
        now = self.clock()
        if now >= self._next_poll:
            self._sources_dirty = True
            self._next_poll = now + min(s.poll for s in self.pipeline.sources)
            self._fetch_urls()
        if self._sources_dirty:
            self._sources_dirty = False
            self._detector.detect()

    def _fetch_urls(self) -> None:
        urls = [s for s in self.pipeline.sources if s.is_url]
        if not urls or self._fetching:
            return
        self._fetching = True

        def fetch() -> None:
            for source in urls:
                # the detector reports an unreadable source when it reads the heads
                with contextlib.suppress(CaptainError):
                    self._sources[source.name].fetch()
            self._fetching = False
            self._queue.put(_Wake())

        self._pool.submit(fetch)

    def _wake(self) -> None:
        self._queue.put(_Wake())

    def sources_changed(self) -> None:
        """Look at the sources on the next pass: what the ref watcher says on a commit
        (tests and tools that move a head by hand say it through here)."""
        self._sources_dirty = True

    def _facts_of(self, version: int) -> VersionFacts:
        facts = self._facts.get(version)
        if facts is None:
            facts = VersionFacts(
                number=version,
                commits=self.store.version_heads(version),
                artefacts=tuple(
                    StoredArtefact(name=a.name, sha256=a.sha256, size=a.size)
                    for a in self.store.artefacts(version)
                ),
            )
            self._facts[version] = facts
        return facts

    # -- waiting -----------------------------------------------------------------------

    def _timeout(self, outcome: Outcome) -> float:
        now = self.clock()
        until = min(self._next_poll, now + MAX_IDLE_WAIT)
        if outcome.wake_at is not None:
            until = min(until, outcome.wake_at)
        return max(0.0, until - now)

    def _wait(self, timeout: float, stop: threading.Event) -> None:
        """Block until something finishes or `timeout` passes, then record it."""
        try:
            item = self._queue.get(timeout=timeout) if timeout > 0 else self._queue.get_nowait()
        except queue.Empty:
            return
        self._drain(first=item)

    def _report(self) -> None:
        for event in self.store.take_events():
            self._on_event(event)
