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

from release_captain.config.model import Pipeline
from release_captain.errors import CaptainError
from release_captain.runtime.artefacts import ArtefactStore, StoredArtefact
from release_captain.runtime.checkouts import Checkouts
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


class Materials(Struct, frozen=True, kw_only=True):
    """What a version's steps are handed: its artefacts' folder (or why there is none,
    which fails the step) and its tree (`''` when it could not be made)."""

    artefacts: Path | CaptainError
    tree: Path | CaptainError


class StepExecutor:
    """Starts deploy and approval commands for started steps."""

    def __init__(
        self,
        *,
        pipeline: Pipeline,
        runner: Runner,
        artefacts: ArtefactStore,
        checkouts: Checkouts,
        base_env: Mapping[str, str] | None = None,
    ) -> None:
        self._pipeline = pipeline
        self._runner = runner
        self._artefacts = artefacts
        self._checkouts = checkouts
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

        Each version's artefacts are verified and laid out, and its tree checked out,
        once for the whole batch, just before its commands start, so twenty targets
        deployed together cost one check of the bytes, not twenty.
        """
        folders: dict[int, Materials] = {}
        with reaper().batch():
            for started, facts in steps:
                if facts.number not in folders:
                    folders[facts.number] = self._materials(facts)
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

    def _materials(self, facts: VersionFacts) -> Materials:
        try:
            folder: Path | CaptainError = self._artefacts.materialise(
                version_name(facts.number), facts.artefacts
            )
        except CaptainError as error:
            folder = error
        sha = facts.commits.get(self._pipeline.primary.name, "")
        try:
            tree: Path | CaptainError = self._checkouts.tree(facts.number, sha)
        except CaptainError as error:
            tree = error
        return Materials(artefacts=folder, tree=tree)

    def _start(
        self,
        started: StartedStep,
        facts: VersionFacts,
        materials: Materials,
        on_end: Callable[[StepResult], None],
    ) -> Running:
        decision = started.decision
        folder = materials.artefacts
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
            case "deploy" | "rollback" | "rollback-check":
                command, timeout, action = stage.deploy, stage.timeout, step.kind
            case "run":
                assert step.approval is not None and step.approval.run is not None
                command, timeout, action = step.approval.run, step.approval.timeout, "approval"
            case _:
                raise ValueError(f"step kind {step.kind} runs no command")
        if isinstance(materials.tree, CaptainError):
            # The bytes are what a deploy or a rollback needs (rule R2): a tree lost to
            # rewritten history must not stop a rollback, so only a step reading it fails.
            self._note(started.log, f"# CAPTAIN_CHECKOUT is empty: {materials.tree}")
        env = self._env(started, facts, folder, materials.tree, action)

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
        started: StartedStep,
        facts: VersionFacts,
        folder: Path,
        tree: Path | CaptainError,
        action: str,
    ) -> dict[str, str]:
        decision = started.decision
        stage = self._pipeline.stage(decision.stage)
        target = stage.target(decision.target) if stage else None
        return command_env(
            self._base_env,
            pipeline=self._pipeline.name,
            action=action,
            version=version_name(facts.number),
            commits=facts.commits,
            primary=self._pipeline.primary.name,
            artefacts=folder,
            state_dir=self._pipeline.state_dir,
            pipeline_dir=self._pipeline.root,
            stage=decision.stage,
            target=decision.target,
            onebox=decision.step.onebox,
            previous_version=version_name(decision.previous) if decision.previous else "",
            checkout="" if isinstance(tree, CaptainError) else str(tree.absolute()),
            vars=target.vars if target else (),
        )

    @staticmethod
    def _note(log: Path, line: str) -> None:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a") as handle:
            handle.write(line + "\n")
