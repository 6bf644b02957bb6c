"""Provides `Store`: every write the engine's decisions and results make, each in one
transaction together with its audit event (rule R10), and loading the current `State`.

Only this package knows SQL. Writes happen in the engine's thread; readers (the CLI, the
TUI) open their own `Store` and read through WAL snapshots.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from msgspec import Struct

from release_captain.config.model import Pipeline
from release_captain.engine.decisions import (
    CheckAlarms,
    CheckMonitors,
    Decision,
    EnterStage,
    FinishStep,
    FinishTarget,
    PassStage,
    RejectStage,
    StartBuild,
    StartStep,
    Supersede,
)
from release_captain.engine.state import State
from release_captain.store.database import Database, explain_errors, open_database, transaction
from release_captain.store.events import Event, EventLog
from release_captain.store.loading import load_state
from release_captain.store.people import People
from release_captain.store.views import Views
from release_captain.wording import version_name


class StartedStep(Struct, frozen=True, kw_only=True):
    """A step recorded as running whose process the runtime must now start."""

    step_id: int
    decision: StartStep
    attempt: int
    log: Path


class StartedBuild(Struct, frozen=True, kw_only=True):
    """A build recorded as running that the runtime must now perform."""

    version: int
    log: Path


class StartedCheck(Struct, frozen=True, kw_only=True):
    """A bake's monitors are due for an evaluation (the step is marked `checking`)."""

    step_id: int
    stage: str
    target: str
    version: int
    index: int
    onebox: bool
    log: Path


class StartedAlarmCheck(Struct, frozen=True, kw_only=True):
    """A stage's `block_on_alarm` monitors must be evaluated before it takes `version`."""

    stage: str
    version: int


Started = StartedStep | StartedBuild | StartedCheck | StartedAlarmCheck


class ArtefactRow(Struct, frozen=True, kw_only=True):
    """An artefact of a version as recorded: its name, digest and size."""

    name: str
    sha256: str
    size: int


class CommitRow(Struct, frozen=True, kw_only=True):
    """A commit a version includes, as recorded for `where` and the versions list."""

    source: str
    sha: str
    author: str
    summary: str
    committed_at: float | None


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
        self.people = People(self.db, self.events)

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

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        try:
            cursor = self.db.conn.execute(sql, params)
        except sqlite3.DatabaseError as error:
            raise explain_errors(error, self.path) from None
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]  # type: ignore[misc]

    # -- sources and versions (rule R1) -------------------------------------------

    def source_heads(self) -> dict[str, str]:
        """source name -> the newest head the captain has seen and recorded."""
        return {r["source"]: r["commit_sha"] for r in self._query("SELECT * FROM source_heads")}

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
        """Record a new version of the sources' `heads`, with the commits it includes."""
        commits = list(commits)
        with self._tx() as db:
            row = db.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM versions").fetchone()
            number = int(row[0])
            db.execute(
                "INSERT INTO versions (number, created_at, commit_sha, author, message) "
                "VALUES (?, ?, ?, ?, ?)",
                (number, now, heads[primary], author, message),
            )
            db.conn.executemany(
                "INSERT INTO version_sources (version, source, commit_sha) VALUES (?, ?, ?)",
                [(number, s, sha) for s, sha in heads.items()],
            )
            db.conn.executemany(
                "INSERT INTO version_commits "
                "(version, source, commit_sha, author, summary, committed_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(number, c.source, c.sha, c.author, c.summary, c.committed_at) for c in commits],
            )
            db.conn.executemany(
                "INSERT INTO source_heads (source, commit_sha, seen_at) VALUES (?, ?, ?) "
                "ON CONFLICT(source) DO UPDATE SET commit_sha = excluded.commit_sha, "
                "seen_at = excluded.seen_at",
                [(s, sha, now) for s, sha in heads.items()],
            )
            summary = message.splitlines()[0] if message else ""
            self.events.append(
                "version.detected",
                at=now,
                version=number,
                detail=f"{heads[primary][:10]} {summary}".strip()
                + (f" ({len(commits)} commits)" if len(commits) > 1 else ""),
            )
        return number

    def version_heads(self, version: int) -> dict[str, str]:
        """source name -> the commit the version was built from."""
        rows = self._query(
            "SELECT source, commit_sha FROM version_sources WHERE version = ?", (version,)
        )
        return {r["source"]: r["commit_sha"] for r in rows}

    def version_info(self, version: int) -> dict[str, object] | None:
        """The version's row (commit, author, message, build state), or None."""
        rows = self._query("SELECT * FROM versions WHERE number = ?", (version,))
        return rows[0] if rows else None

    def version_commits(self, version: int) -> list[CommitRow]:
        """The commits the version includes, newest first per source."""
        rows = self._query(
            "SELECT * FROM version_commits WHERE version = ? ORDER BY rowid", (version,)
        )
        return [
            CommitRow(
                source=r["source"],
                sha=r["commit_sha"],
                author=r["author"],
                summary=r["summary"],
                committed_at=r["committed_at"],
            )
            for r in rows
        ]

    # -- builds (rule R2) ---------------------------------------------------------

    def finish_build(
        self,
        version: int,
        *,
        ok: bool,
        artefacts: Sequence[ArtefactRow],
        detail: str,
        now: float,
    ) -> None:
        """Record a build's outcome and its artefacts' digests."""
        with self._tx() as db:
            db.execute(
                "UPDATE versions SET build = ?, build_finished_at = ?, build_detail = ? "
                "WHERE number = ? AND build = 'building'",
                ("succeeded" if ok else "failed", now, detail, version),
            )
            db.conn.executemany(
                "INSERT OR REPLACE INTO artefacts (version, name, sha256, size) "
                "VALUES (?, ?, ?, ?)",
                [(version, a.name, a.sha256, a.size) for a in artefacts],
            )
            self.events.append(
                "build.succeeded" if ok else "build.failed",
                at=now,
                version=version,
                detail=detail,
            )

    def artefacts(self, version: int) -> list[ArtefactRow]:
        """The artefacts recorded for the version, by name."""
        rows = self._query(
            "SELECT name, sha256, size FROM artefacts WHERE version = ? ORDER BY name",
            (version,),
        )
        return [ArtefactRow(**r) for r in rows]

    # -- decisions ------------------------------------------------------------------

    def apply(self, decisions: Sequence[Decision], *, now: float) -> list[Started]:
        """Record every decision of a pass in one transaction, before any is acted on.

        Returns the started steps and builds whose effects the runtime must now run.
        """
        started: list[Started] = []
        with self._tx():
            for decision in decisions:
                effect = self._apply_one(decision, now)
                if effect is not None:
                    started.append(effect)
        return started

    def _apply_one(self, decision: Decision, now: float) -> Started | None:
        db = self.db
        match decision:
            case StartBuild(version=version, reason=reason):
                attempts = db.execute(
                    "SELECT build_attempts FROM versions WHERE number = ?", (version,)
                ).fetchone()[0]
                log = self.logs / version_name(version) / _numbered("build", attempts + 1)
                db.execute(
                    "UPDATE versions SET build = 'building', build_started_at = ?, "
                    "build_attempts = build_attempts + 1, build_log = ? WHERE number = ?",
                    (now, str(log), version),
                )
                self.events.append("build.started", at=now, version=version, detail=reason)
                return StartedBuild(version=version, log=log)
            case EnterStage(stage=stage, version=version, reason=reason):
                db.execute(
                    "INSERT INTO stage_versions (stage, version, state, entered_at, reason) "
                    "VALUES (?, ?, 'in-flight', ?, ?)",
                    (stage, version, now, reason),
                )
                self.events.append(
                    "stage.entered", at=now, version=version, stage=stage, detail=reason
                )
            case Supersede(stage=stage, version=version, reason=reason):
                db.execute(
                    "INSERT INTO stage_versions (stage, version, state, finished_at, reason) "
                    "VALUES (?, ?, 'superseded', ?, ?)",
                    (stage, version, now, reason),
                )
                self.events.append(
                    "stage.superseded", at=now, version=version, stage=stage, detail=reason
                )
            case StartStep():
                return self._start_step(decision, now)
            case FinishStep(step_id=step_id, passed=passed, reason=reason):
                self._finish_step(step_id, passed=passed, exit_code=None, detail=reason, now=now)
            case FinishTarget():
                self._finish_target(decision, now)
            case CheckMonitors(step_id=step_id):
                db.execute("UPDATE steps SET checking = 1 WHERE id = ?", (step_id,))
                row = db.execute(
                    "SELECT stage, target, version, idx, onebox, log FROM steps WHERE id = ?",
                    (step_id,),
                ).fetchone()
                return StartedCheck(
                    step_id=step_id,
                    stage=row[0],
                    target=row[1],
                    version=row[2],
                    index=row[3],
                    onebox=bool(row[4]),
                    log=Path(row[5]),
                )
            case CheckAlarms(stage=stage, version=version):
                db.execute(
                    "INSERT INTO alarm_checks (stage, version, running) VALUES (?, ?, 1) "
                    "ON CONFLICT(stage) DO UPDATE SET running = 1, version = excluded.version",
                    (stage, version),
                )
                return StartedAlarmCheck(stage=stage, version=version)
            case (
                PassStage(stage=stage, version=version, reason=reason)
                | RejectStage(stage=stage, version=version, reason=reason)
            ):
                state = "passed" if isinstance(decision, PassStage) else "rejected"
                db.execute(
                    "UPDATE stage_versions SET state = ?, finished_at = ?, reason = ? "
                    "WHERE stage = ? AND version = ?",
                    (state, now, reason, stage, version),
                )
                self.events.append(
                    f"stage.{state}", at=now, version=version, stage=stage, detail=reason
                )
        return None

    def _start_step(self, decision: StartStep, now: float) -> StartedStep:
        db = self.db
        step = decision.step
        key = (decision.stage, decision.target, decision.version)
        db.execute(
            "INSERT OR IGNORE INTO deployments (stage, target, version, state, started_at) "
            "VALUES (?, ?, ?, 'running', ?)",
            (*key, now),
        )
        attempt = (
            1
            + db.execute(
                "SELECT COUNT(*) FROM steps WHERE stage = ? AND target = ? AND version = ? "
                "AND idx = ?",
                (*key, step.index),
            ).fetchone()[0]
        )
        log = (
            self.logs
            / version_name(decision.version)
            / decision.stage
            / decision.target
            / _numbered(f"{step.index:02d}-{step.name}", attempt)
        )
        cursor = db.execute(
            "INSERT INTO steps (stage, target, version, idx, name, kind, onebox, state, "
            "attempt, started_at, log, to_version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)",
            (*key, step.index, step.name, step.kind, int(step.onebox), attempt, now)
            + (str(log), decision.to),
        )
        if step.kind == "rollback":
            db.execute(
                "UPDATE targets SET state = 'rolling_back', updated_at = ? "
                "WHERE stage = ? AND target = ?",
                (now, decision.stage, decision.target),
            )
        else:
            target_state = "deploying" if step.is_deploy else "verifying"
            db.execute(
                "INSERT INTO targets (stage, target, version, state, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(stage, target) DO UPDATE SET "
                "version = excluded.version, state = excluded.state, "
                "updated_at = excluded.updated_at",
                (decision.stage, decision.target, decision.version, target_state, now),
            )
        where = "onebox " if step.onebox else ""
        self.events.append(
            "step.started",
            at=now,
            version=decision.version,
            stage=decision.stage,
            target=decision.target,
            detail=f"{where}{step.name}"
            + (f" to {version_name(decision.to)}" if decision.to is not None else "")
            + (f" (attempt {attempt})" if attempt > 1 else "")
            + (f": {decision.reason}" if step.kind == "rollback" else ""),
        )
        return StartedStep(
            step_id=int(cursor.lastrowid or 0), decision=decision, attempt=attempt, log=log
        )

    def _finish_target(self, decision: FinishTarget, now: float) -> None:
        db = self.db
        state = "succeeded" if decision.succeeded else "failed"
        db.execute(
            "UPDATE deployments SET state = ?, finished_at = ?, detail = ? "
            "WHERE stage = ? AND target = ? AND version = ?",
            (state, now, decision.reason, decision.stage, decision.target, decision.version),
        )
        good = ", last_good = ?" if decision.succeeded else ""
        params: list[object] = [state, now]
        if decision.succeeded:
            params.append(decision.version)
        # Only a target that still runs the version takes its outcome: one a person
        # already rolled back keeps saying so.
        db.execute(
            f"UPDATE targets SET state = ?, updated_at = ?{good} "
            "WHERE stage = ? AND target = ? AND version = ?",
            (*params, decision.stage, decision.target, decision.version),
        )
        self.events.append(
            f"target.{state}",
            at=now,
            version=decision.version,
            stage=decision.stage,
            target=decision.target,
            detail=decision.reason,
        )

    def finish_step(
        self, step_id: int, *, passed: bool, exit_code: int | None, detail: str, now: float
    ) -> None:
        """Record the outcome of a step whose process ended."""
        with self._tx():
            self._finish_step(step_id, passed=passed, exit_code=exit_code, detail=detail, now=now)

    def _finish_step(
        self, step_id: int, *, passed: bool, exit_code: int | None, detail: str, now: float
    ) -> None:
        db = self.db
        row = db.execute(
            "SELECT stage, target, version, name, onebox, kind, to_version FROM steps "
            "WHERE id = ? AND state = 'running'",
            (step_id,),
        ).fetchone()
        if row is None:
            return
        state = "passed" if passed else "failed"
        db.execute(
            "UPDATE steps SET state = ?, finished_at = ?, exit_code = ?, detail = ?, "
            "checking = 0 WHERE id = ?",
            (state, now, exit_code, detail, step_id),
        )
        stage, target, version, name, onebox, kind, to_version = row
        if kind == "rollback":
            self._finish_rollback(stage, target, version, to_version, passed, detail, now)
            return
        self.events.append(
            f"step.{state}",
            at=now,
            version=version,
            stage=stage,
            target=target,
            detail=f"{'onebox ' if onebox else ''}{name}: {detail}",
        )

    def record_checks(
        self, step_id: int, *, results: Sequence[tuple[str, bool, str]], now: float
    ) -> None:
        """Record one evaluation of a bake's monitors: (monitor, ok, output) each.

        Any ALARM fails the bake at once with the monitor's output (rule R9).
        """
        with self._tx() as db:
            row = db.execute(
                "SELECT checks FROM steps WHERE id = ? AND state = 'running'", (step_id,)
            ).fetchone()
            if row is None:
                return
            counts = dict(json.loads(row[0] or "[]"))
            for monitor, _ok, _output in results:
                counts[monitor] = counts.get(monitor, 0) + 1
            db.execute(
                "UPDATE steps SET checks = ?, last_check_at = ?, checking = 0 WHERE id = ?",
                (json.dumps(sorted(counts.items())), now, step_id),
            )
            alarms = [(m, out) for m, ok, out in results if not ok]
            if alarms:
                detail = "; ".join(f"monitor {m} in ALARM: {out}" for m, out in alarms)
                self._finish_step(step_id, passed=False, exit_code=None, detail=detail, now=now)

    def record_alarm_check(
        self, stage: str, *, alarming: Sequence[str], detail: str, now: float
    ) -> None:
        """Record the evaluation of a stage's `block_on_alarm` monitors before entry."""
        with self._tx() as db:
            previous = db.execute(
                "SELECT alarming FROM alarm_checks WHERE stage = ?", (stage,)
            ).fetchone()
            db.execute(
                "UPDATE alarm_checks SET checked_at = ?, alarming = ?, running = 0, detail = ? "
                "WHERE stage = ?",
                (now, json.dumps(list(alarming)), detail, stage),
            )
            was = json.loads(previous[0]) if previous else []
            if alarming and list(alarming) != was:
                self.events.append("stage.alarm", at=now, stage=stage, detail=detail)
            elif was and not alarming:
                self.events.append(
                    "stage.alarm-cleared", at=now, stage=stage, detail="every monitor is OK"
                )

    def _finish_rollback(
        self,
        stage: str,
        target: str,
        version: int,
        to_version: int,
        passed: bool,
        detail: str,
        now: float,
    ) -> None:
        """A rollback's own outcome: the target runs its last good version, or is failed."""
        if passed:
            self.db.execute(
                "UPDATE targets SET version = ?, state = 'rolled_back', last_good = ?, "
                "updated_at = ? WHERE stage = ? AND target = ?",
                (to_version, to_version, now, stage, target),
            )
        else:
            self.db.execute(
                "UPDATE targets SET state = 'failed', updated_at = ? "
                "WHERE stage = ? AND target = ?",
                (now, stage, target),
            )
        self.events.append(
            "rollback.succeeded" if passed else "rollback.failed",
            at=now,
            version=version,
            stage=stage,
            target=target,
            detail=f"from {version_name(version)} to {version_name(to_version)}: {detail}",
        )

    # -- crash recovery (rule R10) ----------------------------------------------------

    def recover(self, *, now: float) -> int:
        """Record builds and process steps a crash cut off as interrupted.

        The engine runs them again on its next pass, from the start (a bake's monitors
        went unobserved, so it starts from zero). Fixed waits and sign-offs run no
        process and simply carry on. Returns how many were interrupted.
        """
        with self._tx() as db:
            steps = db.execute(
                "SELECT id, stage, target, version, name FROM steps "
                "WHERE state = 'running' AND kind NOT IN ('wait', 'manual')"
            ).fetchall()
            for step_id, stage, target, version, name in steps:
                db.execute(
                    "UPDATE steps SET state = 'interrupted', finished_at = ?, "
                    "detail = 'cut off when the engine stopped' WHERE id = ?",
                    (now, step_id),
                )
                self.events.append(
                    "step.interrupted",
                    at=now,
                    version=version,
                    stage=stage,
                    target=target,
                    detail=f"{name} was cut off when the engine stopped; it will run again",
                )
            db.execute("UPDATE alarm_checks SET running = 0")
            db.execute("UPDATE steps SET checking = 0 WHERE checking = 1")
            builds = db.execute("SELECT number FROM versions WHERE build = 'building'").fetchall()
            for (number,) in builds:
                db.execute("UPDATE versions SET build = 'pending' WHERE number = ?", (number,))
                self.events.append(
                    "build.interrupted",
                    at=now,
                    version=number,
                    detail="the build was cut off when the engine stopped; it will run again",
                )
        return len(steps) + len(builds)

    # -- reading --------------------------------------------------------------------

    def load_state(self, pipeline: Pipeline) -> State:
        """The current state the engine decides from (only what is current)."""
        try:
            return load_state(self.db, pipeline)
        except sqlite3.DatabaseError as error:
            raise explain_errors(error, self.path) from None

    def take_events(self) -> list[Event]:
        """The events written by this connection since the last call, oldest first."""
        return self.events.take()

    def write(self) -> AbstractContextManager[Database]:
        """A write transaction for callers that combine several `people` writes."""
        return self._tx()

    def append_event(self, kind: str, *, now: float, detail: str = "", **where: object) -> None:
        """Record an event that changes no other state (engine started, source error)."""
        with self._tx():
            self.events.append(kind, at=now, detail=detail, **where)  # type: ignore[arg-type]


def _numbered(stem: str, attempt: int) -> str:
    """A log file name; later attempts get their own file, so no output is lost."""
    return f"{stem}.log" if attempt <= 1 else f"{stem}.{attempt}.log"


def dumps(value: object) -> str:
    """JSON for the store's text columns."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)
