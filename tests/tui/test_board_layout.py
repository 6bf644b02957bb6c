"""The board a release engineer keeps open all day (issue 14): columns that share the
width, breadcrumbs for the stages scrolled off, a solid selection readable without
colour, `hjkl` movement, `o` for a target's output, and a compact grid when a stage's
cards would not fit."""

from __future__ import annotations

from pathlib import Path

from release_captain.tui import CaptainApp, make_app
from release_captain.tui.screens.board import BoardScreen
from release_captain.tui.screens.log import LogScreen
from release_captain.tui.widgets.stage_column import StageColumn
from release_captain.tui.widgets.target_card import TargetCard
from tests.tui import states
from tests.tui.conftest import until

#: The sample pipeline's shape: beta, gamma and three production waves.
FIVE_STAGES = states.PIPELINE.replace(
    'waves = [["us-west-2"], ["eu-west-1", "us-east-1"]]',
    'waves = [["us-west-2"], ["eu-west-1"], ["us-east-1"]]',
)


def five_stages(tmp_path: Path) -> states.World:
    """v1 passed beta and gamma and waits at prod's gate, on five stages."""
    w = states.world(tmp_path, FIVE_STAGES)
    w.commit("a1b2c3d4e5f6", "Add the basket page")
    w.h.advance(300)
    return w


def app_over(world: states.World) -> CaptainApp:
    return make_app(world.captain, refresh=0, clock=world.h.clock)


def columns(app: CaptainApp) -> list[StageColumn]:
    return list(app.screen.query(StageColumn))


def crumbs(app: CaptainApp) -> str:
    widget = app.screen.query_one("#crumbs")
    return str(widget.render()) if widget.display else ""


def focused_card(app: CaptainApp) -> TargetCard:
    card = app.screen.focused
    assert isinstance(card, TargetCard), card
    return card


async def test_five_stages_share_120_columns(tmp_path: Path) -> None:
    app = app_over(five_stages(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.refreshed()
        await pilot.pause()
        row = app.screen.query_one("#columns")
        shown = columns(app)
        assert len(shown) == 5
        assert sum(c.outer_size.width for c in shown) <= row.size.width
        assert all(c.region.right <= row.region.right for c in shown)
        assert crumbs(app) == ""


async def test_resizing_to_10_by_3_and_back_shares_the_width_again(tmp_path: Path) -> None:
    app = app_over(states.idle(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.refreshed()
        await pilot.pause()
        before = [c.outer_size.width for c in columns(app)]
        await pilot.resize_terminal(10, 3)
        await pilot.pause()
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        await pilot.pause()
        assert [c.outer_size.width for c in columns(app)] == before
        assert len(set(before)) == 1


async def test_breadcrumbs_name_the_stages_scrolled_off(tmp_path: Path) -> None:
    app = app_over(five_stages(tmp_path))
    async with app.run_test(size=(80, 30)) as pilot:
        await app.refreshed()
        await pilot.pause()
        assert "prod-wave-3 ▶" in crumbs(app)
        assert "◀" not in crumbs(app)
        await pilot.press("l", "l", "l", "l")
        await pilot.pause()
        assert app.screen.focused is columns(app)[-1]
        assert "◀ beta" in crumbs(app)
        assert "▶" not in crumbs(app).replace("◀", "")


async def test_jk_move_between_targets_and_hl_between_stages(tmp_path: Path) -> None:
    app = app_over(states.idle(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.refreshed()
        beta, gamma = columns(app)[:2]
        assert app.screen.focused is beta
        await pilot.press("l")
        assert app.screen.focused is gamma
        await pilot.press("j")
        assert focused_card(app).where == "gamma/us-east-1"
        await pilot.press("j")
        assert focused_card(app).where == "gamma/eu-west-1"
        await pilot.press("k")
        assert focused_card(app).where == "gamma/us-east-1"
        await pilot.press("h")
        assert focused_card(app).where == "beta/local"
        await pilot.press("k")
        assert app.screen.focused is beta


async def test_o_opens_the_selected_targets_output_and_l_does_not(tmp_path: Path) -> None:
    app = app_over(states.idle(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.refreshed()
        await pilot.press("j", "l")
        assert focused_card(app).where == "gamma/us-east-1"
        assert isinstance(app.screen, BoardScreen)
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, LogScreen))


async def test_the_selection_reads_without_colour(tmp_path: Path) -> None:
    app = app_over(states.idle(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.refreshed()
        beta, gamma = columns(app)[:2]
        assert str(beta.border_title).startswith("▶ ")
        assert not str(gamma.border_title).startswith("▶")
        await pilot.press("l", "j")
        await pilot.pause()
        card = focused_card(app)
        assert str(card.render()).startswith("▶ ")
        assert str(gamma.border_title).startswith("▶ ")
        assert not str(beta.border_title).startswith("▶")
        others = [c for c in app.screen.query(TargetCard) if c is not card]
        assert not any(str(c.render()).startswith("▶") for c in others)


async def test_help_lists_the_movement_keys_and_output(tmp_path: Path) -> None:
    app = app_over(states.idle(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.refreshed()
        await pilot.press("question_mark")
        await pilot.pause()
        text = " ".join(str(s.render()) for s in app.screen.query(".line"))
        for words in ("Previous stage", "Next stage", "Previous target", "Next target"):
            assert words in text
        for keys in ("h, ←", "l, →", "j, ↓", "k, ↑", "o"):
            assert keys in text
        assert "Output" in text
