"""Provides `load_state`: reading only what is current into the engine's `State`.

The window starts at the oldest version some stage last took: anything older is settled
in every stage and never needed again, so a pass costs the same with 20 versions of
history as with 20,000 (rule-independent; see docs/benchmarks.md).
"""

from __future__ import annotations

import json

from release_captain.config.model import Pipeline
from release_captain.engine.state import (
    AlarmCheck,
    DeploymentRecord,
    Grant,
    StageControl,
    StageVersion,
    State,
    StepRecord,
    TargetRecord,
    VersionRecord,
)
from release_captain.store.database import Database


def load_state(db: Database, pipeline: Pipeline, *, named: tuple[int, ...] = ()) -> State:
    """The `State` the engine decides from, read in one snapshot; `named` versions (a
    person's request names them) are read whatever their age."""
    stage_names = [s.name for s in pipeline.stages]
    with _snapshot(db):
        last_taken = _last_taken(db, stage_names)
        floor = min(last_taken.values(), default=0)
        stage_versions = _stage_versions(db, floor, named)
        in_flight = [
            (sv.stage, sv.version) for sv in stage_versions.values() if sv.state == "in-flight"
        ]
        targets = _targets(db)
        mentioned = set(named) | {v for t in targets.values() for v in t.succeeded}
        rejected = frozenset(
            key for key, sv in stage_versions.items() if sv.state == "rejected"
        ) | _rejected_among(db, mentioned - {v for _, v in stage_versions})
        return State(
            versions=_versions(db, floor, named),
            stage_versions=stage_versions,
            last_taken=last_taken,
            steps=_steps(db, in_flight),
            deployments=_deployments(db, in_flight + [(s, n) for s in stage_names for n in named]),
            targets=targets,
            controls=_controls(db),
            grants=_grants(db, min(floor, *named) if named else floor),
            alarm_checks=_alarm_checks(db),
            rejected=rejected,
        )


def _last_taken(db: Database, stages: list[str]) -> dict[str, int]:
    """stage -> the newest version it ever took (0 when none)."""
    found = {}
    for stage in stages:
        # Walks the (stage, version) key from the top: a few rows, whatever the history.
        row = db.execute(
            "SELECT version FROM stage_versions WHERE stage = ? AND entered_at IS NOT NULL "
            "ORDER BY version DESC LIMIT 1",
            (stage,),
        ).fetchone()
        found[stage] = int(row[0]) if row else 0
    return found


def _targets(db: Database) -> dict[tuple[str, str], TargetRecord]:
    rows = db.execute("SELECT stage, target, version, state FROM targets").fetchall()
    running: dict[str, set[int]] = {}
    for stage, _, version, _ in rows:
        if version is not None:
            running.setdefault(stage, set()).add(version)
    return {
        (stage, target): TargetRecord(
            stage=stage,
            target=target,
            version=version,
            state=state,
            succeeded=_succeeded_before(db, stage, target, version, running.get(stage, set())),
        )
        for stage, target, version, state in rows
    }


def _controls(db: Database) -> dict[str, StageControl]:
    return {
        stage: StageControl(stage=stage, paused=bool(paused), pause_reason=reason, promotion=mode)
        for stage, paused, reason, mode in db.execute(
            "SELECT stage, paused, pause_reason, promotion FROM controls"
        )
    }


def _alarm_checks(db: Database) -> dict[str, AlarmCheck]:
    return {
        stage: AlarmCheck(
            stage=stage,
            version=version,
            checked_at=checked,
            alarming=tuple(json.loads(alarming)),
            running=bool(running),
        )
        for stage, version, checked, alarming, running in db.execute(
            "SELECT stage, version, checked_at, alarming, running FROM alarm_checks"
        )
    }


def _grants(db: Database, floor: int) -> frozenset[Grant]:
    return frozenset(
        Grant(stage=stage, version=version, kind=kind, override_blockers=bool(override))
        for stage, version, kind, override in db.execute(
            "SELECT stage, version, kind, override_blockers FROM grants WHERE version >= ?",
            (floor,),
        )
    )


def _versions(db: Database, floor: int, named: tuple[int, ...]) -> tuple[VersionRecord, ...]:
    """The versions from the window's floor, those still to build, and the named ones."""
    marks = ",".join("?" * len(named)) or "NULL"
    return tuple(
        VersionRecord(number=n, build=b, created_at=c)
        for n, b, c in db.conn.execute(
            "SELECT number, build, created_at FROM versions WHERE number >= ? "
            "UNION SELECT number, build, created_at FROM versions "
            f"WHERE build IN ('pending', 'building') OR number IN ({marks}) ORDER BY number",
            (floor, *named),
        )
    )


def _stage_versions(
    db: Database, floor: int, named: tuple[int, ...]
) -> dict[tuple[str, int], StageVersion]:
    marks = ",".join("?" * len(named)) or "NULL"
    return {
        (stage, version): StageVersion(
            stage=stage, version=version, state=state, entered_at=entered, finished_at=done
        )
        for stage, version, state, entered, done in db.conn.execute(
            "SELECT stage, version, state, entered_at, finished_at FROM stage_versions "
            f"WHERE version >= ? OR version IN ({marks})",
            (floor, *named),
        )
    }


def _succeeded_before(
    db: Database, stage: str, target: str, current: int | None, running: set[int]
) -> tuple[int, ...]:
    """Versions older than `current` that succeeded on the target, newest first, read
    down to the newest one that is neither rejected in the stage nor run by one of its
    targets (a rollback of those targets would reject it): no older one can be last
    good, so a pass reads one or two rows a target whatever the history (see
    `engine.last_good`)."""
    if current is None:
        return ()
    found: list[int] = []
    for version, rejected in db.execute(
        "SELECT d.version, EXISTS (SELECT 1 FROM stage_versions sv WHERE sv.stage = d.stage "
        "AND sv.version = d.version AND sv.state = 'rejected') OR EXISTS (SELECT 1 FROM "
        "grants g WHERE g.stage = d.stage AND g.version = d.version AND g.kind = 'reject') "
        "FROM deployments d WHERE d.stage = ? AND d.target = ? AND d.state = 'succeeded' "
        "AND d.version < ? ORDER BY d.version DESC",
        (stage, target, current),
    ):
        found.append(version)
        if not rejected and version not in running:
            break
    return tuple(found)


def _rejected_among(db: Database, versions: set[int]) -> frozenset[tuple[str, int]]:
    """(stage, version) pairs rejected there, for versions older than the window."""
    if not versions:
        return frozenset()
    marks = ",".join("?" * len(versions))
    return frozenset(
        (stage, version)
        for stage, version in db.conn.execute(
            "SELECT stage, version FROM stage_versions WHERE state = 'rejected' "
            f"AND version IN ({marks})",
            tuple(versions),
        )
    )


class _snapshot:
    """A read transaction, so the state is consistent across the queries above."""

    def __init__(self, db: Database) -> None:
        self._conn = db.conn
        self._began = False

    def __enter__(self) -> None:
        if not self._conn.in_transaction:
            self._conn.execute("BEGIN")
            self._began = True

    def __exit__(self, *exc: object) -> None:
        if self._began:
            self._conn.execute("COMMIT")


def _deployments(
    db: Database, in_flight: list[tuple[str, int]]
) -> dict[tuple[str, str, int], DeploymentRecord]:
    found: dict[tuple[str, str, int], DeploymentRecord] = {}
    for stage, version in in_flight:
        for target, state, started, finished, previous in db.conn.execute(
            "SELECT target, state, started_at, finished_at, previous_version FROM deployments "
            "WHERE stage = ? AND version = ?",
            (stage, version),
        ):
            found[(stage, target, version)] = DeploymentRecord(
                stage=stage,
                target=target,
                version=version,
                state=state,
                started_at=started,
                finished_at=finished,
                previous=previous,
            )
    return found


_STEP_COLUMNS = (
    "id, stage, target, version, idx, name, kind, onebox, state, started_at, finished_at, "
    "checks, last_check_at, checking, to_version"
)


def _steps(db: Database, in_flight: list[tuple[str, int]]) -> tuple[StepRecord, ...]:
    """Every step of the rollouts in flight, plus any step still running elsewhere."""
    rows = list(db.conn.execute(f"SELECT {_STEP_COLUMNS} FROM steps WHERE state = 'running'"))
    rows += db.conn.execute(
        f"SELECT {_STEP_COLUMNS} FROM steps s WHERE state = 'interrupted' AND kind = 'rollback' "
        "AND NOT EXISTS (SELECT 1 FROM steps later WHERE later.stage = s.stage "
        "AND later.target = s.target AND later.version = s.version AND later.idx = s.idx "
        "AND later.id > s.id)"
    ).fetchall()
    for stage, version in in_flight:
        rows += db.conn.execute(
            f"SELECT {_STEP_COLUMNS} FROM steps WHERE stage = ? AND version = ? "
            "AND state != 'running' AND NOT (kind = 'rollback' AND state = 'interrupted')",
            (stage, version),
        ).fetchall()
    return tuple(
        StepRecord(
            id=i,
            stage=stage,
            target=target,
            version=version,
            index=idx,
            name=name,
            kind=kind,
            onebox=bool(onebox),
            state=state,
            started_at=started,
            finished_at=finished,
            checks=_checks(checks),
            last_check_at=last_check,
            checking=bool(checking),
            to_version=to_version,
        )
        for (
            i,
            stage,
            target,
            version,
            idx,
            name,
            kind,
            onebox,
            state,
            started,
            finished,
            checks,
            last_check,
            checking,
            to_version,
        ) in rows
    )


def _checks(text: str | None) -> tuple[tuple[str, int], ...]:
    """A bake's check counts; most steps have none, and skip the JSON parser."""
    if not text or text == "[]":
        return ()
    return tuple((m, int(n)) for m, n in json.loads(text))
