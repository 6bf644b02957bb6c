"""Provides `changes_of`: what a version brings over the version a stage last passed —
the commits between the two (recorded in the store when each version was detected) and
the files those commits touch (read from git, read-only) — so a person sees the diff
before approving. One answer for every face: the TUI's approval dialog asks it, and a
CLI command could print it unchanged."""

from __future__ import annotations

from msgspec import Struct

from release_captain.config.model import Pipeline
from release_captain.errors import CaptainError, StateConflict, UsageError
from release_captain.store import Store
from release_captain.wording import version_name

#: The most commits whose files are read: one `git log` with this many arguments stays
#: quick, and a person reads no more.
MAX_FILE_COMMITS = 500


class CommitChange(Struct, frozen=True, kw_only=True):
    """One commit between the two versions."""

    #: The version that brought it.
    version: int
    source: str
    sha: str
    author: str
    summary: str


class FileTouch(Struct, frozen=True, kw_only=True):
    """One file the commits touch."""

    #: The path in its repository (`source:path` when the pipeline has several sources).
    path: str
    #: How many of the commits touched it.
    commits: int


class ChangesView(Struct, frozen=True, kw_only=True):
    """What `version` brings over what `stage` last passed."""

    stage: str
    version: int
    #: The newest version the stage passed, the base of the comparison; None when none
    #: has, and then the version's own commits are shown.
    since: int | None
    #: Newest version first, each version's commits in their recorded order.
    commits: tuple[CommitChange, ...]
    #: Most touched first, then by path.
    files: tuple[FileTouch, ...]
    #: Why the files are missing or partial ("" when all were read): a repository that
    #: cannot be reached is said here rather than failing the whole answer.
    files_note: str = ""


def changes_of(pipeline: Pipeline, store: Store, stage: str, version: int) -> ChangesView:
    """The commits and files between `stage`'s passed version and `version`."""
    if pipeline.stage(stage) is None:
        names = ", ".join(s.name for s in pipeline.stages)
        raise UsageError(f"no stage named '{stage}' (stages: {names})")
    if not store.views.version_exists(version):
        raise StateConflict(f"there is no version {version_name(version)}")
    since = store.views.stage_states(stage)[0]
    after = version - 1 if since is None else min(since, version)
    commits = tuple(
        CommitChange(version=number, source=c.source, sha=c.sha, author=c.author, summary=c.summary)
        for number, c in store.versions.commits_since(after, version)
    )
    files, note = _files_of(pipeline, commits)
    return ChangesView(
        stage=stage, version=version, since=since, commits=commits, files=files, files_note=note
    )


def _files_of(
    pipeline: Pipeline, commits: tuple[CommitChange, ...]
) -> tuple[tuple[FileTouch, ...], str]:
    """The files the commits touch, source by source, and a note when that is partial."""
    from release_captain.runtime.git import GitSource

    read = commits[:MAX_FILE_COMMITS]
    counts: dict[str, int] = {}
    problems = []
    several = len(pipeline.sources) > 1
    for source in pipeline.sources:
        shas = [c.sha for c in read if c.source == source.name]
        if not shas:
            continue
        git = GitSource(source)
        try:
            touched = git.files_touched(shas)
        except (CaptainError, OSError) as error:
            problems.append(f"the repository of {source.name} is not reachable: {error}")
            continue
        finally:
            git.close()
        for path, count in touched.items():
            counts[f"{source.name}:{path}" if several else path] = count
    if len(commits) > len(read):
        problems.append(f"files of the newest {len(read)} of {len(commits)} commits")
    files = tuple(
        FileTouch(path=path, commits=n)
        for path, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    )
    return files, "; ".join(problems)
