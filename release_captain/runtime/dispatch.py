"""Provides `Dispatcher`: carrying out what the store recorded — step commands started
together, builds and monitor evaluations on pool threads, steps a person stopped ended —
and handing each outcome back to the loop's queue. Nothing here writes the database.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path

from msgspec import Struct

from release_captain.config.model import Monitor, Pipeline, Stage
from release_captain.engine import CheckAlarms, CheckMonitors, StartBuild, StartStep, plan_for
from release_captain.engine.in_use import versions_in_use
from release_captain.engine.state import State
from release_captain.runtime.artefacts import ArtefactStore, StoredArtefact
from release_captain.runtime.builder import Builder, BuildOutcome
from release_captain.runtime.checkouts import Checkouts
from release_captain.runtime.execution import StepExecutor, StepResult, VersionFacts
from release_captain.runtime.monitors import MonitorEvaluator, MonitorResult, Where, per_target
from release_captain.runtime.notifications import NotifyDone
from release_captain.runtime.reaper import reaper
from release_captain.runtime.shell import Runner, Running
from release_captain.runtime.watched_source import WatchedSource
from release_captain.store import (
    Started,
    StartedAlarmCheck,
    StartedBuild,
    StartedCheck,
    StartedStep,
    Stopped,
    Store,
)
from release_captain.wording import version_name


class BuildDone(Struct, frozen=True, kw_only=True):
    """A build ended."""

    version: int
    outcome: BuildOutcome


class ChecksDone(Struct, frozen=True, kw_only=True):
    """A bake's monitors were evaluated once."""

    step_id: int
    results: tuple[MonitorResult, ...]


class AlarmsDone(Struct, frozen=True, kw_only=True):
    """A stage's `block_on_alarm` monitors were evaluated before entry."""

    stage: str
    results: tuple[MonitorResult, ...]


class WatcherFailed(Struct, frozen=True, kw_only=True):
    """The thread that watches every started command died: nothing would be reported
    again, so the engine stops with the reason instead of hanging."""

    reason: str


class Wake(Struct, frozen=True):
    """A watched ref changed, a fetch finished, or a request was queued."""

    sources_changed: bool = True


Outcome = StepResult | BuildDone | ChecksDone | AlarmsDone | NotifyDone | WatcherFailed | Wake

#: The longest the loop waits for a stopped command's group to be gone before it
#: carries on (the reaper's grace and its patience after SIGKILL, with room to spare).
STOP_PATIENCE = 30.0


def waits_for_an_outcome(decision: object) -> bool:
    """True for a decision that only starts a process: nothing follows until it ends."""
    if isinstance(decision, StartStep):
        return decision.runs_a_command
    return isinstance(decision, StartBuild | CheckMonitors | CheckAlarms)


class Dispatcher:
    """Carries out recorded effects; every outcome lands in `outcomes`."""

    def __init__(
        self,
        pipeline: Pipeline,
        store: Store,
        *,
        runner: Runner,
        sources: Mapping[str, WatchedSource],
        pool: Executor,
        base_env: Mapping[str, str],
    ) -> None:
        self.pipeline = pipeline
        self.store = store
        self.outcomes: queue.SimpleQueue[Outcome] = queue.SimpleQueue()
        #: What is running: step ids, and `build-N`, `check-N`, `alarm-STAGE` keys.
        self.running: set[int | str] = set()
        self.stopping = False
        self._pool = pool
        artefacts = ArtefactStore(pipeline.state_dir / "artefacts")
        self._trees = Checkouts(
            pipeline.state_dir / "worktrees" / "checkouts", sources.get(pipeline.primary.name)
        )
        self._executor = StepExecutor(
            pipeline=pipeline,
            runner=runner,
            artefacts=artefacts,
            checkouts=self._trees,
            base_env=base_env,
        )
        self._builder = Builder(
            pipeline=pipeline, runner=runner, store=artefacts, sources=sources, base_env=base_env
        )
        self._monitors = MonitorEvaluator(pipeline=pipeline, runner=runner, base_env=base_env)
        #: The running commands of steps, by step id (to cancel them).
        self._processes: dict[int, Running] = {}
        self._build_cancels: dict[int, threading.Event] = {}
        self._facts: dict[int, VersionFacts] = {}
        self._forget_reaper = reaper().on_failure(
            lambda error: self.outcomes.put(WatcherFailed(reason=repr(error)))
        )

    def launch(self, effects: Sequence[Started]) -> None:
        """Carry out recorded effects: step commands start together (each version's
        artefacts checked once), everything else one by one."""
        steps: list[tuple[StartedStep, VersionFacts]] = []
        stopped: list[Running] = []
        for effect in effects:
            match effect:
                case StartedStep(decision=decision) if decision.runs_a_command:
                    self.running.add(effect.step_id)
                    version = decision.to if decision.to is not None else decision.version
                    steps.append((effect, self.facts_of(version)))
                case StartedStep():
                    pass  # waits, sign-offs and bakes run no command of their own
                case Stopped(step_id=step_id):
                    if (handle := self._processes.get(step_id)) is not None:
                        handle.cancel()
                        stopped.append(handle)
                case StartedCheck():
                    self._start_check(effect)
                case StartedAlarmCheck():
                    self.running.add(f"alarm-{effect.stage}")
                    self._pool.submit(
                        self._check_alarms, effect.stage, self._deployed(effect.stage)
                    )
                case StartedBuild():
                    self._start_build(effect)
        for handle in stopped:
            # A pre-empting rollback starts only once what it pre-empts is gone, group
            # and all (rule R10: never two commands at once on a target).
            handle.wait(STOP_PATIENCE)
        if steps:
            self._executor.start_all(steps, self._step_ended, self._processes)

    def keep_trees(self, state: State, effects: Sequence[Started]) -> None:
        """Remove the version trees (`CAPTAIN_CHECKOUT`) of every version but those in
        use in `state` and those `effects` are about to start steps of (called before
        `launch`)."""
        starting = {
            number
            for effect in effects
            if isinstance(effect, StartedStep)
            for number in (effect.decision.version, effect.decision.to)
            if number is not None
        }
        self._trees.keep_only(versions_in_use(self.pipeline, state) | starting)

    def cancel(self, step_id: int) -> None:
        """End a step's command, if it still runs."""
        running = self._processes.get(step_id)
        if running is not None:
            running.cancel()

    def finished(self, outcome: Outcome) -> None:
        """Forget what an outcome says has ended."""
        match outcome:
            case StepResult(step_id=step_id):
                self.running.discard(step_id)
                self._processes.pop(step_id, None)
            case BuildDone(version=version):
                self.running.discard(f"build-{version}")
                self._build_cancels.pop(version, None)
                self._facts.pop(version, None)
            case ChecksDone(step_id=step_id):
                self.running.discard(f"check-{step_id}")
            case AlarmsDone(stage=stage):
                self.running.discard(f"alarm-{stage}")

    def stop(self) -> None:
        """Cut off every command and build, and wait for them to end."""
        self.stopping = True
        self._forget_reaper()
        for running in self._processes.values():
            running.cancel()
        for cancel in self._build_cancels.values():
            cancel.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
        patience = 0.0 if reaper().failed is not None else STOP_PATIENCE  # dead: nothing comes
        for running in list(self._processes.values()):
            running.wait(patience)

    def submit(self, work: Callable[[], None]) -> None:
        """Run `work` on a pool thread."""
        self._pool.submit(work)

    def facts_of(self, version: int) -> VersionFacts:
        """What a version's commands need to know about it, read once."""
        facts = self._facts.get(version)
        if facts is None:
            facts = VersionFacts(
                number=version,
                commits=self.store.versions.heads(version),
                artefacts=tuple(
                    StoredArtefact(name=a.name, sha256=a.sha256, size=a.size)
                    for a in self.store.versions.artefacts(version)
                ),
            )
            self._facts[version] = facts
        return facts

    def _step_ended(self, result: StepResult) -> None:
        """From the reaper's thread: hand a step's result to the loop. A step cut off
        because the engine is stopping is left unrecorded; `recover` marks it
        interrupted, and it runs again at the next start."""
        if not (self.stopping and result.cancelled):
            self.outcomes.put(result)

    def _start_build(self, started: StartedBuild) -> None:
        self.running.add(f"build-{started.version}")
        author, message = self.store.versions.message(started.version) or ("", "")
        env = {"CAPTAIN_COMMIT_MESSAGE": message, "CAPTAIN_COMMIT_AUTHOR": author}
        heads = self.store.versions.heads(started.version)
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
        except Exception as error:  # a result must always be recorded
            outcome = BuildOutcome(
                ok=False, artefacts=(), detail=f"the captain failed to build: {error!r}"
            )
        if not (self.stopping and cancel.is_set()):
            self.outcomes.put(BuildDone(version=started.version, outcome=outcome))

    def _start_check(self, started: StartedCheck) -> None:
        self.running.add(f"check-{started.step_id}")
        stage = self._stage(started.stage)
        approval = plan_for(stage)[started.index].approval
        assert approval is not None, started
        where = self._where(stage, started.target, started.version, started.onebox)
        self._pool.submit(self._check, started, where, approval.monitors)

    def _check(self, started: StartedCheck, where: Where, names: Sequence[str]) -> None:
        results = self._evaluate(names, where, started.log)
        self.outcomes.put(ChecksDone(step_id=started.step_id, results=tuple(results)))

    def _check_alarms(self, stage: str, targets: list[Where]) -> None:
        """Rule R4: a stage-wide monitor once, a per-target one on each target that runs
        a version."""
        config = self._stage(stage)
        log = self.pipeline.state_dir / "logs" / "alarms" / f"{stage}.log"
        monitors = [self._monitor(name) for name in config.block_on_alarm]
        wide = [m.name for m in monitors if not per_target(m, config)]
        each = [m.name for m in monitors if per_target(m, config)]
        whole = Where(stage=config, target="", version=None, onebox=False, commits={})
        results = [
            MonitorResult(monitor=r.monitor, ok=r.ok, output=f"{stage}: {r.output}")
            for r in self._evaluate(wide, whole, log)
        ]
        results += [
            MonitorResult(monitor=r.monitor, ok=r.ok, output=f"{stage}/{where.target}: {r.output}")
            for where in targets
            for r in self._evaluate(each, where, log)
        ]
        self.outcomes.put(AlarmsDone(stage=stage, results=tuple(results)))

    def _monitor(self, name: str) -> Monitor:
        monitor = self.pipeline.monitor(name)
        assert monitor is not None, name
        return monitor

    def _evaluate(self, names: Sequence[str], where: Where, log: Path) -> list[MonitorResult]:
        results = []
        for name in names:
            monitor = self._monitor(name)
            try:
                results.append(self._monitors.evaluate(monitor, where, log=log))
            except Exception as error:  # a failed evaluation is an ALARM
                results.append(
                    MonitorResult(monitor=name, ok=False, output=f"could not evaluate: {error!r}")
                )
        return results

    def _stage(self, name: str) -> Stage:
        stage = self.pipeline.stage(name)
        assert stage is not None, name
        return stage

    def _where(self, stage: Stage, target: str, version: int | None, onebox: bool) -> Where:
        commits = self.facts_of(version).commits if version is not None else {}
        return Where(stage=stage, target=target, version=version, onebox=onebox, commits=commits)

    def _deployed(self, stage: str) -> list[Where]:
        """The targets of a stage that run something: the ones an alarm can be about."""
        records = self.store.views.targets()
        config = self._stage(stage)
        return [
            self._where(config, t.name, record[0], False)
            for t in config.targets
            if (record := records.get((stage, t.name))) is not None and record[0] is not None
        ]
