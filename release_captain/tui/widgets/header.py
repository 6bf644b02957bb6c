"""Provides `CaptainHeader`: the pipeline's name, the newest version, the sources'
heads, the engine's state, how many previews run and how many things wait for a
person, on one line."""

from __future__ import annotations

import os

from textual.content import Content
from textual.widget import Widget

from release_captain.tui import look
from release_captain.tui.helm import Board
from release_captain.tui.stylesheet import beside


class CaptainHeader(Widget):
    """The top line of every screen."""

    DEFAULT_CSS = beside(__file__)

    def __init__(self, *, readonly: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self._readonly = readonly
        self._board: Board | None = None
        #: The screen's name, shown after the pipeline's.
        self.place = ""

    def show(self, board: Board) -> None:
        """Draw `board` (nothing happens when it did not change)."""
        if board == self._board:
            return
        self._board = board
        self.set_class(bool(board.prompts), "-waiting")
        self.set_class(board.status.engine_pid is None, "-no-engine")
        self.refresh(layout=True)

    def render(self) -> Content:
        board = self._board
        if board is None:
            return Content.from_markup("[b]captain[/b] │ reading the state…")
        status = board.status
        name = status.pipeline + (f" · {self.place}" if self.place else "")
        first = Content.styled(name, "b")
        latest = Content(f"latest {look.version(status.latest_version)}")
        heads = Content("  ".join(f"{s}@{look.short_sha(sha)}" for s, sha in board.heads))
        pid = status.engine_pid
        if pid is None:
            engine = Content.styled("○ no engine", "$text-warning")
        elif pid == os.getpid():
            engine = Content.styled("● engine running here", "$text-success")
        else:
            engine = Content.styled(f"● engine pid {pid}", "$text-success")
        if status.engine_holding:
            engine = Content.styled(f"⏸ engine holds: {status.engine_holding}", "b $text-error")
        shown = _previews(board)
        tail: list[Content] = []
        if board.prompts:
            count = len(board.prompts)
            word = "waits" if count == 1 else "wait"
            where = ", ".join(dict.fromkeys(p.stage for p in board.prompts))
            whom = "for a person" if self._readonly else "for you"
            tail.append(Content.styled(f"? {count} {word} {whom} in {where}", "b $text-warning"))
        if self._readonly:
            tail.append(Content.styled("READ-ONLY", "b $text-error"))
        # Least needed first out when the line is too narrow: the heads, then the latest.
        for parts in (
            [first, latest, heads, engine, shown, *tail],
            [first, latest, engine, shown, *tail],
            [first, engine, shown, *tail],
            [first, engine, *tail],
            [first, *tail],
        ):
            line = Content(" │ ").join(p for p in parts if p.plain)
            if line.cell_length <= self.content_size.width:
                return line
        return line


def _previews(board: Board) -> Content:
    """`2 previews` (`P` lists them), in red with how many failed; nothing when none."""
    count = len(board.previews)
    if not count:
        return Content("")
    text = f"{count} preview" + ("" if count == 1 else "s")
    failed = sum(1 for p in board.previews if p.state == "failed")
    if failed:
        return Content.styled(f"{text}, {failed} failed", "b $text-error")
    return Content.styled(text, "$text-accent")
