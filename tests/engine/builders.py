"""Small builders of pipelines and states for table-driven engine tests."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TypedDict, Unpack

from msgspec.structs import replace

from release_captain.config.model import (
    Approval,
    Onebox,
    Pipeline,
    Promotion,
    Source,
    Stage,
    Target,
)
from release_captain.engine.decisions import Decision, GrantApproval
from release_captain.engine.state import (
    AlarmCheck,
    BuildState,
    DeploymentRecord,
    DeploymentState,
    Grant,
    GrantKind,
    StageControl,
    StageVersion,
    StageVersionState,
    State,
    StepKind,
    StepRecord,
    StepState,
    TargetRecord,
    TargetStateName,
    VersionRecord,
)


class StageOptions(TypedDict, total=False):
    """The keys of `Stage` a test may set beside its name and targets."""

    timeout: float
    rollback: bool
    promotion: Promotion
    approvals: tuple[Approval, ...]
    onebox: Onebox | None
    bake_after: float
    blockers: tuple[str, ...]
    block_on_alarm: tuple[str, ...]


def stage(name: str, *targets: str, **options: Unpack[StageOptions]) -> Stage:
    return Stage(
        name=name,
        targets=tuple(Target(name=t) for t in targets or ("t1",)),
        deploy="deploy.sh",
        group=name,
        **options,
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


def manual_approval(name: str = "signoff") -> Approval:
    return Approval(name=name, kind="manual")


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
        self.grants: set[Grant] = set()
        self.controls: dict[str, StageControl] = {}
        self.rejections: set[tuple[str, int]] = set()

    def built(self, *numbers: int, build: BuildState = "succeeded") -> StateBuilder:
        for n in numbers:
            self.versions[n] = VersionRecord(number=n, build=build, created_at=0.0)
        return self

    def at(
        self,
        stage: str,
        version: int,
        state: StageVersionState,
        entered_at: float | None = 0.0,
    ) -> StateBuilder:
        """What became of the version in the stage. A superseded version never entered,
        so its `entered_at` is None whatever is passed."""
        self.stage_versions[(stage, version)] = StageVersion(
            stage=stage,
            version=version,
            state=state,
            entered_at=None if state == "superseded" else entered_at,
        )
        return self

    def rejected(self, stage: str, version: int, *, entered: bool = True) -> StateBuilder:
        """The version is rejected in the stage, settled: a 'rejected' row (as the store
        records it) and the pair in `State.rejected`. `entered=False` for a version a
        person rejected before the stage took it."""
        self.at(stage, version, "rejected", entered_at=0.0 if entered else None)
        self.rejections.add((stage, version))
        return self

    def grant(
        self, stage: str, version: int, kind: GrantKind = "entry", *, override: bool = False
    ) -> StateBuilder:
        self.grants.add(Grant(stage=stage, version=version, kind=kind, override_blockers=override))
        return self

    def control(
        self,
        stage: str,
        *,
        paused: bool = False,
        pause_reason: str = "",
        promotion: Promotion | None = None,
    ) -> StateBuilder:
        self.controls[stage] = StageControl(
            stage=stage, paused=paused, pause_reason=pause_reason, promotion=promotion
        )
        return self

    def step(
        self,
        stage: str,
        target: str,
        version: int,
        index: int,
        state: StepState,
        *,
        kind: StepKind = "deploy",
        name: str = "deploy",
        started_at: float = 0.0,
        finished_at: float | None = None,
        to_version: int | None = None,
    ) -> StateBuilder:
        self.steps.append(
            StepRecord(
                id=len(self.steps) + 1,
                stage=stage,
                target=target,
                version=version,
                index=index,
                name=name,
                kind=kind,
                onebox=False,
                state=state,
                started_at=started_at,
                finished_at=finished_at,
                to_version=to_version,
            )
        )
        return self

    def deployment(
        self,
        stage: str,
        target: str,
        version: int,
        state: DeploymentState,
        finished_at: float | None = None,
    ) -> StateBuilder:
        self.deployments[(stage, target, version)] = DeploymentRecord(
            stage=stage,
            target=target,
            version=version,
            state=state,
            started_at=0.0,
            finished_at=finished_at,
        )
        return self

    def target(
        self,
        stage: str,
        target: str,
        version: int,
        state: TargetStateName = "succeeded",
        succeeded: tuple[int, ...] = (),
    ) -> StateBuilder:
        """The target runs `version`; `succeeded` are the older versions that succeeded
        there, newest first."""
        self.targets[(stage, target)] = TargetRecord(
            stage=stage, target=target, version=version, state=state, succeeded=succeeded
        )
        return self

    def state(
        self,
        *,
        grants: frozenset[Grant] = frozenset(),
        controls: dict[str, StageControl] | None = None,
        active_blockers: frozenset[str] = frozenset(),
        alarm_checks: dict[str, AlarmCheck] | None = None,
    ) -> State:
        last_taken: dict[str, int] = {}
        for (s, v), sv in self.stage_versions.items():
            if sv.entered_at is not None:
                last_taken[s] = max(last_taken.get(s, 0), v)
        return State(
            versions=tuple(sorted(self.versions.values(), key=lambda v: v.number)),
            stage_versions=dict(self.stage_versions),
            last_taken=last_taken,
            steps=tuple(self.steps),
            deployments=dict(self.deployments),
            targets=dict(self.targets),
            controls={**self.controls, **(controls or {})},
            grants=frozenset(self.grants) | grants,
            active_blockers=active_blockers,
            alarm_checks=dict(alarm_checks or {}),
            rejected=frozenset(self.rejections),
        )


def with_grants(state: State, decisions: Iterable[Decision]) -> State:
    """The state once the `GrantApproval`s among `decisions` are recorded, as the store
    records them: a person's answer fed back into `decide`."""
    granted = {
        Grant(stage=d.stage, version=d.version, kind=d.kind, override_blockers=d.override_blockers)
        for d in decisions
        if isinstance(d, GrantApproval)
    }
    return replace(state, grants=state.grants | granted)
