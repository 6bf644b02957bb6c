"""The versions screen's journey shows the forecast (issue 15, item 2): stages a version
has not reached get `~ HH:MM`, when the forecast expects it through them — marked apart
from what was recorded — and the forecast is taken once per change of state, never on
an idle refresh."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_captain.service import Captain
from release_captain.tui.helm import Helm, unsettled
from tests.tui import states
from tests.tui.test_journey import app_over, detail, row
from tests.tui.test_snapshots import SnapCompare, _app, _loaded


async def test_stages_not_reached_show_when_the_version_is_expected(tmp_path: Path) -> None:
    app = app_over(states.journeys(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.refreshed()
        await pilot.press("v")
        # v5 bakes in gamma; prod's waves are ahead of it, after v4.
        assert row(app, 5)[1:5] == ["● 16:00", "◐ 16:00", "~ 16:21", "~ 16:31"]
        # v4 waits at prod's gate (recorded holds win), then is expected in wave 2.
        assert row(app, 4)[3:5] == ["◌", "~ 16:21"]
        # v2 was superseded at prod's gate: no forecast, nothing expected.
        assert row(app, 2)[3:5] == ["·", "·"]
        text = detail(app)
        assert "prod-wave-1 due 09-21 16:21: waits for manual-approval" in text
        assert "prod-wave-2 due 09-21 16:31" in text


async def test_wide_cells_say_due_in_words(tmp_path: Path) -> None:
    app = app_over(states.journeys(tmp_path))
    async with app.run_test(size=(200, 30)) as pilot:
        await app.refreshed()
        await pilot.press("v")
        assert "~ due 16:31" in row(app, 5)


async def test_the_forecast_is_taken_once_per_change_not_per_refresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = states.approving(tmp_path)
    taken: list[list[int]] = []
    real = Captain.forecasts

    def counted(self: Captain, versions: list[int], now: float) -> object:
        taken.append(list(versions))
        return real(self, versions, now)

    monkeypatch.setattr(Captain, "forecasts", counted)
    app = app_over(world)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.refreshed()
        await pilot.press("v")
        for _ in range(3):
            world.h.clock.advance(1)
            await app.refreshed()
        assert taken == [[2]]
        world.captain.approve("prod-wave-1", version=2)
        world.h.settle()
        await app.refreshed()
        assert len(taken) == 2


def test_only_versions_that_may_still_get_further_are_forecast(tmp_path: Path) -> None:
    world = states.journeys(tmp_path)
    stages = [s.name for s in world.captain.pipeline.stages]
    board = Helm(world.captain, clock=world.h.clock).load()
    assert [r.number for r in board.versions if unsettled(r, stages)] == [5, 4, 2]
    assert [f.version for f in board.forecasts] == [5, 4, 2]


def test_versions_with_forecasts_at_80(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """At 80 columns v5's waves read `~ 16:21` and `~ 16:31`, v4's wave 2 `~ 16:21`, in
    muted italics; the legend names `~ due`; v5's detail says what it waits for."""
    assert snap_compare(
        _app(states.journeys(tmp_path)), terminal_size=(80, 24), press=["v"], run_before=_loaded
    )


def test_versions_with_forecasts_at_160(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """At 160 columns the commit, author, age and build columns are back; forecast cells
    stay `~ HH:MM` beside the recorded `● HH:MM`."""
    assert snap_compare(
        _app(states.journeys(tmp_path)), terminal_size=(160, 30), press=["v"], run_before=_loaded
    )
