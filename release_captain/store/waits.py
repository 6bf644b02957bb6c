"""Provides recording when a version starts waiting for a person to let it into a stage
(a manual gate): one `approval.waiting` event per wait (SPEC §11), for notifications.

The engine says on every pass which versions wait and why (its `holds`); only the first
pass that sees a wait records it. A sign-off inside a stage is recorded where its step
starts (`store.recording`).
"""

from __future__ import annotations

from collections.abc import Mapping

from release_captain.engine.gates import Hold
from release_captain.store.database import Database
from release_captain.store.events import EventLog


class PersonWaits:
    """Records each new wait for a person's approval at a stage's gate."""

    def __init__(self, db: Database, events: EventLog) -> None:
        self._db = db
        self._events = events
        #: Waits known to be recorded, so a steady wait costs no query per pass.
        self._known: set[tuple[str, int]] = set()

    def new(self, holds: Mapping[str, Hold]) -> list[tuple[str, Hold]]:
        """The holds that wait for a person and are not recorded yet (a read only)."""
        found = []
        for stage, hold in holds.items():
            key = (stage, hold.version)
            if hold.reason != "manual-approval" or key in self._known:
                continue
            row = self._db.execute(
                "SELECT 1 FROM person_waits WHERE stage = ? AND version = ?", key
            ).fetchone()
            if row is None:
                found.append((stage, hold))
            else:
                self._known.add(key)
        return found

    def record(self, waits: list[tuple[str, Hold]], *, now: float) -> None:
        """Record each wait and its event (inside the caller's transaction)."""
        for stage, hold in waits:
            self._db.execute(
                "INSERT OR IGNORE INTO person_waits (stage, version, since) VALUES (?, ?, ?)",
                (stage, hold.version, now),
            )
            self._events.append(
                "approval.waiting", at=now, version=hold.version, stage=stage, detail=hold.detail
            )
            self._known.add((stage, hold.version))
