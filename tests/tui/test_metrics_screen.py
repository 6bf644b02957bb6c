"""The metrics screen: `m` (or the palette) shows `captain metrics`' figures stage by
stage with a chart of the versions each took a day, and delivery at the last stage;
`[` and `]` change the period; the figures are read again when the state changes."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Sparkline

from release_captain.tui import CaptainApp, make_app
from release_captain.tui.screens.board import BoardScreen
from release_captain.tui.screens.metrics import DeliveryCard, MetricsScreen, StageCard
from tests.tui import metrics_history, states
from tests.tui.conftest import type_text, until

SIZE = (120, 36)
DAY = 86400.0


def app_over(world: states.World) -> CaptainApp:
    return make_app(world.captain, refresh=0, clock=world.h.clock)


def card_text(app: CaptainApp, name: str) -> str:
    cards = [*app.screen.query(StageCard), *app.screen.query(DeliveryCard)]
    card = next(c for c in cards if c.border_title == name)
    return " ".join(str(w.render()) for w in card.query("Static"))


async def opened(app: CaptainApp, pilot: Pilot[None]) -> MetricsScreen:
    """Press `m` and wait until the figures are drawn."""
    await app.refreshed()
    await pilot.press("m")
    await until(pilot, lambda: isinstance(app.screen, MetricsScreen) and app.screen.view)
    await pilot.pause()
    assert isinstance(app.screen, MetricsScreen)
    return app.screen


async def test_m_shows_the_figures_of_captain_metrics_per_stage(tmp_path: Path) -> None:
    w = metrics_history.week(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        assert screen.view == w.captain.metrics(since="30d")  # the service's own answer
        gamma = card_text(app, "gamma")
        for words in ("entered 6", "passed 5", "rejected 1", "rolled back 2", "failure rate 17%"):
            assert words in gamma
        assert "in stage 5m00s" in gamma and "person wait —" in gamma
        assert "person wait 20m00s" in card_text(app, "prod-wave-1")
        delivery = card_text(app, "delivery at prod-wave-2")
        assert "frequency 0.13 a day" in delivery
        assert "median 2h15m" in delivery and "p90 1d00h" in delivery
        assert "restore" in delivery and "median 3m00s" in delivery
        beta = next(iter(app.screen.query(StageCard))).query_one(Sparkline)
        assert list(beta.data or []) == [0.0] * 24 + [1.0, 2.0, 1.0, 0.0, 1.0, 1.0]
        await pilot.press("escape")
        assert isinstance(app.screen, BoardScreen)


async def test_the_palette_opens_the_metrics(tmp_path: Path) -> None:
    app = app_over(states.idle(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("colon")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await type_text(pilot, "show the metrics")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MetricsScreen))


async def test_brackets_switch_the_period(tmp_path: Path) -> None:
    w = metrics_history.week(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        await pilot.press("left_square_bracket")
        await until(pilot, lambda: screen.view is not None and screen.period == "7d")
        assert screen.view is not None
        assert screen.view.until - screen.view.since == 7 * DAY
        beta = next(iter(screen.query(StageCard))).query_one(Sparkline)
        assert list(beta.data or []) == [0.0, 1.0, 2.0, 1.0, 0.0, 1.0, 1.0]
        assert "frequency 0.57 a day" in card_text(app, "delivery at prod-wave-2")
        assert "last 7d" in str(screen.query_one(".headline").render())
        await pilot.press("left_square_bracket")  # there is no shorter one
        await pilot.pause()
        assert screen.period == "7d"
        for _ in range(3):
            await pilot.press("right_square_bracket")
        await until(pilot, lambda: screen.view is not None)
        assert screen.period == "90d"
        assert screen.view is not None and len(screen.view.stages[0].deployments_per_day) == 90


async def test_an_empty_history_shows_zeros_and_dashes(tmp_path: Path) -> None:
    app = app_over(states.world(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot)
        beta = card_text(app, "beta")
        for words in ("entered 0", "passed 0", "rejected 0", "rolled back 0"):
            assert words in beta
        for words in ("failure rate —", "in stage —", "person wait —"):
            assert words in beta
        delivery = card_text(app, "delivery at prod-wave-2")
        assert "frequency 0.00 a day" in delivery
        assert delivery.count("median —") == 2 and "p90" not in delivery


async def test_the_figures_are_read_again_when_the_state_changes_only(tmp_path: Path) -> None:
    w = states.idle(tmp_path)
    app = app_over(w)
    reads: list[str] = []
    metrics = app.helm.metrics

    def counted(since: str) -> object:
        reads.append(since)
        return metrics(since)

    app.helm.metrics = counted  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        assert "entered 1" in card_text(app, "beta")
        await app.refreshed()  # nothing changed: nothing read
        app.tick()
        await pilot.pause()
        assert reads == ["30d"]
        w.commit("b2c3d4e5f6a7", "Faster checkout", author="Grace")
        await app.refreshed()
        await until(pilot, lambda: "entered 2" in card_text(app, "beta"))
        assert len(reads) == 2 and screen.view is not None


async def test_the_help_lists_the_metrics_keys(tmp_path: Path) -> None:
    app = app_over(states.idle(tmp_path))
    async with app.run_test(size=SIZE):
        sections = dict(app.help_sections())
        assert ("m", "Metrics") in sections["Everywhere"]
        assert sections["Metrics"] == [
            ("[", "Shorter period"),
            ("]", "Longer period"),
            ("esc", "Back"),
        ]
