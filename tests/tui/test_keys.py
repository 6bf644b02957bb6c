"""The keys a terminal user expects: `?` lists every binding, `:` and `ctrl+p` open the
palette of every action, `/` filters, `enter` opens details, `esc` goes back, and a
`--readonly` wall screen cannot act."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandPalette
from textual.widgets import DataTable

from release_captain.tui import CaptainApp, make_app
from release_captain.tui.dialogs.confirm import ConfirmDialog
from release_captain.tui.dialogs.help import HelpDialog
from release_captain.tui.dialogs.version import VersionDialog
from release_captain.tui.screens.board import BoardScreen
from release_captain.tui.screens.history import HistoryScreen
from release_captain.tui.screens.versions import VersionsScreen
from release_captain.tui.widgets.approval_prompt import ApprovalPrompt
from release_captain.tui.widgets.stage_column import StageColumn
from release_captain.tui.widgets.target_card import TargetCard
from tests.tui import states
from tests.tui.conftest import type_text, until

SIZE = (120, 36)


def app_over(world: states.World, **options: object) -> CaptainApp:
    return make_app(world.captain, refresh=0, clock=world.h.clock, **options)


def help_text(app: CaptainApp) -> str:
    return " ".join(str(s.render()) for s in app.screen.query(".line"))


async def test_question_mark_lists_every_binding(tmp_path: Path) -> None:
    w = states.idle(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpDialog)
        text = help_text(app)
        for words in ("Approve", "Reject", "Pause", "Gate", "Rollback", "Output", "Filter"):
            assert words in text
        for keys in ("?", "/", ":", "^p", "esc", "⏎"):
            assert keys in text
        await pilot.press("escape")
        assert isinstance(app.screen, BoardScreen)


async def test_the_palette_offers_every_action(tmp_path: Path) -> None:
    w = states.approving(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("colon")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await type_text(pilot, "pause gamma")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen.query_one("#dialog").border_title == "Pause gamma?"
        await pilot.press("escape")
        await app.workers.wait_for_complete()
    assert not w.stage("gamma").paused


async def test_slash_filters_the_targets(tmp_path: Path) -> None:
    w = states.idle(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("slash")
        await type_text(pilot, "eu-west")
        await pilot.press("enter")
        shown = [c.where for c in app.screen.query(TargetCard) if not c.has_class("-hidden")]
        assert shown == ["gamma/eu-west-1", "prod-wave-2/eu-west-1"]
        columns = [c.stage.name for c in app.screen.query(StageColumn) if c.display]
        assert columns == ["gamma", "prod-wave-2"]
        await pilot.press("slash", "escape")  # clears it
        assert all(not c.has_class("-hidden") for c in app.screen.query(TargetCard))


async def test_versions_then_details_then_back(tmp_path: Path) -> None:
    w = states.approving(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("v")
        assert isinstance(app.screen, VersionsScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == len(w.captain.versions()) == 2
        await pilot.press("enter")  # v2, the newest
        await until(pilot, lambda: isinstance(app.screen, VersionDialog))
        text = help_text(app)
        assert "prod-wave-1" in text and "waiting" in text
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, BoardScreen)


async def test_history_is_filterable(tmp_path: Path) -> None:
    w = states.approving(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("e")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == len(w.captain.history())
        await pilot.press("slash")
        await type_text(pilot, "granted")
        await pilot.press("enter")
        assert table.row_count == 1  # the approval of v1 into prod-wave-1
        await pilot.press("escape")
        assert isinstance(app.screen, BoardScreen)


async def test_enter_on_a_stage_opens_its_history(tmp_path: Path) -> None:
    w = states.idle(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("right", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        assert app.screen.filter_text == "gamma"


async def test_a_readonly_screen_cannot_act(tmp_path: Path) -> None:
    w = states.approving(tmp_path)
    before = len(w.captain.history())
    app = app_over(w, readonly=True)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("right", "right", "down")
        assert isinstance(app.focused, ApprovalPrompt)
        for key in ("a", "r", "p", "g", "b"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, BoardScreen), key
        assert "READ-ONLY" in str(app.screen.query_one("CaptainHeader").render())
        await pilot.press("question_mark")
        assert "Approve" not in help_text(app)
    assert len(w.captain.history()) == before
