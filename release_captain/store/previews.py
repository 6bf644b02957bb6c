"""Provides the records of preview environments (SPEC §11): one row per branch, apart
from versions, stages and targets, so a preview never takes a `vN` nor enters a stage.

A row is written before its build and before its deploy (state `building`, then
`deploying`), so a preview a crash cut off is recorded as unfinished and is done again
by the next `captain preview` or the engine's watch (rule R10). Writes run inside the
caller's transaction (`Store.write()`), each with its audit event.
"""

from __future__ import annotations

import json
from typing import Literal

from msgspec import Struct

from release_captain.store.database import Database, ReadingConnection
from release_captain.store.events import EventLog

PreviewState = Literal["building", "deploying", "deployed", "failed", "tearing-down"]
#: States in which the preview's work is unfinished: a crash cut it off if nobody holds it.
UNFINISHED: tuple[PreviewState, ...] = ("building", "deploying", "tearing-down")


class PreviewRow(Struct, frozen=True, kw_only=True):
    """One branch's preview as recorded."""

    branch: str
    #: The branch made safe (`CAPTAIN_PREVIEW`).
    preview: str
    commit: str
    url: str | None
    state: PreviewState
    #: One sentence about the last outcome ("deploy exited 1").
    detail: str
    #: (name, sha256, size) of each artefact of the build the preview runs.
    artefacts: tuple[tuple[str, str, int], ...]
    updated_at: float


_COLUMNS = "branch, preview, commit_sha, url, state, detail, artefacts, updated_at"


class PreviewRecords:
    """The `previews` table."""

    def __init__(self, db: Database, events: EventLog) -> None:
        self._conn = ReadingConnection(db)
        self._events = events

    def get(self, branch: str) -> PreviewRow | None:
        """The preview of `branch`, or None."""
        return self._one("WHERE branch = ?", branch)

    def named(self, preview: str) -> PreviewRow | None:
        """The preview going by the safe name `preview`, or None."""
        return self._one("WHERE preview = ?", preview)

    def all(self) -> list[PreviewRow]:
        """Every preview, by branch."""
        rows = self._conn.execute(f"SELECT {_COLUMNS} FROM previews ORDER BY branch").fetchall()
        return [_row(r) for r in rows]

    def begin(
        self, branch: str, *, preview: str, commit: str, state: PreviewState, now: float
    ) -> None:
        """Record that work on `branch`'s preview at `commit` starts (before it runs)."""
        self._conn.execute(
            "INSERT INTO previews (branch, preview, commit_sha, state, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (branch) DO UPDATE SET "
            "commit_sha = excluded.commit_sha, state = excluded.state, detail = '', "
            "updated_at = excluded.updated_at",
            (branch, preview, commit, state, now),
        )

    def built(
        self, branch: str, *, artefacts: tuple[tuple[str, str, int], ...], now: float
    ) -> None:
        """Record the build's artefacts; the deploy comes next."""
        self._conn.execute(
            "UPDATE previews SET state = 'deploying', artefacts = ?, updated_at = ? "
            "WHERE branch = ?",
            (json.dumps(artefacts), now, branch),
        )

    def finish(self, branch: str, *, ok: bool, detail: str, url: str | None, now: float) -> None:
        """Record how the build, deploy or teardown ended, with its audit event."""
        row = self.get(branch)
        if row is None:
            return
        self._conn.execute(
            "UPDATE previews SET state = ?, detail = ?, url = ?, updated_at = ? WHERE branch = ?",
            ("deployed" if ok else "failed", detail, url if ok else row.url, now, branch),
        )
        kind = "preview.deployed" if ok else "preview.failed"
        where = f"{branch} ({row.preview}) at {row.commit[:12]}"
        self._events.append(kind, at=now, detail=f"{where}: {detail}")

    def forget(self, branch: str, *, detail: str, now: float) -> None:
        """Remove `branch`'s preview (its teardown succeeded), with its audit event."""
        row = self.get(branch)
        if row is None:
            return
        self._conn.execute("DELETE FROM previews WHERE branch = ?", (branch,))
        self._events.append("preview.down", at=now, detail=f"{branch} ({row.preview}): {detail}")

    def _one(self, where: str, value: str) -> PreviewRow | None:
        row = self._conn.execute(f"SELECT {_COLUMNS} FROM previews {where}", (value,)).fetchone()
        return None if row is None else _row(row)


def _row(row: tuple[object, ...]) -> PreviewRow:
    branch, preview, commit, url, state, detail, artefacts, updated_at = row
    return PreviewRow(
        branch=str(branch),
        preview=str(preview),
        commit=str(commit),
        url=None if url is None else str(url),
        state=state,  # type: ignore[arg-type]  # only this module writes it
        detail=str(detail),
        artefacts=tuple((str(n), str(s), int(z)) for n, s, z in json.loads(str(artefacts or "[]"))),
        updated_at=float(updated_at),  # type: ignore[arg-type]
    )
