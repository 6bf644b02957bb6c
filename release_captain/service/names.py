"""Provides the names a shell completes for `captain` (SPEC §6): the pipeline's stages,
its `stage/target` names, and the recorded versions, newest first.

A completion runs on every Tab press, so it reads only the pipeline file and glances at
the state read-only (`store.peek`): it never creates or migrates a database, and when
there is no pipeline or no state, or either cannot be read, it offers nothing rather
than print an error.
"""

from __future__ import annotations

from pathlib import Path

from release_captain.config import load_pipeline
from release_captain.config.model import Pipeline
from release_captain.store.peek import recorded_versions
from release_captain.wording import version_name


def _pipeline(path: Path) -> Pipeline | None:
    try:
        return load_pipeline(path)
    except Exception:  # any unreadable or invalid file: nothing to offer
        return None


def stage_names(path: Path) -> list[str]:
    """The pipeline's stages, in order."""
    pipeline = _pipeline(path)
    return [s.name for s in pipeline.stages] if pipeline else []


def target_names(path: Path, *, bare_stages: bool = False) -> list[str]:
    """Every `stage/target`, in order; with `bare_stages`, each stage before its
    targets, for commands where a bare stage means all its targets."""
    pipeline = _pipeline(path)
    if pipeline is None:
        return []
    names = []
    for stage in pipeline.stages:
        names += [stage.name] * bare_stages
        names += [f"{stage.name}/{t.name}" for t in stage.targets]
    return names


def bare_target_names(path: Path, stage: str | None = None) -> list[str]:
    """Target names alone (`history --target`), of one stage when given, each once."""
    pipeline = _pipeline(path)
    if pipeline is None:
        return []
    stages = [s for s in pipeline.stages if stage in (None, s.name)]
    return list(dict.fromkeys(t.name for s in stages for t in s.targets))


def version_names(path: Path) -> list[str]:
    """The recorded versions as people write them (`v12`), newest first."""
    pipeline = _pipeline(path)
    if pipeline is None:
        return []
    return [version_name(n) for n in recorded_versions(pipeline.state_dir)]
