"""Provides what `--notify` rings: a terminal bell and a desktop notification (OSC 9,
which iTerm2, kitty, WezTerm, Windows Terminal and tmux pass on) when something starts
waiting for a person or a target fails — the moments a wall screen exists for. The
first board read rings nothing: what waited before the screen opened is not news."""

from __future__ import annotations

from release_captain.tui import look
from release_captain.tui.helm import Board
from release_captain.tui.widgets.approval_prompt import prompt_title


def news(before: Board | None, after: Board) -> list[str]:
    """What became worth a person's attention between two reads of the board."""
    if before is None:
        return []
    known = {p.key for p in before.prompts}
    found = [f"waits for you: {prompt_title(p)}" for p in after.prompts if p.key not in known]
    failure = after.failure
    old = before.failure.id if before.failure is not None else 0
    if failure is not None and failure.id > old:
        found.append(
            f"{look.version(failure.version)} failed on {failure.stage}/{failure.target}: "
            f"{failure.detail}"
        )
    return found


def osc9(text: str) -> str:
    """The bell and the desktop notification that say `text` (control characters,
    which would end the sequence early, left out)."""
    clean = "".join(c for c in text if c.isprintable())
    return f"\a\x1b]9;captain: {clean}\x07"
