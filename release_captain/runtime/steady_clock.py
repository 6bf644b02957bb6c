"""Provides `SteadyClock`, the engine's clock (rule R10): wall-clock seconds read once
at the start, then advanced by the monotonic clock. Bakes, waits and timeouts measured
with it neither shrink nor stretch when the wall clock jumps (an NTP step, a person
setting the date); recorded times stay UTC, off only by what the wall clock was
corrected while the engine ran."""

from __future__ import annotations

import time


class SteadyClock:
    """Call it for the time now, as seconds since the epoch."""

    def __init__(self) -> None:
        self._wall = time.time()
        self._steady = time.monotonic()

    def __call__(self) -> float:
        return self._wall + (time.monotonic() - self._steady)
