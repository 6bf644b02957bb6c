"""Provides the reconcile loop: load the state, decide, record, act, record results.

Level-triggered, like a Kubernetes controller: every pass recomputes the decisions from
what is recorded, so a restart after a crash takes the same path as any other pass.
The loop starts step commands itself (through the `Dispatcher`); the reaper thread
reports when one ends, pool threads when a build or a monitor check ends, the watcher
when a ref changes, the doorbell when a request is queued. All of them fill one queue
the loop blocks on, so it reacts to each event at once and never sleeps a fixed time
between decisions. Only this thread writes the database.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor

from msgspec.structs import replace

from release_captain.config.model import Pipeline
from release_captain.engine import Outcome, decide
from release_captain.errors import CaptainError, UsageError
from release_captain.runtime.dispatch import (
    AlarmsDone,
    BuildDone,
    ChecksDone,
    Dispatcher,
    Wake,
    WatcherFailed,
    waits_for_an_outcome,
)
from release_captain.runtime.dispatch import (
    Outcome as Ended,
)
from release_captain.runtime.doorbell import Doorbell
from release_captain.runtime.execution import StepResult
from release_captain.runtime.git import GitSource
from release_captain.runtime.holding import CaptainFault, Holding
from release_captain.runtime.leftovers import end_leftovers
from release_captain.runtime.notifications import Notifier, NotifyDone
from release_captain.runtime.observation import observe
from release_captain.runtime.preview_watch import PreviewWatch
from release_captain.runtime.requests import apply_queued
from release_captain.runtime.shell import Runner, ShellRunner
from release_captain.runtime.source_polling import SourcePoller
from release_captain.runtime.steady_clock import SteadyClock
from release_captain.runtime.watched_source import WatchedSource
from release_captain.runtime.watcher import RefWatcher
from release_captain.store import ArtefactRow, Event, Store, StoreUnavailable

#: The longest the loop waits without a pass: requests are applied within a second (R11).
MAX_IDLE_WAIT = 0.5

#: Event kinds that make `run --until-idle` exit 1: a version failed during the run.
FAILURE_KINDS = frozenset({"stage.rejected", "build.failed"})

#: A guard against a decision that does not change the state it was decided from.
MAX_PASSES_PER_TICK = 10_000


class Reconciler:
    """Runs the engine over one state directory (the caller holds the engine lock)."""

    def __init__(
        self,
        pipeline: Pipeline,
        store: Store,
        *,
        runner: Runner | None = None,
        clock: Callable[[], float] | None = None,
        sources: Mapping[str, WatchedSource] | None = None,
        pool: Executor | None = None,
        base_env: Mapping[str, str] | None = None,
        on_event: Callable[[Event], None] | None = None,
        watch: bool = True,
    ) -> None:
        self.pipeline = pipeline
        self.store = store
        #: Monotonic: a wall-clock jump neither ends a bake early nor holds a wait (R10).
        self.clock = clock or SteadyClock()
        self._sources: dict[str, WatchedSource] = (
            dict(sources)
            if sources is not None
            else {s.name: GitSource(s) for s in pipeline.sources}
        )
        runner, env = runner or ShellRunner(), dict(os.environ if base_env is None else base_env)
        self._dispatch = Dispatcher(
            pipeline,
            store,
            runner=runner,
            sources=self._sources,
            pool=pool
            or ThreadPoolExecutor(
                max_workers=pipeline.max_parallel + 3, thread_name_prefix="captain"
            ),
            base_env=env,
        )
        self._previews = PreviewWatch(pipeline, self.clock, self._dispatch.submit, runner, env)
        self._queue = self._dispatch.outcomes
        self._notifier = Notifier(
            pipeline, store, runner, base_env=env, put=self._queue.put, clock=self.clock
        )
        self._poller = SourcePoller(
            pipeline,
            store,
            self._sources,
            self.clock,
            submit=self._dispatch.submit,
            fetched=lambda: self._queue.put(Wake()),
        )
        self._on_event = on_event or (lambda event: None)
        self._watcher: RefWatcher | None = None
        self._doorbell: Doorbell | None = None
        self._watch = watch
        #: Outcomes a failed write could not record yet.
        self._unrecorded: list[Ended] = []
        self._holding = Holding(pipeline.state_dir, self.clock, self._on_event)
        #: Why the captain could not start a step, until the loop holds for it.
        self._fault = ""
        #: What failed while this engine ran, for the exit of `run --until-idle` (SPEC §9).
        self.failures: list[Event] = []
        #: Why a source could not be read at start.
        self.unreadable: list[str] = []

    # -- lifecycle ---------------------------------------------------------------

    def start(self) -> None:
        """Recover what a crash cut off, prepare the sources and start watching them."""
        now = self.clock()
        self.store.append_event("engine.started", now=now, detail=f"pid {os.getpid()}")
        self._recover(now)
        for source in self._sources.values():
            try:
                source.prepare()
            except CaptainError as error:
                self.unreadable.append(str(error))
                self.store.append_event("source.unavailable", now=now, detail=str(error))
        self._doorbell = Doorbell(self.pipeline.state_dir, lambda: self._queue.put(Wake(False)))
        self._doorbell.start()
        if self._watch:
            self._start_watching()
        self._report()

    def _start_watching(self) -> None:
        paths = []
        for source in self._sources.values():
            # A source that cannot be read is polled until it can (source.unavailable).
            with contextlib.suppress(CaptainError):
                paths += source.watch_paths()
        if not paths:
            return
        watcher = self._watcher = RefWatcher(paths, self.sources_changed)

        def set_up() -> None:
            # Beside the first passes; then look at the sources once more, so a commit
            # made while the watches were being set up is not missed.
            watcher.start()
            self.sources_changed()

        threading.Thread(target=set_up, name="captain-watch-setup", daemon=True).start()

    def stop(self) -> None:
        """Stop watching, cut off running commands, and record them as interrupted."""
        if self._watcher is not None:
            # Its threads end on their own; a wake they send now is never read.
            self._watcher.stop(wait=False)
        if self._doorbell is not None:
            self._doorbell.stop()
        self._previews.stop()
        self._dispatch.stop()
        self._notifier.stop()
        self._holding.forget()
        for source in self._sources.values():
            source.close()
        if self._holding.seconds:
            # Writing would only wait for the lock again: what it could not record is
            # cut off, and the next start records and runs it again (rule R10).
            self._on_event(
                Event(id=0, at=self.clock(), kind="engine.stopped", detail="while holding")
            )
            return
        self._drain()
        now = self.clock()
        self.store.recover(now=now)
        self.store.append_event("engine.stopped", now=now)
        self._report()

    def run(self, *, until_idle: bool = False, stop: threading.Event | None = None) -> None:
        """Reconcile until `stop` is set, or until idle when `until_idle`."""
        stop = stop or threading.Event()
        self.start()
        try:
            if until_idle and self.unreadable:
                # SPEC §9: a run that would end idle having done nothing says why.
                raise UsageError(f"{self.unreadable[0]}; nothing can be built from it")
            while not stop.is_set():
                try:
                    outcome = self.tick()
                    self._holding.resume()
                    if until_idle and self.idle(outcome) and not self._poller.detect_now():
                        break
                    self._wait(self._timeout(outcome))
                except (StoreUnavailable, CaptainFault) as fault:
                    self._holding.hold(fault, stop)
        finally:
            self.stop()

    def serve_requests(self) -> None:
        """Apply the queued requests and carry out what they start, to the end, deciding
        nothing else: a person's rollback when no engine runs. What a crashed engine
        left running is ended first, as at any engine's start."""
        self._recover(self.clock())
        self._apply_requests()
        while self._dispatch.running or self._notifier.running:
            self._wait(MAX_IDLE_WAIT)
        self._drain()
        self._dispatch.stop()
        self._report()

    def _recover(self, now: float) -> None:
        """Rule R10: end what is left of the commands a crash cut off (their process
        groups), then record them interrupted, so they run again alone."""
        ended = end_leftovers(self.store.views.logs_of_running_commands(), self.pipeline.state_dir)
        if ended:
            groups = ", ".join(str(g) for g in sorted(ended))
            self.store.append_event(
                "engine.leftovers-ended",
                now=now,
                detail=f"ended what a crash left running: process group {groups}",
            )
        self.store.recover(now=now)

    def sources_changed(self) -> None:
        """Look at the sources on the next pass: what the ref watcher says on a commit
        (tests and tools that move a head by hand say it through here)."""
        self._queue.put(Wake())

    # -- one pass ------------------------------------------------------------------

    def tick(self) -> Outcome:
        """Record finished work, look at the sources, apply people's requests, then decide
        and act until settled."""
        self._drain()
        self._raise_fault()
        self._poller.poll()
        self._previews.poll()
        self._apply_requests()
        outcome = self._decide_and_act()
        self.store.note_waits(outcome.holds, now=self.clock())
        self._report()
        return outcome

    def _raise_fault(self) -> None:
        """After a step the captain could not start, hold before trying again."""
        fault, self._fault = self._fault, ""
        if fault:
            self._report()
            raise CaptainFault(f"the engine could not start a step ({fault})")

    def idle(self, outcome: Outcome) -> bool:
        """True when nothing runs and nothing can start without a person, a new commit
        or a blocker lifting."""
        return (
            not outcome.busy
            and not outcome.decisions
            and not self._dispatch.running
            and not self._notifier.running
            and self._queue.empty()
            and not self._poller.fetching
            and not self._previews.busy
        )

    def quiet(self) -> bool:
        """True when no finished work waits in the queue to be recorded."""
        return self._queue.empty()

    def _decide_and_act(self) -> Outcome:
        for _ in range(MAX_PASSES_PER_TICK):
            state = observe(self.pipeline, self.store, self.clock())
            outcome = decide(self.pipeline, state, self.clock())
            effects = self.store.apply(outcome.decisions, now=self.clock())
            self._dispatch.keep_trees(state, effects)
            if not outcome.decisions:
                return outcome
            self._dispatch.launch(effects)
            self._report()
            if all(waits_for_an_outcome(d) for d in outcome.decisions):
                # Nothing decided can enable another decision before a process reports
                # back, so the next pass would find nothing: skip it.
                return replace(outcome, decisions=(), busy=True)
        raise RuntimeError("the engine kept deciding without the state changing")

    # -- recording results -------------------------------------------------------------

    def _drain(self, first: Ended | None = None) -> None:
        """Record every outcome waiting in the queue, in one transaction (steps that end
        together are written together). Outcomes a write could not record are kept, in
        order, and recorded first next time."""
        items, self._unrecorded = self._unrecorded, []
        if first is not None:
            items.append(first)
        while True:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        if not items:
            return
        try:
            with self.store.write():
                for item in items:
                    self._record(item)
        except StoreUnavailable:
            self._unrecorded = items
            raise

    def _record(self, item: Ended) -> None:
        now = self.clock()
        self._dispatch.finished(item)
        match item:
            case StepResult(captain_fault=True):
                self.store.interrupt_step(item.step_id, detail=item.detail, now=now)
                self._fault = item.detail
            case StepResult():
                self.store.finish_step(
                    item.step_id,
                    passed=item.passed,
                    exit_code=item.exit_code,
                    detail=item.detail,
                    now=now,
                )
            case BuildDone(version=version, outcome=outcome):
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
            case ChecksDone(step_id=step_id, results=results):
                self.store.record_checks(
                    step_id, results=[(r.monitor, r.ok, r.output) for r in results], now=now
                )
            case AlarmsDone(stage=stage, results=results):
                alarming = sorted({r.monitor for r in results if not r.ok})
                detail = "; ".join(r.output for r in results if not r.ok)
                self.store.record_alarm_check(stage, alarming=alarming, detail=detail, now=now)
            case NotifyDone():
                self._notifier.record(item, now)
            case WatcherFailed(reason=reason):
                raise CaptainError(
                    f"the captain's watcher of running commands failed ({reason}); the engine "
                    f"stops, and the next start ends what is left of its commands"
                )
            case Wake(sources_changed=changed):
                if changed:
                    self._poller.changed()

    # -- people's requests (rule R11) ---------------------------------------------------

    def _apply_requests(self) -> None:
        """Apply each queued request exactly once (`runtime.requests.apply_queued`) and
        carry out what it started."""
        for applied in apply_queued(self.pipeline, self.store, self.clock):
            self._dispatch.launch(applied.effects)
        self._report()

    # -- waiting -----------------------------------------------------------------------

    def _timeout(self, outcome: Outcome) -> float:
        now = self.clock()
        until = min(self._poller.next_poll, now + MAX_IDLE_WAIT)
        if outcome.wake_at is not None:
            until = min(until, outcome.wake_at)
        return max(0.0, until - now)

    def _wait(self, timeout: float) -> None:
        """Block until something finishes or `timeout` passes, then record it."""
        try:
            item = self._queue.get(timeout=timeout) if timeout > 0 else self._queue.get_nowait()
        except queue.Empty:
            return
        self._drain(first=item)

    def _report(self) -> None:
        """Hand the new events to the reporter, then notify them (SPEC §11)."""
        self._notifier.send()
        for event in self.store.take_events():
            if event.kind in FAILURE_KINDS:
                self.failures.append(event)
            self._on_event(event)
