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
    beta's column selected (`▶ beta` in its title, its summary a solid bar), the last
    events below and the board's keys in the
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
    """The smallest supported terminal: three whole columns (beta, gamma, prod · wave
    1/2) sharing the width, the breadcrumb `prod-wave-2 ▶` above them for the stage
    scrolled off, the header shortened to `shop │ latest v2 │ ○
    no engine │ ? 1 waits for you in prod-wave-1`, two lines of events, the footer
    whole up to `q Quit`."""
    assert snap_compare(
        _app(states.approving(tmp_path)), terminal_size=(80, 24), run_before=_loaded
    )


def test_versions_list(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """The versions screen at 120: v2 then v1, short SHAs, authors Grace and Ada, ages,
    `✓ succeeded` builds, and the journey — v2 `● 14:38` in beta, `● 14:43` in gamma, `◌`
    at prod·1 (waiting) and its forecast `~ 15:03` after it; v1 `●` with its time in
    every stage — under the
    legend with the waves' headers `prod·1` and `prod·2`, and v2's detail (build, each
    stage in words with its day and time) below the table."""
    assert snap_compare(
        _app(states.approving(tmp_path)), terminal_size=SIZE, press=["v"], run_before=_loaded
    )


def test_journey_at_80(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """Five versions at 80 columns: only the version, one 7-wide column per stage
    (`prod·1`, `prod·2` for the waves) and the message. v5 `◐` in flight in gamma then
    `~` due in the waves, v4 `◌` waiting at prod·1 then `~` due in prod·2, v3 `✗` rejected
    in gamma, v1 `●` everywhere; every time HH:MM
    on the clock's day; v5's detail under the table."""
    assert snap_compare(
        _app(states.journeys(tmp_path)), terminal_size=(80, 24), press=["v"], run_before=_loaded
    )


def test_journey_at_200_with_a_rejection_s_reason(
    tmp_path: Path, snap_compare: SnapCompare
) -> None:
    """At 200 columns the cells get their words (`● passed 14:13`, `✗ rejected 15:45`),
    the commit, author, age and build columns are back, and with the cursor on v3 the
    detail reads `gamma rejected 09-21 15:45: rejected by tester: tax totals are wrong
    for EU baskets`."""
    assert snap_compare(
        _app(states.journeys(tmp_path)),
        terminal_size=(200, 30),
        press=["v", "down", "down"],
        run_before=_loaded,
    )


def test_board_blocked(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """A freeze holds prod: both prod columns have a red border and `⊗ freeze until Tue
    00:00 BST` (the blocker's zone), and prod · wave 1/2 has a red prompt `? v1 is held by a
    blocker from entering prod-wave-1` with `a let through with a reason · r reject`."""
    assert snap_compare(_app(states.blocked(tmp_path)), terminal_size=SIZE, run_before=_loaded)


async def _history(pilot: Pilot) -> None:
    await _loaded(pilot)
    await pilot.press("e")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_history_with_the_event_shown_whole(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """v1's history, newest first (filtered to `v1`), the cursor on `target.failed`
    whose detail the table cuts at `…no last good version to ro`, and under the table
    that event whole: kind, version, place, date and age, actor and the full detail."""

    async def chosen(pilot: Pilot) -> None:
        await _history(pilot)
        await pilot.press("slash", "v", "1", "enter", "down")
        await pilot.pause()

    assert snap_compare(_app(states.fixed(tmp_path)), terminal_size=SIZE, run_before=chosen)


def test_an_event_about_a_step_opened(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """`enter` on v1's `step.failed` row: a dialog with the event whole (`integration:
    exited 1`, by captain) and a focused `Open the step's log (o)` button beside Close."""

    async def opened(pilot: Pilot) -> None:
        await _history(pilot)
        await pilot.press("slash", *"step.failed", "enter", "enter")
        await pilot.pause()

    assert snap_compare(_app(states.fixed(tmp_path)), terminal_size=SIZE, run_before=opened)


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
