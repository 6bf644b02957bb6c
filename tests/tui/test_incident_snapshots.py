"""How the incident view looks, at fixed sizes over a fake clock. Regenerate
deliberately with `pytest tests/tui --snapshot-update` and review the SVGs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from release_captain.tui import CaptainApp, make_app
from release_captain.tui.dialogs.rollback import RollbackDialog
from release_captain.tui.screens.incident import IncidentScreen
from tests.tui import incidents
from tests.tui.conftest import until

#: pytest-textual-snapshot's fixture: True when the app matches its saved picture.
SnapCompare = Callable[..., bool]


async def _incident(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, CaptainApp)
    await app.refreshed()
    await pilot.press("i")
    await until(pilot, lambda: isinstance(app.screen, IncidentScreen) and app.screen.incident)
    await pilot.pause()


async def _rolling_back(pilot: Pilot[None]) -> None:
    await _incident(pilot)
    await pilot.press("b")
    await until(pilot, lambda: isinstance(pilot.app.screen, RollbackDialog))
    await pilot.pause()


def _app(tmp_path: Path) -> CaptainApp:
    w = incidents.alarmed(tmp_path)
    return make_app(w.captain, refresh=0, clock=w.h.clock)


def test_incident_at_120_by_36(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """v4's `health` bake alarmed on gamma/eu-west-1: the headline `gamma/eu-west-1  v4
    health failed  HH:MM:SS (1m ago)`, the engine's words `health: monitor errors in
    ALARM…`, `eu-west-1 runs v3 now`, the step's output (`$ errors`, `# exited 1`) in a
    red box, and under it `b roll back · p pause prod-wave-1 · v4 is rejected in gamma ·
    o the whole log`; the footer has Roll back…, Pause next wave and Output."""
    assert snap_compare(_app(tmp_path), terminal_size=(120, 36), run_before=_incident)


def test_incident_at_80_by_24(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """The same at the smallest supported terminal: the action line wraps, the output
    box shrinks, nothing is cut off."""
    assert snap_compare(_app(tmp_path), terminal_size=(80, 24), run_before=_incident)


def test_rollback_picker_from_the_incident(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """`b` on the incident: `Roll back gamma/eu-west-1?` from v3 (red) to v2 (green),
    the picker on `v2 (last good)`, and the reason written from the failure."""
    assert snap_compare(_app(tmp_path), terminal_size=(120, 36), run_before=_rolling_back)
