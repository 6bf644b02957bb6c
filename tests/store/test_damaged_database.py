"""A database that fails its integrity check is never written by any command (issue 12,
finding 7): damaged in the middle, where `pause` and `run` never read, it stays
byte-identical, and the commands that would write say so in one sentence."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from release_captain.errors import CaptainError
from release_captain.store import Store
from release_captain.testing_git import commit, init_repo

PIPELINE = """
[pipeline]
name = "damaged"

[[sources]]
name = "app"
repo = "repo"

[build]
run = ["true"]

[defaults]
deploy = "true"

[[stages]]
name = "beta"
targets = ["local"]
"""

PAGE = 4096


def captain(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "release_captain", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )


def _pad_and_damage(db: Path) -> None:
    """Fill the audit log with enough rows for many pages, then overwrite one page of
    it in the middle of the file."""
    conn = sqlite3.connect(db)
    conn.executemany(
        "INSERT INTO events (at, kind, version, stage, target, detail) VALUES (?,?,?,?,?,?)",
        [(1.0 + i, "note", 1, "beta", "local", "x" * 200) for i in range(8000)],
    )
    conn.commit()
    (pages,) = conn.execute("PRAGMA page_count").fetchone()
    leaves = [
        n
        for (n,) in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'events' AND pagetype = 'leaf'"
        )
    ]
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    middle = min(leaves, key=lambda n: abs(n - pages // 2))
    with open(db, "r+b") as handle:
        handle.seek((middle - 1) * PAGE)
        handle.write(b"\xde\xad\xbe\xef" * (PAGE // 4))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "repo")
    commit(repo, {"app.txt": "one\n"}, "first")
    (tmp_path / "pipeline.toml").write_text(PIPELINE)
    done = captain(tmp_path, "run", "--headless", "--until-idle")
    assert done.returncode == 0, done.stderr
    db = tmp_path / ".captain" / "state.db"
    _pad_and_damage(db)
    return db


def test_no_command_writes_a_database_damaged_in_the_middle(damaged: Path) -> None:
    root = damaged.parent.parent
    before = _sha(damaged)
    for command in (["pause", "beta"], ["run", "--headless", "--until-idle"], ["resume", "beta"]):
        done = captain(root, *command)
        assert _sha(damaged) == before, f"captain {' '.join(command)} wrote to the file"
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1, done.stderr
        assert "is corrupt or damaged" in done.stderr and "move it aside" in done.stderr
    # `status` reads what it can and writes nothing; the page it would need is intact.
    done = captain(root, "status", "--json")
    assert _sha(damaged) == before
    assert done.returncode == 0, done.stderr


def test_a_damaged_database_is_refused_at_the_first_write(damaged: Path) -> None:
    before = _sha(damaged)
    store = Store(damaged.parent)
    try:
        with (
            pytest.raises(CaptainError, match="corrupt or damaged.*move it aside"),
            store.write(),
        ):
            pass
    finally:
        store.close()
    assert _sha(damaged) == before


def test_a_read_that_meets_the_damage_says_so_in_one_sentence(damaged: Path) -> None:
    """`history` reads the damaged audit log: one sentence and exit 2, the file
    untouched — it used to end in 'internal error', exit 1."""
    root = damaged.parent.parent
    before = _sha(damaged)
    done = captain(root, "history", "--json")
    assert _sha(damaged) == before
    assert done.returncode == 2, (done.stdout[-300:], done.stderr)
    assert "internal error" not in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert "is corrupt or damaged" in done.stderr
