"""Provides recording what happened when the runtime acted: a build's, a step's or a
monitor evaluation's outcome, and what a crash cut off (rule R10). Each call runs inside
the caller's transaction, with its audit event."""

from __future__ import annotations

import json
from collections.abc import Sequence

from release_captain.store.database import Database
from release_captain.store.events import EventLog
from release_captain.store.records import ArtefactRow
from release_captain.wording import version_name


class Results:
    """Writes outcomes inside the caller's transaction."""

    def __init__(self, db: Database, events: EventLog) -> None:
        self._db = db
        self._events = events

    def finish_build(
        self,
        version: int,
        *,
        ok: bool,
        artefacts: Sequence[ArtefactRow],
        detail: str,
        now: float,
    ) -> None:
        """A build's outcome and its artefacts' digests (rule R2)."""
        self._db.execute(
            "UPDATE versions SET build = ?, build_finished_at = ?, build_detail = ? "
            "WHERE number = ? AND build = 'building'",
            ("succeeded" if ok else "failed", now, detail, version),
        )
        self._db.conn.executemany(
            "INSERT OR REPLACE INTO artefacts (version, name, sha256, size) VALUES (?, ?, ?, ?)",
            [(version, a.name, a.sha256, a.size) for a in artefacts],
        )
        kind = "build.succeeded" if ok else "build.failed"
        self._events.append(kind, at=now, version=version, detail=detail)

    def finish_step(
        self, step_id: int, *, passed: bool, exit_code: int | None, detail: str, now: float
    ) -> None:
        """A step's outcome; nothing when it is no longer running (a person stopped it)."""
        row = self._db.execute(
            "SELECT stage, target, version, name, onebox, kind, to_version FROM steps "
            "WHERE id = ? AND state = 'running'",
            (step_id,),
        ).fetchone()
        if row is None:
            return
        state = "passed" if passed else "failed"
        self._db.execute(
            "UPDATE steps SET state = ?, finished_at = ?, exit_code = ?, detail = ?, "
            "checking = 0 WHERE id = ?",
            (state, now, exit_code, detail, step_id),
        )
        stage, target, version, name, onebox, kind, to_version = row
        if kind == "rollback":
            self._finish_rollback(stage, target, version, to_version, passed, detail, now)
            return
        self._events.append(
            f"step.{state}",
            at=now,
            version=version,
            stage=stage,
            target=target,
            detail=f"{'onebox ' if onebox else ''}{name}: {detail}",
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
        """A rollback's own outcome: the target runs the version it went back to, or is
        failed."""
        if passed:
            self._db.execute(
                "UPDATE targets SET version = ?, state = 'rolled_back', updated_at = ? "
                "WHERE stage = ? AND target = ?",
                (to_version, now, stage, target),
            )
        else:
            self._db.execute(
                "UPDATE targets SET state = 'failed', updated_at = ? "
                "WHERE stage = ? AND target = ?",
                (now, stage, target),
            )
        self._events.append(
            "rollback.succeeded" if passed else "rollback.failed",
            at=now,
            version=version,
            stage=stage,
            target=target,
            detail=f"from {version_name(version)} to {version_name(to_version)}: {detail}",
        )

    def record_checks(
        self, step_id: int, *, results: Sequence[tuple[str, bool, str]], now: float
    ) -> None:
        """One evaluation of a bake's monitors: (monitor, ok, output) each. Any ALARM
        fails the bake at once with the monitor's output (rule R9)."""
        row = self._db.execute(
            "SELECT checks FROM steps WHERE id = ? AND state = 'running'", (step_id,)
        ).fetchone()
        if row is None:
            return
        counts = dict(json.loads(row[0] or "[]"))
        for monitor, _ok, _output in results:
            counts[monitor] = counts.get(monitor, 0) + 1
        self._db.execute(
            "UPDATE steps SET checks = ?, last_check_at = ?, checking = 0 WHERE id = ?",
            (json.dumps(sorted(counts.items())), now, step_id),
        )
        alarms = [(m, out) for m, ok, out in results if not ok]
        if alarms:
            detail = "; ".join(f"monitor {m} in ALARM: {out}" for m, out in alarms)
            self.finish_step(step_id, passed=False, exit_code=None, detail=detail, now=now)

    def record_alarm_check(
        self, stage: str, *, alarming: Sequence[str], detail: str, now: float
    ) -> None:
        """The evaluation of a stage's `block_on_alarm` monitors before entry (rule R4)."""
        previous = self._db.execute(
            "SELECT alarming FROM alarm_checks WHERE stage = ?", (stage,)
        ).fetchone()
        self._db.execute(
            "UPDATE alarm_checks SET checked_at = ?, alarming = ?, running = 0, detail = ? "
            "WHERE stage = ?",
            (now, json.dumps(list(alarming)), detail, stage),
        )
        was = json.loads(previous[0]) if previous else []
        if alarming and list(alarming) != was:
            self._events.append("stage.alarm", at=now, stage=stage, detail=detail)
        elif was and not alarming:
            self._events.append(
                "stage.alarm-cleared", at=now, stage=stage, detail="every monitor is OK"
            )

    def interrupt_step(self, step_id: int, *, detail: str, now: float) -> None:
        """A running step the captain itself could not carry out: it runs again."""
        row = self._db.execute(
            "SELECT stage, target, version, name FROM steps WHERE id = ? AND state = 'running'",
            (step_id,),
        ).fetchone()
        if row is None:
            return
        self._db.execute(
            "UPDATE steps SET state = 'interrupted', finished_at = ?, detail = ? WHERE id = ?",
            (now, detail, step_id),
        )
        stage, target, version, name = row
        self._events.append(
            "step.interrupted",
            at=now,
            version=version,
            stage=stage,
            target=target,
            detail=f"{name}: {detail}; it will run again",
        )

    def recover(self, *, now: float) -> int:
        """Record builds and process steps a crash cut off as interrupted (rule R10).

        The engine runs them again on its next pass, from the start (a bake's monitors
        went unobserved, so it starts from zero). Fixed waits and sign-offs run no
        process and simply carry on. Returns how many were interrupted.
        """
        db = self._db
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
            self._events.append(
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
            self._events.append(
                "build.interrupted",
                at=now,
                version=number,
                detail="the build was cut off when the engine stopped; it will run again",
            )
        return len(steps) + len(builds)
