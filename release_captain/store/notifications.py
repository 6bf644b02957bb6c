"""Provides the record of notifications (SPEC §11): which `[[notify]]` entry was started
for which event, so an event is notified at most once, even across a crash.

A notification is claimed — its row written, in one transaction with the cursor that
says which events have been matched — before its command starts, and a claimed one is
never started again: a crash between the claim and the command's end loses that one
notification rather than sending it twice. Events recorded while no engine ran, or in
the moment before a crash, are still after the cursor and are matched at the next pass.
"""

from __future__ import annotations

from pathlib import Path

from msgspec import Struct

from release_captain.config.model import Notify
from release_captain.store.database import Database
from release_captain.store.events import Event, EventLog

#: The most events matched in one pass, so a long outage's backlog cannot stall the loop.
BATCH = 500


class Notification(Struct, frozen=True, kw_only=True):
    """One notification claimed: the event, the `[[notify]]` entry's index and its log."""

    event: Event
    entry: int
    log: Path


class Notifications:
    """Claims and finishes notifications inside the store's transactions."""

    def __init__(self, db: Database, events: EventLog, logs: Path) -> None:
        self._db = db
        self._events = events
        self._logs = logs

    def pending(self) -> bool:
        """True when events were recorded after the cursor (a cheap read, so an idle
        engine does not take the write lock)."""
        row = self._db.execute(
            "SELECT (SELECT MAX(id) FROM events) > last_event FROM notify_cursor"
        ).fetchone()
        return bool(row and row[0])

    def claim(self, entries: tuple[Notify, ...], *, now: float) -> list[Notification]:
        """Match the events after the cursor against `entries`, record a row for each
        notification to start and move the cursor past them (inside the caller's
        transaction); the notifications to start now."""
        (cursor,) = self._db.execute("SELECT last_event FROM notify_cursor").fetchone()
        rows = self._db.execute(
            "SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?", (cursor, BATCH)
        )
        names = [c[0] for c in rows.description]
        events = [Event(**dict(zip(names, row, strict=True))) for row in rows.fetchall()]
        claimed = []
        for event in events:
            for index, entry in enumerate(entries):
                if not entry.wants(event.kind):
                    continue
                log = self._logs / "notify" / f"event-{event.id}-notify-{index}.log"
                self._db.execute(
                    "INSERT INTO notifications (event_id, entry, started_at, log) "
                    "VALUES (?, ?, ?, ?)",
                    (event.id, index, now, str(log)),
                )
                claimed.append(Notification(event=event, entry=index, log=log))
        if events:
            self._db.execute("UPDATE notify_cursor SET last_event = ?", (events[-1].id,))
        return claimed

    def finish(self, notification: Notification, *, ok: bool, detail: str, now: float) -> None:
        """Record how a notification ended; a failure becomes a `notify.failed` event
        about the same version, stage and target, and changes nothing else."""
        event = notification.event
        self._db.execute(
            "UPDATE notifications SET finished_at = ?, ok = ?, detail = ? "
            "WHERE event_id = ? AND entry = ?",
            (now, int(ok), detail, event.id, notification.entry),
        )
        if not ok:
            self._failed(event.id, notification.entry, detail, now)

    def recover(self, *, now: float) -> None:
        """Record notifications a crash cut off as failed: they are not sent again."""
        rows = self._db.execute(
            "SELECT event_id, entry FROM notifications WHERE finished_at IS NULL"
        ).fetchall()
        detail = "cut off when the engine stopped; not sent again"
        for event_id, entry in rows:
            self._db.execute(
                "UPDATE notifications SET finished_at = ?, ok = 0, detail = ? "
                "WHERE event_id = ? AND entry = ?",
                (now, detail, event_id, entry),
            )
            self._failed(event_id, entry, detail, now)

    def _failed(self, event_id: int, entry: int, detail: str, now: float) -> None:
        row = self._db.execute(
            "SELECT kind, version, stage, target FROM events WHERE id = ?", (event_id,)
        ).fetchone()
        kind, version, stage, target = row or ("?", None, None, None)
        self._events.append(
            "notify.failed",
            at=now,
            version=version,
            stage=stage,
            target=target,
            detail=f"notify[{entry}] for event {event_id} ({kind}) {detail}",
        )
