"""The board's first paint (issue 14, item 9): the board is read before the screen is
composed, so the first frame a person sees already has the stages' data and the
compact grid, rather than empty cards that the first read then lays out again."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.screen import Screen

from release_captain.tui import CaptainApp
from release_captain.tui.widgets.header import CaptainHeader
from release_captain.tui.widgets.target_card import TargetCard
from tests.tui.test_board_story import app_over, column, text_of, thirty_regions


async def test_the_first_frame_has_the_board_without_waiting_for_a_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No read in a worker at all: what shows comes from the read before compose.
    monkeypatch.setattr(CaptainApp, "refresh_now", lambda self: None)
    app = app_over(thirty_regions(tmp_path))
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        assert app.board is not None
        assert "reading the state" not in str(app.screen.query_one(CaptainHeader).render())
        assert "passed v1" in text_of(app, "prod-wave-1")
        cards = [c for c in app.screen.query(TargetCard) if c.stage.startswith("prod")]
        assert all(c.view is not None and c.has_class("-compact") for c in cards)
        assert not column(app, "beta").query(TargetCard).first().has_class("-compact")


async def test_the_grid_is_in_the_first_layout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each layout pass lays out and paints every card: the compact grid is guessed
    before the first one, not found after it (a second pass over ~50 cards)."""
    first: list[bool] = []
    original = Screen._refresh_layout

    def watched(screen: Screen[object], *args: object, **kwargs: object) -> None:
        cards = [c for c in screen.query(TargetCard) if c.stage.startswith("prod")]
        if cards and not first:
            first.append(all(c.has_class("-compact") for c in cards))
        original(screen, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Screen, "_refresh_layout", watched)
    app = app_over(thirty_regions(tmp_path))
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause()
    assert first == [True]
