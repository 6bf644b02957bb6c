"""The log screen a release engineer leaves open (issue 14): following moves on to the
version's next step on the target, and `[` / `]` reach the versions deployed there
before and after, so v1's failed test stays one key away once v2 landed."""

from __future__ import annotations

from pathlib import Path

from release_captain.tui import CaptainApp, make_app
from release_captain.tui.screens.log import LogScreen
from release_captain.tui.widgets.header import CaptainHeader
from tests.tui import states
from tests.tui.conftest import until

SIZE = (120, 36)


def app_over(world: states.World) -> CaptainApp:
    return make_app(world.captain, refresh=0, clock=world.h.clock)


def shown_step(screen: LogScreen) -> str:
    return next(v.step.name for v in screen.views if v.step.id == screen._chosen)


async def open_logs(app: CaptainApp, stage: str, target: str, version: int) -> LogScreen:
    await app.refreshed()
    app.open_logs(stage, target, version)
    screen = app.screen
    assert isinstance(screen, LogScreen)
    return screen


async def test_following_moves_on_to_the_next_step(tmp_path: Path) -> None:
    w = states.soaking(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_logs(app, "beta", "local", 1)
        await until(pilot, lambda: screen.views and shown_step(screen) == "soak")
        w.h.advance(240)  # the soak ends; the settle starts
        await app.refreshed()
        await until(pilot, lambda: shown_step(screen) == "settle")
        assert screen.views[-1].step.state == "running"


async def test_a_step_chosen_by_hand_is_kept_while_following(tmp_path: Path) -> None:
    w = states.soaking(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_logs(app, "beta", "local", 1)
        await until(pilot, lambda: screen.views and shown_step(screen) == "soak")
        await pilot.press("up")  # the deploy, read on purpose
        await until(pilot, lambda: shown_step(screen) == "deploy")
        w.h.advance(240)
        await app.refreshed()
        await until(pilot, lambda: len(screen.views) == 3)
        assert shown_step(screen) == "deploy"


async def test_brackets_walk_the_versions_deployed_on_the_target(tmp_path: Path) -> None:
    w = states.fixed(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_logs(app, "beta", "local", 2)
        await until(pilot, lambda: bool(screen.views))
        await pilot.press("left_square_bracket")
        await until(pilot, lambda: screen.version == 1 and screen.views[0].step.version == 1)
        assert shown_step(screen) == "integration"
        await until(pilot, lambda: "exited 1" in screen.log_text())
        assert "v1 on beta/local" in str(screen.query_one(CaptainHeader).render())
        await pilot.press("left_square_bracket")  # nothing before v1
        await pilot.pause()
        assert screen.version == 1
        assert any("first deployment" in str(n.message) for n in app._notifications)
        await pilot.press("right_square_bracket")
        await until(pilot, lambda: screen.version == 2 and screen.views[0].step.version == 2)
        await until(pilot, lambda: "exited 0" in screen.log_text())
