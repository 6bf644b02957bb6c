"""The incident in three keys: `i` shows the target that failed last and its step's
output; `b`, `p` and `r` roll it back (picking the version), pause the next wave or
reject the version, each with the failure as the reason already written."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Select

from release_captain.tui import CaptainApp, make_app
from release_captain.tui.dialogs.confirm import ConfirmDialog
from release_captain.tui.dialogs.rollback import RollbackDialog
from release_captain.tui.screens.board import BoardScreen
from release_captain.tui.screens.incident import IncidentScreen
from release_captain.tui.screens.log import LogScreen
from tests.tui import incidents, states
from tests.tui.conftest import until

SIZE = (120, 36)


def app_over(world: states.World, **options: object) -> CaptainApp:
    return make_app(world.captain, refresh=0, clock=world.h.clock, **options)


def screen_text(app: CaptainApp) -> str:
    return " ".join(str(w.render()) for w in app.screen.query("Static"))


async def opened(app: CaptainApp, pilot: Pilot[None]) -> IncidentScreen:
    """Press `i` and wait until the incident is drawn."""
    await app.refreshed()
    await pilot.press("i")
    await until(pilot, lambda: isinstance(app.screen, IncidentScreen) and app.screen.incident)
    assert isinstance(app.screen, IncidentScreen)
    return app.screen


async def test_i_shows_the_last_failure_and_its_output(tmp_path: Path) -> None:
    w = incidents.alarmed(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        assert screen.incident is not None and screen.incident.version == 4
        text = screen_text(app)
        assert f"gamma/{screen.incident.target}" in text and "health failed" in text
        assert "monitor errors in ALARM" in text and "$ errors" in text
        assert "runs v3 now" in text
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, LogScreen))
        await pilot.press("escape")
        assert isinstance(app.screen, IncidentScreen)  # esc comes back, not to the board
        await pilot.press("escape")
        assert isinstance(app.screen, BoardScreen)


async def test_i_with_nothing_failed_says_so(tmp_path: Path) -> None:
    app = app_over(states.idle(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("i")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "no target has failed or alarmed" in screen_text(app)
        await pilot.press("b", "p")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)


async def test_b_rolls_back_to_the_version_picked_with_the_failure_as_reason(
    tmp_path: Path,
) -> None:
    w = incidents.alarmed(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        assert screen.incident is not None
        target, reason = screen.incident.target, screen.incident.reason
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, RollbackDialog))
        assert app.screen.query_one("#reason", Input).value == reason
        picker = app.screen.query_one(Select)
        assert picker.value == 2  # the last good version, by default
        picker.value = 1  # `--to v1`
        await pilot.press("enter")
        await app.workers.wait_for_complete()
    rolled = w.target("gamma", target)
    assert (rolled.version, rolled.state) == (1, "rolled_back")
    (event,) = [e for e in w.captain.history() if e.kind == "stage.rejected" and e.version == 3]
    assert reason in event.detail


async def test_p_pauses_the_next_wave_with_the_failure_as_reason(tmp_path: Path) -> None:
    w = incidents.alarmed(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        assert screen.incident is not None
        reason = screen.incident.reason
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert app.screen.query_one("#dialog").border_title == "Pause prod-wave-1?"
        assert app.screen.query_one("#reason", Input).value == reason
        await pilot.press("enter")
        await app.workers.wait_for_complete()
    assert w.stage("prod-wave-1").paused
    assert not w.stage("gamma").paused


async def test_r_is_not_offered_for_a_version_its_failure_rejected(tmp_path: Path) -> None:
    w = incidents.alarmed(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot)
        assert "v4 is rejected in gamma" in screen_text(app)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)


async def test_an_incident_a_later_version_healed_says_so(tmp_path: Path) -> None:
    w = incidents.alarmed(tmp_path)
    w.h.runner.script["errors"] = 0
    incidents.shipped(w, "e5f6a7b8c9d0", "Smaller buttons")
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot)
        assert "runs v5 now, which succeeded there since: this incident is over" in (
            screen_text(app)
        )
