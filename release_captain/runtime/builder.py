"""Provides building one version once (rule R2): a clean checkout of exactly its commits,
the checks, the build commands, and the artefacts stored by digest.

The checkout is never the user's working copy, and it is removed afterwards whatever
happened, so no build sees another's leftovers. Commit messages and authors reach the
commands only through `extra_env` (rule R12).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path

from msgspec import Struct

from release_captain.config.model import Pipeline
from release_captain.errors import CaptainError
from release_captain.runtime.artefacts import ArtefactStore, StoredArtefact
from release_captain.runtime.environment import command_env
from release_captain.runtime.folders import remove_tree
from release_captain.runtime.shell import Runner
from release_captain.runtime.watched_source import WatchedSource
from release_captain.store.database import PRIVATE_DIR, private_dir, private_file


class BuildOutcome(Struct, frozen=True, kw_only=True):
    """How a build ended."""

    ok: bool
    artefacts: tuple[StoredArtefact, ...]
    #: One sentence: "check 'ruff check .' exited 1", "built 2 artefacts".
    detail: str


class Builder:
    """Builds versions of one pipeline."""

    def __init__(
        self,
        *,
        pipeline: Pipeline,
        runner: Runner,
        store: ArtefactStore,
        sources: Mapping[str, WatchedSource],
        base_env: Mapping[str, str],
    ) -> None:
        self._pipeline = pipeline
        self._runner = runner
        self._store = store
        self._sources = sources
        self._base_env = dict(base_env)

    def build(
        self,
        *,
        version: str,
        commits: Mapping[str, str],
        log: Path,
        extra_env: Mapping[str, str] | None = None,
        cancel: threading.Event | None = None,
    ) -> BuildOutcome:
        """Build `version` from `commits` (source name -> SHA), appending all output to `log`."""
        work = self._pipeline.state_dir / "worktrees" / version
        try:
            remove_tree(work)
            private_dir(work)
            return self._build(work, version, commits, log, extra_env, cancel)
        except CaptainError as error:
            return self._failed(log, str(error))
        except OSError as error:
            return self._failed(log, f"the build could not use its folder {work}: {error}")
        finally:
            remove_tree(work)

    def _build(
        self,
        work: Path,
        version: str,
        commits: Mapping[str, str],
        log: Path,
        extra_env: Mapping[str, str] | None,
        cancel: threading.Event | None,
    ) -> BuildOutcome:
        pipeline = self._pipeline
        checkouts: dict[str, Path] = {}
        for source in pipeline.sources:
            sha = commits.get(source.name)
            if not sha:
                return self._failed(log, f"no commit is recorded for source '{source.name}'")
            dest = work / source.name
            _note(log, f"# checking out {source.name} at {sha}")
            self._sources[source.name].checkout(sha, dest)
            checkouts[source.name] = dest
        # A source may be called `out`; the output folder then steps aside.
        out = work / ("out" if "out" not in checkouts else ".out")
        out.mkdir(mode=PRIVATE_DIR)
        env = command_env(
            self._base_env,
            pipeline=pipeline.name,
            action="build",
            version=version,
            commits=commits,
            primary=pipeline.primary.name,
            artefacts=out,
            state_dir=pipeline.state_dir,
            pipeline_dir=pipeline.root,
            out=out,
            sources=checkouts,
            extra=extra_env,
        )
        cwd = checkouts[pipeline.primary.name]
        steps = [("check", c) for c in pipeline.build.checks]
        steps += [("build command", c) for c in pipeline.build.run]
        for what, command in steps:
            if cancel is not None and cancel.is_set():
                return self._failed(log, "the build was cancelled")
            result = self._runner.run(
                command, cwd=cwd, env=env, timeout=pipeline.build.timeout, log=log, cancel=cancel
            )
            if not result.ok:
                return BuildOutcome(
                    ok=False, artefacts=(), detail=f"{what} '{command}' {result.describe()}"
                )
        stored = self._store.collect(out, pipeline.build.artefacts)
        for artefact in stored:
            _note(log, f"# stored {artefact.name} sha256 {artefact.sha256} ({artefact.size} bytes)")
        return BuildOutcome(ok=True, artefacts=tuple(stored), detail=_built(stored))

    @staticmethod
    def _failed(log: Path, detail: str) -> BuildOutcome:
        _note(log, f"# {detail}")
        return BuildOutcome(ok=False, artefacts=(), detail=detail)


def _built(stored: list[StoredArtefact]) -> str:
    if not stored:
        return "built with no artefacts"
    if len(stored) == 1:
        return f"built 1 artefact: {stored[0].name}"
    return f"built {len(stored)} artefacts"


def _note(log: Path, line: str) -> None:
    with os.fdopen(private_file(log), "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
