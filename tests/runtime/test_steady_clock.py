"""Rule R10: bakes, waits and timeouts run on a monotonic clock. The engine's clock reads
the wall clock once, then advances with the monotonic one, so moving the system's date
neither ends a bake early nor stretches a wait."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from release_captain.runtime.reconciler import Reconciler
from release_captain.runtime.steady_clock import SteadyClock
from release_captain.store import Store
from tests.engine.builders import pipeline, stage


def test_a_wall_clock_jump_does_not_move_the_engines_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wall = [1_800_000_000.0]
    steady = [500.0]
    monkeypatch.setattr(time, "time", lambda: wall[0])
    monkeypatch.setattr(time, "monotonic", lambda: steady[0])
    clock = SteadyClock()
    assert clock() == 1_800_000_000.0
    wall[0] += 2 * 3600  # someone sets the date two hours ahead mid-bake
    steady[0] += 4.0  # while four seconds really pass
    assert clock() == 1_800_000_004.0
    wall[0] -= 5 * 3600  # and back, past where it started
    steady[0] += 1.0
    assert clock() == 1_800_000_005.0


def test_the_engine_keeps_a_steady_clock_unless_given_one(tmp_path: Path) -> None:
    store = Store(tmp_path / ".captain")
    loop = Reconciler(pipeline(stage("beta")), store, sources={}, watch=False)
    assert isinstance(loop.clock, SteadyClock)
    store.close()
