"""Provides the single-engine lock of a state directory (rule R11).

An exclusive `flock` on `engine.lock`, holding the owner's pid. The kernel releases it
when the process dies, however it dies, so a stale lock from a killed engine is simply
taken over by the next `captain run`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import IO

from release_captain.errors import StateConflict
from release_captain.store.database import private_file


class EngineLock:
    """Held by the one `captain run` of a state directory."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / "engine.lock"
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock, or raise StateConflict naming the process that holds it."""
        handle = os.fdopen(private_file(self.path, os.O_RDWR), "r+")  # held while it runs
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            pid = handle.read().strip() or "unknown"
            handle.close()
            raise StateConflict(
                f"another captain run (pid {pid}) holds the state directory "
                f"{self.path.parent}; stop it first or use another state_dir"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle

    def release(self) -> None:
        """Give the lock up (the kernel does the same if the process dies)."""
        if self._file is not None:
            self._file.seek(0)
            self._file.truncate()
            self._file.flush()
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def engine_pid(state_dir: Path) -> int | None:
    """The pid of the engine holding `state_dir`, or None when no engine runs there."""
    path = state_dir / "engine.lock"
    try:
        handle = open(path)  # noqa: SIM115
    except OSError:
        return None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = handle.read().strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None


def say_holding(state_dir: Path, message: str | None) -> None:
    """Leave word, beside the lock, of why the engine holds (None: it no longer does),
    for `status` and the TUI; best effort, since a full disk may refuse even this."""
    path = state_dir / "engine.holding"
    with contextlib.suppress(OSError):
        if message is None:
            path.unlink(missing_ok=True)
        else:
            with os.fdopen(private_file(path, os.O_WRONLY | os.O_TRUNC), "w") as out:
                out.write(message)


def engine_holding(state_dir: Path) -> str | None:
    """Why the running engine holds, when it does."""
    try:
        text = (state_dir / "engine.holding").read_text().strip()
    except OSError:
        return None
    return text if text and engine_pid(state_dir) is not None else None
