"""The versions screen as a journey (issue 14, item 5) through Pilot: one column per
stage whatever the width, the cells' words only where there is room, the highlighted
version's detail (why it was rejected) under the table, and the filter still narrowing
the rows."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static

from release_captain.tui import CaptainApp, make_app
from release_captain.tui.screens.versions import VersionsScreen
from tests.tui import states
from tests.tui.conftest import type_text


def app_over(world: states.World) -> CaptainApp:
    return make_app(world.captain, refresh=0, clock=world.h.clock)


def headers(app: CaptainApp) -> list[str]:
    table = app.screen.query_one(DataTable)
    return [str(c.label) for c in table.columns.values()]


def row(app: CaptainApp, number: int) -> list[str]:
    return [str(cell) for cell in app.screen.query_one(DataTable).get_row(str(number))]


def detail(app: CaptainApp) -> str:
    return str(app.screen.query_one("#detail", Static).render())


async def test_each_stage_is_a_column_and_each_cell_says_what_happened(tmp_path: Path) -> None:
    app = app_over(states.journeys(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.refreshed()
        await pilot.press("v")
        assert isinstance(app.screen, VersionsScreen)
        assert headers(app) == ["version", "beta", "gamma", "prod·1", "prod·2", "message"]
        # Stages ahead of an unsettled version hold its forecast (test_journey_forecast).
        assert row(app, 5)[1:5] == ["● 16:00", "◐ 16:00", "~ 16:21", "~ 16:31"]
        assert row(app, 4)[1:5] == ["● 15:55", "● 16:00", "◌", "~ 16:21"]
        assert row(app, 3)[1:5] == ["● 15:43", "✗ 15:45", "·", "·"]
        assert row(app, 1)[1:5] == ["● 14:13", "● 14:18", "● 14:28", "● 14:38"]


async def test_a_wide_terminal_gets_the_words_and_the_commit_columns(tmp_path: Path) -> None:
    app = app_over(states.journeys(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.refreshed()
        await pilot.press("v")
        await pilot.resize_terminal(200, 30)
        await pilot.pause()
        assert headers(app)[:6] == ["version", "commit", "author", "age", "build", "beta"]
        assert "prod-wave-1" in headers(app)
        assert row(app, 3)[5:7] == ["● passed 15:43", "✗ rejected 15:45"]
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert headers(app)[:2] == ["version", "beta"]


async def test_the_detail_follows_the_cursor_and_says_why_it_was_rejected(
    tmp_path: Path,
) -> None:
    app = app_over(states.journeys(tmp_path))
    async with app.run_test(size=(120, 36)) as pilot:
        await app.refreshed()
        await pilot.press("v")
        assert detail(app).startswith("v5  e5f6a7b8  Grace")
        assert "gamma in flight 09-21 16:00" in detail(app)
        await pilot.press("down", "down")
        assert detail(app).startswith("v3  c3d4e5f6  Linus")
        assert (
            "gamma rejected 09-21 15:45: rejected by tester: tax totals are wrong for EU baskets"
            in detail(app)
        )


async def test_the_filter_narrows_the_journey(tmp_path: Path) -> None:
    app = app_over(states.journeys(tmp_path))
    async with app.run_test(size=(120, 36)) as pilot:
        await app.refreshed()
        await pilot.press("v", "slash")
        await type_text(pilot, "taxes")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1
        assert row(app, 3)[5:9] == ["● 15:43", "✗ 15:45", "·", "·"]
        assert detail(app).startswith("v3 ")
