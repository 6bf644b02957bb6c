"""Provides what people record: approvals (grants), rejections, gate modes and pauses,
and the request queue through which they reach a running engine (rule R11).

A request is inserted by any process and applied by the engine exactly once: it is
claimed and marked applied in the same transaction as its effect.
"""

from __future__ import annotations

import json

from msgspec import Struct

from release_captain.store.database import Database
from release_captain.store.events import EventLog


class Request(Struct, frozen=True, kw_only=True):
    """A person's command waiting for, or applied by, the engine."""

    id: int
    at: float
    kind: str
    args: dict[str, object]
    actor: str
    state: str
    result: dict[str, object]


class People:
    """Writes of people's decisions; each call runs inside the caller's transaction."""

    def __init__(self, db: Database, events: EventLog) -> None:
        self._conn = db.conn
        self._events = events

    def grant(
        self,
        *,
        stage: str,
        version: int,
        kind: str,
        actor: str,
        comment: str,
        override_blockers: bool,
        now: float,
    ) -> None:
        """Record a person's approval of a version's entry or sign-off in a stage."""
        self._conn.execute(
            "INSERT INTO grants (stage, version, kind, override_blockers, actor, comment, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (stage, version, kind, int(override_blockers), actor, comment, now),
        )
        if kind == "reject":
            kind_name, detail = "rejection.requested", "rejected while in flight"
        else:
            what = "entry" if kind == "entry" else "sign-off"
            extra = " overriding blockers" if override_blockers else ""
            kind_name, detail = "approval.granted", f"approved {what}{extra}"
        if comment:
            detail += f": {comment}"
        self._events.append(
            kind_name, at=now, version=version, stage=stage, actor=actor, detail=detail
        )

    def reject_candidate(
        self, *, stage: str, version: int, actor: str, comment: str, now: float
    ) -> None:
        """Reject a version in a stage it has not entered: it never will."""
        self._conn.execute(
            "INSERT INTO stage_versions (stage, version, state, finished_at, reason) "
            "VALUES (?, ?, 'rejected', ?, ?)",
            (stage, version, now, f"rejected by {actor}" + (f": {comment}" if comment else "")),
        )
        self._events.append(
            "stage.rejected",
            at=now,
            version=version,
            stage=stage,
            actor=actor,
            detail=comment or "rejected by a person",
        )

    def fail_running_steps(
        self, *, stage: str, version: int, actor: str, why: str, now: float
    ) -> list[int]:
        """Fail every running step of a version in a stage (a person rejected it there).

        Returns the ids of steps whose processes the engine must cut off.
        """
        return self._fail_running("stage = ? AND version = ?", (stage, version), actor, why, now)

    def fail_running_on_target(
        self, *, stage: str, target: str, actor: str, why: str, now: float
    ) -> list[int]:
        """Fail every step running on one target (a rollback pre-empts it).

        Returns the ids of steps whose processes the engine must cut off.
        """
        return self._fail_running("stage = ? AND target = ?", (stage, target), actor, why, now)

    def _fail_running(
        self, where: str, params: tuple[object, ...], actor: str, why: str, now: float
    ) -> list[int]:
        rows = self._conn.execute(
            f"SELECT id, stage, target, version, name FROM steps WHERE {where} "
            "AND state = 'running'",
            params,
        ).fetchall()
        for step_id, stage, target, version, name in rows:
            self._conn.execute(
                "UPDATE steps SET state = 'failed', finished_at = ?, detail = ?, checking = 0 "
                "WHERE id = ?",
                (now, why, step_id),
            )
            self._events.append(
                "step.failed",
                at=now,
                version=version,
                stage=stage,
                target=target,
                actor=actor,
                detail=f"{name}: {why}",
            )
        return [r[0] for r in rows]

    def reject_in_stage(
        self, *, stage: str, version: int, actor: str, why: str, now: float
    ) -> None:
        """Mark a version rejected in a stage whatever became of it there, so it is never
        deployed there automatically again (a rollback from it)."""
        row = self._conn.execute(
            "SELECT state FROM stage_versions WHERE stage = ? AND version = ?", (stage, version)
        ).fetchone()
        if row is None:
            self.reject_candidate(stage=stage, version=version, actor=actor, comment=why, now=now)
        elif row[0] == "in-flight":
            self.grant(
                stage=stage,
                version=version,
                kind="reject",
                actor=actor,
                comment=why,
                override_blockers=False,
                now=now,
            )
        elif row[0] != "rejected":
            self._conn.execute(
                "UPDATE stage_versions SET state = 'rejected', reason = ?, finished_at = ? "
                "WHERE stage = ? AND version = ?",
                (why, now, stage, version),
            )
            self._events.append(
                "stage.rejected", at=now, version=version, stage=stage, actor=actor, detail=why
            )

    def set_control(
        self,
        *,
        stage: str,
        actor: str,
        now: float,
        paused: bool | None = None,
        reason: str | None = None,
        promotion: str | None = None,
    ) -> None:
        """Pause, resume or switch the gate of a stage, recorded with who did it."""
        self._conn.execute("INSERT OR IGNORE INTO controls (stage) VALUES (?)", (stage,))
        if paused is not None:
            self._conn.execute(
                "UPDATE controls SET paused = ?, pause_reason = ? WHERE stage = ?",
                (int(paused), reason or "", stage),
            )
            kind, detail = ("stage.paused", reason or "") if paused else ("stage.resumed", "")
            self._events.append(kind, at=now, stage=stage, actor=actor, detail=detail)
        if promotion is not None:
            self._conn.execute(
                "UPDATE controls SET promotion = ? WHERE stage = ?", (promotion, stage)
            )
            self._events.append(
                "gate.switched", at=now, stage=stage, actor=actor, detail=f"promotion {promotion}"
            )

    # -- the request queue -------------------------------------------------------------

    def submit(self, *, kind: str, args: dict[str, object], actor: str, now: float) -> int:
        """Queue a request for the engine; returns its id."""
        cursor = self._conn.execute(
            "INSERT INTO requests (at, kind, args, actor) VALUES (?, ?, ?, ?)",
            (now, kind, json.dumps(args), actor),
        )
        return int(cursor.lastrowid or 0)

    def pending(self, limit: int = 500) -> list[Request]:
        """Requests not yet applied, oldest first."""
        return self._requests("WHERE state = 'pending' ORDER BY id LIMIT ?", (limit,))

    def request(self, request_id: int) -> Request | None:
        """One request with its state and result."""
        found = self._requests("WHERE id = ?", (request_id,))
        return found[0] if found else None

    def settle(self, request_id: int, *, ok: bool, result: dict[str, object], now: float) -> bool:
        """Mark a pending request applied (or failed); False if it was already settled."""
        cursor = self._conn.execute(
            "UPDATE requests SET state = ?, result = ?, applied_at = ? "
            "WHERE id = ? AND state = 'pending'",
            ("applied" if ok else "failed", json.dumps(result), now, request_id),
        )
        return cursor.rowcount == 1

    def _requests(self, clause: str, params: tuple[object, ...]) -> list[Request]:
        rows = self._conn.execute(
            f"SELECT id, at, kind, args, actor, state, result FROM requests {clause}", params
        ).fetchall()
        return [
            Request(
                id=r[0],
                at=r[1],
                kind=r[2],
                args=json.loads(r[3] or "{}"),
                actor=r[4],
                state=r[5],
                result=json.loads(r[6]) if r[6] else {},
            )
            for r in rows
        ]
