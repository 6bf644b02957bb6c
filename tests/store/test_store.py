"""The store with real SQLite in tmp_path: migrations, recording, recovery, loading."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from release_captain.engine import (
    EnterStage,
    FinishTarget,
    PassStage,
    RejectStage,
    StartBuild,
    StartStep,
    plan_for,
)
from release_captain.engine.people import answer
from release_captain.engine.requests import Rollback
from release_captain.errors import CaptainError
from release_captain.store import CommitRow, StartedBuild, StartedStep, Store
from tests.engine.builders import pipeline, stage

PIPE = pipeline(stage("beta", "a", "b"), stage("gamma"))


def record(store: Store, sha: str, now: float = 1.0) -> int:
    return store.record_version(
        heads={"app": sha},
        primary="app",
        commits=[CommitRow(source="app", sha=sha, author="Ada", summary="msg", committed_at=0)],
        author="Ada",
        message="msg\n\nbody",
        now=now,
    )


def test_a_new_state_dir_is_created_in_wal_mode_with_the_schema(tmp_path: Path) -> None:
    store = Store(tmp_path / "state")
    assert store.db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"versions", "steps", "events", "requests"} <= set(store.db.table_names())
    store.close()
    Store(tmp_path / "state").close()  # reopening migrates nothing and fails nothing


def test_versions_are_numbered_in_order_with_their_heads_and_commits(tmp_path: Path) -> None:
    store = Store(tmp_path)
    assert [record(store, "a" * 40), record(store, "b" * 40)] == [1, 2]
    assert store.versions.source_heads() == {"app": "b" * 40}
    assert store.versions.heads(1) == {"app": "a" * 40}
    assert [c.sha for c in store.versions.commits(2)] == ["b" * 40]
    assert store.views.versions_with_commit("bbbb") == [(2, "b" * 40)]


def test_decisions_are_recorded_with_their_events_and_started_effects(tmp_path: Path) -> None:
    store = Store(tmp_path)
    record(store, "a" * 40)
    started = store.apply([StartBuild(version=1, reason="new")], now=2.0)
    assert started == [StartedBuild(version=1, log=tmp_path / "logs" / "v1" / "build.log")]
    store.finish_build(1, ok=True, artefacts=[], detail="built", now=3.0)
    step = plan_for(PIPE.stages[0])[0]
    effects = store.apply(
        [
            EnterStage(stage="beta", version=1, reason="newest"),
            StartStep(stage="beta", target="a", version=1, step=step, reason="first"),
        ],
        now=4.0,
    )
    (effect,) = effects
    assert isinstance(effect, StartedStep) and effect.attempt == 1
    state = store.load_state(PIPE)
    assert state.in_flight("beta").version == 1
    assert state.target("beta", "a").state == "deploying"
    store.finish_step(effect.step_id, passed=True, exit_code=0, detail="exited 0", now=5.0)
    store.apply(
        [FinishTarget(stage="beta", target="a", version=1, succeeded=True, reason="ok")], now=6.0
    )
    store.apply([PassStage(stage="beta", version=1, reason="ok")], now=7.0)
    state = store.load_state(PIPE)
    assert state.target("beta", "a").state == "succeeded"
    assert state.target("beta", "a").succeeded == ()  # nothing good before v1
    assert state.stage_versions[("beta", 1)].state == "passed"
    kinds = [e.kind for e in store.events.history()]
    assert kinds == [
        "version.detected",
        "build.started",
        "build.succeeded",
        "stage.entered",
        "step.started",
        "step.passed",
        "target.succeeded",
        "stage.passed",
    ]
    ids = [e.id for e in store.events.history()]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_recovery_marks_cut_off_steps_and_builds_interrupted(tmp_path: Path) -> None:
    store = Store(tmp_path)
    record(store, "a" * 40)
    record(store, "b" * 40)
    store.apply([StartBuild(version=2, reason="new")], now=1)
    store.finish_build(2, ok=True, artefacts=[], detail="", now=1)
    store.apply([StartBuild(version=1, reason="new")], now=1)
    step = plan_for(PIPE.stages[0])[0]
    store.apply(
        [
            EnterStage(stage="beta", version=2, reason="x"),
            StartStep(stage="beta", target="a", version=2, step=step, reason="x"),
        ],
        now=2,
    )
    assert store.recover(now=3) == 2
    state = store.load_state(PIPE)
    assert [s.state for s in state.steps] == ["interrupted"]
    assert state.version(1).build == "pending"
    retried = store.apply(
        [StartStep(stage="beta", target="a", version=2, step=step, reason="again")], now=4
    )
    assert retried[0].attempt == 2 and retried[0].log.name == "00-deploy.2.log"


def test_the_state_window_leaves_out_versions_settled_everywhere(tmp_path: Path) -> None:
    store = Store(tmp_path)
    for n in range(1, 6):
        record(store, f"{n:040d}")
        store.apply([StartBuild(version=n, reason="")], now=n)
        store.finish_build(n, ok=True, artefacts=[], detail="", now=n)
    with store.db.conn:
        for n in range(1, 5):
            for s in ("beta", "gamma"):
                store.db.conn.execute(
                    "INSERT INTO stage_versions (stage, version, state, entered_at) "
                    "VALUES (?, ?, 'passed', 0)",
                    (s, n),
                )
    state = store.load_state(PIPE)
    assert [v.number for v in state.versions] == [4, 5]


def test_a_corrupt_database_is_refused_with_a_sentence(tmp_path: Path) -> None:
    (tmp_path / "state.db").write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(CaptainError, match="corrupt.*move it aside"):
        Store(tmp_path)


def test_an_unwritable_state_dir_is_refused_with_a_sentence(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(CaptainError, match="cannot create the state directory"):
        Store(blocker / "state")


def test_a_second_connection_reads_what_the_first_committed(tmp_path: Path) -> None:
    writer = Store(tmp_path)
    reader = Store(tmp_path)
    record(writer, "a" * 40)
    assert reader.views.latest_version() == 1


def test_the_migration_names_read_without_sqlite_utils_match_the_schema() -> None:
    from release_captain.store.schema import migrations
    from release_captain.store.schema_sql import MIGRATION_SET, MIGRATIONS

    assert migrations.name == MIGRATION_SET
    assert tuple(m.name for m in migrations._migrations) == MIGRATIONS


def test_opening_a_migrated_database_does_not_import_sqlite_utils(tmp_path: Path) -> None:
    import subprocess
    import sys

    Store(tmp_path).close()
    code = (
        "import sys; from pathlib import Path; from release_captain.store import Store; "
        f"Store(Path({str(tmp_path)!r})).close(); print('sqlite_utils' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_an_older_state_directory_is_migrated_forward_on_open(tmp_path: Path) -> None:
    from sqlite_utils import Database as Migratable

    from release_captain.store.schema import migrations

    conn = sqlite3.connect(tmp_path / "state.db")
    migrations.apply(Migratable(conn), stop_before="0002_indexes_for_current_state")
    conn.close()
    store = Store(tmp_path)
    indexes = {
        r[0] for r in store.db.conn.execute("SELECT name FROM sqlite_master WHERE type='index'")
    }
    assert {"steps_stage_version", "deployments_stage_version"} <= indexes
    applied = [r[0] for r in store.db.conn.execute("SELECT name FROM _sqlite_migrations")]
    assert applied[:2] == ["0001_initial", "0002_indexes_for_current_state"]


def test_a_targets_good_history_is_read_past_what_the_stages_targets_run(tmp_path: Path) -> None:
    """SPEC §2 and R8: a rollback of both targets rejects v2 (a runs it) and v3 (b runs
    it), so b's last good must be read down to v1 even though v2 is not rejected yet."""
    store = Store(tmp_path)
    deploy = plan_for(PIPE.stages[0])[0]
    for number in (1, 2, 3):
        record(store, f"{number}" * 40, now=number)
        store.apply([StartBuild(version=number, reason="new")], now=number)
        store.finish_build(number, ok=True, artefacts=[], detail="built", now=number)
        store.apply([EnterStage(stage="beta", version=number, reason="newest")], now=number)
        for target in ("a", "b") if number < 3 else ("b",):
            start = StartStep(stage="beta", target=target, version=number, step=deploy, reason="x")
            ok = number < 3
            store.apply([start], now=number)
            store.apply(
                [
                    FinishTarget(
                        stage="beta", target=target, version=number, succeeded=ok, reason="x"
                    )
                ],
                now=number,
            )
        settle = PassStage if number < 3 else RejectStage
        store.apply([settle(stage="beta", version=number, reason="x")], now=number)
    state = store.load_state(PIPE)
    assert state.target("beta", "a").succeeded == (1,)
    assert state.target("beta", "b").succeeded == (2, 1)
    both = Rollback(targets=("beta/a", "beta/b"), actor="ann")
    moves = answer(PIPE, state, both, now=10.0).rollbacks
    assert [(m.target, m.from_version, m.to_version) for m in moves] == [("a", 2, 1), ("b", 3, 1)]
