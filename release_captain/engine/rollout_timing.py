"""Provides the two budgets a decision pass shares across rules: process slots
(`max_parallel`) and the earliest time-driven wake-up."""

from __future__ import annotations

from msgspec import Struct

from release_captain.engine.state import PROCESS_KINDS


class Slots(Struct):
    """How many more processes may start in this pass (`max_parallel` minus running)."""

    free: int

    def take(self, kind: str) -> bool:
        """Take a slot for a step of `kind`; steps that run no process always fit."""
        if kind not in PROCESS_KINDS:
            return True
        if self.free <= 0:
            return False
        self.free -= 1
        return True


class Timers(Struct):
    """The earliest moment a pass should run again because of time alone."""

    wake_at: float | None = None

    def at(self, moment: float) -> None:
        """Ask for a pass at `moment` (keeps the earliest)."""
        if self.wake_at is None or moment < self.wake_at:
            self.wake_at = moment
