"""Provides running a started step's effect: the deploy command with the version's exact
artefacts, or an approval's command, in the pipeline file's folder (rule R12).

Runs in a worker thread; returns a `StepResult` for the loop to record. Nothing here
writes the database.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path

from msgspec import Struct

from release_captain.config.model import Pipeline, Stage
from release_captain.errors import CaptainError
from release_captain.runtime.artefacts import ArtefactStore, StoredArtefact
from release_captain.runtime.environment import command_env
from release_captain.runtime.shell import Runner
from release_captain.state import version_name
from release_captain.store import StartedStep


class StepResult(Struct, frozen=True, kw_only=True):
    """How a step's process ended."""

    step_id: int
    passed: bool
    exit_code: int | None
    detail: str


class VersionFacts(Struct, frozen=True, kw_only=True):
    """What a version's commands need to know about it, read once from the store."""

    number: int
    commits: Mapping[str, str]
    artefacts: tuple[StoredArtefact, ...]


class StepExecutor:
    """Runs deploy and approval commands for started steps."""

    def __init__(
        self,
        *,
        pipeline: Pipeline,
        runner: Runner,
        artefacts: ArtefactStore,
        base_env: Mapping[str, str] | None = None,
    ) -> None:
        self._pipeline = pipeline
        self._runner = runner
        self._artefacts = artefacts
        self._base_env = dict(os.environ if base_env is None else base_env)
        self._materialise_lock = threading.Lock()

    def execute(
        self, started: StartedStep, facts: VersionFacts, *, cancel: threading.Event | None = None
    ) -> StepResult:
        """Run the step's command and say how it ended."""
        decision = started.decision
        stage = self._pipeline.stage(decision.stage)
        assert stage is not None, decision.stage
        step = decision.step
        try:
            with self._materialise_lock:
                folder = self._artefacts.materialise(version_name(facts.number), facts.artefacts)
        except CaptainError as error:
            self._note(started.log, f"# {error}")
            return StepResult(
                step_id=started.step_id, passed=False, exit_code=None, detail=str(error)
            )
        match step.kind:
            case "deploy" | "rollback":
                command, timeout, action = stage.deploy, stage.timeout, step.kind
            case "run":
                assert step.approval is not None and step.approval.run is not None
                command, timeout, action = step.approval.run, step.approval.timeout, "approval"
            case _:
                raise ValueError(f"step kind {step.kind} runs no command")
        env = self._env(
            stage, decision.target, facts, folder, action, step.onebox, decision.previous
        )
        result = self._runner.run(
            command,
            cwd=self._pipeline.root,
            env=env,
            timeout=timeout,
            log=started.log,
            cancel=cancel,
        )
        return StepResult(
            step_id=started.step_id,
            passed=result.ok,
            exit_code=result.exit_code,
            detail=result.describe(),
        )

    def _env(
        self,
        stage: Stage,
        target: str,
        facts: VersionFacts,
        folder: Path,
        action: str,
        onebox: bool,
        previous: int | None,
    ) -> dict[str, str]:
        target_config = stage.target(target)
        return command_env(
            self._base_env,
            pipeline=self._pipeline.name,
            action=action,
            version=version_name(facts.number),
            commits=facts.commits,
            primary=self._pipeline.primary.name,
            artefacts=folder,
            state_dir=self._pipeline.state_dir,
            stage=stage.name,
            target=target,
            onebox=onebox,
            previous_version=version_name(previous) if previous else "",
            vars=target_config.vars if target_config else (),
        )

    @staticmethod
    def _note(log: Path, line: str) -> None:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a") as handle:
            handle.write(line + "\n")
