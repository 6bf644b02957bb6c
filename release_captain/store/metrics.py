"""Provides the rows `captain metrics` is computed from (SPEC §10): what happened in each
stage within a window of time `[since, until]`, read with a fixed number of indexed
queries whatever the length of the history (never one query per version).

What each row means, from what the engine records:

- The event log says when a version entered a stage (`stage.entered`, when the stage
  took it), passed it (`stage.passed`) and was rejected there (`stage.rejected`);
  `stage_versions` says what it is there now. A version can pass and later be
  rejected (a rollback rejects the version rolled back from): both events count, each
  in its own window. A version superseded before entering has no `stage.entered`: it
  never entered.
- A rollback is a step of kind `rollback` on one target, recorded under the version
  rolled back *from*; automatic (rule R7) and manual (rule R8) ones alike. Its
  attempts (a re-run after a crash) count as one rollback of that target.
- A target failed when its deployment of a version is recorded `failed`; it was
  restored when a rollback step of that target and version passed.
- A person ended a wait when a grant was recorded: an `entry` grant (a manual gate, or
  a blocker overridden) or a `signoff` grant (a `manual = true` approval). A sign-off
  wait began when the first target of the version started that approval; an entry wait
  began when the version could be taken by the stage (it passed the previous stage; was
  built, for the first stage).

The figures themselves (counts, medians, percentiles) are computed by
`service.metrics` over these rows.
"""

from __future__ import annotations

import json

from msgspec import Struct

from release_captain.store.database import Database, ReadingConnection


class StageRecord(Struct, frozen=True, kw_only=True):
    """A version entering, passing or being rejected in a stage within the window."""

    #: entered | passed | rejected
    event: str
    stage: str
    version: int
    at: float
    #: What the version is in the stage now: passed | rejected | in-flight
    state: str
    #: When it entered the stage (None when it never did).
    entered_at: float | None


class PersonWait(Struct, frozen=True, kw_only=True):
    """A wait for a person that a grant ended within the window."""

    stage: str
    version: int
    #: entry (a gate) | signoff (a `manual` approval)
    kind: str
    #: When the wait began (None when the store does not say).
    since: float | None
    granted_at: float


class Restore(Struct, frozen=True, kw_only=True):
    """A failed target whose rollback succeeded within the window."""

    stage: str
    target: str
    version: int
    failed_at: float
    restored_at: float


class LeadTime(Struct, frozen=True, kw_only=True):
    """A version that passed a stage within the window, with its primary commit's
    committer time (None when git gave none)."""

    version: int
    committed_at: float | None
    passed_at: float


class MetricRows(Struct, frozen=True, kw_only=True):
    """Everything `captain metrics` counts over one window."""

    since: float
    until: float
    records: tuple[StageRecord, ...]
    #: stage -> targets rolled back (one per target and version rolled back from)
    rollbacks: dict[str, int]
    waits: tuple[PersonWait, ...]
    restores: tuple[Restore, ...]
    lead_times: tuple[LeadTime, ...]


class MetricQueries:
    """Read-only queries over a window of the recorded history."""

    def __init__(self, db: Database) -> None:
        self._conn = ReadingConnection(db)

    def rows(
        self, *, since: float, until: float, stages: list[str], last: str, primary: str
    ) -> MetricRows:
        """The rows of `[since, until]` for `stages` (in pipeline order); `last` is the
        stage delivery is measured at, `primary` the primary source's name."""
        window = (since, until)
        return MetricRows(
            since=since,
            until=until,
            records=self._records(window),
            rollbacks=self._rollbacks(window),
            waits=self._signoff_waits(window) + self._entry_waits(window, stages),
            restores=self._restores(window, last),
            lead_times=self._lead_times(window, last, primary),
        )

    def _records(self, window: tuple[float, float]) -> tuple[StageRecord, ...]:
        """The stage events of the window, each with the version's record there now."""
        cursor = self._conn.execute(
            "SELECT e.kind, e.stage, e.version, e.at, sv.state, sv.entered_at "
            "FROM events e LEFT JOIN stage_versions sv "
            "ON sv.stage = e.stage AND sv.version = e.version "
            "WHERE e.kind IN ('stage.entered', 'stage.passed', 'stage.rejected') "
            "AND e.at BETWEEN ? AND ? AND e.version IS NOT NULL",
            window,
        )
        return tuple(
            StageRecord(
                event=kind.removeprefix("stage."),
                stage=stage,
                version=version,
                at=at,
                state=state or "",
                entered_at=entered,
            )
            for kind, stage, version, at, state, entered in cursor
        )

    def _rollbacks(self, window: tuple[float, float]) -> dict[str, int]:
        cursor = self._conn.execute(
            "SELECT stage, COUNT(*) FROM (SELECT DISTINCT stage, target, version FROM steps "
            "WHERE kind = 'rollback' AND started_at BETWEEN ? AND ?) GROUP BY stage",
            window,
        )
        return {stage: int(count) for stage, count in cursor}

    def _signoff_waits(self, window: tuple[float, float]) -> tuple[PersonWait, ...]:
        """Each sign-off grant, and when the first target began that approval: the
        earliest `manual` step of the version there started after the previous sign-off
        of the same version (a stage may ask for more than one)."""
        cursor = self._conn.execute(
            "WITH g AS (SELECT stage, version, at, "
            "LAG(at, 1, 0) OVER (PARTITION BY stage, version ORDER BY at, id) AS prev "
            "FROM grants WHERE kind = 'signoff') "
            "SELECT g.stage, g.version, g.at, (SELECT MIN(s.started_at) FROM steps s "
            "WHERE s.stage = g.stage AND s.version = g.version AND s.kind = 'manual' "
            "AND s.started_at <= g.at AND s.started_at > g.prev) "
            "FROM g WHERE g.at BETWEEN ? AND ?",
            window,
        )
        return tuple(
            PersonWait(stage=stage, version=version, kind="signoff", since=began, granted_at=at)
            for stage, version, at, began in cursor
        )

    def _entry_waits(
        self, window: tuple[float, float], stages: list[str]
    ) -> tuple[PersonWait, ...]:
        """Each version's first entry grant in a stage, and when the version could be
        taken there: it passed the previous stage (was built, for the first one)."""
        grants = self._conn.execute(
            "SELECT stage, version, MIN(at) FROM grants WHERE kind = 'entry' "
            "GROUP BY stage, version HAVING MIN(at) BETWEEN ? AND ?",
            window,
        ).fetchall()
        if not grants:
            return ()
        numbers = json.dumps(sorted({version for _, version, _ in grants}))
        passed = {
            (stage, version): at
            for stage, version, at in self._conn.execute(
                "SELECT stage, version, finished_at FROM stage_versions WHERE state = 'passed' "
                "AND version IN (SELECT value FROM json_each(?))",
                (numbers,),
            )
        }
        built = dict(
            self._conn.execute(
                "SELECT number, build_finished_at FROM versions "
                "WHERE number IN (SELECT value FROM json_each(?))",
                (numbers,),
            ).fetchall()
        )
        before = dict(zip(stages[1:], stages, strict=False))
        waits = []
        for stage, version, at in grants:
            previous = before.get(stage)
            began = built.get(version) if previous is None else passed.get((previous, version))
            waits.append(
                PersonWait(stage=stage, version=version, kind="entry", since=began, granted_at=at)
            )
        return tuple(waits)

    def _restores(self, window: tuple[float, float], stage: str) -> tuple[Restore, ...]:
        cursor = self._conn.execute(
            "SELECT d.target, d.version, d.finished_at, MIN(s.finished_at) FROM steps s "
            "JOIN deployments d ON d.stage = s.stage AND d.target = s.target "
            "AND d.version = s.version "
            "WHERE s.state = 'passed' AND s.kind = 'rollback' AND s.stage = ? "
            "AND d.state = 'failed' AND d.finished_at IS NOT NULL "
            "GROUP BY d.target, d.version HAVING MIN(s.finished_at) BETWEEN ? AND ?",
            (stage, *window),
        )
        return tuple(
            Restore(stage=stage, target=target, version=version, failed_at=failed, restored_at=at)
            for target, version, failed, at in cursor
        )

    def _lead_times(
        self, window: tuple[float, float], stage: str, primary: str
    ) -> tuple[LeadTime, ...]:
        cursor = self._conn.execute(
            "SELECT e.version, (SELECT MAX(c.committed_at) FROM version_commits c "
            "JOIN versions v ON v.number = c.version AND v.commit_sha = c.commit_sha "
            "WHERE c.version = e.version AND c.source = ? AND c.committed_at > 0), "
            "MIN(e.at) FROM events e "
            "WHERE e.kind = 'stage.passed' AND e.stage = ? AND e.at BETWEEN ? AND ? "
            "GROUP BY e.version",
            (primary, stage, *window),
        )
        return tuple(
            LeadTime(version=version, committed_at=committed, passed_at=at)
            for version, committed, at in cursor
        )
