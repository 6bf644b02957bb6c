"""The history a release engineer browses while the engine works (issue 14): the cursor
stays on its event as new ones arrive, an event is shown whole and opens with enter, and
an event about a step leads to that step's log."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import DataTable

from release_captain.tui import CaptainApp, make_app
from release_captain.tui.dialogs.event import EventDialog
from release_captain.tui.screens.history import HistoryScreen
from release_captain.tui.screens.log import LogScreen
from release_captain.tui.widgets.ticking import Ticking
from tests.tui import states
from tests.tui.conftest import type_text, until

SIZE = (120, 36)


def app_over(world: states.World) -> CaptainApp:
    return make_app(world.captain, refresh=0, clock=world.h.clock)


async def open_history(app: CaptainApp, pilot: Pilot[None]) -> HistoryScreen:
    await app.refreshed()
    await pilot.press("e")
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(app.screen, HistoryScreen)
    return app.screen


def under_cursor(screen: HistoryScreen) -> object:
    """The key (event id) of the row under the cursor."""
    table = screen.query_one(DataTable)
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


def detail_pane(screen: HistoryScreen) -> str:
    return str(screen.query_one(".detail", Ticking).render())


async def test_the_cursor_stays_on_its_row_across_20_new_events(tmp_path: Path) -> None:
    w = states.approving(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(app, pilot)
        table = screen.query_one(DataTable)
        await pilot.press("down", "down", "down")
        reading = under_cursor(screen)
        rows = table.row_count
        for round_ in range(10):
            w.captain.pause("beta", reason=f"look {round_}")
            w.captain.resume("beta")
            await app.refreshed()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert under_cursor(screen) == reading
        assert table.row_count == rows + 20
        assert table.get_row_at(0)[3].plain == "stage.resumed"  # the newest on top


async def test_a_long_detail_is_shown_whole_and_enter_opens_the_event(tmp_path: Path) -> None:
    w = states.approving(tmp_path)
    reason = "the payments team asked us to hold beta until their incident review " * 2
    w.captain.pause("beta", reason=reason.strip())
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(app, pilot)
        (paused,) = [e for e in w.captain.history() if e.kind == "stage.paused"]
        assert screen.selected() == paused
        pane = " ".join(detail_pane(screen).split())
        assert reason.strip() in pane
        assert "tester" in pane
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, EventDialog))
        shown = " ".join(str(app.screen.query_one(Ticking).render()).split())
        assert reason.strip() in shown
        assert "by tester" in shown
        assert not app.screen.query("#logs")  # a pause is no step: no log to open
        await pilot.press("escape")
        assert app.screen is screen


async def test_a_failed_steps_row_leads_to_its_log(tmp_path: Path) -> None:
    w = states.fixed(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(app, pilot)
        await pilot.press("slash")
        await type_text(pilot, "step.failed")
        await pilot.press("enter")
        assert screen.selected() is not None and screen.selected().kind == "step.failed"
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, LogScreen) and app.screen.views)
        log = app.screen
        assert isinstance(log, LogScreen)
        assert (log.stage, log.target, log.version) == ("beta", "local", 1)
        await until(pilot, lambda: "exited 1" in log.log_text())
        assert "$ integration" in log.log_text()
        await pilot.press("escape")
        assert app.screen is screen  # back to the row, not to the board


async def test_enter_then_o_opens_a_step_events_log(tmp_path: Path) -> None:
    w = states.fixed(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(app, pilot)
        await pilot.press("slash")
        await type_text(pilot, "deploy: exited")
        await pilot.press("enter")
        chosen = screen.selected()
        assert chosen is not None and chosen.kind == "step.passed"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, EventDialog))
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, LogScreen) and app.screen.views)
        log = app.screen
        assert isinstance(log, LogScreen)
        assert log.version == chosen.version
        await until(pilot, lambda: "$ true" in log.log_text())  # the deploy, not the test
        assert "integration" not in log.log_text()


async def test_o_on_an_event_without_a_step_says_so(tmp_path: Path) -> None:
    w = states.approving(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(app, pilot)
        await pilot.press("slash")
        await type_text(pilot, "granted")
        await pilot.press("enter", "o")
        await pilot.pause()
        assert app.screen is screen
        assert any("no log" in str(n.message) for n in app._notifications)
