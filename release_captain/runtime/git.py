"""Provides the watched sources through git (rules R1 and R2): branch heads, the commits
a new version includes, mirrors of URL sources, and clean checkouts of exact commits.

Heads and the commits of a new version come from the `git` command (one `git log`
lists them all, and `captain run` does not wait for GitPython's import); GitPython reads
single commit objects: one whose message `git log -z` cannot frame, and the parents and
files of a change. A checkout is a separate clone sharing the repository's objects: the
user's working copy, index and HEAD are never touched.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

from release_captain.config.model import Source
from release_captain.runtime.git_command import (
    SourceError,
    is_git_dir,
    redact,
    run_git,
    text_of,
)
from release_captain.runtime.watched_source import Change, CommitInfo
from release_captain.store.database import private_dir

_REVISION = re.compile(r"^[0-9a-fA-F]{4,64}$")
#: `git log` fields: sha, author name, author email, commit time, raw message.
_LOG_FORMAT = "%H%x00%an%x00%ae%x00%ct%x00%B"
_LOG_FIELDS = 5


class GitSource:
    """One watched repository and branch."""

    #: Seconds a clone, fetch or checkout may take before it is abandoned.
    git_timeout: float = 600.0

    def __init__(self, source: Source) -> None:
        self.source = source
        #: The repository's common git folder, once found (also the proof it is one).
        self._common: Path | None = None
        self._lock = threading.RLock()

    # -- lifecycle -------------------------------------------------------------------

    def prepare(self) -> None:
        """Make the repository readable: clone a URL source's mirror if it is missing, or
        check that a local source is a git repository."""
        if self.source.is_url:
            path = self.source.path
            if is_git_dir(path):
                self._ensure_remote(path)
            else:
                self._clone_mirror(path)
        self._common_dir()

    def fetch(self) -> None:
        """Bring a URL source's mirror up to date; a local source needs nothing."""
        if not self.source.is_url:
            return
        if not is_git_dir(self.source.path):
            self.prepare()
            return
        self._git(
            "-C",
            str(self.source.path),
            "fetch",
            "--prune",
            "--quiet",
            "origin",
            doing=f"fetching {redact(self.source.repo)}",
        )

    def close(self) -> None:
        """Forget what was learnt of the repository (it may be replaced meanwhile)."""
        with self._lock:
            self._common = None

    # -- reading -------------------------------------------------------------------

    def head(self) -> str | None:
        """The full SHA the branch points at, or None when the branch does not exist."""
        branch = self.source.branch
        if not branch or branch.startswith(("/", "-")) or ".." in branch or "\\" in branch:
            raise self._error(f"branch '{branch}' is not a valid branch name")
        common = self._common_dir()
        out = self._git(
            "-C",
            str(self.source.path),
            "rev-parse",
            "--quiet",
            "--verify",
            f"refs/heads/{branch}^{{commit}}",
            doing=f"reading branch {branch}",
            check=False,
        )
        sha = text_of(out).strip()
        if _REVISION.match(sha):
            return sha
        if not common.is_dir():
            self.close()
            raise self._error(f"{self.source.path} is no longer a git repository")
        return None

    def commit(self, sha: str) -> CommitInfo:
        """The commit `sha`: author, full message and time."""
        self._check_revision(sha)
        try:
            found = self._log([sha], 1)
        except SourceError:
            found = []
        if not found:
            raise self._error(f"commit {sha[:12]} does not exist")
        return found[0]

    def change(self, sha: str) -> Change:
        """The parents of commit `sha` and the files it touched, as GitPython reads the
        commit object (for the TUI's diff before an approval)."""
        from git import NULL_TREE, BadName, BadObject, Repo

        self._check_revision(sha)
        repo = Repo(self.source.path)
        try:
            found = repo.commit(sha)
            parents = tuple(p.hexsha for p in found.parents)
            # Against the first parent; a root commit against the empty tree.
            diffs = found.parents[0].diff(found) if found.parents else found.diff(NULL_TREE)
            files = {d.b_path or d.a_path for d in diffs}
        except (BadName, BadObject, ValueError):
            raise self._error(f"commit {sha[:12]} does not exist") from None
        finally:
            repo.close()
        return Change(sha=found.hexsha, parents=parents, files=tuple(sorted(f for f in files if f)))

    def files_touched(self, shas: list[str]) -> dict[str, int]:
        """path -> how many of the commits `shas` touched it, each against its first
        parent as `change` reads one, in one `git log` (for the TUI's diff before an
        approval). Read-only: a URL source's mirror is not fetched for it."""
        if not shas:
            return {}
        for sha in shas:
            self._check_revision(sha)
        self._common_dir()
        out = self._git(
            "-C",
            str(self.source.path),
            "log",
            "--no-walk=unsorted",
            "--format=%x01%H",
            "--name-only",
            "-z",
            "--diff-merges=first-parent",
            *shas,
            "--",
            doing=f"listing the files of {len(shas)} commits",
        )
        counts: dict[str, int] = {}
        for chunk in out.split(b"\x01")[1:]:
            for name in chunk.split(b"\0")[1:]:
                path = text_of(name.lstrip(b"\n"))
                if path:
                    counts[path] = counts.get(path, 0) + 1
        return counts

    def commits_between(self, old: str | None, new: str, *, limit: int = 5000) -> list[CommitInfo]:
        """The commits reachable from `new` but not from `old`, newest first.

        After a force-push that is `new`'s side of the fork; when `old` is None or no
        longer exists, `new`'s history up to `limit` commits.
        """
        if old == new:
            return []
        self._check_revision(new)
        if old is not None and _REVISION.match(old):
            try:
                return self._log([new, f"^{old}"], limit)
            except SourceError:
                pass  # `old` is gone (garbage-collected after a rewrite): fall through
        return self._log([new], limit)

    def checkout(self, sha: str, dest: Path) -> None:
        """A clean checkout of exactly `sha` into `dest`, sharing the repository's objects.

        The clone is separate, so the user's working copy, index and HEAD stay untouched.
        """
        self._check_revision(sha)
        if dest.exists() and any(dest.iterdir()):
            raise self._error(f"cannot check out into {dest}: the folder is not empty")
        private_dir(dest.parent)
        try:
            self._git(
                "clone",
                "--quiet",
                "--shared",
                "--no-checkout",
                # No template: hook samples and the like are files to write and remove
                # for every build (hooks never run here anyway).
                "--template=",
                str(self.source.path),
                str(dest),
                doing=f"cloning {self.source.path} into {dest}",
            )
            self._git(
                "-C",
                str(dest),
                "-c",
                "core.hooksPath=/dev/null",
                "-c",
                "advice.detachedHead=false",
                "checkout",
                "--quiet",
                "--detach",
                sha,
                doing=f"checking out commit {sha[:12]}",
            )
        except SourceError:
            shutil.rmtree(dest, ignore_errors=True)
            raise

    def watch_paths(self) -> list[Path]:
        """What to watch for instant detection of a local source: the `refs/heads` folder
        and the git folder itself (for `packed-refs`). URL sources are polled instead."""
        if self.source.is_url:
            return []
        common = self._common_dir()
        return [common / "refs" / "heads", common]

    # -- internals -------------------------------------------------------------------

    def _common_dir(self) -> Path:
        """The repository's common git folder; raises when the source is no repository."""
        with self._lock:
            if self._common is None:
                path = self.source.path
                if not path.exists():
                    what = "has not been cloned" if self.source.is_url else "does not exist"
                    raise self._error(f"{path} {what}")
                self._common = self._ask_common_dir(path)
            return self._common

    def _ask_common_dir(self, path: Path) -> Path:
        out = self._git(
            "-C",
            str(path),
            "rev-parse",
            "--git-common-dir",
            doing="opening the repository",
            check=False,
        )
        found = text_of(out).strip()
        if not found:
            raise self._error(f"{path} is not a git repository")
        return (path / found).resolve()

    def _log(self, revisions: list[str], limit: int) -> list[CommitInfo]:
        out = self._git(
            "-C",
            str(self.source.path),
            # The user's config must not change what we parse.
            "-c",
            "log.showSignature=false",
            "-c",
            "i18n.logOutputEncoding=UTF-8",
            "log",
            "-z",
            f"--format={_LOG_FORMAT}",
            f"--max-count={max(limit, 0)}",
            *revisions,
            "--",
            doing=f"listing commits of {revisions[0][:12]}",
        )
        parts = out.split(b"\0")
        if parts and parts[-1] in (b"", b"\n"):
            parts.pop()
        if len(parts) % _LOG_FIELDS:
            return self._log_slowly(revisions, limit)
        commits = []
        for i in range(0, len(parts), _LOG_FIELDS):
            sha, name, email, when, message = parts[i : i + _LOG_FIELDS]
            commits.append(
                CommitInfo(
                    sha=text_of(sha).strip(),
                    author=text_of(name),
                    email=text_of(email),
                    message=text_of(message).rstrip("\n"),
                    committed_at=float(when or 0),
                )
            )
        return commits

    def _log_slowly(self, revisions: list[str], limit: int) -> list[CommitInfo]:
        """One commit object at a time: for a message `git log -z` cannot frame (one with
        a NUL byte)."""
        from git import Repo

        listed = self._git(
            "-C",
            str(self.source.path),
            "rev-list",
            f"--max-count={max(limit, 0)}",
            *revisions,
            "--",
            doing=f"listing commits of {revisions[0][:12]}",
        )
        repo = Repo(self.source.path)
        try:
            commits = [repo.commit(sha) for sha in text_of(listed).split()]
            return [
                CommitInfo(
                    sha=c.hexsha,
                    author=str(c.author.name or ""),
                    email=str(c.author.email or ""),
                    message=text_of(c.message).rstrip("\n"),
                    committed_at=float(c.committed_date),
                )
                for c in commits
            ]
        finally:
            repo.close()

    def _clone_mirror(self, path: Path) -> None:
        if path.exists() and any(path.iterdir()):
            raise self._error(f"{path} exists but is not a git mirror; remove it to clone again")
        private_dir(path.parent)
        # Clone beside it and rename, so a clone cut off halfway never looks like a mirror.
        temp = path.with_name(f".{path.name}.cloning-{os.getpid()}")
        shutil.rmtree(temp, ignore_errors=True)
        try:
            self._git(
                "clone",
                "--mirror",
                "--quiet",
                # objects and packs owner-only (SPEC R10); the folder of mirrors is 0700
                "--config",
                "core.sharedRepository=0600",
                self.source.repo,
                str(temp),
                doing=f"cloning {redact(self.source.repo)}",
            )
            if path.exists():
                path.rmdir()
            os.replace(temp, path)
        finally:
            shutil.rmtree(temp, ignore_errors=True)

    def _ensure_remote(self, path: Path) -> None:
        """Point an existing mirror at the configured URL (it may have changed)."""
        url = self._git(
            "-C",
            str(path),
            "config",
            "--get",
            "remote.origin.url",
            doing="reading the mirror's URL",
            check=False,
        )
        if text_of(url).strip() != self.source.repo:
            self._git(
                "-C",
                str(path),
                "remote",
                "set-url",
                "origin",
                self.source.repo,
                doing="updating the mirror's URL",
            )

    def _git(self, *args: str, doing: str, check: bool = True) -> bytes:
        return run_git(args, doing=doing, timeout=self.git_timeout, check=check, error=self._error)

    def _check_revision(self, sha: str) -> None:
        # Refuses anything git could read as an option or a range.
        if not _REVISION.match(sha):
            raise self._error(f"'{sha}' is not a commit SHA")

    def _error(self, problem: str) -> SourceError:
        return SourceError(f"source '{self.source.name}': {problem}")
