"""Provides `Store`: the state directory's database, where every decision and result is
written in one transaction with its audit event (rule R10), and the current `State` is
loaded.

Only this package knows SQL. Writes happen in the engine's thread; readers (the CLI, the
TUI) open their own `Store` and read through WAL snapshots.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from release_captain.config.model import Pipeline
from release_captain.engine.decisions import Decision
from release_captain.engine.gates import Hold
from release_captain.engine.state import State
from release_captain.store.database import Database, explain_errors, open_database, transaction
from release_captain.store.events import Event, EventLog
from release_captain.store.loading import load_state
from release_captain.store.metrics import MetricQueries
from release_captain.store.notifications import Notifications
from release_captain.store.previews import PreviewRecords
from release_captain.store.recording import DecisionRecorder
from release_captain.store.records import ArtefactRow, CommitRow, Started
from release_captain.store.requests import RequestQueue
from release_captain.store.results import Results
from release_captain.store.versions import VersionRecords
from release_captain.store.views import Views
from release_captain.store.waits import PersonWaits


class Store:
    """The state directory's database, opened for reading and writing."""

    def __init__(self, state_dir: Path, *, timeout: float | None = None) -> None:
        if timeout is None:
            timeout = float(os.environ.get("CAPTAIN_DB_TIMEOUT") or 10.0)
        self.state_dir = state_dir
        self.path = state_dir / "state.db"
        self.logs = state_dir / "logs"
        self.db = open_database(state_dir, timeout=timeout)
        self.events = EventLog(self.db)
        self.views = Views(self.db)
        self.metrics = MetricQueries(self.db)
        self.requests = RequestQueue(self.db)
        self.versions = VersionRecords(self.db, self.events)
        #: Preview environments (SPEC §11); writes go inside `write()`.
        self.previews = PreviewRecords(self.db, self.events)
        self._results = Results(self.db, self.events)
        self.notifications = Notifications(self.db, self.events, self.logs)
        self._waits = PersonWaits(self.db, self.events)
        self._decisions = DecisionRecorder(self.db, self.events, self.logs, self._results)

    def close(self) -> None:
        """Close the connection."""
        self.db.conn.close()

    @contextmanager
    def _tx(self) -> Iterator[Database]:
        """One write transaction; its events reach the reporter only if it commits."""
        mark = self.events.mark()
        try:
            with transaction(self.db) as db:
                yield db
        except BaseException:
            self.events.forget_after(mark)
            raise

    def write(self) -> AbstractContextManager[Database]:
        """A write transaction for callers that combine several writes (a request's
        decisions and its settlement commit together)."""
        return self._tx()

    # -- decisions ------------------------------------------------------------------

    def apply(self, decisions: Sequence[Decision], *, now: float) -> list[Started]:
        """Record every decision of a pass in one transaction, before any is acted on.

        Returns the effects the runtime must now carry out, in the decisions' order. A
        pass that decided nothing writes nothing (an idle engine never takes the lock).
        """
        started: list[Started] = []
        if not decisions:
            return started
        with self._tx():
            for decision in decisions:
                effect = self._decisions.record(decision, now)
                if effect is not None:
                    started.append(effect)
        return started

    # -- results ----------------------------------------------------------------------

    def record_version(
        self,
        *,
        heads: dict[str, str],
        primary: str,
        commits: Iterable[CommitRow],
        author: str,
        message: str,
        now: float,
    ) -> int:
        """Record a new version of the sources' `heads` (rule R1); returns its number."""
        with self._tx():
            return self.versions.record(
                heads=heads,
                primary=primary,
                commits=commits,
                author=author,
                message=message,
                now=now,
            )

    def finish_build(
        self, version: int, *, ok: bool, artefacts: Sequence[ArtefactRow], detail: str, now: float
    ) -> None:
        """Record a build's outcome and its artefacts' digests."""
        with self._tx():
            self._results.finish_build(version, ok=ok, artefacts=artefacts, detail=detail, now=now)

    def finish_step(
        self, step_id: int, *, passed: bool, exit_code: int | None, detail: str, now: float
    ) -> None:
        """Record the outcome of a step whose process ended."""
        with self._tx():
            self._results.finish_step(
                step_id, passed=passed, exit_code=exit_code, detail=detail, now=now
            )

    def interrupt_step(self, step_id: int, *, detail: str, now: float) -> None:
        """Record a step the captain could not carry out as interrupted: it runs again."""
        with self._tx():
            self._results.interrupt_step(step_id, detail=detail, now=now)

    def record_checks(
        self, step_id: int, *, results: Sequence[tuple[str, bool, str]], now: float
    ) -> None:
        """Record one evaluation of a bake's monitors (rule R9)."""
        with self._tx():
            self._results.record_checks(step_id, results=results, now=now)

    def record_alarm_check(
        self, stage: str, *, alarming: Sequence[str], detail: str, now: float
    ) -> None:
        """Record the evaluation of a stage's `block_on_alarm` monitors before entry."""
        with self._tx():
            self._results.record_alarm_check(stage, alarming=alarming, detail=detail, now=now)

    def recover(self, *, now: float) -> int:
        """Record what a crash cut off as interrupted; returns how many (rule R10)."""
        with self._tx():
            self.notifications.recover(now=now)
            return self._results.recover(now=now)

    def note_waits(self, holds: Mapping[str, Hold], *, now: float) -> None:
        """Record each version that newly waits for a person at a stage's gate
        (`approval.waiting`); writes nothing when no wait is new."""
        new = self._waits.new(holds)
        if new:
            with self._tx():
                self._waits.record(new, now=now)

    def append_event(
        self,
        kind: str,
        *,
        now: float,
        detail: str = "",
        stage: str | None = None,
        version: int | None = None,
    ) -> None:
        """Record an event that changes no other state (engine started, source error)."""
        with self._tx():
            self.events.append(kind, at=now, detail=detail, stage=stage, version=version)

    # -- reading --------------------------------------------------------------------

    def load_state(self, pipeline: Pipeline, *, named: Iterable[int] = ()) -> State:
        """The current state the engine decides from (only what is current), plus the
        versions a person's request names."""
        try:
            return load_state(self.db, pipeline, named=tuple(named))
        except sqlite3.DatabaseError as error:
            raise explain_errors(error, self.path) from None

    def take_events(self) -> list[Event]:
        """The events written by this connection since the last call, oldest first."""
        return self.events.take()
