"""Provides what a watched source is to the loop (rule R1): the `WatchedSource` protocol
that `runtime.git.GitSource` implements and tests fake, and the commit records it
answers with."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from msgspec import Struct


class CommitInfo(Struct, frozen=True, kw_only=True):
    """One commit, as a version records it."""

    sha: str
    #: The author's name.
    author: str
    #: The full commit message (trailing newlines removed).
    message: str
    #: Commit time, seconds since the epoch.
    committed_at: float
    email: str = ""


class Change(Struct, frozen=True, kw_only=True):
    """What one commit changed: its parents and the files it touched."""

    sha: str
    #: The parents' SHAs, first parent first (none for a root commit).
    parents: tuple[str, ...]
    #: The paths the commit added, changed or removed against its first parent.
    files: tuple[str, ...]


class WatchedSource(Protocol):
    """What the loop needs of a watched source; `GitSource` is the real one, and
    `release_captain.testing.FakeSource` the one tests set heads on by hand."""

    def prepare(self) -> None:
        """Make the source readable (clone a mirror, check the repository)."""
        ...

    def fetch(self) -> None:
        """Bring a URL source's mirror up to date."""
        ...

    def close(self) -> None:
        """Forget what was learnt of the repository."""
        ...

    def head(self) -> str | None:
        """The branch's head, or None when the branch does not exist."""
        ...

    def commit(self, sha: str) -> CommitInfo:
        """One commit's author, time and message."""
        ...

    def commits_between(self, old: str | None, new: str, *, limit: int = 5000) -> list[CommitInfo]:
        """The commits after `old` up to `new`, newest first."""
        ...

    def checkout(self, sha: str, dest: Path) -> None:
        """A clean checkout of exactly `sha` in `dest`."""
        ...

    def watch_paths(self) -> list[Path]:
        """Files whose change means the head may have moved."""
        ...
