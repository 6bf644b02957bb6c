"""Provides the plain records the store hands the runtime: the effects it must now carry
out for recorded decisions (`Started`), and rows of artefacts and commits."""

from __future__ import annotations

from pathlib import Path

from msgspec import Struct

from release_captain.engine.decisions import StartStep


class StartedStep(Struct, frozen=True, kw_only=True):
    """A step recorded as running whose process the runtime must now start."""

    step_id: int
    decision: StartStep
    attempt: int
    log: Path


class StartedBuild(Struct, frozen=True, kw_only=True):
    """A build recorded as running that the runtime must now perform."""

    version: int
    log: Path


class StartedCheck(Struct, frozen=True, kw_only=True):
    """A bake's monitors are due for an evaluation (the step is marked `checking`)."""

    step_id: int
    stage: str
    target: str
    version: int
    index: int
    onebox: bool
    log: Path


class StartedAlarmCheck(Struct, frozen=True, kw_only=True):
    """A stage's `block_on_alarm` monitors must be evaluated before it takes `version`."""

    stage: str
    version: int


class Stopped(Struct, frozen=True, kw_only=True):
    """A step recorded as failed by a person's command whose process must now end."""

    step_id: int


Started = StartedStep | StartedBuild | StartedCheck | StartedAlarmCheck | Stopped


class ArtefactRow(Struct, frozen=True, kw_only=True):
    """An artefact of a version as recorded: its name, digest and size."""

    name: str
    sha256: str
    size: int


class CommitRow(Struct, frozen=True, kw_only=True):
    """A commit a version includes, as recorded for `where` and the versions list."""

    source: str
    sha: str
    author: str
    summary: str
    committed_at: float | None


def numbered(stem: str, attempt: int) -> str:
    """A log file name; later attempts get their own file, so no output is lost."""
    return f"{stem}.log" if attempt <= 1 else f"{stem}.{attempt}.log"
