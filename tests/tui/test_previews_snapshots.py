"""How the previews screen looks at fixed sizes, over two previews on a fake clock.
Regenerate deliberately with `pytest tests/tui --snapshot-update` and review the SVGs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from release_captain.tui import CaptainApp, make_app
from release_captain.tui.screens.previews import PreviewsScreen
from tests.tui import states
from tests.tui.conftest import until

#: pytest-textual-snapshot's fixture: True when the app matches its saved picture.
SnapCompare = Callable[..., bool]


async def _previews(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, CaptainApp)
    await app.refreshed()
    await pilot.press("P")
    await until(pilot, lambda: isinstance(app.screen, PreviewsScreen))
    await pilot.pause()


def _app(tmp_path: Path) -> CaptainApp:
    w = states.previewing(tmp_path)
    return make_app(w.captain, refresh=0, clock=w.h.clock)


def test_previews_at_80_by_24(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """`feature/login deployed http://127.0.0.1:40123/ 3m ago` in green and
    `feature/search failed — 1m ago` in red; the header ends `2 previews, 1 failed`;
    the first preview's outcome below the table."""
    assert snap_compare(_app(tmp_path), terminal_size=(80, 24), run_before=_previews)


def test_previews_at_120_by_30(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """The same rows with the sources' heads in the header."""
    assert snap_compare(_app(tmp_path), terminal_size=(120, 30), run_before=_previews)
