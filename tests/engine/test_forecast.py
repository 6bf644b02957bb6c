"""A forecast taken at build time equals what then happens when every step takes exactly
its forecast duration (issue 15): the real store records the run, driven by the same
decisions, and the in-memory recorder a forecast uses agrees with it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from release_captain.config import load_pipeline
from release_captain.config.model import Pipeline
from release_captain.engine.forecast import Durations, Simulation, forecast, simulate
from release_captain.engine.simulation import SimulatedWorld
from release_captain.store import Store
from release_captain.testing import write_pipeline
from tests.engine.forecast_world import StoreWorld, record_version

PIPELINE = """
[pipeline]
name = "forecast"

[[sources]]
name = "app"
repo = "repo"

[build]
run = ["make"]
timeout = "20m"

[defaults]
deploy = "deploy"
timeout = "5m"

[[stages]]
name = "beta"
targets = ["local"]
approvals = [{{ name = "integration", run = "integration", timeout = "10m" }}]

[[stages]]
name = "gamma"
promotion = "manual"
targets = ["us-east-1", "eu-west-1"]
approvals = [
  {{ name = "bake", bake = "10m", monitors = ["health"], interval = "1m", min_checks = 3 }},
  {{ name = "qa", manual = true }},
]

[[stages]]
name = "prod"
blockers = [{blockers}]
waves = [["us-west-2"], ["eu-west-1", "us-east-1"]]
onebox = {{ approvals = [{{ name = "onebox-soak", wait = "5m" }}] }}
approvals = [{{ name = "bake", bake = "20m", monitors = ["health"] }}]
bake_after = "30m"
block_on_alarm = ["health"]

[monitors.health]
run = "health"

{blocker_tables}
"""

DENY = """[blockers.freeze]
deny = ["Fri 18:00-24:00"]
timezone = "UTC"
"""
OFFICE = """[blockers.office-hours]
allow = ["Mon-Fri 09:00-17:00"]
timezone = "Europe/London"
"""
HOLIDAYS = """[blockers.holidays]
holidays = "GB-ENG"
timezone = "Europe/London"
"""


def utc(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()


def iso(at: float | None) -> str | None:
    return None if at is None else dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d %H:%M")


def make(tmp_path: Path, *blockers: tuple[str, str]) -> tuple[Pipeline, Store]:
    text = PIPELINE.format(
        blockers=", ".join(f'"{name}"' for name, _ in blockers),
        blocker_tables="\n".join(table for _, table in blockers),
    )
    pipeline = load_pipeline(write_pipeline(tmp_path, text))
    return pipeline, Store(pipeline.state_dir)


DURATIONS = Durations(
    steps={
        ("beta", "local", False, "deploy"): 40.0,
        ("beta", "local", False, "integration"): 95.0,
        ("gamma", "us-east-1", False, "deploy"): 30.0,
        ("gamma", "eu-west-1", False, "deploy"): 70.0,
        ("prod-wave-1", "us-west-2", True, "onebox-deploy"): 20.0,
        ("prod-wave-2", "us-east-1", False, "deploy"): 125.0,
    },
    build=180.0,
)


def forecast_then_run(
    pipeline: Pipeline, store: Store, start: float
) -> tuple[dict[str, tuple[str | None, str | None]], dict[str, tuple[str | None, str | None]]]:
    """(forecast, what the store then recorded): stage -> (entered, passed)."""
    version = record_version(store, "a1", start)
    sim = Simulation(pipeline=pipeline, durations=DURATIONS)
    told = forecast(sim, store.load_state(pipeline), version, start)
    simulate(sim, StoreWorld(store, pipeline), version, start)
    recorded = store.load_state(pipeline, named=[version]).stage_versions
    happened = {
        s.name: (iso(r.entered_at), iso(r.finished_at))
        for s in pipeline.stages
        if (r := recorded.get((s.name, version))) is not None
    }
    assert all(f.state == "forecast" for f in told)
    return {f.name: (iso(f.enter_at), iso(f.pass_at)) for f in told}, happened


@pytest.mark.parametrize(
    ("start", "blockers", "prod_opens"),
    [
        # No blocker: waves follow each other by bake_after alone.
        ("2026-06-03 10:00", (), None),
        # A deny window: Friday evening is frozen until midnight UTC.
        ("2026-06-05 17:50", (("freeze", DENY),), "2026-06-06 00:00"),
        # An allow window over a weekend: Friday afternoon waits for Monday 09:00 BST.
        ("2026-06-05 15:50", (("office-hours", OFFICE),), "2026-06-08 08:00"),
        # A holiday calendar: Christmas, the weekend and Boxing Day observed.
        (
            "2026-12-24 16:50",
            (("office-hours", OFFICE), ("holidays", HOLIDAYS)),
            "2026-12-29 09:00",
        ),
        # A DST change: Saturday before the clocks go forward; Monday 09:00 is 08:00Z.
        ("2026-03-28 10:00", (("office-hours", OFFICE),), "2026-03-30 08:00"),
    ],
)
def test_a_forecast_at_build_time_is_what_then_happens(
    tmp_path: Path, start: str, blockers: tuple[tuple[str, str], ...], prod_opens: str | None
) -> None:
    pipeline, store = make(tmp_path, *blockers)
    told, happened = forecast_then_run(pipeline, store, utc(start))
    assert told == happened
    assert list(told) == ["beta", "gamma", "prod-wave-1", "prod-wave-2"]
    # beta: build 3m, deploy 40s, integration 95s; gamma: slowest deploy 70s, then the
    # bake runs its 10m; its sign-off is granted when reached.
    begin = utc(start)
    assert told["beta"] == (iso(begin + 180), iso(begin + 180 + 40 + 95))
    assert told["gamma"][1] == iso(begin + 180 + 135 + 70 + 600)
    if prod_opens is not None:
        assert told["prod-wave-1"][0] == prod_opens


def test_the_in_memory_recorder_agrees_with_the_store(tmp_path: Path) -> None:
    pipeline, store = make(tmp_path, ("office-hours", OFFICE))
    start = utc("2026-06-05 14:00")
    record_version(store, "a1", start)
    record_version(store, "a2", start)
    sim = Simulation(pipeline=pipeline, durations=DURATIONS)
    memory = SimulatedWorld(store.load_state(pipeline))
    until = start + 3 * 86400
    simulate(sim, memory, 2, start, until=until)
    simulate(sim, StoreWorld(store, pipeline), 2, start, until=until)
    recorded, simulated = store.load_state(pipeline), memory.state()
    assert recorded.stage_versions == {
        k: v for k, v in simulated.stage_versions.items() if k in recorded.stage_versions
    }
    assert recorded.last_taken == simulated.last_taken
    floor = min(recorded.last_taken.values())
    assert recorded.grants == {g for g in simulated.grants if g.version >= floor}
    assert recorded.deployments == simulated.deployments
    assert set(recorded.versions) <= set(simulated.versions)
    assert {(k, t.version, t.state) for k, t in recorded.targets.items()} == {
        (k, t.version, t.state) for k, t in simulated.targets.items()
    }

    def steps(state: object) -> set[tuple[object, ...]]:
        return {
            (s.stage, s.target, s.version, s.index, s.state, s.started_at, s.checks)
            for s in getattr(state, "steps")  # noqa: B009
        }

    assert steps(recorded) == steps(simulated)
