"""Provides the record of versions (rule R1): the sources' heads as last seen, each new
version with the commits it includes, and what a version was built from and into."""

from __future__ import annotations

from collections.abc import Iterable

from release_captain.store.database import Database
from release_captain.store.events import EventLog
from release_captain.store.records import ArtefactRow, CommitRow


class VersionRecords:
    """Writes new versions (inside the caller's transaction) and reads what they hold."""

    def __init__(self, db: Database, events: EventLog) -> None:
        self._db = db
        self._events = events

    def source_heads(self) -> dict[str, str]:
        """source name -> the newest head the captain has seen and recorded."""
        rows = self._db.execute("SELECT source, commit_sha FROM source_heads")
        return {source: sha for source, sha in rows}

    def record(
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
        db = self._db
        number = int(db.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM versions").fetchone()[0])
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
        self._events.append(
            "version.detected",
            at=now,
            version=number,
            detail=f"{heads[primary][:10]} {summary}".strip()
            + (f" ({len(commits)} commits)" if len(commits) > 1 else ""),
        )
        return number

    def heads(self, version: int) -> dict[str, str]:
        """source name -> the commit the version was built from."""
        rows = self._db.execute(
            "SELECT source, commit_sha FROM version_sources WHERE version = ?", (version,)
        )
        return {source: sha for source, sha in rows}

    def message(self, version: int) -> tuple[str, str] | None:
        """(author, message) of the version's primary commit, or None."""
        row = self._db.execute(
            "SELECT author, message FROM versions WHERE number = ?", (version,)
        ).fetchone()
        return (str(row[0]), str(row[1])) if row else None

    def commits(self, version: int) -> list[CommitRow]:
        """The commits the version includes, newest first per source."""
        rows = self._db.execute(
            "SELECT source, commit_sha, author, summary, committed_at FROM version_commits "
            "WHERE version = ? ORDER BY rowid",
            (version,),
        )
        return [
            CommitRow(source=s, sha=sha, author=a, summary=m, committed_at=at)
            for s, sha, a, m, at in rows
        ]

    def commits_since(self, after: int, upto: int) -> list[tuple[int, CommitRow]]:
        """(version, commit) of every commit the versions after `after` up to `upto`
        include, newest version first: what `upto` brings over `after`, in one query."""
        rows = self._db.execute(
            "SELECT version, source, commit_sha, author, summary, committed_at "
            "FROM version_commits WHERE version > ? AND version <= ? "
            "ORDER BY version DESC, rowid",
            (after, upto),
        )
        return [
            (v, CommitRow(source=s, sha=sha, author=a, summary=m, committed_at=at))
            for v, s, sha, a, m, at in rows
        ]

    def artefacts(self, version: int) -> list[ArtefactRow]:
        """The artefacts recorded for the version, by name."""
        rows = self._db.execute(
            "SELECT name, sha256, size FROM artefacts WHERE version = ? ORDER BY name",
            (version,),
        )
        return [ArtefactRow(name=n, sha256=d, size=s) for n, d, s in rows]
