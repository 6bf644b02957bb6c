"""Provides the version trees behind `CAPTAIN_CHECKOUT` (SPEC §5): one clean checkout of
the primary source per version, made the first time a step of the version needs it and
removed once no stage runs or verifies the version any more.

An approval that runs the commit's own tests needs the commit's files, and the build's
checkout is gone (and dirtied by the build) by then. One tree per version, shared by
every target's steps, costs one checkout however many regions run it.

A tree is made under a temporary name and renamed into place, so a crash half-way never
leaves a half tree under the version's name; leftovers are removed by the next prune.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from release_captain.errors import CaptainError
from release_captain.runtime.folders import remove_tree
from release_captain.runtime.watched_source import WatchedSource
from release_captain.store.database import private_dir
from release_captain.wording import version_name

_PARTIAL = ".partial-"


class Checkouts:
    """The `worktrees/checkouts/` folder of the state directory. Used from the loop's
    thread only, so a tree is never pruned while it is being made."""

    def __init__(self, root: Path, source: WatchedSource | None) -> None:
        self.root = root
        self._source = source

    def tree(self, version: int, sha: str) -> Path:
        """The folder holding exactly `sha`'s tree for `version`, made if missing.

        Raises `CaptainError` when the commit cannot be checked out (it was rewritten
        away, or the repository is gone).
        """
        final = self.root / version_name(version)
        if final.is_dir():
            return final
        if self._source is None:
            raise CaptainError("the primary source is not watched by this engine")
        private_dir(self.root)
        partial = self.root / f"{version_name(version)}{_PARTIAL}{os.getpid()}"
        remove_tree(partial)
        try:
            self._source.checkout(sha, partial)
            partial.rename(final)
        except OSError as error:
            remove_tree(partial)
            raise CaptainError(
                f"cannot make the tree of {version_name(version)}: {error}"
            ) from error
        except CaptainError:
            remove_tree(partial)
            raise
        return final

    def keep_only(self, versions: Iterable[int]) -> None:
        """Remove every tree but those of `versions` (and any half-made leftover)."""
        keep = {version_name(v) for v in versions}
        try:
            entries = list(os.scandir(self.root))
        except FileNotFoundError:
            return
        for entry in entries:
            if entry.name not in keep:
                remove_tree(Path(entry.path))
