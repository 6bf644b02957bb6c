"""The previews screen (issue 16): `P` (or the palette) lists each branch's preview —
branch, state, URL, age — read with one call to the service per refresh; the ages move
with the clock; the header counts the previews; the history shows a failure of any kind
(`preview.failed`, `notify.failed`, …) in red."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from release_captain.tui import CaptainApp, make_app
from release_captain.tui import helm as helm_module
from release_captain.tui.dialogs.help import HelpDialog
from release_captain.tui.screens.history import HistoryScreen
from release_captain.tui.screens.previews import PreviewsScreen
from release_captain.tui.widgets.header import CaptainHeader
from tests.tui import states
from tests.tui.conftest import type_text, until

SIZE = (120, 36)


def app_over(world: states.World) -> CaptainApp:
    return make_app(world.captain, refresh=0, clock=world.h.clock)


async def opened(app: CaptainApp, pilot: Pilot[None]) -> PreviewsScreen:
    await app.refreshed()
    await pilot.press("P")
    await until(pilot, lambda: isinstance(app.screen, PreviewsScreen))
    await pilot.pause()
    assert isinstance(app.screen, PreviewsScreen)
    return app.screen


def rows(screen: PreviewsScreen) -> list[list[str]]:
    table = screen.query_one(DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def detail(screen: PreviewsScreen) -> str:
    return str(screen.query_one("#detail", Static).render())


async def test_P_lists_each_preview_with_its_state_url_and_age(tmp_path: Path) -> None:
    w = states.previewing(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        assert rows(screen) == [
            ["feature/login", "deployed", "http://127.0.0.1:40123/", "3m ago", "f00dfeed"],
            ["feature/search", "failed", "—", "1m ago", "f00dfeed"],
        ]
        assert "deploy" in detail(screen) and "feature/login" in detail(screen)
        await pilot.press("down")
        assert "deploy exited 1" in detail(screen)
        header = str(screen.query_one(CaptainHeader).render())
        assert "2 previews, 1 failed" in header


async def test_the_ages_move_with_the_clock_while_nothing_changes(tmp_path: Path) -> None:
    w = states.previewing(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        w.h.clock.advance(3600)
        app.tick()
        await pilot.pause()
        assert [r[3] for r in rows(screen)] == ["1h ago", "1h ago"]


async def test_the_list_follows_the_store_one_read_per_refresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = states.previewing(tmp_path)
    reads: list[int] = []
    real = helm_module.previews

    def counted(captain: object) -> object:
        found = real(captain)  # type: ignore[arg-type]
        reads.append(len(found))
        return found

    monkeypatch.setattr(helm_module, "previews", counted)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        states.put_preview(w, "feature/cart", state="deploying", ago=0)
        with w.h.store.write():
            w.h.store.previews.forget("feature/search", detail="torn down", now=w.h.clock())
        reads.clear()
        await app.refreshed()
        await pilot.pause()
        assert [r[:2] for r in rows(screen)] == [
            ["feature/cart", "deploying"],
            ["feature/login", "deployed"],
        ]
        assert reads == [2]  # one call for the whole list, whatever its length


async def test_the_palette_opens_the_previews(tmp_path: Path) -> None:
    app = app_over(states.previewing(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("colon")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await type_text(pilot, "show the previews")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, PreviewsScreen))


async def test_no_previews_says_how_to_get_one(tmp_path: Path) -> None:
    app = app_over(states.world(tmp_path, states.PREVIEW_PIPELINE))
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        assert rows(screen) == []
        assert "captain preview BRANCH" in detail(screen)
        assert "preview" not in str(screen.query_one(CaptainHeader).render()).split("│")[-1]


async def test_a_pipeline_without_previews_says_what_to_add(tmp_path: Path) -> None:
    app = app_over(states.waiting(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        assert "no [preview] table" in detail(screen)


async def test_the_help_lists_the_previews_key(tmp_path: Path) -> None:
    app = app_over(states.waiting(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpDialog))
        everywhere = dict(app.help_sections())["Everywhere"]
        assert ("P", "Previews") in everywhere


@pytest.mark.parametrize("kind", ["preview.failed", "notify.failed"])
async def test_the_history_shows_any_failure_in_red(tmp_path: Path, kind: str) -> None:
    w = states.waiting(tmp_path)
    with w.h.store.write():
        w.h.store.events.append(kind, at=w.h.clock(), detail="something went wrong")
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("e")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        table = app.screen.query_one(DataTable)
        cell = table.get_row_at(0)[3]
        assert isinstance(cell, Content) and cell.plain == kind
        assert [str(span.style) for span in cell.spans] == ["b $text-error"]
