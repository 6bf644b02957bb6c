"""Provides `Holding`: what the loop does when the captain's own faults stop it (rule
R10) — its database locked by another program, a full disk, a step it cannot start.
No version fails for them: the loop says what is wrong (a progress line, and a word
beside the lock that `status` and the TUI read), waits longer each time, and tries
again while the commands it started run on."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from release_captain.errors import CaptainError
from release_captain.runtime.lock import say_holding
from release_captain.store import Event

#: How long the loop first holds, and at most.
FIRST_HOLD = 0.5
MAX_HOLD = 30.0


class CaptainFault(CaptainError):
    """The captain could not do its part (start a step on a full disk): it holds and
    tries again; no version fails for it (rule R10)."""


class Holding:
    """The loop's back-off while it cannot carry on."""

    def __init__(
        self, state_dir: Path, clock: Callable[[], float], on_event: Callable[[Event], None]
    ) -> None:
        self._state_dir = state_dir
        self._clock = clock
        self._on_event = on_event
        #: Seconds of the last hold (0 while the loop carries on).
        self.seconds = 0.0

    def hold(self, fault: CaptainError, stop: threading.Event) -> None:
        """Say what is wrong and wait before the next try (or until stopped)."""
        self.seconds = min(MAX_HOLD, self.seconds * 2 or FIRST_HOLD)
        detail = f"{fault}; nothing is lost, trying again in {self.seconds:g}s"
        self._on_event(Event(id=0, at=self._clock(), kind="engine.holding", detail=detail))
        say_holding(self._state_dir, str(fault))
        stop.wait(self.seconds)

    def resume(self) -> None:
        """The loop carries on: say so, once."""
        if self.seconds:
            self.seconds = 0.0
            say_holding(self._state_dir, None)
            self._on_event(
                Event(id=0, at=self._clock(), kind="engine.resumed", detail="writing again")
            )

    def forget(self) -> None:
        """The engine stops: the word beside the lock goes with it."""
        say_holding(self._state_dir, None)
