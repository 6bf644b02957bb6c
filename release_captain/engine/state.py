"""Provides the recorded state the engine decides from: plain frozen records, no SQL.

The store loads a `State` holding only what is current (versions not yet settled in
every stage, the steps of rollouts in flight, each target's record); the engine reads it
and returns decisions; nothing here knows how it was loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from msgspec import Struct, field

BuildState = Literal["pending", "building", "succeeded", "failed"]
StageVersionState = Literal["in-flight", "passed", "rejected", "superseded"]
StepState = Literal["running", "passed", "failed", "interrupted", "cancelled"]
StepKind = Literal["deploy", "run", "wait", "bake", "manual", "rollback", "rollback-check"]
TargetStateName = Literal[
    "idle", "deploying", "verifying", "succeeded", "failed", "rolling_back", "rolled_back"
]
GrantKind = Literal["entry", "signoff", "reject"]
DeploymentState = Literal["running", "succeeded", "failed"]

#: Step kinds whose step is one command the runtime runs and reports the end of (a
#: `rollback-check` step redeploys the last good version during a rollback check).
COMMAND_KINDS: frozenset[str] = frozenset({"deploy", "run", "rollback", "rollback-check"})
#: Step kinds that run a process and so take one of the `max_parallel` slots (a bake
#: takes one only while its monitors are being evaluated).
PROCESS_KINDS: frozenset[str] = COMMAND_KINDS | {"bake"}


class VersionRecord(Struct, frozen=True, kw_only=True):
    """One build of the sources' heads, numbered in order of detection (rule R1)."""

    number: int
    build: BuildState
    created_at: float


class StageVersion(Struct, frozen=True, kw_only=True):
    """What became of one version in one stage."""

    stage: str
    version: int
    state: StageVersionState
    #: When the stage took the version; None when it never entered (superseded).
    entered_at: float | None = None
    finished_at: float | None = None


class StepRecord(Struct, frozen=True, kw_only=True):
    """One attempt at one step of a target's rollout (a deploy or an approval)."""

    id: int
    stage: str
    target: str
    version: int
    #: Position in the target's plan (see `engine.plan.plan_for`).
    index: int
    name: str
    kind: StepKind
    onebox: bool
    state: StepState
    started_at: float
    finished_at: float | None = None
    #: Evaluations so far of each monitor of a bake, as (monitor, count) pairs.
    checks: tuple[tuple[str, int], ...] = ()
    #: When a bake's monitors were last evaluated (None before the first time).
    last_check_at: float | None = None
    #: True while a bake's monitors are being evaluated.
    checking: bool = False
    #: For a rollback step: the version it redeploys.
    to_version: int | None = None

    @property
    def holds_slot(self) -> bool:
        """True while this step runs a process (one of the `max_parallel` slots)."""
        if self.state != "running":
            return False
        return self.checking if self.kind == "bake" else self.kind in PROCESS_KINDS


class DeploymentRecord(Struct, frozen=True, kw_only=True):
    """One version's rollout on one target of a stage: all of its plan's steps."""

    stage: str
    target: str
    version: int
    state: DeploymentState
    started_at: float
    finished_at: float | None = None
    #: What the target ran before this rollout began (`CAPTAIN_PREVIOUS_VERSION`).
    previous: int | None = None


class TargetRecord(Struct, frozen=True, kw_only=True):
    """What one target runs now, and the versions that succeeded there before it."""

    stage: str
    target: str
    version: int | None = None
    state: TargetStateName = "idle"
    #: Versions older than `version` that succeeded on this target, newest first, down
    #: to the newest one neither rejected in the stage nor run by one of its targets
    #: (older ones can never be last good, even for a rollback that rejects what the
    #: stage's targets run; see `engine.last_good`).
    succeeded: tuple[int, ...] = ()


class StageControl(Struct, frozen=True, kw_only=True):
    """What people set on a stage at run time: pause and the promotion mode in force."""

    stage: str
    paused: bool = False
    pause_reason: str = ""
    #: Overrides the configured promotion when set (`captain gate`).
    promotion: Literal["automatic", "manual"] | None = None


class Grant(Struct, frozen=True, kw_only=True):
    """A person's approval of a version in a stage: its entry, or a sign-off approval."""

    stage: str
    version: int
    kind: GrantKind
    override_blockers: bool = False


class AlarmCheck(Struct, frozen=True, kw_only=True):
    """The latest evaluation of a stage's `block_on_alarm` monitors before entry."""

    stage: str
    #: The version whose entry the check was for.
    version: int | None
    checked_at: float | None
    #: Monitors found in ALARM by that evaluation.
    alarming: tuple[str, ...] = ()
    #: True while an evaluation runs.
    running: bool = False


class State(Struct, frozen=True, kw_only=True):
    """Everything current the engine needs for one decision pass."""

    #: Versions the engine may still act on, oldest first.
    versions: tuple[VersionRecord, ...] = ()
    #: (stage, version) -> what became of the version there, for the versions above.
    stage_versions: Mapping[tuple[str, int], StageVersion] = field(default_factory=dict)
    #: stage -> the newest version it ever took (0 when none).
    last_taken: Mapping[str, int] = field(default_factory=dict)
    #: The latest attempt of every step of every rollout in flight, plus running ones.
    steps: tuple[StepRecord, ...] = ()
    #: (stage, target, version) -> the deployment, for the versions in flight.
    deployments: Mapping[tuple[str, str, int], DeploymentRecord] = field(default_factory=dict)
    #: (stage, target) -> the target's record; absent means never deployed.
    targets: Mapping[tuple[str, str], TargetRecord] = field(default_factory=dict)
    controls: Mapping[str, StageControl] = field(default_factory=dict)
    grants: frozenset[Grant] = frozenset()
    #: Blocker names active at the time of this pass.
    active_blockers: frozenset[str] = frozenset()
    #: stage -> the latest check of its `block_on_alarm` monitors.
    alarm_checks: Mapping[str, AlarmCheck] = field(default_factory=dict)
    #: (stage, version) pairs rejected there (by a failure or a person, settled or not),
    #: for every version this state mentions.
    rejected: frozenset[tuple[str, int]] = frozenset()

    def version(self, number: int) -> VersionRecord | None:
        """The record of version `number` if it is in the window."""
        return next((v for v in self.versions if v.number == number), None)

    def in_flight(self, stage: str) -> StageVersion | None:
        """The version the stage is working on, if any (rule R3: at most one)."""
        return next(
            (
                sv
                for (s, _), sv in self.stage_versions.items()
                if s == stage and sv.state == "in-flight"
            ),
            None,
        )

    def target(self, stage: str, target: str) -> TargetRecord:
        """The target's record, or an idle one when it never ran anything."""
        return self.targets.get((stage, target)) or TargetRecord(stage=stage, target=target)
