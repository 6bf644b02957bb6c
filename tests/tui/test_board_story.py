"""The story stays on the board (issue 14): a stage says which version it rejected and
why, a target rolled back shows the failed version's failed step and the rollback
rather than the ✓ marks of the version it went back to; and a 30-region production
reads as a compact grid of waves × regions that a person can still move on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from release_captain.tui import CaptainApp, make_app
from release_captain.tui.screens.log import LogScreen
from release_captain.tui.widgets.stage_column import StageColumn
from release_captain.tui.widgets.target_card import TargetCard
from tests.tui import states
from tests.tui.conftest import until

SnapCompare = Callable[..., bool]

REGIONS = [f"r{n:02d}" for n in range(1, 31)]
#: A production of 30 regions in waves of 5, 10 and 15.
THIRTY_REGIONS = f"""
[pipeline]
name = "shop"

[[sources]]
name = "app"
repo = "repo"

[build]
run = ["make"]

[defaults]
deploy = "true"

[[stages]]
name = "beta"
targets = ["local"]
approvals = [{{ name = "integration", run = "integration" }}]

[[stages]]
name = "prod"
waves = [{REGIONS[:5]}, {REGIONS[5:15]}, {REGIONS[15:]}]
approvals = [{{ name = "soak", wait = "10m" }}]
"""


def app_over(world: states.World) -> CaptainApp:
    return make_app(world.captain, refresh=0, clock=world.h.clock)


def rolled_back(tmp_path: Path) -> states.World:
    """v2's bake failed in gamma (monitor `errors` in ALARM) and both regions were
    rolled back to v1."""
    w = states.idle(tmp_path)
    w.h.runner.script["errors"] = 1
    w.commit("b2c3d4e5f6a7", "Faster checkout", author="Grace")
    w.h.advance(300)
    return w


def person_rejected(tmp_path: Path) -> states.World:
    """v2 baked in gamma until a person rejected it there."""
    w = states.baking(tmp_path)
    w.captain.reject("gamma", version=2, comment="wrong build")
    w.h.settle()
    return w


def thirty_regions(tmp_path: Path) -> states.World:
    """v1 passed beta and the first wave; the second wave soaks it, the third waits."""
    w = states.world(tmp_path, THIRTY_REGIONS)
    w.commit("a1b2c3d4e5f6", "Add the basket page")
    w.h.advance(600)
    w.h.advance(60)
    return w


def column(app: CaptainApp, stage: str) -> StageColumn:
    return app.screen.query_one(f"#stage-{stage.replace('.', '_')}", StageColumn)


def text_of(app: CaptainApp, stage: str) -> str:
    col = column(app, stage)
    summary = str(col.query_one(".summary").render())
    return summary + "\n" + "\n".join(str(c.render()) for c in col.query(TargetCard))


async def _loaded(pilot: Pilot) -> None:
    app = pilot.app
    assert isinstance(app, CaptainApp)
    await app.refreshed()
    await pilot.pause()
    await pilot.pause()


async def test_a_rolled_back_target_shows_the_failure_not_the_old_ticks(tmp_path: Path) -> None:
    app = app_over(rolled_back(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        await _loaded(pilot)
        text = text_of(app, "gamma")
        assert "v2 rejected here: health on us-east-1: monitor errors in ALARM" in text
        card = str(column(app, "gamma").query(TargetCard).first().render())
        assert "v2 failed here" in card
        assert "✗ health: monitor errors in ALARM" in card
        assert "↩ rolled back to v1" in card
        assert "✓ health" not in card


async def test_a_stage_says_who_rejected_its_version_and_why(tmp_path: Path) -> None:
    app = app_over(person_rejected(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        await _loaded(pilot)
        assert "✗ v2 rejected by tester: wrong build" in text_of(app, "gamma")
        assert "rejected" not in text_of(app, "beta")


async def test_a_later_version_passing_ends_the_story(tmp_path: Path) -> None:
    w = person_rejected(tmp_path)
    w.commit("c3d4e5f6a7b8", "Right build")
    w.h.advance(300)
    app = app_over(w)
    async with app.run_test(size=(160, 50)) as pilot:
        await _loaded(pilot)
        assert "rejected" not in text_of(app, "gamma")


async def test_thirty_regions_fit_as_a_grid_a_person_can_move_on(tmp_path: Path) -> None:
    app = app_over(thirty_regions(tmp_path))
    async with app.run_test(size=(200, 50)) as pilot:
        await _loaded(pilot)
        cards = [c for c in app.screen.query(TargetCard) if c.stage.startswith("prod")]
        assert len(cards) == 30
        assert all(c.has_class("-compact") and c.outer_size.height == 1 for c in cards)
        assert all(c.region.height == 1 for c in cards)  # every cell on the screen
        assert not column(app, "beta").query(TargetCard).first().has_class("-compact")
        await pilot.press("l", "l", "j", "j")
        assert isinstance(app.screen.focused, TargetCard)
        assert app.screen.focused.where == "prod-wave-2/r07"
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, LogScreen))


async def test_the_grid_goes_when_the_cards_fit_again(tmp_path: Path) -> None:
    app = app_over(thirty_regions(tmp_path))
    async with app.run_test(size=(200, 50)) as pilot:
        await _loaded(pilot)
        await pilot.resize_terminal(200, 200)
        await pilot.pause()
        await pilot.pause()
        cards = [c for c in app.screen.query(TargetCard) if c.stage.startswith("prod")]
        assert not any(c.has_class("-compact") for c in cards)


def test_snapshot_thirty_regions_compact(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """prod's three waves as one grid, one line per region: wave 1 `✓ r01 v1` … ,
    wave 2 `◔ r06 v1` … soaking, wave 3 `· r16 —` … waiting; beta a full card."""
    app = app_over(thirty_regions(tmp_path))
    assert snap_compare(app, terminal_size=(200, 50), run_before=_loaded)


def test_snapshot_rolled_back(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """gamma says `✗ v2 rejected here: health on us-east-1: …`; each gamma card reads
    `↩ … v1 rolled back`, `v2 failed here:`, `✗ health: monitor errors in ALARM …`,
    `↩ rolled back to v1`."""
    app = app_over(rolled_back(tmp_path))
    assert snap_compare(app, terminal_size=(120, 40), run_before=_loaded)
