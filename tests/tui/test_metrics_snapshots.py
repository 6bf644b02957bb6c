"""How the metrics screen looks, at fixed sizes over five days of releases on a fake
clock. Regenerate deliberately with `pytest tests/tui --snapshot-update` and review the
SVGs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from release_captain.tui import CaptainApp, make_app
from release_captain.tui.screens.metrics import MetricsScreen
from tests.tui import metrics_history
from tests.tui.conftest import until

#: pytest-textual-snapshot's fixture: True when the app matches its saved picture.
SnapCompare = Callable[..., bool]


async def _metrics_7d(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, CaptainApp)
    await app.refreshed()
    await pilot.press("m", "left_square_bracket")
    await until(pilot, lambda: isinstance(app.screen, MetricsScreen) and app.screen.view)
    await pilot.pause()


def _app(tmp_path: Path) -> CaptainApp:
    w = metrics_history.week(tmp_path)
    return make_app(w.captain, refresh=0, clock=w.h.clock)


def test_metrics_at_80_by_24(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """The last 7 days, one stage a card: beta's `entered 6 passed 6 rejected 0 rolled
    back 0`, `failure rate 0% in stage 0s person wait —`, and its `entered a day`
    sparkline (0 1 2 1 0 1 1) with `most 2`; the delivery card is below, scrolled to."""
    assert snap_compare(_app(tmp_path), terminal_size=(80, 24), run_before=_metrics_7d)


def test_metrics_at_160_by_40(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """The same two cards a row: gamma with `rejected 1 rolled back 2 failure rate 17%`;
    delivery at prod-wave-2 with `frequency 0.57 a day`, lead time `median 2h15m p90
    1d00h versions 4`, restore `median 3m00s p90 3m00s targets 2`, and its lead times'
    sparkline with `most 1d00h`."""
    assert snap_compare(_app(tmp_path), terminal_size=(160, 40), run_before=_metrics_7d)
