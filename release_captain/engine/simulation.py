"""Provides `SimulatedWorld`: the engine's decisions and the runtime's results applied
to an in-memory `State`, so a forecast can run the real rules forward without a
database and without writing anything.

This is a second recorder, kept deliberately small: it writes only the fields `decide`
reads, the way `store.recording`, `store.results` and `store.loading` together would
(a settled rollout's steps and deployments drop out of the state as `load_state` drops
them). `tests/engine/test_forecast_world.py` drives it and the real store with the same
decisions and checks that both give the same state, so the two cannot drift apart.
It models the success path a forecast needs: rollbacks and a target's list of earlier
successes are not replayed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from msgspec.structs import replace

from release_captain.engine.decisions import (
    CheckAlarms,
    CheckMonitors,
    Decision,
    EnterStage,
    FinishStep,
    FinishTarget,
    PassStage,
    RejectStage,
    StartBuild,
    StartStep,
    Supersede,
)
from release_captain.engine.state import (
    AlarmCheck,
    DeploymentRecord,
    Grant,
    StageVersion,
    State,
    StepRecord,
    TargetRecord,
)


class SimulatedWorld:
    """A `State` that decisions and simulated results are applied to, in memory."""

    def __init__(self, state: State) -> None:
        self._state = state
        self._next_id = 1 + max((s.id for s in state.steps), default=0)

    def state(self) -> State:
        """The state as it stands after everything applied so far."""
        return self._state

    def apply(self, decisions: Sequence[Decision], now: float) -> None:
        """Record a pass's decisions, as `Store.apply` would."""
        for decision in decisions:
            self._apply(decision, now)

    def finish_step(self, step_id: int, now: float, *, passed: bool = True) -> None:
        """A step's process ended (a deploy, a command approval, a rollback)."""
        self._set_step(step_id, state="passed" if passed else "failed", finished_at=now)

    def record_checks(self, step_id: int, monitors: Sequence[str], now: float) -> None:
        """One evaluation of a bake's monitors, every one OK."""
        step = self._step(step_id)
        counts = dict(step.checks)
        for monitor in monitors:
            counts[monitor] = counts.get(monitor, 0) + 1
        self._set_step(step_id, checks=tuple(sorted(counts.items())), last_check_at=now)

    def clear_alarms(self, stage: str, now: float) -> None:
        """The stage's `block_on_alarm` monitors were evaluated: none in ALARM."""
        known = self._state.alarm_checks.get(stage)
        check = AlarmCheck(stage=stage, version=known.version if known else None, checked_at=now)
        self._state = replace(self._state, alarm_checks={**self._state.alarm_checks, stage: check})

    def finish_build(self, version: int, now: float) -> None:
        """The version's build succeeded."""
        self._set_build(version, "succeeded")

    def grant(
        self, stage: str, version: int, kind: Literal["entry", "signoff"], now: float
    ) -> None:
        """A person's approval of the version's entry, or their sign-off."""
        grant = Grant(stage=stage, version=version, kind=kind)
        self._state = replace(self._state, grants=self._state.grants | {grant})

    # -- decisions ------------------------------------------------------------------

    def _apply(self, decision: Decision, now: float) -> None:
        match decision:
            case StartBuild(version=version):
                self._set_build(version, "building")
            case EnterStage(stage=stage, version=version):
                self._stage_version(stage, version, "in-flight", entered_at=now)
                taken = max(self._state.last_taken.get(stage, 0), version)
                self._state = replace(
                    self._state, last_taken={**self._state.last_taken, stage: taken}
                )
            case Supersede(stage=stage, version=version):
                self._stage_version(stage, version, "superseded", finished_at=now)
            case StartStep():
                self._start_step(decision, now)
            case FinishStep(step_id=step_id, passed=passed):
                self.finish_step(step_id, now, passed=passed)
            case FinishTarget():
                self._finish_target(decision, now)
            case CheckMonitors(step_id=step_id):
                self._set_step(step_id, checking=True)
            case CheckAlarms(stage=stage, version=version):
                known = self._state.alarm_checks.get(stage)
                check = AlarmCheck(
                    stage=stage,
                    version=version,
                    checked_at=known.checked_at if known else None,
                    alarming=known.alarming if known else (),
                    running=True,
                )
                checks = {**self._state.alarm_checks, stage: check}
                self._state = replace(self._state, alarm_checks=checks)
            case PassStage() | RejectStage():
                self._settle(decision, now)
            case _:  # a person's decisions come from requests, never from `decide`
                raise ValueError(f"a simulation cannot apply {type(decision).__name__}")

    def _start_step(self, decision: StartStep, now: float) -> None:
        key = (decision.stage, decision.target, decision.version)
        deployments = dict(self._state.deployments)
        if key not in deployments:
            deployments[key] = DeploymentRecord(
                stage=decision.stage,
                target=decision.target,
                version=decision.version,
                state="running",
                started_at=now,
                previous=decision.previous,
            )
        plan = decision.step
        step = StepRecord(
            id=self._next_id,
            stage=decision.stage,
            target=decision.target,
            version=decision.version,
            index=plan.index,
            name=plan.name,
            kind=plan.kind,
            onebox=plan.onebox,
            state="passed" if decision.passes_at_once else "running",
            started_at=now,
            finished_at=now if decision.passes_at_once else None,
            to_version=decision.to,
        )
        self._next_id += 1
        where = (decision.stage, decision.target)
        known = self._state.target(*where)
        if plan.kind == "rollback":
            target = replace(known, state="rolling_back")
        else:
            state = "deploying" if plan.is_deploy else "verifying"
            target = replace(known, version=decision.version, state=state)
        self._state = replace(
            self._state,
            steps=(*self._state.steps, step),
            deployments=deployments,
            targets={**self._state.targets, where: target},
        )

    def _finish_target(self, decision: FinishTarget, now: float) -> None:
        state: Literal["succeeded", "failed"] = "succeeded" if decision.succeeded else "failed"
        key = (decision.stage, decision.target, decision.version)
        deployments = dict(self._state.deployments)
        if key in deployments:
            deployments[key] = replace(deployments[key], state=state, finished_at=now)
        targets = dict(self._state.targets)
        known: TargetRecord | None = targets.get(key[:2])
        if known is not None and known.version == decision.version:
            targets[key[:2]] = replace(known, state=state)
        self._state = replace(self._state, deployments=deployments, targets=targets)

    def _settle(self, decision: PassStage | RejectStage, now: float) -> None:
        """The stage is done with the version: its rollout leaves the state."""
        stage, version = decision.stage, decision.version
        passed = isinstance(decision, PassStage)
        self._stage_version(stage, version, "passed" if passed else "rejected", finished_at=now)
        rejected = self._state.rejected if passed else self._state.rejected | {(stage, version)}
        self._state = replace(
            self._state,
            rejected=rejected,
            steps=tuple(
                s
                for s in self._state.steps
                if (s.stage, s.version) != (stage, version) or s.state == "running"
            ),
            deployments={
                k: d for k, d in self._state.deployments.items() if (k[0], k[2]) != (stage, version)
            },
        )

    # -- small writes ---------------------------------------------------------------

    def _stage_version(
        self,
        stage: str,
        version: int,
        state: Literal["in-flight", "passed", "rejected", "superseded"],
        *,
        entered_at: float | None = None,
        finished_at: float | None = None,
    ) -> None:
        known = self._state.stage_versions.get((stage, version))
        record = StageVersion(
            stage=stage,
            version=version,
            state=state,
            entered_at=entered_at if known is None else known.entered_at or entered_at,
            finished_at=finished_at,
        )
        records = {**self._state.stage_versions, (stage, version): record}
        self._state = replace(self._state, stage_versions=records)

    def _set_build(self, version: int, build: Literal["building", "succeeded"]) -> None:
        versions = tuple(
            replace(v, build=build) if v.number == version else v for v in self._state.versions
        )
        self._state = replace(self._state, versions=versions)

    def _step(self, step_id: int) -> StepRecord:
        return next(s for s in self._state.steps if s.id == step_id)

    def _set_step(self, step_id: int, **changes: object) -> None:
        if "state" in changes or "checks" in changes:
            changes.setdefault("checking", False)
        steps = tuple(replace(s, **changes) if s.id == step_id else s for s in self._state.steps)
        self._state = replace(self._state, steps=steps)
