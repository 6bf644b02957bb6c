"""Provides opening the state database safely: WAL, busy timeout, migrations, and one
clear sentence for each way it can fail (unwritable folder, locked, corrupt)."""

from __future__ import annotations

import fcntl
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from release_captain.errors import CaptainError, StateConflict
from release_captain.store.schema_sql import MIGRATION_SET, MIGRATIONS, STATEMENTS


class Database:
    """The open state database: a `sqlite3` connection with the two calls the store uses.

    sqlite-utils (and its import cost of ~90 ms) is loaded only when a migration is
    pending, so read commands like `captain status` start fast.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
        """Run one statement inside whatever transaction is open."""
        return self.conn.execute(sql, params)

    def table_names(self) -> list[str]:
        """The tables of the database."""
        return [
            r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]


class StoreError(CaptainError):
    """The state directory or its database cannot be used as it is."""

    exit_code = 2


def open_database(state_dir: Path, *, timeout: float = 10.0) -> Database:
    """Open (creating and migrating when needed) `state_dir/state.db`."""
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(
            f"cannot create the state directory {state_dir}: {error.strerror or error}"
        ) from None
    path = state_dir / "state.db"
    try:
        conn = sqlite3.connect(
            str(path), timeout=timeout, check_same_thread=False, isolation_level=None
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        db = Database(conn)
        _migrate(db, state_dir)
    except sqlite3.DatabaseError as error:
        raise _explain(error, path) from None
    return db


def _migrate(db: Database, state_dir: Path) -> None:
    """Apply pending migrations under a file lock, so two processes never race.

    A brand-new database is created from the statements directly and recorded as
    sqlite-utils records migrations; anything else goes through sqlite-utils."""
    if not _pending(db):
        return
    with open(state_dir / ".migrate.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _pending(db):
            return
        if not db.table_names():
            _create(db)
            return
        from sqlite_utils import Database as Migratable

        from release_captain.store.schema import migrations

        migrations.apply(Migratable(db.conn, execute_plugins=False))


#: The bookkeeping table exactly as sqlite-utils' `Migrations.ensure_migrations_table`
#: creates it (a test compares the two), so later migrations find it as they expect.
_MIGRATIONS_TABLE = (
    'CREATE TABLE "_sqlite_migrations" (\n   "id" INTEGER PRIMARY KEY,\n'
    '   "migration_set" TEXT,\n   "name" TEXT,\n   "applied_at" TEXT\n)',
    'CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"\n'
    '    ON "_sqlite_migrations" ("migration_set", "name")',
)


def _create(db: Database) -> None:
    """Create every table of a new database in one transaction, and record each
    migration as applied."""
    import datetime as dt

    with transaction(db):
        for statements in STATEMENTS.values():
            for statement in statements:
                db.execute(statement)
        for statement in _MIGRATIONS_TABLE:
            db.execute(statement)
        now = str(dt.datetime.now(dt.UTC))
        db.conn.executemany(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
            [(MIGRATION_SET, name, now) for name in STATEMENTS],
        )


def _pending(db: Database) -> bool:
    """Whether a migration is still to apply, read without importing sqlite-utils."""
    try:
        applied = {
            name
            for (name,) in db.conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", (MIGRATION_SET,)
            )
        }
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            return True
        raise
    return not set(MIGRATIONS) <= applied


def _explain(error: sqlite3.DatabaseError, path: Path) -> CaptainError:
    """Turn SQLite's message into a sentence that says what to do."""
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return StateConflict(
            f"the database {path} is locked by another program; close it and try again"
        )
    if "readonly" in text or "unable to open" in text or "permission" in text:
        return StoreError(f"cannot write the database {path}: check the folder's permissions")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StoreError(
            f"the database {path} is corrupt ({error}); move it aside to start afresh, "
            f"or restore it from a backup"
        )
    return StoreError(f"the database {path} cannot be used: {error}")


@contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """A write transaction that takes the write lock at once (`BEGIN IMMEDIATE`), so a
    concurrent writer waits for the busy timeout instead of failing mid-way. Inside an
    open transaction it becomes a savepoint of that transaction."""
    conn = db.conn
    if conn.in_transaction:
        # nested: part of the caller's transaction (a savepoint keeps it all-or-nothing)
        conn.execute("SAVEPOINT nested")
        try:
            yield db
        except BaseException:
            conn.execute("ROLLBACK TO SAVEPOINT nested")
            conn.execute("RELEASE SAVEPOINT nested")
            raise
        conn.execute("RELEASE SAVEPOINT nested")
        return
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.DatabaseError as error:
        raise _explain(error, Path(db.conn.execute("PRAGMA database_list").fetchone()[2])) from None
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def explain_errors(error: sqlite3.DatabaseError, path: Path) -> CaptainError:
    """Public form of `_explain` for the store's other modules."""
    return _explain(error, path)
