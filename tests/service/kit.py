"""The service over the harness: a `Captain` on a fake clock, scripted commands and fake
sources, with no engine holding the state directory (so people's commands act directly,
as they do when no `captain run` is going)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from release_captain.service import Captain
from release_captain.testing import Call, Harness, harness

PIPELINE = """
[pipeline]
name = "svc"

[[sources]]
name = "app"
repo = "repo"

[build]
run = ["make"]

[defaults]
deploy = "deploy"
"""

#: Every command the pipelines below run, succeeding.
OK: dict[str, int | Callable[[Call], int]] = {"make": 0, "deploy": 0, "check": 0, "errors": 0}


class Service:
    """A harness and the captain over it."""

    def __init__(
        self,
        folder: Path,
        stages: str,
        script: dict[str, int | Callable[[Call], int]] | None = None,
    ) -> None:
        self.h: Harness = harness(folder, PIPELINE + stages, script={**OK, **(script or {})})
        self.captain = Captain(
            self.h.pipeline, clock=self.h.clock, store=self.h.store, runner=self.h.runner
        )

    def commit(self, sha: str, message: str = "change", author: str = "Ada") -> None:
        """Move the source's head and let the engine take it as far as it goes."""
        self.h.sources["app"].commit_to(sha, message, author)
        self.h.announce_commit()
        self.h.settle()

    def advance(self, seconds: float) -> None:
        self.h.advance(seconds)

    def settle(self) -> None:
        self.h.settle()

    def targets(self) -> dict[tuple[str, str], tuple[int | None, str]]:
        """(stage, target) -> (the version it runs, its state)."""
        return self.h.store.views.targets()

    def stage_states(self, version: int) -> dict[str, str]:
        """stage -> what became of the version there."""
        (row,) = self.h.store.views.versions(numbers=[version])
        return row.stages

    def close(self) -> None:
        self.h.reconciler.stop()
        self.h.store.close()
