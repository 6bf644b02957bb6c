"""Provides a glance at the state that never writes: the version numbers recorded, for
shell completion. It opens the database read-only, so it never creates, migrates or
locks one, and it answers nothing rather than fail (a completion must never print an
error)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def recorded_versions(state_dir: Path, *, limit: int = 50) -> list[int]:
    """The newest `limit` version numbers recorded in `state_dir`, newest first; none
    when there is no state there or it cannot be read."""
    path = state_dir / "state.db"
    if not path.is_file():
        return []
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0.2)
    except sqlite3.Error:
        return []
    try:
        rows = conn.execute(
            "SELECT number FROM versions ORDER BY number DESC LIMIT ?", (limit,)
        ).fetchall()
    except sqlite3.Error:
        return []
    finally:
        conn.close()
    return [int(number) for (number,) in rows]
