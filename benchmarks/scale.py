"""Provides benchmark 5 of issue 7, scale: one stage of 200 targets with
`max_parallel = 200`, each deploy `sleep 0.5`, run by `captain run --headless
--until-idle` from one commit (start-up included), against its ideal (bash: the build
`true`, then 200 `sleep 0.5 &` and `wait`); and the peak RSS of that `captain run`.

The peak RSS is `ru_maxrss` from `wait4` on the captain's process: its own peak (the
`sleep`s it waits for are far smaller), not the maximum over every child of this suite.
"""

from __future__ import annotations

from benchmarks.common import (
    Figure,
    floor_figure,
    interpreter_floor,
    make_project,
    temp_folder,
)
from benchmarks.ideal import time_ideal
from benchmarks.overhead import run_captain_timed
from benchmarks.pipelines import scale

NAME = "scale"
TARGETS = 200
TARGET_RATIO = 1.2
TARGET_RSS_MB = 150.0


def run(repeat: int) -> list[Figure]:
    shape = scale(TARGETS)
    ideal: list[float] = []
    captain: list[float] = []
    rss: list[float] = []
    floor: list[float] = []
    with temp_folder(NAME) as folder:
        make_project(folder, shape.toml())
        time_ideal(shape, folder / "ideal")
        run_captain_timed(folder, shape)
        for _ in range(repeat):
            ideal.append(time_ideal(shape, folder / "ideal").seconds)
            timed = run_captain_timed(folder, shape)
            captain.append(timed.seconds)
            rss.append(timed.peak_rss_mb)
            floor.append(interpreter_floor(folder))
    return [
        Figure(
            bench=NAME,
            name=f"captain run / ideal, {TARGETS} targets × sleep 0.5",
            unit="x",
            target=TARGET_RATIO,
            samples=[c / i for c, i in zip(captain, ideal, strict=True)],
            note="ratio per pair of back-to-back runs",
        ),
        Figure(bench=NAME, name="↳ ideal (bash &/wait)", unit="s", samples=ideal),
        Figure(bench=NAME, name="↳ captain run --until-idle", unit="s", samples=captain),
        floor_figure(NAME, floor),
        Figure(
            bench=NAME,
            name="peak RSS of captain run",
            unit="MB",
            target=TARGET_RSS_MB,
            samples=rss,
            note="ru_maxrss from wait4 on the captain process",
        ),
    ]
