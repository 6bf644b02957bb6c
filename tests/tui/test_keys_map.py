"""The key map people know: `ctrl+p` opens the palette, `e` the events, `w` walks the
prompts that wait for a person, `q` asks before it stops an engine running here, a
read-only wall screen names the CLI command for an order's key, `--notify` rings, and a
screenshot lands where the person is."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.command import CommandPalette

from release_captain.service import Captain
from release_captain.testing_git import commit, init_repo
from release_captain.tui import CaptainApp, make_app
from release_captain.tui.commands import commands_of
from release_captain.tui.dialogs.confirm import ConfirmDialog
from release_captain.tui.dialogs.help import HelpDialog
from release_captain.tui.screens.board import BoardScreen
from release_captain.tui.screens.history import HistoryScreen
from release_captain.tui.widgets.approval_prompt import ApprovalPrompt
from tests.tui import incidents, states
from tests.tui.conftest import until

SIZE = (120, 36)


def app_over(world: states.World, **options: object) -> CaptainApp:
    return make_app(world.captain, refresh=0, clock=world.h.clock, **options)


def notes_of(app: CaptainApp) -> list[str]:
    """What the app told the person, oldest first."""
    said: list[str] = []
    app.notify = lambda message, **kw: said.append(str(message))  # type: ignore[method-assign]
    return said


async def test_ctrl_p_opens_the_command_palette(tmp_path: Path) -> None:
    app = app_over(states.idle(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape")
        await pilot.press("colon")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)


async def test_e_opens_the_events_and_esc_comes_back(tmp_path: Path) -> None:
    app = app_over(states.idle(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("e")
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, BoardScreen)


async def test_w_walks_every_prompt_in_every_stage_in_turn(tmp_path: Path) -> None:
    app = app_over(incidents.two_gates(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("e")  # from any screen: `w` goes back to the board
        seen = []
        for _ in range(3):
            await pilot.press("w")
            await pilot.pause()
            assert isinstance(app.focused, ApprovalPrompt)
            seen.append((app.focused.prompt.stage, app.focused.prompt.version))
        assert seen == [("gamma", 2), ("prod-wave-1", 1), ("gamma", 2)]


async def test_w_shows_the_whole_list_of_what_waits_and_where_you_are_in_it(
    tmp_path: Path,
) -> None:
    """Several prompts in several stages are a list, not a guess: each `w` names them
    all and marks the one it moved to."""
    app = app_over(incidents.two_gates(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        said = notes_of(app)
        await app.refreshed()
        await pilot.press("w", "w")
        await pilot.pause()
        first, second = said[-2:]
        assert first.splitlines() == [
            "▶ v2 waits for approval to enter gamma",
            "  v1 waits for approval to enter prod-wave-1",
        ]
        assert second.splitlines()[1].startswith("▶ v1")


async def test_w_says_when_nothing_waits(tmp_path: Path) -> None:
    app = app_over(states.idle(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        said = notes_of(app)
        await app.refreshed()
        await pilot.press("w")
        assert said == ["nothing waits for a person"]


async def test_a_readonly_screen_names_the_command_for_each_order(tmp_path: Path) -> None:
    w = states.approving(tmp_path)
    app = app_over(w, readonly=True)
    async with app.run_test(size=SIZE) as pilot:
        said = notes_of(app)
        await app.refreshed()
        await pilot.press("right", "down")  # a target card
        for key in ("a", "r", "p", "g", "b"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, BoardScreen), key
        assert [s.split("`")[1].split()[:2] for s in said] == [
            ["captain", "approve"],
            ["captain", "reject"],
            ["captain", "pause"],
            ["captain", "gate"],
            ["captain", "rollback"],
        ]
        assert all(s.startswith("this screen is read-only: run `") for s in said)


async def test_the_keys_help_lists_the_new_keys(tmp_path: Path) -> None:
    app = app_over(states.idle(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpDialog)
        rows = dict(row for _, rows in app.help_sections() for row in rows)
        assert rows[":, ^p"] == "Commands"
        assert (rows["e"], rows["i"], rows["w"]) == ("Events", "Incident", "Next waiting")
        assert "Roll back…" in rows.values() and "Pause next wave" in rows.values()


async def test_notify_rings_when_a_prompt_appears_or_a_target_fails(tmp_path: Path) -> None:
    w = states.idle(tmp_path)
    app = app_over(w, notify=True)
    async with app.run_test(size=SIZE):
        await app.refreshed()
        written: list[str] = []
        assert app._driver is not None
        app._driver.write = written.append  # type: ignore[method-assign]
        w.commit("b2c3d4e5f6a7", "Faster checkout")
        w.h.advance(300)
        await app.refreshed()
        assert written == [
            "\a\x1b]9;captain: waits for you: v2 waits for approval to enter prod-wave-1\x07"
        ]
        w.h.runner.script["errors"] = 1
        w.commit("c3d4e5f6a7b8", "Taxes at checkout")
        w.h.advance(60)
        await app.refreshed()
        assert len(written) == 2 and written[1].startswith("\a\x1b]9;captain: v3 failed on gamma/")
        await app.refreshed()
        assert len(written) == 2  # each only once


async def test_without_notify_nothing_rings(tmp_path: Path) -> None:
    w = states.idle(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE):
        await app.refreshed()
        written: list[str] = []
        assert app._driver is not None
        app._driver.write = written.append  # type: ignore[method-assign]
        w.commit("b2c3d4e5f6a7", "Faster checkout")
        w.h.advance(300)
        await app.refreshed()
        assert written == []


async def test_a_screenshot_is_saved_where_the_person_is_and_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_over(states.idle(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home-without-downloads"))
    async with app.run_test(size=SIZE):
        said = notes_of(app)
        await app.refreshed()
        saved = app.deliver_screenshot()
    assert saved is not None and Path(saved).parent == tmp_path
    assert Path(saved).read_text().startswith("<svg")
    assert said == [saved]


SLOW = """
[pipeline]
name = "slow"

[[sources]]
name = "app"
repo = "repo"

[build]
run = ["true"]

[defaults]
deploy = "sleep 30"

[[stages]]
name = "beta"
targets = ["local"]
"""


@pytest.mark.slow
async def test_q_asks_before_it_stops_the_engine_running_here(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    commit(repo, {"app.txt": "1"}, "First")
    (tmp_path / "pipeline.toml").write_text(SLOW)
    captain = Captain.from_config(tmp_path / "pipeline.toml")
    app = make_app(captain, engine=True, refresh=0.2)
    async with app.run_test(size=SIZE) as pilot:
        deadline = time.monotonic() + 30
        while not (app.board and app.board.stage("beta").in_flight):
            assert time.monotonic() < deadline, "the deploy never started"
            await pilot.pause(0.05)
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        text = " ".join(str(s.render()) for s in app.screen.query(".line"))
        assert "In flight: v1 in beta" in text
        await pilot.press("escape")
        await pilot.pause(0.3)
        assert not app.engine_stop.is_set() and isinstance(app.screen, BoardScreen)
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("enter")
        await until(pilot, lambda: app.engine_done.is_set(), timeout=20)
    assert app.engine_error is None
    captain.close()


async def test_the_palette_offers_only_rollbacks_with_somewhere_to_go(tmp_path: Path) -> None:
    w = states.approving(tmp_path)  # beta and gamma run v2 (last good v1); prod runs v1
    app = app_over(w)
    async with app.run_test(size=SIZE):
        await app.refreshed()
        offered = {name: text for name, text, _ in commands_of(app) if "Roll back" in name}
    assert offered["Roll back gamma/us-east-1"] == "from v2 to v1"
    assert "Roll back gamma" in offered
    assert not [name for name in offered if "prod" in name]  # v1 is all prod ever ran
