"""Provides benchmark 4 of issue 7, the engine tick: one decision pass —
`observe(pipeline, store, now)` then `decide(pipeline, state, now)` — in this process, on
stores of the reference pipeline (40 targets) holding 200, 2,000 and 20,000 versions of
history with the newest version in flight in beta (`benchmarks/history.py`).

After `WARMUP` unmeasured passes, one repetition times up to `PASSES` passes (as many
as fit in 1.5 s, at least 5) and keeps their median; the table shows the median, min
and max of those medians. "Flat" is read as: the pass at 20,000 versions takes at most
1.5 times the pass at 200.
"""

from __future__ import annotations

import gc
import statistics
import time

from benchmarks.common import Figure
from benchmarks.history import history_store
from benchmarks.pipelines import reference

NAME = "engine_tick"
SIZES = (200, 2000, 20000)
TARGET_MS = 10.0
#: How much slower the pass may be at the largest history than at the smallest.
TARGET_GROWTH = 1.5
PASSES = 50
WARMUP = 3
#: Milliseconds of passes one repetition may spend on one store (at least 5 passes).
BUDGET_MS = 1500.0


class Ticker:
    """The pipeline and an open store over one generated state directory."""

    def __init__(self, folder) -> None:
        from release_captain.config import load_pipeline
        from release_captain.store import Store

        self.pipeline = load_pipeline(folder / "pipeline.toml")
        self.store = Store(self.pipeline.state_dir)
        self.now = time.time()

    def one(self) -> float:
        """Milliseconds of one decision pass."""
        from release_captain.engine import decide
        from release_captain.runtime.observation import observe

        started = time.perf_counter()
        state = observe(self.pipeline, self.store, self.now)
        decide(self.pipeline, state, self.now)
        return (time.perf_counter() - started) * 1000

    def warm(self) -> float:
        """Run the unmeasured passes; the slowest of the last few, in ms."""
        return max(self.one() for _ in range(WARMUP))

    def passes(self, estimate_ms: float) -> list[float]:
        """One repetition: as many passes as fit in `BUDGET_MS` (between 5 and `PASSES`)."""
        count = max(5, min(PASSES, int(BUDGET_MS / max(estimate_ms, 0.01))))
        gc.collect()
        return [self.one() for _ in range(count)]

    def close(self) -> None:
        self.store.close()


def run(repeat: int) -> list[Figure]:
    shape = reference()
    folders = {n: history_store(shape, n) for n in SIZES}
    medians: dict[int, list[float]] = {n: [] for n in SIZES}
    counts: dict[int, int] = {}
    tickers = {n: Ticker(folders[n]) for n in SIZES}
    try:
        estimates = {n: t.warm() for n, t in tickers.items()}
        for _ in range(repeat):
            for n, ticker in tickers.items():
                times = ticker.passes(estimates[n])
                counts[n] = len(times)
                medians[n].append(statistics.median(times))
    finally:
        for ticker in tickers.values():
            ticker.close()
    figures = [
        Figure(
            bench=NAME,
            name=f"observe + decide, {n:,} versions × 40 targets",
            unit="ms",
            target=TARGET_MS,
            samples=medians[n],
            note=f"median of {counts[n]} passes per repetition; v{n + 2} in flight in beta",
        )
        for n in SIZES
    ]
    small, large = SIZES[0], SIZES[-1]
    figures.append(
        Figure(
            bench=NAME,
            name=f"pass growth, {large:,} vs {small:,} versions",
            unit="x",
            target=TARGET_GROWTH,
            samples=[b / a for a, b in zip(medians[small], medians[large], strict=True)],
            note="issue 7 asks for a flat pass; ≤ 1.5× is this suite's reading of flat",
        )
    )
    return figures
