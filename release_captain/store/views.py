"""Provides the read models behind `status`, `versions`, `where` and `logs`: plain rows
read with indexed queries, so the CLI and the TUI stay fast on long histories."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from msgspec import Struct

from release_captain.engine.state import PROCESS_KINDS
from release_captain.store.database import Database, ReadingConnection
from release_captain.store.records import numbered


class StageMark(Struct, frozen=True, kw_only=True):
    """What happened to one version in one stage, and when: the cells of its journey."""

    #: passed | rejected | superseded | in-flight
    state: str
    #: When it entered the stage (None when it never did: superseded or rejected first).
    entered_at: float | None
    #: When it passed, was rejected or was superseded there (None while in flight).
    finished_at: float | None
    #: Why, in the engine's or the rejecting person's words.
    reason: str


class VersionRow(Struct, frozen=True, kw_only=True):
    """One version as the versions list shows it."""

    number: int
    commit: str
    author: str
    message: str
    build: str
    build_detail: str
    created_at: float
    #: stage -> passed | rejected | superseded | in-flight
    stages: dict[str, str]
    #: stage -> what happened there and when (the same stages as `stages`).
    marks: dict[str, StageMark]


class StepRow(Struct, frozen=True, kw_only=True):
    """One attempt at a step, as `logs` and `status` show it."""

    id: int
    stage: str
    target: str
    version: int
    index: int
    name: str
    kind: str
    onebox: bool
    state: str
    attempt: int
    started_at: float
    finished_at: float | None
    detail: str
    log: str
    checks: str


class BuildAttemptRow(Struct, frozen=True, kw_only=True):
    """One attempt at a version's build, as `logs VERSION build` shows it."""

    attempt: int
    #: building | succeeded | failed for the latest attempt; interrupted for one a
    #: crash cut off (it ran again, or will).
    state: str
    detail: str
    log: Path


class DeploymentRow(Struct, frozen=True, kw_only=True):
    """One version's rollout on one target."""

    stage: str
    target: str
    version: int
    state: str
    started_at: float
    finished_at: float | None
    detail: str


#: The columns `_deployment` reads, in its order.
_DEPLOYMENT = "stage, target, version, state, started_at, finished_at, detail"


def _deployment(r: tuple[Any, ...]) -> DeploymentRow:
    return DeploymentRow(
        stage=r[0],
        target=r[1],
        version=r[2],
        state=r[3],
        started_at=r[4],
        finished_at=r[5],
        detail=r[6],
    )


class Views:
    """Read-only queries over the state database."""

    def __init__(self, db: Database) -> None:
        self._conn = ReadingConnection(db)

    def latest_version(self) -> int | None:
        """The newest version number, or None before the first."""
        row = self._conn.execute("SELECT MAX(number) FROM versions").fetchone()
        return None if row[0] is None else int(row[0])

    def versions(
        self, *, limit: int | None = None, numbers: list[int] | None = None
    ) -> list[VersionRow]:
        """Versions newest first, each with its state per stage."""
        sql = (
            "SELECT number, commit_sha, author, message, build, build_detail, created_at "
            "FROM versions"
        )
        params: list[object] = []
        if numbers is not None:
            sql += f" WHERE number IN ({','.join('?' * len(numbers))})"
            params += numbers
        sql += " ORDER BY number DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self._conn.execute(sql, params).fetchall()
        if not rows:
            return []
        low = min(r[0] for r in rows)
        marks: dict[int, dict[str, StageMark]] = {r[0]: {} for r in rows}
        for stage, version, state, entered, finished, reason in self._conn.execute(
            "SELECT stage, version, state, entered_at, finished_at, reason "
            "FROM stage_versions WHERE version >= ?",
            (low,),
        ):
            if version in marks:
                marks[version][stage] = StageMark(
                    state=state, entered_at=entered, finished_at=finished, reason=reason
                )
        return [
            VersionRow(
                number=n,
                commit=sha,
                author=author,
                message=message,
                build=build,
                build_detail=detail,
                created_at=created,
                stages={stage: mark.state for stage, mark in marks[n].items()},
                marks=marks[n],
            )
            for n, sha, author, message, build, detail, created in rows
        ]

    def stage_states(self, stage: str) -> tuple[int | None, int | None]:
        """(newest passed version, in-flight version) of a stage."""
        passed = self._conn.execute(
            "SELECT MAX(version) FROM stage_versions WHERE stage = ? AND state = 'passed'",
            (stage,),
        ).fetchone()[0]
        flying = self._conn.execute(
            "SELECT version FROM stage_versions WHERE stage = ? AND state = 'in-flight'",
            (stage,),
        ).fetchone()
        return passed, (flying[0] if flying else None)

    def stage_version(self, stage: str, version: int) -> tuple[str, str] | None:
        """(state, reason) of a version in a stage, or None when nothing happened there."""
        row = self._conn.execute(
            "SELECT state, reason FROM stage_versions WHERE stage = ? AND version = ?",
            (stage, version),
        ).fetchone()
        return (row[0], row[1]) if row else None

    def targets(self) -> dict[tuple[str, str], tuple[int | None, str]]:
        """(stage, target) -> (the version it runs, its state)."""
        return {
            (stage, target): (version, state)
            for stage, target, version, state in self._conn.execute(
                "SELECT stage, target, version, state FROM targets"
            )
        }

    def steps(self, *, stage: str, target: str, version: int) -> list[StepRow]:
        """Every attempt at every step of one rollout, in the order they started."""
        cursor = self._conn.execute(
            "SELECT id, stage, target, version, idx, name, kind, onebox, state, attempt, "
            "started_at, finished_at, detail, log, checks FROM steps "
            "WHERE stage = ? AND target = ? AND version = ? ORDER BY id",
            (stage, target, version),
        )
        return [
            StepRow(
                id=r[0],
                stage=r[1],
                target=r[2],
                version=r[3],
                index=r[4],
                name=r[5],
                kind=r[6],
                onebox=bool(r[7]),
                state=r[8],
                attempt=r[9],
                started_at=r[10],
                finished_at=r[11],
                detail=r[12],
                log=r[13],
                checks=r[14],
            )
            for r in cursor.fetchall()
        ]

    def deployments_of(self, version: int, stages: list[str]) -> list[DeploymentRow]:
        """Every target's rollout of one version in the named stages (asked stage by
        stage, so the `(stage, version)` index serves it whatever the history)."""
        rows = []
        for stage in stages:
            rows += self._conn.execute(
                f"SELECT {_DEPLOYMENT} FROM deployments "
                "WHERE stage = ? AND version = ? ORDER BY target",
                (stage, version),
            ).fetchall()
        return [_deployment(r) for r in rows]

    def deployments_on(self, stage: str, target: str) -> list[DeploymentRow]:
        """Every version's rollout on one target, oldest version first (the primary key
        `(stage, target, version)` serves it)."""
        cursor = self._conn.execute(
            f"SELECT {_DEPLOYMENT} FROM deployments "
            "WHERE stage = ? AND target = ? ORDER BY version",
            (stage, target),
        )
        return [_deployment(r) for r in cursor.fetchall()]

    def versions_with_commit(self, prefix: str) -> list[tuple[int, str]]:
        """(version, full sha) of every version that includes a commit with this prefix."""
        low = prefix.lower()
        return [
            (version, sha)
            for version, sha in self._conn.execute(
                "SELECT DISTINCT version, commit_sha FROM version_commits "
                "WHERE commit_sha >= ? AND commit_sha < ? ORDER BY version",
                (low, low + "g"),
            )
        ]

    def version_by_commit(self, prefix: str) -> list[int]:
        """Versions whose primary commit starts with `prefix`."""
        low = prefix.lower()
        return [
            r[0]
            for r in self._conn.execute(
                "SELECT number FROM versions WHERE commit_sha >= ? AND commit_sha < ? "
                "ORDER BY number",
                (low, low + "g"),
            )
        ]

    def version_exists(self, number: int) -> bool:
        """True when the version was recorded."""
        return (
            self._conn.execute("SELECT 1 FROM versions WHERE number = ?", (number,)).fetchone()
            is not None
        )

    def build_state(self, version: int) -> str | None:
        """The version's build state, or None when there is no such version."""
        row = self._conn.execute(
            "SELECT build FROM versions WHERE number = ?", (version,)
        ).fetchone()
        return row[0] if row else None

    def build_attempts(self, version: int) -> list[BuildAttemptRow]:
        """Every attempt at the version's build, oldest first; none before it started.
        Each attempt writes its own log beside the first one (`records.numbered`)."""
        row = self._conn.execute(
            "SELECT build, build_detail, build_log, build_attempts FROM versions WHERE number = ?",
            (version,),
        ).fetchone()
        if row is None or not row[2] or not row[3]:
            return []
        build, detail, log, attempts = row
        folder = Path(log).parent
        latest = build if build in ("building", "succeeded", "failed") else "interrupted"
        return [
            BuildAttemptRow(
                attempt=n,
                state=latest if n == attempts else "interrupted",
                detail=detail if n == attempts else "",
                log=folder / numbered("build", n),
            )
            for n in range(1, attempts + 1)
        ]

    def step_states(self, ids: list[int]) -> dict[int, tuple[str, str]]:
        """step id -> (state, detail), for following steps to their end."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        return {
            i: (state, detail)
            for i, state, detail in self._conn.execute(
                f"SELECT id, state, detail FROM steps WHERE id IN ({marks})", ids
            )
        }

    def logs_of_running_commands(self) -> list[Path]:
        """The logs of every step, build and notification recorded as running a
        command: what a crash may have left running (rule R10)."""
        kinds = sorted(PROCESS_KINDS)
        rows = self._conn.execute(
            "SELECT log FROM steps WHERE state = 'running' "
            f"AND kind IN ({','.join('?' * len(kinds))}) "
            "UNION ALL SELECT build_log FROM versions WHERE build = 'building' "
            "UNION ALL SELECT log FROM notifications WHERE finished_at IS NULL",
            kinds,
        ).fetchall()
        return [Path(log) for (log,) in rows if log]

    def last_rejection(self, stage: str) -> tuple[int, str, str, str, str] | None:
        """The newest version rejected in a stage — (version, reason, first failed step,
        its target, its detail; the step fields empty when a person rejected it) — so
        the board can say why the stage stopped it."""
        row = self._conn.execute(
            "SELECT sv.version, sv.reason, COALESCE(st.name, ''), COALESCE(st.target, ''), "
            "COALESCE(st.detail, '') FROM stage_versions sv "
            "LEFT JOIN steps st ON st.stage = sv.stage AND st.version = sv.version "
            "AND st.state = 'failed' AND st.kind != 'rollback' "
            "WHERE sv.stage = ? AND sv.state = 'rejected' ORDER BY sv.version DESC, st.id LIMIT 1",
            (stage,),
        ).fetchone()
        return None if row is None else (int(row[0]), row[1], row[2], row[3], row[4])

    def last_rollback(self, stage: str, target: str) -> tuple[int, int | None, str] | None:
        """The newest rollback on one target: (the version that failed, the version it
        went back to, the rollback step's state)."""
        row = self._conn.execute(
            "SELECT version, to_version, state FROM steps "
            "WHERE stage = ? AND target = ? AND kind = 'rollback' ORDER BY id DESC LIMIT 1",
            (stage, target),
        ).fetchone()
        return None if row is None else (int(row[0]), row[1], row[2])
