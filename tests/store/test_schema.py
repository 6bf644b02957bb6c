"""The schema is created and migrated by sqlite-utils' `Migrations` alone: a state
directory written by an older captain migrates forward keeping its rows, and one written
by a newer captain is refused with one sentence and exit 3."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from release_captain.errors import StateConflict
from release_captain.store import Store
from release_captain.store.database import open_database
from release_captain.store.schema_sql import MIGRATION_SET, MIGRATIONS, SCHEMA_VERSION, STATEMENTS

#: What captain with schema version 2 wrote into a new state directory: the tables of
#: 0001 and 0002 and sqlite-utils' bookkeeping table, created by hand.
_V2_BOOKKEEPING = (
    'CREATE TABLE "_sqlite_migrations" (\n   "id" INTEGER PRIMARY KEY,\n'
    '   "migration_set" TEXT,\n   "name" TEXT,\n   "applied_at" TEXT\n)',
    'CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"\n'
    '    ON "_sqlite_migrations" ("migration_set", "name")',
)
_V2 = ("0001_initial", "0002_indexes_for_current_state")


def _write_v2_state_dir(state_dir: Path) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(state_dir / "state.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("BEGIN")
    for name in _V2:
        for statement in STATEMENTS[name]:
            conn.execute(statement)
    for statement in _V2_BOOKKEEPING:
        conn.execute(statement)
    now = str(dt.datetime.now(dt.UTC))
    conn.executemany(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
        [(MIGRATION_SET, name, now) for name in _V2],
    )
    conn.execute(
        "INSERT INTO versions (number, created_at, commit_sha, build) "
        "VALUES (1, 100.0, ?, 'succeeded')",
        ("a" * 40,),
    )
    conn.execute(
        "INSERT INTO targets (stage, target, version, state, last_good, updated_at) "
        "VALUES ('beta', 'eu', 1, 'succeeded', 1, 110.0)"
    )
    conn.execute("COMMIT")
    conn.close()


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def test_the_schema_version_counts_the_migrations() -> None:
    assert SCHEMA_VERSION == len(MIGRATIONS) == 7
    assert MIGRATIONS[-1] == "0007_notifications"


def test_the_migration_names_read_without_sqlite_utils_are_the_registered_ones() -> None:
    from release_captain.store.schema import migrations

    assert migrations.name == MIGRATION_SET
    assert tuple(m.name for m in migrations._migrations) == MIGRATIONS


def test_a_new_database_is_created_by_the_migrations(tmp_path: Path) -> None:
    db = open_database(tmp_path)
    applied = [r[0] for r in db.conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert applied == list(MIGRATIONS)
    assert "last_good" not in _columns(db.conn, "targets")
    assert _columns(db.conn, "targets") == ["stage", "target", "version", "state", "updated_at"]


def test_a_version_2_state_dir_migrates_forward_and_keeps_its_rows(tmp_path: Path) -> None:
    _write_v2_state_dir(tmp_path)
    store = Store(tmp_path)
    conn = store.db.conn
    applied = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    # The first two are not applied again: only the new one is added.
    assert applied == list(MIGRATIONS)
    assert "last_good" not in _columns(conn, "targets")
    assert conn.execute("SELECT stage, target, version, state FROM targets").fetchall() == [
        ("beta", "eu", 1, "succeeded")
    ]
    assert conn.execute("SELECT number, commit_sha FROM versions").fetchall() == [(1, "a" * 40)]
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"steps_stage_version", "deployments_stage_version"} <= indexes
    # The metrics' indexes (0005) are made on a state directory that existed before.
    assert {"events_kind_at", "steps_kind_started", "grants_kind_at"} <= indexes
    store.close()


def test_the_metrics_window_reads_use_the_indexes_of_0005(tmp_path: Path) -> None:
    """`captain metrics` stays fast on a long history because its reads of the event
    log and the steps go by kind and time, not through the whole table."""
    db = open_database(tmp_path)
    for sql, index in (
        (
            "SELECT * FROM events WHERE kind IN ('stage.entered', 'stage.passed') "
            "AND at BETWEEN 1 AND 2",
            "events_kind_at",
        ),
        (
            "SELECT * FROM steps WHERE kind = 'rollback' AND started_at BETWEEN 1 AND 2",
            "steps_kind_started",
        ),
    ):
        plan = " ".join(str(row[-1]) for row in db.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert f"USING INDEX {index}" in plan, plan
    db.conn.close()


def test_a_database_from_a_newer_captain_is_refused_with_one_sentence(tmp_path: Path) -> None:
    open_database(tmp_path).conn.close()
    conn = sqlite3.connect(tmp_path / "state.db")
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
        (MIGRATION_SET, "0099_from_the_future", "2030-01-01 00:00:00+00:00"),
    )
    conn.commit()
    conn.close()
    with pytest.raises(StateConflict) as raised:
        open_database(tmp_path)
    message = str(raised.value)
    assert raised.value.exit_code == 3
    assert "newer captain" in message and "0099_from_the_future" in message
    assert "\n" not in message and message.count(". ") == 0


def test_opening_an_up_to_date_database_does_not_import_sqlite_utils(tmp_path: Path) -> None:
    import subprocess
    import sys

    open_database(tmp_path).conn.close()
    code = (
        "import sys; from pathlib import Path; "
        "from release_captain.store.database import open_database; "
        f"open_database(Path({str(tmp_path)!r})).conn.close(); "
        "print('sqlite_utils' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_processes_opening_a_new_state_directory_at_once_all_get_in(tmp_path: Path) -> None:
    """The engine and a `captain status` started together on a new state directory:
    switching the new database to WAL needs a lock SQLite does not wait for, so the
    second opener must wait for it rather than fail with 'locked' (it did, about one
    time in ten, once creating the schema took longer)."""
    import threading

    failures: list[str] = []
    for trial in range(40):
        folder = tmp_path / f"state-{trial}"

        def open_it(folder: Path = folder) -> None:
            try:
                store = Store(folder)
                store.views.latest_version()
                store.close()
            except Exception as error:  # what a user would see instead of a status
                failures.append(repr(error))

        openers = [threading.Thread(target=open_it) for _ in range(4)]
        for opener in openers:
            opener.start()
        for opener in openers:
            opener.join()
    assert failures == []
