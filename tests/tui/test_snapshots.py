"""How the board looks, at a fixed size over a fake clock, so the pictures are stable
in CI. Regenerate deliberately with `pytest tests/tui --snapshot-update` and review the
SVGs in `__snapshots__/` before committing them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from release_captain.tui import CaptainApp, make_app
from tests.tui import states

#: pytest-textual-snapshot's fixture: True when the app matches its saved picture.
SnapCompare = Callable[..., bool]

SIZE = (120, 36)


async def _loaded(pilot: Pilot) -> None:
    app = pilot.app
    assert isinstance(app, CaptainApp)
    await app.refreshed()
    await pilot.pause()


def _app(world: states.World) -> CaptainApp:
    return make_app(world.captain, refresh=0, clock=world.h.clock)


def test_board_idle(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """Every stage passed v1: four columns (beta, gamma, and prod's two waves labelled
    `prod · wave 1/2` and `prod · wave 2/2`), each target a green ✓ card running v1,
    prod's first wave marked `◆ manual gate`, no prompt, `○ no engine` in the header,
    beta's column focused (blue), the last events below and the board's keys in the
    footer."""
    assert snap_compare(_app(states.idle(tmp_path)), terminal_size=SIZE, run_before=_loaded)


def test_board_bake_counting_down(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """v2 bakes in gamma: both gamma cards read `◔ … v2 verifying`, `last good v1`,
    `◔ health 2m50s left` over a bar a little over a third full, and `checks errors 2`;
    gamma shows `in flight v2`, beta `passed v2`, prod still v1."""
    assert snap_compare(_app(states.baking(tmp_path)), terminal_size=SIZE, run_before=_loaded)


def test_board_approval_waiting(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """v2 waits at prod's manual gate: the prod · wave 1/2 column has a yellow prompt
    `? v2 waits for approval to enter prod-wave-1` with `a approve · r reject`, its
    border is yellow, and the header says `? 1 waits for you`."""
    assert snap_compare(_app(states.approving(tmp_path)), terminal_size=SIZE, run_before=_loaded)


def test_board_at_80_by_24(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """The smallest supported terminal: two whole columns (beta and gamma) and a
    scrollbar under them for the others, the header shortened to `shop │ latest v2 │ ○
    no engine │ ? 1 waits for you in prod-wave-1`, two lines of events, the footer
    whole up to `q Quit`."""
    assert snap_compare(
        _app(states.approving(tmp_path)), terminal_size=(80, 24), run_before=_loaded
    )


def test_versions_list(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """The versions screen: v2 then v1, short SHAs, authors Grace and Ada, ages, `✓
    succeeded` builds, and the value stream — v2 `● ● ◌ ·` (passed beta and gamma,
    waiting at prod-wave-1), v1 `● ● ● ●` — with the legend above."""
    assert snap_compare(
        _app(states.approving(tmp_path)), terminal_size=SIZE, press=["v"], run_before=_loaded
    )


def test_board_blocked(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """A freeze holds prod: both prod columns have a red border and `⊗ freeze until Tue
    00:00 BST` (the blocker's zone), and prod · wave 1/2 has a red prompt `? v1 is held by a
    blocker from entering prod-wave-1` with `a let through with a reason · r reject`."""
    assert snap_compare(_app(states.blocked(tmp_path)), terminal_size=SIZE, run_before=_loaded)


def test_approval_dialog_with_changes(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """Approving v3 into prod-wave-1: under v3's line, `changes since v1, which
    prod-wave-1 passed: 4 commits, 6 files`, the four commits newest first (short SHA,
    author, subject), then `files app.py ×3 · basket.py · …`, then what approve and reject
    do, the comment line and the buttons."""
    assert snap_compare(
        _app(states.approving_with_changes(tmp_path)),
        terminal_size=SIZE,
        press=["right", "right", "down", "a"],
        run_before=_loaded,
    )


def test_approval_dialog_at_80_by_24(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """The same dialog in the smallest terminal: the changes get a box of their own, a
    quarter of the height, with a scrollbar for the rest; what approve and reject do, the
    comment line and the buttons stay in view."""
    assert snap_compare(
        _app(states.approving_with_changes(tmp_path)),
        terminal_size=(80, 24),
        press=["right", "right", "down", "a"],
        run_before=_loaded,
    )
