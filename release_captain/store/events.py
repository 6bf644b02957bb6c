"""Provides the append-only event log: the audit trail of every state change.

Events are written in the same transaction as the change they describe, with strictly
increasing ids that are never reused (AUTOINCREMENT), so `captain history` is complete
and ordered even across crashes.
"""

from __future__ import annotations

from msgspec import Struct

from release_captain.store.database import Database, ReadingConnection
from release_captain.wording import iso, version_name


class Event(Struct, frozen=True, kw_only=True):
    """One recorded change."""

    id: int
    at: float
    kind: str
    version: int | None = None
    stage: str | None = None
    target: str | None = None
    actor: str = "captain"
    detail: str = ""


def event_json(event: Event) -> dict[str, object]:
    """One line of `captain history --json`, and what a notify command reads on stdin:
    one shape for both, so a script written against one reads the other."""
    return {
        "id": event.id,
        "at": iso(event.at),
        "kind": event.kind,
        "version": None if event.version is None else version_name(event.version),
        "stage": event.stage,
        "target": event.target,
        "actor": event.actor,
        "detail": event.detail,
    }


class EventLog:
    """Appends events and remembers the ones this connection wrote, for the reporter."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._written: list[Event] = []

    def append(
        self,
        kind: str,
        *,
        at: float,
        version: int | None = None,
        stage: str | None = None,
        target: str | None = None,
        actor: str = "captain",
        detail: str = "",
    ) -> Event:
        """Insert one event (inside the caller's transaction)."""
        cursor = self._db.conn.execute(
            "INSERT INTO events (at, kind, version, stage, target, actor, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (at, kind, version, stage, target, actor, detail),
        )
        event = Event(
            id=int(cursor.lastrowid or 0),
            at=at,
            kind=kind,
            version=version,
            stage=stage,
            target=target,
            actor=actor,
            detail=detail,
        )
        self._written.append(event)
        return event

    def mark(self) -> int:
        """A position to `forget_after` when a transaction rolls back."""
        return len(self._written)

    def forget_after(self, mark: int) -> None:
        """Drop events of a transaction that rolled back: they were never recorded."""
        del self._written[mark:]

    def take(self) -> list[Event]:
        """The events written since the last call, oldest first."""
        taken, self._written = self._written, []
        return taken

    def history(
        self,
        *,
        stage: str | None = None,
        target: str | None = None,
        version: int | None = None,
        after: int = 0,
        limit: int | None = None,
    ) -> list[Event]:
        """Recorded events matching the filters, oldest first; `limit` keeps the newest."""
        clauses: list[str] = ["id > ?"]
        params: list[object] = [after]
        for column, value in (("stage", stage), ("target", target), ("version", version)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        sql = f"SELECT * FROM events WHERE {' AND '.join(clauses)} ORDER BY id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        cursor = ReadingConnection(self._db).execute(sql, params)
        names = [c[0] for c in cursor.description]
        rows = [Event(**dict(zip(names, row, strict=True))) for row in cursor.fetchall()]
        rows.reverse()
        return rows
