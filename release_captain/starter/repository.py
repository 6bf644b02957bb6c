"""Provides what `captain init` needs to know of the repository it runs in: its root,
the branch checked out, and whether it has a commit to build yet."""

from __future__ import annotations

import re
from pathlib import Path

from msgspec import Struct

from release_captain.errors import CaptainError, UsageError
from release_captain.runtime.git_command import run_git, text_of

_GIT_TIMEOUT = 30.0


class Repository(Struct, frozen=True, kw_only=True):
    """The git repository around the folder where `captain init` runs."""

    #: The repository's top folder.
    root: Path
    #: The branch checked out there: the one the pipeline watches.
    branch: str

    @property
    def project(self) -> str:
        """The project's name, made of the root folder's name: lower case, `[a-z0-9._-]`,
        so it fits a pipeline name and a file name in a build command."""
        name = re.sub(r"[^a-z0-9._-]+", "-", self.root.name.lower()).strip("-._")
        return name or "app"


def _git(folder: Path, *args: str) -> str | None:
    """`git -C folder ARGS`' output, or None when it fails."""
    try:
        out = run_git(
            ["-C", str(folder), *args],
            doing=f"git {args[0]}",
            timeout=_GIT_TIMEOUT,
            error=CaptainError,
        )
    except CaptainError:
        return None
    return text_of(out).strip()


def repository_at(folder: Path) -> Repository:
    """The repository `folder` is in, with its current branch and at least one commit.

    A folder outside git, a repository without a commit and a detached HEAD are usage
    errors (exit 2): the folder is not ready for a pipeline yet, and one sentence says
    what to do. Nothing the captain recorded is in conflict, so it is not exit 3.
    """
    top = _git(folder, "rev-parse", "--show-toplevel")
    if not top:
        raise UsageError(
            f"captain init runs in a git repository, and {folder} is not in one "
            f"(git init, then commit your project)"
        )
    root = Path(top)
    if _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}") is None:
        raise UsageError(
            f"the repository at {root} has no commit yet: commit your project first, "
            f"so that the captain has a head to build"
        )
    branch = _git(root, "symbolic-ref", "--quiet", "--short", "HEAD")
    if not branch:
        raise UsageError(
            f"HEAD is detached in {root}: check out the branch the captain should watch "
            f"(git switch main), then run captain init again"
        )
    return Repository(root=root, branch=branch)


def is_ignored(repository: Repository, path: Path) -> bool:
    """Whether git ignores the folder `path` (the state directory belongs in no commit).

    The trailing slash lets a folder pattern (`.captain/`) match before it exists."""
    found = _git(repository.root, "check-ignore", "--quiet", "--no-index", f"{path}/")
    return found is not None
