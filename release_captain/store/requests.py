"""Provides the request queue through which people's commands reach a running engine
(rule R11).

A request is inserted by any process and applied by the engine exactly once: it is
claimed and marked applied in the same transaction as its effect.
"""

from __future__ import annotations

import json

from msgspec import Struct

from release_captain.store.database import Database, ReadingConnection


class QueuedRequest(Struct, frozen=True, kw_only=True):
    """A person's command waiting for, or applied by, the engine."""

    id: int
    at: float
    kind: str
    args: dict[str, object]
    actor: str
    state: str
    result: dict[str, object]


class RequestQueue:
    """Queued requests; writes run inside the caller's transaction."""

    def __init__(self, db: Database) -> None:
        self._conn = ReadingConnection(db)

    def submit(self, *, kind: str, args: dict[str, object], actor: str, now: float) -> int:
        """Queue a request for the engine; returns its id."""
        cursor = self._conn.execute(
            "INSERT INTO requests (at, kind, args, actor) VALUES (?, ?, ?, ?)",
            (now, kind, json.dumps(args), actor),
        )
        return int(cursor.lastrowid or 0)

    def pending(self, limit: int = 500) -> list[QueuedRequest]:
        """Requests not yet applied, oldest first."""
        return self._requests("WHERE state = 'pending' ORDER BY id LIMIT ?", (limit,))

    def request(self, request_id: int) -> QueuedRequest | None:
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

    def _requests(self, clause: str, params: tuple[object, ...]) -> list[QueuedRequest]:
        rows = self._conn.execute(
            f"SELECT id, at, kind, args, actor, state, result FROM requests {clause}", params
        ).fetchall()
        return [
            QueuedRequest(
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
