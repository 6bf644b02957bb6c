"""Provides `forecast`: when a version will enter and pass each stage if nothing goes
wrong (SPEC §10), found by running `decide` itself forward on a simulated clock.

No rule is restated here. The loop plays the runtime's and the people's part only:
each command ends after its forecast duration and passes, a bake's monitors answer OK
at once, a `block_on_alarm` check finds nothing, a build succeeds, and a manual gate or
sign-off is granted the moment the engine waits for it. Everything else — gates,
blockers, bakes, waits, `bake_after`, supersession — is the engine's own answer. The
clock jumps straight to the next moment something can change (a command's end, the
engine's own `wake_at`, a blocker's next change), never ticking.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Literal, Protocol

from msgspec import Struct, field
from msgspec.structs import replace

from release_captain.config.model import Pipeline, Stage
from release_captain.engine.decide import Outcome, decide
from release_captain.engine.decisions import Decision, StartBuild
from release_captain.engine.gates import approved
from release_captain.engine.plan import PlanStep, plan_for
from release_captain.engine.simulation import SimulatedWorld
from release_captain.engine.state import COMMAND_KINDS, StageVersionState, State, StepRecord
from release_captain.engine.windows import active_blockers, next_change

#: How far ahead a forecast looks (SPEC §10): past it, a stage is `never`.
HORIZON = 366 * 86400.0
#: A step never run is forecast at a tenth of its timeout, at most this long.
FALLBACK_CAP = 600.0
#: Commands the loop finishes itself; bakes, waits and sign-offs are the engine's.
_COMMANDS = COMMAND_KINDS


class World(Protocol):
    """Where a simulation's decisions and results go: memory, or a real store in tests."""

    def state(self) -> State: ...
    def apply(self, decisions: Sequence[Decision], now: float) -> None: ...
    def finish_step(self, step_id: int, now: float) -> None: ...
    def record_checks(self, step_id: int, monitors: Sequence[str], now: float) -> None: ...
    def clear_alarms(self, stage: str, now: float) -> None: ...
    def finish_build(self, version: int, now: float) -> None: ...
    def grant(
        self, stage: str, version: int, kind: Literal["entry", "signoff"], now: float
    ) -> None: ...


class Durations(Struct, frozen=True, kw_only=True):
    """How long commands take: recorded medians, with the SPEC's fallback."""

    #: (stage, target, onebox, step name) -> median seconds of its passed runs.
    steps: Mapping[tuple[str, str, bool, str], float] = field(default_factory=dict)
    #: Median seconds of a successful build; None when none was recorded.
    build: float | None = None

    def of_step(self, stage: Stage, target: str, step: PlanStep) -> float:
        """A command step's forecast duration on `target`."""
        known = self.steps.get((stage.name, target, step.onebox, step.name))
        if known is not None:
            return known
        timeout = step.approval.timeout if step.approval is not None else stage.timeout
        return fallback(timeout)

    def of_build(self, pipeline: Pipeline) -> float:
        """A build's forecast duration."""
        return self.build if self.build is not None else fallback(pipeline.build.timeout)


def fallback(timeout: float) -> float:
    """A never-run command's forecast: a tenth of its timeout, at most ten minutes."""
    return min(timeout / 10.0, FALLBACK_CAP)


class StageTimes(Struct, kw_only=True):
    """What the simulation saw of the forecast version in one stage."""

    enter_at: float | None = None
    pass_at: float | None = None
    #: "passed", "rejected", "superseded" once settled in the simulation.
    end: str | None = None
    waits_for: list[str] = field(default_factory=list)

    def wait(self, why: str) -> None:
        """Note what the version waited for here, once."""
        if why not in self.waits_for:
            self.waits_for.append(why)


class Simulation(Struct, frozen=True, kw_only=True):
    """Everything a simulation needs besides the world it writes to."""

    pipeline: Pipeline
    durations: Durations
    #: version -> when its build began, for builds already running at the start.
    building_since: Mapping[int, float] = field(default_factory=dict)


def simulate(
    sim: Simulation, world: World, version: int, start: float, *, until: float | None = None
) -> dict[str, StageTimes]:
    """Run the pipeline forward from `start` until `version` passes the last stage, is
    rejected or superseded, nothing more can happen, or the horizon; per stage, what the
    simulation saw of `version`."""
    pipeline = sim.pipeline
    limit = start + HORIZON if until is None else until
    seen = {s.name: StageTimes() for s in pipeline.stages}
    builds = {v: at + sim.durations.of_build(pipeline) for v, at in sim.building_since.items()}
    blocker_changes: dict[str, float | None] = {}
    now = start
    while True:
        state = _observed(pipeline, world.state(), now)
        outcome = decide(pipeline, state, now)
        if outcome.decisions:
            world.apply(outcome.decisions, now)
            for d in outcome.decisions:
                if isinstance(d, StartBuild):
                    builds[d.version] = now + sim.durations.of_build(pipeline)
            continue
        _note(pipeline, state, outcome, version, seen)
        if _done(pipeline, state, version):
            return seen
        if _act(sim, world, state, outcome, builds, seen, version, now):
            continue
        moment = _next_moment(sim, state, outcome, builds, blocker_changes, now, limit)
        if moment is None or moment > limit:
            return seen
        now = moment


def _observed(pipeline: Pipeline, state: State, now: float) -> State:
    """The state with the blockers active at `now`, as `runtime.observation` gives it."""
    if not pipeline.blockers:
        return state
    return replace(state, active_blockers=active_blockers(pipeline.blockers, now))


def _note(
    pipeline: Pipeline, state: State, outcome: Outcome, version: int, seen: dict[str, StageTimes]
) -> None:
    """Record the version's entries, passes and holds as the engine reports them."""
    for stage in pipeline.stages:
        times = seen[stage.name]
        record = state.stage_versions.get((stage.name, version))
        if record is not None:
            times.enter_at = record.entered_at
            if record.state != "in-flight":
                times.end = record.state
                times.pass_at = record.finished_at if record.state == "passed" else None
        hold = outcome.holds.get(stage.name)
        if hold is None or hold.version != version:
            continue
        if hold.reason == "blocker":
            for name in stage.blockers:
                if name in state.active_blockers:
                    times.wait(f"blocker:{name}")
        elif hold.reason == "busy":
            busy = state.in_flight(stage.name)
            times.wait(f"busy:v{busy.version}" if busy else "busy")
        else:
            times.wait(hold.reason)


def _done(pipeline: Pipeline, state: State, version: int) -> bool:
    """True once the version passed the last stage or can go no further."""
    record = state.version(version)
    if record is not None and record.build == "failed":
        return True
    for stage in pipeline.stages:
        sv = state.stage_versions.get((stage.name, version))
        if sv is None or sv.state == "in-flight":
            return False
        if sv.state != "passed":
            return True
    return True


def _act(
    sim: Simulation,
    world: World,
    state: State,
    outcome: Outcome,
    builds: dict[int, float],
    seen: dict[str, StageTimes],
    version: int,
    now: float,
) -> bool:
    """Play the runtime's and the people's part at `now`; True when anything changed."""
    acted = False
    for step in state.steps:
        if step.state != "running":
            continue
        if step.kind in _COMMANDS and _ends(sim, step) <= now:
            world.finish_step(step.id, now)
            acted = True
        elif step.kind == "bake" and step.checking:
            world.record_checks(step.id, _monitors(sim.pipeline, step), now)
            acted = True
        elif step.kind == "manual":
            world.grant(step.stage, step.version, "signoff", now)
            if step.version == version:
                seen[step.stage].wait(f"signoff:{step.name}")
            acted = True
    for check in state.alarm_checks.values():
        if check.running:
            world.clear_alarms(check.stage, now)
            acted = True
    for number, ends in list(builds.items()):
        if ends <= now:
            world.finish_build(number, now)
            del builds[number]
            acted = True
    for stage, hold in outcome.holds.items():
        if hold.reason == "manual-approval" and not approved(state, stage, hold.version):
            world.grant(stage, hold.version, "entry", now)
            acted = True
    return acted


def _next_moment(
    sim: Simulation,
    state: State,
    outcome: Outcome,
    builds: Mapping[int, float],
    blocker_changes: dict[str, float | None],
    now: float,
    limit: float,
) -> float | None:
    """The earliest moment after `now` at which something can change."""
    moments = [ends for ends in builds.values()]
    moments += [_ends(sim, s) for s in state.steps if s.state == "running" and s.kind in _COMMANDS]
    if outcome.wake_at is not None:
        moments.append(outcome.wake_at)
    for name, hold in outcome.holds.items():
        if hold.reason != "blocker":
            continue
        stage = sim.pipeline.stage(name)
        assert stage is not None, name
        for blocker in stage.blockers:
            if blocker in state.active_blockers:
                moment = _blocker_change(sim.pipeline, blocker, blocker_changes, now, limit)
                if moment is not None:
                    moments.append(moment)
    later = [m for m in moments if m > now]
    return min(later) if later else None


def _blocker_change(
    pipeline: Pipeline, name: str, known: dict[str, float | None], now: float, limit: float
) -> float | None:
    """When the active blocker `name` next lifts, cached until that moment passes."""
    if name in known:
        cached = known[name]
        if cached is None or cached > now:
            return cached
    blocker = next(b for b in pipeline.blockers if b.name == name)
    days = max(1, int((limit - now) // 86400) + 1)
    change = next_change(blocker, dt.datetime.fromtimestamp(now, dt.UTC), horizon_days=days)
    known[name] = None if change is None else change.timestamp()
    return known[name]


def _ends(sim: Simulation, step: StepRecord) -> float:
    """When a running command step ends in the simulation."""
    stage = sim.pipeline.stage(step.stage)
    assert stage is not None, step.stage
    plan = next(p for p in plan_for(stage) if p.index == step.index) if step.index >= 0 else None
    if plan is None:  # a rollback: it redeploys, so it takes what a deploy takes
        plan = next(p for p in plan_for(stage) if p.kind == "deploy" and not p.onebox)
    return step.started_at + sim.durations.of_step(stage, step.target, plan)


def _monitors(pipeline: Pipeline, step: StepRecord) -> tuple[str, ...]:
    stage = pipeline.stage(step.stage)
    assert stage is not None, step.stage
    plan = next(p for p in plan_for(stage) if p.index == step.index)
    return plan.approval.monitors if plan.approval is not None else ()


StageState = Literal["passed", "in-flight", "forecast", "rejected", "never"]


class StageForecast(Struct, frozen=True, kw_only=True):
    """One stage of a version's forecast (SPEC §10)."""

    name: str
    state: StageState
    enter_at: float | None
    pass_at: float | None
    waits_for: tuple[str, ...] = ()


def forecast(sim: Simulation, state: State, version: int, now: float) -> tuple[StageForecast, ...]:
    """Per stage, when `version` enters and passes it: the recorded times where it is
    settled, else what the simulation from `state` at `now` saw."""
    seen = simulate(sim, SimulatedWorld(state), version, now)
    record = state.version(version)
    stopped = record is not None and record.build == "failed"
    found: list[StageForecast] = []
    for stage in sim.pipeline.stages:
        times = seen[stage.name]
        recorded = state.stage_versions.get((stage.name, version))
        one = _stage(stage.name, recorded.state if recorded else None, times, stopped)
        if recorded is not None and recorded.state in ("passed", "rejected"):
            one = replace(one, enter_at=recorded.entered_at)
            if recorded.state == "passed":
                one = replace(one, pass_at=recorded.finished_at)
        stopped = stopped or one.state in ("never", "rejected")
        found.append(one)
    return tuple(found)


def _stage(
    name: str, recorded: StageVersionState | None, times: StageTimes, stopped: bool
) -> StageForecast:
    """One stage's answer from what was recorded and what the simulation saw."""
    waits = tuple(times.waits_for)
    if stopped:
        return StageForecast(name=name, state="never", enter_at=None, pass_at=None)
    if recorded == "passed" or recorded == "rejected":
        return StageForecast(name=name, state=recorded, enter_at=None, pass_at=None)
    if recorded == "superseded" or times.end == "superseded":
        return StageForecast(name=name, state="never", enter_at=None, pass_at=None, waits_for=waits)
    if times.end == "rejected":
        return StageForecast(
            name=name, state="rejected", enter_at=times.enter_at, pass_at=None, waits_for=waits
        )
    state: StageState = "in-flight" if recorded == "in-flight" else "forecast"
    if times.end != "passed" and state == "forecast":
        state = "never"
    return StageForecast(
        name=name,
        state=state,
        enter_at=times.enter_at if state != "never" else None,
        pass_at=times.pass_at if times.end == "passed" else None,
        waits_for=waits,
    )
