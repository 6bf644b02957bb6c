"""Provides benchmark 1 of issue 7, orchestration overhead: `captain run --headless
--until-idle` on the reference pipeline from one commit already made, start-up included,
minus the ideal bash run of the same commands (`benchmarks/ideal.py`).

Each repetition runs the ideal and then the captain, back to back from this process,
on a fresh state directory; the overhead is their difference. One unmeasured run of
each comes first, so the page cache holds Python's and the captain's modules.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.common import (
    BenchmarkError,
    Figure,
    Timed,
    captain_command,
    check,
    floor_figure,
    interpreter_floor,
    make_project,
    reset_state,
    stage_state,
    temp_folder,
    timed_run,
)
from benchmarks.ideal import time_ideal
from benchmarks.pipelines import Shape, reference, reference_true

NAME = "overhead"
#: Targets of issue 7: overhead over the ideal, in seconds.
TARGET_REFERENCE = 0.11
TARGET_TRUE = 0.15
#: Longest one `captain run` of the reference pipeline may take before it is killed.
RUN_TIMEOUT = 60.0


def run_captain_timed(folder: Path, shape: Shape) -> Timed:
    """One `captain run --headless --until-idle` from a fresh state directory. Fails
    unless version 1 passed the last stage."""
    reset_state(folder)
    argv = [*captain_command(), "run", "--headless", "--until-idle"]
    log = folder / "run.out"
    timed = timed_run(argv, cwd=folder, timeout=RUN_TIMEOUT, stdout=log)
    check(timed, "captain run --until-idle", log)
    final = stage_state(folder / ".captain", shape.final_stage(), 1)
    if final != "passed":
        raise BenchmarkError(
            f"captain run ended with v1 {final or 'absent'} in {shape.final_stage()}:\n"
            + log.read_text(errors="replace")[-2000:]
        )
    return timed


def run_captain(folder: Path, shape: Shape) -> float:
    """The wall time in seconds of `run_captain_timed`."""
    return run_captain_timed(folder, shape).seconds


def measure(shape: Shape, repeat: int) -> tuple[list[float], list[float], list[float]]:
    """(ideal seconds, captain seconds, interpreter floor ms), one of each per repetition."""
    ideal: list[float] = []
    captain: list[float] = []
    floor: list[float] = []
    with temp_folder(NAME) as folder:
        make_project(folder, shape.toml())
        time_ideal(shape, folder / "ideal")
        run_captain(folder, shape)
        for _ in range(repeat):
            ideal.append(time_ideal(shape, folder / "ideal").seconds)
            captain.append(run_captain(folder, shape))
            floor.append(interpreter_floor(folder))
    return ideal, captain, floor


def run(repeat: int) -> list[Figure]:
    figures: list[Figure] = []
    for label, shape, target in (
        ("reference pipeline", reference(), TARGET_REFERENCE),
        ("every command `true`", reference_true(), TARGET_TRUE),
    ):
        ideal, captain, floor = measure(shape, repeat)
        figures += [
            Figure(
                bench=NAME,
                name=f"overhead over ideal, {label}",
                unit="s",
                target=target,
                samples=[c - i for c, i in zip(captain, ideal, strict=True)],
                note=f"{shape.commands} commands; captain run minus bash ideal, per pair",
            ),
            Figure(bench=NAME, name=f"↳ ideal (bash &/wait), {label}", unit="s", samples=ideal),
            Figure(
                bench=NAME, name=f"↳ captain run --until-idle, {label}", unit="s", samples=captain
            ),
            floor_figure(NAME, floor, label),
        ]
    return figures
