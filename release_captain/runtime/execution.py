"""Provides starting a started step's effect: the deploy command with the version's exact
artefacts, or an approval's command, in the pipeline file's folder (rule R12).

Called from the loop's thread; each step's `StepResult` reaches the loop through the
callback it is given. Nothing here writes the database.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from msgspec import Struct

from release_captain.config.model import Pipeline, Stage
from release_captain.errors import CaptainError
from release_captain.runtime.artefacts import ArtefactStore, StoredArtefact
from release_captain.runtime.environment import command_env
from release_captain.runtime.reaper import reaper
from release_captain.runtime.shell import CommandResult, Ended, Runner, Running
from release_captain.store import StartedStep
from release_captain.wording import version_name


class StepResult(Struct, frozen=True, kw_only=True):
    """How a step's process ended."""

    step_id: int
    passed: bool
    exit_code: int | None
    detail: str
    #: Cut off by a cancellation (a rollback pre-empting it, or the engine stopping).
    cancelled: bool = False
    #: The captain could not start it (a full disk, say): the step runs again once the
    #: captain can; its version does not fail for it (rule R10).
    captain_fault: bool = False


class VersionFacts(Struct, frozen=True, kw_only=True):
    """What a version's commands need to know about it, read once from the store."""

    number: int
    commits: Mapping[str, str]
    artefacts: tuple[StoredArtefact, ...]


class StepExecutor:
    """Starts deploy and approval commands for started steps."""

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

    def start_all(
        self,
        steps: Sequence[tuple[StartedStep, VersionFacts]],
        on_end: Callable[[StepResult], None],
        running: dict[int, Running],
    ) -> None:
        """Start the command of each step, adding it to `running` as soon as it runs (so
        an interruption midway still leaves every started command cancellable); `on_end`
        gets each one's result, from the reaper's thread (or at once, for a step that
        could not start).

        Each version's artefacts are verified and laid out once for the whole batch,
        just before its commands start, so twenty targets deployed together cost one
        check of the bytes, not twenty.
        """
        folders: dict[int, Path | CaptainError] = {}
        with reaper().batch():
            for started, facts in steps:
                if facts.number not in folders:
                    folders[facts.number] = self._materialise(facts)
                try:
                    running[started.step_id] = self._start(
                        started, facts, folders[facts.number], on_end
                    )
                except Exception as error:  # the captain's fault (a full disk), not the step's
                    reason = error.strerror if isinstance(error, OSError) else repr(error)
                    on_end(
                        StepResult(
                            step_id=started.step_id,
                            passed=False,
                            exit_code=None,
                            detail=f"the captain could not start it: {reason}",
                            captain_fault=True,
                        )
                    )

    def _materialise(self, facts: VersionFacts) -> Path | CaptainError:
        try:
            return self._artefacts.materialise(version_name(facts.number), facts.artefacts)
        except CaptainError as error:
            return error

    def _start(
        self,
        started: StartedStep,
        facts: VersionFacts,
        folder: Path | CaptainError,
        on_end: Callable[[StepResult], None],
    ) -> Running:
        decision = started.decision
        if isinstance(folder, CaptainError):
            self._note(started.log, f"# {folder}")
            on_end(
                StepResult(
                    step_id=started.step_id, passed=False, exit_code=None, detail=str(folder)
                )
            )
            return Ended()
        stage = self._pipeline.stage(decision.stage)
        assert stage is not None, decision.stage
        step = decision.step
        action: str
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

        def ended(result: CommandResult) -> None:
            on_end(
                StepResult(
                    step_id=started.step_id,
                    passed=result.ok,
                    exit_code=result.exit_code,
                    detail=result.describe(),
                    cancelled=result.cancelled,
                )
            )

        return self._runner.start(
            command,
            cwd=self._pipeline.root,
            env=env,
            timeout=timeout,
            log=started.log,
            on_end=ended,
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
