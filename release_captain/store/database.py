"""Provides opening the state database safely: WAL, busy timeout, migrations, and one
clear sentence for each way it can fail (unwritable folder, locked, corrupt)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from release_captain.errors import CaptainError, StateConflict
from release_captain.store.schema_sql import MIGRATION_SET, MIGRATIONS


class Database:
    """The open state database: a `sqlite3` connection with the two calls the store uses."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None = None) -> None:
        self.conn = conn
        self.path = path
        #: Whether the file passed its integrity check (or was made by this process);
        #: until then the connection is query-only, so nothing can write to it.
        self.checked = True

    def execute(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
        """Run one statement inside whatever transaction is open."""
        return self.conn.execute(sql, params)

    def table_names(self) -> list[str]:
        """The tables of the database."""
        return [
            r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]


#: What the captain creates in a state directory is its owner's only (SPEC R10): folders
#: 0700, files 0600, given at creation (never by a process-wide umask, which the user's
#: commands would inherit).
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dir(path: Path) -> Path:
    """Make `path` and any missing parents as folders only their owner can use."""
    missing: list[Path] = []
    here = path
    while not here.is_dir():
        missing.append(here)
        if here.parent == here:
            break
        here = here.parent
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_DIR, exist_ok=True)
    return path


def private_file(path: Path, flags: int = os.O_WRONLY | os.O_APPEND) -> int:
    """Open `path` (made, 0600, in a private folder if missing): a descriptor."""
    try:
        return os.open(path, flags | os.O_CREAT, PRIVATE_FILE)
    except FileNotFoundError:
        private_dir(path.parent)
        return os.open(path, flags | os.O_CREAT, PRIVATE_FILE)


class ReadingConnection:
    """The connection as the read models use it: a cursor whose SQLite errors (a page
    damaged where a read lands, a lock) become the store's one-sentence errors rather
    than an internal error, whether they come at `execute` or while fetching rows."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def execute(self, sql: str, params: Sequence[object] = ()) -> _ReadingCursor:
        """Run a read; errors say what is wrong with the database in one sentence."""
        with self._explained():
            return _ReadingCursor(self._db.conn.execute(sql, params), self._explained)

    @contextmanager
    def _explained(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.DatabaseError as error:
            path = self._db.path or Path("state.db")
            raise _explain(error, path) from None


class _ReadingCursor:
    """A cursor whose every fetch explains SQLite's errors (see `ReadingConnection`)."""

    def __init__(
        self, cursor: sqlite3.Cursor, explained: Callable[[], AbstractContextManager[None]]
    ) -> None:
        self._cursor = cursor
        self._explained = explained

    @property
    def description(self) -> Any:
        """The columns of the rows, as `sqlite3.Cursor.description`."""
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        """Rows a write changed."""
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        """The id of the row a write inserted."""
        return self._cursor.lastrowid

    def fetchone(self) -> Any:
        with self._explained():
            return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        with self._explained():
            return self._cursor.fetchall()

    def __iter__(self) -> Iterator[Any]:
        with self._explained():
            yield from self._cursor


class StoreError(CaptainError):
    """The state directory or its database cannot be used as it is."""

    exit_code = 2


class StoreUnavailable(StateConflict):
    """The database cannot be written just now — locked by another program, a full
    disk, an I/O error: a fault of the machine, not of the pipeline. A command says so
    (exit 3); the engine holds and tries again (rule R10)."""


def open_database(state_dir: Path, *, timeout: float = 10.0) -> Database:
    """Open (creating and migrating when needed) `state_dir/state.db`."""
    path = state_dir / "state.db"
    try:
        private_dir(state_dir)
        if state_dir.stat().st_mode & 0o077:
            # Made by an older captain: closing the folder closes everything in it.
            with contextlib.suppress(PermissionError):
                state_dir.chmod(PRIVATE_DIR)
        private_dir(state_dir / "logs")  # the steps' logs go there (`Store.logs`)
        if not path.exists():
            # Made empty, 0600: SQLite gives the -wal and -shm files the same mode.
            os.close(private_file(path, os.O_RDWR))
    except OSError as error:
        raise StoreError(
            f"cannot create the state directory {state_dir}: {error.strerror or error}"
        ) from None
    # A new database is switched to WAL and given its schema under the schema lock: a
    # second opener switching it meanwhile would void the first one's snapshot, and
    # SQLite fails that write at once rather than waiting.
    new = not path.exists() or path.stat().st_size == 0
    try:
        with _schema_lock(state_dir) if new else contextlib.nullcontext():
            db = _open(path, state_dir, timeout, locked=new)
    except sqlite3.DatabaseError as error:
        raise _explain(error, path) from None
    return db


def _open(path: Path, state_dir: Path, timeout: float, *, locked: bool) -> Database:
    conn = sqlite3.connect(
        str(path), timeout=timeout, check_same_thread=False, isolation_level=None
    )
    try:
        _use_wal(conn, timeout)
        conn.execute("PRAGMA synchronous=NORMAL")
        db = Database(conn, path)
        if not _migrate(db, state_dir, path, locked=locked):
            # Reads need no check (they say so if they meet damage); the first write
            # transaction checks the file first (`transaction`).
            conn.execute("PRAGMA query_only=ON")
            db.checked = False
    except BaseException:
        conn.close()
        raise
    return db


@contextlib.contextmanager
def _schema_lock(state_dir: Path) -> Iterator[None]:
    """The file lock under which one process at a time creates or migrates the schema."""
    with os.fdopen(private_file(state_dir / ".migrate.lock", os.O_WRONLY), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def ensure_intact(db: Database) -> None:
    """Refuse to write a database that fails its integrity check (issue 12): run
    `PRAGMA quick_check` once per connection, before its first write; a damaged file
    stays byte-identical. About 140 ms per 100 MB (docs/benchmarks.md), paid only by
    commands that write, never by `status` and the other reads."""
    if db.checked:
        return
    path = db.path or Path(db.conn.execute("PRAGMA database_list").fetchone()[2])
    try:
        found = [row[0] for row in db.conn.execute("PRAGMA quick_check(3)")]
    except sqlite3.DatabaseError as error:
        raise _damaged(path, str(error)) from None
    if found != ["ok"]:
        raise _damaged(path, "; ".join(str(line) for line in found))
    db.conn.execute("PRAGMA query_only=OFF")
    db.checked = True


def _damaged(path: Path, detail: str) -> StoreError:
    detail = " ".join(detail.split())
    if len(detail) > 160:
        detail = detail[:159] + "…"
    return StoreError(
        f"the database {path} is corrupt or damaged ({detail}) and the captain will not "
        f"write to it; move it aside to start afresh, or restore it from a backup"
    )


def _use_wal(conn: sqlite3.Connection, timeout: float) -> None:
    """Switch a database to WAL. The switch of a new, empty database needs a lock that
    SQLite does not wait for, and a second process opening the same new state
    directory meanwhile would fail at once: it waits here, up to the busy timeout."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def _migrate(db: Database, state_dir: Path, path: Path, *, locked: bool = False) -> bool:
    """Create or migrate the database with sqlite-utils' `Migrations`, under a file lock
    so two processes never race; refuse a database written by a newer captain, and one
    that fails its integrity check. True when it wrote (so the file was checked)."""
    # A plain read first: sqlite-utils is imported only when something is pending.
    if _up_to_date(db, path):
        return False
    with contextlib.nullcontext() if locked else _schema_lock(state_dir):
        if _up_to_date(db, path):
            return False
        if db.table_names():  # an older schema: check it before migrating it
            db.checked = False
            ensure_intact(db)
        from sqlite_utils import Database as Migratable

        from release_captain.store.schema import migrations

        migrations.apply(Migratable(db.conn, execute_plugins=False))
        return True


def _up_to_date(db: Database, path: Path) -> bool:
    """Whether every migration is applied; raises when one this code does not know is."""
    try:
        applied = {
            name
            for (name,) in db.conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", (MIGRATION_SET,)
            )
        }
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            return False
        raise
    unknown = applied - set(MIGRATIONS)
    if unknown:
        raise StateConflict(
            f"the database {path} was written by a newer captain (it has migration "
            f"{', '.join(sorted(unknown))}); upgrade the captain to use this state directory"
        )
    return set(MIGRATIONS) <= applied


def _explain(error: sqlite3.DatabaseError, path: Path) -> CaptainError:
    """Turn SQLite's message into a sentence that says what to do."""
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return StoreUnavailable(
            f"the database {path} is locked by another program; close it and try again"
        )
    if "full" in text:
        return StoreUnavailable(f"the disk holding {path} is full; free some space")
    if "disk i/o" in text:
        return StoreUnavailable(f"the disk holding {path} failed a write (I/O error)")
    if "readonly" in text or "unable to open" in text or "permission" in text:
        return StoreError(f"cannot write the database {path}: check the folder's permissions")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return _damaged(path, str(error))
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
    ensure_intact(db)
    path = db.path or Path(db.conn.execute("PRAGMA database_list").fetchone()[2])
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.DatabaseError as error:
        raise _explain(error, path) from None
    try:
        yield db
    except BaseException as error:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.DatabaseError):
                conn.execute("ROLLBACK")
        if isinstance(error, sqlite3.DatabaseError):
            raise _explain(error, path) from None
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.DatabaseError as error:
        with contextlib.suppress(sqlite3.DatabaseError):
            conn.execute("ROLLBACK")
        raise _explain(error, path) from None


def explain_errors(error: sqlite3.DatabaseError, path: Path) -> CaptainError:
    """Public form of `_explain` for the store's other modules."""
    return _explain(error, path)
