"""Small builders of pipelines and states for table-driven engine tests."""

from __future__ import annotations

from pathlib import Path

from release_captain.config.model import Approval, Onebox, Pipeline, Source, Stage, Target
from release_captain.engine.state import (
    DeploymentRecord,
    StageVersion,
    State,
    StepRecord,
    TargetRecord,
    VersionRecord,
)


def stage(name: str, *targets: str, **kwargs: object) -> Stage:
    return Stage(
        name=name,
        targets=tuple(Target(name=t) for t in targets or ("t1",)),
        deploy="deploy.sh",
        group=name,
        **kwargs,  # type: ignore[arg-type]
    )


def pipeline(*stages: Stage, max_parallel: int = 16) -> Pipeline:
    return Pipeline(
        name="p",
        path=Path("/p/pipeline.toml"),
        root=Path("/p"),
        state_dir=Path("/p/.captain"),
        max_parallel=max_parallel,
        sources=(
            Source(name="app", repo="r", branch="main", poll=2.0, is_url=False, path=Path("/r")),
        ),
        stages=stages,
    )


def run_approval(name: str = "check") -> Approval:
    return Approval(name=name, kind="run", run=f"{name}.sh")


def wait_approval(seconds: float, name: str = "settle") -> Approval:
    return Approval(name=name, kind="wait", duration=seconds)


def onebox(*approvals: Approval) -> Onebox:
    return Onebox(approvals=approvals)


class StateBuilder:
    """Accumulates records, then freezes them into a State."""

    def __init__(self) -> None:
        self.versions: dict[int, VersionRecord] = {}
        self.stage_versions: dict[tuple[str, int], StageVersion] = {}
        self.steps: list[StepRecord] = []
        self.deployments: dict[tuple[str, str, int], DeploymentRecord] = {}
        self.targets: dict[tuple[str, str], TargetRecord] = {}

    def built(self, *numbers: int, build: str = "succeeded") -> StateBuilder:
        for n in numbers:
            self.versions[n] = VersionRecord(number=n, build=build, created_at=0.0)  # type: ignore[arg-type]
        return self

    def at(
        self, stage: str, version: int, state: str, entered_at: float | None = 0.0
    ) -> StateBuilder:
        self.stage_versions[(stage, version)] = StageVersion(
            stage=stage,
            version=version,
            state=state,
            entered_at=entered_at,  # type: ignore[arg-type]
        )
        return self

    def step(
        self,
        stage: str,
        target: str,
        version: int,
        index: int,
        state: str,
        *,
        kind: str = "deploy",
        name: str = "deploy",
        started_at: float = 0.0,
        finished_at: float | None = None,
    ) -> StateBuilder:
        self.steps.append(
            StepRecord(
                id=len(self.steps) + 1,
                stage=stage,
                target=target,
                version=version,
                index=index,
                name=name,
                kind=kind,  # type: ignore[arg-type]
                onebox=False,
                state=state,  # type: ignore[arg-type]
                started_at=started_at,
                finished_at=finished_at,
            )
        )
        return self

    def deployment(
        self, stage: str, target: str, version: int, state: str, finished_at: float | None = None
    ) -> StateBuilder:
        self.deployments[(stage, target, version)] = DeploymentRecord(
            stage=stage,
            target=target,
            version=version,
            state=state,  # type: ignore[arg-type]
            started_at=0.0,
            finished_at=finished_at,
        )
        return self

    def target(
        self,
        stage: str,
        target: str,
        version: int,
        state: str = "succeeded",
        last_good: int | None = None,
    ) -> StateBuilder:
        self.targets[(stage, target)] = TargetRecord(
            stage=stage,
            target=target,
            version=version,
            state=state,
            last_good=last_good,  # type: ignore[arg-type]
        )
        return self

    def state(self, **extra: object) -> State:
        last_taken: dict[str, int] = {}
        for (s, v), sv in self.stage_versions.items():
            if sv.entered_at is not None:
                last_taken[s] = max(last_taken.get(s, 0), v)
        return State(
            versions=tuple(sorted(self.versions.values(), key=lambda v: v.number)),
            stage_versions=self.stage_versions,
            last_taken=last_taken,
            steps=tuple(self.steps),
            deployments=self.deployments,
            targets=self.targets,
            **extra,  # type: ignore[arg-type]
        )
