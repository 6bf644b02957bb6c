"""Ages and countdowns are written at paint from the app's clock (issue 14: `v7 2s
ago` stood for over a minute). The fake clock moves and the app's one-second tick
(`app.tick`, what its timer calls) runs: nothing sleeps, nothing is read again."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static

from release_captain.tui import CaptainApp, make_app
from release_captain.tui.dialogs.decision import DecisionDialog
from release_captain.tui.dialogs.version import VersionDialog
from release_captain.tui.screens.versions import VersionsScreen
from release_captain.tui.widgets.target_card import TargetCard
from tests.tui import states
from tests.tui.conftest import until

SIZE = (120, 36)


def app_over(world: states.World) -> CaptainApp:
    return make_app(world.captain, refresh=0, clock=world.h.clock)


def lines(app: CaptainApp) -> str:
    return "\n".join(str(t.render()) for t in app.screen.query(Static))


async def test_the_versions_ages_move_with_the_clock(tmp_path: Path) -> None:
    w = states.approving(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, VersionsScreen)
        table = app.screen.query_one(DataTable)
        assert table.get_cell("2", "age") == "5m ago"
        w.h.clock.advance(70)
        app.tick()
        assert table.get_cell("2", "age") == "6m ago"
        w.h.clock.advance(3600)
        app.tick()
        assert table.get_cell("2", "age") == "1h ago"


async def test_the_approval_dialogs_age_moves_with_the_clock(tmp_path: Path) -> None:
    w = states.approving(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("right", "right", "down", "a")
        await until(pilot, lambda: isinstance(app.screen, DecisionDialog))
        assert "5m ago" in lines(app)
        w.h.clock.advance(120)
        app.tick()
        assert "7m ago" in lines(app)


async def test_the_version_dialogs_age_moves_with_the_clock(tmp_path: Path) -> None:
    w = states.approving(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("v", "enter")
        await until(pilot, lambda: isinstance(app.screen, VersionDialog))
        assert "by Grace  5m ago" in lines(app)
        w.h.clock.advance(7200)
        app.tick()
        assert "by Grace  2h ago" in lines(app)


async def test_a_history_events_age_moves_with_the_clock(tmp_path: Path) -> None:
    w = states.approving(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("e")
        await app.workers.wait_for_complete()
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "EventDialog")
        assert "(now)" in lines(app)
        w.h.clock.advance(180)
        app.tick()
        assert "(3m ago)" in lines(app)


async def test_a_bakes_countdown_moves_between_two_reads(tmp_path: Path) -> None:
    w = states.baking(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.pause()
        card = next(c for c in app.screen.query(TargetCard) if c.where == "gamma/us-east-1")
        assert "2m50s left" in str(card.render())
        w.h.clock.advance(60)
        app.tick()
        assert "1m50s left" in str(card.render())
