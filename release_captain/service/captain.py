"""Provides `Captain`, the one facade the CLI and the TUI call.

Reading asks the engine why things wait and what is last good (`service.reading`);
people's commands are typed verbs that go to the engine as requests (`engine.requests`),
through the running engine's queue when one holds the state directory, else applied
here. The faces only parse and render.
"""

from __future__ import annotations

import getpass
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from release_captain.config import load_pipeline
from release_captain.config.model import Pipeline, Stage
from release_captain.engine import plan_for
from release_captain.engine.requests import (
    Approve,
    Pause,
    Reject,
    Reply,
    Request,
    Resume,
    Rollback,
    RollbackMove,
    SetGate,
)
from release_captain.errors import UsageError, WaitTimeout
from release_captain.service import following, reading, rollouts
from release_captain.service.changes import ChangesView, changes_of
from release_captain.service.delivery import deliver
from release_captain.service.following import LogPiece
from release_captain.service.forecasting import (
    ForecastView,
    forecast_of,
    forecasts_of,
    with_outlook,
)
from release_captain.service.metrics import MetricsView, metrics_of
from release_captain.service.shapes import (
    BlockerView,
    LogView,
    RollbackView,
    StatusView,
    WhereView,
)
from release_captain.store import CommitRow, Event, Store
from release_captain.store.views import DeploymentRow, VersionRow

if TYPE_CHECKING:
    from release_captain.runtime.reconciler import Reconciler
    from release_captain.runtime.shell import Runner

#: How long a person's command waits for a running engine to apply it.
REQUEST_TIMEOUT = 10.0


def current_user() -> str:
    """The OS user, recorded as the actor of every person's action."""
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers
        return "unknown"


class Captain:
    """The service over one pipeline and its state directory."""

    def __init__(
        self,
        pipeline: Pipeline,
        *,
        clock: Callable[[], float] | None = None,
        store: Store | None = None,
        runner: Runner | None = None,
    ) -> None:
        self.pipeline = pipeline
        #: The time reads are made at (status's countdowns, recorded requests).
        self.clock = clock or time.time
        #: The engine's clock when one was given (tests); else the loop keeps its own
        #: steady clock, immune to wall-clock jumps.
        self._engine_clock = clock
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

    @property
    def runner(self) -> Runner | None:
        """What runs commands in this process (None: the shell), for previews too."""
        return self._runner

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
    ) -> tuple[Event, ...]:
        """Hold the engine lock and reconcile until stopped (or idle); what failed while
        it ran (rejections, failed builds), oldest first."""
        from release_captain.runtime.lock import EngineLock

        store = self.store  # opened first: an unusable state directory is said plainly
        lock = EngineLock(self.pipeline.state_dir)
        lock.acquire()
        try:
            # A run that ends once idle reads the sources each poll and once more before
            # it ends: file watches would only cost it their set-up and teardown.
            loop = self._loop(store, on_event=on_event, watch=not until_idle)
            loop.run(until_idle=until_idle, stop=stop)
        finally:
            lock.release()
        return tuple(loop.failures)

    def _loop(
        self, store: Store, *, on_event: Callable[[Event], None] | None = None, watch: bool
    ) -> Reconciler:
        from release_captain.runtime.reconciler import Reconciler

        return Reconciler(
            self.pipeline,
            store,
            clock=self._engine_clock,
            on_event=on_event,
            runner=self._runner,
            watch=watch,
        )

    def step_names(self, stage: str) -> list[str]:
        """The steps each target of `stage` goes through, in order (`onebox:` marked)."""
        config = self.pipeline.stage(stage)
        assert config is not None, stage
        return [("onebox:" if s.onebox else "") + s.name for s in plan_for(config)]

    def engine_pid(self) -> int | None:
        """The pid of the `captain run` holding this state directory, if any."""
        from release_captain.runtime.lock import engine_pid

        return engine_pid(self.pipeline.state_dir)

    # -- people's commands (rules R4, R8, R11) -------------------------------------------

    def approve(
        self,
        stage: str,
        *,
        version: str | int | None = None,
        comment: str = "",
        override_blockers: bool = False,
    ) -> Reply:
        """Grant what waits for a person in `stage` for `version` (default: the one that
        waits): its manual entry gate or a sign-off approval."""
        number = self._version(version)
        return self._ask(
            Approve(
                stage=stage,
                version=number,
                comment=comment,
                override_blockers=override_blockers,
                actor=current_user(),
            )
        )

    def reject(self, stage: str, *, version: str | int | None = None, comment: str = "") -> Reply:
        """Reject `version` in `stage` (default: the one waiting, else the one in flight)."""
        number = self._version(version)
        return self._ask(Reject(stage=stage, version=number, comment=comment, actor=current_user()))

    def gate(self, stage: str, mode: str) -> Reply:
        """Switch `stage`'s promotion mode at run time: `manual` or `automatic`."""
        if mode == "manual":
            return self._ask(SetGate(stage=stage, mode="manual", actor=current_user()))
        if mode == "automatic":
            return self._ask(SetGate(stage=stage, mode="automatic", actor=current_user()))
        raise UsageError(f"gate mode must be manual or automatic, not '{mode}'")

    def pause(self, stage: str, *, reason: str = "") -> Reply:
        """Stop `stage` taking new versions; what is in flight there finishes."""
        return self._ask(Pause(stage=stage, reason=reason, actor=current_user()))

    def resume(self, stage: str) -> Reply:
        """Let a paused `stage` take new versions again."""
        return self._ask(Resume(stage=stage, actor=current_user()))

    def rollback_plan(
        self, targets: list[str], *, to: str | int | None = None, force: bool = False
    ) -> tuple[RollbackMove, ...]:
        """What a rollback of `targets` would do, per target, or the error why it cannot:
        the engine's own answer, decided and not recorded (for confirmations)."""
        from release_captain.engine.people import answer
        from release_captain.runtime.observation import observe
        from release_captain.runtime.requests import named_versions

        request = Rollback(
            targets=tuple(targets), to=self._version(to), force=force, actor=current_user()
        )
        now = self.clock()
        state = observe(self.pipeline, self.store, now, named=named_versions(request))
        return answer(self.pipeline, state, request, now).rollbacks

    def rollback(
        self,
        targets: list[str],
        *,
        to: str | int | None = None,
        reason: str = "",
        force: bool = False,
        wait: bool = True,
        timeout: float = 1800.0,
        seen: Callable[[RollbackView], None] | None = None,
    ) -> RollbackView:
        """Rule R8: roll the targets back to their last good version (or `to`).

        With an engine running, the engine does it through a request and `wait` follows
        it to the end; without one, this process holds the engine lock and runs the
        request through the same loop code (so it always waits). `seen` is given every
        view read while waiting, so a caller still has the last one when waiting times
        out (WaitTimeout).
        """
        request = Rollback(
            targets=tuple(targets),
            to=self._version(to),
            force=force,
            reason=reason,
            actor=current_user(),
        )
        deadline = time.monotonic() + timeout
        reply, steps = self._submit(request, timeout=min(REQUEST_TIMEOUT, timeout))
        view = reading.rollback_view_of(self.store, reply, steps)
        if seen is not None:
            seen(view)
        while wait and any(r.state == "running" for r in view.rollbacks):
            if time.monotonic() > deadline:
                raise WaitTimeout(
                    f"the rollback did not finish within {timeout:g}s; it goes on in the engine"
                )
            time.sleep(0.1)
            view = reading.rollback_view_of(self.store, reply, steps)
            if seen is not None:
                seen(view)
        return view

    def _version(self, version: str | int | None) -> int | None:
        if version is None or isinstance(version, int):
            return version
        return self.resolve_version(version)

    def _ask(self, request: Request) -> Reply:
        return self._submit(request, timeout=REQUEST_TIMEOUT)[0]

    def _submit(self, request: Request, *, timeout: float) -> tuple[Reply, tuple[int, ...]]:
        """Apply a request: through the running engine's queue, else here (rule R11)."""
        return deliver(
            request,
            pipeline=self.pipeline,
            store=self.store,
            clock=self.clock,
            loop=lambda: self._loop(self.store, watch=False),
            timeout=timeout,
        )

    # -- reading -------------------------------------------------------------------

    def status(self, *, forecast: bool = False) -> StatusView:
        """Per stage: passed, in flight, waiting and why, targets, approvals; with `forecast`
        the newest version's outlook (a simulation: not for the TUI's every refresh)."""
        from release_captain.runtime.lock import engine_holding

        now = self.clock()
        holding = engine_holding(self.pipeline.state_dir)
        view = reading.status_of(self.pipeline, self.store, now, self.engine_pid(), holding)
        return with_outlook(self.pipeline, self.store, view, now) if forecast else view

    def forecast(self, version: str | None = None) -> ForecastView:
        """SPEC §10: when `version` (default the newest) enters and passes each stage."""
        return forecast_of(self.pipeline, self.store, version, self.clock())

    def forecasts(self, versions: Sequence[int], now: float) -> dict[int, ForecastView]:
        """SPEC §10 for several versions at once, from `now`, over one read of the state."""
        return forecasts_of(self.pipeline, self.store, versions, now)

    def source_heads(self) -> dict[str, str]:
        """source name -> the newest head the engine has seen and recorded."""
        return self.store.versions.source_heads()

    def commits(self, version: int) -> list[CommitRow]:
        """The commits a version includes (sha, author, summary), newest first."""
        return self.store.versions.commits(version)

    def changes(self, stage: str, version: int) -> ChangesView:
        """The commits and files `version` brings over what `stage` last passed."""
        return changes_of(self.pipeline, self.store, stage, version)

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
        return reading.resolve_version(self.store, text)

    def resolve_target(self, text: str) -> tuple[Stage, list[str]]:
        """`STAGE/TARGET` -> that target; a bare `STAGE` -> all its targets."""
        return reading.resolve_target(self.pipeline, text)

    def metrics(self, *, since: str | None = None) -> MetricsView:
        """SPEC §10's figures over the window `since` (a duration, default 30d) ago."""
        return metrics_of(self.pipeline, self.store, since=since, now=self.clock())

    def blockers(self) -> list[BlockerView]:
        """Each blocker: active now, until when, its next change, and which stages it holds."""
        return reading.blockers_of(self.pipeline, self.clock())

    def where(self, commit: str) -> WhereView:
        """Where a commit or a version (`v12`, `12`) is: its version and, per stage and
        target, what became of it. A version that exists wins over a commit prefix, as in
        every command taking a version."""
        return reading.where_named(self.pipeline, self.store, commit, self.status)

    def logs(self, version: str, where: str) -> list[LogView]:
        """The output of every deploy and approval step of a version on one target."""
        stage, target = self._one_target(where)
        return reading.logs_of(self.store, self.resolve_version(version), stage, target)

    def log_output(
        self,
        version: str,
        where: str,
        *,
        follow: bool = False,
        wait: Callable[[float], None] = time.sleep,
    ) -> Iterator[LogPiece]:
        """`captain logs`: headings and output of the steps of a version on one target
        (`where` = `STAGE/TARGET`), or of its build (`where` = `build`); followed, until
        the version is done there (see `service.following`)."""
        number = self.resolve_version(version)
        if where == "build":
            return following.build_output(self.store, number, follow=follow, wait=wait)
        stage, target = self._one_target(where)
        return following.target_output(self.store, number, stage, target, follow=follow, wait=wait)

    def deployments(self, where: str) -> list[DeploymentRow]:
        """Every version's rollout on one target (`STAGE/TARGET`), oldest version first."""
        return rollouts.deployments_on(self.store, *self._one_target(where))

    def _one_target(self, where: str) -> tuple[str, str]:
        """`STAGE/TARGET` -> (stage, target); a bare stage is a usage error."""
        stage, targets = self.resolve_target(where)
        if len(targets) != 1:
            raise UsageError(f"name one target, as {stage.name}/{targets[0]}")
        return stage.name, targets[0]

    def follow_log(self, path: Path, *, running: Callable[[], bool]) -> Iterator[str]:
        """Lines appended to `path` while `running()` says the step still runs."""
        return following.follow_lines(path, running=running)
