"""Provides the branches of a source and their heads (SPEC §11): previews are of branches
other than the watched mainline, so they are read from the repository's `refs/heads/`
(a URL source's mirror keeps the remote's branches there too)."""

from __future__ import annotations

from release_captain.config.model import Source
from release_captain.runtime.git import GitSource
from release_captain.runtime.git_command import SourceError, run_git, text_of

#: Seconds reading the branches may take.
_TIMEOUT = 60.0


def branch_heads(source: Source) -> dict[str, str]:
    """Every branch of `source`'s repository -> the full SHA it points at."""
    out = run_git(
        (
            "-C",
            str(source.path),
            "for-each-ref",
            "--format=%(objectname) %(refname)",
            "refs/heads/",
        ),
        doing="listing branches",
        timeout=_TIMEOUT,
        error=lambda problem: SourceError(f"source '{source.name}': {problem}"),
    )
    heads: dict[str, str] = {}
    for line in text_of(out).splitlines():
        sha, _, ref = line.partition(" ")
        if ref.startswith("refs/heads/"):
            heads[ref.removeprefix("refs/heads/")] = sha
    return heads


def ready(source: Source) -> GitSource:
    """`source` readable now: a URL source's mirror cloned or fetched first, so a branch
    pushed a moment ago is seen."""
    git = GitSource(source)
    git.prepare()
    git.fetch()
    return git
